"""Per-step resilience keys on any step type: a wrapper around every step runner.

f0_resilience implements ``f0_step_runner`` as a pluggy hook *wrapper*: it
receives the runner the providing plugin returned and hands back a
:class:`ResilientRunner` around it. The wrapper adds the keys
``circuit_breaker``, ``rate_limit``, ``bulkhead`` and ``fallback`` (those the
inner step type does not define itself: ``type: http`` has its own
``rate_limit`` and ``circuit_breaker``, and keeps them). A step without these
keys runs exactly as before. Each attempt:

1. waits for a ``rate_limit`` token (at most ``max_wait`` s);
2. asks the ``circuit_breaker`` (an open circuit fails the attempt at once);
3. takes a ``bulkhead`` slot (full or isolated: fails at once);
4. runs the inner step; its outcome is recorded by the breaker and bulkhead;
5. on the step's last attempt, a failure with ``fallback`` writes
   ``fallback.set`` to the context and succeeds instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from f0 import Problem, StepOutcome

from f0_resilience._check import STEP_KEYS, check_step_keys, settings

if TYPE_CHECKING:
    from f0 import Recipe, Step, StepContext, StepEnv, StepRunner

__all__ = ["RESILIENCE_KEYS", "ResilientRunner"]

RESILIENCE_KEYS = frozenset(STEP_KEYS)


class ResilientRunner:
    """A step runner with the resilience keys around *inner*. Picklable if *inner* is."""

    def __init__(self, inner: StepRunner) -> None:
        self.inner = inner
        #: The keys this wrapper handles for this step type.
        self.owned = RESILIENCE_KEYS - inner.option_keys
        self.option_keys = inner.option_keys | self.owned

    def __getattr__(self, name: str) -> Any:
        # Optional runner methods (code_digest...) are the inner runner's.
        if name.startswith("__") or name in {"inner", "owned", "option_keys"}:
            raise AttributeError(name)
        return getattr(self.inner, name)

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:
        """The inner runner's problems plus those of the resilience keys."""
        problems = list(self.inner.prepare(step, recipe))

        def bad(key: str, message: str) -> None:
            problems.append(
                Problem(message=f"step {step.name!r}: {message}", pos=step.where(key), code="E080")
            )

        check_step_keys(step.options, self.owned, bad)
        return problems

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
        """One attempt of *step* through its rate limit, breaker, bulkhead and fallback."""
        keys = self.owned & set(step.options)
        if not keys:
            return self.inner.run(step, context, env)
        outcome = self._guarded(step, context, env, keys)
        last = env.attempt >= step.retry.max_attempts
        if not outcome.success and "fallback" in keys and last:
            for key, value in step.options["fallback"]["set"].items():
                context.set(key, value)
            context.set(f"{step.name}.fallback", {"used": True, "error": outcome.error})
            return StepOutcome(success=True)
        return outcome

    def _guarded(
        self, step: Step, context: StepContext, env: StepEnv, keys: frozenset[str]
    ) -> StepOutcome:
        from f0_resilience._errors import ResilienceError
        from f0_resilience._shared import shared_breaker, shared_bulkhead, shared_limiter

        opts = step.options
        default = f"step:{step.name}"
        try:
            if "rate_limit" in keys:
                rl = settings(opts, "rate_limit", default)
                limiter = shared_limiter(
                    str(rl["name"]), float(rl["requests_per_second"]), int(rl["burst_size"])
                )
                max_wait = (
                    float(rl["max_wait"])
                    if env.timeout is None
                    else min(float(rl["max_wait"]), env.timeout)
                )
                limiter.wait_and_acquire(max_wait=max_wait)
            breaker = None
            if "circuit_breaker" in keys:
                cb = settings(opts, "circuit_breaker", default)
                breaker = shared_breaker(
                    str(cb["name"]),
                    int(cb["failure_threshold"]),
                    float(cb["recovery_timeout"]),
                    int(cb["half_open_max_calls"]),
                )
                breaker.before_call()
            compartment = None
            if "bulkhead" in keys:
                bh = settings(opts, "bulkhead", default)
                compartment = str(bh["name"])
                bulkhead = shared_bulkhead()
                bulkhead.create_compartment(
                    compartment,
                    int(bh["max_capacity"]),
                    int(bh["failure_threshold"]),
                    int(bh["isolation_threshold"]),
                    float(bh["recovery_time"]),
                )
                try:
                    bulkhead.acquire(compartment)
                except ResilienceError:
                    if breaker is not None:
                        breaker.on_failure()
                    raise
        except (ResilienceError, TimeoutError) as exc:
            return StepOutcome(success=False, exit_code=1, error=str(exc))
        success = False
        try:
            outcome = self.inner.run(step, context, env)
            success = outcome.success
        finally:
            if breaker is not None:
                (breaker.on_success if success else breaker.on_failure)()
            if compartment is not None:
                shared_bulkhead().release(compartment, success=success)
        return outcome

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.inner == self.inner  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.inner))

    def __repr__(self) -> str:
        return f"ResilientRunner({self.inner!r})"

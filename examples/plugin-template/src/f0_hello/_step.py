"""The ``hello`` step type."""

from __future__ import annotations

from f0 import Problem, Recipe, Step, StepContext, StepEnv, StepOutcome


def greeting(name: str, *, shout: bool = False) -> str:
    """``Hello, NAME!`` (in capitals with *shout*)."""
    text = f"Hello, {name}!"
    return text.upper() if shout else text


class HelloRunner:
    """Writes a greeting into the context under ``hello.<step name>``.

    Step keys: ``greet`` (who to greet, default ``world``), ``shout`` (bool).
    Picklable (no state), as process pools require.
    """

    option_keys = frozenset({"greet", "shout"})

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:
        """``greet`` must be a string."""
        greet = step.options.get("greet", "world")
        if not isinstance(greet, str):
            return [
                Problem(
                    message=f"step {step.name!r}: greet must be a string", pos=step.where("greet")
                )
            ]
        return []

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
        """Greet and record the greeting."""
        text = greeting(
            str(step.options.get("greet", "world")), shout=bool(step.options.get("shout"))
        )
        context.set(f"hello.{step.name}", text)
        return StepOutcome(success=True, result={"greeting": text})

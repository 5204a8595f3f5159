"""The ``health`` step type: run health checks; fail the step when they are bad enough.

```yaml
- name: preflight
  idx: 1
  type: health
  checks: [cpu, memory, disk, process]   # default [cpu, memory, disk]
  disk_paths: [/, data]                  # relative paths: from the recipe's folder
  processes: [postgres]
  thresholds: {disk: {warning: 70, critical: 90}}
  custom: [checks:queue_depth]           # module:function returning (status, message)
  fail_on: critical                      # critical (default) | warning | never
```

The report ``{status, checks: [...], timestamp}`` goes to ``<output_key>``
(default ``<step name>.result``) when the step succeeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from f0 import Limits, Problem, StepOutcome

if TYPE_CHECKING:
    from f0 import Recipe, Step, StepContext, StepEnv

__all__ = ["FAIL_ON", "HealthStepRunner"]

FAIL_ON = ("critical", "warning", "never")
_CHECKS = ("cpu", "memory", "disk", "process")
_METRICS = ("cpu", "memory", "disk")
_DEFAULT_CHECKS = ("cpu", "memory", "disk")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


class HealthStepRunner:
    """Runs ``type: health`` steps. Stateless, so it pickles to worker processes."""

    option_keys: frozenset[str] = frozenset(
        {
            "checks",
            "thresholds",
            "sample_duration",
            "disk_paths",
            "processes",
            "custom",
            "fail_on",
            "output_key",
        }
    )

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:
        """Check the keys, and import the custom checks, before anything runs."""
        opts = step.options
        problems: list[Problem] = []

        def bad(key: str, message: str) -> None:
            pos = step.where(key) if key in opts else step.where()
            problems.append(Problem(message=f"step {step.name!r}: {message}", pos=pos, code="E090"))

        checks = opts.get("checks", list(_DEFAULT_CHECKS))
        if not _str_list(checks) or any(c not in _CHECKS for c in checks):
            bad("checks", f"'checks' must be a list of {', '.join(_CHECKS)}, not {checks!r}")
            checks = []
        if "process" in checks and not opts.get("processes"):
            bad(
                "processes" if "processes" in opts else "checks",
                "the 'process' check needs 'processes' (process names)",
            )
        for key in ("disk_paths", "processes", "custom"):
            if key in opts and not _str_list(opts[key]):
                bad(key, f"{key!r} must be a list of non-empty strings")
        if opts.get("fail_on", "critical") not in FAIL_ON:
            bad(
                "fail_on",
                f"'fail_on' must be one of {', '.join(FAIL_ON)}, not {opts.get('fail_on')!r}",
            )
        sample = opts.get("sample_duration", 1.0)
        if not _number(sample) or not 0 <= sample <= Limits.MAX_SECONDS:
            # Bounded: 1e300 s validated, then overflowed the sampling sleep (issue 19).
            shown = repr(sample) if not _number(sample) or sample < 1e20 else "a huge number"  # noqa: PLR2004
            bad(
                "sample_duration",
                f"'sample_duration' must be a number of seconds >= 0 and at most "
                f"{Limits.MAX_SECONDS:,.0f}, not {shown}",
            )
        self._check_thresholds(opts.get("thresholds"), bad)
        if _str_list(opts.get("custom")):
            from f0_health._report import load_check_function

            for spec in opts["custom"]:
                try:
                    load_check_function(spec, recipe.base_dir)
                except ValueError as exc:
                    bad("custom", str(exc))
        output_key = opts.get("output_key")
        if output_key is not None and (not isinstance(output_key, str) or not output_key):
            bad("output_key", "'output_key' must be a non-empty string")
        return problems

    @staticmethod
    def _check_thresholds(value: Any, bad: Any) -> None:
        if value is None:
            return
        if not isinstance(value, Mapping):
            bad(
                "thresholds",
                "'thresholds' must be a mapping like {disk: {warning: 70, critical: 90}}",
            )
            return
        for metric, bounds in value.items():
            if metric not in _METRICS:
                bad(
                    "thresholds",
                    f"thresholds: unknown metric {metric!r} (known: {', '.join(_METRICS)})",
                )
                continue
            if not isinstance(bounds, Mapping) or not set(bounds) <= {"warning", "critical"}:
                bad(
                    "thresholds",
                    f"thresholds.{metric} must be a mapping with 'warning' and/or 'critical'",
                )
                continue
            for kind, number in bounds.items():
                if not _number(number) or not 0 <= number <= 100:  # noqa: PLR2004 - a percentage
                    bad(
                        "thresholds",
                        f"thresholds.{metric}.{kind} must be a percentage 0-100, not {number!r}",
                    )

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
        """Run the checks; write the report; fail per ``fail_on``."""
        from f0_health._checks import CustomHealthChecker
        from f0_health._model import (
            DEFAULT_CRITICAL,
            DEFAULT_WARNING,
            HealthStatus,
            percent_threshold,
        )
        from f0_health._report import load_check_function, run_checks

        opts = step.options
        thresholds = {}
        for metric, bounds in (opts.get("thresholds") or {}).items():
            thresholds[metric] = percent_threshold(
                metric,
                float(bounds.get("warning", DEFAULT_WARNING)),
                float(bounds.get("critical", DEFAULT_CRITICAL)),
            )
        custom = CustomHealthChecker()
        try:
            for spec in opts.get("custom") or ():
                custom.register_check(
                    spec.partition(":")[2], load_check_function(spec, Path(env.base_dir))
                )
        except ValueError as exc:
            return StepOutcome(success=False, exit_code=1, error=str(exc))
        base = Path(env.data_dir)
        report = run_checks(
            list(opts.get("checks", _DEFAULT_CHECKS)),
            thresholds=thresholds,
            sample_duration=float(opts.get("sample_duration", 1.0)),
            disk_paths=[str(base / p) for p in opts["disk_paths"]]
            if opts.get("disk_paths")
            else None,
            processes=list(opts.get("processes") or ()),
            custom=custom,
        )
        status = HealthStatus(report["status"])
        fail_on = str(opts.get("fail_on", "critical"))
        failing = {
            "critical": {HealthStatus.CRITICAL, HealthStatus.UNKNOWN},
            "warning": {HealthStatus.WARNING, HealthStatus.CRITICAL, HealthStatus.UNKNOWN},
            "never": set(),
        }[fail_on]
        if status in failing:
            bad_checks = [c for c in report["checks"] if HealthStatus(c["status"]) in failing]
            detail = "; ".join(
                f"{c['check_name']} {c['status']}: {c['message']}" for c in bad_checks
            )
            return StepOutcome(success=False, exit_code=1, error=f"health {status.value}: {detail}")
        context.set(str(opts.get("output_key") or f"{step.name}.result"), report)
        return StepOutcome(success=True)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return "HealthStepRunner()"

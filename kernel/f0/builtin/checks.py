"""The kernel's own recipe checks, as an ``f0_validate_recipe`` implementation.

Unique step names and indices, dependencies that exist, no self-dependency,
no cycles (the cycle is named), and a warning when ``depends_on`` points at a
step with a higher ``idx`` (the dependency order wins).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0._markers import hookimpl

if TYPE_CHECKING:
    from f0.model import Problem, Recipe


@hookimpl
def f0_validate_recipe(recipe: Recipe) -> list[Problem]:
    """Check names, indices and the dependency graph of *recipe*."""
    # Imported here: this module is registered on every start, even for --help.
    from f0.model import Problem, Severity
    from f0.plan import find_cycle

    problems: list[Problem] = []
    names: dict[str, int] = {}
    indices: dict[int, str] = {}
    for step in recipe.steps:
        if step.name in names:
            problems.append(
                Problem(
                    message=f"duplicate step name {step.name!r}",
                    pos=step.where("name"),
                    code="E010",
                )
            )
        names.setdefault(step.name, step.idx)
        if step.idx in indices:
            problems.append(
                Problem(
                    message=f"duplicate idx {step.idx} (also used by step {indices[step.idx]!r})",
                    pos=step.where("idx"),
                    code="E011",
                )
            )
        indices.setdefault(step.idx, step.name)
    for step in recipe.steps:
        for dep in step.depends_on:
            if dep == step.name:
                problems.append(
                    Problem(
                        message=f"step {step.name!r} depends on itself",
                        pos=step.where("depends_on"),
                        code="E012",
                    )
                )
            elif dep not in names:
                known = ", ".join(sorted(names)) or "none"
                problems.append(
                    Problem(
                        message=f"step {step.name!r} depends on unknown step {dep!r} (steps: {known})",
                        pos=step.where("depends_on"),
                        code="E013",
                    )
                )
            elif names[dep] > step.idx:
                problems.append(
                    Problem(
                        message=f"step {step.name!r} (idx {step.idx}) depends on {dep!r} with a higher idx "
                        f"({names[dep]}); it runs after {dep!r}",
                        pos=step.where("depends_on"),
                        severity=Severity.WARNING,
                        code="W014",
                    )
                )
    edges = {s.name: [d for d in s.depends_on if d != s.name] for s in recipe.steps}
    cycle = find_cycle(edges)
    if cycle:
        first = recipe.step(cycle[0])
        problems.append(
            Problem(
                message=f"dependency cycle: {' -> '.join(cycle)}",
                pos=first.where("depends_on"),
                code="E015",
            )
        )
    return problems

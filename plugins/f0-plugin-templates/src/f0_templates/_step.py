"""The ``template`` step type.

```yaml
- name: report
  idx: 3
  type: template
  template_file: report.md.j2     # or  template: "Hello {{ name }}"
  vars: {title: Sales}
  vars_from: {rows: load.result}  # variable name -> context key
  output_file: out/report.md      # or only output_key (default <name>.result)
```
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from f0 import Problem, StepOutcome

from f0_templates._output import literal_problem

if TYPE_CHECKING:
    from f0 import Recipe, Step, StepContext, StepEnv

__all__ = ["TemplateStepRunner"]

_STRINGS = ("output_key", "encoding", "base_dir")
_BOOLS = ("strict", "autoescape")


class TemplateStepRunner:
    """Runs ``type: template`` steps. Stateless, so it pickles to worker processes."""

    option_keys: frozenset[str] = frozenset(
        {
            "template",
            "template_file",
            "template_dir",
            "vars",
            "vars_from",
            "output_file",
            "output_key",
            "strict",
            "autoescape",
            "encoding",
            "base_dir",
        }
    )

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:  # noqa: ARG002 - protocol
        """Check the keys and the syntax of an inline template, at their recipe positions."""
        from f0_templates._render import syntax_problem

        opts = step.options
        problems: list[Problem] = []

        def bad(key: str | None, message: str, code: str) -> None:
            pos = step.where(key) if key in opts else step.where()
            problems.append(Problem(message=f"step {step.name!r}: {message}", pos=pos, code=code))

        given = [k for k in ("template", "template_file") if k in opts]
        if len(given) != 1:
            bad(
                given[-1] if given else None,
                "template steps need exactly one of 'template' and 'template_file'",
                "E610",
            )
        if "template" in opts:
            if not isinstance(opts["template"], str):
                bad("template", "'template' must be a string", "E611")
            elif (why := syntax_problem(opts["template"])) is not None:
                bad("template", f"'template' {why}", "E612")
        for key in ("template_file", "output_file"):
            if key in opts and (why := literal_problem(opts[key])) is not None:
                bad(key, f"'{key}' {why}", "E613")
        dirs = opts.get("template_dir")
        if dirs is not None and not (
            (isinstance(dirs, str) and dirs)
            or (isinstance(dirs, list) and dirs and all(isinstance(d, str) and d for d in dirs))
        ):
            bad("template_dir", "'template_dir' must be a folder or a list of folders", "E611")
        if "vars" in opts and not isinstance(opts["vars"], Mapping):
            bad("vars", "'vars' must be a mapping of name -> value", "E611")
        vars_from = opts.get("vars_from")
        if vars_from is not None and not (
            isinstance(vars_from, Mapping)
            and all(isinstance(v, str) and v for v in vars_from.values())
        ):
            bad(
                "vars_from", "'vars_from' must be a mapping of variable name -> context key", "E611"
            )
        for key in _STRINGS:
            if key in opts and (not isinstance(opts[key], str) or not opts[key]):
                bad(key, f"'{key}' must be a non-empty string", "E611")
        for key in _BOOLS:
            if key in opts and not isinstance(opts[key], bool):
                bad(key, f"'{key}' must be true or false", "E611")
        return problems

    def run(self, step: Step, context: StepContext, env: StepEnv) -> StepOutcome:
        """Render; a missing file, syntax error or undefined variable fails the step."""
        from f0_templates._output import OutputPathError, confine, write_atomic
        from f0_templates._render import ContextView, TemplateRenderError, render_string

        opts = step.options
        recipe_dir = Path(env.data_dir)  # workdir: when the recipe sets one
        dirs_opt = opts.get("template_dir", ".")
        dirs = [recipe_dir / d for d in ([dirs_opt] if isinstance(dirs_opt, str) else dirs_opt)]
        variables: dict[str, Any] = {"ctx": ContextView(context), **dict(opts.get("vars", {}))}
        for name, key in dict(opts.get("vars_from", {})).items():
            if key not in context:
                return _fail(f"'vars_from': the context has no key {key!r} (for variable {name!r})")
            variables[str(name)] = context.get(key)
        try:
            text = render_string(
                opts.get("template"),
                variables,
                name=opts.get("template_file"),
                dirs=dirs,
                strict=bool(opts.get("strict", True)),
                autoescape=bool(opts.get("autoescape", False)),
            )
        except TemplateRenderError as exc:
            return _fail(str(exc))
        output_key = str(opts.get("output_key") or f"{step.name}.result")
        if "output_file" not in opts:
            context.set(output_key, text)
            return StepOutcome(success=True)
        name = str(opts["output_file"])
        try:
            data = text.encode(str(opts.get("encoding", "utf-8")))
            target = confine(recipe_dir / str(opts.get("base_dir", ".")), name)
            md5 = write_atomic(target, data)
        except (OutputPathError, UnicodeEncodeError, LookupError) as exc:
            return _fail(f"output_file: {exc}")
        except OSError as exc:
            return _fail(f"output_file {name!r}: {exc.strerror or exc}")
        context.set(output_key, {"path": name, "size": len(data), "md5": md5})
        return StepOutcome(success=True)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return "TemplateStepRunner()"


def _fail(message: str) -> StepOutcome:
    return StepOutcome(success=False, exit_code=1, error=message)

"""``load_recipe``: text of a ``.yaml``/``.yml``/``.json`` file to :class:`f0.Recipe`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from f0 import Limits, Problem, Recipe, RecipeError

from f0_yaml._document import Document
from f0_yaml._fast import read_fast
from f0_yaml._fields import Fields, Report, describe, is_number
from f0_yaml._format import TOP_LEVEL_FIELDS
from f0_yaml._limits import count_values, precount
from f0_yaml._retry import read_defaults
from f0_yaml._steps import read_steps
from f0_yaml._unknown import report_unknown_keys

__all__ = ["TOP_LEVEL_KEYS", "content_hash", "load_recipe"]

TOP_LEVEL_KEYS = tuple(TOP_LEVEL_FIELDS)
_METADATA_DEFAULTS: dict[str, Any] = {
    "version": "1.0",
    "description": "",
    "author": "",
    "tags": [],
    "requirements": [],
}


def load_recipe(path: Path, text: str, *, positions: bool = True) -> Recipe:
    """Parse *text*, the content of recipe file *path*.

    Every non-fatal problem is in ``Recipe.problems``; raises
    :class:`f0.RecipeError` only when the file cannot be read as a recipe at all.
    With *positions* False, try the fast reader first (no source positions);
    a file with any problem is read again with positions.
    """
    path = Path(path)
    limits = Limits.from_env()
    # Too many nodes is refused here, by libyaml in C, before any reader
    # builds a value (None: libyaml cannot read it; the readers will say why).
    events = precount(text, limits, str(path))
    doc = None
    if not positions and (events is not None or path.suffix.lower() == ".json"):
        doc = read_fast(path, text, syntax_checked=events is not None)
        if doc is not None and events is None:
            count_values(doc.data, limits, str(path))
    if doc is None:
        from f0_yaml._positions import read_document  # ruamel.yaml loads only here

        doc = read_document(path, text, limits)
    try:
        recipe = _recipe(doc, path)
    except RecipeError:
        if doc.positions:
            raise
        return load_recipe(path, text, positions=True)
    if recipe.problems and not doc.positions:
        return load_recipe(path, text, positions=True)
    return recipe


def _recipe(doc: Document, path: Path) -> Recipe:
    where = str(path)
    if doc.data is None:
        raise RecipeError("recipe is empty", pos=doc.value_pos(()))
    if not isinstance(doc.data, dict):
        message = (
            f"a recipe must be a mapping with 'metadata' and 'steps', got {describe(doc.data)}"
        )
        raise RecipeError(message, pos=doc.value_pos(()))
    report = Report(doc.problems)
    top = Fields(doc, report, (), label="", where="")
    report_unknown_keys(top, TOP_LEVEL_KEYS, code="E030", top_level=True)
    lenient = top.boolean("lenient")
    workdir = top.text("workdir", empty_ok=False)
    if workdir and not (path.parent / Path(workdir).expanduser()).is_dir():
        top.error(
            "workdir",
            f"workdir {workdir!r} is not a folder (relative to the recipe's folder)",
            code="E004",
        )
        workdir = None
    name, metadata = _read_metadata(top, path)
    defaults = read_defaults(top.mapping("defaults"))
    steps = read_steps(doc, report, defaults)
    return Recipe(
        name=name,
        # Recipe's converter=tuple types as Iterable[_T_co] to mypy (kernel typing gap).
        steps=tuple(steps),
        path=path,
        metadata=metadata,
        retry=defaults.policy(),
        problems=tuple(sorted(report.problems, key=_in_file_order)),
        file_hash=content_hash(doc.data, where),
        raw=doc.data,
        pos=doc.value_pos(()),
        positions=doc.positions,
        lenient=bool(lenient),
        workdir=Path(workdir).expanduser() if workdir else None,
    )


def _read_metadata(top: Fields, path: Path) -> tuple[str, dict[str, Any]]:
    """The recipe name and the metadata dict with its defaults filled in."""
    meta = top.mapping("metadata")
    metadata: dict[str, Any] = {**(meta.data if meta else {})}
    name: str | None = None
    if meta is not None and meta.given("name"):
        name = meta.text("name", empty_ok=False, code="E002")
    elif meta is not None or not top.given("metadata"):
        # (A metadata that is not a mapping was reported already: one problem is enough.)
        top.report.warning(
            "W002",
            f"metadata.name is missing; using the file name {path.stem!r}",
            meta.own_pos() if meta else top.own_pos(),
            "metadata.name",
        )
    if meta is not None:
        _check_metadata_values(meta, metadata)
    for key, default in _METADATA_DEFAULTS.items():
        metadata.setdefault(key, list(default) if isinstance(default, list) else default)
    metadata["name"] = name if name is not None else path.stem
    return metadata["name"], metadata


def _check_metadata_values(meta: Fields, metadata: dict[str, Any]) -> None:
    """Check the known metadata keys; bad values fall back to their defaults."""
    version = meta.data.get("version")
    if is_number(version):
        # ``version: 2.0`` is a float to YAML; "2.10" would read as 2.1.
        meta.warn(
            "version",
            f"{meta.name('version')} {version!r} is a number; "
            f"quote it (version: '{version}') to keep it exact",
            code="W004",
        )
        metadata["version"] = str(version)
    elif meta.text("version") is None:
        metadata.pop("version", None)
    for key in ("description", "author"):
        if meta.text(key) is None:
            metadata.pop(key, None)
    for key in ("tags", "requirements"):
        values = meta.strings(key)
        if values is None:
            metadata.pop(key, None)
        else:
            metadata[key] = values


def _in_file_order(problem: Problem) -> tuple[int, int, int]:
    # Problems read top to bottom, like the file; unplaced ones come last.
    pos = problem.pos
    return (0, pos.line, pos.col) if pos else (1, 0, 0)


def content_hash(content: Any, where: str) -> str:
    """SHA-256 hex of the canonical JSON of *content* (``sort_keys``, compact, ``default=str``)."""
    try:
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        # Non-string keys of mixed types cannot be sorted; hash their text.
        text = json.dumps(_str_keys(content), sort_keys=True, separators=(",", ":"), default=str)
    except RecursionError as exc:
        raise RecipeError("recipe is nested too deeply", where=where) from exc
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _str_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _str_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_str_keys(v) for v in value]
    return value

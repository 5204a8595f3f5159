"""``orchestrator.enhanced_recipe_parser``: Framework0's parser over f0's loader and validator.

Every check f0 makes (structure, types, dependencies, cycles, duplicate
``idx``, importing each step's module and function) comes from
``f0.load_recipe``, the loader and validator of ``f0 validate``, called in
this process; this module reads the
file for the legacy data shapes (``raw_data``, ``RecipeMetadata``,
``StepInfo``), computes the content hash, caches results and runs the
user's own validators.
"""

from __future__ import annotations

import enum
import hashlib
import json
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import attrs
import f0
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

__all__ = [
    "EnhancedRecipeParser",
    "ParsedRecipe",
    "RecipeFormat",
    "RecipeMetadata",
    "RecipeValidator",
    "StepInfo",
    "ValidationMessage",
    "ValidationSeverity",
    "ValidatorFunction",
    "content_hash",
    "load_recipe_file",
    "parse_recipe_file",
    "validate_recipe_data",
]


class RecipeFormat(enum.StrEnum):
    """Recipe file formats, by extension."""

    YAML = "yaml"
    JSON = "json"

    @classmethod
    def detect(cls, path: str | Path) -> RecipeFormat:
        """``.yaml``/``.yml`` → YAML, ``.json`` → JSON; ``ValueError`` otherwise."""
        suffix = Path(path).suffix.lower()
        if suffix in {".yaml", ".yml"}:
            return cls.YAML
        if suffix == ".json":
            return cls.JSON
        msg = f"unsupported recipe format {suffix or '(no extension)'!r} for {path}: use .yaml, .yml or .json"
        raise ValueError(msg)


class ValidationSeverity(enum.StrEnum):
    """How bad a validation message is."""

    ERROR = "ERROR"
    WARNING = "WARNING"
    INFO = "INFO"


@dataclass
class ValidationMessage:
    """One problem: ``str()`` is ``[SEVERITY] location: message``."""

    severity: ValidationSeverity
    message: str
    location: str = ""
    code: str | None = None

    def __post_init__(self) -> None:
        self.severity = ValidationSeverity(str(self.severity).upper())

    def __str__(self) -> str:
        where = f" {self.location}:" if self.location else ""
        return f"[{self.severity.value}]{where} {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location,
            "code": self.code,
        }


#: A custom validator: recipe dict → messages.
ValidatorFunction = Callable[[dict[str, Any]], list[ValidationMessage]]


@dataclass
class RecipeMetadata:
    """The ``metadata`` mapping of a recipe."""

    name: str
    version: str = "1.0"
    description: str = ""
    author: str = ""
    created: str | None = None
    modified: str | None = None
    tags: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], fallback_name: str) -> RecipeMetadata:
        """Read *data*, tolerating wrong types (f0's validator reports those)."""

        def text(key: str, default: str) -> str:
            value = data.get(key)
            return default if value is None else str(value)

        def strings(key: str) -> list[str]:
            value = data.get(key)
            return [str(v) for v in value] if isinstance(value, list) else []

        created, modified = data.get("created"), data.get("modified")
        return cls(
            name=text("name", fallback_name),
            version=text("version", "1.0"),
            description=text("description", ""),
            author=text("author", ""),
            created=None if created is None else str(created),
            modified=None if modified is None else str(modified),
            tags=strings("tags"),
            requirements=strings("requirements"),
        )


@dataclass
class StepInfo:
    """One step as Framework0 described it; ``ValueError`` for impossible values."""

    name: str
    idx: int
    module: str
    function: str
    step_type: str = "python"
    args: dict[str, Any] | list[Any] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    success_criteria: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    retry_count: int = 0
    enabled: bool = True

    def __post_init__(self) -> None:
        for key in ("name", "module", "function"):
            value = getattr(self, key)
            if not isinstance(value, str) or not value:
                msg = f"step {key} must be a non-empty string, not {value!r}"
                raise ValueError(msg)
        if not isinstance(self.idx, int) or isinstance(self.idx, bool):
            msg = f"step idx must be an integer, not {self.idx!r}"
            raise ValueError(msg)  # noqa: TRY004
        if self.timeout is not None and not self.timeout > 0:
            msg = f"step timeout must be > 0, not {self.timeout!r}"
            raise ValueError(msg)
        if self.retry_count < 0:
            msg = f"step retry_count must be >= 0, not {self.retry_count!r}"
            raise ValueError(msg)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], position: int) -> StepInfo:
        """Build from a step mapping (*position* is its 1-based place, the default idx)."""
        retries = data.get("retry_count", data.get("retries", 0))
        timeout = data.get("timeout")
        return cls(
            name=data.get("name"),  # type: ignore[arg-type]
            idx=data.get("idx", position),
            module=data.get("module"),  # type: ignore[arg-type]
            function=data.get("function"),  # type: ignore[arg-type]
            step_type=str(data.get("type", "python")),
            args=data.get("args") or {},
            depends_on=list(data.get("depends_on") or []),
            success_criteria=dict(data.get("success_criteria") or {}),
            timeout=None if timeout is None else float(timeout),
            retry_count=int(retries),
            enabled=bool(data.get("enabled", True)),
        )


@dataclass
class ParsedRecipe:
    """What :meth:`EnhancedRecipeParser.parse_recipe` returns."""

    metadata: RecipeMetadata
    steps: list[StepInfo]
    validation_messages: list[ValidationMessage]
    raw_data: dict[str, Any]
    file_path: str
    file_hash: str

    @property
    def is_valid(self) -> bool:
        """No ERROR message."""
        return self.error_count == 0

    @property
    def error_count(self) -> int:
        """How many ERROR messages."""
        return sum(m.severity is ValidationSeverity.ERROR for m in self.validation_messages)

    @property
    def warning_count(self) -> int:
        """How many WARNING messages."""
        return sum(m.severity is ValidationSeverity.WARNING for m in self.validation_messages)


def content_hash(data: Any) -> str:
    """SHA-256 hex of the canonical JSON of *data* (sorted keys, no spaces)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def load_recipe_file(path: str | Path) -> dict[str, Any]:
    """The recipe file as a dict.

    ``FileNotFoundError`` if missing; ``ValueError`` for an unknown extension,
    a file that does not parse or whose top level is not a mapping.
    """
    path = Path(path)
    fmt = RecipeFormat.detect(path)
    if not path.is_file():
        msg = f"recipe file not found: {path}"
        raise FileNotFoundError(msg)
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if fmt is RecipeFormat.JSON else YAML(typ="safe").load(text)
    except (json.JSONDecodeError, YAMLError) as exc:
        msg = f"cannot parse {path} as {fmt.value}: {exc}"
        raise ValueError(msg) from None
    if not isinstance(data, dict):
        msg = f"{path}: the top level of a recipe must be a mapping, not {type(data).__name__}"
        raise ValueError(msg)  # noqa: TRY004 - the legacy API raises ValueError here
    return data


def _hooks() -> f0.Hooks:
    """f0's plugins, loaded once per process for the parser (as ``f0 validate`` loads them)."""
    global _HOOKS  # noqa: PLW0603 - built on first use: loading plugins costs ~0.1 s
    with _HOOKS_LOCK:
        if _HOOKS is None:
            _HOOKS = f0.make_hooks()
        return _HOOKS


_HOOKS: f0.Hooks | None = None
_HOOKS_LOCK = threading.Lock()


def _as_messages(problems: Iterable[f0.Problem], shown_as: str) -> list[ValidationMessage]:
    """f0's problems as Framework0 messages, located ``FILE:line:col``."""
    messages = []
    for problem in problems:
        where = shown_as
        if problem.pos is not None:
            where = f"{shown_as}:{problem.pos.line}:{problem.pos.col}"
        elif problem.where:
            where = f"{shown_as}: {problem.where}"
        severity = ValidationSeverity.ERROR if problem.is_error else ValidationSeverity.WARNING
        messages.append(ValidationMessage(severity, problem.message, where, problem.code))
    return messages


def _error_message(exc: f0.F0Error, shown_as: str) -> ValidationMessage:
    where = f"{shown_as}:{exc.pos.line}:{exc.pos.col}" if exc.pos is not None else shown_as
    return ValidationMessage(ValidationSeverity.ERROR, exc.message, where)


def _f0_messages(path: Path, *, shown_as: str) -> list[ValidationMessage]:
    """What ``f0 validate PATH`` finds, in process (``f0.load_recipe``)."""
    try:
        _, problems = f0.load_recipe(path, lenient=True, hooks=_hooks())
    except f0.F0Error as exc:
        return [_error_message(exc, shown_as)]
    return _as_messages(problems, shown_as)


def _data_messages(data: Mapping[str, Any], base_dir: Path) -> list[ValidationMessage]:
    """f0's problems in recipe *data*, its step modules looked up in *base_dir* first."""
    with tempfile.TemporaryDirectory(prefix="f0-compat-") as tmp:
        path = Path(tmp) / "recipe.json"
        path.write_text(json.dumps(dict(data), default=str), encoding="utf-8")
        try:
            recipe, _ = f0.load_recipe(path, lenient=True, hooks=_hooks())
        except f0.F0Error as exc:
            return [_error_message(exc, "recipe")]
    # Validated again as if the file were in base_dir, where its modules live.
    moved = attrs.evolve(recipe, path=base_dir / "recipe.json")
    return _as_messages(f0.validate_recipe(moved, lenient=True, hooks=_hooks()), "recipe")


class RecipeValidator:
    """Validates recipe data with f0's validator plus custom validators."""

    def __init__(self) -> None:
        self._validators: dict[str, ValidatorFunction] = {}
        self._lock = threading.Lock()

    def add_validator(self, name: str, fn: ValidatorFunction) -> None:
        """Run *fn(recipe_dict) -> list[ValidationMessage]* on every recipe (same name replaces)."""
        if not callable(fn):
            msg = f"validator {name!r} must be callable, not {fn!r}"
            raise TypeError(msg)
        with self._lock:
            self._validators[name] = fn

    def remove_validator(self, name: str) -> bool:
        """Forget validator *name*; False if there was none."""
        with self._lock:
            return self._validators.pop(name, None) is not None

    def custom_messages(self, data: dict[str, Any]) -> list[ValidationMessage]:
        """What the custom validators say; a validator that raises is itself an ERROR."""
        with self._lock:
            validators = list(self._validators.items())
        messages: list[ValidationMessage] = []
        for name, fn in validators:
            try:
                found = fn(data)
            except Exception as exc:  # noqa: BLE001 - reported as a validation error
                found = [
                    ValidationMessage(
                        ValidationSeverity.ERROR,
                        f"validator {name!r} raised {type(exc).__name__}: {exc}",
                        "validator",
                        "E900",
                    )
                ]
            for item in found or []:
                if not isinstance(item, ValidationMessage):
                    msg = f"validator {name!r} returned {item!r}, not a ValidationMessage"
                    item = ValidationMessage(ValidationSeverity.ERROR, msg, "validator", "E901")  # noqa: PLW2901
                messages.append(item)
        return messages

    def validate(
        self, data: Mapping[str, Any], base_dir: str | Path | None = None
    ) -> list[ValidationMessage]:
        """Every problem in recipe *data* (a dict as read from a file).

        Step modules are looked up in *base_dir* (default: the current
        folder), then ``sys.path``.
        """
        if not isinstance(data, Mapping):
            return [
                ValidationMessage(
                    ValidationSeverity.ERROR,
                    f"a recipe must be a mapping, not {type(data).__name__}",
                    "recipe",
                    "E000",
                )
            ]
        folder = Path(base_dir) if base_dir is not None else Path.cwd()
        return _data_messages(data, folder.resolve()) + self.custom_messages(dict(data))


class EnhancedRecipeParser:
    """Parses and validates recipe files; results are cached by path and content hash."""

    def __init__(self, context: Any = None) -> None:
        self.context = context
        self.validator = RecipeValidator()
        self._cache: dict[tuple[str, str], ParsedRecipe] = {}
        self._lock = threading.Lock()

    def detect_format(self, path: str | Path) -> RecipeFormat:
        """The format of *path* by extension (``ValueError`` if unsupported)."""
        return RecipeFormat.detect(path)

    def load_file(self, path: str | Path) -> dict[str, Any]:
        """The file as a dict (see :func:`load_recipe_file`)."""
        return load_recipe_file(path)

    def add_validator(self, name: str, fn: ValidatorFunction) -> None:
        """Add a custom validator (see :meth:`RecipeValidator.add_validator`); clears the cache."""
        self.validator.add_validator(name, fn)
        self.clear_cache()

    def clear_cache(self) -> None:
        """Forget every cached result."""
        with self._lock:
            self._cache.clear()

    def parse_recipe(self, path: str | Path, use_cache: bool = True) -> ParsedRecipe:
        """Load, validate (f0 + custom validators) and describe the recipe at *path*.

        ``FileNotFoundError``/``ValueError`` when the file is missing or does
        not parse; validation problems are in ``validation_messages``.
        """
        path = Path(path)
        data = load_recipe_file(path)
        digest = content_hash(data)
        key = (str(path.resolve()), digest)
        if use_cache:
            with self._lock:
                hit = self._cache.get(key)
            if hit is not None:
                return hit
        messages = _f0_messages(path, shown_as=str(path)) + self.validator.custom_messages(data)
        metadata = data.get("metadata")
        parsed = ParsedRecipe(
            metadata=RecipeMetadata.from_dict(
                metadata if isinstance(metadata, dict) else {}, path.stem
            ),
            steps=_steps(data.get("steps")),
            validation_messages=messages,
            raw_data=data,
            file_path=str(path),
            file_hash=digest,
        )
        with self._lock:
            self._cache[key] = parsed
        self._record(parsed)
        return parsed

    def get_validation_summary(self, parsed: ParsedRecipe) -> str:
        """Human text: a verdict line with counts, then one line per message."""
        verdict = "valid" if parsed.is_valid else "INVALID"
        counts = f"{parsed.error_count} error(s), {parsed.warning_count} warning(s), {len(parsed.steps)} step(s)"
        lines = [f"Recipe {parsed.metadata.name!r} ({parsed.file_path}): {verdict} - {counts}"]
        lines.extend(f"  {m}" for m in parsed.validation_messages)
        return "\n".join(lines)

    def _record(self, parsed: ParsedRecipe) -> None:
        setter = getattr(self.context, "set", None)
        if not callable(setter):
            return
        prefix = f"recipe.{parsed.metadata.name}."
        setter(prefix + "parsed", True, who="recipe_parser")
        setter(prefix + "hash", parsed.file_hash, who="recipe_parser")
        setter(prefix + "errors", parsed.error_count, who="recipe_parser")


def _steps(raw: Any) -> list[StepInfo]:
    """The well-formed steps, in idx order (f0's validator reports the others)."""
    if not isinstance(raw, list):
        return []
    steps = []
    for position, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            continue
        try:
            steps.append(StepInfo.from_dict(item, position))
        except (TypeError, ValueError):
            continue
    return sorted(steps, key=lambda s: s.idx)


def parse_recipe_file(path: str | Path, context: Any = None) -> ParsedRecipe:
    """Parse and validate *path* with a fresh :class:`EnhancedRecipeParser`."""
    return EnhancedRecipeParser(context).parse_recipe(path, use_cache=False)


def validate_recipe_data(
    data: Mapping[str, Any], base_dir: str | Path | None = None
) -> list[ValidationMessage]:
    """Every problem in recipe *data* (see :meth:`RecipeValidator.validate`)."""
    return RecipeValidator().validate(data, base_dir)


def main(argv: list[str] | None = None) -> int:
    """``validate FILE...``: print each summary; exit 0 valid, 1 errors, 2 missing/unparseable."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m orchestrator.enhanced_recipe_parser",
        description="Validate Framework0 recipes with f0's loader and validator.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="validate recipe files")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--json", action="store_true", help="print one JSON object per file")
    args = parser.parse_args(argv)
    recipe_parser = EnhancedRecipeParser()
    worst = 0
    for name in args.files:
        try:
            parsed = recipe_parser.parse_recipe(name)
        except (OSError, ValueError) as exc:
            print(f"{name}: {exc}", file=sys.stderr)  # noqa: T201 - a command line
            worst = 2
            continue
        if args.json:
            print(  # noqa: T201
                json.dumps(
                    {
                        "file": parsed.file_path,
                        "valid": parsed.is_valid,
                        "file_hash": parsed.file_hash,
                        "messages": [m.to_dict() for m in parsed.validation_messages],
                    }
                )
            )
        else:
            print(recipe_parser.get_validation_summary(parsed))  # noqa: T201
        if not parsed.is_valid:
            worst = max(worst, 1)
    return worst

"""Step fingerprints and the cache/resume decisions made from them (``f0_step_decisions``).

A step's **fingerprint** covers its definition (type, module, function,
args, options, success criteria, dependencies), the digest of the code it
runs (asked from its step runner's optional ``code_digest``), and the
fingerprints of its upstream steps. The values of the context keys a step
read are compared separately, against what the step would see now.

:func:`decide` turns fingerprints plus a run store into one
:class:`Decision` per step: ``RUN`` (and why), ``CACHED`` or ``DONE`` (a
step a resumed run does not repeat). ``f0 plan`` prints these; ``f0 run``
replays the recorded deltas of CACHED and DONE steps and schedules the rest.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from f0 import (
    MISSING_DIGEST,
    Decision,
    Fingerprint,
    ResumeRefusedError,
    StepStatus,
    recipe_key,
    value_digest,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from f0 import CacheEntry, Delta, Recipe, RunRecord, RunStore, Step, StepRecord, StepRunner

__all__ = ["decide", "fingerprints", "step_definition"]

_MISSING = object()
_SHOW_MAX = 40  # characters of a value quoted in a reason
_PLAIN_REASON = "not cached (no cache: key)"
_NO_STORE_REASON = "no run store"


def _make_canonical() -> Callable[[Any], str]:
    # The text json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    # gives, without building a new encoder on every call (json.dumps does, and
    # that cost more than encoding a step's small definition). The bytes must
    # not change: stored fingerprints are compared with new ones.
    from json import encoder

    make = getattr(encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the pure-Python encoder, built once
        return json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode
    # (markers, default, encoder, indent, key_separator, item_separator, sort_keys,
    #  skipkeys, allow_nan) -- no circular-reference markers: definitions are JSON trees.
    iterencode = make(None, str, encoder.encode_basestring_ascii, None, ":", ",", True, False, True)

    def canonical(data: Any) -> str:
        return "".join(iterencode(data, 0))

    return canonical


_canonical: Callable[[Any], str] = _make_canonical()


def _digest(data: Any) -> str:
    return hashlib.sha256(_canonical(data).encode()).hexdigest()


def step_definition(step: Step) -> dict[str, Any]:
    """What a step *is*, as JSON: the parts that change what it computes.

    Position, ``idx``, timeout, retries and ``cache`` itself are left out:
    changing them does not change the step's outcome.
    """
    return {
        "type": step.type,
        "module": step.module,
        "function": step.function,
        "args": step.args,
        "options": dict(step.options),
        "success_criteria": dict(step.success_criteria),
        "depends_on": sorted(step.depends_on),
    }


def fingerprints(
    step_runner: Callable[[str], StepRunner], recipe: Recipe, order: tuple[Step, ...]
) -> dict[str, Fingerprint]:
    """The fingerprint of every step, computed in dependency *order*.

    *step_runner* gives a step type's runner, whose optional
    ``code_digest(step, recipe)`` says what code the step runs.
    """
    result: dict[str, Fingerprint] = {}
    # Steps that run the same code share its digest: asking the runner once per
    # (type, module, function, args, options) saves resolving the code again for
    # each of thousands of steps. A runner's code digest depends on what the step
    # runs, which is all in its definition.
    code_of: dict[str, Callable[[Step, Recipe], tuple[str | None, str | None]] | None] = {}
    codes: dict[tuple[Any, ...], tuple[str | None, str | None]] = {}
    for step in order:
        definition = step_definition(step)
        if step.type in code_of:
            code = code_of[step.type]
        else:
            code = code_of[step.type] = getattr(step_runner(step.type), "code_digest", None)
        if code is None:
            code_digest, code_origin = None, None
        else:
            key = (
                step.type,
                step.module,
                step.function,
                _canonical(definition["args"]),
                _canonical(definition["options"]),
            )
            found = codes.get(key)
            if found is None:
                found = codes[key] = code(step, recipe)
            code_digest, code_origin = found
        upstream = {d: result[d].value for d in sorted(step.depends_on) if d in result}
        value = _digest([definition, code_digest, upstream])
        result[step.name] = Fingerprint(
            value=value,
            definition=definition,
            code_digest=code_digest,
            code_origin=code_origin,
            upstream=upstream,
        )
    return result


def _definition_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    """A short reason naming the first difference: ``args changed: n 3 -> 4``."""
    if old == new:
        return None
    old_args, new_args = old.get("args"), new.get("args")
    if old_args != new_args:
        if isinstance(old_args, dict) and isinstance(new_args, dict):
            for key in sorted(set(old_args) | set(new_args)):
                before, after = old_args.get(key, _MISSING), new_args.get(key, _MISSING)
                if before != after:
                    return f"args changed: {key} {_show(before)} -> {_show(after)}"
        return f"args changed: {_show(old_args)} -> {_show(new_args)}"
    for field in ("type", "module", "function", "options", "success_criteria", "depends_on"):
        if old.get(field) != new.get(field):
            return f"{field} changed: {_show(old.get(field))} -> {_show(new.get(field))}"
    return "definition changed"


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(unset)"
    text = json.dumps(value, default=str)
    return text if len(text) <= _SHOW_MAX else text[: _SHOW_MAX - 3] + "..."


def _cache_reason(  # noqa: PLR0911 - one early return per reason, in the order users read them
    step: Step,
    fp: Fingerprint,
    *,
    entry: CacheEntry | None,
    decisions: Mapping[str, Decision],
    visible: Mapping[str, Any],
    now: float,
) -> str | None:
    """Why *step* cannot reuse *entry* (None: it can)."""
    if entry is None:
        return "no cache entry"
    if entry.expired(now):
        return "cache expired"
    changed = _definition_change(entry.definition, fp.definition)
    if changed:
        return changed
    if entry.code_digest != fp.code_digest:
        return f"code of {fp.code_origin or entry.code_origin or step.module} changed"
    for dep in sorted(step.depends_on):
        if decisions.get(dep) is None or decisions[dep].action not in ("CACHED", "DONE"):
            return f"upstream {dep} runs"
        if entry.upstream.get(dep) != fp.upstream.get(dep):
            return f"upstream {dep} changed"
    for key, digest in sorted(entry.inputs.items()):
        now_digest = value_digest(visible[key]) if key in visible else MISSING_DIGEST
        if now_digest != digest:
            return f"input {key} changed"
    return None


def _resume_reason(fp: Fingerprint, record: StepRecord) -> str | None:
    """Why a completed step of the run to resume cannot be reused (None: it can)."""
    if record.fingerprint is None:
        return "it has no fingerprint"
    if record.fingerprint == fp.value:
        return None
    if record.definition:
        changed = _definition_change(record.definition, fp.definition)
        if changed:
            return changed
    if record.code_digest != fp.code_digest:
        return f"code of {fp.code_origin or record.code_origin or 'the step'} changed"
    for dep, value in fp.upstream.items():
        if record.upstream and record.upstream.get(dep) != value:
            return f"upstream {dep} changed"
    return "its definition, code or upstream steps changed"


def decide(
    step_runner: Callable[[str], StepRunner],
    recipe: Recipe,
    order: tuple[Step, ...],
    *,
    initial: Mapping[str, Any],
    store: RunStore | None,
    use_cache: bool = True,
    resume: RunRecord | None = None,
    force: bool = False,
    now: float | None = None,
) -> dict[str, Decision]:
    """Decide RUN / CACHED / DONE / SKIP for every step of *recipe*, with reasons.

    *initial* is the context before the first step (``recipe.*`` and
    ``--set`` values). With *resume*, completed steps whose fingerprint is
    unchanged are DONE; a changed one raises :class:`ResumeRefusedError`
    unless *force*, which re-runs it and everything downstream. Every
    decision carries the step's fingerprint whenever there is a *store* to
    record it in.
    """
    now = time.time() if now is None else now
    if store is None and resume is None:
        # Nothing recorded to compare with or to record into: no fingerprints
        # needed (they cost a hash per step on every plain run).
        cached = _NO_STORE_REASON if use_cache else "--no-cache"
        return {
            s.name: Decision(action="RUN", reason=cached if s.cache else _PLAIN_REASON)
            if s.enabled
            else Decision(action="SKIP", reason="enabled: false")
            for s in order
        }
    fps = fingerprints(step_runner, recipe, order)
    key = recipe_key(recipe)
    decisions: dict[str, Decision] = {}
    # The context a step would see if every CACHED/DONE step before it is replayed.
    visible: dict[str, Any] = dict(initial)
    # Every decision carries its step's fingerprint: made with it, not copied
    # afterwards (a second Decision per step cost as much as the first).
    for step in order:
        fp = fps[step.name]
        if not step.enabled:
            decisions[step.name] = Decision(action="SKIP", reason="enabled: false", fingerprint=fp)
            continue
        # Resuming, a step that re-runs says why in terms of the resumed run.
        rerun: str | None = None
        if resume is not None:
            decision = _resume_decision(step, fp, resume, decisions, force=force)
            if isinstance(decision, Decision):
                decisions[step.name] = decision
                _replay(visible, decision.delta)
                continue
            rerun = decision
        if not step.cache:
            decisions[step.name] = Decision(
                action="RUN", reason=rerun or _PLAIN_REASON, fingerprint=fp
            )
            continue
        if not use_cache:
            decisions[step.name] = Decision(
                action="RUN", reason=rerun or "--no-cache", fingerprint=fp
            )
            continue
        if store is None:
            decisions[step.name] = Decision(
                action="RUN", reason=rerun or _NO_STORE_REASON, fingerprint=fp
            )
            continue
        entry = store.cache_get(key, step.name)
        why = _cache_reason(step, fp, entry=entry, decisions=decisions, visible=visible, now=now)
        if why is not None or entry is None:
            reason = rerun or why or "no cache entry"
            decisions[step.name] = Decision(action="RUN", reason=reason, fingerprint=fp)
            continue
        decisions[step.name] = Decision(
            action="CACHED",
            reason=f"cached by run {entry.run_id}",
            delta=entry.delta,
            result=entry.result,
            fingerprint=fp,
        )
        _replay(visible, entry.delta)
    return decisions


def _resume_decision(
    step: Step,
    fp: Fingerprint,
    resume: RunRecord,
    decisions: Mapping[str, Decision],
    *,
    force: bool,
) -> Decision | str:
    """DONE for a completed, unchanged step of *resume*; else why the step runs again."""
    record = resume.steps.get(step.name)
    if record is None:
        return f"did not run in run {resume.run_id}"
    if record.result.status not in (StepStatus.COMPLETED, StepStatus.CACHED):
        outcome = f"{record.result.status.value} in run {resume.run_id}"
        changed = _resume_reason(fp, record) if record.fingerprint is not None else None
        return f"{outcome}; since then {changed}" if changed else outcome
    rerun = [
        d for d in step.depends_on if decisions.get(d) is None or decisions[d].action != "DONE"
    ]
    if rerun:
        return f"upstream {min(rerun)} runs"  # an upstream step re-runs, so this one must too
    why = _resume_reason(fp, record)
    if why is not None:
        if force:
            return f"changed since run {resume.run_id} (--force): {why}"
        msg = (
            f"cannot resume run {resume.run_id}: step {step.name!r} completed there, "
            f"but since then {why}; "
            "run without --resume, or add --force to re-run it and the steps after it"
        )
        raise ResumeRefusedError(msg, pos=step.where())
    return Decision(
        action="DONE",
        reason=f"completed in run {resume.run_id}",
        delta=record.delta,
        result=record.result.result,
        attempts=record.result.attempts,
        fingerprint=fp,
    )


def _replay(visible: dict[str, Any], delta: Delta | None) -> None:
    if delta is None:
        return
    for key in delta.removed:
        visible.pop(key, None)
    visible.update(delta.changes)

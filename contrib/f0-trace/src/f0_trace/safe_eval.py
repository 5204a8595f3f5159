"""Breakpoint conditions: Python expressions evaluated on a whitelist of AST nodes.

Only names from the given mapping, literals, comparisons, boolean and
arithmetic operators, subscripts and conditional expressions. No calls,
no attribute access, no lambdas or comprehensions, no builtins, no dunder
names: a condition can read the values it is given and nothing else.
Sequence repetition (``"a" * n``) and ``**`` are refused too, so a
condition cannot exhaust memory or CPU.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["ConditionError", "compile_condition", "evaluate"]


#: Longest condition accepted: a condition is a short test, not a program.
MAX_CONDITION_CHARS = 2000


class ConditionError(ValueError):
    """A condition that is not allowed, or that failed on the given values."""


_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
#: What a refused node is called in the error message.
_REFUSED: dict[type[ast.AST], str] = {
    ast.Call: "function calls",
    ast.Attribute: "attribute access",
    ast.Lambda: "lambda",
    ast.NamedExpr: "assignment expressions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.JoinedStr: "f-strings",
    ast.Starred: "starred expressions",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}
_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.IfExp,
    ast.Name,
    ast.Constant,
    ast.Subscript,
    ast.Slice,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.Load,
    ast.And,
    ast.Or,
    *_BINOPS,
    *_UNARY,
    *_COMPARE,
)


def compile_condition(source: str) -> ast.Expression:
    """Parse and check *source*; raise :class:`ConditionError` naming what is not allowed and where."""
    if not isinstance(source, str):
        msg = f"condition must be a string, not {type(source).__name__}"
        raise ConditionError(msg)
    if len(source) > MAX_CONDITION_CHARS:
        msg = f"condition: longer than {MAX_CONDITION_CHARS} characters ({len(source)})"
        raise ConditionError(msg)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        # Python reports offset 0 for an expression that ends too early: point past its end.
        msg = (
            f"condition {source!r}: col {exc.offset or len(source) + 1}: invalid syntax: {exc.msg}"
        )
        raise ConditionError(msg) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, nesting too deep
        msg = f"condition {source[:80]!r}: cannot be parsed: {type(exc).__name__}"
        raise ConditionError(msg) from None
    for node in ast.walk(tree):
        where = f"condition {source!r}: col {getattr(node, 'col_offset', 0) + 1}"
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            msg = f"{where}: name {node.id!r} is not allowed (no dunder names, no builtins)"
            raise ConditionError(msg)
        if not isinstance(node, _ALLOWED):
            what = _REFUSED.get(type(node), f"{type(node).__name__} expressions")
            msg = f"{where}: {what} not allowed (only names, literals and operators)"
            raise ConditionError(msg)
        if isinstance(node, ast.BinOp) and type(node.op) not in _BINOPS:
            msg = f"{where}: operator {type(node.op).__name__} not allowed"
            raise ConditionError(msg)
    return tree


def _binop(op: ast.operator, left: Any, right: Any) -> Any:
    # Repetition of a sequence by a number could allocate without bound: numbers only.
    if isinstance(op, ast.Mult) and not (
        isinstance(left, int | float | complex) and isinstance(right, int | float | complex)
    ):
        raise ConditionError("'*' is allowed on numbers only")
    return _BINOPS[type(op)](left, right)


def _eval(node: ast.AST, names: Mapping[str, Any]) -> Any:  # noqa: PLR0911 - one case per node type
    if isinstance(node, ast.Expression):
        return _eval(node.body, names)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in names:
            msg = f"name {node.id!r} is not defined in the context"
            raise ConditionError(msg)
        return names[node.id]
    if isinstance(node, ast.BoolOp):
        value: Any = None
        for operand in node.values:
            value = _eval(operand, names)
            if isinstance(node.op, ast.And) and not value:
                return value
            if isinstance(node.op, ast.Or) and value:
                return value
        return value
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_eval(node.operand, names))
    if isinstance(node, ast.BinOp):
        return _binop(node.op, _eval(node.left, names), _eval(node.right, names))
    if isinstance(node, ast.Compare):
        left = _eval(node.left, names)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, names)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _eval(node.test, names) else node.orelse, names)
    if isinstance(node, ast.Subscript):
        return _eval(node.value, names)[_eval(node.slice, names)]
    if isinstance(node, ast.Slice):
        return slice(
            *(
                None if part is None else _eval(part, names)
                for part in (node.lower, node.upper, node.step)
            )
        )
    if isinstance(node, ast.Tuple):
        return tuple(_eval(e, names) for e in node.elts)
    if isinstance(node, ast.List):
        return [_eval(e, names) for e in node.elts]
    if isinstance(node, ast.Set):
        return {_eval(e, names) for e in node.elts}
    if isinstance(node, ast.Dict):
        return {
            _eval(k, names): _eval(v, names)
            for k, v in zip(node.keys, node.values, strict=True)
            if k is not None
        }
    msg = f"{type(node).__name__} not allowed"
    raise ConditionError(msg)  # compile_condition refused it already


def evaluate(condition: str | ast.Expression, names: Mapping[str, Any]) -> Any:
    """The value of *condition* with *names* as its only variables.

    Raises :class:`ConditionError` for a refused expression, an unknown
    name, or an operation that fails on the values (the cause chained).
    """
    tree = compile_condition(condition) if isinstance(condition, str) else condition
    try:
        return _eval(tree, names)
    except ConditionError:
        raise
    except Exception as exc:
        msg = f"condition failed: {type(exc).__name__}: {exc}"
        raise ConditionError(msg) from exc

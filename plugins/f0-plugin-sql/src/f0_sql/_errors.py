"""The error of the database operations (``spec/scriptlets.md`` §1, database_operations)."""

from __future__ import annotations

__all__ = ["DatabaseOperationsError", "describe_db_error"]


class DatabaseOperationsError(Exception):
    """An operation that could not be carried out; its transaction was rolled back.

    The message is one line and never holds the connection password.
    """


def describe_db_error(exc: BaseException) -> str:
    """One line from a SQLAlchemy/driver error: the driver's own message, first line.

    SQLAlchemy's text repeats the statement and a help link; the driver's
    message (``near "SELEC": syntax error``, ``connection refused``) is what a
    user needs. Parameter values are never included.
    """
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig is not None else str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else type(exc).__name__
    # psycopg puts the useful part ("Connection refused") on a later line; its
    # DETAIL lines may quote row values, which stay out of messages.
    extra = [line for line in lines[1:] if "refused" in line.lower()]
    # SQLAlchemy's class (IntegrityError, OperationalError...) is the same for every driver.
    kind = type(exc).__name__
    return f"{kind}: " + "; ".join([first, *extra[:1]])

"""Error categories, severities and recovery records (``spec/scriptlets.md`` §2, Errors)."""

from __future__ import annotations

import enum
import time
import traceback
import uuid
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "BulkheadRejectedError",
    "CircuitOpenError",
    "ErrorCategory",
    "ErrorContext",
    "ErrorMetadata",
    "ErrorSeverity",
    "RecoveryAction",
    "RecoveryStrategy",
    "ResilienceError",
    "classify_error",
]


class ErrorCategory(enum.StrEnum):
    """What kind of thing went wrong."""

    SYSTEM = "SYSTEM"
    NETWORK = "NETWORK"
    VALIDATION = "VALIDATION"
    BUSINESS = "BUSINESS"
    SECURITY = "SECURITY"
    FRAMEWORK = "FRAMEWORK"


class ErrorSeverity(enum.IntEnum):
    """How bad it is; comparable (``severity >= ErrorSeverity.HIGH``)."""

    LOW = 10
    MEDIUM = 20
    HIGH = 30
    CRITICAL = 40
    FATAL = 50


class RecoveryStrategy(enum.StrEnum):
    """How to recover."""

    RETRY = "RETRY"
    FALLBACK = "FALLBACK"
    CIRCUIT_BREAKER = "CIRCUIT_BREAKER"
    ROLLBACK = "ROLLBACK"
    ESCALATE = "ESCALATE"
    IGNORE = "IGNORE"


class ResilienceError(Exception):
    """Base of the errors this plugin raises itself."""


class CircuitOpenError(ResilienceError):
    """A call refused because its circuit breaker is open."""


class BulkheadRejectedError(ResilienceError):
    """A call refused by a bulkhead compartment (full or isolated)."""


def classify_error(exc: BaseException) -> tuple[ErrorCategory, ErrorSeverity]:  # noqa: PLR0911 - a flat table reads best
    """A category and severity for *exc*, by its type.

    Network: connection errors and timeouts (MEDIUM); security: permission
    errors (HIGH); validation: ValueError/TypeError/KeyError (MEDIUM);
    system: memory and other OS errors (CRITICAL for MemoryError, HIGH
    otherwise); framework: this plugin's own refusals (MEDIUM); anything else
    is a business error (MEDIUM).
    """
    if isinstance(exc, ResilienceError):
        return ErrorCategory.FRAMEWORK, ErrorSeverity.MEDIUM
    if isinstance(exc, ConnectionError | TimeoutError):
        return ErrorCategory.NETWORK, ErrorSeverity.MEDIUM
    if isinstance(exc, PermissionError):
        return ErrorCategory.SECURITY, ErrorSeverity.HIGH
    if isinstance(exc, MemoryError):
        return ErrorCategory.SYSTEM, ErrorSeverity.CRITICAL
    if isinstance(exc, OSError):
        return ErrorCategory.SYSTEM, ErrorSeverity.HIGH
    if isinstance(exc, ValueError | TypeError | KeyError):
        return ErrorCategory.VALIDATION, ErrorSeverity.MEDIUM
    return ErrorCategory.BUSINESS, ErrorSeverity.MEDIUM


@attrs.define(kw_only=True)
class ErrorMetadata:
    """Where an error happened."""

    recipe_id: str | None = None
    step_id: str | None = None
    execution_id: str | None = None
    tags: dict[str, str] = attrs.field(factory=dict)


@attrs.define(kw_only=True)
class ErrorContext:
    """One error with what is known about it and its recovery; JSON-safe via ``to_dict``."""

    message: str
    category: ErrorCategory = ErrorCategory.BUSINESS
    severity: ErrorSeverity = ErrorSeverity.MEDIUM
    exception_type: str | None = None
    traceback: str | None = None
    metadata: ErrorMetadata = attrs.field(factory=ErrorMetadata)
    error_id: str = attrs.field(factory=lambda: uuid.uuid4().hex)
    timestamp: float = attrs.field(factory=time.time)
    max_recovery_attempts: int = 3
    recovery_attempts: int = 0
    resolved: bool = False
    resolution: str | None = None
    resolved_at: float | None = None

    @classmethod
    def from_exception(
        cls, exc: BaseException, metadata: ErrorMetadata | None = None
    ) -> ErrorContext:
        """An ErrorContext for *exc*, classified by :func:`classify_error`."""
        category, severity = classify_error(exc)
        return cls(
            message=str(exc) or type(exc).__name__,
            category=category,
            severity=severity,
            exception_type=type(exc).__name__,
            traceback="".join(traceback.format_exception(exc)),
            metadata=metadata or ErrorMetadata(),
        )

    def resolve(self, resolution: str) -> None:
        """Mark the error resolved, saying how."""
        self.resolved, self.resolution, self.resolved_at = True, resolution, time.time()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (enums by name)."""
        data = attrs.asdict(self)
        data["category"] = self.category.value
        data["severity"] = self.severity.name
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ErrorContext:
        """The inverse of :meth:`to_dict`."""
        fields = dict(data)
        fields["category"] = ErrorCategory(fields["category"])
        fields["severity"] = ErrorSeverity[fields["severity"]]
        fields["metadata"] = ErrorMetadata(**fields.get("metadata", {}))
        return cls(**fields)


@attrs.define(kw_only=True)
class RecoveryAction:
    """One way of recovering, with its attempt budget (spec §2 defaults)."""

    strategy: RecoveryStrategy = RecoveryStrategy.RETRY
    max_attempts: int = 3
    timeout_seconds: float = 30.0
    backoff_multiplier: float = 2.0
    initial_delay: float = 1.0
    validation_timeout: float = 5.0
    escalation_threshold: int = 2
    attempts_made: int = 0
    successes: int = 0
    errors: list[str] = attrs.field(factory=list)

    def can_retry(self) -> bool:
        """True while ``attempts_made < max_attempts``."""
        return self.attempts_made < self.max_attempts

    def record_attempt(self, success: bool, error: BaseException | str | None = None) -> None:
        """Count one attempt and remember its error."""
        self.attempts_made += 1
        if success:
            self.successes += 1
        elif error is not None:
            self.errors.append(str(error))

    @property
    def should_escalate(self) -> bool:
        """True once ``escalation_threshold`` attempts have failed."""
        return self.attempts_made - self.successes >= self.escalation_threshold

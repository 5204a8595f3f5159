"""``src.analysis``: Framework0's analyzer framework over f0-plugin-analytics' statistics.

One analyzer API (``spec/junk.md``: the ``Enhanced*``/``V2`` duplicates
collapse into it): :class:`AnalysisConfig`, :class:`AnalysisResult`,
:class:`BaseAnalyzerV2` (``analyze(data) -> AnalysisResult`` with a
``quality_score`` from 0 to 1, timing, and errors caught into the result),
the four analyzers and :class:`AnalysisRegistry` / :class:`AnalyzerFactory`.

The numbers come from ``f0_analytics.stats`` (the code behind ``f0 stats``):
summaries and percentiles, least-squares trends, z-score and IQR anomalies.
Data is a sequence of samples; ``None``, NaN and non-numbers count as
missing or invalid, not as errors.
"""

from __future__ import annotations

import abc
import math
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from f0_analytics import stats

__all__ = [
    "AnalysisConfig",
    "AnalysisError",
    "AnalysisRegistry",
    "AnalysisResult",
    "AnalyzerFactory",
    "BaseAnalyzerV2",
    "EnhancedAnalysisRegistry",
    "EnhancedAnalyzer",
    "EnhancedSummarizer",
    "PatternAnalyzer",
    "QualityAnalyzer",
    "StatisticalAnalyzer",
]


class AnalysisError(Exception):
    """An analyzer could not analyze its input (reported in :attr:`AnalysisResult.errors`)."""


@dataclass
class AnalysisConfig:
    """How analyzers work; Framework0's defaults."""

    timeout_seconds: float = 300.0
    max_memory_mb: int = 512
    #: Decimal places numbers in results are rounded to.
    statistical_precision: int = 6
    #: Least confidence (0-1) for a pattern to be reported.
    pattern_threshold: float = 0.7
    #: Least quality score (0-1) for data to pass :class:`QualityAnalyzer`.
    quality_threshold: float = 0.8
    #: ``|z|`` above which a sample is an anomaly (f0 stats' default).
    anomaly_sensitivity: float = stats.DEFAULT_SENSITIVITY
    custom_parameters: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> list[str]:
        """Problems with these settings (empty when fine)."""
        problems = []
        if not self.timeout_seconds > 0:
            problems.append("timeout_seconds must be > 0")
        if not self.max_memory_mb > 0:
            problems.append("max_memory_mb must be > 0")
        if not 0 <= self.statistical_precision <= 15:  # noqa: PLR2004 - float's digits
            problems.append("statistical_precision must be from 0 to 15")
        problems.extend(
            f"{name} must be from 0.0 to 1.0"
            for name in ("pattern_threshold", "quality_threshold")
            if not 0.0 <= getattr(self, name) <= 1.0
        )
        if not self.anomaly_sensitivity > 0:
            problems.append("anomaly_sensitivity must be > 0")
        return problems

    def to_dict(self) -> dict[str, Any]:
        """Every setting as a dict."""
        return asdict(self)


@dataclass
class AnalysisResult:
    """What one :meth:`BaseAnalyzerV2.analyze` call found."""

    analyzer_name: str
    success: bool
    data: dict[str, Any] = field(default_factory=dict)
    #: 0.0 (unusable input) to 1.0 (every sample present and valid).
    quality_score: float = 0.0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    execution_time: float = 0.0
    timestamp: float = field(default_factory=time.time)
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _samples(data: Any) -> list[Any]:
    """The samples of *data*: a sequence, a mapping's values, or one value."""
    if isinstance(data, Mapping):
        return list(data.values())
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        return list(data)
    return [data]


class BaseAnalyzerV2(abc.ABC):
    """An analyzer: subclasses implement :meth:`_analyze_impl`; callers use :meth:`analyze`.

    ``analyze`` times the call, turns an exception into a failed result
    (never raises for bad data), rounds numbers to
    ``config.statistical_precision`` and scores the input's quality.
    """

    #: The name results carry (default: the class name).
    analyzer_name: ClassVar[str | None] = None
    #: Whether the analyzer works on numbers (non-numbers are then a warning).
    _numeric: ClassVar[bool] = True

    def __init__(self, config: AnalysisConfig | None = None, name: str | None = None) -> None:
        self.config = config or AnalysisConfig()
        problems = self.config.validate()
        if problems:
            msg = "invalid AnalysisConfig: " + "; ".join(problems)
            raise ValueError(msg)
        self.name = name or self.analyzer_name or type(self).__name__
        self._lock = threading.Lock()
        self._runs = self._failures = 0
        self._total_time = 0.0

    @abc.abstractmethod
    def _analyze_impl(self, samples: list[Any]) -> dict[str, Any]:
        """Analyze *samples*; raise :class:`AnalysisError` for input it cannot use."""

    def quality_of(self, samples: list[Any]) -> float:
        """Share of samples that are finite numbers (0.0 for no samples)."""
        if not samples:
            return 0.0
        return sum(_is_number(v) for v in samples) / len(samples)

    def analyze(self, data: Any) -> AnalysisResult:
        """Analyze *data*; errors end in ``result.errors`` with ``success`` False."""
        started = time.perf_counter()
        samples = _samples(data)
        result = AnalysisResult(analyzer_name=self.name, success=True)
        try:
            if not samples:
                msg = "no data to analyze"
                raise AnalysisError(msg)  # noqa: TRY301 - reported like the analyzers' own
            result.data = self._round(self._analyze_impl(samples))
            result.quality_score = round(
                self.quality_of(samples), self.config.statistical_precision
            )
            invalid = sum(not _is_number(v) for v in samples)
            if invalid and self._numeric:
                result.warnings.append(f"{invalid} of {len(samples)} samples are not numbers")
        except Exception as exc:  # noqa: BLE001 - Framework0 reports failures in the result
            result.success = False
            result.errors.append(f"{type(exc).__name__}: {exc}")
        result.execution_time = time.perf_counter() - started
        result.metadata = {"samples": len(samples), "config": self.config.to_dict()}
        with self._lock:
            self._runs += 1
            self._failures += not result.success
            self._total_time += result.execution_time
        return result

    def get_statistics(self) -> dict[str, Any]:
        """Runs, failures, total and average time of this analyzer."""
        with self._lock:
            return {
                "analyses": self._runs,
                "failures": self._failures,
                "total_time": self._total_time,
                "average_time": self._total_time / self._runs if self._runs else 0.0,
            }

    def _numbers(self, samples: list[Any], least: int = 1) -> list[float]:
        numbers = [float(v) for v in samples if _is_number(v)]
        if len(numbers) < least:
            msg = f"needs at least {least} numeric samples, got {len(numbers)}"
            raise AnalysisError(msg)
        return numbers

    def _round(self, value: Any) -> Any:
        if isinstance(value, float):
            return (
                round(value, self.config.statistical_precision) if math.isfinite(value) else value
            )
        if isinstance(value, dict):
            return {k: self._round(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._round(v) for v in value]
        return value

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def _summary(numbers: list[float]) -> dict[str, Any]:
    found = stats.summarize(numbers)
    if found is None:  # one sample: f0 stats needs two for a spread
        value = numbers[0]
        return {"count": 1, "mean": value, "median": value, "min": value, "max": value}
    return {
        "count": found.count,
        "mean": found.mean,
        "median": found.median,
        "min": found.min,
        "max": found.max,
        "std_dev": found.std_dev,
        "percentiles": {f"p{q:g}": v for q, v in found.percentiles.items()},
    }


class EnhancedSummarizer(BaseAnalyzerV2):
    """A summary: numbers get count/mean/median/min/max/std dev/percentiles; other values counts."""

    _numeric = False

    def _analyze_impl(self, samples: list[Any]) -> dict[str, Any]:
        numbers = [float(v) for v in samples if _is_number(v)]
        out: dict[str, Any] = {"total": len(samples), "numeric": len(numbers)}
        if numbers:
            out["summary"] = _summary(numbers)
        others = [repr(v) if not isinstance(v, str) else v for v in samples if not _is_number(v)]
        if others:
            counts = Counter(others)
            out["distinct_values"] = len(counts)
            out["most_common"] = [[v, n] for v, n in counts.most_common(5)]
        return out

    def quality_of(self, samples: list[Any]) -> float:
        """Share of samples that are present (not None)."""
        return sum(v is not None for v in samples) / len(samples) if samples else 0.0


class StatisticalAnalyzer(BaseAnalyzerV2):
    """Summary, trend and anomalies (z-score and IQR) of numeric samples."""

    def _analyze_impl(self, samples: list[Any]) -> dict[str, Any]:
        numbers = self._numbers(samples)
        out: dict[str, Any] = {"summary": _summary(numbers)}
        line = stats.trend(numbers)
        if line is not None:
            out["trend"] = {
                "slope": line.slope,
                "intercept": line.intercept,
                "r_squared": line.r_squared,
                "direction": line.direction,
            }
        found = stats.zscore_anomalies(numbers, self.config.anomaly_sensitivity)
        found += stats.iqr_anomalies(numbers)
        out["anomalies"] = [
            {"index": a.index, "value": a.value, "method": a.method, "score": a.score}
            for a in found
        ]
        return out


class PatternAnalyzer(BaseAnalyzerV2):
    """Patterns with a confidence of at least ``config.pattern_threshold``.

    ``trend`` (confidence r²), ``periodic`` (the lag whose autocorrelation
    is highest), ``constant`` (share of the most common value) and
    ``outliers`` (IQR; confidence = share of samples inside the fences).
    """

    def _analyze_impl(self, samples: list[Any]) -> dict[str, Any]:
        numbers = self._numbers(samples, least=2)
        threshold = self.config.pattern_threshold
        candidates: list[dict[str, Any]] = []
        line = stats.trend(numbers)
        if line is not None and line.direction != "stable":
            candidates.append(
                {"type": "trend", "direction": line.direction, "confidence": line.r_squared}
            )
        lag, correlation = _best_lag(numbers)
        if lag:
            candidates.append({"type": "periodic", "period": lag, "confidence": correlation})
        value, count = Counter(numbers).most_common(1)[0]
        if count > 1:
            candidates.append(
                {"type": "constant", "value": value, "confidence": count / len(numbers)}
            )
        outliers = stats.iqr_anomalies(numbers)
        if outliers:
            candidates.append(
                {
                    "type": "outliers",
                    "indices": [a.index for a in outliers],
                    "confidence": 1.0 - len(outliers) / len(numbers),
                }
            )
        patterns = [p for p in candidates if p["confidence"] >= threshold]
        return {"patterns": patterns, "pattern_count": len(patterns), "threshold": threshold}


def _best_lag(numbers: list[float]) -> tuple[int, float]:
    """The lag (2 .. n/2) with the highest autocorrelation, and that correlation."""
    import numpy as np

    with np.errstate(all="ignore"):  # huge samples overflow: no period, not an error
        return _best_lag_of(np.asarray(numbers, dtype=float))


def _best_lag_of(data: Any) -> tuple[int, float]:
    import numpy as np

    if len(data) < 6:  # noqa: PLR2004 - three periods of two at least
        return 0, 0.0
    spread = float(((data - data.mean()) ** 2).sum())
    # Around the trend line, so that a plain ramp is a trend, not a period.
    x = np.arange(len(data), dtype=float)
    slope, intercept = np.polyfit(x, data, 1)
    residual = data - (slope * x + intercept)
    denominator = float((residual * residual).sum())
    # Nothing left once the line is gone (or overflow): no period.
    if not math.isfinite(denominator) or denominator <= 1e-9 * spread or denominator == 0:
        return 0, 0.0
    best, best_lag = 0.0, 0
    for lag in range(2, len(residual) // 2 + 1):
        value = float((residual[:-lag] * residual[lag:]).sum()) / denominator
        if value > best:
            best, best_lag = value, lag
    return best_lag, best


class QualityAnalyzer(BaseAnalyzerV2):
    """Completeness, validity, uniqueness, consistency; ``passed`` at ``quality_threshold``."""

    _numeric = False

    def _analyze_impl(self, samples: list[Any]) -> dict[str, Any]:
        total = len(samples)
        present = [v for v in samples if v is not None]
        numbers = [float(v) for v in present if _is_number(v)]
        completeness = len(present) / total
        validity = len(numbers) / len(present) if present else 0.0
        uniqueness = len({repr(v) for v in present}) / len(present) if present else 0.0
        outliers = stats.iqr_anomalies(numbers)
        consistency = 1.0 - len(outliers) / len(numbers) if numbers else 0.0
        score = (completeness + validity + consistency) / 3
        issues = []
        if completeness < 1:
            issues.append(f"{total - len(present)} missing values")
        if validity < 1:
            issues.append(f"{len(present) - len(numbers)} values are not finite numbers")
        if outliers:
            issues.append(f"{len(outliers)} outliers (IQR)")
        return {
            "completeness": completeness,
            "validity": validity,
            "uniqueness": uniqueness,
            "consistency": consistency,
            "score": score,
            "passed": score >= self.config.quality_threshold,
            "threshold": self.config.quality_threshold,
            "issues": issues,
        }

    def quality_of(self, samples: list[Any]) -> float:
        """The score this analyzer computes."""
        return float(self._analyze_impl(samples)["score"]) if samples else 0.0


#: The analyzer README examples import as ``EnhancedAnalyzer``: the statistical one.
EnhancedAnalyzer = StatisticalAnalyzer


class AnalysisRegistry:
    """Analyzer classes by name; the four built-ins are registered.

    Names: ``summarizer``, ``statistical``, ``pattern``, ``quality`` (and
    each class's own name). Thread-safe; class-level, as Framework0's was.
    """

    _analyzers: ClassVar[dict[str, type[BaseAnalyzerV2]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def register_analyzer(cls, name: str, analyzer: type[BaseAnalyzerV2]) -> None:
        """Register *analyzer* as *name* (replacing an earlier one); ``TypeError`` for a non-analyzer."""
        if not (isinstance(analyzer, type) and issubclass(analyzer, BaseAnalyzerV2)):
            msg = f"{analyzer!r} is not a BaseAnalyzerV2 subclass"
            raise TypeError(msg)
        if not isinstance(name, str) or not name:
            msg = "an analyzer name must be a non-empty string"
            raise ValueError(msg)
        with cls._lock:
            cls._analyzers[name] = analyzer

    @classmethod
    def unregister_analyzer(cls, name: str) -> bool:
        """Forget *name*; False if it was not registered."""
        with cls._lock:
            return cls._analyzers.pop(name, None) is not None

    @classmethod
    def get_analyzer_class(cls, name: str) -> type[BaseAnalyzerV2]:
        """The class registered as *name*; ``KeyError`` naming the known ones."""
        with cls._lock:
            found = cls._analyzers.get(name)
            known = ", ".join(sorted(cls._analyzers))
        if found is None:
            msg = f"no analyzer registered as {name!r} (known: {known})"
            raise KeyError(msg)
        return found

    @classmethod
    def get_analyzer(cls, name: str, config: AnalysisConfig | None = None) -> BaseAnalyzerV2:
        """A new instance of the analyzer registered as *name*."""
        return cls.get_analyzer_class(name)(config)

    create_analyzer = get_analyzer

    @classmethod
    def list_analyzers(cls) -> list[str]:
        """Every registered name, sorted."""
        with cls._lock:
            return sorted(cls._analyzers)


#: Framework0's V2 registry: the same registry.
EnhancedAnalysisRegistry = AnalysisRegistry


class AnalyzerFactory:
    """Builds analyzers by registered name."""

    @staticmethod
    def create_analyzer(name: str, config: AnalysisConfig | None = None) -> BaseAnalyzerV2:
        """``AnalysisRegistry.get_analyzer(name, config)``."""
        return AnalysisRegistry.get_analyzer(name, config)

    @staticmethod
    def create_multiple(
        names: Sequence[str], config: AnalysisConfig | None = None
    ) -> dict[str, BaseAnalyzerV2]:
        """One analyzer per name."""
        return {name: AnalysisRegistry.get_analyzer(name, config) for name in names}


for _name, _cls in (
    ("summarizer", EnhancedSummarizer),
    ("statistical", StatisticalAnalyzer),
    ("pattern", PatternAnalyzer),
    ("quality", QualityAnalyzer),
):
    AnalysisRegistry.register_analyzer(_name, _cls)
    AnalysisRegistry.register_analyzer(_cls.__name__, _cls)

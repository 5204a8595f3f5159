"""The numerics of ``f0 stats``: summaries, percentiles, trend and anomalies.

Names and thresholds follow ``spec/scriptlets.md`` §2-3: percentiles by
linear interpolation between closest ranks (numpy's ``"linear"`` method),
p50/p90/p95/p99 plus p99.9, a summary only from 2 samples on, the trend as a
least-squares slope (``stable`` when ``|slope| / |mean| < 1 %``), z-score
anomalies at ``|z| > sensitivity`` (default 2.0) and IQR anomalies outside
``Q1 - 1.5 IQR .. Q3 + 1.5 IQR``.

numpy is imported inside the functions: this module is imported by the CLI
only when a command that needs it runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs

__all__ = [
    "DEFAULT_PERCENTILES",
    "DEFAULT_SENSITIVITY",
    "IQR_FACTOR",
    "STABLE_SLOPE",
    "Anomaly",
    "Summary",
    "Trend",
    "iqr_anomalies",
    "judge",
    "percentiles",
    "summarize",
    "trend",
    "zscore_anomalies",
]

#: The analyzer's percentiles (``MetricAggregation`` defaults plus p99.9).
DEFAULT_PERCENTILES: tuple[float, ...] = (50.0, 90.0, 95.0, 99.0, 99.9)
#: ``AnomalyDetector(sensitivity=2.0)``: flag ``|z| > 2.0``.
DEFAULT_SENSITIVITY = 2.0
#: IQR fences: ``Q1 - 1.5 IQR`` and ``Q3 + 1.5 IQR``.
IQR_FACTOR = 1.5
#: A slope below 1 % of the mean per run is ``stable``.
STABLE_SLOPE = 0.01


@attrs.frozen(kw_only=True)
class Summary:
    """Statistics of one series of samples (``calculate_statistical_summary``)."""

    count: int
    mean: float
    median: float
    min: float
    max: float
    std_dev: float
    #: ``{50.0: p50, 90.0: p90, ...}``
    percentiles: dict[float, float]


@attrs.frozen(kw_only=True)
class Trend:
    """Least-squares line through the samples in time order (x = 0, 1, 2...)."""

    slope: float
    intercept: float
    r_squared: float
    #: ``increasing``, ``decreasing`` or ``stable``.
    direction: str


@attrs.frozen(kw_only=True)
class Anomaly:
    """One flagged sample: its index in the series and why."""

    index: int
    value: float
    #: ``zscore`` or ``iqr``.
    method: str
    #: The z-score, or how far outside the IQR fence (in the samples' unit).
    score: float


def percentiles(
    values: Sequence[float], qs: Sequence[float] = DEFAULT_PERCENTILES
) -> dict[float, float]:
    """Percentiles *qs* (0-100) of *values* by linear interpolation; empty -> ``{}``."""
    if not values:
        return {}
    import numpy as np

    found = np.percentile(np.asarray(values, dtype=float), list(qs), method="linear")
    return {float(q): float(v) for q, v in zip(qs, found, strict=True)}


def summarize(values: Sequence[float], qs: Sequence[float] = DEFAULT_PERCENTILES) -> Summary | None:
    """Count, mean, median, min, max, sample std dev and percentiles; None below 2 samples."""
    if len(values) < 2:  # noqa: PLR2004 - the spec's minimum
        return None
    import numpy as np

    data = np.asarray(values, dtype=float)
    return Summary(
        count=len(data),
        mean=float(data.mean()),
        median=float(np.median(data)),
        min=float(data.min()),
        max=float(data.max()),
        std_dev=float(data.std(ddof=1)),
        percentiles=percentiles(values, qs),
    )


def trend(values: Sequence[float]) -> Trend | None:
    """The least-squares trend of *values* in the order given; None below 2 samples."""
    if len(values) < 2:  # noqa: PLR2004 - a line needs two points
        return None
    import numpy as np

    y = np.asarray(values, dtype=float)
    x = np.arange(len(y), dtype=float)
    x_mean, y_mean = x.mean(), y.mean()
    sxx = float(((x - x_mean) ** 2).sum())
    sxy = float(((x - x_mean) * (y - y_mean)).sum())
    slope = sxy / sxx
    intercept = float(y_mean) - slope * float(x_mean)
    ss_tot = float(((y - y_mean) ** 2).sum())
    ss_res = float(((y - (intercept + slope * x)) ** 2).sum())
    # All samples equal: the line fits exactly (the mean's rounding would say otherwise).
    r_squared = 1.0 - ss_res / ss_tot if ss_tot > 0 and float(np.ptp(y)) > 0 else 1.0
    mean = float(y_mean)
    relative = abs(slope) / abs(mean) if mean != 0 else (0.0 if slope == 0 else math.inf)
    direction = (
        "stable" if relative < STABLE_SLOPE else ("increasing" if slope > 0 else "decreasing")
    )
    return Trend(
        slope=slope, intercept=intercept, r_squared=max(0.0, r_squared), direction=direction
    )


def zscore_anomalies(
    values: Sequence[float], sensitivity: float = DEFAULT_SENSITIVITY
) -> list[Anomaly]:
    """Samples with ``|z| > sensitivity`` (z from the mean and sample std dev).

    Fewer than 2 samples, or all equal, flag nothing.
    """
    if len(values) < 2:  # noqa: PLR2004 - no spread below two samples
        return []
    import numpy as np

    data = np.asarray(values, dtype=float)
    std = float(data.std(ddof=1))
    if std == 0 or not math.isfinite(std):
        return []
    z = (data - data.mean()) / std
    return [
        Anomaly(index=int(i), value=float(data[i]), method="zscore", score=float(z[i]))
        for i in np.flatnonzero(np.abs(z) > sensitivity)
    ]


def iqr_anomalies(values: Sequence[float], factor: float = IQR_FACTOR) -> list[Anomaly]:
    """Samples outside ``Q1 - factor*IQR .. Q3 + factor*IQR`` (quartiles interpolated linearly).

    The score is the distance past the fence. Fewer than 4 samples flag nothing.
    """
    if len(values) < 4:  # noqa: PLR2004 - quartiles of fewer samples mean little
        return []
    import numpy as np

    data = np.asarray(values, dtype=float)
    q1, q3 = np.percentile(data, [25.0, 75.0], method="linear")
    spread = float(q3 - q1)
    low, high = float(q1) - factor * spread, float(q3) + factor * spread
    found: list[Anomaly] = []
    for i in np.flatnonzero((data < low) | (data > high)):
        value = float(data[i])
        score = value - high if value > high else value - low
        found.append(Anomaly(index=int(i), value=value, method="iqr", score=score))
    return found


def judge(
    value: float,
    reference: Sequence[float],
    *,
    sensitivity: float = DEFAULT_SENSITIVITY,
    factor: float = IQR_FACTOR,
) -> list[Anomaly]:
    """Whether a new *value* is anomalous against past *reference* samples.

    The same rules as :func:`zscore_anomalies` and :func:`iqr_anomalies`, with
    the mean, spread and quartiles taken from *reference* alone (index -1).
    """
    found: list[Anomaly] = []
    if len(reference) >= 2:  # noqa: PLR2004 - as zscore_anomalies
        import numpy as np

        data = np.asarray(reference, dtype=float)
        std = float(data.std(ddof=1))
        if std > 0:
            z = (value - float(data.mean())) / std
            if abs(z) > sensitivity:
                found.append(Anomaly(index=-1, value=value, method="zscore", score=z))
    if len(reference) >= 4:  # noqa: PLR2004 - as iqr_anomalies
        import numpy as np

        q1, q3 = (float(q) for q in np.percentile(reference, [25.0, 75.0], method="linear"))
        low, high = q1 - factor * (q3 - q1), q3 + factor * (q3 - q1)
        if value > high:
            found.append(Anomaly(index=-1, value=value, method="iqr", score=value - high))
        elif value < low:
            found.append(Anomaly(index=-1, value=value, method="iqr", score=value - low))
    return found

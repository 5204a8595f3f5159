"""The data profiler: per-field statistics and outliers by IQR and by z-score."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from f0_validate._result import Records, ValidationResult, is_missing, to_number

__all__ = ["IQR_FACTOR", "Z_THRESHOLD", "iqr_outliers", "profile_dataset", "zscore_outliers"]

#: Outside Q1 - 1.5·IQR .. Q3 + 1.5·IQR is an outlier (spec: factor proposed).
IQR_FACTOR = 1.5
#: |z| > 3.0 is an outlier (spec).
Z_THRESHOLD = 3.0


def quartiles(values: Sequence[float]) -> tuple[float, float]:
    """Q1 and Q3 by linear interpolation between closest ranks (numpy's "linear")."""
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


def iqr_outliers(values: Sequence[float], factor: float = IQR_FACTOR) -> list[int]:
    """Indexes of values outside ``[Q1 - factor·IQR, Q3 + factor·IQR]`` (none for < 2 values)."""
    if len(values) < 2:  # noqa: PLR2004 - quartiles need two values
        return []
    q1, q3 = quartiles(values)
    low, high = q1 - factor * (q3 - q1), q3 + factor * (q3 - q1)
    return [i for i, v in enumerate(values) if v < low or v > high]


def zscore_outliers(
    values: Sequence[float], threshold: float = Z_THRESHOLD
) -> list[tuple[int, float]]:
    """(index, z) of values with ``|z| > threshold``, z from the population standard deviation.

    With n values no |z| exceeds (n-1)/sqrt(n), so fewer than 11 values never
    have a z-score outlier at 3.0.
    """
    if len(values) < 2:  # noqa: PLR2004
        return []
    mean, std = statistics.fmean(values), statistics.pstdev(values)
    if std == 0:
        return []
    return [(i, (v - mean) / std) for i, v in enumerate(values) if abs(v - mean) / std > threshold]


def _numeric_profile(
    field: str, rows: list[int], values: list[float], iqr_factor: float, z_threshold: float
) -> tuple[dict[str, Any], list[ValidationResult]]:
    stats: dict[str, Any] = {
        "min": min(values),
        "max": max(values),
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "std": statistics.pstdev(values),
    }
    findings: list[ValidationResult] = []
    if len(values) >= 2:  # noqa: PLR2004
        q1, q3 = quartiles(values)
        stats |= {"q1": q1, "q3": q3, "iqr": q3 - q1}
    iqr_rows = [rows[i] for i in iqr_outliers(values, iqr_factor)]
    z_rows = [(rows[i], z) for i, z in zscore_outliers(values, z_threshold)]
    stats["outliers_iqr"] = iqr_rows
    stats["outliers_zscore"] = [r for r, _ in z_rows]
    for row in iqr_rows:
        value = values[rows.index(row)]
        findings.append(
            ValidationResult(
                field=f"[{row}].{field}",
                rule="outlier.iqr",
                severity="warning",
                message=f"{value:g} is outside [{stats['q1'] - iqr_factor * stats['iqr']:g}, {stats['q3'] + iqr_factor * stats['iqr']:g}] (IQR x {iqr_factor:g})",
                value=value,
            )
        )
    for row, z in z_rows:
        value = values[rows.index(row)]
        findings.append(
            ValidationResult(
                field=f"[{row}].{field}",
                rule="outlier.zscore",
                severity="warning",
                message=f"{value:g} has z-score {z:.2f} (|z| > {z_threshold:g})",
                value=value,
            )
        )
    return stats, findings


def profile_dataset(
    records: Records,
    *,
    fields: Sequence[str] | None = None,
    iqr_factor: float = IQR_FACTOR,
    z_threshold: float = Z_THRESHOLD,
) -> tuple[dict[str, Any], list[ValidationResult]]:
    """Per-field statistics of *records* and the outliers found (severity ``warning``).

    Every field gets ``count``, ``missing``, ``unique``, ``type``; a field whose
    present values are all numbers (or strings that spell numbers) also gets
    ``min max mean median std q1 q3 iqr`` and the record indexes of its IQR and
    z-score outliers; a text field gets ``min_length max_length top``.
    """
    names = (
        list(fields) if fields is not None else list(dict.fromkeys(k for r in records for k in r))
    )
    profile: dict[str, Any] = {"records": len(records), "fields": {}}
    findings: list[ValidationResult] = []
    for field in names:
        present = [(i, r.get(field)) for i, r in enumerate(records) if not is_missing(r.get(field))]
        info: dict[str, Any] = {
            "count": len(present),
            "missing": len(records) - len(present),
            "unique": len({repr(v) for _, v in present}),
        }
        numbers = [to_number(v) for _, v in present]
        if present and all(n is not None for n in numbers):
            info["type"] = "number"
            stats, found = _numeric_profile(
                field,
                [i for i, _ in present],
                [n for n in numbers if n is not None],
                iqr_factor,
                z_threshold,
            )
            info |= stats
            findings += found
        elif present:
            info["type"] = Counter(type(v).__name__ for _, v in present).most_common(1)[0][0]
            texts = [str(v) for _, v in present]
            info["min_length"] = min(len(t) for t in texts)
            info["max_length"] = max(len(t) for t in texts)
            info["top"] = [[v, n] for v, n in Counter(texts).most_common(5)]
        else:
            info["type"] = "empty"
        profile["fields"][field] = info
    return profile, findings

"""Processing functions for the batch example: each gets one partition and the step's args."""

from __future__ import annotations

import math


def squares(items, params):
    """One result per item: the list results of all partitions are concatenated."""
    return [{"n": n, "square": n * n * params.get("scale", 1)} for n in items]


def count_primes(items, params):
    """One number per partition: summed by `aggregate: sum` (lines of a text file are strings)."""
    numbers = [int(n) for n in items]
    return sum(1 for n in numbers if n > 1 and all(n % d for d in range(2, math.isqrt(n) + 1)))

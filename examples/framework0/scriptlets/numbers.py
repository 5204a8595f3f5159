"""Framework0-style scriptlets, unchanged: they import Framework0's module paths.

``scriptlets`` is this example's own package; ``scriptlets.framework`` and
``src.core.logger`` are not in it, so f0-compat serves them.
"""

from __future__ import annotations

import statistics

from src.core.logger import get_logger

from scriptlets.framework import BaseScriptlet, ComputeScriptlet, register_scriptlet

logger = get_logger(__name__)


@register_scriptlet
class GenerateNumbersScriptlet(BaseScriptlet):
    """Put ``count`` numbers (1..count) under ``numbers.raw``."""

    def __init__(self):
        super().__init__()
        self.name = "generate_numbers"
        self.version = "1.0"

    def run(self, context, params):
        count = int(params.get("count", 10))
        numbers = list(range(1, count + 1))
        context.set("numbers.raw", numbers, who=self.name)
        logger.debug("generated %d numbers", count)
        return 0


@register_scriptlet
class ComputeStatsScriptlet(ComputeScriptlet):
    """Store mean, median and standard deviation of ``numbers.raw`` under ``numbers.stats_v1``."""

    def validate_custom(self, context, params):
        return context.get("numbers.raw") is not None

    def run(self, context, params):
        numbers = context.get("numbers.raw")
        stats = {
            "count": len(numbers),
            "mean": statistics.mean(numbers),
            "median": statistics.median(numbers),
            "stdev": round(statistics.stdev(numbers), 6),
        }
        context.set("numbers.stats_v1", stats, who=self.name)
        return {"status": "success", "stats": stats}

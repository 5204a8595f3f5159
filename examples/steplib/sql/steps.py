"""Steps of the sql example."""

from __future__ import annotations


def make_orders(context, params):
    """Rows for the orders table (in a real recipe: parsed from a file or an API)."""
    regions = ["EU", "US", "EU", "APAC", "US", "EU"]
    rows = [
        {"id": i, "region": region, "qty": (i * 3) % 5, "status": "new"}
        for i, region in enumerate(regions, start=1)
    ]
    context.set("orders.rows", rows)
    return 0

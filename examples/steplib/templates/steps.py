"""Data for the templates example."""

from __future__ import annotations


def load(context, params):
    context.set(
        "sales.rows",
        [
            {"region": "north", "units": 22},
            {"region": "south", "units": 4},
            {"region": "east", "units": 9},
        ],
    )

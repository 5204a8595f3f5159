"""Draw µs/step per system per shape from ``peers.json``: ``python plot.py peers.json peers.png``.

Runs in its own venv (``.bench-venvs/plot``, matplotlib only); the harness calls it.
"""

# ruff: noqa: RUF001 - the labels are for people: the multiplication and minus signs are meant

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.patches

mpl.use("Agg")
import matplotlib.pyplot as plt

COLOURS = {"floor": "#9e9e9e", "f0": "#1f77b4", "peer": "#ff7f0e"}


def title(row: dict[str, Any]) -> str:
    n = row["full_size"]
    if row["shape"] == "fan":
        return f"fan 1→{n - 2:,}→1"
    if row["shape"] == "grid":
        return f"grid {n // 50}×50 (3 random deps)"
    return f"{row['shape']} of {n:,}"


def main() -> None:
    data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    rows = [r for r in data["results"] if r["mode"] == "noop" and r["shape"] != "single"]
    shapes = list(dict.fromkeys(r["shape"] for r in rows))
    cols = 2 if len(shapes) > 1 else 1
    nrows = (len(shapes) + cols - 1) // cols
    systems = list(dict.fromkeys(r["system"] for r in rows))
    fig, axes = plt.subplots(
        nrows, cols, figsize=(7.5 * cols, 0.42 * len(systems) * nrows + 1.6), squeeze=False
    )
    for ax, shape in zip(axes.flat, shapes, strict=False):
        mine = {r["system"]: r for r in rows if r["shape"] == shape}
        labels, values, colours, texts = [], [], [], []
        for key in systems:
            row = mine[key]
            labels.append(row["label"])
            colours.append(COLOURS[row["group"]])
            us = row.get("diff_us")
            if us is None or us <= 0:
                values.append(0.0)
                texts.append("not measured" if us is None else "< 0 (noise)")
                continue
            values.append(us)
            text = f"{us:,.0f}" if us >= 10 else f"{us:.2f}"
            if row.get("x_floor", 0) > 0 and row["group"] != "floor":
                text += f"  ({row['x_floor']:.1f}× floor)"
            if row.get("size") != row["full_size"]:
                text += f"  [N={row['size']:,}]"
            texts.append(text)
        y = range(len(labels))
        ax.barh(y, values, color=colours)
        ax.set_xscale("log")
        ax.set_yticks(list(y), labels, fontsize=9)
        ax.invert_yaxis()
        ax.set_title(title(next(iter(mine.values()))), fontsize=11)
        ax.set_xlabel("µs per step, (T(N) − T(1)) / N, log scale", fontsize=9)
        positive = [v for v in values if v > 0]
        low = min(positive) / 3 if positive else 0.1
        ax.set_xlim(low, (max(positive) if positive else 1) * 60)
        for i, (value, text) in enumerate(zip(values, texts, strict=True)):
            ax.text(max(value, low) * 1.15, i, text, va="center", fontsize=8)
        ax.grid(axis="x", which="major", alpha=0.3)
    for ax in list(axes.flat)[len(shapes) :]:
        ax.axis("off")
    handles = [
        mpl.patches.Patch(color=colour, label=name)
        for name, colour in (
            ("floors", COLOURS["floor"]),
            ("f0", COLOURS["f0"]),
            ("peers", COLOURS["peer"]),
        )
    ]
    fig.legend(handles=handles, loc="lower right", ncols=3, fontsize=9, frameon=False)
    meta = data["meta"]
    fig.suptitle(
        f"No-op steps: per-step overhead (median of {meta['repeats']}; lower is better) — "
        f"{meta['started']}, {meta['cpus']} shared CPUs, load {meta['load_before']}",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()

"""Draw docs/figures/architecture.png: the package's layers, their modules and imports.

Read from the code itself (grimp's import graph of the installed package and
the line count of each module), so the picture cannot drift from the layout:

    .venv/bin/python docs/architecture_figure.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import grimp
from matplotlib.figure import Figure

LAYERS = ["faces", "studies", "analysis", "storage", "model"]
WHAT = {
    "faces": "what people use: the command line (later the web app)",
    "studies": "questions asked of the model: a run's results, the claims, sweeps, validation",
    "analysis": "pure functions on arrays and tables: network statistics",
    "storage": "results on disk: atomic files, the spilling tie ledger, the memory estimate",
    "model": "the model: words, scenario, random numbers, ties, world, processes, engine",
}
COLOURS = ["#fde2c8", "#fbe9a7", "#d6ecc9", "#cfe3f3", "#e2d6ef"]


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def main(out: Path) -> None:
    import jinmyaku

    root = Path(jinmyaku.__file__).parent
    graph = grimp.build_graph("jinmyaku")
    modules: dict[str, list[tuple[str, int]]] = {k: [] for k in LAYERS}
    for m in sorted(graph.modules):
        layer = layer_of(m)
        if layer is None or m == f"jinmyaku.{layer}":
            continue
        path = root.joinpath(*m.split(".")[1:]).with_suffix(".py")
        if not path.exists():
            path = root.joinpath(*m.split(".")[1:], "__init__.py")
        lines = len(path.read_text().splitlines())
        modules[layer].append((".".join(m.split(".")[2:]), lines))
    arrows: Counter[tuple[str, str]] = Counter()
    for m in graph.modules:
        for i in graph.find_modules_directly_imported_by(m):
            a, b = layer_of(m), layer_of(i)
            if a and b and a != b:
                arrows[(a, b)] += 1

    fig = Figure(figsize=(11, 9.9))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 11)
    ax.set_ylim(-0.3, 9.9)
    ax.axis("off")
    band, gap, left = 1.55, 0.42, 2.6
    y_of = {}
    for k, layer in enumerate(LAYERS):
        y = 9.9 - 0.3 - (k + 1) * band - k * gap
        y_of[layer] = y
        ax.add_patch(_box(left, y, 8.2, band, COLOURS[k]))
        total = sum(n for _, n in modules[layer])
        ax.text(0.15, y + band - 0.3, layer, fontsize=15, weight="bold", va="top")
        ax.text(0.15, y + band - 0.75, f"{len(modules[layer])} modules\n{total:,} lines",
                fontsize=9, va="top", color="#444444")
        ax.text(left + 0.12, y + band - 0.12, WHAT[layer], fontsize=9, va="top",
                style="italic", color="#333333")
        names = [f"{n} ({c})" for n, c in modules[layer]]
        ax.text(left + 0.12, y + band - 0.45, _wrap(names, 118), fontsize=7.2, va="top",
                family="monospace")
    longer = 0  # each arrow that skips a layer gets a column of its own
    for (a, b), n in sorted(arrows.items(), key=lambda kv: (LAYERS.index(kv[0][0]),
                                                             LAYERS.index(kv[0][1]))):
        ia, ib = LAYERS.index(a), LAYERS.index(b)
        if abs(ib - ia) == 1:
            x = 1.1
        else:
            longer += 1
            x = 1.1 + 0.3 * longer
        x += 0.0 if ib > ia else 9.3
        y0, y1 = y_of[a], y_of[b] + band
        colour = "#2b6cb0" if ib > ia else "#c53030"  # an upward import would be red
        ax.annotate("", xy=(x, y1), xytext=(x, y0),
                    arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.2})
        ax.text(x + 0.05, (y0 + y1) / 2 if ib - ia == 1 else y1 + 0.08, str(n), fontsize=7,
                color=colour)
    ax.text(0.15, -0.15, "Arrows: direct imports from one layer into a lower one (count). "
            "A module imports only from its own layer or below; checked by import-linter "
            "in `make test`.", fontsize=8, color="#444444")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, metadata={"Software": None})


def _box(x: float, y: float, w: float, h: float, colour: str):
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.12",
                          facecolor=colour, edgecolor="#888888", lw=0.8)


def _wrap(items: list[str], width: int) -> str:
    lines, line = [], ""
    for it in items:
        if line and len(line) + 2 + len(it) > width:
            lines.append(line + ",")
            line = it
        else:
            line = f"{line}, {it}" if line else it
    lines.append(line)
    return "\n".join(lines)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else
         Path(__file__).parent / "figures" / "architecture.png")

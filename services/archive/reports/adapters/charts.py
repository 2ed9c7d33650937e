"""Charts of the monthly report (matplotlib, PNG and SVG), with a CJK font where one is installed
(the setup installs fonts-wqy-zenhei; see scripts/ensure-system-packages.sh)."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "Droid Sans Fallback")


@functools.cache
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot

    installed = {f.name for f in font_manager.fontManager.ttflist}
    chosen = [name for name in CJK_FONTS if name in installed]
    matplotlib.rcParams["font.sans-serif"] = [*chosen, "DejaVu Sans"]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.hashsalt"] = "liaison"  # the same report, the same SVG
    import logging

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return pyplot


def has_cjk_font() -> bool:
    from matplotlib import font_manager

    return any(f.name in CJK_FONTS for f in font_manager.fontManager.ttflist)


def station_charts(rows: list[dict[str, Any]], month: str, out_dir: Path) -> dict[str, str]:
    """Two charts per station: case counts, and the three rates. Writes ``<name>.png`` and
    ``<name>.svg`` into ``out_dir``; returns name → SVG text (for the HTML page)."""
    plt = _pyplot()
    rows = [r for r in rows if r["received"]] or rows
    labels = [r["key"].replace("代表联络站", "").replace("县人大常委会", "") for r in rows]
    svgs = {}

    figure, axes = plt.subplots(figsize=(9, 4.2))
    series = (("received", "受理"), ("accepted_on_time", "按时签收"), ("resolved", "办结"),
              ("satisfied", "满意"), ("overdue", "超期"))
    width = 0.16
    for i, (key, name) in enumerate(series):
        axes.bar([x + (i - 2) * width for x in range(len(rows))], [r[key] for r in rows], width,
                 label=name)
    _finish(axes, labels, f"{month} 各联络站诉求办理情况（件）")
    svgs["chart-station-cases"] = _save(figure, out_dir / "chart-station-cases", plt)

    figure, axes = plt.subplots(figsize=(9, 4.2))
    series = (("response_rate", "响应率"), ("resolution_rate", "解决率"),
              ("satisfaction_rate", "满意率"))
    width = 0.26
    for i, (key, name) in enumerate(series):
        axes.bar([x + (i - 1) * width for x in range(len(rows))],
                 [100 * (r[key] or 0) for r in rows], width, label=name)
    axes.set_ylim(0, 105)
    _finish(axes, labels, f"{month} 各联络站响应率、解决率、满意率（%）")
    svgs["chart-station-rates"] = _save(figure, out_dir / "chart-station-rates", plt)
    return svgs


def _finish(axes, labels: list[str], title: str) -> None:
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(-0.6, max(len(labels), 3) - 0.4)
    axes.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    axes.set_title(title, fontsize=11, pad=26)
    axes.legend(fontsize=8, ncols=5, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    axes.grid(axis="y", alpha=0.3)
    axes.figure.tight_layout()


def _save(figure, stem: Path, plt) -> str:
    figure.savefig(stem.with_suffix(".png"), dpi=110)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    svg = buffer.getvalue()
    stem.with_suffix(".svg").write_text(svg, encoding="utf-8")
    return svg[svg.index("<svg"):]

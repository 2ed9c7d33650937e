"""Laying out the archive's documents: the term book as HTML, PDF (WeasyPrint) and JSON; the
monthly report as an HTML page with charts, CSV files and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.archive.reports.rules.statistics import DIMENSION_NAMES

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(
        ["html", "html.j2", "css.j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = _pct
    return env


def term_book_html(book: dict[str, Any]) -> str:
    return environment().get_template("term_book.html.j2").render(book=book)


def monthly_report_html(report: dict[str, Any], charts: dict[str, str]) -> str:
    return environment().get_template("monthly_report.html.j2").render(
        report=report, charts=charts, dimension_names=DIMENSION_NAMES)


def pdf(html: str) -> bytes:
    """A PDF of ``html``. Nothing is fetched: photos stay links, only data: URIs are read."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def write_term_book(book: dict[str, Any], out_dir: Path,
                    formats: tuple[str, ...] = ("html", "pdf", "json")) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"term-book-{book['deputy']['deputy_id']}"
    written: dict[str, Path] = {}
    html = term_book_html(book) if {"html", "pdf"} & set(formats) else ""
    if "json" in formats:
        written["json"] = _write(stem.with_suffix(".json"), _json(book))
    if "html" in formats:
        written["html"] = _write(stem.with_suffix(".html"), html)
    if "pdf" in formats:
        written["pdf"] = stem.with_suffix(".pdf")
        written["pdf"].write_bytes(pdf(html))
    return written


def write_monthly_report(report: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """``report.json``, ``report.html`` (charts inline), ``stats-<dimension>.csv`` and the charts
    as PNG and SVG, in ``out_dir``."""
    from services.archive.reports.adapters import charts
    from services.archive.reports.handlers.reports import statistics_csv

    out_dir.mkdir(parents=True, exist_ok=True)
    written = {"json": _write(out_dir / "report.json", _json(report))}
    for dimension in report["by"]:
        written[f"csv-{dimension}"] = _write(out_dir / f"stats-{dimension}.csv",
                                            statistics_csv(report, dimension))
    svgs = charts.station_charts(report["by"]["station"], report["month"], out_dir)
    for name in svgs:
        written[name] = out_dir / f"{name}.png"
    written["html"] = _write(out_dir / "report.html", monthly_report_html(report, svgs))
    return written


def _json(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path

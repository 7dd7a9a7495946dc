"""The dashboards written headless: each chart as a PNG (or SVG) and its data as CSV, in one folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from qa_desktop.services.csv_export import write_csv as write_rows
from qa_desktop.services.dashboard.charts import CHARTS, Chart, compute_tables, figure_for
from qa_desktop.services.dashboard.queries import Scope, Table
from qa_desktop.services.whole_files import whole_file
from scoring.drivers import DriverSet


def write_csv(table: Table, path: Path) -> Path:
    """A table as CSV with a header row (dates as ISO text)."""
    write_rows(
        path, table.columns, ([v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in table.rows)
    )
    return path


def save_chart(c: Chart, table: Table, scope: Scope, drivers: DriverSet, path: Path) -> Path:
    """A chart as an image; the format follows the file's suffix (.png or .svg)."""
    figure, picks = figure_for(c, table, scope, drivers)
    c.saved(picks)
    figure.suptitle(c.title, fontsize=11, x=0.01, ha="left")
    with whole_file(path) as partial:
        figure.savefig(partial)
    return path


def write_report(
    scope: Scope, drivers: DriverSet, out: Path, progress: Callable[[str], None] | None = None
) -> list[Path]:
    """Every dashboard chart for `scope` as OUT/<chart>.png and OUT/<chart>.csv; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    tables = compute_tables(scope, drivers)
    files = []
    for c in CHARTS:
        if progress:
            progress(c.title)
        files.append(save_chart(c, tables[c.key], scope, drivers, out / f"{c.key}.png"))
        files.append(write_csv(tables[c.key], out / f"{c.key}.csv"))
    return files

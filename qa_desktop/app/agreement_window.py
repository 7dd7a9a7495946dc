"""The agreement lab: per criterion, how often the automatic verdict agrees with people (human-checked
calls, agreement, kappa, the confusion with links to its calls), marked criteria below the scorecard's
threshold, the trend per month, and routing the marked criteria's calls to human review."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.app.background import Latest
from qa_desktop.app.date_box import date_of, optional_date_box
from qa_desktop.app.dialog_size import fit_to_screen
from qa_desktop.services.trust.agreement import (
    MIN_CALLS,
    CriterionTrust,
    HumanVerdict,
    criterion_trust,
    human_verdicts,
    trend,
)
from qa_desktop.storage.criteria import in_order
from qa_desktop.storage.library import LibraryFilter
from scoring.scorecard import Scorecard

CALLS_ROLE = Qt.ItemDataRole.UserRole + 1  # per column: the call ids behind a cell
_CELLS = {5: "auto_pass_human_fail", 6: "auto_fail_human_pass"}
# Where human verdicts come from (HumanVerdict.source), as the table names them, the expert answers first
SOURCES = {
    "reference": "expert answer",
    "calibration": "calibration answer",
    "override": "override",
    "review": "review",
    "dispute": "dispute",
}


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _count(n: int, noun: str) -> str:
    """'1 call', '3 calls'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _sources(counts: Counter[str]) -> str:
    """'3 expert answers · 6 calibration answers · 1 override'."""
    return " · ".join(_count(counts[key], name) for key, name in SOURCES.items() if counts[key])


def _kappa(row: CriterionTrust) -> str:
    """Kappa says nothing on a single verdict (or where it is undefined)."""
    return "n/a" if row.kappa is None or row.verdicts < 2 else f"{row.kappa:.2f}"


@dataclass(frozen=True)
class _Agreement:
    """What the lab shows, computed off the UI thread."""

    verdicts: int
    calls: int
    rows: list[CriterionTrust]
    by_month: dict[str, dict[str, tuple[int, float]]]
    by_version: dict[str, dict[str, tuple[int, float]]]
    sources: dict[str, Counter[str]]  # criterion -> how many of its verdicts came from where

    @classmethod
    def of(cls, verdicts: list[HumanVerdict], scorecard: Scorecard) -> _Agreement:
        sources: dict[str, Counter[str]] = defaultdict(Counter)
        for verdict in verdicts:
            sources[verdict.criterion][verdict.source] += 1
        return cls(
            len(verdicts),
            len({v.call_id for v in verdicts}),
            criterion_trust(verdicts, scorecard),
            trend(verdicts),
            trend(verdicts, by="scorecard"),
            sources,
        )


class AgreementWindow(QDialog):
    """`open_calls(LibraryFilter)` lists the calls behind a cell, or the calls routed to review."""

    open_calls = Signal(object)

    def __init__(self, parent: QWidget | None, scorecard: Scorecard) -> None:
        super().__init__(parent)
        self.setWindowTitle("Agreement lab: automatic verdicts against people")
        self.scorecard = scorecard
        self.rows: list[CriterionTrust] = []
        self.agreement = Latest(self._show, self._failed, self, what="reading human verdicts")
        self.date_from, self.date_to = optional_date_box(), optional_date_box()
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self.reload)
        self.summary = QLabel()
        self.none_yet = QLabel()  # where the table would be, with no human verdict: what fills it
        self.none_yet.setWordWrap(True)
        self.none_yet.hide()
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(
            [
                "Criterion",
                "Checked calls",
                "Verdicts",
                "Agreement",
                "Kappa",
                "Auto pass, human fail",
                "Auto fail, human pass",
                "Needs",
                "",
                "Verdicts from",
            ]
        )
        self.table.itemDoubleClicked.connect(self._open_cell)
        self.table.setToolTip("Double-click a confusion cell to list its calls")
        self.explain = QLabel(
            "Human verdicts: each evaluator's submitted calibration answers; the expert answers leads settle in "
            "calibration, which stand for that call's criterion in place of a review, override or dispute; "
            "overrides; rejected disputes; and on a reviewed call the criteria the reviewer looked at (played their "
            "evidence or pressed Confirm ✓). A criterion is marked only once people checked it on at least "
            f"{MIN_CALLS} calls (fewer say too little; those rows are grey). Kappa is n/a on fewer than 2 verdicts or "
            "with one answer only."
        )
        self.explain.setWordWrap(True)
        self.explain.setStyleSheet("color:#555")
        route = QPushButton("Route marked criteria to human review")
        route.setToolTip("Lists unreviewed calls that failed a marked criterion or were heard too unclearly")
        route.clicked.connect(self.route)
        self.canvas = FigureCanvasQTAgg(Figure(figsize=(8, 2.8), dpi=90, layout="constrained"))
        self.canvas.setMinimumHeight(250)
        self.versions = QTreeWidget()
        self.versions.setRootIsDecorated(False)
        self.versions.setMaximumWidth(420)
        top = QHBoxLayout()
        for widget in (QLabel("Calls from"), self.date_from, QLabel("to"), self.date_to):
            top.addWidget(widget)
        top.addWidget(self.summary, 1)
        top.addWidget(route)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.none_yet)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.explain)
        layout.addWidget(QLabel("Agreement by month of the call, and by scorecard version"))
        bottom = QHBoxLayout()
        bottom.addWidget(self.canvas, 1)
        bottom.addWidget(self.versions)
        layout.addLayout(bottom, 1)
        fit_to_screen(self, 1200, 760)
        self.reload()

    def _range(self) -> tuple[dt.date | None, dt.date | None]:
        return date_of(self.date_from), date_of(self.date_to)

    def reload(self) -> None:
        """Read every human verdict in the range in the background, then show the table and trend."""
        self.summary.setStyleSheet("")
        self.summary.setText("Reading human verdicts…")
        dates, scorecard = self._range(), self.scorecard
        self.agreement.start(lambda _task: _Agreement.of(human_verdicts(*dates), scorecard))

    def _failed(self, message: str) -> None:
        self.summary.setStyleSheet("color:#b3261e")
        self.summary.setText(f"Could not read the human verdicts: {message} (details in the log)")

    def _show(self, found: _Agreement) -> None:
        names = self.scorecard.criterion_names()
        order = {criterion: i for i, criterion in enumerate(in_order((r.criterion for r in found.rows), names))}
        self.rows = sorted(found.rows, key=lambda r: order[r.criterion])  # in scorecard order, by name
        marked = [r.criterion for r in self.rows if r.marked]
        self.summary.setText(
            f"{_count(found.verdicts, 'human verdict')} on {_count(found.calls, 'call')}; "
            f"{len(marked)} criteri{'on' if len(marked) == 1 else 'a'} below threshold"
        )
        self.table.clear()
        self.none_yet.setVisible(not found.verdicts)
        self.none_yet.setText(
            f"No human verdict on calls {'in these dates' if any(self._range()) else 'yet'}: this table fills as "
            "reviewers check calls (open a call, then play a criterion's evidence, press Confirm ✓ or Override…), "
            "as leads settle disputes (Disputes…) and as evaluators submit calibration sessions (Calibration…)."
        )
        for row in self.rows:
            item = QTreeWidgetItem(
                [
                    names.get(row.criterion, row.criterion),
                    str(row.calls),
                    str(row.verdicts),
                    _percent(row.agreement),
                    _kappa(row),
                    str(len(row.auto_pass_human_fail)),
                    str(len(row.auto_fail_human_pass)),
                    _percent(row.threshold),
                    "MARKED" if row.marked else "",
                    _sources(found.sources[row.criterion]),
                ]
            )
            for column, name in _CELLS.items():
                item.setData(column, CALLS_ROLE, getattr(row, name))
            if row.marked:
                for column in (0, 3, 8):
                    item.setForeground(column, QBrush(QColor("#b3261e")))
            elif row.calls < MIN_CALLS:
                item.setText(8, f"needs {MIN_CALLS} calls")
                for column in range(10):
                    item.setForeground(column, QBrush(QColor("#888888")))
                item.setToolTip(
                    8,
                    f"Checked on {_count(row.calls, 'call')}: a criterion is judged from "
                    f"{MIN_CALLS} human-checked calls on",
                )
            self.table.addTopLevelItem(item)
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._draw_trend(found.by_month)
        self._show_versions(found.by_version)

    def _show_versions(self, by_version: dict[str, dict[str, tuple[int, float]]]) -> None:
        versions = sorted({key for keys in by_version.values() for key in keys})
        self.versions.clear()
        self.versions.setHeaderLabels(["Criterion", *[f"scorecard {v[:8]}" for v in versions]])
        names = self.scorecard.criterion_names()
        for criterion in in_order(by_version, names):
            keys = by_version[criterion]
            cells = [f"{_percent(keys[v][1])} of {keys[v][0]:,}" if v in keys else "" for v in versions]
            self.versions.addTopLevelItem(QTreeWidgetItem([names.get(criterion, criterion), *cells]))
        self.versions.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

    def _draw_trend(self, by_month: dict[str, dict[str, tuple[int, float]]]) -> None:
        figure = self.canvas.figure
        figure.clear()
        axes = figure.subplots()
        marked = {r.criterion for r in self.rows if r.marked}
        names = self.scorecard.criterion_names()
        for criterion in in_order(by_month, names):
            months = by_month[criterion]
            keys = list(months)
            axes.plot(
                keys,
                [100 * (months[k][1] or 0) for k in keys],
                marker="o",
                linewidth=2.2 if criterion in marked else 1.0,
                alpha=1.0 if criterion in marked else 0.5,
                label=names.get(criterion, criterion) + (" (marked)" if criterion in marked else ""),
            )
        axes.axhline(100 * self.scorecard.min_agreement, color="#b3261e", linestyle="--", linewidth=0.8)
        axes.set_ylim(0, 105)
        axes.set_ylabel("Agreement (%)")
        axes.spines[["top", "right"]].set_visible(False)
        if by_month:
            axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
        else:
            axes.set_xticks([])
            axes.text(
                0.5,
                0.5,
                "No human verdicts in this range yet: settle calibration answers,\n"
                "override or settle disputes, and agreement shows here by month.",
                transform=axes.transAxes,
                ha="center",
                va="center",
                color="#666666",
            )
        self.canvas.draw_idle()

    def _open_cell(self, item: QTreeWidgetItem, column: int) -> None:
        ids = item.data(column, CALLS_ROLE)
        if ids:
            self.open_calls.emit(LibraryFilter(call_ids=list(ids)))

    def route(self) -> LibraryFilter:
        """The library filter of calls for human review (marked criteria's fails, unclear results)."""
        wanted = LibraryFilter(needs_review=True, review_criteria=tuple(r.criterion for r in self.rows if r.marked))
        self.open_calls.emit(wanted)
        return wanted

"""The scorecard of the open call: scores and auto-fail on top, then each section's criteria with
result, reason and confidence; evidence lines under each criterion play that moment when clicked."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from qa_desktop.services.review import ResultView, ScoreView
from qa_desktop.storage.no_agent import shown_agent
from scoring.display import Timeline
from scoring.scorecard import Scorecard
from scoring.sentiment import SentimentTrajectory

PLAY_TIP = "Click to play this moment"
FIND_TIP = "Click to find this message in the transcript"  # a text conversation has nothing to play
OVERRIDDEN = "✎"  # beside a result a reviewer changed: "(overridden)" there cut the criteria's names on a laptop
_HINT = (
    "Select a criterion to read why, double-click to override. <span style='color:#777'>⚑ critical (a fail is "
    "an auto-fail) · "
    "<span style='background:#fff4ce'>&nbsp;check&nbsp;</span> heard too unclearly to trust: listen · "
    f"{OVERRIDDEN} overridden by a reviewer</span>"
)
RESULT_COLOURS = {"pass": "#1b6e20", "fail": "#b3261e", "na": "#777777"}
RESULT_ROLE = Qt.ItemDataRole.UserRole + 1  # the CriterionResultRow id of a criterion row
SEEK_ROLE = Qt.ItemDataRole.UserRole + 2  # the start (s) of an evidence row
REASON_ROLE = Qt.ItemDataRole.UserRole + 3  # the reason of a criterion row
CRITERION_ROLE = Qt.ItemDataRole.UserRole + 4  # the criterion id of a criterion row
QUOTE_ROLE = Qt.ItemDataRole.UserRole + 5  # the place and quote of an evidence row, in full
INDENT = 14  # px a level (Fusion's 20 cut "Identity verification ⚑" in a 1366 px laptop's review)


def _customer_mood(score: ScoreView, card: Scorecard) -> str:
    """What fed the empathy score from the customer's side: how they fared (0-100) and its share of the
    score, their sentiment at the start and end, and their reactions to the agent."""
    mood = SentimentTrajectory.from_dict(score.analysis.get("sentiment", {}))
    with_reactions = bool(card.positive_reactions or card.negative_reactions)
    fared = mood.mood(with_reactions)
    if fared is None:
        return ""
    share = f" ({card.empathy_sentiment_weight:.0%} of empathy)" if card.empathy_sentiment_weight else ""
    return (
        f"<br>customer fared {100 * fared:.0f}{share}: sentiment {mood.start:+.2f} → {mood.end:+.2f}, "
        f"reactions to the agent {mood.positive_reactions} good, {mood.negative_reactions} bad"
    )


class ScorecardPanel(QWidget):
    """`seek_requested(seconds)` and `evidence_opened(result id)` when evidence is clicked;
    `criterion_selected(result id)` on selection, `override_requested` when a criterion is double-clicked."""

    seek_requested = Signal(float)
    evidence_opened = Signal(int)
    criterion_selected = Signal(object)
    override_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.card: Scorecard | None = None  # the shown score's scorecard
        self.summary = QLabel("No call open.")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)  # a long line must not widen the panel
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Criterion and evidence", "Result", "Conf."])  # a laptop's pane: names in full
        self.tree.headerItem().setToolTip(2, "Confidence: how sure the automatic verdict is")
        self.tree.setIndentation(INDENT)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.evidence_tip = PLAY_TIP  # what a click on a piece of evidence does (the review sets it per call)
        self.timeline = Timeline()  # how evidence says where it is (the review sets it per call)
        self.details = QLabel(_HINT)
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setStyleSheet("background:#f6f6f6; padding:6px")
        self.details.setMinimumHeight(64)
        self.tree.itemClicked.connect(self._clicked)
        self.tree.setExpandsOnDoubleClick(False)  # a double-click on a criterion overrides it (the arrow folds)
        self.tree.itemDoubleClicked.connect(
            lambda item, _column: item.data(0, CRITERION_ROLE) is not None and self.override_requested.emit()
        )
        self.tree.currentItemChanged.connect(self._current_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.details)

    def name_of(self, criterion_id: str) -> str:
        """A criterion's name in the shown score's scorecard (its id if that scorecard lacks it)."""
        try:
            return self.card.criterion(criterion_id).name if self.card else criterion_id
        except KeyError:
            return criterion_id

    def clear(self) -> None:
        """Show no call (the library shows none)."""
        self._show(None, None)
        self.summary.setText("No call open.")  # not "This call has not been scored": there is no call

    def show_score(self, score: ScoreView | None, unscored: str | None = None, keep_place: bool = False) -> None:
        """Show a call's current score (or say it has none, and why when known); `keep_place` keeps the
        selected criterion and the scroll position (after an override of the same call)."""
        item = self.tree.currentItem()
        if item is not None and item.data(0, SEEK_ROLE) is not None:
            item = item.parent()
        selected = item.data(0, RESULT_ROLE) if keep_place and item is not None else None
        scroll = self.tree.verticalScrollBar().value()
        self._show(score, unscored)
        for found in self._criterion_items():
            if selected is not None and found.data(0, RESULT_ROLE) == selected:
                self.tree.setCurrentItem(found)
        if keep_place:
            self.tree.verticalScrollBar().setValue(scroll)

    def _show(self, score: ScoreView | None, unscored: str | None) -> None:
        self.card = None
        self.tree.clear()
        self.details.setText(_HINT)
        self.summary.setToolTip("")
        if score is None:
            self.summary.setText(f"Not scored: {unscored}." if unscored else "This call has not been scored.")
            return
        # non-breaking space and hyphen: on a laptop the verdict broke as "AUTO-" / "FAIL"
        flag = (
            "<span style='color:#b3261e;font-weight:bold'>AUTO\u2011FAIL</span>"
            if score.auto_fail
            else "no\u00a0auto\u2011fail"
        )
        automatic = score.analysis.get("automatic_scores", {})
        changed = automatic and abs(automatic.get("overall", score.overall) - score.overall) > 0.05
        note = f" <span style='color:#777'>(automatic {automatic['overall']:.0f})</span>" if changed else ""
        self.card = names = score.card
        self.summary.setText(
            f"<span style='font-size:15pt'><b>{score.overall:.0f}</b></span> overall{note} &nbsp; "
            f"empathy <b>{score.empathy:.0f}</b> &nbsp; compliance <b>{score.compliance:.0f}</b> &nbsp; {flag}"
            f"<span style='color:#777'>{_customer_mood(score, names)}</span>"
        )
        self.summary.setToolTip(f"Scored on the scorecard {score.scorecard_name} ({score.scorecard_hash[:8]})")
        sections: dict[str, QTreeWidgetItem] = {}
        bold = QFont()
        bold.setBold(True)
        for row in score.results:
            if row.section not in sections:
                item = QTreeWidgetItem([names.sections.get(row.section, row.section)])
                item.setFont(0, bold)
                self.tree.addTopLevelItem(item)
                sections[row.section] = item
            self._criterion(sections[row.section], row, names.criterion(row.criterion).name)
        self.tree.expandAll()

    def _criterion(self, parent: QTreeWidgetItem, row: ResultView, name: str) -> None:
        result = row.effective
        label = (
            result.upper()
            + (f" {OVERRIDDEN}" if row.override else "")
            + (" · check" if row.needs_review and not row.override else "")
            + (" ✓" if row.checked else "")
        )
        reason = row.reason + (f"\nOverride by {row.override_by}: {row.override_comment}" if row.override else "")
        for dispute in row.disputes:
            reason += f"\nDispute ({dispute.status}) for {shown_agent(dispute.agent_name)}: {dispute.reason}" + (
                f" — {dispute.resolved_by}: {dispute.resolution}" if dispute.resolution else ""
            )
        critical = " ⚑" if row.critical else ""
        item = QTreeWidgetItem([name + critical, label, f"{row.confidence:.0%}"])
        item.setData(0, RESULT_ROLE, row.id)
        item.setData(0, CRITERION_ROLE, row.criterion)
        item.setData(0, REASON_ROLE, reason)
        item.setForeground(1, QBrush(QColor(RESULT_COLOURS[result])))
        if row.needs_review and not row.override:
            item.setBackground(1, QBrush(QColor("#fff4ce")))
        item.setToolTip(0, reason + ("\nCritical: a fail makes the call auto-fail" if row.critical else ""))
        if row.override:
            item.setToolTip(1, f"Overridden by {row.override_by} (automatic result: {row.result.upper()})")
        parent.addChild(item)
        for evidence in row.evidence:
            quote = " ".join(evidence["text"].split())  # one row, even for an email's paragraphs
            quote = f"{self.timeline.at(evidence['start'])}  {evidence['speaker']}: “{quote}”"
            child = QTreeWidgetItem([f"▶ {quote}"])
            child.setData(0, SEEK_ROLE, evidence["start"])
            child.setData(0, QUOTE_ROLE, quote)
            child.setToolTip(0, f"{quote}\n{self.evidence_tip}")  # the row is cut short in a narrow pane
            child.setForeground(0, QBrush(QColor("#444")))
            item.addChild(child)
            child.setFirstColumnSpanned(True)

    def _criterion_items(self) -> list[QTreeWidgetItem]:
        sections = [self.tree.topLevelItem(s) for s in range(self.tree.topLevelItemCount())]
        return [section.child(c) for section in sections for c in range(section.childCount())]

    def criterion_item(self, criterion_id: str) -> QTreeWidgetItem | None:
        """The row of a criterion by its id."""
        for item in self._criterion_items():
            if item.data(0, CRITERION_ROLE) == criterion_id:
                return item
        return None

    def _current_changed(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        criterion = item.parent() if item is not None and item.data(0, SEEK_ROLE) is not None else item
        reason = criterion.data(0, REASON_ROLE) if criterion is not None else None
        if reason:
            quote = item.data(0, QUOTE_ROLE)  # an evidence row's, read here in full however narrow the pane
            lines = [f"<b>{html.escape(criterion.text(0))}</b> — {html.escape(criterion.text(1))}", html.escape(reason)]
            lines += [f"▶ {html.escape(quote)}"] if quote else []  # comments and quotes as typed: "<inaudible>" too
            self.details.setText("<br>".join(lines).replace("\n", "<br>"))
        self.criterion_selected.emit(criterion.data(0, RESULT_ROLE) if criterion is not None else None)

    def _clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        start = item.data(0, SEEK_ROLE)
        if start is not None:
            self.seek_requested.emit(float(start))
            self.evidence_opened.emit(int(item.parent().data(0, RESULT_ROLE)))

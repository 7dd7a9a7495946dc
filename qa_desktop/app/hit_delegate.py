"""Paints a library search hit with the matched words highlighted (the search marks them with HIT_START and
HIT_END), its first match in view however narrow the column."""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from qa_desktop.storage.search import HIT_END, HIT_START

HIGHLIGHT = "<span style='background:#ffe066'>"
LEAD_IN = 3  # at most a third of the column before the first match: the rest shows the match and what follows


def hit_html(snippet: str) -> str:
    """The snippet as HTML, each match highlighted."""
    return html.escape(snippet).replace(HIT_START, HIGHLIGHT).replace(HIT_END, "</span>")


def hit_text(snippet: str) -> str:
    """The snippet as plain text (a tooltip)."""
    return snippet.replace(HIT_START, "").replace(HIT_END, "")


def in_view(snippet: str, metrics: QFontMetrics, width: int) -> str:
    """The snippet with the words before its first match cut from the left (to "…", at a word) so that they take
    at most a third of `width`: the match shows in a narrow column."""
    before, mark, rest = snippet.partition(HIT_START)
    kept = metrics.elidedText(before, Qt.TextElideMode.ElideLeft, width // LEAD_IN)
    if not mark or kept == before:
        return snippet
    return "…" + kept[1:].partition(" ")[2] + mark + rest  # the cut word's end dropped too


class HitDelegate(QStyledItemDelegate):
    """Draws the search-hit column as rich text, on the usual selection background."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        self.initStyleOption(option, index)
        text, option.text = option.text, ""
        option.widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setDocumentMargin(2)
        document.setHtml(hit_html(in_view(text, option.fontMetrics, option.rect.width())))
        painter.save()
        painter.translate(
            option.rect.left(), option.rect.top() + max(0, (option.rect.height() - document.size().height()) / 2)
        )
        painter.setClipRect(0, 0, option.rect.width(), option.rect.height())
        document.drawContents(painter)
        painter.restore()

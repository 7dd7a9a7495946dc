"""Paints a library search hit with the matched words highlighted (the search marks them with HIT_START and
HIT_END)."""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QPainter, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from qa_desktop.storage.search import HIT_END, HIT_START

HIGHLIGHT = "<span style='background:#ffe066'>"


def hit_html(snippet: str) -> str:
    """The snippet as HTML, each match highlighted."""
    return html.escape(snippet).replace(HIT_START, HIGHLIGHT).replace(HIT_END, "</span>")


def hit_text(snippet: str) -> str:
    """The snippet as plain text (a tooltip)."""
    return snippet.replace(HIT_START, "").replace(HIT_END, "")


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
        document.setHtml(hit_html(text))
        painter.save()
        painter.translate(
            option.rect.left(), option.rect.top() + max(0, (option.rect.height() - document.size().height()) / 2)
        )
        painter.setClipRect(0, 0, option.rect.width(), option.rect.height())
        document.drawContents(painter)
        painter.restore()

"""A date box that can be left at "any" (no limit): the library's filters, the dashboards and the agreement lab."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit

ANY_DATE = QDate(2000, 1, 1)  # shown as "any"
# which day a call counts on, as every date filter and chart reads it (`COALESCE(c.call_time, c.imported_at)`)
COUNTED_ON = "A call counts on the day of its call time; a chat without one, on the day it was imported"


def optional_date_box() -> QDateEdit:
    """A calendar date box that starts at "any"."""
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setMinimumDate(ANY_DATE)
    edit.setSpecialValueText("any")
    edit.setDate(ANY_DATE)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setToolTip(COUNTED_ON)
    return edit


def date_of(edit: QDateEdit) -> dt.date | None:
    """The box's date, or None for "any"."""
    return None if edit.date() == ANY_DATE else edit.date().toPython()


def show_date(edit: QDateEdit, value: dt.date | None) -> None:
    """Set the box to a date, or to "any" for None."""
    edit.setDate(QDate(value) if value else ANY_DATE)

#!/usr/bin/env python3
"""Open the app on a database and save screenshots (run under Xvfb): the main window mid-playback of the first call, a
transcript search and a piece of evidence of its first call, the coaching window with a new session, and the import
dialog before and during an import (of the demo calls, or of a folder of recordings not yet in the database, to see
files in progress). With --dashboards: the dashboards tab, scrolled, a heat-map cell's tooltip (the whole screen)
and a click-through. With --trust: the calibration results, the disputes and the agreement lab. With --text FOLDER:
what a QA lead sees of text conversations (a library mixing calls and chats, a search, the review of a chat with and
without times, the dashboards, a coaching session with a chat's excerpt and its pack, calibration on a chat) and an
import of FOLDER's transcripts, bad ones included. With --dialogs: the smaller windows (settings, agents and teams,
users, retention, an override, the database problem box, the settings warning) and a CSV export.

Usage: tools/screenshot_app.py DATABASE OUTDIR
       [FOLDER_TO_IMPORT | --dashboards | --trust | --dialogs | --text FOLDER]
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer
from PySide6.QtGui import QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from qa_desktop.app.database_dialog import problem_box  # noqa: E402
from qa_desktop.app.main_window import MainWindow  # noqa: E402
from qa_desktop.app.people_dialog import PeopleDialog  # noqa: E402
from qa_desktop.app.retention_dialog import RetentionDialog  # noqa: E402
from qa_desktop.app.review_view import override_dialog  # noqa: E402
from qa_desktop.app.scorecard_panel import RESULT_ROLE  # noqa: E402
from qa_desktop.app.settings_dialog import SettingsDialog  # noqa: E402
from qa_desktop.app.users_dialog import UserForm, UsersDialog  # noqa: E402
from qa_desktop.services import review as review_service  # noqa: E402
from qa_desktop.services.access.permissions import AGENT  # noqa: E402
from qa_desktop.storage.database import DatabaseFileError, open_database  # noqa: E402

DEMO = ROOT / "resources" / "demo_calls"


def _run(step) -> None:
    """Call a step, returning nothing to Qt (PySide 6.12 mis-counts references to returned values)."""
    step()


def dashboard_steps(window: MainWindow, folder: Path) -> list:
    """The dashboards for the whole database, then one team's, then the calls behind a heat-map cell."""
    view = window.dashboards
    scroll = view.findChild(QScrollArea)
    return [
        (300, lambda: window.tabs.setCurrentIndex(1)),
        (8000, lambda: window.grab().save(str(folder / "dashboards.png"))),
        (200, lambda: scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum() // 2)),
        (800, lambda: window.grab().save(str(folder / "dashboards_middle.png"))),
        (200, lambda: point_at_heat_cell(window)),
        (2000, lambda: window.screen().grabWindow(0).save(str(folder / "dashboards_heat_tip.png"))),  # the tooltip too
        (200, lambda: view.team.setCurrentIndex(1)),
        (6000, lambda: window.grab().save(str(folder / "dashboards_team.png"))),
        (200, lambda: window.show_calls(next(iter(view.cards["criteria"].picks.values()))(5))),
        (1500, lambda: window.grab().save(str(folder / "dashboard_click.png"))),
    ]


def trust_steps(window: MainWindow, folder: Path) -> list:
    """Calibration (scoring blind, then results as the lead), disputes, the agreement lab, a dispute in review."""
    return [
        (300, lambda: window.open_calibration()),
        (300, lambda: window.calibration.sessions.setCurrentRow(0)),
        (1500, lambda: window.calibration.grab().save(str(folder / "calibration_scoring.png"))),
        (200, lambda: window.calibration.tabs.setCurrentIndex(1)),
        (800, lambda: window.calibration.grab().save(str(folder / "calibration_results.png"))),
        (200, lambda: window.calibration.close()),
        (300, lambda: window.open_disputes()),
        (800, lambda: window.disputes.grab().save(str(folder / "disputes.png"))),
        (200, lambda: window.disputes.close()),
        (300, lambda: window.open_agreement()),
        (1200, lambda: window.agreement.grab().save(str(folder / "agreement_lab.png"))),
        (200, lambda: window.agreement.close()),
        (300, lambda: window.open_call(5)),
        (
            300,
            lambda: window.review.scorecard.tree.setCurrentItem(
                window.review.scorecard.criterion_item("recording_disclosure")
            ),
        ),
        (1500, lambda: window.grab().save(str(folder / "review_dispute.png"))),
    ]


def dialog_steps(window: MainWindow, folder: Path) -> list:
    """Each smaller window as it first opens (shown rather than run, so the steps go on), then a CSV export."""
    opened: list[QWidget] = []

    def show(make) -> None:
        dialog = make()
        dialog.show()
        opened.append(dialog)

    def save(name: str) -> None:
        opened[-1].grab().save(str(folder / f"{name}.png"))
        opened[-1].close()

    def override() -> QWidget:
        item = window.review.scorecard.criterion_item("greeting")
        row = review_service.result(item.data(0, RESULT_ROLE))
        scorecard = window.review.scorecard
        return override_dialog(window, row, scorecard.name_of(row.criterion), scorecard.timeline)

    steps: list = []
    for name, make in (
        ("settings", lambda: SettingsDialog(window, window.settings)),
        ("people", lambda: PeopleDialog(window, window.reviewer)),
        ("users", lambda: UsersDialog(window)),
        ("user_add", lambda: UserForm(window, "Add a user", lambda _form: None, role=AGENT)),
        ("retention", lambda: RetentionDialog(window)),
        ("override", override),
        ("database_problem", lambda: problem_box(DatabaseFileError(folder / "notes.txt", "not a database"), window)),
    ):
        steps += [(300, lambda make=make: show(make)), (700, lambda name=name: save(name))]
    return steps + [
        (300, lambda: window._warn_settings(["Model: no model named 'larg'", "Scorecard: /nowhere.toml not found"])),
        (700, lambda: window.settings_warning.grab().save(str(folder / "settings_warning.png"))),
        (200, lambda: window.settings_warning.close()),
        (200, lambda: window.start_export(str(folder / "calls.csv"))),
        (2500, lambda: window.grab().save(str(folder / "exported.png"))),
        (9000, lambda: window.grab().save(str(folder / "exported_later.png"))),
    ]


def _text_calls(database: str) -> list[int]:
    """The ids of the database's text conversations, oldest import first."""
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT id FROM call WHERE medium = 'text' ORDER BY id")]


def text_steps(window: MainWindow, folder: Path, database: str, source: Path) -> list:
    """Text conversations as a QA lead meets them: library, search, review, dashboards, coaching, calibration,
    then an import of `source`."""
    texts = _text_calls(database)
    review = window.review
    scroll = window.dashboards.findChild(QScrollArea)

    def select(criterion: str) -> None:
        review.scorecard.tree.setCurrentItem(review.scorecard.criterion_item(criterion))

    def coaching_session() -> None:
        coaching = window.coaching
        coaching.agent.setCurrentIndex(coaching.agent.findText("Tom Becker (Billing)"))

    def tick_and_create() -> None:
        coaching = window.coaching
        for i in range(coaching.suggestions.topLevelItemCount()):
            item = coaching.suggestions.topLevelItem(i)
            item.setCheckState(0, Qt.CheckState.Checked if i < 3 else Qt.CheckState.Unchecked)
        coaching.create_from_ticks()

    def text_clip() -> None:
        clips = window.coaching.clip_list
        for i in range(clips.topLevelItemCount()):
            if "✉" in clips.topLevelItem(i).text(4):
                clips.setCurrentItem(clips.topLevelItem(i))
                window.coaching.clip_note.setText("Read how the customer's frustration goes unanswered.")
                window.coaching.play_clip()
                return

    def calibrate() -> None:
        calibration = window.calibration
        calibration.title.setText("Chats, November")
        calibration.evaluators.setText("Ana, Ben")
        calibration.add_open_call()
        calibration.create()
        calibration.sessions.setCurrentRow(0)

    return [
        (300, lambda: window.tabs.setCurrentIndex(0)),
        (1500, lambda: window.grab().save(str(folder / "library.png"))),
        (200, lambda: window.filters.search.setText("refund")),
        (1500, lambda: window.grab().save(str(folder / "search_mixed.png"))),
        (200, lambda: window.filters.search.setText("")),
        (300, lambda: window.open_call(texts[1])),  # a chat without times
        (1200, lambda: window.grab().save(str(folder / "review_chat_untimed.png"))),
        (200, lambda: select("tone")),
        (600, lambda: window.grab().save(str(folder / "review_chat_na.png"))),
        (200, lambda: select("empathy_statement")),
        (200, lambda: review.scorecard.tree.setCurrentItem(review.scorecard.tree.currentItem().child(0))),
        (800, lambda: window.grab().save(str(folder / "review_chat_evidence.png"))),
        (300, lambda: window.open_call(texts[3])),  # an email with long messages and a card number
        (1200, lambda: window.grab().save(str(folder / "review_email.png"))),
        (300, lambda: window.open_call(texts[4])),  # a chat with times in seconds
        (1200, lambda: window.grab().save(str(folder / "review_chat_timed.png"))),
        (300, lambda: window.open_call(texts[5])),  # a chat naming people, dates as times
        (1200, lambda: window.grab().save(str(folder / "review_chat_dates.png"))),
        (300, lambda: window.tabs.setCurrentIndex(1)),
        (9000, lambda: window.grab().save(str(folder / "dashboards.png"))),
        (200, lambda: scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())),
        (1500, lambda: window.grab().save(str(folder / "dashboards_bottom.png"))),
        (200, lambda: window.tabs.setCurrentIndex(0)),
        (300, lambda: window.open_coaching()),
        (300, coaching_session),
        (2500, tick_and_create),
        (800, text_clip),
        (1200, lambda: window.coaching.grab().save(str(folder / "coaching_text.png"))),
        (200, lambda: window.coaching.export_to(str(folder / "pack"))),
        (8000, lambda: window.coaching.grab().save(str(folder / "coaching_exported.png"))),
        (200, lambda: window.coaching.close()),
        (300, lambda: window.open_call(texts[2])),
        (300, lambda: window.open_calibration()),
        (500, calibrate),
        (1500, lambda: window.calibration.grab().save(str(folder / "calibration_text.png"))),
        (200, lambda: window.calibration.close()),
        (300, lambda: window.open_import()),
        (300, lambda: window.import_dialog.set_files([source])),
        (500, lambda: window.import_dialog.grab().save(str(folder / "import_choose.png"))),
        (200, lambda: window.import_dialog.start_button.click()),
        (8000, lambda: window.import_dialog.grab().save(str(folder / "import_done.png"))),
        (200, lambda: window.import_dialog.close()),
        (1000, lambda: window.grab().save(str(folder / "library_after_import.png"))),
    ]


def point_at_heat_cell(window: MainWindow) -> None:
    """Scroll the heat map into view and point at its second row's third cell (its tooltip says what it holds)."""
    canvas = window.dashboards.cards["criteria"].canvas
    scroll = window.dashboards.findChild(QScrollArea)
    scroll.verticalScrollBar().setValue(canvas.mapTo(scroll.widget(), QPoint(0, 0)).y())
    x, y = canvas.figure.axes[0].transData.transform((2.5, 1.5)) / canvas.ratio()
    at = QPoint(round(x), round(canvas.height() - y))
    QTest.mouseMove(canvas, at)
    QApplication.sendEvent(canvas, QHelpEvent(QEvent.Type.ToolTip, at, canvas.mapToGlobal(at)))  # as a pause there does


def main(database: str, out: str, source: Path = DEMO, text_folder: Path | None = None) -> None:
    app = QApplication(sys.argv)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    window = MainWindow(open_database(database))
    window.show()
    if str(source) == "--dashboards":
        steps = dashboard_steps(window, folder) + [(500, window.close), (500, app.quit)]
    elif str(source) == "--text" and text_folder is not None:
        steps = text_steps(window, folder, database, text_folder) + [(500, window.close), (500, app.quit)]
    elif str(source) == "--dialogs":
        steps = dialog_steps(window, folder) + [(500, window.close), (500, app.quit)]
    elif str(source) == "--trust":
        steps = trust_steps(window, folder) + [(500, window.close), (500, app.quit)]
    else:
        steps = review_steps(window, folder, source) + [(500, window.close), (500, app.quit)]
    delay = 0
    for wait, step in steps:
        delay += wait
        QTimer.singleShot(delay, lambda step=step: _run(step))
    app.exec()


def select_evidence(window: MainWindow, criterion: str) -> None:
    """Select a criterion's first piece of evidence in the review (it reads in full under the scorecard)."""
    tree = window.review.scorecard.tree
    tree.setCurrentItem(window.review.scorecard.criterion_item(criterion).child(0))


def review_steps(window: MainWindow, folder: Path, source: Path) -> list:
    """Playback, search (and a piece of evidence of its first call), import and coaching."""
    return [
        (500, lambda: window.review.play_from(14.0)),
        (3500, lambda: window.grab().save(str(folder / "main_playing.png"))),
        (200, lambda: window.filters.search.setText("refund")),
        (1200, lambda: window.grab().save(str(folder / "main_search.png"))),
        (200, lambda: select_evidence(window, "empathy_statement")),
        (600, lambda: window.grab().save(str(folder / "main_evidence.png"))),
        (200, lambda: window.open_import()),
        (
            300,
            lambda: (
                window.import_dialog.set_files([source]),
                window.import_dialog.set_metadata_csv(str(source / "metadata.csv"))
                if (source / "metadata.csv").exists()
                else None,
            ),
        ),
        (500, lambda: window.import_dialog.grab().save(str(folder / "import_choose.png"))),
        (200, lambda: window.import_dialog.start_button.click()),
        (25000, lambda: window.import_dialog.grab().save(str(folder / "import_progress.png"))),
        (200, lambda: window.import_dialog.cancel()),
        (4000, lambda: window.import_dialog.close()),
        (300, lambda: window.open_coaching()),
        (500, lambda: window.coaching.create_from_ticks()),
        (
            500,
            lambda: (
                window.coaching.clip_list.setCurrentItem(window.coaching.clip_list.topLevelItem(0)),
                window.coaching.clip_note.setText("Listen to how the customer's worry is left unanswered."),
                window.coaching.goals.setPlainText("Name the customer's feeling before solving the problem."),
                window.coaching.play_clip(),
            ),
        ),
        (2500, lambda: window.coaching.grab().save(str(folder / "coaching.png"))),
        (200, lambda: window.coaching.close()),
    ]


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], *(Path(a) for a in sys.argv[3:5]))

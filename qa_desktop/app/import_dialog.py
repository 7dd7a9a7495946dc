"""The import dialog: choose files and folders (or drop them), optionally a metadata CSV with its
column mapping, then watch per-file and overall progress, cancel, and read every failure's reason."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.app import file_dialogs
from qa_desktop.app.background import Latest
from qa_desktop.app.dialog_size import fit_to_screen
from qa_desktop.app.error_report import describe
from qa_desktop.app.import_worker import ImportPlan, ImportWorker
from qa_desktop.app.no_agent_look import NO_AGENT_HINT, mark_tree_item
from qa_desktop.services.ingest import BatchProgress, discover, folder_metadata, metadata_csvs, why_passed_over
from qa_desktop.services.metadata import (
    DATE_ORDERS,
    DEFAULT_NAME_PATTERN,
    FIELDS,
    MetadataError,
    call_metadata,
    compile_name_pattern,
    csv_columns,
    load_csv,
)
from qa_desktop.storage.no_agent import has_agent, shown_agent
from scoring.text_conversation import is_transcript_file

log = logging.getLogger(__name__)

STATUS_COLOURS = {"imported": "#1b6e20", "skipped": "#555555", "failed": "#b3261e", "cancelled": "#8a6d00"}


NO_METADATA = "No metadata CSV: agent, team, time and call id come from file names."
STEPS = 1000  # overall bar steps per file, so it moves within a file
NAMED = 3  # files in progress named on the dialog's line (the rest counted)


def _read(paths: list[Path]) -> tuple[list[Path], list[Path], list[Path]]:
    """The files to import from what was chosen (folders expanded), the folders' CSV and JSON files that are
    not transcripts (to name them), each once, in order, and the metadata CSVs among those."""
    passed: list[Path] = []
    files = list(dict.fromkeys(discover(paths, passed_over=passed)))
    passed = list(dict.fromkeys(passed))
    return files, passed, metadata_csvs(passed)


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{max(1, round(seconds))} s"


class ImportDialog(QDialog):
    """`imported` is emitted when a run ends (the library reloads)."""

    imported = Signal()
    files_ready = Signal()  # the chosen files and folders are read: the list shows them

    def __init__(
        self,
        parent: QWidget | None,
        make_plan: Callable[..., ImportPlan],
        resume: ImportPlan | None = None,
        name_pattern: str = DEFAULT_NAME_PATTERN,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import calls")
        self.setAcceptDrops(True)
        fit_to_screen(self, 960, 600)  # a file's full name beside its status and details
        self.make_plan = make_plan  # (files, metadata csv, columns, date_format=) -> ImportPlan with the app's settings
        try:
            self.name_pattern = compile_name_pattern(name_pattern)
        except MetadataError:  # the settings check says so at start; the preview shows no names then
            self.name_pattern = None
        self.now = time.monotonic  # the clock the time left is measured on
        self.clock: float | None = None  # when the work the time left is paced on began (None: not begun)
        self.analysed = 0  # files finished since then, but those skipped (no work to pace on)
        self.batch = BatchProgress(0)  # the files finished and those in progress, with their fractions
        self.recordings = False  # the batch has recordings: its pace is theirs, not the chats' (read in seconds)
        self.worker: ImportWorker | None = None
        self.files: list[Path] = []  # what will be imported: the chosen files, and the folders' files
        self.chosen: list[Path] = []  # what the user chose: files and folders, as chosen
        self.reading = Latest(self._read_done, self._reading_failed, self, what="reading the chosen folders")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._choose_page())
        self.pages.addWidget(self._progress_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        if resume is not None:
            self.start(resume)

    # --- page 1: what to import ----------------------------------------------------------
    def _choose_page(self) -> QWidget:
        page = QWidget()
        self.file_list = QTreeWidget()  # each file with the agent and team it will be stored under
        self.file_list.setHeaderLabels(["File", "Agent", "Team", "From"])
        self.file_list.setRootIsDecorated(False)
        self.file_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # names often differ only at the end
        self.file_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.file_list.setToolTip("Drop files or folders here")
        self.file_list.setColumnWidth(0, 340)
        self.file_list.setColumnWidth(1, 150)
        self.file_list.setColumnWidth(2, 120)
        add_files, add_folder = QPushButton("Add files…"), QPushButton("Add folder…")
        self.remove_button, clear = QPushButton("Remove"), QPushButton("Clear")
        self.remove_button.setToolTip("Take the selected files off the list (Delete)")
        add_files.clicked.connect(self._pick_files)
        add_folder.clicked.connect(self._pick_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        QShortcut(QKeySequence.StandardKey.Delete, self.file_list, activated=self.remove_selected)
        clear.clicked.connect(lambda: self.set_files([]))
        buttons = QHBoxLayout()
        for b in (add_files, add_folder, self.remove_button, clear):
            buttons.addWidget(b)
        buttons.addStretch()
        self.coverage = QLabel()  # files the metadata CSV does not cover
        self.passed_over: list[Path] = []  # CSV and JSON files in the folders that are not transcripts
        self.found_metadata: list[Path] = []  # the metadata CSVs among them
        self.passed_note = QLabel()
        self.passed_note.setStyleSheet("color:#8a6d00")
        self.passed_note.setWordWrap(True)
        self.coverage.setStyleSheet("color:#8a6d00")
        self.coverage.setWordWrap(True)
        self.csv_label = QLabel(NO_METADATA)
        pick_csv = QPushButton("Metadata CSV…")
        pick_csv.clicked.connect(self._pick_csv)
        self.mapping_box = QGroupBox("Columns")
        self.mapping_form = QFormLayout(self.mapping_box)
        self.mapping: dict[str, QComboBox] = {}
        self.date_order = QComboBox()
        self.date_order.addItem("ISO (2026-12-31) or unambiguous", "")
        for order, label in DATE_ORDERS.items():
            self.date_order.addItem(label.capitalize(), order)
        self.date_order.setToolTip(
            "How the CSV writes dates such as 11/02/2026: without a choice, a date that "
            "reads both ways stops the import"
        )
        self.mapping_box.hide()
        self.csv_path = ""
        self.csv_found = False  # the metadata CSV was taken from a chosen folder, not chosen itself
        self.csv_error = QLabel()
        self.csv_error.setWordWrap(True)
        self.csv_error.setStyleSheet("color:#b3261e")
        self.start_button = QPushButton("Import")
        self.start_button.setDefault(True)
        self.start_button.setEnabled(False)
        self.start_button.clicked.connect(self._start_clicked)
        layout = QVBoxLayout(page)
        layout.addWidget(
            QLabel(
                "Recordings (wav, mp3, m4a, flac, ogg) and chat, email or ticket transcripts "
                "(json, csv): add files or folders, or drop them here."
            )
        )
        layout.addWidget(self.file_list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.passed_note)
        layout.addWidget(self.coverage)
        row = QHBoxLayout()
        row.addWidget(pick_csv)
        row.addWidget(self.csv_label, 1)
        layout.addLayout(row)
        layout.addWidget(self.csv_error)
        layout.addWidget(self.mapping_box)
        end = QHBoxLayout()
        end.addStretch()
        end.addWidget(self.start_button)
        layout.addLayout(end)
        return page

    def _start_clicked(self) -> None:
        """Make the plan with the app's settings (a scorecard or drivers file may have gone), check the metadata
        CSV (encoding, dates, rows) before anything is queued, and start it."""
        self.csv_error.clear()
        try:
            plan = self.make_plan(self.files, self.csv_path, self.columns(), date_format=self.date_order.currentData())
        except (OSError, ValueError, MetadataError) as exc:
            log.exception("the import could not start")
            self.csv_error.setText(f"The import cannot start: {describe(exc)}")
            return
        try:
            plan.load_metadata()
        except MetadataError as exc:  # the user's file: say what is wrong, no traceback in the log
            self.csv_error.setText(str(exc))
            return
        self.start(plan)

    def set_files(self, paths: list[Path]) -> None:
        """The recordings and transcript files to import. Folders are expanded and their CSV and JSON files read
        (transcripts told from other files) in the background, as a folder may hold thousands; the list fills,
        and `files_ready` follows, when that is done."""
        self.chosen = list(paths)
        self.start_button.setEnabled(False)
        self.remove_button.setEnabled(False)  # until the list shows what is read
        self.csv_error.clear()
        if not paths:
            self.reading.drop()
            self.passed_over, self.found_metadata = [], []
            if self.csv_found:  # the folder it came from is gone from the list
                self._drop_metadata_csv()
            self._show_files([])
            return
        self.start_button.setText("Reading the files…")
        self.reading.start(lambda _task: _read(list(paths)))

    def _read_done(self, read: tuple[list[Path], list[Path], list[Path]]) -> None:
        files, passed, found = read
        self.passed_over = list(dict.fromkeys(self.passed_over + passed))  # named until the list is cleared
        self.found_metadata = list(dict.fromkeys(self.found_metadata + found))
        beside = folder_metadata(self.found_metadata)
        if beside is not None and not self.csv_path:
            self.set_metadata_csv(str(beside), found=True)
        self._show_files(files)

    def passed_over_reasons(self) -> dict[Path, str]:
        """Each folder file not imported, but the metadata CSV in use, with why."""
        return {p: why_passed_over(p, self.found_metadata) for p in self.passed_over if str(p) != self.csv_path}

    def _show_passed_over(self) -> None:
        by_reason: dict[str, list[str]] = {}
        for path, reason in self.passed_over_reasons().items():
            by_reason.setdefault(reason, []).append(path.name)
        lines = [
            f"Passed over, {reason}: {', '.join(names[:5])}{f' and {len(names) - 5} more' if len(names) > 5 else ''}."
            for reason, names in by_reason.items()
        ]
        self.passed_note.setText("\n".join(lines))
        self.passed_note.setVisible(bool(lines))

    def _show_files(self, files: list[Path]) -> None:
        self.files = files
        self._show_passed_over()
        self.start_button.setEnabled(bool(self.files))
        self.remove_button.setEnabled(True)
        self.start_button.setText(f"Import {len(self.files)} file{'s' * (len(self.files) != 1)}")
        self.preview()
        self.files_ready.emit()

    def _reading_failed(self, message: str) -> None:
        self.remove_button.setEnabled(True)
        self.start_button.setText("Import")
        self.csv_error.setText(f"The chosen files could not be read: {message}")

    def remove_selected(self) -> None:
        """Take the selected files off the list (the folders they came from are not read again)."""
        if not self.remove_button.isEnabled():  # the Delete key while the chosen files are read
            return
        chosen = {item.data(0, Qt.ItemDataRole.UserRole) for item in self.file_list.selectedItems()}
        self.chosen = [f for f in self.files if str(f) not in chosen]
        self._show_files(self.chosen)

    def preview(self) -> None:
        """List each file with the agent and team it will be stored under (its CSV row over its name), and
        say which files the metadata CSV does not cover."""
        table = None
        if self.csv_path:
            try:
                table = load_csv(self.csv_path, self.columns(), date_format=self.date_order.currentData())
            except MetadataError as exc:
                self.csv_error.setText(str(exc))
        self.file_list.clear()
        uncovered, items = 0, []
        for path in self.files:
            meta = call_metadata(path, table, self.name_pattern)
            covered = table is not None and table.covers(path)
            uncovered += table is not None and not covered
            source = "CSV" if covered else "file name" if (meta.agent or meta.team) else "—"
            item = QTreeWidgetItem([path.name, shown_agent(meta.agent), meta.team or "", source])
            item.setData(0, Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(0, str(path))
            if not has_agent(meta.agent):
                mark_tree_item(
                    item, range(1, 2), f"No agent's name in the metadata CSV or the file name. {NO_AGENT_HINT}."
                )
            if table is not None and not covered:
                item.setForeground(3, QColor("#8a6d00"))
                item.setToolTip(3, "Not in the metadata CSV: agent and team come from the file name")
            items.append(item)
        self.file_list.addTopLevelItems(items)
        self.coverage.setText(
            f"{uncovered} of {len(self.files)} files are not in the metadata CSV: their agent "
            "and team come from the file name."
            if uncovered
            else ""
        )

    def set_metadata_csv(self, path: str, found: bool = False) -> None:
        """Use a metadata CSV and show its column mapping (guessed from the headers, editable); `found`: the
        only one in the chosen folders, taken without being chosen (the label says so)."""
        self.csv_error.clear()
        try:
            headers, guessed = csv_columns(path)
        except MetadataError as exc:
            self.csv_error.setText(str(exc))
            return
        self.csv_path, self.csv_found = path, found
        self.csv_label.setText(f"{path} (found in the chosen folder)" if found else path)
        while self.mapping_form.rowCount() > 1:  # the date order row stays
            self.mapping_form.removeRow(0)
        if not self.mapping_form.rowCount():
            self.mapping_form.addRow("Dates", self.date_order)
        self.mapping = {}
        for name in FIELDS:
            box = QComboBox()
            box.addItem("(not in this file)", "")
            for header in headers:
                box.addItem(header, header)
            box.setCurrentIndex(max(0, box.findData(guessed.get(name, ""))))
            box.currentIndexChanged.connect(self.preview)
            self.mapping_form.insertRow(self.mapping_form.rowCount() - 1, name.replace("_", " ").capitalize(), box)
            self.mapping[name] = box
        self.mapping_box.show()
        self._show_passed_over()
        self.preview()

    def _drop_metadata_csv(self) -> None:
        self.csv_path, self.csv_found = "", False
        self.csv_label.setText(NO_METADATA)
        self.mapping = {}
        self.mapping_box.hide()

    def columns(self) -> dict[str, str]:
        """The field -> CSV header mapping chosen."""
        return {name: box.currentData() for name, box in self.mapping.items() if box.currentData()}

    def _pick_files(self) -> None:
        names = file_dialogs.open_file_names(
            self,
            "Recordings and transcripts",
            "",
            "Recordings and transcripts (*.wav *.mp3 *.m4a *.flac *.ogg *.json *.csv);;Audio (*.wav *.mp3 *.m4a *.flac "
            "*.ogg);;Transcripts (*.json *.csv)",
        )
        self.set_files(self.chosen + [Path(n) for n in names])

    def _pick_folder(self) -> None:
        folder = file_dialogs.existing_directory(self, "Folder of recordings")
        if folder:
            self.set_files(self.chosen + [Path(folder)])

    def _pick_csv(self) -> None:
        name = file_dialogs.open_file_name(self, "Metadata CSV", "", "CSV (*.csv *.tsv *.txt)")
        if name:
            self.set_metadata_csv(name)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls() and self.pages.currentIndex() == 0:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        dropped = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        self.set_files(self.chosen + dropped)

    # --- page 2: progress ------------------------------------------------------------------
    def _progress_page(self) -> QWidget:
        page = QWidget()
        self.current = QLabel()
        self.current.setWordWrap(True)  # the names of the files in progress must not widen the dialog
        self.file_bar, self.overall_bar = QProgressBar(), QProgressBar()
        self.file_bar.setToolTip("The files in progress (together, when several are)")
        self.overall_bar.setFormat("")
        self.results = QTreeWidget()
        self.results.setHeaderLabels(["File", "Status", "Details"])
        self.results.setRootIsDecorated(False)
        self.results.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.results.setColumnWidth(0, 360)  # a file's name (the details say the rest)
        status = self.results.fontMetrics().horizontalAdvance("transcribing 100%")  # was 80 px: "tran…g 40%"
        self.results.setColumnWidth(1, status + 16)
        self._rows: dict[str, QTreeWidgetItem] = {}
        self.failures = QListWidget()
        self.failures.setStyleSheet("color:#b3261e")
        self.failures.setWordWrap(True)  # each message read in full, without scrolling sideways
        self.failures.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.summary = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.accept)
        self.close_button.setEnabled(False)
        layout = QVBoxLayout(page)
        layout.addWidget(self.current)
        layout.addWidget(self.file_bar)
        layout.addWidget(QLabel("All files"))
        layout.addWidget(self.overall_bar)
        layout.addWidget(self.results, 2)
        layout.addWidget(QLabel("Failures and warnings"))
        layout.addWidget(self.failures, 1)
        end = QHBoxLayout()
        end.addWidget(self.summary, 1)
        end.addWidget(self.cancel_button)
        end.addWidget(self.close_button)
        layout.addLayout(end)
        return page

    def start(self, plan: ImportPlan) -> None:
        """Run an import plan in the background and show its progress."""
        self._show_waiting(plan.files)
        self.worker = ImportWorker(plan, self._done, self._stopped)
        self.worker.file_found.connect(self._file_found)
        self.worker.engine_starting.connect(self._engine_starting)
        self.worker.file_started.connect(self._file_started)
        self.worker.file_progress.connect(self._file_progress)
        self.worker.file_finished.connect(self._file_finished)
        self.worker.warning.connect(lambda message: self.failures.addItem(f"Metadata CSV: {message}"))
        for path, reason in self.passed_over_reasons().items():  # said on the first page too
            self.failures.addItem(f"{path}: passed over, {reason}")
        self.worker.start()

    def _show_waiting(self, files: list[Path]) -> None:
        """The progress page, every file waiting."""
        self.pages.setCurrentIndex(1)
        self.overall_bar.setRange(0, len(files) * STEPS)
        self.overall_bar.setValue(0)
        self.batch = BatchProgress(len(files))
        self.recordings = any(not is_transcript_file(Path(path)) for path in files)  # paced on them, not chats
        self.clock, self.analysed = (None if self.recordings else self.now()), 0
        self.current.setText("Checking the files…")
        self._show_overall()
        self.file_bar.setRange(0, 100)
        self.results.clear()
        self._rows = {}
        for path in files:
            item = QTreeWidgetItem([Path(path).name, "waiting", str(path)])
            item.setToolTip(0, str(path))
            item.setForeground(1, QColor("#777777"))
            self.results.addTopLevelItem(item)
            self._rows[str(path)] = item

    def cancel(self) -> None:
        """Stop the import (the file in progress is abandoned; stored calls stay)."""
        if self.worker is not None:
            self.cancel_button.setEnabled(False)
            self.current.setText("Cancelling…")
            self.worker.cancel()

    def _row(self, path: str) -> QTreeWidgetItem:
        if path not in self._rows:
            self._rows[path] = QTreeWidgetItem([Path(path).name, "", path])
            self.results.addTopLevelItem(self._rows[path])
        return self._rows[path]

    def _file_found(self, stored: str, found: str) -> None:
        """A resumed file found again under its real name: its row follows it."""
        item = self._rows[found] = self._row(stored)
        del self._rows[stored]
        item.setText(0, Path(found).name)
        item.setToolTip(0, found)

    def _engine_starting(self) -> None:
        """The batch engine starts (seconds on a laptop): said, with a busy bar and no time left until a file moves."""
        self.current.setText("Starting the import engine…")
        self.file_bar.setRange(0, 0)
        self.clock = None
        self._show_overall()

    def _file_started(self, index: int, total: int, path: str) -> None:
        """A file in progress (a recording a worker began, several at once in a batch, or a chat read between)."""
        self.batch.started(path)
        self._say_in_progress()
        self.file_bar.setRange(0, 100)  # no longer busy: the engine is up
        row = self._row(path)
        row.setText(1, "importing")
        row.setForeground(1, QColor("#1f5fa8"))
        self.results.scrollToItem(row)
        self._show_file_bar()

    def _say_in_progress(self) -> None:
        """The dialog's line: every file in progress (the first few by name), and how many are done."""
        running = [Path(path) for path in self.batch.running]
        if not running:
            return
        done = f"{self.batch.finished} of {self.batch.total} done"
        if len(running) == 1:
            self.current.setText(f"Importing {running[0].name} · {done}")
            return
        kind = "files" if any(is_transcript_file(path) for path in running) else "recordings"
        names = ", ".join(path.name for path in running[:NAMED])
        more = f" and {len(running) - NAMED} more" if len(running) > NAMED else ""
        self.current.setText(f"{len(running)} {kind} in progress: {names}{more} · {done}")

    def _show_file_bar(self) -> None:
        """The bar under the line: how far the files in progress are, together."""
        if self.batch.running:
            fractions = self.batch.running.values()
            self.file_bar.setValue(round(100 * sum(fractions) / len(fractions)))

    def _show_overall(self) -> None:
        """The overall bar: whole files plus the parts of those in progress (in its percentage: the count is of
        whole files), and the time left at the pace measured so far."""
        total, done = max(1, self.batch.total), self.batch.done
        self.overall_bar.setValue(int(done * STEPS))
        self.overall_bar.setFormat(f"{self.batch.finished} of {total} files ({done / total:.0%}){self._time_left()}")

    def _time_left(self) -> str:
        """About how long the rest takes at the throughput measured so far: the work done since the pace's clock
        started (files finished and the parts of those in progress, all together, as a parallel batch does them)
        over the time it took. Not paced on the skipped files, nor the engine's start, nor, in a batch with
        recordings, the transcript files read (in seconds). Nothing until a first file is done: a recording's
        fraction moves by fits (8% for 45 s), and the guess went 5, 13, 4 min."""
        remaining = self.batch.total - self.batch.done
        if self.clock is None or self.analysed < 1 or remaining <= 0:
            return ""
        work = self.analysed + sum(f for path, f in self.batch.running.items() if self._paced(path))
        return f" · about {_duration((self.now() - self.clock) / work * remaining)} left"

    def _paced(self, path: str) -> bool:
        """Whether a file's work counts in the pace: a batch with recordings is paced on them, not on its chats."""
        return not (self.recordings and is_transcript_file(Path(path)))

    def _file_progress(self, path: str, fraction: float) -> None:
        if self.clock is None:  # the engine is up: the pace is measured from its first file
            self.clock, self.analysed = self.now(), 0
        self.batch.moved(path, fraction)
        self._show_overall()
        self._show_file_bar()
        self._row(path).setText(1, f"transcribing {fraction:.0%}")

    def _file_finished(self, path: str, status: str, message: str) -> None:
        """The dialog's line and bars, then the file's row (as it reads once the row says so)."""
        item = self._row(path)
        alone = list(self.batch.running) == [path]
        self.batch.ended(path)
        if alone and status == "skipped":  # not imported after all: say so, not "Importing"
            self.current.setText(f"Skipped {item.text(0)}: {message}")
        self._say_in_progress()
        self.analysed += status != "skipped" and self._paced(path) and self.clock is not None
        self._show_overall()
        self._show_file_bar()
        item.setText(2, message)
        item.setToolTip(2, message)
        item.setForeground(1, QColor(STATUS_COLOURS.get(status, "#000")))
        item.setText(1, status)
        if status == "failed":
            self.failures.addItem(f"{path}: {message}")

    def _stopped(self, message: str) -> None:
        """The import stopped on an error: say why, keep what was stored, and end as after a run."""
        self.failures.addItem(f"Import stopped: {message}")
        for item in self._rows.values():
            if item.text(1) in ("waiting", "importing") or item.text(1).startswith("transcribing"):
                item.setText(1, "not imported")
                item.setForeground(1, QColor(STATUS_COLOURS["cancelled"]))
        self._done(self.worker.counts, "Import stopped: see Failures below (the details are in the log).")

    def _done(self, counts: dict, ending: str = "") -> None:
        self.worker.wait()
        self.file_bar.setRange(0, 100)
        self.file_bar.setValue(0 if ending else self.file_bar.maximum())
        self.current.setText(
            ending
            or (
                "Import cancelled."
                if counts.get("cancelled") or not self.cancel_button.isEnabled()
                else "Import finished."
            )
        )
        self.summary.setText(
            f"{counts['imported']} imported, {counts['skipped']} already there, {counts['failed']} failed"
        )
        self.cancel_button.setEnabled(False)
        self.close_button.setEnabled(True)
        self.imported.emit()

    def running(self) -> bool:
        """Whether an import is in progress."""
        return self.worker is not None and self.worker.isRunning()

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.running():
            self.cancel()
            self.worker.wait()
        super().closeEvent(event)

    def reject(self) -> None:
        if self.running():
            self.cancel()
            return
        super().reject()

"""The dashboards tab: a scope (team or agent, dates), every chart for it, click-through to the library,
and export of any chart (PNG, SVG) or its data (CSV). Queries run in a background thread, and so does
drawing the charts (one at a time); the UI thread only paints their images and maps clicks back to data."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from qa_desktop.app import file_dialogs
from qa_desktop.app.background import InTurn, Latest, Task, run_task
from qa_desktop.app.chart_canvas import ChartCanvas, Rendered, rasterize
from qa_desktop.app.date_box import date_of, optional_date_box, show_date
from qa_desktop.app.no_agent_look import mark_no_agent_choice
from qa_desktop.services import people as people_service
from qa_desktop.services.dashboard.charts import CHARTS, Chart, Picks, compute_tables, figure_for
from qa_desktop.services.dashboard.queries import Scope, Table
from qa_desktop.services.dashboard.report import save_chart, write_csv
from qa_desktop.services.library import visible_scope
from scoring.drivers import DriverSet

DPI = 90  # the charts' text is sized for the report; this fits two charts side by side
EXPORT_TIP = "Save the chart as PNG or SVG, or its data as CSV"
NOTHING_TO_EXPORT = "Nothing to export: this chart has no data yet (see what it says)"
ONLY_DATA = "This chart could not be drawn: its data still exports as CSV"
RESIZE_WAIT_MS = 150  # a chart is drawn again once its size has stopped changing for this long


class ChartCard(QFrame):
    """One chart: its title, an export menu and the chart, drawn in the background whenever its data or its
    size changes (the newest drawing wins; an older one still running is dropped); clicks emit library filters."""

    def __init__(self, chart: Chart, view: DashboardView) -> None:
        super().__init__()
        self.chart, self.view = chart, view
        self.table: Table | None = None
        self.chosen: Scope | None = None  # the scope asked for that the table is for (`DashboardView._chosen`)
        self.exporting: Task | None = None
        self.asked = 0  # the newest drawing asked for: a drawing that ends after a newer request is dropped
        self.outdated = False  # its data or size changed since the chart shown was drawn
        self.shown_for: tuple = ()  # the table, size and pixel ratio the chart shown was drawn for
        self.setFrameShape(QFrame.Shape.StyledPanel)
        title = QLabel(f"<b>{chart.title}</b>")
        self.export_button = export = QToolButton(text="Export ▾")
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        menu.setToolTipsVisible(True)  # a chart not drawn says why it exports only its data
        self.image_exports = [
            menu.addAction("Chart as PNG…", lambda: self._ask("png")),
            menu.addAction("Chart as SVG…", lambda: self._ask("svg")),
        ]
        menu.addAction("Data as CSV…", lambda: self._ask("csv"))
        export.setMenu(menu)
        self._exportable(False)
        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(export)
        self.canvas = ChartCanvas(
            int(7.2 * DPI), int(3.4 * DPI), "Click a bar, point or cell to list those calls in the library"
        )
        self.canvas.picked.connect(view.open_calls)
        self.canvas.told.connect(view.show_status)
        self.canvas.resized.connect(lambda: self.table is not None and self._draw_soon(RESIZE_WAIT_MS))
        self._soon = QTimer(self, singleShot=True)
        self._soon.timeout.connect(self._draw)
        body = QVBoxLayout(self)
        body.addLayout(head)
        body.addWidget(self.canvas)

    @property
    def picks(self) -> Picks:
        """The clickable artists of the chart shown."""
        return self.canvas.picks

    def show_waiting(self, text: str) -> None:
        """Say on the chart's place what it is waiting for (it has nothing to draw yet, or no longer)."""
        self.table = self.chosen = None
        self.forget()
        self.canvas.show_text(text)
        self._exportable(False)

    def show_table(self, table: Table, scope: Scope, chosen: Scope) -> None:
        """Draw the chart for new data of the scope `chosen`, narrowed to `scope` (in the background, once the
        layout has given the chart its size)."""
        self.table, self.scope, self.chosen = table, scope, chosen
        self._exportable(True)
        height = int(self.chart.height(table) * DPI)
        resizing = height != self.canvas.minimumHeight()
        self.canvas.setMinimumHeight(height)
        if self.canvas.rendered is None:
            self.canvas.show_text("Drawing this chart…")
        self._draw_soon(RESIZE_WAIT_MS if resizing else 0)  # a new height: drawn once the layout has given it

    def _exportable(self, able: bool, drawable: bool = True) -> None:
        """The export menu, offered only with data to export (else its tooltip says why not); the chart as an image
        only while it can be drawn (a chart that failed to draw offers its data alone)."""
        self.export_button.setEnabled(able)
        self.export_button.setToolTip(EXPORT_TIP if able and drawable else ONLY_DATA if able else NOTHING_TO_EXPORT)
        for action in self.image_exports:
            action.setEnabled(drawable)
            action.setToolTip("" if drawable else ONLY_DATA)

    def forget(self) -> None:
        """Drop the drawings asked for (the chart shown stays until new data comes)."""
        self.asked += 1
        self._soon.stop()

    def due(self) -> bool:
        """Whether a drawing is about to be asked for (the view's queue says whether one waits or runs)."""
        return self._soon.isActive()

    def _draw_soon(self, wait_ms: int) -> None:
        self.outdated = True
        if self.isVisible():
            self._soon.start(wait_ms)

    def _draw(self) -> None:
        """Ask the view's background queue to draw the chart at the canvas's size and device pixel ratio."""
        if self.table is None:
            return
        chart, table, scope, drivers = self.chart, self.table, self.scope, self.view.drivers
        ratio = self.canvas.ratio()
        width, height = self.canvas.inches(DPI * ratio)
        wanted = (table, width, height, ratio)
        shown = self.shown_for if self.canvas.rendered is not None else ()
        if shown and shown[0] is table and shown[1:] == wanted[1:]:  # a layout pass gave the canvas its size back
            self.asked += 1  # a drawing still running was for another size
            self.outdated = False
            return

        def draw(_task: Task) -> Rendered:
            return rasterize(*figure_for(chart, table, scope, drivers, width, DPI * ratio, height), ratio)

        self.asked += 1
        asked = self.asked
        self.view.drawings.start(
            chart.key,
            draw,
            lambda rendered: self._drawn(asked, rendered, wanted),
            lambda message: self._not_drawn(asked, message),
            what=f"drawing the chart {chart.title}",
        )

    def _drawn(self, asked: int, rendered: Rendered, drawn_for: tuple) -> None:
        if asked == self.asked and self.isVisible():  # hidden (the tab left, the window closed): drawn again on show
            self.outdated = False
            self.shown_for = drawn_for
            self.canvas.show_rendered(rendered)

    def _not_drawn(self, asked: int, message: str) -> None:
        if asked == self.asked:
            self.outdated = False
            self.canvas.show_text("Not drawn: see the message above")
            self._exportable(self.table is not None, drawable=False)
            self.view.show_error(message)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        """Back on screen: draw what changed while it was hidden (drawings are not queued for hidden charts)."""
        super().showEvent(event)
        if self.outdated and self.table is not None:
            self._draw_soon(0)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt API)
        self._soon.stop()
        super().hideEvent(event)

    def export(self, path: str | Path) -> Path:
        """Save the chart (.png or .svg) or its data (.csv)."""
        path = Path(path)
        if self.table is None:
            raise RuntimeError("the chart has no data yet")
        if path.suffix.lower() == ".csv":
            return write_csv(self.table, path)
        return save_chart(self.chart, self.table, self.scope, self.view.drivers, path)

    def _ask(self, kind: str) -> None:
        if self.table is None:
            return
        path = file_dialogs.export_file_name(
            self, f"Export {self.chart.title}", f"{self.chart.key}.{kind}", f"{kind.upper()} (*.{kind})"
        )
        if path:
            self.view.status.setText(f"Saving {path}…")
            self.exporting = run_task(
                lambda _task: self.export(path),
                self.view.saved,
                self.view.show_error,
                what=f"exporting {self.chart.title}",
            )


class DashboardView(QWidget):
    """Every chart for the chosen scope; `open_calls` carries the library filter of a clicked element. The
    scope's teams and agents come from `people` (the people service's functions)."""

    open_calls = Signal(object)

    def __init__(self, drivers: DriverSet, people: ModuleType = people_service) -> None:
        super().__init__()
        self.drivers, self.people = drivers, people
        self.tables = Latest(
            self._show, self._not_computed, self, what="computing the dashboards", part=self._show_chart
        )
        self.failed = False  # the last computation failed (the server stopped, the file gone): computed on show
        self.agent_lists = Latest(self._agents_read, self._not_computed, self, what="reading the team's agents")
        self.agents_of: int | None = None  # the team whose agents the agent box lists (None: every team)
        self.choices = Latest(self._choices_read, self._not_computed, self, what="reading the teams and agents")
        self.teams_read = False  # the team box lists the teams (else reading them failed or has not ended)
        self.drawings = InTurn(self)  # the charts are drawn one at a time: side by side they only share the GIL
        self.team, self.agent = QComboBox(), QComboBox()
        self.team.addItem("All teams", None)  # the rest once read (`refresh_choices`)
        self.agent.addItem("All agents", None)
        self.date_from, self.date_to = optional_date_box(), optional_date_box()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.retry = QPushButton("Retry")
        self.retry.setToolTip("Compute the dashboards again")
        self.retry.clicked.connect(self.refresh)
        self.retry.hide()
        bar = QHBoxLayout()
        for widget in (
            QLabel("Team"),
            self.team,
            QLabel("Agent"),
            self.agent,
            QLabel("From"),
            self.date_from,
            QLabel("to"),
            self.date_to,
        ):
            bar.addWidget(widget)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.retry)
        self.cards: dict[str, ChartCard] = {}  # built when first asked for: the window opens sooner
        self._grid_host = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._grid_host)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.refresh)
        self.team.currentIndexChanged.connect(self._team_changed)
        self.agent.currentIndexChanged.connect(self._debounce.start)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._debounce.start)
        self.refresh_choices()

    def refresh_choices(self) -> None:
        """Re-read teams and agents (at the start, after an import or a merge) in the background, keeping the
        selection: a slow or stopped server never holds the window; a failure says why on the status line, and
        Retry (or the next computation) reads them again."""
        self.teams_read = False
        team, people = self.team.currentData(), self.people
        self.choices.start(lambda _task: (people.teams(), team, people.agents(team)))

    def _choices_read(
        self, read: tuple[list[people_service.TeamSummary], int | None, list[people_service.AgentSummary]]
    ) -> None:
        teams, team, agents = read
        chosen = self.team.currentData()  # the user may have chosen another team meanwhile
        with QSignalBlocker(self.team):
            self.team.clear()
            self.team.addItem("All teams", None)
            for t in teams:
                self.team.addItem(t.name, t.id)
            self.team.setCurrentIndex(max(0, self.team.findData(chosen)))
        self.teams_read = True
        if self.team.currentData() == team:
            self._list_agents(team, agents)
        else:  # another team, or the one chosen is gone (every team): its agents
            self._team_changed()

    def _fill_agents(self) -> None:
        """Read the chosen team's agents here, on the UI thread (`set_scope` only, for tests and scripts)."""
        team = self.team.currentData()
        self._list_agents(team, self.people.agents(team))

    def _list_agents(self, team: int | None, agents: list[people_service.AgentSummary]) -> None:
        """Offer `team`'s agents, keeping the agent chosen if it is one of them."""
        agent = self.agent.currentData()
        with QSignalBlocker(self.agent):
            self.agent.clear()
            self.agent.addItem("All agents", None)
            for a in agents:
                self.agent.addItem(a.shown, a.id)
            mark_no_agent_choice(self.agent)
            self.agent.setCurrentIndex(max(0, self.agent.findData(agent)))
        self.agents_of = team

    def _read_agents(self) -> None:
        """Read the chosen team's agents in the background: a failure (the server stopped) says why on the
        status line, as the charts' does, with Retry, which reads them again."""
        team, people = self.team.currentData(), self.people
        self.agent_lists.start(lambda _task: (team, people.agents(team)))

    def _agents_read(self, read: tuple[int | None, list[people_service.AgentSummary]]) -> None:
        team, agents = read
        if team != self.team.currentData():  # `set_scope` chose another team meanwhile
            return
        agent = self.agent.currentData()
        self._list_agents(team, agents)
        if self.agent.currentData() != agent:  # the agent chosen is not in this team: every agent of it
            self._debounce.start()

    def _team_changed(self) -> None:
        self._read_agents()
        self._debounce.start()

    def _chosen(self) -> Scope:
        """The scope the widgets describe, before it is narrowed to what the user may see (no database read)."""
        return Scope(date_of(self.date_from), date_of(self.date_to), self.team.currentData(), self.agent.currentData())

    def scope(self) -> Scope:
        """The scope the widgets describe, narrowed to what the signed-in user may see."""
        return visible_scope(self._chosen())

    def set_scope(self, scope: Scope) -> None:
        """Show a scope (and compute it)."""
        for widget in (self.team, self.agent, self.date_from, self.date_to):
            widget.blockSignals(True)
        self.team.setCurrentIndex(max(0, self.team.findData(scope.team_id)))
        self._fill_agents()
        self.agent.setCurrentIndex(max(0, self.agent.findData(scope.agent_id)))
        show_date(self.date_from, scope.date_from)
        show_date(self.date_to, scope.date_to)
        for widget in (self.team, self.agent, self.date_from, self.date_to):
            widget.blockSignals(False)
        self.refresh()

    def _build_cards(self) -> None:
        grid = QGridLayout(self._grid_host)
        self.cards = {c.key: ChartCard(c, self) for c in CHARTS}
        place = 0  # half rows filled
        cards = list(self.cards.values())
        for index, card in enumerate(cards):  # two a row; a wide chart has a row of its own
            span = 2 if card.chart.wide else 1
            place += place % 2 * (span - 1)  # a wide chart starts a row
            if index == len(cards) - 1 and place % 2 == 0:
                span = 2  # the last chart, alone in its row, takes the row (no empty half beside it)
            grid.addWidget(card, place // 2, place % 2, 1, span)
            place += span

    def refresh(self) -> None:
        """Compute every chart for the current scope in the background (a newer request replaces an older one).
        The charts shown stay until their new data comes; drawings of the old data are dropped."""
        if not self.cards:
            self._build_cards()
        self.failed = False
        self.retry.hide()
        if not self.teams_read:  # reading them failed: Retry reads them again (unless still reading)
            if not self.choices.busy():
                self.refresh_choices()
        elif self.agents_of != self.team.currentData():
            self._read_agents()
        self.show_status("Updating…")
        self.drawings.drop_waiting()
        for card in self.cards.values():
            card.forget()
            if card.table is None:  # the first computation: say so on each chart, not only in the status line
                card.show_waiting("Computing this chart…")
        chosen, drivers = self._chosen(), self.drivers

        def compute(task: Task) -> tuple[Scope, dict[str, Table]]:
            scope = visible_scope(chosen)  # reads the user: in the background, so that an outage reaches the charts

            def computed(key: str, table: Table) -> None:
                task.hand((chosen, scope, key, table))

            return chosen, compute_tables(scope, drivers, task.cancelled, computed)

        self.tables.start(compute)

    def show_status(self, text: str, *, error: bool = False) -> None:
        """Say what the charts are doing (in red for an error)."""
        self.status.setStyleSheet("color:#b3261e" if error else "")
        self.status.setText(text)

    def show_error(self, message: str) -> None:
        """A computation or export failed: say so where the charts' status shows (the details are logged)."""
        self.show_status(f"Failed: {message} (details in the log)", error=True)
        for card in self.cards.values():
            if card.table is None:
                card.show_waiting("Not computed: see the message above")

    def _not_computed(self, message: str) -> None:
        """The computation failed (the server stopped, the file cannot be read): say why once, and compute again
        on Retry, on the user's next change of scope, or when the tab shows again. A chart drawn for another
        scope (the team before) is cleared: it would pass for this one's."""
        self.failed = True
        chosen = self._chosen()
        for card in self.cards.values():
            if card.chosen != chosen:
                card.show_waiting("Not computed: see the message above")
        self.show_error(message)
        self.retry.show()

    def saved(self, path: Path) -> None:
        """An export was written."""
        self.show_status(f"Saved {path}")

    def _show_chart(self, computed: tuple[Scope, Scope, str, Table]) -> None:
        """One chart's data, drawn as soon as it comes (the first charts show while the others are computed)."""
        chosen, scope, key, table = computed
        if chosen == self._chosen():  # else an older request finished after the scope changed
            self.cards[key].show_table(table, scope, chosen)

    def _show(self, computed: tuple[Scope, dict[str, Table]]) -> None:
        chosen, tables = computed  # every chart has had its data (`_show_chart`)
        if chosen != self._chosen():
            return
        calls = sum(tables["trends"].column("calls"))
        self.show_status(f"{calls} scored calls · click a bar, point or cell to list its calls")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        """Back on screen after a failed computation: compute again (the server may be back)."""
        super().showEvent(event)
        if self.failed:
            self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt API)
        """The tab left or the window closed: the charts not drawn yet wait until it shows again."""
        self.drawings.drop_waiting()
        super().hideEvent(event)

    @property
    def drawing(self) -> bool:
        """True while computed charts wait to be drawn or are being drawn."""
        return self.drawings.busy() or any(card.due() for card in self.cards.values())

    @property
    def started(self) -> bool:
        """True once the charts have been asked for (the tab was opened)."""
        return self.tables.current is not None

    def wait(self) -> None:
        """Block until every background computation ends (for tests and closing)."""
        self.choices.wait()
        self.tables.wait()
        if self.drawings.running is not None:
            self.drawings.running.wait()

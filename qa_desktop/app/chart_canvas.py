"""A chart drawn off the UI thread and shown as an image: `rasterize` draws a figure with Agg in a background
thread (a busy chart's text layout alone would freeze the window), and `ChartCanvas` paints the image and maps
a click back to the figure's clickable artists on the UI thread (cheap once the figure is drawn)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matplotlib.backend_bases import MouseEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QToolTip, QWidget

from qa_desktop.services.dashboard.charts import HeatCells, Picks
from qa_desktop.storage.library import LibraryFilter


@dataclass(frozen=True)
class Rendered:
    """A drawn chart: its figure (handed over to the UI thread, which alone touches it from then on), its
    clickable artists and its pixels (at the screen's device pixel ratio)."""

    figure: Figure
    picks: Picks
    image: QImage


def rasterize(figure: Figure, picks: Picks, ratio: float) -> Rendered:
    """Draw a figure made at `ratio` times its on-screen dpi with Agg (in the thread that made it)."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    pixels = canvas.buffer_rgba()
    height, width = pixels.shape[:2]
    image = QImage(pixels, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()  # owns its pixels
    image.setDevicePixelRatio(ratio)
    return Rendered(figure, picks, image)


class ChartCanvas(QWidget):
    """Shows a rendered chart, or a line saying why there is none; a click on a bar, point or cell emits
    `picked(filter)`, and a new size or screen scale emits `resized` (the chart is drawn again for it;
    meanwhile the old image is stretched). The tooltip is `hint`, or over a heat map's cell what the cell holds."""

    picked = Signal(object)
    told = Signal(str)  # a click with nothing to list: what the user is told instead
    resized = Signal()

    def __init__(self, width: int, height: int, hint: str = "") -> None:
        super().__init__()
        self.rendered: Rendered | None = None
        self.placeholder = ""
        self.hint = hint
        self.setToolTip(hint)
        self._width = width
        self.setMinimumHeight(height)
        self.setMouseTracking(True)  # the pointing hand over what a click opens

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(self._width, self.minimumHeight())

    def pixels(self) -> QSize:
        """The canvas's size in device pixels (a chart drawn at this size is painted pixel for pixel)."""
        return self.size() * self.ratio()

    def ratio(self) -> float:
        """Device pixels per logical pixel on the canvas's screen."""
        return self.devicePixelRatioF() or 1.0

    def inches(self, dpi: float) -> tuple[float, float]:
        """The figure size that fills the canvas at `dpi` (device pixels per inch): half a pixel over, since Agg
        truncates its pixel size and 104 / 90 * 90 is 103.99999999999999."""
        pixels = self.pixels()
        return (pixels.width() + 0.5) / dpi, (pixels.height() + 0.5) / dpi

    @property
    def figure(self) -> Figure | None:
        """The figure shown (None while there is none)."""
        return self.rendered.figure if self.rendered else None

    @property
    def picks(self) -> Picks:
        """The clickable artists of the figure shown."""
        return self.rendered.picks if self.rendered else {}

    def show_rendered(self, rendered: Rendered) -> None:
        """Show a drawn chart."""
        self.rendered, self.placeholder = rendered, ""
        self.update()

    def show_text(self, text: str) -> None:
        """Show a line instead of a chart."""
        self.rendered, self.placeholder = None, text
        self.unsetCursor()
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        if self.rendered is None:
            painter.setPen(QColor("#666666"))
            box = self.rect().adjusted(12, 12, -12, -12)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            return
        image = self.rendered.image
        if image.size() == self.pixels():
            painter.drawImage(0, 0, image)
        else:  # resized, or moved to a screen of another scale: its new drawing is not ready yet
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(self.rect()), image)
            if image.devicePixelRatio() != self.ratio():  # checked here, not in a Python event() run for every event
                self.resized.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self.resized.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        hit = self._hit(event.position()) if event.button() == Qt.MouseButton.LeftButton else None
        if hit is None:
            super().mousePressEvent(event)
            return
        make, index = hit
        if isinstance(make, HeatCells) and not make.failed(index):  # an empty library would say only "no call matches"
            self.told.emit(f"{make.tip(index)}: no call failed it, so there is none to list")
            return
        self.picked.emit(make(index))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        hit = self._hit(event.position())
        if hit is None:
            self.unsetCursor()
        else:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        tip = self.tip(hit)
        if tip != self.toolTip():
            self.setToolTip(tip)
            if QToolTip.isVisible():  # moved to another cell with the tooltip up: it follows
                QToolTip.showText(event.globalPosition().toPoint(), tip, self)
        super().mouseMoveEvent(event)

    def tip(self, hit: tuple[Callable[[int], LibraryFilter], int] | None) -> str:
        """The tooltip over what was hit: a heat map's cell says what it holds (`HeatCells.tip`), else the hint."""
        if hit is not None and isinstance(hit[0], HeatCells):
            cells, index = hit
            click = "Click to list the calls that failed it" if cells.failed(index) else "None failed it"
            return f"{cells.tip(index)}\n{click}"
        return self.hint

    def _hit(self, position: QPointF) -> tuple[Callable[[int], LibraryFilter], int] | None:
        """The clickable artist under a point of the widget (its filter maker and the index hit), if any."""
        if self.rendered is None or self.width() <= 0 or self.height() <= 0:
            return None
        image = self.rendered.image
        x = round(position.x() * image.width() / self.width())  # the image's pixels, with y up as matplotlib's
        y = round(image.height() - position.y() * image.height() / self.height())
        event = MouseEvent("motion_notify_event", self.rendered.figure.canvas, x, y)
        for artist, make in self.rendered.picks.items():
            inside, details = artist.contains(event)
            if inside:
                index = details.get("ind")
                return make, int(index[0]) if index is not None and len(index) else 0
        return None

"""The coaching chart: the agent's pass rate against the team's on each focus criterion (matplotlib,
drawn off screen to a PNG for the PDF and the app)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from qa_desktop.services.coaching.focus import Focus

AGENT_COLOUR, TEAM_COLOUR = "#1f5fa8", "#b0b0b0"
ZERO_STUB = 2.5  # a 0% bar is drawn as a short hatched outline, so it is seen rather than missing


def draw_focus(figure: Figure, focus: list[Focus], names: dict[str, str], agent: str) -> None:
    """Horizontal bars, one pair per criterion, with the call counts beside them."""
    axes = figure.subplots()
    labels = [names.get(f.criterion, f.criterion) for f in focus]
    rows = list(range(len(focus)))[::-1]
    height = 0.38
    for side, offset, colour, label, text_colour in (
        ("team", -height / 2, TEAM_COLOUR, "Team", "#555"),
        ("agent", height / 2, AGENT_COLOUR, agent, "black"),
    ):
        rates = [getattr(f, side) for f in focus]
        values = [100 * (r.rate or 0) for r in rates]
        axes.barh([row + offset for row in rows], values, height, color=colour, label=label)
        zero = [row + offset for row, r in zip(rows, rates) if r.calls and not r.passed]
        axes.barh(zero, ZERO_STUB, height, color="none", edgecolor=colour, hatch="////", linewidth=1)  # 0%: seen
        for row, r, value in zip(rows, rates, values):
            axes.text(
                max(value, ZERO_STUB) + 1,
                row + offset,
                f"{r.passed}/{r.calls}" if r.calls else "no calls",
                va="center",
                fontsize=8,
                color=text_colour,
            )
    axes.set_yticks(rows, labels)
    axes.set_xlim(0, 112)
    axes.set_xlabel("Calls passing the criterion (%)")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()


def focus_chart(focus: list[Focus], names: dict[str, str], path: Path, agent: str) -> Path:
    """Save the chart as a PNG."""
    figure = Figure(figsize=(7, 0.6 + 0.55 * max(1, len(focus))), dpi=150)
    draw_focus(figure, focus, names, agent)
    figure.savefig(path)
    return path

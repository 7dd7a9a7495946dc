"""The coaching chart: the agent's pass rate against the team's on each focus criterion (matplotlib,
drawn off screen to a PNG for the PDF and the app)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from .focus import Focus

AGENT_COLOUR, TEAM_COLOUR = "#1f5fa8", "#b0b0b0"


def draw_focus(figure: Figure, focus: list[Focus], names: dict[str, str], agent: str) -> None:
    """Horizontal bars, one pair per criterion, with the call counts beside them."""
    axes = figure.subplots()
    labels = [names.get(f.criterion, f.criterion) for f in focus]
    rows = list(range(len(focus)))[::-1]
    height = 0.38
    team = [100 * (f.team.rate or 0) for f in focus]
    mine = [100 * (f.agent.rate or 0) for f in focus]
    # an edge the bar's colour keeps a 0% bar visible as a line at the axis
    axes.barh([r - height / 2 for r in rows], team, height, color=TEAM_COLOUR, edgecolor=TEAM_COLOUR, linewidth=2,
              label="Team")
    axes.barh([r + height / 2 for r in rows], mine, height, color=AGENT_COLOUR, edgecolor=AGENT_COLOUR, linewidth=2,
              label=agent)
    for row, f in zip(rows, focus):
        axes.text(100 * (f.agent.rate or 0) + 1, row + height / 2, f"{f.agent.passed}/{f.agent.calls}",
                  va="center", fontsize=8)
        axes.text(100 * (f.team.rate or 0) + 1, row - height / 2, f"{f.team.passed}/{f.team.calls}",
                  va="center", fontsize=8, color="#555")
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

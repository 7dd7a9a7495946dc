"""The coaching pack's PDF (reportlab): a summary page (focus criteria against the team, the chart,
goals, follow-up figures; never the coach's private notes), then one section per clip with the
coach's note for the agent and the transcript excerpt with timestamps."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from qa_desktop.services.coaching.focus import FollowUp
from qa_desktop.services.coaching.pack_content import Pack, PackClip

_STYLES = getSampleStyleSheet()
_BODY = _STYLES["BodyText"]
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8.5, leading=11, textColor=colors.HexColor("#555555"))
_NOTE = ParagraphStyle("note", parent=_BODY, backColor=colors.HexColor("#fff4ce"), borderPadding=4)
_SPEAKER = {"agent": "#1f5fa8", "customer": "#c0661f"}
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _markup(text: str) -> str:
    """Text for a Paragraph: escaped, its line breaks kept (notes, an email's paragraphs)."""
    return escape(text).replace("\n", "<br/>")


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(_markup(text), style)


def _follow_up_table(rows: list[FollowUp], names: dict[str, str]) -> Table:
    data = [["Criterion", "Before (pass rate, calls)", "After (pass rate, calls)", "Change"]]
    for f in rows:
        change = "not enough calls yet" if f.change is None else f"{f.change:+.0f} points"
        data.append([names.get(f.criterion, f.criterion), f.before.text(), f.after.text(), change])
    table = Table(data, colWidths=[5 * cm, 4.2 * cm, 4.2 * cm, 3.4 * cm])
    table.setStyle(_GRID)
    return table


def _summary(pack: Pack) -> list:
    session, names = pack.session, pack.criterion_names
    story = [
        Paragraph(f"Coaching session: {escape(', '.join(pack.agents))}", _STYLES["Title"]),
        _p(
            f"Team: {pack.team or '-'} · Coach: {session.coach or '-'} · Status: {session.status}"
            + (f" · Due: {session.due:%Y-%m-%d}" if session.due else "")
            + f" · Pack made: {pack.created:%Y-%m-%d %H:%M}"
        ),
        Spacer(1, 8),
        Paragraph("Focus", _STYLES["Heading2"]),
    ]
    data = [["Criterion", f"{pack.agents[0]}", "Team", "Gap"]]
    for f in pack.comparison:
        data.append(
            [
                names.get(f.criterion, f.criterion),
                f.agent.text(),
                f.team.text(),
                f"{f.gap:.0f} points" if f.agent.calls and f.team.calls else "-",
            ]
        )
    table = Table(data, colWidths=[5.2 * cm, 4.4 * cm, 4.4 * cm, 2.8 * cm])
    table.setStyle(_GRID)
    story.append(table)
    if pack.chart is not None:
        width = 16 * cm
        image = Image(str(pack.chart))
        image.drawWidth, image.drawHeight = width, width * image.imageHeight / image.imageWidth
        story += [Spacer(1, 8), image]
    if session.goals.strip():  # the session's notes are the coach's own: never in the agent's pack
        story += [Paragraph("Goals", _STYLES["Heading2"]), _p(session.goals)]
    if pack.follow_up:
        story += [
            Paragraph(f"Since this session ({session.delivered_at:%Y-%m-%d})", _STYLES["Heading2"]),
            _follow_up_table(pack.follow_up, names),
        ]
    if pack.previous is not None:
        previous, rows = pack.previous
        story += [
            Paragraph(
                f"Since the last session ({previous.delivered_at:%Y-%m-%d}: {escape(previous.title)})",
                _STYLES["Heading2"],
            ),
            _follow_up_table(rows, names),
        ]
    story.append(Spacer(1, 6))
    audio = " The audio is in the clips folder; index.html plays it." if any(c.audio for c in pack.clips) else ""
    story.append(
        _p(
            f"{len(pack.clips)} clips follow, each with its transcript. Card numbers, security codes, "
            f"expiry dates and SSNs are redacted in the text and replaced by a tone in the audio.{audio}",
            _SMALL,
        )
    )
    return story


def _clip(number: int, item: PackClip) -> list:
    clip = item.clip
    kind = "To improve" if clip.kind == "improve" else "A good example"
    parts = [
        Paragraph(f"{number}. {escape(item.criterion_name)}: {kind}", _STYLES["Heading3"]),
        _p(f"{item.call_label} · {item.moment} · {item.source}", _SMALL),
    ]
    if item.note.strip():
        parts += [Spacer(1, 3), _p(item.note, _NOTE), Spacer(1, 3)]
    for where, speaker, text in item.excerpt:
        colour = _SPEAKER.get(speaker, "#000000")
        parts.append(
            Paragraph(
                f"<font color='#777777'>{where}</font> <font color='{colour}'>"
                f"<b>{escape(speaker.title())}</b></font> {_markup(text)}",
                _BODY,
            )
        )
    return [KeepTogether(parts[:3]), *parts[3:], Spacer(1, 10)]


def write_pdf(pack: Pack, path: Path) -> Path:
    """Write the pack's PDF."""
    document = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=1.8 * cm,
        bottomMargin=1.8 * cm,
        title=f"Coaching: {', '.join(pack.agents)}",
        author=pack.session.coach or "qa-desktop",
    )
    story = _summary(pack)
    if pack.clips:
        story += [PageBreak(), Paragraph("Moments", _STYLES["Heading1"])]
        for number, item in enumerate(pack.clips, 1):
            story += _clip(number, item)

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawString(2 * cm, 1.1 * cm, f"qa-desktop coaching pack · session {pack.session.id}")
        canvas.drawRightString(A4[0] - 2 * cm, 1.1 * cm, f"page {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return path

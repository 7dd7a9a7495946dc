"""Export a coaching session as a pack that stands on its own, offline: a folder (and a zip of it)
with the PDF, the audio clips as WAV files, a chart, and an index.html that plays the clips in any
browser. It is for the agent, so it leaves the building: transcript text comes from the database, where
card data is already redacted, and the clips have a tone where it was said. A moment of a text
conversation (chat, email, ticket) is its excerpt alone, with no audio. The coach's private notes are
never in it; with `anonymise_peers`, peers' example clips name them "Peer A", "Peer B"."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from pathlib import Path

from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import AGENT, require
from qa_desktop.services.coaching.focus import comparison, follow_up
from qa_desktop.services.coaching.pack_content import Pack, PackClip
from qa_desktop.services.coaching.sessions import clips, criterion_names, previous_session, session_agents
from qa_desktop.services.whole_files import whole_folder
from qa_desktop.storage.library import call_name
from qa_desktop.storage.models import Agent, Call, CoachingClip, CoachingSession
from qa_desktop.storage.no_agent import has_agent
from qa_desktop.storage.recordings import recording_file
from qa_desktop.storage.repository import call_transcript, stored_analysis
from scoring.audio import AudioError, decode
from scoring.clips import cut, write_clip
from scoring.display import Timeline
from scoring.redact import redacted_spans
from scoring.transcript import TEXT, Utterance


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "agent"


def call_timeline(call: Call) -> Timeline:
    """How to say where a moment of the call is (reading its messages' places when its file gave no times)."""
    return Timeline() if call.timed else Timeline.of(call_transcript(call), timed=False)


def _spoken(call: Call, start: float, end: float) -> tuple[list[Utterance], Timeline]:
    """The call's stored utterances that overlap start..end, and how to say where they are."""
    transcript = stored_analysis(call).transcript
    spoken = [u for u in transcript.utterances if u.end > start and u.start < end]
    return spoken, Timeline.of(transcript.utterances, transcript.timed)


def _lines(spoken: list[Utterance], timeline: Timeline, peers: dict[str, str]) -> list[tuple[str, str, str]]:
    """(where, speaker, text) of each utterance, peers' names replaced by their aliases."""
    return [(timeline.at(u.start), u.speaker, _anonymised(u.text, peers)) for u in spoken]


def excerpt(call: Call, start: float, end: float) -> list[tuple[str, str, str]]:
    """The utterances of a moment: (where: m:ss or msg N, speaker, text)."""
    return _lines(*_spoken(call, start, end), {})


def _peer_names(agents: list[str], chosen: list[CoachingClip]) -> dict[str, str]:
    """'Peer A', 'Peer B', ... for the agents of example clips who are not in the session, in clip order (the calls
    without an agent's name have no name to hide: their stand-in's is a word, 'unassigned')."""
    peers = list(
        dict.fromkeys(
            c.call.agent.name for c in chosen if c.call.agent.name not in agents and has_agent(c.call.agent.name)
        )
    )
    return {name: f"Peer {chr(ord('A') + i)}" if i < 26 else f"Peer {i + 1}" for i, name in enumerate(peers)}


def _anonymised(text: str, names: dict[str, str]) -> str:
    """The text with each peer's name (full, or any part of it) replaced by their alias."""
    for name, alias in names.items():
        parts = sorted({name, *name.split()}, key=len, reverse=True)
        text = re.sub(
            r"\b(" + "|".join(re.escape(p) for p in parts if len(p) > 1) + r")\b", alias, text, flags=re.IGNORECASE
        )
    return text


def _name_spans(spoken: list[Utterance], name: str) -> list[tuple[float, float]]:
    """The (start, end) of every word that is part of the name."""
    parts = {p.lower() for p in name.split() if len(p) > 1}
    return [(w.start, w.end) for u in spoken for w in u.words if w.word.strip(" .,;:!?'\"").lower() in parts]


def export_pack(
    session: CoachingSession,
    out_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    anonymise_peers: bool = False,
) -> tuple[Path, Path]:
    """Write the session's pack under out_dir; returns (folder, zip). A clip whose recording cannot
    be read is kept with its transcript and the reason, the rest goes on. Where card data was said,
    the clip has a tone; with anonymise_peers, peers (agents not in the session) are not named. A coach or an
    admin exports any session's pack; an agent only their own, with peers always anonymised. The pack replaces an
    earlier export of the session whole, or not at all (ExportError: a full disk); a killed export leaves it as it
    was."""
    user = current_user()
    require(user, "export coaching pack", agent_ids=list(session.agents))
    anonymise_peers = anonymise_peers or user.role == AGENT
    agents = session_agents(session)
    folder = Path(out_dir) / f"coaching-{session.id}-{_slug(agents[0].name)}"
    with whole_folder(folder) as built:
        _write_pack(session, agents, built, progress, anonymise_peers)
    return folder, folder.with_name(folder.name + ".zip")


def _write_pack(
    session: CoachingSession,
    agents: list[Agent],
    folder: Path,
    progress: Callable[[int, int], None] | None,
    anonymise_peers: bool,
) -> None:
    main = agents[0]
    names = criterion_names()
    chosen = clips(session)
    session_agents = [a.name for a in agents]
    peers = _peer_names(session_agents, chosen) if anonymise_peers else {}
    decoded: dict[int, object] = {}
    shown: list[PackClip] = []
    for number, clip in enumerate(chosen, 1):
        call = clip.call
        spoken, timeline = _spoken(call, clip.start, clip.end)
        agent = peers.get(call.agent.name, call.agent.name)
        peer = anonymise_peers and call.agent.name not in session_agents  # its file's name may name them: not shown
        label = call_name(agent, call.call_time, f"call {call.id}" if peer else call.path)
        item = PackClip(
            clip,
            names.get(clip.criterion, clip.criterion),
            label,
            timeline.span(clip.start, clip.end),
            None,
            note=_anonymised(clip.note, peers),
            excerpt=_lines(spoken, timeline, peers),
        )
        if call.medium != TEXT:  # a text conversation's moment is its messages alone
            hidden = redacted_spans(spoken)
            if call.agent.name in peers:  # the peer saying their name ("this is Ben") is not heard either
                hidden += _name_spans(spoken, call.agent.name)
            try:
                if call.id not in decoded:
                    decoded[call.id] = decode(recording_file(call.path, call.sha256))
            except (AudioError, OSError) as exc:
                item.problem = f"audio not included: {exc}"
            else:
                item.audio = f"clips/{number:02d}-{_slug(clip.criterion)}-{clip.kind}.wav"
                (folder / "clips").mkdir(exist_ok=True)
                write_clip(
                    folder / item.audio,
                    cut(decoded[call.id], clip.start, clip.end, call.agent_channel or 0, hidden=hidden),
                )
        shown.append(item)
        if progress:
            progress(number, len(chosen))
    # matplotlib and reportlab take a second to import: only a pack being written needs them
    from qa_desktop.services.coaching.chart import focus_chart
    from qa_desktop.services.coaching.pack_pdf import write_pdf

    focus = comparison(main, session.criteria)
    chart = focus_chart(focus, names, folder / "chart.png", main.name) if focus else None
    previous = previous_session(session)
    pack = Pack(
        session=session,
        agents=[a.name for a in agents],
        team=main.team.name if main.team_id else "",
        criterion_names=names,
        comparison=focus,
        clips=shown,
        chart=chart,
        follow_up=follow_up(main, session.criteria, session.delivered_at) if session.delivered_at else [],
        previous=((previous, follow_up(main, previous.criteria, previous.delivered_at)) if previous else None),
        created=dt.datetime.now().replace(microsecond=0),
    )
    write_pdf(pack, folder / "coaching-pack.pdf")
    (folder / "index.html").write_text(index_html(pack), encoding="utf-8")


def index_html(pack: Pack) -> str:
    """A self-contained page that plays every clip (no network, no scripts)."""
    e = html.escape
    parts = [
        f"<!doctype html><html lang='en'><meta charset='utf-8'><title>Coaching: {e(', '.join(pack.agents))}"
        "</title><style>body{font-family:sans-serif;max-width:52em;margin:2em auto;line-height:1.4}"
        ".clip{border-top:1px solid #ccc;padding:.6em 0}.agent{color:#1f5fa8}.customer{color:#c0661f}"
        "p{white-space:pre-line}"  # an email's paragraphs, a note's lines
        ".note{background:#fff4ce;padding:.3em .5em}.t{color:#777;font-family:monospace}</style>",
        f"<h1>Coaching session: {e(', '.join(pack.agents))}</h1>",
        f"<p>{e(pack.session.title)}<br>Coach: {e(pack.session.coach or '-')} · status "
        f"{e(pack.session.status)} · due {pack.session.due:%Y-%m-%d}</p>"
        if pack.session.due
        else f"<p>{e(pack.session.title)}<br>Coach: {e(pack.session.coach or '-')} · "
        f"status {e(pack.session.status)}</p>",
        "<p>The full pack, with the chart and follow-up figures, is <a href='coaching-pack.pdf'>coaching-pack.pdf"
        "</a>.</p>",
    ]
    if pack.session.goals:
        parts.append(f"<h2>Goals</h2><p>{e(pack.session.goals)}</p>")
    for number, item in enumerate(pack.clips, 1):
        kind = "To improve" if item.clip.kind == "improve" else "A good example"
        parts.append(
            f"<div class='clip'><h3>{number}. {e(item.criterion_name)}: {kind}</h3>"
            f"<p>{e(item.call_label)} · {e(item.moment)}</p>"
        )
        if item.audio:
            parts.append(f"<audio controls preload='none' src='{e(item.audio)}'></audio>")
        else:
            parts.append(f"<p><i>{e(item.source)}</i></p>")
        if item.note:
            parts.append(f"<p class='note'>{e(item.note)}</p>")
        for where, speaker, text in item.excerpt:
            parts.append(
                f"<p><span class='t'>{e(where)}</span> <b class='{e(speaker)}'>{e(speaker.title())}</b> {e(text)}</p>"
            )
        parts.append("</div>")
    parts.append("</html>")
    return "\n".join(parts)

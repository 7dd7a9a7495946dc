"""Detectors on the call's timing and sound: talk-over, tone of voice, hold etiquette and dead air (not
applicable to text conversations)."""

from __future__ import annotations

from typing import Any

from ..phrases import phrase_set
from ..transcript import AGENT
from .base import FAIL, NA, PASS, CallContext, Param, Verdict, detector


def _around(ctx: CallContext, start: float, end: float) -> list:
    """Utterances overlapping a time span (evidence for timing findings)."""
    return [u for u in ctx.utterances if u.end >= start - 0.5 and u.start <= end + 0.5][:3]


@detector("overtalk", needs_audio=True, max_count=Param(int, 2, low=0))
def no_interruptions(ctx: CallContext, params: dict[str, Any]) -> Verdict:
    """Pass when the agent talked over the customer at most `max_count` times (stereo calls only)."""
    metrics = ctx.conversation
    if not metrics.overtalk_measurable:
        return Verdict(NA, 1.0, 0.9, "Not measurable: talk-over needs the agent and customer on separate channels.")
    count = metrics.overtalk_count
    evidence = [u for span in metrics.overtalk[:3] for u in _around(ctx, span.start, span.end)][:3]
    if count <= params["max_count"]:
        detail = f" ({metrics.overtalk_s:.1f} s in all)" if count else ""
        return Verdict(
            PASS, 1.0, 0.9, f"The agent talked over the customer {count} time{'s' * (count != 1)}{detail}.", evidence
        )
    credit = max(0.0, 1 - (count - params["max_count"]) / 5)
    first = metrics.overtalk[0]
    return Verdict(
        FAIL,
        credit,
        0.9,
        f"The agent talked over the customer {count} times ({metrics.overtalk_s:.1f} s), "
        f"first at {ctx.at(first.start)}.",
        evidence,
    )


@detector(
    "tone",
    needs_audio=True,
    min_pitch_std_st=Param(float, 1.5, low=0),
    min_energy_std_db=Param(float, 3.0, low=0),
    min_wpm=Param(float, 100.0, low=0),
    max_wpm=Param(float, 210.0, low=1),
    min_voiced_s=Param(float, 5.0, low=0),
)
def tone(ctx: CallContext, params: dict[str, Any]) -> Verdict:
    """Pass when the agent's voice varies in pitch and loudness and the pace is in a normal range."""
    voice = ctx.voice
    if voice.get("agent_voiced_s", 0.0) < params["min_voiced_s"]:
        return Verdict(NA, 1.0, 0.5, "Not enough of the agent's voice to judge the tone.")
    pitch, energy, wpm = voice["agent_pitch_std_st"], voice["agent_energy_std_db"], ctx.conversation.agent_wpm
    problems = []
    if pitch < params["min_pitch_std_st"]:
        problems.append(f"flat pitch ({pitch:.1f} semitones of variation, expected {params['min_pitch_std_st']:g}+)")
    if energy < params["min_energy_std_db"]:
        problems.append(f"flat loudness ({energy:.1f} dB of variation, expected {params['min_energy_std_db']:g}+)")
    if not params["min_wpm"] <= wpm <= params["max_wpm"]:
        problems.append(
            f"speaking rate {wpm:.0f} words a minute (expected {params['min_wpm']:g}-{params['max_wpm']:g})"
        )
    measured = f"pitch variation {pitch:.1f} semitones, loudness variation {energy:.1f} dB, {wpm:.0f} words a minute"
    if not problems:
        return Verdict(PASS, 1.0, 0.7, f"Lively, well-paced voice: {measured}.")
    return Verdict(FAIL, 1 - len(problems) / 3, 0.7, "Tone: " + "; ".join(problems) + ".")


@detector(
    "hold",
    needs_audio=True,
    ask_phrases=Param(list, required=True),
    thank_phrases=Param(list, required=True),
    max_silence_s=Param(float, 10.0, low=0.5),
)
def hold_etiquette(ctx: CallContext, params: dict[str, Any]) -> Verdict:
    """Pass when every hold is asked for and thanked for; fail on unannounced long dead air."""
    agent = ctx.turns(AGENT)
    asks = [ctx.utterances[i] for i, _ in ctx.find(phrase_set(params["ask_phrases"]), agent)]
    thanks = [ctx.utterances[i] for i, _ in ctx.find(phrase_set(params["thank_phrases"]), agent)]
    long_silences = [s for s in ctx.conversation.dead_air if s.length >= params["max_silence_s"]]
    if not asks and not long_silences:
        return Verdict(NA, 1.0, 0.8, "No hold and no long dead air.")
    for silence in long_silences:
        if not any(silence.start - 30 <= a.end <= silence.start + 1 for a in asks):
            return Verdict(
                FAIL,
                0.0,
                0.85,
                f"{silence.length:.0f} s of dead air at {ctx.at(silence.start)} with no hold announced.",
                _around(ctx, silence.start, silence.end),
            )
    for ask in asks:
        if not any(t.start > ask.end for t in thanks):
            return Verdict(
                FAIL,
                0.0,
                0.75,
                f"Hold asked for at {ctx.at(ask.start)} but the customer was not thanked for waiting.",
                [ask],
            )
    return Verdict(
        PASS,
        1.0,
        0.8,
        f"Hold asked for and the customer thanked for waiting ({len(asks)} hold{'s' * (len(asks) > 1)}).",
        [asks[0], thanks[-1]],
    )

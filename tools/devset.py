"""The shared devset (../shared/devset) rendered to audio, and cached transcripts of it.

Opt-in evaluation only: nothing here is part of the app. Renders with the devset's own render.py
(espeak-ng) into .cache/devset the first time; transcripts are cached per file, model and prompt so
scoring can be re-evaluated in seconds.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scoring.acoustics import voice_features  # noqa: E402
from scoring.audio import decode  # noqa: E402
from scoring.transcriber import Transcriber  # noqa: E402
from scoring.transcript import Transcript  # noqa: E402

# ../shared beside the checkout, or beside the folder of worktrees (/work/wt/NAME -> /work/shared)
DEVSET = next(
    (d for d in (ROOT.parent / "shared" / "devset", ROOT.parent.parent / "shared" / "devset") if d.is_dir()),
    ROOT.parent / "shared" / "devset",
)
CACHE = ROOT / ".cache" / "devset"


def rendered() -> list[tuple[Path, dict]]:
    """(stereo wav, label item) for every devset call, rendering them first if needed."""
    if not (CACHE / "esconv" / "labels.json").exists():
        if not DEVSET.exists():
            sys.exit(f"the devset is not at {DEVSET}; it is needed for this opt-in evaluation")
        subprocess.run([sys.executable, str(DEVSET / "render.py"), str(DEVSET / "calls.json"), str(CACHE)], check=True)
    items = []
    for group in ("star", "esconv"):
        for item in json.loads((CACHE / group / "labels.json").read_text()):
            items.append((CACHE / group / item["file"], item))
    return items


def mono_path(stereo: Path) -> Path:
    """The mono rendering beside a stereo one."""
    return stereo.with_name(stereo.stem + ".mono.wav")


_TRANSCRIPTION_CODE = ("transcriber.py", "utterances.py", "diarize.py", "roles.py", "redact.py", "analysis.py")


def transcript_cache(transcriber: Transcriber, path: Path, cache_root: Path = CACHE) -> Path:
    """Where the transcript of a rendered file by this model, prompt and transcription code (the engine's
    transcriber, utterance and speaker-separation modules) is cached, under `cache_root`."""
    code = "".join((ROOT / "scoring" / name).read_text() for name in _TRANSCRIPTION_CODE)
    key = hashlib.sha1(f"{transcriber.model_name}|{transcriber.config.initial_prompt}|{code}".encode()).hexdigest()[:10]
    return cache_root / "transcripts" / key / f"{path.parent.name}_{path.name}.json"


def cached_transcript(transcriber: Transcriber, path: Path, cache_root: Path = CACHE) -> Transcript:
    """The transcript of a rendered file, from the cache when made before (`transcript_cache`)."""
    cache = transcript_cache(transcriber, path, cache_root)
    if cache.exists():
        return Transcript.from_dict(json.loads(cache.read_text()))
    transcript = transcriber.transcribe_file(path)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(transcript.to_dict()))
    return transcript


def cached_voice(path: Path, transcript: Transcript, cache_root: Path = CACHE) -> dict[str, float]:
    """The agent's voice features for a rendered file (cached under `cache_root`)."""
    cache = cache_root / "voice" / f"{path.parent.name}_{path.name}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    voice = voice_features(decode(path).channels[0], transcript.utterances)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(voice))
    return voice

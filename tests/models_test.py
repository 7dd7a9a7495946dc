"""Model lookup never downloads; device selection falls back to the CPU and says so."""

from __future__ import annotations

import logging
import shutil

import pytest

from scoring.models import (
    DeviceError,
    ModelNotFoundError,
    bundled_model,
    choose_device,
    cuda_device_count,
    resolve_model,
)


def test_default_is_the_bundled_tiny_en():
    location = resolve_model(None)
    assert location.name == "tiny.en" and (location.path / "model.bin").is_file()


def test_model_folder_is_checked_for_every_file(tmp_path):
    folder = tmp_path / "my-model"
    shutil.copytree(bundled_model().path, folder)
    assert resolve_model(str(folder)).path == folder
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelNotFoundError, match="missing tokenizer.json.*--model FOLDER"):
        resolve_model(str(folder))


def test_missing_folder_says_how_to_fix(tmp_path):
    with pytest.raises(ModelNotFoundError, match="model folder not found.*never downloads"):
        resolve_model(str(tmp_path / "absent"))


def test_size_name_not_in_cache_is_an_offline_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(ModelNotFoundError, match="'large-v3' is not in the local model cache"):
        resolve_model("large-v3")


def test_unknown_name():
    with pytest.raises(ModelNotFoundError, match="neither a model folder nor a Whisper size name"):
        resolve_model("gigantic")


@pytest.mark.skipif(cuda_device_count() > 0, reason="this machine has a GPU")
def test_auto_falls_back_to_cpu_with_a_log_line(caplog):
    with caplog.at_level(logging.INFO, logger="scoring.models"):
        assert choose_device("auto") == ("cpu", "int8")
    assert "no CUDA GPU found by CTranslate2, falling back to cpu int8" in caplog.text
    with pytest.raises(DeviceError, match="sees no CUDA GPU"):
        choose_device("cuda")


@pytest.mark.skipif(cuda_device_count() == 0, reason="no GPU on this machine")
def test_auto_uses_cuda_float16_when_a_gpu_is_there():
    assert choose_device("auto") == ("cuda", "float16")


def test_cpu_is_int8():
    assert choose_device("cpu") == ("cpu", "int8")

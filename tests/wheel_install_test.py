"""A non-editable install works: the wheel, installed into a fresh virtual environment, scores demo calls from
another folder with the scorecard and call drivers that ship inside it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.support.demo import DEMO, ROOT, demo_file

# without the source tree on the path (pytest's own runs put it there)
CLEAN_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}


def _build_wheel(into: Path) -> Path:
    """The wheel of a copy of the project's sources, built with this environment's setuptools (no download)."""
    source = into / "source"
    for name in ("pyproject.toml", "README.md"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    for package in ("scoring", "qa_desktop"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            "--wheel-dir",
            str(into / "dist"),
            str(source),
        ],
        check=True,
        env=CLEAN_ENV,
    )
    return next((into / "dist").glob("qa_desktop-*.whl"))


def _fresh_venv(folder: Path, wheel: Path) -> Path:
    """A new virtual environment with the wheel installed; its dependencies come from this environment's
    site-packages, read after its own (a .pth file written after the install, so that pip does not take this
    environment's editable qa-desktop for the wheel)."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(folder)],
        check=True,
        env=CLEAN_ENV,
    )
    python = folder / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        check=True,
        env=CLEAN_ENV,
    )
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
        env=CLEAN_ENV,
    ).stdout.strip()
    ours = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    (Path(purelib) / "dependencies.pth").write_text("".join(f"{path}\n" for path in ours))
    return folder / "bin"


@pytest.mark.model  # the installed app transcribes a demo call
def test_the_installed_wheel_scores_calls_from_another_folder(tmp_path, scorecard):
    wheel = _build_wheel(tmp_path)
    assert {"scoring/resources/scorecards/default.toml", "scoring/resources/drivers.toml"} <= set(
        zipfile.ZipFile(wheel).namelist()
    )
    bin_dir = _fresh_venv(tmp_path / "venv", wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = CLEAN_ENV | dict(
        XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"), HF_HUB_OFFLINE="1"
    )

    def run(*args: str) -> str:
        done = subprocess.run(args, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stdout

    where = run(
        str(bin_dir / "python"),
        "-c",
        "import qa_desktop, scoring.drivers as d; print(qa_desktop.__file__); "
        "print(d.default_drivers_path()); print(len(d.load_drivers().drivers))",
    ).split()
    assert all(Path(path).is_relative_to(tmp_path / "venv") for path in where[:2]), where
    assert int(where[2]) > 0  # the call drivers that ship

    chat, call = DEMO / "2026-11-07T13-30_priya-shah_support_NW-1006.csv", demo_file("good")
    scored = run(str(bin_dir / "qa-desktop"), "score", "--json", str(chat), str(call))
    lines = [json.loads(line) for line in scored.splitlines()]
    assert [(Path(line["file"]).name, line["medium"]) for line in lines] == [(chat.name, "text"), (call.name, "audio")]
    for line in lines:
        assert line["scorecard"] == {"id": scorecard.id, "hash": scorecard.hash}  # the one that ships
        assert 0 <= line["scores"]["overall"] <= 100 and len(line["criteria"]) == len(scorecard.criteria)

"""The configuration a command or the app runs with, resolved in one place: the command line over the settings
over the defaults. It names files and choices; scorecards and call drivers are loaded when asked for."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_desktop.services.engine_options import EngineOptions, parse_path_map
from qa_desktop.services.settings import Settings
from scoring.drivers import DriverSet, default_drivers_path, load_drivers
from scoring.scorecard import Scorecard, default_scorecard_path, load_scorecard

if TYPE_CHECKING:  # the transcriber's module imports faster-whisper: only a command that transcribes needs it
    from scoring.transcriber import TranscriberConfig


@dataclass(frozen=True)
class Config:
    """What qa-desktop runs with."""

    database: str | None  # None: the default file in the user's data folder
    model: str | None  # None: the bundled tiny.en; else a model folder or a cached size name
    device: str  # one of scoring.models.DEVICES
    agent_channel: int  # the agent's stereo channel, one of scoring.transcriber.AGENT_CHANNELS
    agent_speakers: tuple[str, ...]  # the agent's names in transcript files that name people
    scorecard_path: Path
    drivers_path: Path
    name_pattern: str  # how file names carry call time, agent, team and call id
    reviewer: str  # the name written in the audit log; empty until the user gives one
    engine: EngineOptions  # where batch imports run

    @classmethod
    def resolve(cls, settings: Settings, args: argparse.Namespace | None = None) -> Config:
        """The configuration from the command line's options (those a command has and was given), else the
        settings, else the defaults."""
        given = {
            key: value
            for key, value in vars(args or argparse.Namespace()).items()
            if value is not None and value != [] and value != ""
        }

        def pick(option: str, setting: str) -> Any:
            return given[option] if option in given else settings.get(setting)

        speakers = given.get("agent_speakers") or settings.get("agent_speakers").split(",")
        path_map = given["path_map"] if "path_map" in given else settings.get("path_map").split()
        return cls(
            database=pick("db", "database") or None,
            model=pick("model", "model") or None,
            device=pick("device", "device"),
            agent_channel=pick("agent_channel", "agent_channel"),
            agent_speakers=tuple(name.strip() for name in speakers if name.strip()),
            scorecard_path=Path(pick("scorecard", "scorecard") or default_scorecard_path()),
            drivers_path=Path(pick("drivers", "drivers") or default_drivers_path()),
            name_pattern=pick("name_pattern", "name_pattern"),
            reviewer=settings.get("reviewer"),
            engine=EngineOptions(
                scheduler=pick("scheduler", "scheduler"),
                workers=pick("workers", "workers"),
                threads=pick("threads", "threads_per_worker"),
                path_map=parse_path_map(path_map),
            ),
        )

    def transcriber(self) -> TranscriberConfig:
        """How to transcribe: the model and the device."""
        from scoring.transcriber import TranscriberConfig

        return TranscriberConfig(model=self.model, device=self.device)

    def load_scorecard(self) -> Scorecard:
        """The scorecard, read and checked now."""
        return load_scorecard(self.scorecard_path)

    def load_drivers(self) -> DriverSet:
        """The call drivers, read and checked now."""
        return load_drivers(self.drivers_path)

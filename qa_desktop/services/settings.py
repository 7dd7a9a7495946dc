"""User settings, kept with QSettings (an INI file in the user's config folder). At start the app
checks them: a damaged file, a wrong value or a file they name that cannot be used falls back to the
default for the session, with a warning, and is left as stored."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QSettings

from qa_desktop.services.access.identity import current_user
from qa_desktop.services.access.permissions import require
from qa_desktop.services.engine_options import EngineError, check_scheduler, parse_path_map
from qa_desktop.services.metadata import DEFAULT_NAME_PATTERN, MetadataError, compile_name_pattern
from qa_desktop.storage.credentials import has_password, password_file, without_password
from scoring.drivers import DriversError, load_drivers
from scoring.models import DEVICES, ModelNotFoundError, resolve_model
from scoring.scorecard import ScorecardError, load_scorecard
from scoring.transcript import AGENT_CHANNELS

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "model": "",  # empty: the bundled tiny.en
    "device": "auto",
    "agent_channel": 0,
    "agent_speakers": "",  # the agent's names in chat transcripts that name people, comma-separated
    "database": "",  # empty: the default file in the user's data folder
    "name_pattern": DEFAULT_NAME_PATTERN,
    "scorecard": "",  # empty: the default scorecard that ships (scoring/resources/scorecards/default.toml)
    "drivers": "",  # empty: the call drivers that ship (scoring/resources/drivers.toml)
    "reviewer": "",  # the name written in the audit log
    "scheduler": "",  # a Dask scheduler (tcp://host:8786) for batch imports; empty: a local cluster
    "workers": 0,  # local model workers for batch imports; 0: sized to the machine
    "threads_per_worker": 0,  # CPU threads per local worker's model; 0: the cores shared between workers
    "path_map": "",  # FROM=TO pairs, space-separated: where the cluster's workers see the recordings
}

# Settings that name something to load: what the user calls it, how to load it, what loading raises.
_LOADED: dict[str, tuple[str, Callable[[str], object], tuple[type[Exception], ...]]] = {
    "model": ("Model", resolve_model, (ModelNotFoundError,)),
    "scorecard": ("Scorecard", load_scorecard, (ScorecardError, OSError)),
    "drivers": ("Call drivers", load_drivers, (DriversError, OSError)),
    "name_pattern": ("File name pattern", compile_name_pattern, (MetadataError,)),
    "scheduler": ("Dask scheduler", check_scheduler, (EngineError,)),
    "path_map": ("Path map", lambda text: parse_path_map(text.split()), (EngineError,)),
}
_CHOICES: dict[str, tuple] = {"device": DEVICES, "agent_channel": AGENT_CHANNELS}


class SettingsError(Exception):
    """The settings file could not be written."""


_damaged: set[str] = set()  # settings files that could not be read in full, until they are written again


def _clear_password(url: str) -> str:
    return (
        f"the database URL {without_password(url)} holds a password: keep it in your keyring or in the "
        f"password file {password_file()} (mode 0600), not in the settings"
    )


def unusable(values: Mapping[str, Any]) -> dict[str, str]:
    """Why each of the given settings cannot be used, by key (a file that will not load, a value out of
    range); an empty file or model setting means the one that ships, always usable."""
    found = {}
    for key, value in values.items():
        if key in _CHOICES and value not in _CHOICES[key]:
            found[key] = f"{key.replace('_', ' ')} '{value}' is not one of {', '.join(map(str, _CHOICES[key]))}"
        elif key == "database" and has_password(str(value)):
            found[key] = _clear_password(str(value))
        elif key in _LOADED and value:
            label, load, errors = _LOADED[key]
            try:
                load(value)
            except errors as exc:
                found[key] = f"{label}: {exc}"
    return found


class Settings:
    """Typed access to qa-desktop's settings."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, "qa-desktop", "qa-desktop"
        )
        self.fallbacks: dict[str, Any] = {}  # unusable settings replaced by their defaults for this session
        if self.store.status() != QSettings.Status.NoError:  # only the first reader of a file learns this
            _damaged.add(self.store.fileName())

    def get(self, key: str) -> Any:
        """The stored value of a setting, as the type of its default (the default if it was found unusable)."""
        default = DEFAULTS[key]
        if key in self.fallbacks:
            return self.fallbacks[key]
        return self.store.value(key, default, type=type(default))

    def check(self) -> list[str]:
        """Use the defaults for this session in place of settings that cannot be used; one warning for each
        (and one for a settings file that could not be read in full)."""
        self.fallbacks.clear()
        warnings = []
        if self.store.fileName() in _damaged:
            warnings.append(
                f"The settings file {self.store.fileName()} is damaged; what could not be read uses the defaults."
            )
        values = {}
        for key, default in DEFAULTS.items():
            raw = self.store.value(key)
            if raw is None:
                continue
            try:  # a hand-edited file may hold anything
                values[key] = int(raw) if isinstance(default, int) else self.store.value(key, default, type=str)
            except (TypeError, ValueError):
                values[key] = raw
        for key, reason in unusable(values).items():
            self.fallbacks[key] = DEFAULTS[key]
            shown = f"'{DEFAULTS[key]}'" if DEFAULTS[key] != "" else "the one that ships"
            warnings.append(f"{reason.rstrip('.')}. Using {shown} until it is changed under Settings.")
        for warning in warnings:
            log.warning("%s", warning)
        return warnings

    def set(self, key: str, value: Any) -> None:
        """Store a setting. Changing the scorecard or the call drivers is an admin's (they change how calls
        are scored and tagged). A file that cannot be written (a full disk) raises SettingsError, the setting as
        it was."""
        if key not in DEFAULTS:
            raise KeyError(key)
        if key == "database" and has_password(str(value)):
            raise ValueError(_clear_password(str(value)))
        if key in ("scorecard", "drivers") and value != self.get(key):
            require(current_user(), "change scorecard")
        before, previous = self.store.status(), self.store.value(key)
        self.store.setValue(key, value)
        self.store.sync()
        if self.store.status() == QSettings.Status.AccessError != before:
            if previous is None:  # as the file still has it
                self.store.remove(key)
            else:
                self.store.setValue(key, previous)
            where = self.store.fileName()
            self.store = QSettings(where, QSettings.Format.IniFormat)  # Qt's status stays once set: a fresh one
            raise SettingsError(f"cannot write the settings file {where}: the disk may be full, or the file read-only")
        _damaged.discard(self.store.fileName())

"""User settings, kept with QSettings (an INI file in the user's config folder)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings

from scoring.drivers import DriverSet, load_drivers

DEFAULTS: dict[str, Any] = {
    "model": "",  # empty: the bundled tiny.en
    "device": "auto",
    "agent_channel": 0,
    "database": "",  # empty: the default file in the user's data folder
    "name_pattern": "{call_time}_{agent}_{team}_{call_id}",
    "scorecard": "",  # empty: the default scorecard that ships in resources/scorecards
    "drivers": "",  # empty: the call drivers that ship in resources/drivers.toml
    "reviewer": "",  # the name written in the audit log
}


class Settings:
    """Typed access to qa-desktop's settings."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "qa-desktop", "qa-desktop")

    def get(self, key: str) -> Any:
        """The stored value of a setting, as the type of its default."""
        default = DEFAULTS[key]
        return self.store.value(key, default, type=type(default))

    def set(self, key: str, value: Any) -> None:
        """Store a setting."""
        if key not in DEFAULTS:
            raise KeyError(key)
        self.store.setValue(key, value)
        self.store.sync()

    def drivers(self) -> DriverSet:
        """The call drivers in use: the file named in settings, else the one that ships."""
        return load_drivers(self.get("drivers") or None)

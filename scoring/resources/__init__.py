"""Files that ship inside the engine's package (the default scorecard, the call drivers), found with
importlib.resources so that an installed qa-desktop finds them wherever it was installed."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped_file(name: str) -> Path:
    """The path of a file that ships here, e.g. 'scorecards/default.toml'."""
    resource = files(__name__).joinpath(*name.split("/"))
    if not isinstance(resource, Path):  # only a zipped package would give another kind; pip installs unzipped
        raise FileNotFoundError(f"{name} ships inside an archive ({resource}); install qa-desktop unzipped")
    return resource

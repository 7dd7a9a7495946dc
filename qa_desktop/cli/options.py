"""Options and exit codes shared by the command groups; what the options resolve to (over the settings and the
defaults) is qa_desktop.services.config.Config."""

from __future__ import annotations

import argparse
import datetime as dt

from scoring.models import DEVICES
from scoring.transcript import AGENT_CHANNELS

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def parse_date(text: str) -> dt.date:
    """A YYYY-MM-DD command-line date."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-03-31") from None


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="database file or postgresql://user@host:port/name (default: the one in "
                        "Settings, else a file in the user's data folder)")


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="CTranslate2 model folder or cached size name (default: bundled tiny.en)")
    parser.add_argument("--device", choices=DEVICES, help="where to run the model (default: auto)")
    parser.add_argument("--agent-channel", type=int, choices=AGENT_CHANNELS,
                        help="stereo channel of the agent (default: 0)")


def add_speaker_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agent-speaker", action="append", metavar="NAME", dest="agent_speakers",
                        help="in transcript files (json, csv) whose speakers are names: the agent's name (repeat for "
                             "several); every other speaker is the customer (default: the one in Settings)")


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    engine = parser.add_argument_group("parallel engine (Dask distributed; used for more than one file)")
    engine.add_argument("--scheduler", metavar="tcp://HOST:8786",
                        help="run the analysis on this Dask cluster (default: the one in Settings, else a local "
                        "cluster on this machine)")
    engine.add_argument("--workers", type=int, metavar="N", help="local model workers (default: sized to the machine)")
    engine.add_argument("--threads", type=int, metavar="T", help="CPU threads per local worker's model "
                        "(default: the cores shared between the workers)")
    engine.add_argument("--path-map", action="append", metavar="FROM=TO",
                        help="the workers see files under FROM as under TO (repeatable)")


def add_scorecard_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scorecard", metavar="FILE", help="scorecard TOML (default: the one in Settings, "
                        "else the one that ships)")


def add_drivers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drivers", metavar="FILE", help="call drivers TOML (default: the one in Settings, "
                        "else the one that ships)")

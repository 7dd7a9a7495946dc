"""Call metadata from CSV headers and file names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qa_desktop.metadata import (
    DEFAULT_NAME_PATTERN, CallMetadata, MetadataError, compile_name_pattern, from_file_name, load_csv, parse_time,
)


def test_csv_headers_are_mapped_by_their_usual_names(tmp_path):
    csv_path = tmp_path / "export.csv"
    csv_path.write_text(
        "Recording;Agent Name;Queue;Interaction ID;Start Time;Wrap code\n"
        "a.wav;Ana Ruiz;Billing;X-1;2026-11-02 09:15;refund\n"
        "b.wav;;Support;X-2;yesterday;\n"
    )
    table = load_csv(csv_path)
    first = table.lookup(Path("/anywhere/a.wav"))
    assert (first.agent, first.team, first.call_id) == ("Ana Ruiz", "Billing", "X-1")
    assert first.call_time == dt.datetime(2026, 11, 2, 9, 15)
    assert first.extra == {"Wrap code": "refund"}
    second = table.lookup(Path("b.wav"))
    assert second.agent is None and second.call_time is None
    assert table.warnings == [
        "export.csv line 3: column 'Start Time': 'yesterday' is not a date and time "
        "(use ISO 8601, e.g. 2026-11-02 14:30); call time left empty"
    ]
    assert table.lookup(Path("unknown.wav")) == CallMetadata()


def test_csv_without_a_file_column_is_refused(tmp_path):
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text("agent,team\nAna,Billing\n")
    with pytest.raises(MetadataError, match="bad.csv: no column names the recording"):
        load_csv(csv_path)


def test_missing_csv(tmp_path):
    with pytest.raises(MetadataError, match="not found"):
        load_csv(tmp_path / "nope.csv")


def test_file_name_pattern():
    pattern = compile_name_pattern(DEFAULT_NAME_PATTERN)
    meta = from_file_name(Path("2026-11-02T09-15_maria-lopez_billing_NW-1001.wav"), pattern)
    assert (meta.agent, meta.team, meta.call_id) == ("Maria Lopez", "billing", "NW-1001")
    assert meta.call_time == dt.datetime(2026, 11, 2, 9, 15)
    assert from_file_name(Path("random name.wav"), pattern) == CallMetadata()


def test_custom_pattern_and_unknown_field():
    pattern = compile_name_pattern("{call_id}-{agent}")
    assert from_file_name(Path("777-JSmith.mp3"), pattern).agent == "JSmith"
    with pytest.raises(MetadataError, match="unknown field"):
        compile_name_pattern("{who}")


@pytest.mark.parametrize("text, expected", [
    ("2026-11-02T09-15", dt.datetime(2026, 11, 2, 9, 15)),
    ("20261102_091530", dt.datetime(2026, 11, 2, 9, 15, 30)),
    ("2026-11-02 09:15:00", dt.datetime(2026, 11, 2, 9, 15)),
    ("02/11/2026 09:15", dt.datetime(2026, 11, 2, 9, 15)),
])
def test_parse_time(text, expected):
    assert parse_time(text) == expected


def test_csv_values_win_over_the_file_name():
    from_name = CallMetadata(agent="Maria Lopez", team="billing", call_id="NW-1")
    from_csv = CallMetadata(team="Billing EMEA")
    merged = from_csv.merged_over(from_name)
    assert (merged.agent, merged.team, merged.call_id) == ("Maria Lopez", "Billing EMEA", "NW-1")

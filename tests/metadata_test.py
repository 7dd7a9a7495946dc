"""Call metadata from CSV headers and file names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qa_desktop.services.metadata import (
    DEFAULT_NAME_PATTERN,
    AmbiguousDate,
    CallMetadata,
    MetadataError,
    compile_name_pattern,
    from_file_name,
    load_csv,
    parse_time,
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
    assert (meta.agent, meta.team, meta.call_id) == ("Maria Lopez", "Billing", "NW-1001")
    assert meta.call_time == dt.datetime(2026, 11, 2, 9, 15)
    assert from_file_name(Path("random name.wav"), pattern) == CallMetadata()


def test_custom_pattern_and_unknown_field():
    pattern = compile_name_pattern("{call_id}-{agent}")
    assert from_file_name(Path("777-JSmith.mp3"), pattern).agent == "JSmith"
    with pytest.raises(MetadataError, match="unknown field"):
        compile_name_pattern("{who}")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-02T09-15", dt.datetime(2026, 11, 2, 9, 15)),
        ("20261102_091530", dt.datetime(2026, 11, 2, 9, 15, 30)),
        ("2026-11-02 09:15:00", dt.datetime(2026, 11, 2, 9, 15)),
        ("13/11/2026 09:15", dt.datetime(2026, 11, 13, 9, 15)),  # only day-first is a date
        ("11/13/2026 09:15", dt.datetime(2026, 11, 13, 9, 15)),  # only month-first is
        ("02.11.2026 09:15", dt.datetime(2026, 11, 2, 9, 15)),  # dots: day first
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


def test_a_date_that_reads_both_ways_needs_a_format():
    with pytest.raises(AmbiguousDate):
        parse_time("11/02/2026 09:15")
    assert parse_time("11/02/2026 09:15", "dmy") == dt.datetime(2026, 2, 11, 9, 15)
    assert parse_time("11/02/2026 09:15", "mdy") == dt.datetime(2026, 11, 2, 9, 15)
    assert parse_time("11/02/26 9h15", "%m/%d/%y %Hh%M") == dt.datetime(2026, 11, 2, 9, 15)


def test_csv_values_win_over_the_file_name():
    from_name = CallMetadata(agent="Maria Lopez", team="billing", call_id="NW-1")
    from_csv = CallMetadata(team="Billing EMEA")
    merged = from_csv.merged_over(from_name)
    assert (merged.agent, merged.team, merged.call_id) == ("Maria Lopez", "Billing EMEA", "NW-1")


ROWS = "file,agent,call_time\na.wav,Zoë Müller,2026-11-02 09:15\nb.wav,José,2026-11-03 10:00\n"


@pytest.mark.parametrize(
    "encoding, named",
    [
        ("cp1252", "not UTF-8, read as Windows-1252"),
        ("utf-16", None),
        ("utf-16-le", None),
        ("utf-8-sig", None),
    ],
)
def test_csv_encodings_from_windows_tools_are_read(tmp_path, encoding, named):
    path = tmp_path / "export.csv"
    path.write_bytes(ROWS.encode(encoding))
    table = load_csv(path)
    assert table.lookup(Path("a.wav")).agent == "Zoë Müller" and table.lookup(Path("b.wav")).agent == "José"
    assert table.warnings == ([f"export.csv: {named} (give the encoding if that is wrong)"] if named else [])


def test_a_wrong_encoding_given_is_named_with_the_line(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(ROWS.encode("cp1252"))
    with pytest.raises(MetadataError, match=r"export\.csv line 2: not valid UTF-8 \(byte 0xeb\)"):
        load_csv(path, encoding="utf-8")
    assert load_csv(path, encoding="latin-1").lookup(Path("a.wav")).agent == "Zoë Müller"
    with pytest.raises(MetadataError, match="unknown encoding 'klingon'"):
        load_csv(path, encoding="klingon")


def test_an_oversize_field_is_named_not_a_traceback(tmp_path):
    path = tmp_path / "open.csv"
    path.write_text('file,agent\na.wav,"Ana\n' + "x" * 200_000 + "\n")
    with pytest.raises(MetadataError, match=r"open\.csv line \d+: a field is longer than 131072 characters"):
        load_csv(path)


def test_conflicting_rows_for_one_recording_are_named_and_not_used(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("file,agent\na.wav,Ana\nb.wav,Bo\nb.wav,Bo\na.wav,Ben\n")
    table = load_csv(path)
    assert table.lookup(Path("a.wav")) == CallMetadata() and table.lookup(Path("b.wav")).agent == "Bo"
    assert table.warnings == [
        "dup.csv lines 2, 5: rows for a.wav disagree; neither is used (fix the file and import again)"
    ]


def test_ambiguous_dates_are_refused_with_their_rows_unless_a_format_is_given(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("file,call_time\na.wav,11/02/2026 09:15\nb.wav,2026-11-03 10:00\nc.wav,03/04/2026 08:00\n")
    with pytest.raises(
        MetadataError,
        match=r"dates\.csv lines 2, 4: dates such as '11/02/2026 09:15' could be "
        "day-first or month-first",
    ):
        load_csv(path)
    assert load_csv(path, date_format="mdy").lookup(Path("a.wav")).call_time == dt.datetime(2026, 11, 2, 9, 15)
    assert load_csv(path, date_format="dmy").lookup(Path("a.wav")).call_time == dt.datetime(2026, 2, 11, 9, 15)
    # another row of the file shows the order: 25/02 can only be day-first
    path.write_text(path.read_text() + "d.wav,25/02/2026 10:00\n")
    table = load_csv(path)
    assert table.lookup(Path("a.wav")).call_time == dt.datetime(2026, 2, 11, 9, 15) and not table.warnings
    path.write_text(path.read_text() + "e.wav,02/25/2026 10:00\n")  # ... and this one month-first
    with pytest.raises(MetadataError, match=r"dates\.csv lines 5 and 6: dates are day-first on one and month-first"):
        load_csv(path)


def test_ragged_rows_and_nul_bytes_are_left_out_with_their_line(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("file,agent,team\na.wav,Ana,Billing\nb.wav,Bo\nc.wav,Cy,Sales,extra\nd.wav,D\x00i,Sales\n")
    table = load_csv(path)
    assert table.lookup(Path("a.wav")).agent == "Ana"
    assert all(table.lookup(Path(n)) == CallMetadata() for n in ("b.wav", "c.wav", "d.wav"))
    assert table.warnings == [
        "ragged.csv line 3: 2 values where the header has 3 columns; row left out",
        "ragged.csv line 4: 4 values where the header has 3 columns; row left out",
        "ragged.csv line 5: holds NUL bytes (a binary file?); row left out",
    ]

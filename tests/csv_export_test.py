"""CSV exports: text that a spreadsheet would run as a formula is neutralised; numbers stay numbers."""

from __future__ import annotations

import csv

import pytest

from qa_desktop.services.csv_export import safe_cell, write_csv


@pytest.mark.parametrize(
    "value, written",
    [
        ("=1+1", "'=1+1"),
        ("+41 22 555", "'+41 22 555"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Ana Ruiz", "Ana Ruiz"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-3.5, -3.5),
        (-2, -2),
        ("-3.5", "-3.5"),
        ("+12", "+12"),
        ("-1e3", "-1e3"),
        (True, True),
    ],
)
def test_safe_cell(value, written):
    assert safe_cell(value) == written


def test_write_csv_neutralises_every_text_cell(tmp_path):
    path = tmp_path / "out.csv"
    assert write_csv(path, ["=name", "change"], [["=cmd()", -0.25], ["@x", 1]]) == 2
    with open(path, newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [["'=name", "change"], ["'=cmd()", "-0.25"], ["'@x", "1"]]

#!/usr/bin/env python3
"""How the redactor treats numbers by their shape: SSNs said and written the ways people and Whisper do, and
numbers that are not sensitive (phones, dates, amounts, times, ids), each in a few sentences, random digits
(seed 0), and the same in file names (`redact_name`). Prints, per form, the share of SSNs with no digit left and the
share of other numbers redacted.

Usage: tools/eval_number_shapes.py [--per-form N]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scoring.redact import PLACEHOLDERS, name_is_redacted, redact_name, redact_text  # noqa: E402

WORDS = "zero one two three four five six seven eight nine".split()
SSN_CONTEXTS = (
    "{}",
    "it's {}",
    "my number is {} thanks",
    "social {}",
    "my social is {}",
    "Sure, {}.",
    "social is {}",
    "the social on the account is {}",
)
OTHER_CONTEXTS = (
    "{}",
    "it's {}",
    "the number is {} thanks",
    "that was on {}",
    "Sure, {}.",
    "I saw it on social, {}",
    "the social workers said call {}",
    "my social worker's number is {}",
)


def _said(digits: str, oh: bool = False) -> str:
    return " ".join("oh" if oh and d == "0" else WORDS[int(d)] for d in digits)


def _with_fillers(said: str) -> str:
    """The words with "uh" before two of them (their places drawn from the words themselves)."""
    words = said.split()
    places = random.Random(said).sample(range(1, len(words)), 2)
    return " ".join(("uh " if i in places else "") + w for i, w in enumerate(words))


def _ssn(rng: random.Random) -> tuple[str, str, str]:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}", f"{rng.randint(1, 99):02d}", f"{rng.randint(1, 9999):04d}"


SSN_FORMS: dict[str, Callable[[tuple[str, str, str]], str]] = {
    "123 45 6789": " ".join,
    "123-45-6789": "-".join,
    "123.45.6789": ".".join,
    "123, 45, 6789": ", ".join,
    "1-2-3, 4-5, 6-7-8-9": lambda g: ", ".join("-".join(p) for p in g),
    "one two three, four five, ...": lambda g: ", ".join(_said(p) for p in g),
    "oh for zero, grouped": lambda g: ", ".join(_said(p, oh=True) for p in g),
    "one two three dash four five dash ...": lambda g: " dash ".join(_said(p) for p in g),
    "123 456 789 (3-3-3)": lambda g: " ".join(("".join(g)[:3], "".join(g)[3:6], "".join(g)[6:])),
    "one two three, four five six, ... (3-3-3)": lambda g: ", ".join(_said("".join(g)[i : i + 3]) for i in (0, 3, 6)),
    "said with two 'uh' (no layout)": lambda g: _with_fillers(_said("".join(g))),
    "123456789 (no layout)": "".join,
    "one two ... nine (no layout)": lambda g: _said("".join(g)),
}


def _phone(rng: random.Random) -> tuple[str, str, str]:
    return f"{rng.randint(201, 989)}", f"{rng.randint(200, 999)}", f"{rng.randint(0, 9999):04d}"


def _date(rng: random.Random) -> tuple[str, str, str]:
    return f"{rng.randint(1, 12):02d}", f"{rng.randint(1, 28):02d}", f"{rng.randint(1950, 2030)}"


def _iso_date(rng: random.Random) -> str:
    month, day, year = _date(rng)
    return f"{year}-{month}-{day}"


OTHER_FORMS: dict[str, Callable[[random.Random], str]] = {
    "phone 555 123 4567": lambda r: " ".join(_phone(r)),
    "phone 555-123-4567": lambda r: "-".join(_phone(r)),
    "phone (555) 123-4567": lambda r: "({}) {}-{}".format(*_phone(r)),
    "phone 555.123.4567": lambda r: ".".join(_phone(r)),
    "phone said, grouped": lambda r: ", ".join(_said(p) for p in _phone(r)),
    "phone 1 800 555 1234": lambda r: "1 " + " ".join(_phone(r)),
    "UK phone 020 7946 0018": lambda r: f"0{r.randint(10, 99)} {r.randint(1000, 9999)} {r.randint(0, 9999):04d}",
    "UK mobile 07700 900 123": lambda r: f"07{r.randint(100, 999)} {r.randint(100, 999)} {r.randint(100, 999)}",
    "date 12 05 2024": lambda r: " ".join(_date(r)),
    "date 12/05/2024": lambda r: "/".join(_date(r)),
    "date 12.05.2024": lambda r: ".".join(_date(r)),
    "date 2024-05-12": _iso_date,
    "date May 12, 2024": lambda r: f"May {r.randint(1, 28)}, {r.randint(1950, 2030)}",
    "amount $123.45": lambda r: f"${r.randint(1, 999)}.{r.randint(0, 99):02d}",
    "amount $1,234.56": lambda r: f"${r.randint(1, 99)},{r.randint(0, 999):03d}.{r.randint(0, 99):02d}",
    "amount 123 dollars 45 cents": lambda r: f"{r.randint(1, 999)} dollars {r.randint(1, 99)} cents",
    "number 1,234,567": lambda r: f"{r.randint(1, 999)},{r.randint(0, 999):03d},{r.randint(0, 999):03d}",
    "time 10:30:45": lambda r: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}",
    "timestamp 2024-05-12 10:30:00": lambda r: f"{_iso_date(r)} {r.randint(0, 23):02d}:30:00",
    "time 00:12:34.567": lambda r: f"00:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}",
    "order 123456": lambda r: f"order {r.randint(100000, 999999)}",
    "account 12345678": lambda r: f"account {r.randint(10**7, 10**8 - 1)}",
    "zip 12345-6789": lambda r: f"zip {r.randint(10000, 99999)}-{r.randint(0, 9999):04d}",
    "ticket 4567, extension 1234": lambda r: f"ticket {r.randint(1000, 9999)}, extension {r.randint(100, 9999)}",
}


NAME_SSN_FORMS: dict[str, Callable[[tuple[str, str, str]], str]] = {
    "123-45-6789.wav": lambda g: "-".join(g) + ".wav",
    "123 45 6789.wav": lambda g: " ".join(g) + ".wav",
    "ssn_123_45_6789.wav": lambda g: "ssn_" + "_".join(g) + ".wav",
    "123.45.6789.mp3": lambda g: ".".join(g) + ".mp3",
    "2024-05-12 123 45 6789.wav": lambda g: "2024-05-12 " + " ".join(g) + ".wav",
    "social-123456789.wav": lambda g: "social-" + "".join(g) + ".wav",
    "Customer SSN 123456789.wav": lambda g: "Customer SSN " + "".join(g) + ".wav",
    "123456789.wav (no cue)": lambda g: "".join(g) + ".wav",
}
NAME_OTHER_FORMS: dict[str, Callable[[random.Random], str]] = {
    "20240512_103045.wav": lambda r: f"2024{r.randint(1, 12):02d}{r.randint(1, 28):02d}_{r.randint(0, 235959):06d}.wav",
    "2024-05-12 10.30.45.wav": lambda r: f"{_iso_date(r)} {r.randint(0, 23):02d}.{r.randint(0, 59):02d}.00.wav",
    "call_123456789.wav (a 9-digit id)": lambda r: f"call_{r.randint(10**8, 10**9 - 1)}.wav",
    "rec 555-123-4567.wav (a phone)": lambda r: "rec {}-{}-{}.wav".format(*_phone(r)),
    "order_123456.wav": lambda r: f"order_{r.randint(100000, 999999)}.wav",
    "1715500000123.wav (epoch ms)": lambda r: f"{r.randint(1_600_000_000_000, 1_800_000_000_000)}.wav",
    "agent 12_2024_05_12.wav": lambda r: f"agent {r.randint(1, 99)}_{_iso_date(r).replace('-', '_')}.wav",
    "social-media-campaign-123456.wav": lambda r: f"social-media-campaign-{r.randint(100000, 999999)}.wav",
    # a recorder's counters, zero-padded (site or channel, line or hour, call): from 1, and from 0
    "rec_001_01_0001.wav (counters from 1)": lambda r: (
        f"rec_{r.randint(1, 64):03d}_{r.randint(1, 31):02d}_{r.randint(1, 2000):04d}.wav"
    ),
    "CH000_00_0000.wav (counters from 0)": lambda r: (
        f"CH{r.randint(0, 63):03d}_{r.randint(0, 23):02d}_{r.randint(0, 999):04d}.wav"
    ),
}


def _digit_left(text: str) -> bool:
    return any(c.isdigit() for c in text) or any(w.strip(".,") in WORDS + ["oh"] for w in text.lower().split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-form", type=int, default=300)
    n = parser.parse_args().per_form
    rng = random.Random(0)
    print("SSNs with no digit left (recall)")
    for name, form in SSN_FORMS.items():
        texts = [rng.choice(SSN_CONTEXTS).format(form(_ssn(rng))) for _ in range(n)]
        kept = sum(not _digit_left(redact_text(t)) for t in texts)
        print(f"  {name:40} {kept / n:.3f}")
    print("other numbers redacted (false positives)")
    total = 0
    for name, make in OTHER_FORMS.items():
        texts = [rng.choice(OTHER_CONTEXTS).format(make(rng)) for _ in range(n)]
        hit = sum(any(p in redact_text(t) for p in PLACEHOLDERS) for t in texts)
        total += hit
        print(f"  {name:40} {hit / n:.3f}")
    print(f"  all {len(OTHER_FORMS) * n:>36} {total / (len(OTHER_FORMS) * n):.4f}")
    print("file names: SSNs with no digit left (recall)")
    for name, form in NAME_SSN_FORMS.items():
        names = [form(_ssn(rng)) for _ in range(n)]
        kept = sum(name_is_redacted(redact_name(x)) and not _ssn_digits_left(x, redact_name(x)) for x in names)
        print(f"  {name:40} {kept / n:.3f}")
    print("file names: other numbers redacted (false positives)")
    total = 0
    for name, make in NAME_OTHER_FORMS.items():
        hit = sum(name_is_redacted(redact_name(make(rng))) for _ in range(n))
        total += hit
        print(f"  {name:40} {hit / n:.3f}")
    print(f"  all {len(NAME_OTHER_FORMS) * n:>36} {total / (len(NAME_OTHER_FORMS) * n):.4f}")


def _ssn_digits_left(name: str, redacted: str) -> bool:
    """Whether the redacted name still holds the SSN's serial (its last 4 digits, as they were in the name)."""
    serial = "".join(c for c in Path(name).stem if c.isdigit())[-4:]
    return serial in "".join(c for c in Path(redacted).stem if c.isdigit())


if __name__ == "__main__":
    main()

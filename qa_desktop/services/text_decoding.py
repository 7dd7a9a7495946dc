"""Text files written by other programs (spreadsheets, recorders, WFM exports): find their encoding.

A byte-order mark decides (UTF-8, UTF-16, UTF-32); UTF-16 without one is recognised by its zero
bytes; otherwise UTF-8 is tried, then Windows-1252 (what Excel writes on Western Windows; it reads
any Latin-1 text too). The encoding used is returned so the caller can say which it was.
"""

from __future__ import annotations

import codecs

_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
}


class TextDecodeError(ValueError):
    """A file that is not text in the encoding given or found, with where."""


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when most of every other byte is zero (ASCII text in UTF-16), else None."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _decode(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TextDecodeError(
            f"{name} line {line}: not valid {NAMES.get(encoding, encoding)} "
            f"(byte 0x{data[exc.start]:02x}); give the file's encoding"
        ) from exc


def decode_text(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used) of a file's bytes; `encoding` forces one. TextDecodeError names `name` and the line."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError as exc:
            raise TextDecodeError(f"unknown encoding '{encoding}' (try utf-8, cp1252, latin-1 or utf-16)") from exc
        codec = "utf-8-sig" if codec == "utf-8" else codec  # a BOM is not part of the text
        return _decode(data, codec, name), codec
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode(data, codec, name), codec
    if codec := _utf16_without_bom(data):
        return _decode(data, codec, name), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined: Latin-1 reads every byte
        return data.decode("latin-1"), "latin-1"

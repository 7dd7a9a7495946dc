"""Finding a call's recording by the path stored for it (storage.recordings)."""

from __future__ import annotations

from qa_desktop.storage.recordings import recording_file
from scoring.audio import file_sha256
from scoring.redact import redact_name


def test_a_recorder_s_counters_stored_as_an_ssn_before_v21_are_still_found(tmp_path):
    counters = tmp_path / "CH000_12_0345.wav"  # area 000: no SSN, so its name is stored as it is now
    counters.write_bytes(b"the call's audio")
    (tmp_path / "CH001_12_0345.wav").write_bytes(b"another call's audio")  # an SSN's layout: redacted as before
    assert redact_name(str(counters)) == str(counters)
    assert recording_file(str(tmp_path / "CH[ssn].wav"), file_sha256(counters)) == str(counters)  # as stored before

"""Exports written whole (services.whole_files) by real processes killed or still writing: what a killed one left
is removed by the next export, and what a live one is writing is never touched."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from qa_desktop.services.csv_export import write_csv
from qa_desktop.services.whole_files import whole_folder
from tests.support.demo import ROOT

# An export that stops mid-write (one row, or one file of a pack, written) until told to go on.
EXPORT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from qa_desktop.services.csv_export import write_csv
    from qa_desktop.services.whole_files import whole_folder

    def rows():
        yield ["first"]
        print("writing", flush=True)
        sys.stdin.readline()
        yield ["last"]

    target = Path(sys.argv[2])
    if sys.argv[1] == "csv":
        write_csv(target, ["row"], rows())
    else:
        with whole_folder(target) as built:
            (built / "clip.txt").write_text(sys.argv[3])
            list(rows())
    """
)


def _exporting(kind: str, target: Path, content: str = "") -> subprocess.Popen:
    """A real export process, stopped mid-write."""
    process = subprocess.Popen(
        [sys.executable, "-c", EXPORT, kind, str(target), content],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None and process.stdout.readline() == "writing\n"
    return process


def _killed(process: subprocess.Popen) -> None:
    process.kill()
    assert process.wait() == -9


def _go_on(process: subprocess.Popen) -> int:
    process.communicate("\n", timeout=60)
    return process.returncode


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_killed_csv_export_leaves_nothing_after_the_next_and_a_live_one_is_left_to_finish(tmp_path):
    _killed(_exporting("csv", tmp_path / "agents.csv"))
    assert len(_hidden(tmp_path)) == 1 and not (tmp_path / "agents.csv").exists()  # only the hidden part
    write_csv(tmp_path / "library.csv", ["row"], [["x"]])  # another export to the folder
    assert _hidden(tmp_path) == []  # was kept for good: only an export to agents.csv wrote over it
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "library.csv").stat().st_mode & 0o777 == 0o666 & ~umask  # readable as a plain file is
    live = _exporting("csv", tmp_path / "agents.csv")
    write_csv(tmp_path / "agents.csv", ["row"], [["mine"]])  # the same name meanwhile (another window)
    assert _go_on(live) == 0  # was "cannot write ...: No such file or directory": its part was taken and removed
    assert (tmp_path / "agents.csv").read_text() == "row\nfirst\nlast\n"  # the last export whole
    assert _hidden(tmp_path) == []


def test_a_killed_pack_build_leaves_nothing_after_the_next_and_a_live_one_is_left_to_finish(tmp_path):
    _killed(_exporting("pack", tmp_path / "pack-ana", "killed"))
    assert len(_hidden(tmp_path)) == 1  # its build folder
    live = _exporting("pack", tmp_path / "pack-ben", "ben")
    with whole_folder(tmp_path / "pack-ben") as built:  # the same pack meanwhile
        (built / "clip.txt").write_text("mine")
    assert [n for n in _hidden(tmp_path) if "pack-ben" not in n] == []  # the killed build gone, not the live one
    assert any("pack-ben" in n for n in _hidden(tmp_path))  # was removed by the other export's start
    assert _go_on(live) == 0  # was "cannot write ...": the other export removed its build folder first
    assert (tmp_path / "pack-ben" / "clip.txt").read_text() == "ben"
    assert _hidden(tmp_path) == [] and not (tmp_path / "pack-ana").exists()


def test_a_pack_killed_while_swapping_the_new_one_in_gets_the_previous_one_back(tmp_path):
    with whole_folder(tmp_path / "pack") as built:
        (built / "clip.txt").write_text("previous")
    _killed(_exporting("pack", tmp_path / "pack", "new"))
    (stage,) = (p for p in tmp_path.iterdir() if p.name.startswith("."))
    (tmp_path / "pack").rename(stage / "previous")  # where a kill between the swap's two renames leaves it
    write_csv(tmp_path / "list.csv", ["row"], [])
    assert (tmp_path / "pack" / "clip.txt").read_text() == "previous" and _hidden(tmp_path) == []


def _holding(file: Path) -> subprocess.Popen:
    """A real process with `file` open for writing (an older qa-desktop's export still writing it) until told to go
    on."""
    holds = "import sys; f = open(sys.argv[1], 'a'); print('open', flush=True); sys.stdin.readline()"
    process = subprocess.Popen(
        [sys.executable, "-c", holds, str(file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "open\n"
    return process


def test_an_older_exports_leftovers_are_removed_unless_a_process_has_them_open(tmp_path):
    (tmp_path / ".agents.part.csv").write_text("half")  # what an export before writers' own names left when killed
    (tmp_path / ".dashboards.part.png").write_bytes(b"half")
    stage = tmp_path / ".pack.part"  # an older pack build killed between the swap's two renames
    (stage / "previous").mkdir(parents=True)
    (stage / "previous" / "clip.txt").write_text("previous")
    (stage / "pack").mkdir()
    (tmp_path / ".notes.txt").write_text("the user's own")
    live = _holding(tmp_path / ".dashboards.part.png")
    write_csv(tmp_path / "library.csv", ["row"], [["x"]])
    assert _hidden(tmp_path) == [".dashboards.part.png", ".notes.txt"]  # was every one of them: never removed
    assert (tmp_path / "pack" / "clip.txt").read_text() == "previous"
    assert _go_on(live) == 0
    write_csv(tmp_path / "library.csv", ["row"], [["x"]])
    assert _hidden(tmp_path) == [".notes.txt"]


def test_an_older_pack_build_with_a_file_open_is_left_alone(tmp_path):
    stage = tmp_path / ".pack.part"
    (stage / "pack").mkdir(parents=True)
    live = _holding(stage / "pack" / "clip.txt")
    write_csv(tmp_path / "library.csv", ["row"], [["x"]])
    assert _hidden(tmp_path) == [".pack.part"] and (stage / "pack" / "clip.txt").exists()
    assert _go_on(live) == 0
    write_csv(tmp_path / "library.csv", ["row"], [["x"]])
    assert _hidden(tmp_path) == []

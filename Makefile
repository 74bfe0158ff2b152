# Dân Vận Khéo — make run (embedded default), make test (real PostgreSQL + Kafka), make bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVICES := registration reporting awards notify feed gateway
SERVICE_DIRS := $(foreach s,$(SERVICES),$(wildcard services/$(s)))
# The platform's distributions: the event core, the runtime, the documents, the province's subscriber, the test
# harness (a developer's venv has all five; an image only core, platform and documents: deploy/Dockerfile).
LIB_DIRS := libs/core libs/platform libs/documents libs/subscriber libs/testing
PYTEST_ARGS ?=
# pytest-xdist workers of the parallel test group (empty: one per core)
TEST_WORKERS ?=

contracts: install
	$(BIN)/python -m dvk_core.contracts

.PHONY: install system-deps run test test-fast test-reliability test-deploy lint audit bench contracts clean

$(VENV)/.installed: requirements/constraints.txt requirements/dev.txt $(wildcard libs/*/pyproject.toml) $(wildcard services/*/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip==26.3"
	$(BIN)/pip install -q -c requirements/constraints.txt -r requirements/dev.txt $(foreach d,$(LIB_DIRS),-e $(d)) $(foreach d,$(SERVICE_DIRS),-e $(d))
	touch $@

install: $(VENV)/.installed

system-deps:
	./scripts/system-deps.sh

run: install
	$(BIN)/dvk-dev

# two groups on one PostgreSQL and one Kafka: the parallel one on $(TEST_WORKERS) workers, then the serial one
test: install system-deps
	DVK_TEST_WORKERS=$(TEST_WORKERS) $(BIN)/python -m dvk_testing.groups $(PYTEST_ARGS)

# Plain-function tests of domain rules and the code's structure (import circles, services apart, module length):
# no HTTP, database or broker, so neither the test harness nor the other pytest plugins are loaded; seconds.
# They also run within `make test`.
test-fast: install
	$(BIN)/pytest -q -p no:dvk_harness -p no:schemathesis -p no:hypothesispytest -p no:xdist -p no:xdist.looponfail \
		-p no:anyio tests/fast $(PYTEST_ARGS)

# The images built and docker-compose.yml run in podman (root), the ward's first day walked through the gateway's port.
test-deploy: install system-deps
	./tests/containers/test-deploy.sh

lint: install
	$(BIN)/ruff check libs services tests

# Known vulnerabilities of every pinned dependency (pip-audit asks PyPI's or OSV's advisory service for each release);
# needs that network: where it is not reachable every package is reported "could not be audited" and this fails.
# Not part of `make test`. Findings and their justifications: security/audit-justifications.md.
audit: install
	$(BIN)/pip-audit -r requirements/constraints.txt --strict

bench: install system-deps
	./bench/run.sh

clean:
	rm -rf var .venv

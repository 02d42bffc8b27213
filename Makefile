# 消防技术服务机构执业活动管理系统 — developer entry points.
#   make run    set up, migrate, load demo data, serve http://127.0.0.1:5000 (embedded: SQLite, in-process jobs)
#   make test   set up and run the whole suite (PostgreSQL + Redis when TEST_DATABASE_URL/REDIS_URL are set,
#               and always the embedded default)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt constraints.txt | sha1sum | cut -c1-12)
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup system-deps run migrate demo admin worker scheduler test lint format bench clean

admin:
	bash scripts/build-admin.sh

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	bash scripts/setup.sh "$(PYTHON)" "$(VENV)"
	touch $@

system-deps:
	bash scripts/system-deps.sh

migrate: setup
	$(BIN)/alembic upgrade head

demo: migrate
	$(FLASK) demo load

run: system-deps demo
	bash scripts/build-admin.sh --if-missing || echo "管理端未构建（需要 Node.js ≥ 20.19）：/admin/ 暂不可用"
	EMBEDDED_SCHEDULER=1 $(FLASK) run --host $(HOST) --port $(PORT)

worker: setup
	$(FLASK) worker

scheduler: setup
	$(FLASK) scheduler

test: setup
	bash scripts/system-deps.sh --test
	bash scripts/test.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	bash scripts/system-deps.sh --bench
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .import_linter_cache .mypy_cache

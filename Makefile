# Two commands do all the set-up: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false

.PHONY: run test venv system-deps train lint format validate pytest rasa-test bench nlu-report lock
.PHONY: clean
.PHONY: bench-channels vendor-js
.PHONY: bench-catalogue
.PHONY: bench-console
.PHONY: soak
.PHONY: eval
.PHONY: run-cluster bench-cluster
.PHONY: snapshot bench-first-reply

run: venv train
	@scripts/run.sh

# The cluster of deploy/ on this machine: PostgreSQL, Redis, 2 Rasa, 2 action servers, the
# console and nginx, all on 127.0.0.1 with the data in a temporary folder (deploy/README.md).
run-cluster: venv system-deps train
	@$(PY) scripts/run-cluster.py

test: venv system-deps lint validate train pytest rasa-test

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock scripts/find-python310.sh
	@python="$$(scripts/find-python310.sh)" && echo "Creating $(VENV) with $$python" && \
	  rm -rf $(VENV) && "$$python" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

system-deps:
	@scripts/system-deps.sh

train: venv
	@scripts/train-if-changed.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

validate: venv
	$(VENV)/bin/rasa data validate --data nlu_data --domain domain.yml --config config.yml

pytest: venv system-deps train
	$(VENV)/bin/pytest -q tests

rasa-test: venv train
	$(VENV)/bin/rasa test core --model models/current.tar.gz --stories tests/stories \
	  --out results/core --fail-on-prediction-errors
	$(VENV)/bin/rasa test nlu --model models/current.tar.gz --nlu tests/nlu \
	  --out results/nlu
	$(PY) scripts/check-nlu-report.py results/nlu/intent_report.json

bench: venv train
	$(PY) -m bench.pipeline_vs_default

# 5-fold cross-validation of the intent classifier on the training data (report in results/cv).
nlu-report: venv
	$(VENV)/bin/rasa test nlu --cross-validation --folds 5 --config config.yml --nlu nlu_data \
	  --out results/cv
	$(PY) scripts/check-nlu-report.py results/cv/intent_report.json 0

# Real citizens' questions against real servers (tests/eval/): figures on the held-out part.
eval: venv train
	$(PY) -m tests.eval.run --split $(or $(SPLIT),held_out)

# Throughput and p50/p95 of 20 and 50 citizens: SQLite default vs 1 and 2 Rasa instances on
# PostgreSQL + Redis; the failover gap; storage costs per operation (bench/cluster.py).
bench-cluster: venv system-deps train
	$(PY) -m bench.cluster

# The province's catalogue snapshot (knowledge/data/catalogue/), from an official download.
# The portal API folder dates itself (manifest.json); the others were crawled in July 2026.
CATALOGUE_DATA ?= ../shared/data
CATALOGUE_CRAWLED ?= national-crawl=2026-07 lists=2026-07
snapshot: venv
	$(PY) -m knowledge.importers.snapshot --data $(CATALOGUE_DATA) \
	  $(foreach crawl,$(CATALOGUE_CRAWLED),--crawled $(crawl))

bench-channels: venv train
	$(PY) -m bench.channels

# The snapshot's load and search, then all of ../shared/data imported into a temporary database.
bench-catalogue: venv
	$(PY) -m bench.catalogue_import

# The action server's ready time and first answer against the next ones (whole catalogue).
bench-first-reply: venv
	$(PY) -m bench.first_reply

# The staff console over a large ticket history: request latency, live-update delay, figures.
bench-console: venv
	$(PY) -m bench.console

# Reliability: concurrent citizens on REST, Zalo and Messenger while the action server is
# killed, each database locked and Rasa restarted (127.0.0.1 only; about 4 minutes).
soak: venv train
	$(PY) -m bench.soak

# The web widget's socket.io client is vendored (bot/web/vendor); this refreshes it from npm.
SOCKET_IO_CLIENT := 4.8.4
vendor-js:
	@tmp="$$(mktemp -d)" && (cd "$$tmp" && npm pack --silent socket.io-client@$(SOCKET_IO_CLIENT) >/dev/null \
	  && tar xzf socket.io-client-$(SOCKET_IO_CLIENT).tgz) && \
	  cp "$$tmp/package/dist/socket.io.min.js" bot/web/vendor/socket.io.min.js && \
	  cp "$$tmp/package/LICENSE" bot/web/vendor/socket.io-client.LICENSE && rm -rf "$$tmp"

lock: venv
	$(PY) -m pip freeze --exclude-editable | grep -v '^pkg[-_]resources' > requirements.lock

clean:
	rm -rf $(VENV) models results var .pytest_cache .ruff_cache

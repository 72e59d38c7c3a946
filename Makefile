# Two commands do all the set-up: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false

.PHONY: run test venv system-deps train lint format validate pytest rasa-test bench lock clean

run: venv train
	@scripts/run.sh

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

lock: venv
	$(PY) -m pip freeze --exclude-editable | grep -v '^pkg[-_]resources' > requirements.lock

clean:
	rm -rf $(VENV) models results var .pytest_cache .ruff_cache

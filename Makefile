# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
BIN         := $(VENV)/bin
INSTALLED   := $(VENV)/.installed
SPACY_MODEL := var/spacy/blank_en/meta.json
MODEL       := models/shop.tar.gz
WEB_ASSETS  := web/static/vendor/socket.io.min.js web/static/vendor/chart.umd.js
TRAIN_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) $(wildcard addons/*.py)
ENV         := source scripts/env.sh &&

.PHONY: cluster cluster-test help install web-assets seed migrate migration erase retention ship restock report markers train validate lint format run shell interactive review compare-nlu tune-thresholds public-data test test-unit test-conversations test-nlu test-e2e services clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

install: $(INSTALLED) $(SPACY_MODEL) $(WEB_ASSETS) ## create .venv with Python 3.10, install the pinned dependencies and the web app's browser libraries

$(INSTALLED): pyproject.toml requirements.txt requirements-dev.txt constraints.txt scripts/make_venv.sh
	scripts/make_venv.sh

$(SPACY_MODEL): $(INSTALLED)
	$(BIN)/python -m scripts.make_spacy_blank var/spacy/blank_en

# The chat widget's socket.io client and the analytics dashboard's Chart.js, from the npm
# registry (pinned by web/package-lock.json), copied into the web app's static files: the pages
# load nothing from elsewhere at run time. One npm ci makes both (a grouped target).
$(WEB_ASSETS) &: web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the web app's assets: apt-get install nodejs npm"; exit 1; }
	cd web && npm ci --no-audit --no-fund --ignore-scripts --prefer-offline
	mkdir -p web/static/vendor
	cp web/node_modules/socket.io-client/dist/socket.io.min.js web/static/vendor/socket.io.min.js
	cp web/node_modules/chart.js/dist/chart.umd.js web/static/vendor/chart.umd.js

web-assets: $(WEB_ASSETS) ## vendor the widget's socket.io client and the dashboard's Chart.js (npm ci) into web/static/vendor

seed: install ## create the shop database and load the demo catalog and orders (idempotent)
	$(ENV) $(BIN)/python -m shop.seed

# Retrains only when the training data, domain, config or NLU components changed.
$(MODEL): $(INSTALLED) $(SPACY_MODEL) $(TRAIN_INPUTS)
	$(ENV) $(BIN)/python -m scripts.rasa_cli train --fixed-model-name $(basename $(basename $(notdir $(MODEL)))) --out $(dir $(MODEL)) --quiet
	@touch $(MODEL)

train: $(MODEL) ## train the model if data, domain or config changed

validate: install ## check the training data: rasa data validate, then scripts/validate_data.py (file:line per finding)
	$(ENV) scripts/validate.sh

run: $(MODEL) seed $(WEB_ASSETS) ## start the action server, the Rasa server, the web app, the analytics consumer and the outbox worker; Ctrl-C stops them
	$(ENV) RASA_MODEL=$(MODEL) scripts/run.sh

shell: $(MODEL) seed ## chat in the terminal (starts the action server in the background)
	$(ENV) scripts/shell.sh

interactive: $(MODEL) seed ## Rasa's interactive learning (starts the action server in the background)
	$(ENV) scripts/interactive.sh

DAYS ?= 7
review: $(INSTALLED) ## the last DAYS (7) of conversations: fallbacks, off-topic and corrected messages -> results/review.yml
	$(ENV) $(BIN)/python -m scripts.review --days $(DAYS) --out results/review.yml

test-unit: install ## pytest: business rules, actions against SQLite, NLU components
	$(ENV) $(BIN)/pytest -m "not e2e and not cluster"

# The held-out set is parsed once: Rasa's reports (results/nlu) and our summary come from the
# same parses. The dev set (public data, tests/nlu/dev) is scored beside it, not gated.
HELD_OUT    := tests/nlu/held_out
DEV_SET     := $(if $(wildcard tests/nlu/dev/*.yml),tests/nlu/dev)
test-nlu: $(if $(CV),$(INSTALLED) $(SPACY_MODEL),$(MODEL)) ## NLU: Rasa's reports in results/nlu + our summary; fails under the bars in scripts/nlu_gate.py (CV=5: cross-validation on data/)
ifdef CV
	@echo "cross-validation: $(CV) folds on data/ with config.yml, one NLU training per fold (minutes)"
	rm -rf results/nlu-cv  # Rasa writes an errors file only when there are errors: no stale ones
	$(ENV) $(BIN)/python -m scripts.rasa_cli test nlu --nlu data --config config.yml --cross-validation --folds $(CV) --successes --out results/nlu-cv
	$(ENV) $(BIN)/python -m scripts.nlu_gate --from-rasa results/nlu-cv --json results/nlu-cv/summary.json
else
	rm -rf results/nlu
	$(ENV) $(BIN)/python -m scripts.nlu_gate --model $(MODEL) --data $(HELD_OUT) $(if $(DEV_SET),--data $(DEV_SET)) \
	  --gate $(HELD_OUT) --rasa-out results/nlu --json results/nlu/summary.json
endif

migrate: $(INSTALLED) ## apply pending migrations to the shop database (SHOP_DB_URL; make run does it too)
	$(ENV) $(BIN)/python -m shop.migrations

migration: $(INSTALLED) ## write the next migration from shop/models.py: make migration MESSAGE="what changed"
	$(ENV) $(BIN)/python -m shop.migrations new "$(MESSAGE)"

erase: $(INSTALLED) ## delete everything about one contact: make erase SENDER=<conversation id> or EMAIL=<address>
	$(ENV) $(BIN)/python -m shop.erasure erase $(if $(SENDER),--sender "$(SENDER)") $(if $(EMAIL),--email "$(EMAIL)")

ship: $(INSTALLED) ## mark an order shipped, its customer's update written to the outbox for the worker: make ship ORDER=A1003
	$(ENV) $(BIN)/python -m shop.shipping "$(ORDER)"

restock: $(INSTALLED) ## add stock, telling the customers who waited for it: make restock SKU=TOP-HOODIE QUANTITY=5 SIZE=M COLOR=black
	$(ENV) $(BIN)/python -m shop.restock "$(SKU)" "$(QUANTITY)" $(if $(SIZE),--size "$(SIZE)") $(if $(COLOR),--color "$(COLOR)")

retention: $(INSTALLED) ## delete conversations last active more than RETENTION_DAYS (365) days ago
	$(ENV) $(BIN)/python -m shop.erasure expire $(if $(DAYS),--days $(DAYS))

report: $(INSTALLED) ## the funnel as one HTML file with charts for the weekly email: FROM= TO= (last 7 days), CHANNEL= PAGE= CAMPAIGN= -> results/report-FROM-TO.html (OUT=)
	$(ENV) $(BIN)/python -m shop.analytics.report $(if $(FROM),--from "$(FROM)") $(if $(TO),--to "$(TO)") \
	  $(if $(CHANNEL),--channel "$(CHANNEL)") $(if $(PAGE),--page "$(PAGE)") $(if $(CAMPAIGN),--campaign "$(CAMPAIGN)") $(if $(OUT),--out "$(OUT)")

markers: $(INSTALLED) ## Rasa's markers (markers.yml: flows started and finished, handoffs, CSAT...) over the tracker store's conversations -> results/markers/ (OUT=)
	$(ENV) $(BIN)/python -m scripts.markers $(if $(OUT),--out "$(OUT)")

compare-nlu: $(INSTALLED) $(SPACY_MODEL) ## train and score config.yml, Rasa's default and scripts/nlu_configs/ side by side -> docs/nlu.md (FOLDS=3, JOBS=1 folds at once, CV_ONLY=1 adds the folds to results measured before; long)
	$(ENV) $(BIN)/python -m scripts.compare_nlu --folds $(or $(FOLDS),3) $(if $(ONLY),--only $(ONLY)) $(if $(CV_ONLY),--cv-only) --jobs $(or $(JOBS),1)

tune-thresholds: $(MODEL) ## tune the per-intent fallback thresholds on tests/nlu/dev and write them into config.yml
	$(ENV) $(BIN)/python -m scripts.tune_thresholds --model $(MODEL) --write

public-data: $(INSTALLED) ## re-derive data/nlu/public and tests/nlu/dev from ../shared/data/public-intents (SOURCE=...)
	$(ENV) $(BIN)/python -m scripts.import_public_intents $(if $(SOURCE),--source $(SOURCE))

test-conversations: $(MODEL) ## rasa test: the conversation tests in tests/conversations
	$(ENV) $(BIN)/python -m scripts.rasa_cli test core --model $(MODEL) --stories tests/conversations --fail-on-prediction-errors --out results/conversations
	@$(BIN)/python -c 'import json; r = json.load(open("results/conversations/story_report.json")); a = r["conversation_accuracy"]; print("conversation tests: %d of %d stories right, %d actions predicted" % (a["correct"], a["total"], r["micro avg"]["support"]))'

cluster: $(MODEL) $(WEB_ASSETS) ## the production shape on this machine: nginx, two Rasa servers, two action servers, two web apps, PostgreSQL, Redis (make services first)
	$(ENV) $(BIN)/python -m scripts.cluster $(if $(PORT),--port $(PORT))

cluster-test: $(MODEL) $(WEB_ASSETS) ## the cluster's tests: 100 conversations x 10 turns, racing buyers, a Rasa server killed mid-conversation
	$(ENV) $(BIN)/pytest -m cluster

test-e2e: $(MODEL) $(WEB_ASSETS) ## both servers started, whole conversations over REST
	$(ENV) $(BIN)/pytest -m e2e

lint: $(INSTALLED) ## ruff (lint + format check) on everything, mypy on shop/ and web/
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/mypy

format: $(INSTALLED) ## ruff format and the safe ruff fixes, in place
	$(BIN)/ruff check --fix --quiet .
	$(BIN)/ruff format --quiet .

test: $(MODEL) $(WEB_ASSETS) ## everything: lint, validate, NLU gate, conversation tests, pytest (unit, end-to-end, the cluster)
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory validate
	$(MAKE) --no-print-directory test-nlu
	$(MAKE) --no-print-directory test-conversations
	$(ENV) $(BIN)/pytest

bench: $(INSTALLED) $(SPACY_MODEL) $(WEB_ASSETS) ## ours beside Rasa's starter bot, both trained from clean: latency, throughput, memory, start-up, training, targets -> results/bench/ (~20 min; ARGS="--help")
	$(ENV) $(BIN)/python -m scripts.bench $(ARGS)

services: ## install (apt-get) PostgreSQL, Redis and Chromium for the tests and start the servers (needs root)
	scripts/services.sh

clean: ## remove the trained model, test results and the embedded databases
	rm -rf models results var/*.db var/*.db-*

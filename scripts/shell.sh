#!/usr/bin/env bash
# Chat in the terminal: starts the action server in the background for the session.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export BOOKING_LINK_SECRET="${BOOKING_LINK_SECRET:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(16))')}"
export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-$(new_secret)}"
mkdir -p var/log
.venv/bin/python -m actions >var/log/actions.log 2>&1 &
actions_pid=$!
trap 'kill -TERM $actions_pid 2>/dev/null; wait $actions_pid 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 60); do curl -fsS "http://localhost:$ACTION_PORT/health" >/dev/null 2>&1 && break; sleep 1; done
.venv/bin/python -m scripts.rasa_cli shell --model models/shop.tar.gz --endpoints endpoints.yml

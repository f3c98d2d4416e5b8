#!/usr/bin/env bash
# Rasa's interactive learning on the trained model, with the action server running in the
# background for the session (as scripts/shell.sh does) and stopped on exit, however it ends.
# At the end Rasa asks where to save: the NLU examples go in data/nlu/<capability>.yml, the
# stories in data/stories/; then `make validate`, `make train`, `make test-nlu`.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export BOOKING_LINK_SECRET="${BOOKING_LINK_SECRET:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(16))')}"
export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-$(new_secret)}"
mkdir -p var/log
# In its own session: Ctrl-C in interactive learning opens Rasa's "Do you want to stop?" menu,
# and must not also stop the action server under it. The trap stops it when we exit.
setsid .venv/bin/python -m actions >var/log/actions.log 2>&1 &
actions_pid=$!
trap 'kill -TERM $actions_pid 2>/dev/null; wait $actions_pid 2>/dev/null' EXIT INT TERM
echo "starting the action server on port $ACTION_PORT (log: var/log/actions.log)"
for _ in $(seq 1 60); do
  curl -fsS "http://localhost:$ACTION_PORT/health" >/dev/null 2>&1 && break
  kill -0 $actions_pid 2>/dev/null || { echo "the action server stopped; see var/log/actions.log"; exit 1; }
  sleep 1
done
# --skip-visualization: the story graph server (port 5006) is a second process to keep alive
# for a picture few trainers look at; the conversation itself is printed as it goes.
.venv/bin/python -m scripts.rasa_cli interactive --model models/shop.tar.gz --endpoints endpoints.yml --config config.yml --port "$RASA_PORT" \
  --domain domain.yml --data data --skip-visualization

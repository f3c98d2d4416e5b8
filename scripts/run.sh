#!/usr/bin/env bash
# Starts the action server, the Rasa server, the web app, the analytics consumer and the outbox worker, restarts any of them that exits,
# waits until they answer, prints how to chat, and stops them all on Ctrl-C or SIGTERM.
# Expects scripts/env.sh to be sourced (the Makefile does).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# RUN_DIR holds the logs, the shared secrets and the channels' credentials (var/ unless set: make
# bench runs a second copy beside yours); RASA_MODEL is the model served (make sets it from MODEL).
RUN_DIR=${RUN_DIR:-var}
RASA_MODEL=${RASA_MODEL:-models/shop.tar.gz}
umask 077 # databases, logs and secrets: readable by their owner only
mkdir -p "$RUN_DIR/log"
chmod 700 "$RUN_DIR" "$RUN_DIR/log"

# The secrets the processes share are made once and kept in $RUN_DIR/run.env (owner only), so web
# chat sessions, invite links and agents' sessions survive a restart; set them in .env to choose yours.
SECRETS=$RUN_DIR/run.env
touch "$SECRETS" && chmod 600 "$SECRETS"
keep_secret() { # NAME: from the environment, else from $RUN_DIR/run.env, else a new one saved there
  local name=$1 saved
  if [ -n "${!name:-}" ]; then return; fi
  saved=$(grep "^$name=" "$SECRETS" | tail -n 1 | cut -d= -f2-)
  if [ -z "$saved" ]; then
    saved=$(new_secret)
    echo "$name=$saved" >>"$SECRETS"
  fi
  export "$name=$saved"
}
# RASA_AUTH_TOKEN: Rasa's HTTP API; ACTION_SERVER_TOKEN: the Rasa server's key to the action
# server (endpoints.yml); BOOKING_LINK_SECRET: invite links; CHAT_SESSION_SECRET: web chat
# conversation ids; WEB_SECRET_KEY: agents' inbox sessions.
for name in RASA_AUTH_TOKEN ACTION_SERVER_TOKEN BOOKING_LINK_SECRET CHAT_SESSION_SECRET WEB_SECRET_KEY; do
  keep_secret "$name"
done
# Unset: every seeded agent gets one demo password (kept in $RUN_DIR/run.env); set but empty: none.
if [ "${INBOX_DEMO_PASSWORD+set}" != set ]; then keep_secret INBOX_DEMO_PASSWORD; fi
if [ -n "$INBOX_DEMO_PASSWORD" ]; then .venv/bin/python -m web.agents demo-passwords || exit 1; fi
# credentials.yml, plus the Messenger channel when its FACEBOOK_* variables are all set.
.venv/bin/python -m scripts.make_credentials "$RUN_DIR/credentials.yml" || exit 1

source scripts/supervise.sh

supervisors=()
stop() { # [exit code]
  local code=${1:-0}
  trap - INT TERM EXIT
  echo "Stopping..."
  for pid in "${supervisors[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${supervisors[@]}"; do wait "$pid" 2>/dev/null; done
  echo "Stopped."
  exit "$code"
}
trap stop INT TERM EXIT

supervise "action server" "$RUN_DIR/log/actions.log" .venv/bin/python -m actions &
supervisors+=($!)
# The HTTP API always sits behind the token (taken from RASA_AUTH_TOKEN by scripts/rasa_cli.py,
# never on a command line); the channels (REST, socket.io, Messenger) are what customers use.
supervise "Rasa server" "$RUN_DIR/log/rasa.log" .venv/bin/python -m scripts.rasa_cli run --enable-api --port "$RASA_PORT" \
  --model "$RASA_MODEL" --endpoints endpoints.yml --credentials "$RUN_DIR/credentials.yml" \
  --cors "${RASA_CORS_ORIGINS:-http://localhost:$WEB_PORT}" &
supervisors+=($!)
supervise "web app" "$RUN_DIR/log/web.log" .venv/bin/python -m web &
supervisors+=($!)
# Reads what the Rasa server publishes to its event broker (EVENT_BROKER_URL) for the funnel.
supervise "analytics consumer" "$RUN_DIR/log/analytics.log" .venv/bin/python -m shop.analytics &
supervisors+=($!)
# Sends what the shop writes first (order and shipping updates, meeting reminders) through Rasa's API.
supervise "outbox worker" "$RUN_DIR/log/outbound.log" .venv/bin/python -m shop.outbound &
supervisors+=($!)

# Loading the model takes a minute or two on a small machine, longer on a loaded one.
START_TIMEOUT=${START_TIMEOUT:-900}
wait_for() { # name url
  local deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if curl -fsS "$2" >/dev/null 2>&1; then
      echo "$1 is up."
      return 0
    fi
    sleep 1
  done
  echo "$1 did not answer within $START_TIMEOUT s (START_TIMEOUT); see $RUN_DIR/log/"
  return 1
}
# Each /health answers 200 once what it depends on answers too: hence this order.
wait_for "Action server" "http://localhost:$ACTION_PORT/health" || stop 1
wait_for "Rasa server" "http://localhost:$RASA_PORT/webhooks/rest/" || stop 1
wait_for "Web app" "http://localhost:$WEB_PORT/health" || stop 1

cat <<MSG

The assistant is running. Chat with it:
  Web:    http://localhost:$WEB_PORT/ (the demo shop; click the chat button)
  REST:   curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender": "me", "message": "hi"}'
  Shell:  make shell (in another terminal)
  API:    curl -s "localhost:$RASA_PORT/conversations/me/tracker?token=\$RASA_AUTH_TOKEN" (the token is in $SECRETS)
Agent inbox: http://localhost:$WEB_PORT/inbox/ (e.g. alice@shop.example; the demo password is INBOX_DEMO_PASSWORD in $SECRETS)
Logs are in $RUN_DIR/log/ (appended, rotated past $LOG_MAX_BYTES bytes); a server that exits is restarted.
Press Ctrl-C to stop.
MSG
wait

#!/usr/bin/env bash
# Starts the action server, the Rasa server and the web app, waits until they answer, prints how
# to chat, and stops them all on Ctrl-C or SIGTERM. Expects scripts/env.sh to be sourced (the Makefile does).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

if [ -z "${RASA_AUTH_TOKEN:-}" ]; then
  RASA_AUTH_TOKEN=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')
  echo "RASA_AUTH_TOKEN was not set; generated one for this run: $RASA_AUTH_TOKEN"
fi
export RASA_AUTH_TOKEN
# Signs calendar-invite links; both servers must share it, so it is made once here.
export BOOKING_LINK_SECRET="${BOOKING_LINK_SECRET:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(16))')}"
# The Rasa server's key to the action server (endpoints.yml).
export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-$(new_secret)}"
# Signs the web chat's conversation ids (every Rasa server of a cluster needs the same one).
export CHAT_SESSION_SECRET="${CHAT_SESSION_SECRET:-$(new_secret)}"
# Signs agents' inbox sessions.
export WEB_SECRET_KEY="${WEB_SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}"
if [ "${INBOX_DEMO_PASSWORD+set}" != set ]; then
  INBOX_DEMO_PASSWORD=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))')
  echo "INBOX_DEMO_PASSWORD was not set; every seeded agent logs in with: $INBOX_DEMO_PASSWORD"
fi
export INBOX_DEMO_PASSWORD
if [ -n "$INBOX_DEMO_PASSWORD" ]; then .venv/bin/python -m web.agents demo-passwords || exit 1; fi
mkdir -p var/log
# credentials.yml, plus the Messenger channel when its FACEBOOK_* variables are all set.
.venv/bin/python -m scripts.make_credentials var/credentials.yml || exit 1
pids=()

stop() {  # [exit code]
  local code=${1:-0}
  trap - INT TERM EXIT
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  echo "Stopped."
  exit "$code"
}
trap stop INT TERM EXIT

.venv/bin/python -m actions >var/log/actions.log 2>&1 &
pids+=($!)
# The HTTP API always sits behind the token; the channels (REST, socket.io) are what customers use.
# "=" keeps a token that starts with "-" (token_urlsafe makes some) from reading as an option.
.venv/bin/rasa run --enable-api --auth-token="$RASA_AUTH_TOKEN" --port "$RASA_PORT" \
  --model models/shop.tar.gz --endpoints endpoints.yml --credentials var/credentials.yml \
  --cors "${RASA_CORS_ORIGINS:-http://localhost:8000}" >var/log/rasa.log 2>&1 &
pids+=($!)

wait_for() {  # name url pid
  for _ in $(seq 1 240); do
    if curl -fsS "$2" >/dev/null 2>&1; then echo "$1 is up: $2"; return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then echo "$1 exited; see var/log/"; return 1; fi
    sleep 1
  done
  echo "$1 did not answer within 4 minutes; see var/log/"; return 1
}
.venv/bin/python -m web >var/log/web.log 2>&1 &
pids+=($!)
wait_for "Action server" "http://localhost:$ACTION_PORT/health" "${pids[0]}" || stop 1
wait_for "Web app" "http://localhost:$WEB_PORT/health" "${pids[2]}" || stop 1
wait_for "Rasa server" "http://localhost:$RASA_PORT/status?token=$RASA_AUTH_TOKEN" "${pids[1]}" || stop 1

cat <<MSG

The assistant is running. Chat with it:
  Web:    http://localhost:$WEB_PORT/ (the demo shop; click the chat button)
  REST:   curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender": "me", "message": "hi"}'
  Shell:  make shell (in another terminal)
  API:    curl -s "localhost:$RASA_PORT/conversations/me/tracker?token=$RASA_AUTH_TOKEN"
Agent inbox: http://localhost:$WEB_PORT/inbox/ (e.g. alice@shop.example; agents are in seed/inbox.yml)
Logs are in var/log/. Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "A server exited unexpectedly; see var/log/."
stop 1

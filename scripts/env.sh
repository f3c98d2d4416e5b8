# Sourced by the Makefile and scripts: loads .env, then fills in the embedded defaults.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -f "$ROOT/.env" ]; then
  set -a; . "$ROOT/.env"; set +a
fi
# Defaults for what Rasa reads from endpoints.yml and the scripts use; the shop's own settings
# (SHOP_DB_URL, PUBLIC_BASE_URL, RASA_URL...) have theirs in shop/settings.py.
export TRACKER_STORE_URL="${TRACKER_STORE_URL:-sqlite:///$ROOT/var/tracker.db}"
export EVENT_BROKER_URL="${EVENT_BROKER_URL:-sqlite:///$ROOT/var/events.db}"
export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_PORT="${ACTION_PORT:-5055}"
export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://localhost:$ACTION_PORT/webhook}"
# Empty unless set: the scripts that start the action server generate one (new_secret below),
# and an action server without one does not start.
export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-}"
export LOCK_STORE_TYPE="${LOCK_STORE_TYPE:-in_memory}"
export LOCK_STORE_HOST="${LOCK_STORE_HOST:-}"
export LOCK_STORE_PORT="${LOCK_STORE_PORT:-6379}"
export WEB_PORT="${WEB_PORT:-8000}"
export RASA_TELEMETRY_ENABLED=false

# Library deprecation chatter (TensorFlow, SQLAlchemy 2.0 hints) buries the messages that matter.
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
mkdir -p "$ROOT/var"

new_secret() {  # a random secret for a variable left unset, shared by the processes started here
  "$ROOT/.venv/bin/python" -c 'import secrets; print(secrets.token_hex(24))'
}

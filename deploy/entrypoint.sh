#!/bin/sh
# The container's process, by name: rasa (the Rasa server), actions (the action server), web (the
# web app), analytics (the consumer of the Rasa server's events), outbound (the outbox worker),
# migrate (apply pending
# migrations to SHOP_DB_URL, then exit). Secrets come from the
# environment (Kubernetes secrets); none has a default, and the servers refuse to start without.
set -eu
cd "$(dirname "$0")/.."
case "${1:-rasa}" in
  rasa)
    # The channels' credentials, from the FACEBOOK_* variables when they are set.
    python -m scripts.make_credentials /tmp/credentials.yml
    # The HTTP API's token is read from RASA_AUTH_TOKEN by scripts/rasa_cli.py (never an argument).
    exec python -m scripts.rasa_cli run --enable-api --port "${RASA_PORT:-5005}" \
      --model "$MODEL_PATH" --endpoints endpoints.yml --credentials /tmp/credentials.yml \
      --cors "${RASA_CORS_ORIGINS:?set RASA_CORS_ORIGINS to the web app's origin}"
    ;;
  actions) exec python -m actions ;;
  web) exec python -m web ;;
  analytics) exec python -m shop.analytics ;;
  outbound) exec python -m shop.outbound ;;
  migrate) exec python -m shop.migrations ;;
  *)
    echo "usage: entrypoint.sh rasa|actions|web|analytics|outbound|migrate" >&2
    exit 2
    ;;
esac

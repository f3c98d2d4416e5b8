#!/usr/bin/env bash
# Installs (Debian packages) what the tests need besides Python: PostgreSQL with a `shop` role
# and `shop_test` database, Redis and RabbitMQ (started; the tests start RabbitMQ nodes of their
# own too), Chromium for the browser tests and nginx for the cluster (started by
# scripts/cluster.py itself). Idempotent; needs root.
set -euo pipefail
need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true  # "already running" is fine
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
# From / : the postgres user may not enter the caller's directory (a mktemp clone, say).
( cd / && su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='shop'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE shop LOGIN PASSWORD 'shop' CREATEDB\"" )
( cd / && su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='shop_test'\"" | grep -q 1 \
  || su postgres -c "createdb -O shop shop_test" )
echo "PostgreSQL $version: postgresql://shop:shop@127.0.0.1:5432/shop_test"

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" >/dev/null
fi
for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done
echo "Redis: redis://127.0.0.1:6379"

# Debian's package does not start it in a container (no init): started as its own user.
if ! rabbitmq-diagnostics -q check_running >/dev/null 2>&1; then
  rabbitmq-server -detached >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do rabbitmq-diagnostics -q check_running >/dev/null 2>&1 && break; sleep 1; done
fi
echo "RabbitMQ: amqp://guest:guest@127.0.0.1:5672/ (EVENT_BROKER_URL to publish there)"
echo "Chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"

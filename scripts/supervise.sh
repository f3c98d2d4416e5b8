# shellcheck shell=bash
# Sourced by scripts/run.sh: keeps a server running (restarted when it exits) with its log
# appended and rotated. Tested by tests/scripts/test_supervise.py.
LOG_MAX_BYTES=${LOG_MAX_BYTES:-10485760}
rotate() { # log: past LOG_MAX_BYTES it becomes log.1 (log.1 becomes log.2, ... up to log.3)
  local log=$1
  [ -f "$log" ] && [ "$(stat -c %s "$log")" -gt "$LOG_MAX_BYTES" ] || return 0
  for i in 2 1; do [ -f "$log.$i" ] && mv -f "$log.$i" "$log.$((i + 1))"; done
  mv -f "$log" "$log.1"
}

supervise() { # name log command...: runs the command, appending to its log, and restarts it when it exits
  local name=$1 log=$2 delay=1 child started code
  shift 2
  trap '[ -n "${child:-}" ] && kill -TERM "$child" 2>/dev/null; wait "${child:-}" 2>/dev/null; exit 0' TERM INT
  while true; do
    rotate "$log"
    started=$SECONDS
    echo "--- $(date -u +%FT%TZ) starting $name" >>"$log"
    "$@" >>"$log" 2>&1 &
    child=$!
    wait "$child"
    code=$?
    echo "$(date -u +%FT%TZ) $name exited (code $code); restarting it in ${delay} s (log: $log)"
    sleep "$delay" &
    child=$!
    wait "$child"
    # Quick crashes back off up to 30 s; a server that ran a while restarts at once.
    if ((SECONDS - started > 60)); then delay=1; else delay=$((delay < 30 ? delay * 2 : 30)); fi
  done
}

#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 installs only on 3.8-3.10; the
# project pins 3.10). pyenv's python3.10 shim answers only when PYENV_VERSION names a 3.10,
# so pyenv's own version folders are searched directly too.
set -u

is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
candidates+=(python3.10)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for dir in $(ls -d "$root"/versions/3.10* 2>/dev/null | sort -V -r); do
    candidates+=("$dir/bin/python3.10" "$dir/bin/python")
  done
fi
for dir in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10* 2>/dev/null | sort -V -r); do
  candidates+=("$dir/bin/python")
done
candidates+=(/usr/local/bin/python3.10 /usr/bin/python3.10 python3 python)

for candidate in "${candidates[@]}"; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if is_310 "$path"; then
    echo "$path"
    exit 0
  fi
done

cat >&2 <<'MSG'
No Python 3.10 found. Rasa 3.6 installs only on Python 3.8-3.10 (3.11 and newer are refused),
and this project pins 3.10. Install one of:
  pyenv install 3.10            (then run make again; no need to activate it)
  apt-get install python3.10 python3.10-venv
or point PYTHON at an interpreter: make PYTHON=/path/to/python3.10 test
MSG
exit 1

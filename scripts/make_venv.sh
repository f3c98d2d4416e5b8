#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the pinned dependencies (constraints.txt pins
# every transitive package to the versions the project was tested with).
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/find_python.sh)
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)'; then
  rm -rf .venv
  echo "Creating .venv with $python"
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade "pip==24.2" "wheel==0.45.1" "setuptools<71" 2>&1 | { grep -v "^WARNING: Location" || true; }
# The machine may list extra local package folders that do not exist; their warnings are noise.
.venv/bin/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt -c constraints.txt 2>&1 | { grep -v "^WARNING: Location" || true; }
# The project itself, editable: shop/, actions/, addons/ and web/ import from this checkout.
.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e . 2>&1 | { grep -v "^WARNING: Location" || true; }
touch .venv/.installed
echo "Dependencies installed in .venv"

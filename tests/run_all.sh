#!/usr/bin/env bash
# Install everything the tests need (Debian's Chromium and fonts, the Python packages) and run
# every test: lint, import contracts, the documentation build, unit, API and headless-browser
# tests. Runs as root without input.
set -euo pipefail
cd "$(dirname "$0")/.."
export DASH_DISABLE_VERSION_CHECK=true
# PostgreSQL with PostGIS: tests/pg_server.py starts a private server from these packages.
if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-dejavu-core poppler-utils \
    postgresql postgresql-postgis >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core poppler-utils \
    postgresql postgresql-postgis >/dev/null
fi
PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check -r requirements.txt -r tests/requirements.txt
# axe-core (accessibility checks injected into the page by the browser tests), pinned, into
# tests/.axe (not part of the repository).
if [ ! -f tests/.axe/node_modules/axe-core/axe.min.js ] || \
    ! grep -q '"version": "4.11.0"' tests/.axe/node_modules/axe-core/package.json; then
  if ! command -v npm >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix tests/.axe axe-core@4.11.0
fi
python3 -m ruff check .
lint-imports
# The documentation must build with every link intact; the site goes to a temporary folder.
# (Never --quiet: it hides the warnings that --strict turns into errors, and the build passes.)
docs_site="$(mktemp -d)"
trap 'rm -rf "$docs_site"' EXIT
NO_MKDOCS_2_WARNING=1 python3 -m mkdocs build --strict --site-dir "$docs_site"
python3 -m pytest -q -p no:cacheprovider

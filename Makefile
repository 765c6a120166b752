# Limes: two commands for a fresh Debian machine with Python 3.11 (see README).
#   make run    set everything up and start the live demo: feed simulator, poller and dashboard
#   make test   set everything up and run the whole test suite (browser tests included)

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get

.PHONY: setup run test bench python-deps test-deps catalogs

python-deps:
	@$(PY) -c 'import ensurepip' >/dev/null 2>&1 || { $(APT) update && $(APT) install -y python3-venv; }

# Test-only system tools: the browser, GDAL's reference viewshed, and poppler to render PDF pages.
test-deps:
	@command -v chromium >/dev/null 2>&1 && command -v gdal_viewshed >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || \
	  { $(APT) update && $(APT) install -y --no-install-recommends chromium gdal-bin poppler-utils; }

$(BIN)/limes: pyproject.toml
	$(MAKE) python-deps
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/limes

run: setup
	$(BIN)/limes demo --port $(PORT)

test: setup test-deps
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/limes bench

# Bring every language's catalog in step with the messages in the code (new ones untranslated, obsolete ones dropped).
catalogs: setup
	$(BIN)/python -m geo.i18n.extraction .

# Limes: two commands for a fresh Debian machine with Python 3.11 (see README).
#   make run    set everything up and start the live demo: feed simulator, poller and dashboard
#   make test   set everything up and run the whole test suite (browser tests included)

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
FEED_PORT ?= 8765
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get

.PHONY: setup run test bench python-deps test-deps catalogs

python-deps:
	@$(PY) -c 'import ensurepip' >/dev/null 2>&1 || { $(APT) update && $(APT) install -y python3-venv; }

# Test-only system tools: the browser, GDAL's reference viewshed, poppler to render PDF pages, HAProxy (two servers,
# one address) and GRASS (grass-core: r.cost/r.drain, the routes' cross-check; ~42 MB download, ~8 s to install).
test-deps:
	@command -v chromium >/dev/null 2>&1 && command -v gdal_viewshed >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && \
	  command -v haproxy >/dev/null 2>&1 && command -v grass >/dev/null 2>&1 || \
	  { $(APT) update && $(APT) install -y --no-install-recommends chromium gdal-bin poppler-utils haproxy grass-core; }

# `make run` installs the app alone (no test tools), with pip's progress shown; `make test` and `make bench` add the
# test extra on top. Stamp files in the virtual environment remember what is installed.
$(VENV)/.installed-run: pyproject.toml
	$(MAKE) python-deps
	@echo "Setting up $(VENV): Limes and its libraries (a few minutes the first time; pip shows its progress)"
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade --progress-bar on pip
	$(BIN)/pip install --progress-bar on -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-run
	@echo "Adding the test tools (pytest, Playwright, ...)"
	$(BIN)/pip install --progress-bar on -e '.[test]'
	touch $@

setup: $(VENV)/.installed-test

run: $(VENV)/.installed-run
	$(BIN)/limes demo --port $(PORT) --feed-port $(FEED_PORT)

test: setup test-deps
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/limes bench

# Bring every language's catalog in step with the messages in the code (new ones untranslated, obsolete ones dropped).
catalogs: setup
	$(BIN)/python -m geo.i18n.extraction .

# The two commands: `make run` (the demo platform on 127.0.0.1:8000) and `make test`.
SHELL := /bin/sh
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed

.PHONY: run test pytest system lint bench messages clean

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: $(INSTALLED) $(NODE_INSTALLED)
	$(PY) scripts/run_platform.py

system:
	./scripts/install-system-packages.sh

test: system $(INSTALLED) $(NODE_INSTALLED)
	$(MAKE) lint
	$(PY) scripts/devservices.py run --postgres --redis -- $(MAKE) pytest

# Playwright's sync API cannot share a process with pytest-asyncio's loop: browser tests run apart.
# WebRTC calls run in a network namespace with only `lo` (else Chromium sends media over the
# host's network), so they get their own PostgreSQL and Redis inside it (tests/webrtc). A user
# keeps their own uid there (`-r` would make them root, and postgres refuses root).
pytest:
	$(PY) -m pytest -m "not browser and not webrtc"
	$(PY) -m pytest -m browser
	if [ "$$(id -u)" = 0 ]; then unshare_net="unshare --net"; else unshare_net="unshare --net --map-current-user --keep-caps"; fi; \
	$$unshare_net sh -c 'ip link set lo up && exec $(PY) scripts/devservices.py run --private --postgres --redis -- $(PY) -m pytest -m webrtc'

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

bench: $(INSTALLED)
	$(PY) scripts/devservices.py run --postgres --redis -- $(PY) -m bench

messages: $(INSTALLED)
	$(PY) manage.py makemessages --locale it --ignore '.venv/*' --ignore 'node_modules/*'
	$(PY) manage.py compilemessages --locale it --ignore '.venv/*' --ignore 'node_modules/*'

clean:
	rm -rf $(VENV) node_modules var .cache

# Two set-up commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PORT ?= 8000
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint format clean browser-deps lock

# Debian packages the browser tests need: Chromium (driven by Playwright from PyPI) and a Korean font.
BROWSER_PACKAGES := chromium fonts-noto-cjk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Exact versions with their hashes from the lock files (`make lock` writes them from pyproject.toml), then
# jobmatch itself without resolving anything again.
$(VENV)/.installed: pyproject.toml requirements/runtime.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/runtime.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# test.lock is runtime.lock plus the test tools, at the same versions: the tests run what is deployed.
$(VENV)/.installed-test: pyproject.toml requirements/runtime.lock requirements/test.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/jobmatch demo --port $(PORT)

# Installs them with apt-get only when one is missing (as root, or through sudo); silent otherwise.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=ko 2>/dev/null | grep -q .; then \
		echo "installing $(BROWSER_PACKAGES) with apt-get (for the browser tests)"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	fi

test: $(VENV)/.installed-test browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n auto --dist loadfile

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Rewrites the lock files from pyproject.toml (Python 3.11 on Linux x86_64, PyPI): after changing a dependency,
# or to take upstream fixes. uv only resolves here; installing uses pip alone.
UV_VERSION := 0.13.9
LOCK_FLAGS := --python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes --quiet \
	--custom-compile-command "make lock" --index-url https://pypi.org/simple
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile pyproject.toml --extra postgres $(LOCK_FLAGS) $(UPGRADE) -o requirements/runtime.lock
	$(BIN)/uv pip compile pyproject.toml --extra test -c requirements/runtime.lock $(LOCK_FLAGS) $(UPGRADE) \
		-o requirements/test.lock

clean:
	rm -rf $(VENV) var test-output

# The two commands of the README.  Each creates .venv and installs what it needs.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8001

.PHONY: serve test install

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Build the bundled corpus into policies.db and serve it on 127.0.0.1.
serve: install
	$(VENV)/bin/policykb build corpus --db policies.db
	@echo "policykb: open http://127.0.0.1:$(PORT)/"
	$(VENV)/bin/policykb serve --db policies.db --port $(PORT)

# The whole test suite.  pytest exits 5 when it collects nothing; that is
# reported as such instead of as an error (make would turn it into 2).
test: install
	$(PY) -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "0 passed, 0 failed: no tests collected"; exit 0; fi; \
	exit $$status

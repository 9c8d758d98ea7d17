# make run   : set up, then open the application on the bundled Lancashire 2017 demo database
# make test  : set up, then run ruff, the import contracts and the whole test suite offscreen, then
#              the storage, analysis and domain tests again on PostgreSQL (when it is installed)
# make bench : set up, then print the benchmark figures
# make screenshots : set up, then write screenshots/<theme>/<page>.png of every page, the detail
#              panel, a proposal and the other screens and dialogs (ui/dialogs/gallery.py) at
#              1366x768 in the light, dark and high-contrast themes
# make fuzz  : set up, then feed the import many more mutated extracts than make test does
#              (FUZZ_EXAMPLES=N to choose how many; about 30 a second)
# make bundle : build the one-folder application dist/ncpi-desktop/ with PyInstaller, from a
#              build environment of its own (build/bundle-venv: the runtime dependencies and
#              pyinstaller, nothing else), print its size, and run its selftest
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := demo-data/lancashire-2017.sqlite3
# An encrypted demo has its key file beside it; a demo left by a version before encryption has
# none, and is built again.
DEMO_KEYS := $(DEMO_DB).keys

.PHONY: run test bench lint demo clean fuzz screenshots bundle

FUZZ_EXAMPLES ?= 10000

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(DEMO_KEYS): | $(STAMP)
	@mkdir -p demo-data
	$(BIN)/ncpi-desktop demo --profile lancashire-2017 --db $(DEMO_DB) --force

demo: $(DEMO_KEYS)

run: $(STAMP) $(DEMO_KEYS)
	$(BIN)/ncpi-desktop --db $(DEMO_DB) --as-at 2017-10-09

lint: $(STAMP)
	$(BIN)/ruff check ncpi_desktop tests benchmarks
	$(BIN)/lint-imports

# The storage, analysis and domain tests run a second time with every test register on a
# throwaway PostgreSQL server (tests/postgres.py), when PostgreSQL is installed.
PG_TESTS := tests/storage tests/analysis tests/domain

test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q
	@why=$$($(BIN)/python -c "import sys; sys.path.insert(0, 'tests'); import postgres; \
		print(postgres.available() or '')"); \
	if [ -z "$$why" ]; then \
		echo "Again on PostgreSQL: $(PG_TESTS)"; \
		NCPI_TEST_DATABASE=postgresql QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q \
			-p no:cacheprovider $(PG_TESTS); \
	else echo "Not run on PostgreSQL: $$why"; fi

fuzz: $(STAMP)
	NCPI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q \
		-p no:cacheprovider tests/exchange/test_import_fuzz.py

screenshots: $(STAMP) $(DEMO_KEYS)
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(BIN)/python tools/screenshots.py --db $(DEMO_DB)

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/run.py

BUNDLE_VENV := build/bundle-venv
BUNDLE_STAMP := $(BUNDLE_VENV)/.installed
PYINSTALLER_VERSION ?= >=6.6,<7

$(BUNDLE_STAMP): pyproject.toml packaging/requirements.py
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv --clear $(BUNDLE_VENV)
	$(BUNDLE_VENV)/bin/pip install --quiet --upgrade pip
	$(PYTHON) packaging/requirements.py > build/bundle-requirements.txt
	$(BUNDLE_VENV)/bin/pip install --quiet -r build/bundle-requirements.txt 'pyinstaller$(PYINSTALLER_VERSION)'
	@touch $(BUNDLE_STAMP)

bundle: $(BUNDLE_STAMP)
	rm -rf dist/ncpi-desktop build/pyinstaller
	@start=$$(date +%s); \
	$(BUNDLE_VENV)/bin/pyinstaller --noconfirm --log-level ERROR --distpath dist \
		--workpath build/pyinstaller packaging/ncpi-desktop.spec && \
	echo "built dist/ncpi-desktop/ in $$(( $$(date +%s) - start )) s"
	@du -sh dist/ncpi-desktop | sed 's/\t.*/ dist\/ncpi-desktop\//; s/^/size: /'
	dist/ncpi-desktop/ncpi-desktop --version
	dist/ncpi-desktop/ncpi-desktop selftest

clean:
	rm -rf $(VENV) demo-data bench-out screenshots build dist

# Two entry points (see README "Quick start"):
#   make run   – create .venv, install jinmyaku, run the default scenario
#   make test  – create .venv, install jinmyaku with test extras, run the suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench catalogues clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/jinmyaku run default --out runs/default

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The reports' message catalogues (docs/architecture.md, "Reports and languages"): extract
# the messages, update the English and Japanese .po files, compile the .mo files shipped
# with the package. Run after changing a message or a translation; commit all four files.
LOCALE := src/jinmyaku/faces/render/locale
catalogues: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ -k n_:1,2 --no-location --sort-output \
		--omit-header --project jinmyaku -o $(LOCALE)/jinmyaku.pot .
	$(BIN)/pybabel update -i $(LOCALE)/jinmyaku.pot -d $(LOCALE) -D jinmyaku -l en \
		--init-missing --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel update -i $(LOCALE)/jinmyaku.pot -d $(LOCALE) -D jinmyaku -l ja \
		--init-missing --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALE) -D jinmyaku --statistics

clean:
	rm -rf $(VENV) runs .pytest_cache

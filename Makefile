# Self-bootstrapping: `make demo` and `make test` work on a machine with only python3 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CK     := $(BIN)/compliance-kit
SAMPLE := data/sample
DB     := data/compliance.duckdb
POLICY := data/policy/tencent-cloud/2022-05-25/policy.yaml
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install git-filter demo test lab sample store chromium java bench clean mutate

# `make` alone: the virtualenv and the git clean filter.
install: $(STAMP) git-filter

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Notebooks reach git without outputs: .gitattributes sends every *.ipynb through the
# `nbstripout` clean filter (installed by the test extra), configured here for this clone.
# Idempotent (git config overwrites); outside a git checkout of this folder it does
# nothing. git runs a filter from the top of the work tree, so the relative path is each
# checkout's (and worktree's) own .venv. --keep-id keeps the cell ids, so a committed
# clean notebook passes through unchanged.
git-filter: | $(STAMP)
	@if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" -ef . ]; then \
	  git config filter.nbstripout.clean "'$(BIN)/python' -m nbstripout --keep-id" && \
	  git config filter.nbstripout.smudge cat && \
	  git config filter.nbstripout.required true && \
	  git config diff.ipynb.textconv "'$(BIN)/python' -m nbstripout --keep-id -t" && \
	  echo "git: notebooks are committed through the nbstripout filter (.gitattributes)"; \
	else echo "not a git checkout: no notebook clean filter to set up"; fi

# The default synthetic sample: small enough for a demo in seconds.
$(SAMPLE)/manifest.json: | $(STAMP)
	$(CK) synth --out $(SAMPLE) --accounts 2000 --seed 7

sample: $(SAMPLE)/manifest.json

store: $(STAMP) sample
	$(CK) build --policy $(POLICY) --data $(SAMPLE) --db $(DB)

demo: store git-filter
	$(CK) demo --db $(DB)

# Debian packages the tests need, installed only when missing: as root with apt-get, else
# through sudo when there is one (it may ask for your password), else a message saying
# what to install. $(call apt_install,COMMAND,PACKAGE,WHY)
UID_ := $(shell id -u)
define apt_install
	@command -v $(1) >/dev/null 2>&1 || { \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "make: $(3) need '$(1)': no apt-get here; install $(2) (or your system's equivalent) and rerun" >&2; exit 1; \
	  elif [ "$(UID_)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; echo "installing $(2) with sudo (it may ask for your password)"; \
	  else echo "make: $(3) need '$(1)': run as root, or install it first: apt-get install --no-install-recommends $(2)" >&2; exit 1; fi; \
	  echo "installing Debian $(2) for $(3)"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(2) >/dev/null \
	  || { echo "make: could not install $(2); install it by hand (apt-get install --no-install-recommends $(2)) and rerun" >&2; exit 1; }; }
endef

# Debian's chromium for the dashboard browser test.
chromium:
	$(call apt_install,chromium,chromium,the browser tests)

# Debian's Java 17 for the Spark engine's tests (pyspark runs a local JVM).
java:
	$(call apt_install,java,openjdk-17-jre-headless,the Spark tests)

test: store git-filter chromium java
	$(BIN)/python -m pytest

# JupyterLab on notebooks/ with the store built; Jupyter prints the URL (with its token).
# Jupyter refuses to run as root without --allow-root, so it is added for root only
# (and no browser is opened from a root session). LAB_ARGS adds options, e.g. --port=8890.
LAB_ROOT := $(if $(filter 0,$(UID_)),--allow-root --no-browser,)
LAB_ARGS ?=
lab: store git-filter
	@echo "JupyterLab on notebooks/ with the store $(DB); open the URL Jupyter prints below (Ctrl-C stops it)"
	COMPLIANCE_KIT_DB='$(abspath $(DB))' $(BIN)/jupyter lab --ServerApp.root_dir='$(abspath notebooks)' $(LAB_ROOT) $(LAB_ARGS)

# Benchmarks at 10 million rows (minutes each, data cached under bench/out/); figures in bench/README.md.
bench: store java
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_retention.py --rows 10000000
	$(BIN)/python bench/bench_requests.py --rows 10000000
	$(BIN)/python bench/bench_floor.py --rows 10000000
	$(BIN)/python bench/bench_flows.py --rows 10000000 --routes 2000
	$(BIN)/python bench/bench_runner.py
	$(BIN)/python bench/bench_spark.py --rows 10000000

# Mutation testing (not part of `make test`; minutes): each mutant of tests/mutation/mutants.yaml
# is applied to a temporary copy of lib/ and the tests that cover its file must fail; prints
# the score. docs/mutation.md.
mutate: $(STAMP)
	nice $(BIN)/python tests/mutation/mutate.py --jobs 2

clean:
	rm -rf $(VENV) $(SAMPLE) $(DB) reports/*/ reports/index.html

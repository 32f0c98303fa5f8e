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

.PHONY: demo test lab sample store chromium java bench clean mutate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The default synthetic sample: small enough for a demo in seconds.
$(SAMPLE)/manifest.json: | $(STAMP)
	$(CK) synth --out $(SAMPLE) --accounts 2000 --seed 7

sample: $(SAMPLE)/manifest.json

store: $(STAMP) sample
	$(CK) build --policy $(POLICY) --data $(SAMPLE) --db $(DB)

demo: store
	$(CK) demo --db $(DB)

# Debian's chromium for the dashboard browser test (CI runs as root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# Debian's Java 17 for the Spark engine's tests (pyspark runs a local JVM; CI runs as root).
java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing Debian openjdk-17-jre-headless for the Spark tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; }

test: store chromium java
	$(BIN)/python -m pytest

lab: store
	$(BIN)/jupyter lab notebooks/

# Benchmarks at 10 million rows (minutes each, data cached under bench/out/); figures in bench/README.md.
bench: store java
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_retention.py --rows 10000000
	$(BIN)/python bench/bench_requests.py --rows 10000000
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

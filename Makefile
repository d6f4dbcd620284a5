# Two commands do all set-up on a fresh machine:
#   make run    creates .venv (if missing), installs roots into it, runs the pipeline on the bundled sample -> out/sample/
#               (shards, report.json, report.html), trains the sample's tokenizer -> out/sample/tokenizer/ and
#               tokenizes the run for Megatron -> out/sample/tokens/
#   make test   same set-up, then lint and the whole test suite
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.roots-installed
OUT     ?= out/sample

.PHONY: run test lint bench jars clean help browser

help:
	@echo "make run    - run the pipeline on manifests/sample.yaml into $(OUT)/ (creates $(VENV))"
	@echo "make test   - lint and run the tests (creates $(VENV))"
	@echo "make bench  - print throughput and memory figures"
	@echo "make jars   - fetch Beam's Flink and Spark job-server jars into $(JARS)/ (needs Maven Central)"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/roots run manifests/sample.yaml --out $(OUT) --overwrite
	$(VENV)/bin/roots tokenizer manifests/tokenizer.yaml --out $(OUT)/tokenizer --shards $(OUT)/shards/index.json
	$(VENV)/bin/roots tokenize $(OUT) --tokenizer $(OUT)/tokenizer -q
	$(VENV)/bin/roots report $(OUT) --tokenizer $(OUT)/tokenizer > /dev/null
	@echo "report: $(OUT)/report.html  tokenizer: $(OUT)/tokenizer/tokenizer.json  tokens: $(OUT)/tokens/"

lint: $(STAMP)
	$(VENV)/bin/ruff check core pipeline filters tokenizer manifests reports tests bench

test: $(STAMP) lint browser
	$(PY) -m pytest

# The browser test of `roots tune`'s page drives Debian's Chromium through its ChromeDriver (selenium, from the test
# extra, is given both paths: nothing is downloaded). Installed here when missing and we are root (CI: fresh Debian 12).
CHROMIUM     ?= /usr/bin/chromium
CHROMEDRIVER ?= /usr/bin/chromedriver
browser:
	@if [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "make browser: $(CHROMIUM) or $(CHROMEDRIVER) missing: run as root, or apt-get install chromium chromium-driver"; \
	  exit 1; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get -o DPkg::Lock::Timeout=600 update -q && \
	apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends chromium chromium-driver

bench: $(STAMP)
	$(PY) -m bench

# Beam's job servers for FlinkRunner / SparkRunner, fetched once with Maven (Beam's own download bypasses the
# machine's Maven set-up). No test depends on them.
BEAM_VERSION  ?= 2.77.0
FLINK_VERSION ?= 1.20
JARS          ?= build/jars
jars:
	mvn -B -q dependency:copy -Dartifact=org.apache.beam:beam-runners-flink-$(FLINK_VERSION)-job-server:$(BEAM_VERSION) -DoutputDirectory=$(JARS)
	mvn -B -q dependency:copy -Dartifact=org.apache.beam:beam-runners-spark-3-job-server:$(BEAM_VERSION) -DoutputDirectory=$(JARS)

clean:
	rm -rf out .pytest_cache

# Joule — make demo | make test | make bench | make notebooks | make docs
SWIFT ?= swift
APT_PACKAGES := libyaml-dev libgsl-dev liblapacke-dev libedit-dev pkg-config
TEST_PACKAGES := tmux chromium
RELEASE_BIN := .build/release/joule
DEBUG_BIN := .build/debug/joule

.PHONY: all deps test-deps build release demo test lint check-files test-report report-screenshot docs docs-plots test-cluster test-kit fuzz fuzz-quick fuzz-regressions test-fuzz bench notebooks clean

all: build

# Installs the Debian packages named in $(1) that are missing (as root), or says how.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing packages:$$missing — run: sudo apt-get install$$missing"; exit 1; fi; \
	fi
endef

# The C libraries Joule links against.
deps:
	$(call apt_install,$(APT_PACKAGES))

# What the tests need beyond the build: tmux gives the REPL test a real terminal; chromium opens
# the HTML reports (test-report).
test-deps:
	$(call apt_install,$(TEST_PACKAGES))

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product joule

# A short showcase of what Joule answers today.
demo: release
	$(RELEASE_BIN) show hardware h100-sxm
	$(RELEASE_BIN) check Hardware/*.yaml

lint:
	$(SWIFT) format lint --strict -r Sources Tests Benchmarks Package.swift

check-files: build
	$(DEBUG_BIN) check Hardware/*.yaml Models/*.yaml Models/hf/*/config.json Clusters/*.yaml Workloads/*.yaml Examples/fleets/*.yaml

test: deps test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory check-files
	$(MAKE) --no-print-directory test-report
	$(MAKE) --no-print-directory test-kit
	$(MAKE) --no-print-directory test-fuzz fuzz-regressions fuzz-quick
	$(MAKE) --no-print-directory test-cluster
	$(MAKE) --no-print-directory notebooks

# `joule report` pages opened in headless Chromium (Tools/report, DevTools Protocol, stdlib
# Python): no console errors, tables sort on a header click, a Pareto point shows its design on
# hover, filters hide rows and points, screenshots are not blank. Screenshots go to out/report-test/.
# Two sweeps: llama (infeasible points, two objectives, points coloured by precision with
# --color-by) and vit (three objectives: a chart menu).
REPORT_OUT := out/report-test
REPORT_SWEEPS := llama-decode-precision-batch vit-dataflow-aspect
define report_pages
	rm -rf $(REPORT_OUT) && mkdir -p $(REPORT_OUT)
	$(DEBUG_BIN) report eval llama-2-7b tpu-v1 --phase decode --context 1024 --out $(REPORT_OUT)/eval.html
	color="--color-by precision"; for s in $(REPORT_SWEEPS); do \
	  $(DEBUG_BIN) sweep Sweeps/$$s.yaml --out $(REPORT_OUT)/$$s >/dev/null 2>&1 && \
	  $(DEBUG_BIN) report sweep $(REPORT_OUT)/$$s $$color --out $(REPORT_OUT)/$$s.html || exit 1; \
	  color=""; \
	done
	timeout 120 python3 Tools/report/check_reports.py --eval $(REPORT_OUT)/eval.html --out $(REPORT_OUT)/screenshots \
	  $(foreach s,$(REPORT_SWEEPS),--sweep $(REPORT_OUT)/$(s).html --points $(REPORT_OUT)/$(s)/points.csv) $(1)
endef

test-report: build test-deps
	python3 -m unittest discover -s Tools/report -p "test_*.py"
	$(call report_pages,)

# docs/report.png, the README's screenshot: the sweep report with a Pareto point hovered, as the
# browser test sees it.
report-screenshot: build test-deps
	$(call report_pages,--docs-screenshot docs/report.png)

# docs/: every figure the README shows, regenerated from the current code (never hand-edited).
# `joule plot` writes SVG into out/docs/; headless Chromium turns each into a PNG at twice its
# size (the page sized to the SVG's own width and height). `make docs` also retakes the report
# screenshot (report-screenshot).
DOCS_OUT := out/docs
DOCS_JOULE := $(RELEASE_BIN)
define docs_png
	size=$$(grep -o -m1 '<svg [^>]*' $(1) | sed -n 's/.* width="\([0-9.]*\)" height="\([0-9.]*\)".*/\1,\2/p'); \
	  test -n "$$size" || { echo "no size in $(1)"; exit 1; }; \
	  timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=2 \
	    --window-size=$$size --screenshot=$(CURDIR)/$(2) file://$(CURDIR)/$(1) >/dev/null 2>&1 && test -s $(2) \
	  && echo "wrote $(2) ($$size px at 2x)"
endef

docs-plots: release test-deps
	rm -rf $(DOCS_OUT) && mkdir -p $(DOCS_OUT)
	$(DOCS_JOULE) plot roofline llama-2-7b tpu-v1 --phase decode --context 2048 --out $(DOCS_OUT)/roofline.svg
	$(DOCS_JOULE) plot roofline llama-2-7b h100-sxm --phase decode --batch 64 --context 2048 --level HBM --out $(DOCS_OUT)/roofline-h100.svg
	$(DOCS_JOULE) plot breakdown llama-2-7b tpu-v1 --phase decode --context 2048 --out $(DOCS_OUT)/breakdown.svg
	$(DOCS_JOULE) plot dvfs llama-2-7b h100-sxm --phase decode,prefill --out $(DOCS_OUT)/dvfs.svg
	$(DOCS_JOULE) plot traffic llama-2-7b edge-tpu --level SRAM --sequence 4096 --to 8MiB --out $(DOCS_OUT)/traffic.svg
	$(DOCS_JOULE) sweep Sweeps/bert-sram-array.yaml --out $(DOCS_OUT)/bert-sram-array >/dev/null
	$(DOCS_JOULE) plot pareto $(DOCS_OUT)/bert-sram-array --color-by compute.array.rows --out $(DOCS_OUT)/pareto.svg
	@for f in roofline roofline-h100 breakdown dvfs traffic pareto; do \
	  $(call docs_png,$(DOCS_OUT)/$$f.svg,docs/$$f.png) || exit 1; \
	done

docs: docs-plots report-screenshot

# The GPU measurement kit's CPU-only paths (arguments, suite, fake backend, CSV).
test-kit:
	python3 -m unittest discover -s Tools/measure-gpu -p "test_*.py"

# The mutation fuzzer (Tools/fuzz): every input kind and command through the debug joule under a
# time and memory limit; failure classes with minimised reproducers go to out/fuzz/.
FUZZ := python3 Tools/fuzz/fuzz.py --joule $(DEBUG_BIN)
test-fuzz:
	python3 -m unittest discover -s Tools/fuzz -p "test_*.py"

fuzz-quick: build test-fuzz
	$(FUZZ) --seed 1 --count 240 --kinds all --save out/fuzz-quick --reduce-seconds 30 --quiet

fuzz: build test-fuzz
	$(FUZZ) --seed $${SEED:-1} --count $${COUNT:-2400} --kinds all --save out/fuzz

fuzz-regressions: build
	$(FUZZ) --regressions

# A one-node Slurm cluster on this machine runs a sharded sweep (installs slurm and munge as root).
test-cluster: build
	JOULE=$(PWD)/$(DEBUG_BIN) bash Tools/slurm/test-cluster.sh

# The Jupyter notebooks in Notebooks/, executed headless (any cell error fails) into Notebooks/executed/,
# with the release joule ($JOULE overrides it), in a virtual environment in .venv/ (nothing installed globally).
VENV := .venv
$(VENV)/.notebooks-ready: Notebooks/requirements.txt
	@if [ ! -x $(VENV)/bin/python ] && ! python3 -m venv $(VENV) >/dev/null 2>&1; then \
	  rm -rf $(VENV); echo "python3 -m venv failed (no ensurepip: Debian's python3-venv); creating $(VENV) without pip"; \
	  python3 -m venv --without-pip $(VENV); \
	fi
	@if $(VENV)/bin/python -m pip --version >/dev/null 2>&1; then pip="$(VENV)/bin/python -m pip"; \
	else pip="python3 -m pip --python $(VENV)/bin/python"; fi; \
	echo "$$pip install -r Notebooks/requirements.txt"; \
	$$pip install --quiet --disable-pip-version-check -r Notebooks/requirements.txt
	@touch $@

notebooks: release $(VENV)/.notebooks-ready
	JOULE="$${JOULE:-$(CURDIR)/$(RELEASE_BIN)}" $(VENV)/bin/python Notebooks/run_notebooks.py

# Mapper and evaluation speed, release build (a benchmark, not a timed test).
bench: deps
	$(SWIFT) build -c release --product joule-bench
	.build/release/joule-bench --record Benchmarks/results.md

clean:
	rm -rf .build

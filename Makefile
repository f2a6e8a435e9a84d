# bulkhead — see README.md. Every target works from a fresh Debian 12 machine as root.
PYTHON    ?= python3
IMAGE     ?= debian-min
SALT_DIR  := $(CURDIR)/build/salt
SALT_CALL := salt-call --local -c $(SALT_DIR)
PYTEST    ?= $(PYTHON) -m pytest

.PHONY: setup image salt-config demo apply test test-unit test-functional test-integration test-fleet bench lint clean

setup:                     ## install apt + Python dependencies, start virtlogd and libvirtd
	scripts/setup-host.sh

image: setup               ## build the tiny guest template from Debian packages (cached)
	bulkhead image build --name $(IMAGE)

salt-config:               ## masterless minion config pointing at this checkout's formula and pillar
	scripts/salt-config.sh $(SALT_DIR)

demo: image salt-config    ## provision the example workstation on qemu:///system and verify it
	scripts/lab-network.sh lab-internet
	$(SALT_CALL) state.apply bulkhead --state-output=changes
	scripts/lab-outside.sh outside
	scripts/demo-report.sh "$(SALT_CALL)"

apply: salt-config         ## apply the pillar in pillar/ (pass ARGS='test=True' for a dry run)
	$(SALT_CALL) state.apply bulkhead $(ARGS)

# --durations: CI logs name the slowest tests and fixtures, so a slower suite shows where.
# The unit and functional tiers run on every core (pytest-xdist); then the others in one session
# of their own: the hostile tier, then the tiers booting TCG guests (CPU bound, so alone; the
# integration and isolation tiers share booted guests). Both always run; either failing fails.
test:                      ## the full suite: unit, functional, integration, fleet (real TCG guests)
	$(PYTEST) --durations=40 -n auto tests/unit tests/functional; fast=$$?; \
	$(PYTEST) --durations=40 tests/hostile tests/fleet tests/integration tests/isolation; \
	guests=$$?; [ $$fast -eq 0 ] && [ $$guests -eq 0 ]

test-unit:
	$(PYTEST) -n auto tests/unit

test-functional:
	$(PYTEST) tests/functional

test-integration:
	$(PYTEST) tests/integration

test-fleet:                ## a salt-master and two minions provisioning two workstations here
	$(PYTEST) tests/fleet

bench:                     ## benchmarks; results go to BENCHMARKS.md by hand after review
	$(PYTHON) -m bench

lint:
	$(PYTHON) -m ruff check modules tests bench

clean:
	rm -rf build .pytest_cache

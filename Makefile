# vpcwarden — the README's two commands are `make demo` and `make test`.
# Tools come from PyPI into .venv/ (git-ignored); nothing else is assumed
# beyond the Rust toolchain and Python 3.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := $(CURDIR)/.venv
# checkov pins its own boto3; the linters live apart so moto's boto3 stays as pinned.
LINT_VENV := $(CURDIR)/.venv-lint
MOTO_VERSION := 5.2.5
CARGO_LAMBDA_VERSION := 1.9.2
BOTO3_VERSION := 1.44.5
CFN_LINT_VERSION := 1.58.0
CHECKOV_VERSION := 3.3.30
ZIG_VERSION := 0.17.0
# DuckDB runs the Athena engine's SQL in the tests (a real SQL engine over the same files).
DUCKDB_VERSION := 2.0.0
# Checks the JSON report against docs/report.schema.json in the tests.
JSONSCHEMA_VERSION := 4.26.0
# Drives Debian's Chromium (never its own browser download) in tests/browser.
PLAYWRIGHT_VERSION := 1.65.2
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TOOLS_STAMP := $(VENV)/.tools-$(MOTO_VERSION)-$(CARGO_LAMBDA_VERSION)-$(BOTO3_VERSION)-$(ZIG_VERSION)-$(DUCKDB_VERSION)-$(JSONSCHEMA_VERSION)-$(PLAYWRIGHT_VERSION)
LINT_STAMP := $(LINT_VENV)/.tools-$(CFN_LINT_VERSION)-$(CHECKOV_VERSION)
# The SAM CLI pins its own boto3 and cfn-lint: a venv of its own.
DEPLOY_VENV := $(CURDIR)/.venv-deploy
SAM_CLI_VERSION := 1.170.0
DEPLOY_STAMP := $(DEPLOY_VENV)/.tools-$(SAM_CLI_VERSION)
SAM := $(DEPLOY_VENV)/bin/sam
CARGO_FUZZ_VERSION := 0.13.2
# Outside the clone, like the build cache: CI's fresh clones reuse it.
RUST_TOOLS ?= $(HOME)/.cache/vpcwarden/tools
FUZZ_SECONDS ?= 300
BENCH_RUNS ?= 20

# Builds are shared across clones (CI's fresh clone reuses this machine's cache).
export CARGO_TARGET_DIR ?= $(HOME)/.cache/vpcwarden/target
export AWS_REGION ?= us-east-1
export PATH := $(VENV)/bin:$(RUST_TOOLS)/bin:$(PATH)

.PHONY: all tools browser samples lint-tools deploy-tools deploy deploy-check deploy-member build test unit demo bench bench-eip bench-store fmt lint infra-lint params package fuzz fuzz-build clean-tools

all: build

tools: $(TOOLS_STAMP)
lint-tools: $(LINT_STAMP)
deploy-tools: $(DEPLOY_STAMP)

$(TOOLS_STAMP):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check \
		"moto[server,ec2]==$(MOTO_VERSION)" "cargo-lambda==$(CARGO_LAMBDA_VERSION)" "boto3==$(BOTO3_VERSION)" \
		"ziglang==$(ZIG_VERSION)" "duckdb==$(DUCKDB_VERSION)" "jsonschema[format-nongpl]==$(JSONSCHEMA_VERSION)" \
		"playwright==$(PLAYWRIGHT_VERSION)"
	touch $@

## Debian's Chromium for the HTML reports' browser test (installed only where missing).
browser:
	@[ -x $(CHROMIUM) ] || { echo "installing Debian's chromium (for tests/browser)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

$(DEPLOY_STAMP):
	$(PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/pip install --quiet --disable-pip-version-check "aws-sam-cli==$(SAM_CLI_VERSION)"
	touch $@

$(LINT_STAMP):
	$(PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/pip install --quiet --disable-pip-version-check \
		"cfn-lint==$(CFN_LINT_VERSION)" "checkov==$(CHECKOV_VERSION)"
	touch $@

build:
	cargo build --workspace --all-targets

## Everything: unit, property and end-to-end tests (moto + cargo lambda watch).
test: tools browser build infra-lint
	scripts/with-standins.sh bash -c 'status=0; cargo test --workspace --no-fail-fast || status=$$?; \
		$(VENV)/bin/python -m unittest discover -s infra/tests -v || status=1; \
		VPCWARDEN_CHROMIUM=$(CHROMIUM) $(VENV)/bin/python -m unittest discover -s tests/browser -v || status=1; exit $$status'

## The deployment template: cfn-lint, checkov (no network: --skip-download), least-privilege IAM,
## and the DDL/SQL it embeds equal to what the code generates.
infra-lint: lint-tools
	$(LINT_VENV)/bin/cfn-lint infra/template.yaml infra/member.yaml
	$(LINT_VENV)/bin/checkov -f infra/template.yaml --framework cloudformation --compact --quiet --skip-download
	$(LINT_VENV)/bin/checkov -f infra/member.yaml --framework cloudformation --compact --quiet --skip-download
	$(LINT_VENV)/bin/python infra/check_iam.py infra/template.yaml
	$(LINT_VENV)/bin/python infra/check_iam.py infra/member.yaml
	mkdir -p .run && cargo run --quiet -p vpcwarden -- athena template >.run/athena-template.json
	$(LINT_VENV)/bin/python infra/check_ddl.py infra/template.yaml .run/athena-template.json

## docs/parameters.md from the templates (make test checks it is current).
params: lint-tools
	$(LINT_VENV)/bin/python infra/parameters_table.py docs/parameters.md

## The sample reports in docs/examples, from fixed inputs (tests/tests/samples.rs checks they are current).
samples:
	cargo run --quiet -p vpcwarden-e2e --bin samples -- docs/examples

## Unit and property tests only (no stand-ins needed).
unit:
	cargo test --workspace --lib --bins --test roundtrip --test matching --test edits --test validation

## The main job end to end against the local stand-ins.
demo: tools build
	scripts/with-standins.sh scripts/demo.sh

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

clean-tools:
	rm -rf $(VENV) $(LINT_VENV) $(DEPLOY_VENV)

## Benchmarks recorded in BENCHMARKS.md (release build).
bench: tools
	cargo build --release -p vpcwarden
	scripts/with-standins.sh $(VENV)/bin/python bench/endpoints_apply.py $(CARGO_TARGET_DIR)/release/vpcwarden $(BENCH_RUNS)
	FAULT_RATE=0 scripts/with-standins.sh $(VENV)/bin/python bench/endpoints_reconcile.py $(CARGO_TARGET_DIR)/release/vpcwarden 5
	bench/eip_throughput.sh $(CARGO_TARGET_DIR)/release/vpcwarden 3

## Only the local-engine throughput benchmark (>= 1 GB of generated CloudTrail vs gzip -dc).
bench-eip:
	cargo build --release -p vpcwarden
	bench/eip_throughput.sh $(CARGO_TARGET_DIR)/release/vpcwarden 3

## The event store on a generated 90-day trail: first run vs. steady state vs. full rescan.
bench-store: tools
	cargo build --release -p vpcwarden
	bench/eip_store.sh $(CARGO_TARGET_DIR)/release/vpcwarden

## Fuzzing: the policy parser, the CloudTrail record extractor (and its pre-filters),
## the MWAA event parser. cargo-fuzz needs nightly -Z flags: RUSTC_BOOTSTRAP lets the
## one stable toolchain here accept them; sanitizers are off (the crates are safe Rust,
## the fuzzer hunts panics, broken round-trips and broken invariants).
## Seeds: the policy fixtures, records from a generated trail, the MWAA event fixtures,
## and, when present beside the repo, ../shared/real-cloudtrail (read, never copied in).
FUZZ_TARGETS := parse_policy extract_record mwaa_event
$(RUST_TOOLS)/bin/cargo-fuzz:
	cargo install --quiet --locked --root $(RUST_TOOLS) cargo-fuzz --version $(CARGO_FUZZ_VERSION)

fuzz-build: $(RUST_TOOLS)/bin/cargo-fuzz
	cd fuzz && for t in $(FUZZ_TARGETS); do RUSTC_BOOTSTRAP=1 cargo fuzz build --sanitizer none $$t; done

fuzz: fuzz-build
	mkdir -p .run $(foreach t,$(FUZZ_TARGETS),fuzz/corpus/$(t))
	cp -n tests/fixtures/policies/*.json fuzz/corpus/parse_policy/ 2>/dev/null || true
	python3 scripts/fuzz_seeds.py fuzz/corpus
	cd fuzz && for t in $(FUZZ_TARGETS); do \
		RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none $$t -- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 2>&1 \
			| tee ../.run/fuzz-$$t.log | grep -E '^(stat::number_of_executed_units|==|SUMMARY|Done)' ; \
		test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

## arm64 Lambda packages: every function from ONE cargo invocation (one feature resolution,
## the AWS SDK compiled once), copied to infra/.build/<function>.zip, where the template's
## CodeUri points: `sam build` only copies them (it never compiles). Sizes printed.
LAMBDA_FUNCTIONS := endpoint-provisioner endpoint-reconciler eip-snapshot eip-report
LAMBDA_ARTIFACTS := $(CURDIR)/infra/.build
# cargo-lambda and zig for packaging live outside the clone, like the build cache: the C
# compiler wrappers cargo-zigbuild generates name the cargo-lambda binary by path, so tools
# inside each clone made every fresh clone rebuild the arm64 dependencies (aws-lc-sys and all
# above it: ~13 minutes) instead of reusing the cache (BENCHMARKS.md, "Build and deploy").
PACKAGE_VENV := $(RUST_TOOLS)/package-venv
PACKAGE_STAMP := $(PACKAGE_VENV)/.tools-$(CARGO_LAMBDA_VERSION)-$(ZIG_VERSION)
$(PACKAGE_STAMP):
	$(PYTHON) -m venv $(PACKAGE_VENV)
	$(PACKAGE_VENV)/bin/pip install --quiet --disable-pip-version-check \
		"cargo-lambda==$(CARGO_LAMBDA_VERSION)" "ziglang==$(ZIG_VERSION)"
	touch $@

package: $(PACKAGE_STAMP)
	rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu \
		|| { echo "cannot install the aarch64-unknown-linux-gnu target: 'rustup target add aarch64-unknown-linux-gnu' failed" >&2; exit 1; }
	PATH=$(PACKAGE_VENV)/bin:$$PATH cargo lambda build --release --arm64 --output-format zip \
		$(foreach f,$(LAMBDA_FUNCTIONS),--bin $(f))
	mkdir -p $(LAMBDA_ARTIFACTS)
	@for f in $(LAMBDA_FUNCTIONS); do \
		z=$(CARGO_TARGET_DIR)/lambda/$$f/bootstrap.zip; \
		cp -p $$z $(LAMBDA_ARTIFACTS)/$$f.zip; \
		printf '%s\t%s bytes\t%s\n' "$$f" "$$(stat -c %s $$z)" "infra/.build/$$f.zip"; \
	done

## Deploy from a plain shell (README, "Deploy"). SAM CLI telemetry stays off.
export SAM_CLI_TELEMETRY := 0
STACK_CONFIG := infra/samconfig.toml

## The hub stack: the four zips of `make package`, `sam build` (copies them), `sam deploy`
## (guided the first time; infra/samconfig.toml after), then the member-account command line.
deploy: deploy-tools package
	cd infra && $(SAM) build --template-file template.yaml
	cd infra && if [ -f samconfig.toml ]; then $(SAM) deploy; else $(SAM) deploy --guided --capabilities CAPABILITY_IAM; fi
	$(DEPLOY_VENV)/bin/python infra/deploy.py hub-next --config $(STACK_CONFIG)

## The build path without an AWS account: `sam validate --lint`, `sam build`, and the built
## template's artifacts checked (sam build passes a missing zip through). Offline for certain:
## dummy credentials, and every HTTP(S) request goes to a dead proxy.
OFFLINE := env -u AWS_PROFILE -u AWS_SESSION_TOKEN AWS_ACCESS_KEY_ID=deploy-check \
	AWS_SECRET_ACCESS_KEY=deploy-check AWS_REGION=$(AWS_REGION) HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 \
	https_proxy=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 NO_PROXY= no_proxy=
deploy-check: deploy-tools package
	cd infra && $(OFFLINE) $(SAM) validate --lint --template-file template.yaml
	cd infra && $(OFFLINE) $(SAM) build --template-file template.yaml
	$(DEPLOY_VENV)/bin/python infra/deploy.py check-build infra/.aws-sam/build/template.yaml
	@echo "deploy-check: template valid; the four functions' zips built once and in the built template"

## Member accounts (infra/member.yaml): MEMBER_OUS=ou-…,ou-… deploys a service-managed StackSet
## over those OUs (management account or delegated administrator: MEMBER_CALL_AS=DELEGATED_ADMIN);
## without MEMBER_OUS, one stack in the account of the current credentials. `make deploy`
## prints the whole line with the hub's values.
ORGANIZATION_ID ?=
SNAPSHOT_ROLE_ARN ?=
MWAA_READER_ROLE_ARNS ?=
EVENT_BUS_ARN ?=
SNAPSHOT_ROLE_NAME ?=
MWAA_READ_ROLE_NAME ?=
MEMBER_OUS ?=
MEMBER_CALL_AS ?= SELF
MEMBER_STACK ?= vpcwarden-member
REGION ?= $(AWS_REGION)
deploy-member: tools
	$(VENV)/bin/python infra/deploy.py member --organization-id "$(ORGANIZATION_ID)" \
		--snapshot-role-arn "$(SNAPSHOT_ROLE_ARN)" --mwaa-reader-role-arns "$(MWAA_READER_ROLE_ARNS)" \
		--event-bus-arn "$(EVENT_BUS_ARN)" --snapshot-role-name "$(SNAPSHOT_ROLE_NAME)" \
		--mwaa-read-role-name "$(MWAA_READ_ROLE_NAME)" --release-role-arn "$(RELEASE_ROLE_ARN)" \
		--release-role-name "$(RELEASE_ROLE_NAME)" --release-regions "$(RELEASE_REGIONS)" \
		--ous "$(MEMBER_OUS)" --call-as "$(MEMBER_CALL_AS)" \
		--stack-name "$(MEMBER_STACK)" --region "$(REGION)"

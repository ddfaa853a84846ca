# vpcwarden — the README's two commands are `make demo` and `make test`.
# Tools come from PyPI into .venv/ (git-ignored); nothing else is assumed
# beyond the Rust toolchain and Python 3.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := $(CURDIR)/.venv
MOTO_VERSION := 5.2.5
CARGO_LAMBDA_VERSION := 1.9.2
BOTO3_VERSION := 1.44.5
TOOLS_STAMP := $(VENV)/.tools-$(MOTO_VERSION)-$(CARGO_LAMBDA_VERSION)-$(BOTO3_VERSION)

# Builds are shared across clones (CI's fresh clone reuses this machine's cache).
export CARGO_TARGET_DIR ?= $(HOME)/.cache/vpcwarden/target
export AWS_REGION ?= us-east-1
export PATH := $(VENV)/bin:$(PATH)

.PHONY: all tools build test unit e2e demo bench fmt lint clean-tools

all: build

tools: $(TOOLS_STAMP)

$(TOOLS_STAMP):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check \
		"moto[server,ec2]==$(MOTO_VERSION)" "cargo-lambda==$(CARGO_LAMBDA_VERSION)" "boto3==$(BOTO3_VERSION)"
	touch $@

build:
	cargo build --workspace --all-targets

## Everything: unit, property and end-to-end tests (moto + cargo lambda watch).
test: tools build
	scripts/with-standins.sh cargo test --workspace --no-fail-fast

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
	rm -rf $(VENV)

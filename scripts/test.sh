#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need, then runs them.
#   - Microsoft's KQL parser (npm @kusto/language-service-next 12.4.1, pinned by
#     tests/oracle/package-lock.json) into tests/oracle/node_modules: the oracle for generated KQL;
#   - cargo test: unit tests, snapshot tests (insta; snapshots/ must match exactly), property
#     tests, command-line tests, the Kusto oracle test;
#   - when ../shared/corpus is present: conformance over SigmaHQ's rules.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "installing Node.js and npm (Debian packages) for the KQL parser oracle" >&2
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
npm ci --prefix tests/oracle --no-audit --no-fund --loglevel=error

# Snapshots are claims: a mismatch fails, nothing is rewritten.
export INSTA_UPDATE=no
cargo test --all-targets

if [[ -d ../shared/corpus/sigma/rules ]]; then
    cargo test --release --test conformance_sigma_corpus -- --ignored --nocapture
else
    echo "../shared/corpus not found: conformance over the SigmaHQ corpus skipped" >&2
fi

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

# A real KQL engine (duckdb-kql, PyPI) in a project-local virtual environment, for the
# cross-check of `siemc test` against compiled KQL.
# The same environment holds the JSON Schema validator that checks `siemc check --format sarif`
# against the SARIF 2.1.0 schema (tests/cli_check.rs, tests/sarif/).
if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c 'import duckdb_kql, jsonschema' 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check \
        -r tests/kql_engine/requirements.txt -r tests/sarif/requirements.txt
fi

# Snapshots are claims: a mismatch fails, nothing is rewritten.
export INSTA_UPDATE=no
cargo test --all-targets

# Fuzzing: tests/fuzz_replay.rs (above) replays every committed corpus input and regression of
# every fuzz target, and 2,000 new mutated inputs per target, on stable Rust. The fuzz crate
# itself (nightly, libFuzzer) must keep building against the library: checked here on stable.
cargo check --quiet --manifest-path fuzz/Cargo.toml --bins

# The shipped rules pass their own tests and the linter (warnings fail too).
cargo run --quiet --release -- test rules/
cargo run --quiet --release -- check rules/ --deny warnings

# Conformance over ../shared/corpus (present in CI; the project's own tests above do not need it).
if [[ -d ../shared/corpus ]]; then
    # SigmaHQ's 3,141 rules compile for both targets with the built-in mappings.
    cargo test --release --test conformance_sigma_corpus -- --ignored --nocapture
    # Every Sentinel profile over SigmaHQ's rules: each query through Microsoft's parser and
    # binder with the 2024 schema (ASIM parsers declared as functions): zero binder errors;
    # per profile the rules compiled, refused by code, the top refusal reasons.
    cargo test --release --test conformance_profiles -- --ignored --nocapture
    # SigmaHQ's regression cases: every event matches its rule.
    cargo run --quiet --release -- test ../shared/corpus/sigma/rules ../shared/corpus/sigma/regression_data | tail -1
    # `siemc check` over SigmaHQ's rules: errors only where `compile` refuses (the same files); the table by code.
    cargo test --release --test conformance_check_corpus -- --ignored --nocapture
    # The 1,080 Sentinel queries: the same verdict as Microsoft's parser, the five broken ones on
    # Microsoft's line; the semantic findings by code.
    cargo test --release --test conformance_kql_corpus -- --ignored --nocapture
    # Every ESCU search accepted (macros opaque and expanded); mutants caught; timing printed.
    cargo test --release --test conformance_spl_corpus -- --ignored --nocapture
    # Every SigmaHQ rule validates against `siemc schema`.
    cargo test --release --test conformance_schema_corpus -- --ignored --nocapture
    # The taxonomy list behind the README's coverage table is the appendix's; KQL placements
    # use real tables and columns of the 2024 schema.
    cargo test --release --test conformance_taxonomy -- --ignored --nocapture
else
    echo "../shared/corpus not found: conformance checks skipped" >&2
fi

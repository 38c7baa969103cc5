#!/usr/bin/env bash
# Benchmark: siemc's KQL validator against Microsoft's parser (Kusto.Language in Node.js), side by
# side, in one run, over the same queries, with the same verdicts.
#
#   benches/kql_validate.sh [QUERIES.jsonl]
#
# QUERIES.jsonl defaults to ../shared/corpus/kql/sentinel-queries.jsonl (1,080 Sentinel queries;
# lines {"id", "query", ...}). Runs from any directory.
#
# What it does:
#   1. cargo build --release; npm ci in tests/oracle if Microsoft's parser is not installed;
#   2. writes the queries as {"id", "query"} lines (the input both tools read);
#   3. siemc: `siemc query check --lang kql INPUT.jsonl --format json` (the `query check`
#      contract of DESIGN.md §2: one {"id", "ok", "diagnostics"} line per query; exit 1 when some
#      query has errors is normal), SIEMC_RUNS timed runs (default 5), the median counts;
#   4. Microsoft: `node tests/oracle/kusto-parse.js < INPUT.jsonl` (one {"id", "ok", ...} line per
#      query), NODE_RUNS timed runs (default 1: it takes seconds), the median counts;
#   5. compares the verdicts (`ok`) query by query: any difference is listed and fails the run;
#   6. prints both times and the ratio, and writes target/bench/kql_validate.json.
#
# Environment: SIEMC_RUNS (default 5), NODE_RUNS (default 1), SIEMC_BIN (default the release
# build of this repository).
#
# Both tools are timed as whole processes (start-up included: node loads a 16 MB parser).
# `ok` of siemc counts syntax errors and the semantic errors (wrong argument counts); Microsoft's
# oracle reports syntax only, and the corpus has no argument-count errors, so the verdicts compare.
set -euo pipefail

if [[ $# -gt 1 ]]; then
    echo "usage: $0 [QUERIES.jsonl]" >&2
    exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
if [[ $# -eq 1 ]]; then
    [[ -f $1 ]] || { echo "error: not found: $1" >&2; exit 2; }
    QUERIES="$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")"
fi
cd "$ROOT"
QUERIES="${QUERIES:-$ROOT/../shared/corpus/kql/sentinel-queries.jsonl}"
[[ -f $QUERIES ]] || { echo "error: queries not found: $QUERIES" >&2; exit 2; }

SIEMC_RUNS="${SIEMC_RUNS:-5}"
NODE_RUNS="${NODE_RUNS:-1}"
BIN="${SIEMC_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/siemc}"
OUT_DIR="$ROOT/target/bench"
WORK="$OUT_DIR/kql_validate"
rm -rf "$WORK"
mkdir -p "$WORK"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# Wall clock in microseconds from EPOCHREALTIME (no fork inside the timing).
elapsed_us() { local a=${1/[.,]/} b=${2/[.,]/}; echo $((10#$b - 10#$a)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

log "cargo build --release"
cargo build --release
[[ -x $BIN ]] || die "cargo build did not produce $BIN"
if [[ ! -d tests/oracle/node_modules/@kusto/language-service-next ]]; then
    log "npm ci --prefix tests/oracle"
    npm ci --prefix tests/oracle --no-audit --no-fund >&2
fi

INPUT="$WORK/queries.jsonl"
node -e '
const fs = require("fs");
const out = [];
for (const line of fs.readFileSync(process.argv[1], "utf8").split("\n")) {
  if (!line.trim()) continue;
  const entry = JSON.parse(line);
  out.push(JSON.stringify({ id: entry.id, query: entry.query ?? entry.search }));
}
fs.writeFileSync(process.argv[2], out.join("\n") + "\n");
' "$QUERIES" "$INPUT"
COUNT=$(wc -l <"$INPUT")
log "$COUNT queries from $QUERIES"

# ---- siemc ------------------------------------------------------------------------------------
"$BIN" query check --lang kql "$INPUT" --format json >"$WORK/siemc.jsonl" 2>"$WORK/siemc.stderr" || rc=$?
rc=${rc:-0}
if [[ $rc -ne 0 && $rc -ne 1 ]]; then
    tail -n 20 "$WORK/siemc.stderr" >&2 || true
    die "siemc query check exited with $rc (is the \`query check\` command built into this siemc?)"
fi
: >"$WORK/siemc.times"
for ((i = 1; i <= SIEMC_RUNS; i++)); do
    t0=$EPOCHREALTIME
    "$BIN" query check --lang kql "$INPUT" --format json >"$WORK/siemc.jsonl" 2>/dev/null || true
    t1=$EPOCHREALTIME
    elapsed_us "$t0" "$t1" >>"$WORK/siemc.times"
done
SIEMC_US=$(median <"$WORK/siemc.times")
log "siemc: median of $SIEMC_RUNS runs: $SIEMC_US µs"

# ---- Microsoft's parser -------------------------------------------------------------------------
: >"$WORK/node.times"
for ((i = 1; i <= NODE_RUNS; i++)); do
    t0=$EPOCHREALTIME
    node tests/oracle/kusto-parse.js <"$INPUT" >"$WORK/microsoft.jsonl"
    t1=$EPOCHREALTIME
    elapsed_us "$t0" "$t1" >>"$WORK/node.times"
done
NODE_US=$(median <"$WORK/node.times")
log "Microsoft (node): median of $NODE_RUNS runs: $NODE_US µs"

# ---- verdicts and report ------------------------------------------------------------------------
node -e '
const fs = require("fs");
const [siemcFile, msFile, siemcUs, nodeUs, outFile] = process.argv.slice(1);
const read = (f) => fs.readFileSync(f, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
const ours = new Map(read(siemcFile).map((r) => [r.id, r.ok]));
const theirs = read(msFile);
const differences = theirs.filter((r) => ours.get(r.id) !== r.ok);
const ratio = Number(nodeUs) / Number(siemcUs);
console.log("queries:                 " + theirs.length);
console.log("siemc query check:       " + (siemcUs / 1000).toFixed(1) + " ms");
console.log("Microsoft (Node.js):     " + (nodeUs / 1000).toFixed(1) + " ms");
console.log("speed-up:                " + ratio.toFixed(1) + "x");
console.log("same verdicts:           " + (theirs.length - differences.length) + " of " + theirs.length);
for (const d of differences) console.log("  DIFFERENT: " + d.id + " (Microsoft ok=" + d.ok + ", siemc ok=" + ours.get(d.id) + ")");
fs.writeFileSync(outFile, JSON.stringify({ queries: theirs.length, siemc_us: Number(siemcUs), microsoft_us: Number(nodeUs), speedup: ratio, same_verdicts: theirs.length - differences.length }, null, 2) + "\n");
process.exit(differences.length === 0 ? 0 : 1);
' "$WORK/siemc.jsonl" "$WORK/microsoft.jsonl" "$SIEMC_US" "$NODE_US" "$OUT_DIR/kql_validate.json"

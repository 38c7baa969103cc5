#!/usr/bin/env bash
# Benchmark: siemc against the reference converter (sigma-cli + pySigma), side by side, in one run.
#
#   benches/compile_vs_sigma_cli.sh [RULES_DIR]
#
# RULES_DIR defaults to ../shared/corpus/sigma/rules (relative to the repo root; a directory given
# on the command line is taken relative to the current directory). Runs from any directory.
# Without RULES_DIR the whole benchmark runs twice: on the full corpus, then on a subset of its
# first SUBSET_RULES rule files (default 1200, sorted by path, copied to target/bench/subset).
#
# What it does:
#   1. creates .venv-bench at the repo root (python3 -m venv) and installs
#      benches/requirements-bench.txt into it, unless that exact file is already installed;
#   2. cargo build --release;
#   3. siemc: `siemc compile RULES_DIR --target kql|spl --format json > /dev/null` (every query
#      validated by siemc's own KQL / SPL parser before it is printed), one untimed warm-up run per
#      target (its output is kept to count compiled rules), then SIEMC_RUNS timed runs (default 5);
#      the median counts. Each run's peak memory (maximum resident set, from getrusage) is recorded
#      too. Exit 1 (some rules failed to compile) is normal; exit 2 or a crash stops the benchmark.
#      `siemc check RULES_DIR` (both targets) and `siemc test RULES_DIR [REGRESSION_DIR]` are timed
#      and measured the same way (REGRESSION_DIR: ../regression_data beside RULES_DIR, if present);
#   4. sigma-cli, once per target (it takes ~20 s per target):
#        KQL: sigma convert -t kusto --without-pipeline -s RULES_DIR
#        SPL: sigma convert -t splunk -p splunk_windows -s RULES_DIR
#      -s (--skip-unsupported) makes pySigma collect per-rule conversion errors instead of stopping,
#      but some failures are not collected and abort the whole run (the kusto backend raises a plain
#      NotImplementedError for `|fieldref`; the kusto pipelines raise InvalidHashAlgorithmError).
#      Such rules are left out (listed in the output and the JSON): for kusto the `|fieldref` rules
#      are left out up front; if a run still aborts, a pySigma pre-scan finds every rule that would
#      abort it, and the run is repeated without them. Only the successful run is timed;
#   5. prints a table (tool, target, rules in, converted, failed, seconds) and the speed-ups, and
#      writes everything to target/bench/compile_vs_sigma_cli.json.
#
# Environment:
#   SIEMC_RUNS=5                          timed siemc runs per target (median reported)
#   SIGMA_KQL_PIPELINE=none               sigma-cli pipeline(s) for kusto, e.g. microsoft_xdr,
#                                         sentinel_asim, azure_monitor; "none" = --without-pipeline
#   SIGMA_SPL_PIPELINE=splunk_windows     sigma-cli pipeline(s) for splunk (e.g. splunk_cim, none)
#   SKIP_SIGMA_CLI=1                      time siemc only (no venv, no sigma-cli)
#   SUBSET_RULES=1200                     size of the subset run (0: no subset run)
set -euo pipefail

# Runs a command with its output discarded; prints "<wall seconds> <peak resident KiB>" (the
# child's ru_maxrss) and exits with the command's exit code.
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
print(f"{wall:.6f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
sys.exit(code)
PY
}

# ---- locations ------------------------------------------------------------------------------------
if [[ $# -gt 1 ]]; then
    echo "usage: $0 [RULES_DIR]" >&2
    exit 2
fi
if [[ $# -eq 1 ]]; then
    [[ -d $1 ]] || { echo "error: rules directory not found: $1" >&2; exit 2; }
    RULES="$(cd "$1" && pwd -P)"
    SUBSET_RULES=0
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
if [[ -z ${RULES:-} ]]; then
    [[ -d ../shared/corpus/sigma/rules ]] || {
        echo "error: default rules directory not found: $ROOT/../shared/corpus/sigma/rules" >&2
        exit 2
    }
    RULES="$(cd ../shared/corpus/sigma/rules && pwd -P)"
fi

SIEMC_RUNS="${SIEMC_RUNS:-5}"
SIGMA_KQL_PIPELINE="${SIGMA_KQL_PIPELINE:-none}"
SIGMA_SPL_PIPELINE="${SIGMA_SPL_PIPELINE:-splunk_windows}"
SKIP_SIGMA_CLI="${SKIP_SIGMA_CLI:-0}"
SUBSET_RULES="${SUBSET_RULES:-1200}"
[[ $SIEMC_RUNS =~ ^[1-9][0-9]*$ ]] || { echo "error: SIEMC_RUNS must be a positive integer" >&2; exit 2; }

VENV="$ROOT/.venv-bench"
REQ="$ROOT/benches/requirements-bench.txt"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/siemc"
OUT_DIR="$ROOT/target/bench"
OUT_JSON="$OUT_DIR/compile_vs_sigma_cli.json"
WORK="$OUT_DIR/compile_vs_sigma_cli"      # queries, logs and scratch copies of the rules
RESULTS="$WORK/results.txt"               # key<TAB>value lines, turned into the table and the JSON
rm -rf "$WORK"
mkdir -p "$WORK"
: >"$RESULTS"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
put() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS"; }

# Wall clock in microseconds, from bash's EPOCHREALTIME (no fork, so no overhead in the timing).
# Usage: t0=$EPOCHREALTIME; cmd; t1=$EPOCHREALTIME; us=$(elapsed_us "$t0" "$t1")
elapsed_us() { local a=${1/[.,]/} b=${2/[.,]/}; echo $((10#$b - 10#$a)); }

count_rule_files() { # DIR PATTERN...: number of rule files below DIR
    local dir=$1; shift
    local -a expr=()
    local p
    for p in "$@"; do expr+=(${expr[@]:+-o} -name "$p"); done
    find "$dir" -type f \( "${expr[@]}" \) | wc -l
}

RULE_FILES_ALL=$(count_rule_files "$RULES" '*.yml' '*.yaml')  # what siemc reads (sigma-cli: *.yml)
[[ $RULE_FILES_ALL -gt 0 ]] || die "no *.yml / *.yaml files below $RULES"
put rules_dir "$RULES"
put rule_files "$RULE_FILES_ALL"
put runs "$SIEMC_RUNS"
put nproc "$(nproc 2>/dev/null || echo 0)"
put git_rev "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
log "rules: $RULES ($RULE_FILES_ALL files)"

# ---- siemc ------------------------------------------------------------------------------------------
log "cargo build --release"
cargo build --release
[[ -x $BIN ]] || die "cargo build did not produce $BIN"

siemc_rc_ok() { # RC TARGET STDERR_FILE: exit 0 and 1 are fine, anything else stops the benchmark
    local rc=$1 target=$2 errfile=$3
    if [[ $rc -ne 0 && $rc -ne 1 ]]; then
        printf 'siemc compile --target %s exited with %s; last lines of its stderr:\n' "$target" "$rc" >&2
        tail -n 20 "$errfile" >&2 || true
        die "siemc failed (exit $rc); the benchmark needs exit 0 or 1"
    fi
}

run_siemc() { # TARGET (kql|spl)
    local target=$1 rc t0 t1 i
    local -a cmd=("$BIN" compile "$RULES" --target "$target" --format json)
    local jsonl="$WORK/siemc-$target.jsonl" err="$WORK/siemc-$target.stderr"

    log "siemc $target: warm-up run (untimed, output kept to count rules)"
    rc=0
    "${cmd[@]}" >"$jsonl" 2>"$err" || rc=$?
    siemc_rc_ok "$rc" "$target" "$err"
    local compiled
    compiled=$(grep -c '"query"' "$jsonl" || true)

    local -a times=() peaks=()
    local measured
    for ((i = 1; i <= SIEMC_RUNS; i++)); do
        rc=0
        measured=$(measure "${cmd[@]}") || rc=$?
        siemc_rc_ok "$rc" "$target" "$err"
        times+=("$(awk '{printf "%d", $1 * 1000000}' <<<"$measured")")
        peaks+=("$(awk '{print $2}' <<<"$measured")")
    done
    log "siemc $target: ${times[*]} us, peak ${peaks[*]} KiB"

    put "siemc.$target.command" "$(printf '%q ' "${cmd[@]}")> /dev/null"
    put "siemc.$target.rules_in" "$RULE_FILES_ALL"
    put "siemc.$target.compiled" "$compiled"
    put "siemc.$target.exit_code" "$rc"
    put "siemc.$target.times_us" "${times[*]}"
    put "siemc.$target.peaks_kib" "${peaks[*]}"
}

run_siemc_other() { # NAME COMMAND...: check / test, timed and measured like compile
    local name=$1 rc measured i
    shift
    local -a cmd=("$@") times=() peaks=()
    for ((i = 0; i <= SIEMC_RUNS; i++)); do    # run 0 is the warm-up
        rc=0
        measured=$(measure "${cmd[@]}") || rc=$?
        [[ $rc -le 1 ]] || die "$name exited with $rc: ${cmd[*]}"
        [[ $i -eq 0 ]] && continue
        times+=("$(awk '{printf "%d", $1 * 1000000}' <<<"$measured")")
        peaks+=("$(awk '{print $2}' <<<"$measured")")
    done
    log "siemc $name: ${times[*]} us, peak ${peaks[*]} KiB"
    put "siemc_other.$name.command" "$(printf '%q ' "${cmd[@]}")> /dev/null"
    put "siemc_other.$name.times_us" "${times[*]}"
    put "siemc_other.$name.peaks_kib" "${peaks[*]}"
}

run_siemc kql
run_siemc spl
run_siemc_other check "$BIN" check "$RULES"
REGRESSION="$(dirname "$RULES")/regression_data"
if [[ -d $REGRESSION ]]; then
    run_siemc_other test "$BIN" test "$RULES" "$REGRESSION"
else
    run_siemc_other test "$BIN" test "$RULES"
fi

# ---- sigma-cli --------------------------------------------------------------------------------------
setup_venv() {
    local stamp="$VENV/.requirements-bench.sha256" want
    want="$(sha256sum "$REQ" | cut -d' ' -f1)"
    if [[ -x $VENV/bin/sigma && -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    if [[ ! -x $VENV/bin/python ]]; then
        log "creating $VENV"
        python3 -m venv "$VENV"
    fi
    log "pip install -r benches/requirements-bench.txt into .venv-bench"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet -r "$REQ"
    echo "$want" >"$stamp"
}

# Rules that make sigma-cli abort the whole run even with -s, found by converting every rule on its
# own with pySigma the way sigma-cli does (one backend, collect_errors=True) and keeping those whose
# failure is not a collected SigmaError; rules that fail to load abort sigma-cli too.
# Prints paths relative to RULES_DIR. Not timed.
sigma_prescan() { # RULES_DIR BACKEND PIPELINE...
    "$VENV/bin/python" - "$@" <<'PY'
import sys
from pathlib import Path

from sigma.collection import SigmaCollection
from sigma.plugins import InstalledSigmaPlugins

root = Path(sys.argv[1])
backend_name = sys.argv[2]
pipelines = [p for p in sys.argv[3:] if p != "none"]

plugins = InstalledSigmaPlugins.autodiscover()
pipeline = plugins.get_pipeline_resolver().resolve(pipelines, backend_name)
backend = plugins.backends[backend_name](processing_pipeline=pipeline, collect_errors=True)

paths = sorted(SigmaCollection.resolve_paths([root], recursion_pattern="**/*.yml"))
collection = SigmaCollection.load_ruleset(paths, collect_errors=True)
bad = set()
for error in collection.errors:
    location = getattr(error, "source", None)
    if getattr(location, "path", None) is not None:
        bad.add(Path(location.path))
collection.resolve_rule_references()
for rule in collection.rules:
    try:
        backend.convert(SigmaCollection([rule]))
    except Exception:  # not collected by --skip-unsupported: sigma-cli would stop here
        if rule.source is not None and rule.source.path is not None:
            bad.add(Path(rule.source.path))
for path in sorted(bad):
    try:
        print(path.relative_to(root))
    except ValueError:
        print(path)
PY
}

run_sigma() { # NAME (kql|spl) BACKEND PIPELINES ("none" or space-separated pipeline names)
    local name=$1 backend=$2 pipelines=$3
    local -a pargs=() plist=()
    local p
    read -r -a plist <<<"$pipelines"
    for p in "${plist[@]}"; do
        if [[ $p == none ]]; then pargs+=(--without-pipeline); else pargs+=(-p "$p"); fi
    done

    local excluded="$WORK/sigma-cli-$name.excluded"   # paths relative to RULES, one a line
    : >"$excluded"
    if [[ $backend == kusto ]]; then
        # The kusto backend raises a bare NotImplementedError ("Field reference expression is not
        # supported by backend") for |fieldref, which -s does not catch: the run would stop there.
        local f
        while IFS= read -r f; do echo "${f#"$RULES/"}"; done \
            < <(grep -rlE --include='*.yml' '\|fieldref' "$RULES" || true) | sort -u >"$excluded"
    fi

    local attempt rc t0 t1 us=0 indir prescanned=0 abort_path
    local out="$WORK/sigma-cli-$name.out" err="$WORK/sigma-cli-$name.stderr"
    local -a cmd=()
    for ((attempt = 1; ; attempt++)); do
        if [[ -s $excluded ]]; then
            # sigma-cli has no exclude option, and a list of 3,000 files as arguments is ~40% slower
            # than a directory (pySigma merges collections one file at a time): run on a copy.
            indir="$WORK/rules-$name"
            rm -rf "$indir"
            cp -R "$RULES" "$indir"
            while IFS= read -r p; do rm -f -- "$indir/$p"; done <"$excluded"
        else
            indir="$RULES"
        fi
        cmd=("$VENV/bin/sigma" convert -t "$backend" "${pargs[@]}" -s "$indir")
        log "sigma-cli $name (attempt $attempt): ${cmd[*]}"
        rc=0
        t0=$EPOCHREALTIME
        "${cmd[@]}" >"$out" 2>"$err" || rc=$?
        t1=$EPOCHREALTIME
        us=$(elapsed_us "$t0" "$t1")
        [[ $rc -eq 0 ]] && break

        # Aborted: "... (while converting rule PATH)" or "... (while applying processing pipeline on rule PATH)"
        local before after
        before=$(wc -l <"$excluded")
        abort_path=$(grep -oE 'rule /[^)]+\.ya?ml\)' "$err" | tail -n 1 | sed -e 's/^rule //' -e 's/)$//' || true)
        log "sigma-cli $name aborted (exit $rc) after $((us / 1000)) ms: $(tail -n 1 "$err")"
        if [[ $prescanned -eq 0 ]]; then
            log "sigma-cli $name: pre-scanning with pySigma for every rule that aborts the run"
            sigma_prescan "$RULES" "$backend" "${plist[@]}" >>"$excluded"
            prescanned=1
        fi
        if [[ -n $abort_path ]]; then
            echo "${abort_path#"$indir/"}" >>"$excluded"
        fi
        sort -u -o "$excluded" "$excluded"
        after=$(wc -l <"$excluded")
        if [[ $after -eq $before ]]; then
            log "sigma-cli $name: no new rule to leave out; giving up on this target"
            break
        fi
        if [[ $attempt -ge 4 ]]; then
            log "sigma-cli $name: still aborting after $attempt runs; giving up on this target"
            break
        fi
    done

    local rules_in failed
    rules_in=$(count_rule_files "$indir" '*.yml')
    # After "Ignored errors:" sigma-cli prints "<absolute rule path>: <error>" per rule it skipped
    # (an error message can span lines: count distinct paths at the start of a line).
    failed=$(awk '
        f && substr($0, 1, 1) == "/" { i = index($0, ".yml: "); if (i) print substr($0, 1, i + 3) }
        /^Ignored errors:$/ { f = 1 }' "$err" | sort -u | wc -l)

    put "sigma_cli.$name.command" "$(printf '%q ' "${cmd[@]}")"
    put "sigma_cli.$name.backend" "$backend"
    put "sigma_cli.$name.pipeline" "$pipelines"
    put "sigma_cli.$name.exit_code" "$rc"
    put "sigma_cli.$name.attempts" "$attempt"
    put "sigma_cli.$name.rules_in" "$rules_in"
    put "sigma_cli.$name.excluded_file" "$excluded"
    put "sigma_cli.$name.failed" "$failed"
    put "sigma_cli.$name.time_us" "$us"
    if [[ $indir != "$RULES" ]]; then rm -rf "$indir"; fi
}

PY_RENDER=python3
if [[ $SKIP_SIGMA_CLI != 1 ]]; then
    setup_venv
    PY_RENDER="$VENV/bin/python"
    put sigma_cli_versions "$("$VENV/bin/python" -c '
import importlib.metadata as m
print(" ".join(f"{n}=={m.version(n)}" for n in ("sigma-cli", "pySigma", "pySigma-backend-kusto", "pySigma-backend-splunk")))')"
    run_sigma kql kusto "$SIGMA_KQL_PIPELINE"
    run_sigma spl splunk "$SIGMA_SPL_PIPELINE"
fi

# ---- table and JSON ---------------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
"$PY_RENDER" - "$RESULTS" "$OUT_JSON" <<'PY'
import json
import statistics
import sys
import time
from pathlib import Path

results_file, out_json = sys.argv[1], sys.argv[2]
kv = {}
for line in Path(results_file).read_text().splitlines():
    key, _, value = line.partition("\t")
    kv[key] = value


def num(key):
    return int(kv[key]) if key in kv and kv[key].lstrip("-").isdigit() else None


runs = int(kv["runs"])
report = {
    "benchmark": "compile_vs_sigma_cli",
    "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    "rules_dir": kv["rules_dir"],
    "rule_files": int(kv["rule_files"]),
    "nproc": int(kv["nproc"]),
    "siemc_git_rev": kv["git_rev"],
    "siemc": {},
    "sigma_cli": {},
    "ratios": {},
}

for target in ("kql", "spl"):
    times = [int(t) / 1e6 for t in kv[f"siemc.{target}.times_us"].split()]
    rules_in = num(f"siemc.{target}.rules_in")
    compiled = num(f"siemc.{target}.compiled")
    report["siemc"][target] = {
        "command": kv[f"siemc.{target}.command"],
        "rules_in": rules_in,
        "compiled": compiled,
        "failed": rules_in - compiled,
        "exit_code": num(f"siemc.{target}.exit_code"),
        "runs": runs,
        "seconds": statistics.median(times),
        "seconds_min": min(times),
        "seconds_all": times,
        "peak_kib": statistics.median(int(k) for k in kv[f"siemc.{target}.peaks_kib"].split()),
    }
report["siemc_other"] = {}
for name in ("check", "test"):
    times = [int(t) / 1e6 for t in kv[f"siemc_other.{name}.times_us"].split()]
    report["siemc_other"][name] = {
        "command": kv[f"siemc_other.{name}.command"],
        "seconds": statistics.median(times),
        "seconds_min": min(times),
        "peak_kib": statistics.median(int(k) for k in kv[f"siemc_other.{name}.peaks_kib"].split()),
    }
siemc_both = report["siemc"]["kql"]["seconds"] + report["siemc"]["spl"]["seconds"]
report["siemc"]["both_seconds"] = siemc_both

if "sigma_cli_versions" in kv:
    report["sigma_cli_versions"] = kv["sigma_cli_versions"]
    for target in ("kql", "spl"):
        p = f"sigma_cli.{target}."
        excluded = [l for l in Path(kv[p + "excluded_file"]).read_text().splitlines() if l]
        ok = num(p + "exit_code") == 0
        rules_in = num(p + "rules_in")
        failed = num(p + "failed")
        report["sigma_cli"][target] = {
            "command": kv[p + "command"],
            "backend": kv[p + "backend"],
            "pipeline": kv[p + "pipeline"],
            "exit_code": num(p + "exit_code"),
            "attempts": num(p + "attempts"),
            "rules_in": rules_in,
            "excluded": excluded,
            "converted": rules_in - failed if ok else None,
            "failed": failed if ok else None,
            "seconds": num(p + "time_us") / 1e6 if ok else None,
        }


def ratio(a, b):
    return round(a / b, 1) if a is not None and b else None


sc = report["sigma_cli"]
if sc:
    for target in ("kql", "spl"):
        report["ratios"][f"{target}_sigma_cli_over_siemc"] = ratio(
            sc[target]["seconds"], report["siemc"][target]["seconds"])
        report["ratios"][f"{target}_sigma_cli_one_target_over_siemc_both"] = ratio(
            sc[target]["seconds"], siemc_both)

Path(out_json).parent.mkdir(parents=True, exist_ok=True)
Path(out_json).write_text(json.dumps(report, indent=2) + "\n")

# ---- the table
def fmt_s(s):
    if s is None:
        return "failed"
    return f"{s:.3f}" if s < 10 else f"{s:.1f}"


def fmt_x(x):
    return "n/a" if x is None else f"{x:,.1f}x"


rows = [("tool", "target", "rules in", "excluded", "converted", "failed", "seconds", "notes")]
for target in ("kql", "spl") if sc else ():
    r = sc[target]
    what = f"{r['backend']}, " + ("no pipeline" if r["pipeline"] == "none" else f"-p {r['pipeline']}")
    rows.append(("sigma-cli", target, r["rules_in"], len(r["excluded"]),
                 "-" if r["converted"] is None else r["converted"],
                 "-" if r["failed"] is None else r["failed"], fmt_s(r["seconds"]), f"1 run; {what}"))
for target in ("kql", "spl"):
    r = report["siemc"][target]
    rows.append(("siemc", target, r["rules_in"], 0, r["compiled"], r["failed"], fmt_s(r["seconds"]),
                 f"median of {runs} (min {fmt_s(r['seconds_min'])})"))
rows.append(("siemc", "kql+spl", report["rule_files"], "", "", "", fmt_s(siemc_both), "sum of the medians"))

memory_rows = [("siemc command", "seconds", "peak MiB")]
for target in ("kql", "spl"):
    r = report["siemc"][target]
    memory_rows.append((f"compile --target {target}", fmt_s(r["seconds"]), f"{r['peak_kib'] / 1024:.1f}"))
for name in ("check", "test"):
    r = report["siemc_other"][name]
    memory_rows.append((name, fmt_s(r["seconds"]), f"{r['peak_kib'] / 1024:.1f}"))

widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
print()
print(f"siemc vs sigma-cli: {report['rule_files']} rule files in {report['rules_dir']}"
      f" ({report['nproc']} CPUs, siemc {report['siemc_git_rev']}"
      + (f", {report['sigma_cli_versions']}" if sc else "") + ")")
print()
for i, row in enumerate(rows):
    cells = [str(c).ljust(w) if j < 2 or j == 7 else str(c).rjust(w) for j, (c, w) in enumerate(zip(row, widths))]
    print("  ".join(cells).rstrip())
    if i == 0:
        print("  ".join("-" * w for w in widths))
print()
if sc:
    rt = report["ratios"]
    print("speed-up = sigma-cli seconds / siemc seconds")
    print(f"  per target:    kql {fmt_x(rt['kql_sigma_cli_over_siemc'])}   spl {fmt_x(rt['spl_sigma_cli_over_siemc'])}")
    print(f"  sigma-cli one target / siemc both targets:   kql {fmt_x(rt['kql_sigma_cli_one_target_over_siemc_both'])}"
          f"   spl {fmt_x(rt['spl_sigma_cli_one_target_over_siemc_both'])}   (design goal: >= 100x)")
    for target in ("kql", "spl"):
        ex = sc[target]["excluded"]
        if ex:
            print(f"  sigma-cli {target}: left out {len(ex)} rule(s) that abort sigma-cli even with -s: "
                  + ", ".join(ex[:5]) + (" ..." if len(ex) > 5 else ""))
    print()
    for target in ("kql", "spl"):
        print(f"  sigma-cli {target}: {sc[target]['command']}")
for target in ("kql", "spl"):
    print(f"  siemc {target}:     {report['siemc'][target]['command']}")
print()
print(f"siemc's own commands, median of {runs} (peak = maximum resident set of the process):")
mw = [max(len(str(row[i])) for row in memory_rows) for i in range(3)]
for i, row in enumerate(memory_rows):
    print("  " + "  ".join(str(c).ljust(w) if j == 0 else str(c).rjust(w) for j, (c, w) in enumerate(zip(row, mw))))
    if i == 0:
        print("  " + "  ".join("-" * w for w in mw))
for name in ("check", "test"):
    print(f"  siemc {name}: {report['siemc_other'][name]['command']}")
print()
print(f"results: {out_json}")
PY

# ---- the subset run ---------------------------------------------------------------------------------
if [[ $SUBSET_RULES -gt 0 ]]; then
    SUBSET="$OUT_DIR/subset/rules"
    rm -rf "$OUT_DIR/subset"
    mkdir -p "$SUBSET"
    # The sorted list goes to a file first: `sort | head` would end with SIGPIPE under pipefail.
    (cd "$RULES" && find . -type f \( -name '*.yml' -o -name '*.yaml' \) | LC_ALL=C sort) >"$OUT_DIR/subset/all.txt"
    head -n "$SUBSET_RULES" "$OUT_DIR/subset/all.txt" | while IFS= read -r f; do
        mkdir -p "$SUBSET/$(dirname "$f")"
        cp "$RULES/$f" "$SUBSET/$f"
    done
    if [[ -d "$(dirname "$RULES")/regression_data" ]]; then
        cp -R "$(dirname "$RULES")/regression_data" "$OUT_DIR/subset/regression_data"
        # Regression cases of rules outside the subset would be `unknown-rule` errors: keep the
        # cases whose rule is in the subset.
        python3 - "$OUT_DIR/subset" <<'PY'
import pathlib, re, shutil, sys
root = pathlib.Path(sys.argv[1])
ids = set()
for rule in (root / "rules").rglob("*.y*ml"):
    m = re.search(r"^id:\s*['\"]?([0-9a-fA-F-]{36})", rule.read_text(errors="replace"), re.M)
    if m:
        ids.add(m.group(1).lower())
for info in list((root / "regression_data").rglob("info.yml")):
    m = re.search(r"^rule_metadata:\s*-\s*id:\s*['\"]?([0-9a-fA-F-]{36})", info.read_text(errors="replace"), re.M)
    if not m or m.group(1).lower() not in ids:
        shutil.rmtree(info.parent)
PY
    fi
    log "subset run: $SUBSET_RULES rule files in $SUBSET"
    cp "$OUT_JSON" "$OUT_DIR/compile_vs_sigma_cli.full.json"
    SUBSET_RULES=0 "$ROOT/benches/compile_vs_sigma_cli.sh" "$SUBSET"
    mv "$OUT_JSON" "$OUT_DIR/compile_vs_sigma_cli.subset.json"
    mv "$OUT_DIR/compile_vs_sigma_cli.full.json" "$OUT_JSON"
fi

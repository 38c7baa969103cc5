#!/usr/bin/env bash
# A fuzzing campaign: runs every fuzz target (or the ones named) for SECONDS each, JOBS at a
# time, in release with debug assertions and overflow checks (cargo fuzz's default), without a
# sanitizer (siemc is safe Rust; a panic, a hang over -timeout or memory over -rss_limit_mb is
# a crash). Each run starts from the committed corpus (fuzz/corpus/<target>) and the working
# corpus of earlier campaigns (fuzz/work/<target>, not committed), and writes new inputs into the
# working corpus; crashes go into fuzz/artifacts/<target>.
# One line per target goes to fuzz/campaign.log: runs, seconds, execs/s, coverage (edges and
# features), corpus size, crashes.
#
#   fuzz/campaign.sh 1800            # every target, 30 minutes each
#   JOBS=4 fuzz/campaign.sh 60 rule_load condition
#   SKIP_BUILD=1 JOBS=1 fuzz/campaign.sh 1800 mapping_file
#
# fuzz/corpus/<target> holds a few hundred inputs sampled across sizes from a working corpus,
# which tests/fuzz_replay.rs replays (and mutates) on every test run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

seconds=${1:?usage: campaign.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
jobs=${JOBS:-2}

# SKIP_BUILD=1 reuses the binaries built last (a second campaign beside a running one).
[[ -n ${SKIP_BUILD:-} ]] || cargo +nightly fuzz build -s none
binaries=target/x86_64-unknown-linux-gnu/release
mkdir -p logs

run_one() {
    local target=$1
    mkdir -p "work/$target" "artifacts/$target"
    local log="logs/$target.log"
    local start=$SECONDS
    # libFuzzer stops at the first crash: fix it, add its regression, run the target again.
    "$binaries/$target" "work/$target" "corpus/$target" -artifact_prefix="artifacts/$target/" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 >"$log" 2>&1 || true
    local runs crashes size elapsed speed coverage
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    # The last status line's coverage (edges) and features.
    coverage=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 | tr -d ':' | tr ' ' '=' \
        | sed 's/cov=\([0-9]*\)=ft=\([0-9]*\)/cov=\1 ft=\2/' || true)
    crashes=$(find "artifacts/$target" -type f | wc -l)
    size=$(find "work/$target" -type f | wc -l)
    elapsed=$((SECONDS - start))
    echo "$(date -u +%FT%TZ) $target runs=$runs seconds=$elapsed execs_per_s=$speed ${coverage:-cov=?} corpus=$size artifacts=$crashes" \
        | tee -a campaign.log
}

running=0
for target in "${targets[@]}"; do
    run_one "$target" &
    running=$((running + 1))
    if ((running >= jobs)); then
        wait -n
        running=$((running - 1))
    fi
done
wait

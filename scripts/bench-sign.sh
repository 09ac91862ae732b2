#!/usr/bin/env bash
# Run the signing benchmark (benches/benches/sign.rs) with modest times and print a markdown table:
# picolambda vs aws-sigv4 vs the SHA-256 floor, for payloads of 0 B, 1 KiB and 64 KiB.
#
#   scripts/bench-sign.sh                 # run, then print the table
#   scripts/bench-sign.sh --table-only    # print the table of the last run
#   BENCH_ARGS="--warm-up-time 2 --measurement-time 10" scripts/bench-sign.sh   # longer runs (replaces the defaults)
#
# Times are criterion's median per iteration (robust on a busy machine). Targets (issue 2): at
# least 5x faster than aws-sigv4 at 0 B and 1 KiB; at most 1.25x the floor at 1 KiB and 64 KiB.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ "${1:-}" != "--table-only" ]; then
    # shellcheck disable=SC2086
    cargo bench -p picolambda-benches --bench sign -- \
        ${BENCH_ARGS:---warm-up-time 1 --measurement-time 3} >&2
fi

target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

python3 - "$target_dir/criterion/sign" <<'PY'
import json, os, sys

base = sys.argv[1]

def median_ns(impl, size):
    path = os.path.join(base, impl, str(size), "new", "estimates.json")
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"]

def fmt(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"

names = {0: "0 B", 1024: "1 KiB", 65536: "64 KiB"}
ok = True
print("| payload | picolambda | aws-sigv4 | floor | speedup vs aws-sigv4 | ratio to floor |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for size in (0, 1024, 65536):
    ours, aws, floor = (median_ns(i, size) for i in ("picolambda", "aws-sigv4", "floor"))
    speedup, ratio = aws / ours, ours / floor
    marks = []
    if size in (0, 1024) and speedup < 5:
        marks.append("speedup < 5x")
    if size in (1024, 65536) and ratio > 1.25:
        marks.append("ratio > 1.25x")
    ok = ok and not marks
    note = f" ({', '.join(marks)})" if marks else ""
    print(f"| {names[size]} | {fmt(ours)} | {fmt(aws)} | {fmt(floor)} | {speedup:.1f}x | {ratio:.2f}x{note} |")
print()
print("targets met" if ok else "targets MISSED")
PY

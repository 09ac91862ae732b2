#!/usr/bin/env bash
# Run the response-head benchmark (benches/benches/parse.rs) and print a markdown table:
# picolambda's incremental parser against httparse on three Lambda response heads (≈400 B;
# 3.2 KB and 5.9 KB with a log tail), whole and fed in 1-, 16-, 64- and 536-byte pieces
# (httparse re-parsing the growing buffer after each piece, as its users must).
#
#   scripts/bench-parse.sh                 # run, then print the table
#   scripts/bench-parse.sh --table-only    # print the table of the last run
#   BENCH_ARGS="--warm-up-time 2 --measurement-time 10" scripts/bench-parse.sh   # replaces the defaults
#
# Times are criterion's median per iteration. Targets (issue 3): whole buffer within 1.5x of
# httparse; 16-byte pieces within 2x of picolambda's own whole-buffer time.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ "${1:-}" != "--table-only" ]; then
    # shellcheck disable=SC2086
    cargo bench -p picolambda-benches --bench parse -- \
        ${BENCH_ARGS:---warm-up-time 1 --measurement-time 3} >&2
fi

target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

python3 - "$target_dir/criterion" <<'PY'
import json, os, sys

base = sys.argv[1]

def median_ns(head, impl, mode):
    path = os.path.join(base, f"head-{head}", impl, mode, "new", "estimates.json")
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"]

def fmt(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"

modes = ["whole", "pieces-1", "pieces-16", "pieces-64", "pieces-536"]
ok = True
print("| head | impl | " + " | ".join(modes) + " |")
print("| --- | --- |" + " ---: |" * len(modes))
notes = []
for head in ("400B", "3.2KB", "5.9KB"):
    for impl in ("picolambda", "httparse"):
        cells = [fmt(median_ns(head, impl, m)) for m in modes]
        print(f"| {head} | {impl} | " + " | ".join(cells) + " |")
    ours = median_ns(head, "picolambda", "whole")
    theirs = median_ns(head, "httparse", "whole")
    sixteen = median_ns(head, "picolambda", "pieces-16")
    whole_ratio, piece_ratio = ours / theirs, sixteen / ours
    marks = []
    if whole_ratio > 1.5:
        marks.append("whole > 1.5x httparse")
    if piece_ratio > 2:
        marks.append("pieces-16 > 2x own whole")
    ok = ok and not marks
    note = f" ({', '.join(marks)})" if marks else ""
    notes.append(f"{head}: whole {whole_ratio:.2f}x httparse; pieces-16 {piece_ratio:.2f}x own whole{note}")
print()
for n in notes:
    print(n)
print("targets met" if ok else "targets MISSED")
PY

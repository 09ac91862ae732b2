#!/usr/bin/env bash
# Invokes per second over loopback against `picolambda serve` (release): picolambda's
# LambdaClient (adapters/std/examples/bench_client.rs) next to boto3's invoke, in the same run and
# against the same endpoint. Ensures the venv, builds both release binaries, runs
# tests/bench_invoke.py and prints a markdown table and the ratio (target: >= 20x boto3).
#
#   bash scripts/bench-invoke.sh [extra args for tests/bench_invoke.py, e.g. --rounds 5
#                                 --min-ratio 20 --with-local-load]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/python-env.sh
cargo build --release -p picolambda-cli
cargo build --release -p picolambda-std --example bench_client
target="${CARGO_TARGET_DIR:-target}/release"
exec .venv/bin/python tests/bench_invoke.py \
    --serve "$target/picolambda" --bench-client "$target/examples/bench_client" "$@"

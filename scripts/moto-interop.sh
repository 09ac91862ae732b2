#!/usr/bin/env bash
# `picolambda invoke` against moto server with signature checking on (issue 4, "Prove it"):
# ensures the Python venv (botocore, boto3, moto[server]), builds the CLI, and runs
# tests/moto_interop.py, which starts and always stops its own moto_server on a free loopback
# port. Prints one line per check and `N passed, M failed`; exits non-zero on any failure,
# including moto failing to start (nothing is skipped).
#
#   bash scripts/moto-interop.sh [extra args for tests/moto_interop.py, e.g. --keep-log]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/python-env.sh
cargo build -p picolambda-cli
# LambdaClient driven over several invokes (moto closes every connection).
cargo build -p picolambda-std --example bench_client
target="${CARGO_TARGET_DIR:-target}/debug"
exec .venv/bin/python tests/moto_interop.py --bin "$target/picolambda" \
    --bench-client "$target/examples/bench_client" "$@"

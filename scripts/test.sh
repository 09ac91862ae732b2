#!/usr/bin/env bash
# The whole test suite, as CI runs it on a clean clone: installs what it needs (rustup targets,
# the Python venv for botocore/moto, cargo-fuzz), then runs every check. A missing tool fails
# the suite; nothing is skipped.
#
#   bash scripts/test.sh            everything
#   FUZZ_SECONDS=10 bash scripts/test.sh   shorter fuzzing
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()

step() {
    local name=$1
    shift
    echo
    echo "=== $name"
    local start=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        echo "=== $name: ok ($((SECONDS - start)) s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "=== $name: FAILED ($((SECONDS - start)) s)"
    fi
}

targets() {
    rustup target add thumbv6m-none-eabi thumbv7em-none-eabihf riscv32imc-unknown-none-elf
}

bare_metal() {
    local t
    for t in thumbv6m-none-eabi thumbv7em-none-eabihf riscv32imc-unknown-none-elf; do
        cargo build -p picolambda --target "$t" || return 1
        cargo build -p picolambda --target "$t" --features defmt || return 1
        # The core's dependency tree must not enable any `std` feature on a bare-metal target.
        if cargo tree -p picolambda --target "$t" -e normal,features,no-proc-macro --features defmt | grep -F 'feature "std"'; then
            echo "a dependency of picolambda enables std on $t" >&2
            return 1
        fi
    done
}

botocore_selfcheck() {
    .venv/bin/python tests/botocore_vectors_selfcheck.py
}

fuzz() {
    # cargo-fuzz needs nightly (installed on these machines); it is installed by fuzz.sh.
    FUZZ_SECONDS="${FUZZ_SECONDS:-60}" bash scripts/fuzz.sh
}

botocore_diff() {
    cargo build -p picolambda-cli || return 1
    .venv/bin/python tests/botocore_diff.py --bin "${CARGO_TARGET_DIR:-target}/debug/picolambda" \
        --cases "${BOTOCORE_CASES:-300}"
}

step "rustup targets" targets
step "python venv (botocore, moto)" bash scripts/python-env.sh
step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy -D warnings" cargo clippy --workspace --all-targets -- -D warnings
step "cargo test" cargo test --workspace
step "bare-metal builds (thumbv6m, thumbv7em, riscv32imc; with and without defmt)" bare_metal
step "botocore self-check of the verifier" botocore_selfcheck
step "botocore differential test" botocore_diff
step "fuzzing (${FUZZ_SECONDS:-60} s per target)" fuzz

echo
if [ "$failed" -gt 0 ]; then
    printf 'failed step: %s\n' "${failures[@]}"
fi
echo "steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

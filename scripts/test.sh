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
        cargo build -p picolambda --target "$t" --features driver,small-sha256 || return 1
        # The core's dependency tree must not enable any `std` feature on a bare-metal target.
        if cargo tree -p picolambda --target "$t" -e normal,features,no-proc-macro --features defmt | grep -F 'feature "std"'; then
            echo "a dependency of picolambda enables std on $t" >&2
            return 1
        fi
        # The embedded-nal adapter: with embedded-tls (its default) and without, with and
        # without defmt.
        cargo build -p picolambda-nal --target "$t" || return 1
        cargo build -p picolambda-nal --target "$t" --features defmt || return 1
        cargo build -p picolambda-nal --target "$t" --no-default-features || return 1
        cargo build -p picolambda-nal --target "$t" --no-default-features --features defmt || return 1
        if cargo tree -p picolambda-nal --target "$t" -e normal,features,no-proc-macro --features defmt | grep -F 'feature "std"'; then
            echo "a dependency of picolambda-nal enables std on $t" >&2
            return 1
        fi
        # Firmware links one SHA-256: embedded-tls and the core must share one sha2 version.
        local sha2_versions
        sha2_versions=$(cargo tree -p picolambda-nal --target "$t" -e normal --prefix none |
            awk '$1 == "sha2" { print $2 }' | sort -u)
        if [ "$(echo "$sha2_versions" | grep -c .)" != 1 ]; then
            echo "picolambda-nal on $t links sha2 versions: ${sha2_versions:-none}" >&2
            return 1
        fi
    done
}

botocore_selfcheck() {
    .venv/bin/python tests/botocore_vectors_selfcheck.py
}

moto_interop() {
    # Starts moto_server on loopback with signature checking on, runs the CLI and LambdaClient
    # against it, and stops it again; a moto that fails to start fails this step.
    bash scripts/moto-interop.sh
}

firmware_qemu() {
    # Builds the Cortex-M4 firmware with the link-time no-panic check, runs it in QEMU against
    # `picolambda serve` (installs qemu-system-arm with apt when missing) and fails unless it
    # ends invoke=ok.
    bash examples/cortex-m-qemu/run.sh
}

firmware_footprint() {
    # Flash of the size probes (reported in the README); fails if any probe keeps a panic path.
    bash examples/cortex-m-qemu/footprint.sh
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
step "bare-metal builds of picolambda and picolambda-nal (thumbv6m, thumbv7em, riscv32imc; with and without defmt)" bare_metal
step "botocore self-check of the verifier" botocore_selfcheck
step "botocore differential test" botocore_diff
step "moto server interop (RequestResponse, Event, DryRun, names, Tail, assume_role)" moto_interop
step "Cortex-M4 firmware under QEMU (examples/cortex-m-qemu/run.sh)" firmware_qemu
step "firmware footprint and panic-free probes (examples/cortex-m-qemu/footprint.sh)" firmware_footprint
step "fuzzing (${FUZZ_SECONDS:-60} s per target)" fuzz

echo
if [ "$failed" -gt 0 ]; then
    printf 'failed step: %s\n' "${failures[@]}"
fi
echo "steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

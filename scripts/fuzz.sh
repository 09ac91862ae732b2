#!/usr/bin/env bash
# Run every cargo-fuzz target in fuzz/ for ${FUZZ_SECONDS:-60} seconds each; exit non-zero if any
# target finds a crash (the input is left in fuzz/artifacts/<target>/).
#
# Seeds come from fuzz/corpus/<target>/ (made from core/tests/data/responses/); inputs the
# fuzzer finds go to a temporary directory, so the committed corpus stays as it is.
set -euo pipefail

cd "$(dirname "$0")/../fuzz"
toolchain="${FUZZ_TOOLCHAIN:-nightly}"
seconds="${FUZZ_SECONDS:-60}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
for target in $(cargo +"$toolchain" fuzz list); do
    mkdir -p "$work/$target"
    echo "fuzz: $target for ${seconds}s"
    if cargo +"$toolchain" fuzz run "$target" "$work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1; then
        passed=$((passed + 1))
    else
        echo "fuzz: $target FAILED (see fuzz/artifacts/$target/)"
        failed=$((failed + 1))
    fi
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

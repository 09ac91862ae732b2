#!/usr/bin/env bash
# Flash footprint of picolambda on a Cortex-M4F (thumbv7em-none-eabihf, opt-level "z", fat LTO,
# codegen-units 1, panic abort: the release profile of this crate).
#
#   bash examples/cortex-m-qemu/footprint.sh
#
# Builds the size probes in src/bin/ and prints each one's flash (text + rodata + data) minus the
# empty baseline firmware (same runtime: cortex-m-rt, semihosting exit, panic handler). Inputs come
# from core::hint::black_box, so nothing is constant-folded away. The probes' test data (URL,
# credentials, two recorded responses: about 1 KB, src/probe.rs) is linked into every probe and the
# baseline alike, so it is not counted as library flash. Last lines, exactly:
#   sign_bytes=N          Signer::sign: key derivation, canonical request, SHA-256, HMAC
#   head_bytes=N          InvokeHead::write and its inputs: a signed request head (the API signs
#                         inside InvokeHead::write, so this includes the signing it does; see
#                         src/bin/probe_head.rs)
#   parse_bytes=N         ResponseParser alone: status line, headers, framing, body
#   invoke_path_bytes=N   everything an invoke needs: inputs, sign, head, InvokeResponseReader
#                         (parse, Lambda headers, LogResult decode, service error mapping)
#
# Probes are measured with a panic handler that only halts (feature panic-halt), which adds no
# code, so the sizes exist even while a panic path is left; each probe is then also linked with
# the no-panic check and reported as panic_free=yes|no. The mem_routines column names the
# compiler-builtins memory routines each probe links (memcpy, memset, memcmp and their __aeabi_*
# entry points: about 1 KB together, linked only when something calls them; tools/mem-routines.py),
# and invoke_path_mem_routines=... (before the last lines) those of the invoke path: none since the
# library stopped calling them, which an application that links them anyway does not gain.
set -uo pipefail
cd "$(dirname "$0")"
TARGET=thumbv7em-none-eabihf
OUT=target/$TARGET/release
# The probes are this folder's own workspace: always built in its target/ (OUT above).
unset CARGO_TARGET_DIR
PROBES=(probe_baseline probe_sign probe_head probe_parse probe_invoke)
TARGET_INVOKE_BYTES=$((14 * 1024))

if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    rustup target add "$TARGET" || exit 1
fi
command -v python3 >/dev/null || { echo "footprint.sh: python3 is needed" >&2; exit 1; }
mkdir -p target/footprint

bins=()
for p in "${PROBES[@]}"; do bins+=(--bin "$p"); done

# 1. Sizes.
for p in "${PROBES[@]}"; do rm -f "$OUT/$p"; done
if ! cargo build --release --features panic-halt "${bins[@]}" >target/footprint/build.log 2>&1; then
    cat target/footprint/build.log >&2
    echo "footprint.sh: probe build failed" >&2
    exit 1
fi
declare -A size mem
for p in "${PROBES[@]}"; do
    size[$p]=$(python3 tools/elf-size.py --flash "$OUT/$p") || exit 1
    # compiler-builtins' memcpy/memset/memcmp (about 1 KB together): linked only if called.
    mem[$p]=$(python3 tools/mem-routines.py "$OUT/$p") || exit 1
done

# 2. The link-time no-panic check, probe by probe (which part of the library keeps a panic path).
declare -A panic_free
for p in "${PROBES[@]}"; do rm -f "$OUT/$p"; done
cargo build --release --keep-going "${bins[@]}" >target/footprint/build-panic-never.log 2>&1
for p in "${PROBES[@]}"; do
    if [ -f "$OUT/$p" ]; then panic_free[$p]=yes; else panic_free[$p]=no; fi
done

base=${size[probe_baseline]}
sign=$((size[probe_sign] - base))
head=$((size[probe_head] - base))
parse=$((size[probe_parse] - base))
invoke=$((size[probe_invoke] - base))

echo "probe            flash_total  minus_baseline  panic_free  mem_routines"
for p in "${PROBES[@]}"; do
    printf '%-16s %11d  %14d  %-10s  %s\n' "$p" "${size[$p]}" $((size[$p] - base)) \
        "${panic_free[$p]}" "${mem[$p]}"
done
if [ "$invoke" -le "$TARGET_INVOKE_BYTES" ]; then
    echo "invoke_path_target=met ($invoke <= $TARGET_INVOKE_BYTES)"
else
    echo "invoke_path_target=MISSED ($invoke > $TARGET_INVOKE_BYTES)"
fi
echo "invoke_path_mem_routines=${mem[probe_invoke]}"
echo "sign_bytes=$sign"
echo "head_bytes=$head"
echo "parse_bytes=$parse"
echo "invoke_path_bytes=$invoke"
# The sizes are reported, not enforced; a panic path left in any probe fails the script.
for p in "${PROBES[@]}"; do
    [ "${panic_free[$p]}" = yes ] || exit 1
done

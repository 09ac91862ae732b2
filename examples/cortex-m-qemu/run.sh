#!/usr/bin/env bash
# End to end on an emulated Cortex-M4: builds the firmware (release, with the link-time no-panic
# check), starts `picolambda serve` on a free loopback port, runs the firmware in
# `qemu-system-arm -machine mps2-an386` with UART0 connected to that port, and reports.
#
#   bash examples/cortex-m-qemu/run.sh
#
# Installs what it needs when missing: qemu-system-arm (apt), the thumbv7em-none-eabihf rustup
# target. Last lines, exactly:
#   invoke=ok              (only when QEMU exited 0: every check in the firmware held)
#   flash_bytes=N          text + rodata + data of the firmware ELF
#   stack_peak_bytes=N     measured in the firmware by stack painting
# Exits non-zero if anything failed, including the no-panic link check (panic_never=FAILED, with
# the panic paths listed by source line above the last lines).
set -uo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
ROOT=$(cd ../.. && pwd)
TARGET=thumbv7em-none-eabihf
ELF=$HERE/target/$TARGET/release/firmware
# The host CLI builds where the caller's cargo puts it; the firmware always in its own target/
# (it is its own workspace, and ELF above is looked for there).
HOST_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
unset CARGO_TARGET_DIR
LOGS=$HERE/target/run
mkdir -p "$LOGS"
QEMU_TIMEOUT=${QEMU_TIMEOUT:-60}

status=0
panic_never=ok
invoke=FAILED
flash=unknown
stack=unknown
SERVE_PID=

say() { echo "run.sh: $*" >&2; }

cleanup() {
    if [ -n "$SERVE_PID" ]; then
        kill "$SERVE_PID" 2>/dev/null
        wait "$SERVE_PID" 2>/dev/null
    fi
}
trap cleanup EXIT INT TERM

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

report() {
    echo "panic_never=$panic_never"
    echo "invoke=$invoke"
    echo "flash_bytes=$flash"
    echo "stack_peak_bytes=$stack"
    exit "$status"
}

# --- tools -------------------------------------------------------------------------------------
if ! command -v qemu-system-arm >/dev/null; then
    say "installing qemu-system-arm"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq qemu-system-arm >"$LOGS/apt.log" 2>&1 \
        || { say "cannot install qemu-system-arm (see $LOGS/apt.log)"; status=1; report; }
fi
if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    say "adding rustup target $TARGET"
    rustup target add "$TARGET" || { say "cannot add $TARGET"; status=1; report; }
fi
command -v python3 >/dev/null || { say "python3 is needed for tools/elf-size.py"; status=1; report; }

# --- endpoint --------------------------------------------------------------------------------
say "building the host CLI (picolambda serve)"
(cd "$ROOT" && CARGO_TARGET_DIR=$HOST_TARGET_DIR cargo build -q -p picolambda-cli) || { say "host CLI build failed"; status=1; report; }
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# One fixed test key pair for both sides (not a real key); no session token, no profile.
export AWS_ACCESS_KEY_ID=AKIDPICOLAMBDAQEMU01
export AWS_SECRET_ACCESS_KEY=picolambda/qemu/not-a-real-secret/0123456789
export AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_REGION
export PICOLAMBDA_FW_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
export PICOLAMBDA_FW_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export PICOLAMBDA_FW_REGION=$AWS_REGION
export PICOLAMBDA_FW_ENDPOINT=http://127.0.0.1:$PORT

# --- firmware ----------------------------------------------------------------------------------
# The firmware has no clock: it starts at 1970 and the core driver corrects it from the endpoint's
# `Date` after the first (rejected) attempt.
unset PICOLAMBDA_FW_START_UNIX
say "building the firmware (release, link-time no-panic check)"
if ! cargo build --release --bin firmware >"$LOGS/build.log" 2>&1; then
    if grep -q picolambda_firmware_has_a_panic_path "$LOGS/build.log"; then
        panic_never=FAILED
        status=1
        say "the no-panic link check FAILED: a panic path survives optimisation."
        say "rebuilding with --features locate-panics to list the panic paths and run anyway"
        if ! cargo build --release --bin firmware --features locate-panics >"$LOGS/build-locate.log" 2>&1; then
            cat "$LOGS/build-locate.log" >&2
            report
        fi
        if command -v llvm-objdump >/dev/null && command -v llvm-symbolizer >/dev/null; then
            echo "--- panic paths, by the source line they start from (tools/panic-paths.py):"
            python3 tools/panic-paths.py "$ELF" | grep -v '^    ->' | sed 's/^/  /'
            echo "--- (details: python3 examples/cortex-m-qemu/tools/panic-paths.py $ELF)"
        else
            say "llvm-objdump/llvm-symbolizer not found (Debian package llvm): panic paths not listed"
        fi
    else
        cat "$LOGS/build.log" >&2
        say "firmware build failed"
        status=1
        report
    fi
fi
flash=$(python3 tools/elf-size.py --flash "$ELF") || flash=unknown

# --- run ---------------------------------------------------------------------------------------
"$HOST_TARGET_DIR/debug/picolambda" serve --port "$PORT" >"$LOGS/serve.log" 2>&1 &
SERVE_PID=$!
ready=no
for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then ready=yes; break; fi
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
done
if [ "$ready" != yes ]; then
    cat "$LOGS/serve.log" >&2
    say "picolambda serve did not start on port $PORT"
    status=1
    report
fi
say "picolambda serve on 127.0.0.1:$PORT; starting QEMU (timeout ${QEMU_TIMEOUT}s)"

PICOLAMBDA_SERIAL=tcp:127.0.0.1:$PORT timeout "$QEMU_TIMEOUT" ./qemu-run.sh "$ELF" \
    </dev/null 2>&1 | tee "$LOGS/qemu.log"
qemu_status=${PIPESTATUS[0]}
if [ "$qemu_status" = 0 ]; then
    invoke=ok
else
    [ "$qemu_status" = 124 ] && say "QEMU timed out after ${QEMU_TIMEOUT}s"
    say "firmware failed (QEMU exit status $qemu_status); endpoint log: $LOGS/serve.log"
    status=1
fi
stack=$(sed -n 's/^stack_peak_bytes=\([0-9]*\).*/\1/p' "$LOGS/qemu.log" | tail -n 1)
if [ -z "$stack" ]; then
    stack=unknown
    status=1
fi
report

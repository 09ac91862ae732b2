#!/usr/bin/env sh
# Starts a firmware ELF in QEMU as the MPS2 AN386 board (Cortex-M4F), UART0 connected to the TCP
# server PICOLAMBDA_SERIAL names (default tcp:127.0.0.1:9001), semihosting on for output and the
# exit status. Used as cargo's runner (.cargo/config.toml) and by run.sh.
#
#   ./qemu-run.sh target/thumbv7em-none-eabihf/release/firmware
set -eu
elf=${1:?usage: qemu-run.sh ELF}
exec qemu-system-arm \
    -machine mps2-an386 \
    -nographic \
    -monitor none \
    -semihosting-config enable=on,target=native \
    -serial "${PICOLAMBDA_SERIAL:-tcp:127.0.0.1:9001}" \
    -kernel "$elf"

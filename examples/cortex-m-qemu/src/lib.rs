//! Runtime shared by the QEMU firmware (`src/main.rs`) and the size probes (`src/bin/probe_*.rs`):
//! the UART0 byte stream, stack painting, semihosting output and exit, and the panic handler.
//!
//! Target: QEMU `-machine mps2-an386` (Cortex-M4F). Every binary of this crate links exactly this
//! runtime, so the probes' sizes are differences against the same baseline.
//!
//! # No panics, proven at link time
//!
//! In release builds (no `debug_assertions`) the panic handler calls a function that is declared
//! but defined nowhere. If any panic path survives optimisation the link fails with
//! `undefined symbol: picolambda_firmware_has_a_panic_path`, so a release build that links is a
//! proof that nothing in the firmware can panic (the technique of the `panic-never` crate). Debug
//! builds report the panic location through semihosting and exit with status 1.
//!
//! When the link fails, build with `--features locate-panics`: the release binary then links with
//! the reporting handler, and `llvm-objdump -d --demangle` shows which function still calls into
//! `core::panicking` (footprint.sh and run.sh never enable it).
#![no_std]
#![warn(missing_docs)]

pub mod cell;
pub mod host;
pub mod probe;
pub mod stack;
pub mod uart;

#[cfg(all(
    not(debug_assertions),
    not(feature = "locate-panics"),
    not(feature = "panic-halt")
))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    extern "C" {
        /// Defined nowhere: referencing it fails the link (see the crate docs).
        fn picolambda_firmware_has_a_panic_path() -> !;
    }
    // SAFETY: never executed in a binary that links; the call exists only to make the linker
    // report a panic path that optimisation could not remove.
    unsafe { picolambda_firmware_has_a_panic_path() }
}

/// Size measurements only (footprint.sh): halts, adding no code of its own.
#[cfg(feature = "panic-halt")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    cortex_m::asm::udf()
}

#[cfg(all(
    any(debug_assertions, feature = "locate-panics"),
    not(feature = "panic-halt")
))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if let Some(location) = info.location() {
        host::print(b"panic at ");
        host::print(location.file().as_bytes());
        host::print(b":");
        host::print_u32(location.line());
        host::print(b"\n");
    } else {
        host::print(b"panic\n");
    }
    host::exit(false)
}

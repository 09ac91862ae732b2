//! Puts `memory.x` where cortex-m-rt's `link.x` finds it, and fixes the firmware's start time.
//!
//! The firmware has no real-time clock: its clock reads `PICOLAMBDA_FW_START_UNIX` (seconds since
//! the Unix epoch), 0 (1970) unless set. The endpoint rejects the first request's time and the
//! core driver re-signs at the time of the response's `Date`, as a device without an RTC would.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("write memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");

    println!("cargo:rerun-if-env-changed=PICOLAMBDA_FW_START_UNIX");
    let start = match env::var("PICOLAMBDA_FW_START_UNIX") {
        Ok(s) => s
            .trim()
            .parse::<u64>()
            .expect("PICOLAMBDA_FW_START_UNIX must be seconds since the Unix epoch"),
        Err(_) => 0,
    };
    println!("cargo:rustc-env=PICOLAMBDA_FW_START_UNIX={start}");
}

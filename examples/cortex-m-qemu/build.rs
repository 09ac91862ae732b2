//! Puts `memory.x` where cortex-m-rt's `link.x` finds it, and fixes the firmware's start time.
//!
//! The firmware has no real-time clock. Its requests are signed at `PICOLAMBDA_FW_START_UNIX`
//! (seconds since the Unix epoch): taken from the environment when set (run.sh sets it to the
//! host's time just before building), else the host's time now. The endpoint rejects a signature
//! more than 5 minutes from its clock, so the firmware must run within a few minutes of being
//! built.

use std::env;
use std::fs;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

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
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs(),
    };
    println!("cargo:rustc-env=PICOLAMBDA_FW_START_UNIX={start}");
}

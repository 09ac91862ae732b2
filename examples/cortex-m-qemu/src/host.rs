//! Output and exit through semihosting (`-semihosting-config enable=on,target=native`).
//!
//! Plain byte writes and a hand-rolled decimal: no `core::fmt`, which would add flash to every
//! binary and panic paths the optimiser cannot always remove.

use cortex_m_semihosting::{debug, hio};

/// Writes `bytes` to the host's standard output. Output is best effort: a host that refuses it
/// changes nothing in the firmware's result.
pub fn print(bytes: &[u8]) {
    if let Ok(mut out) = hio::hstdout() {
        let _ = out.write_all(bytes);
    }
}

/// Writes `n` in decimal.
pub fn print_u32(n: u32) {
    print(decimal(n, &mut [0u8; 10]));
}

/// `n` in decimal, written at the end of `buf`.
pub fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut start = buf.len();
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.get(start..).unwrap_or_default()
}

/// Writes `name=value\n`.
pub fn print_kv(name: &[u8], value: u32) {
    print(name);
    print(b"=");
    print_u32(value);
    print(b"\n");
}

/// Ends the program: QEMU exits with status 0 when `success`, 1 otherwise.
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Semihosting disabled (on real hardware without a debugger): stop here.
    loop {
        cortex_m::asm::wfi();
    }
}

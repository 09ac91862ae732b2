//! Size probe: the empty baseline. The runtime every probe shares (cortex-m-rt, the panic
//! handler, semihosting exit) and nothing else.
#![no_std]
#![no_main]

use picolambda_cortex_m_qemu::probe::{finish, input, keep_fixtures};

#[cortex_m_rt::entry]
fn main() -> ! {
    keep_fixtures();
    finish(input(0u32) == 0)
}

//! Size probe: sign and write an `Invoke` request head (`InvokeHead::write`), with the inputs
//! it needs (endpoint from a URL, validated function name and qualifier, credentials).
//!
//! The API signs inside `InvokeHead::write` (there is no writer for a head with a signature
//! computed elsewhere), so footprint.sh reports `head_bytes` as this probe's increment over
//! `probe_sign`: the head writer, the Invoke-specific canonical-request writer and the input
//! types, net of the generic canonicalisation that `probe_sign` carries and this one does not.
#![no_std]
#![no_main]

use picolambda_cortex_m_qemu::cell::TakeOnce;
use picolambda_cortex_m_qemu::probe::{consume, finish, keep_fixtures, write_invoke_head};

static HEAD: TakeOnce<[u8; 1024]> = TakeOnce::new([0; 1024]);

#[cortex_m_rt::entry]
fn main() -> ! {
    keep_fixtures();
    finish(head().is_some())
}

fn head() -> Option<()> {
    let out = HEAD.take()?;
    let n = write_invoke_head(out)?;
    consume(&out.get(..n));
    Some(())
}

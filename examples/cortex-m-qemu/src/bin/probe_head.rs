//! Size probe: sign and write an `Invoke` request head (`InvokeHead::write`), with the inputs
//! it needs (endpoint from a URL, validated function name and qualifier, credentials).
//!
//! The API signs inside `InvokeHead::write` (there is no writer for a head with a signature
//! computed elsewhere), so `head_bytes`, like the other figures the difference from the empty
//! baseline, includes the signing the head needs. It is not `sign_bytes` plus the head writer:
//! `probe_sign` uses the generic `Signer::sign` (any request's canonicalisation, a `Signature`
//! returned by value, which links `memcpy`), which the head writer does not use.
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

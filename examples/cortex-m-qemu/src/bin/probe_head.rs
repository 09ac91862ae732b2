//! Size probe: sign and write an `Invoke` request head (`InvokeHead::write`), with the inputs
//! it needs (endpoint from a URL, validated function name and qualifier, credentials).
//!
//! The API signs inside `InvokeHead::write` (there is no writer for a head with a signature
//! computed elsewhere), so footprint.sh reports `head_bytes` as this probe's increment over
//! `probe_sign`: the head writer, the Invoke-specific canonical-request writer and the input
//! types, net of the generic canonicalisation that `probe_sign` carries and this one does not.
#![no_std]
#![no_main]

use picolambda::endpoint::Endpoint;
use picolambda::http::request::InvokeHead;
use picolambda::invoke::{FunctionName, InvokeRequest, LogType, Qualifier};
use picolambda::sigv4::{Credentials, PayloadHash, Signer};
use picolambda::time::Timestamp;
use picolambda_cortex_m_qemu::cell::TakeOnce;
use picolambda_cortex_m_qemu::probe::{
    consume, finish, input, keep_fixtures, ACCESS_KEY_ID, FUNCTION, NOW_UNIX_SECS, PAYLOAD,
    QUALIFIER, REGION, SECRET_ACCESS_KEY, URL,
};

static HEAD: TakeOnce<[u8; 1024]> = TakeOnce::new([0; 1024]);

#[cortex_m_rt::entry]
fn main() -> ! {
    keep_fixtures();
    finish(head().is_some())
}

fn head() -> Option<()> {
    let out = HEAD.take()?;
    let endpoint = Endpoint::from_url(input(URL), input(REGION)).ok()?;
    let credentials =
        Credentials::new(input(ACCESS_KEY_ID), input(SECRET_ACCESS_KEY), None).ok()?;
    let request = InvokeRequest::new(FunctionName::new(input(FUNCTION)).ok()?)
        .with_qualifier(Qualifier::new(input(QUALIFIER)).ok()?)
        .with_log_type(LogType::Tail);
    let payload = PayloadHash::of(input(PAYLOAD));
    let now = Timestamp::from_unix_secs(input(NOW_UNIX_SECS));
    let head = InvokeHead::new(&request, &endpoint, &credentials, now, &payload).ok()?;
    let n = head.write(&mut Signer::new(credentials), out).ok()?;
    consume(&out.get(..n));
    Some(())
}

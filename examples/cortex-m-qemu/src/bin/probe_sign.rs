//! Size probe: signing only. Derives the SigV4 key from a secret and signs a request given as
//! its parts (`Signer::sign` over a `SignableRequest`: canonical request, SHA-256, string to
//! sign, HMAC-SHA-256). No request head, no response.
#![no_std]
#![no_main]

use picolambda::sigv4::{Credentials, PayloadHash, Scope, SignableRequest, Signer};
use picolambda::time::Timestamp;
use picolambda::Emit;
use picolambda_cortex_m_qemu::probe::{
    consume, finish, input, keep_fixtures, ACCESS_KEY_ID, HOST, NOW_UNIX_SECS, PATH, PAYLOAD,
    QUALIFIER, REGION, SECRET_ACCESS_KEY,
};

#[cortex_m_rt::entry]
fn main() -> ! {
    keep_fixtures();
    finish(sign().is_some())
}

fn sign() -> Option<()> {
    let credentials =
        Credentials::new(input(ACCESS_KEY_ID), input(SECRET_ACCESS_KEY), None).ok()?;
    let mut signer = Signer::new(credentials);
    let amz_date = Timestamp::from_unix_secs(input(NOW_UNIX_SECS))
        .to_amz_date()
        .ok()?;
    let host: &str = input(HOST);
    let path: &str = input(PATH);
    let date: &str = amz_date.as_str();
    let headers: [(&str, &dyn Emit); 2] = [("host", &host), ("x-amz-date", &date)];
    let payload = PayloadHash::of(input(PAYLOAD));
    let request = SignableRequest {
        method: "POST",
        path: &path,
        double_encode_path: true,
        query: &[("Qualifier", QUALIFIER)],
        headers: &headers,
        payload: &payload,
    };
    let scope = Scope {
        amz_date,
        region: input(REGION),
        service: "lambda",
    };
    let signature = signer.sign(&request, &scope).ok()?;
    consume(signature.as_hex());
    Some(())
}

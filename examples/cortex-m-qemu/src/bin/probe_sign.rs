//! Size probe: signing only. Derives the SigV4 key from a secret and signs a request given as
//! its parts (`Signer::sign` over a `SignableRequest`: canonical request, SHA-256, string to
//! sign, HMAC-SHA-256). No request head, no response.
#![no_std]
#![no_main]

use picolambda::sigv4::{Credentials, PayloadHash, Scope, SignableRequest, Signer};
use picolambda::time::Timestamp;
use picolambda::Emit;
use picolambda_cortex_m_qemu::probe::{consume, finish, input};

#[cortex_m_rt::entry]
fn main() -> ! {
    finish(sign().is_some())
}

fn sign() -> Option<()> {
    let credentials = Credentials::new(
        input("AKIDPICOLAMBDAQEMU01"),
        input("picolambda/qemu/not-a-real-secret/0123456789"),
        None,
    )
    .ok()?;
    let mut signer = Signer::new(credentials);
    let amz_date = Timestamp::from_unix_secs(input(1_795_739_172))
        .to_amz_date()
        .ok()?;
    let host: &str = input("127.0.0.1:9001");
    let path: &str = input("/2015-03-31/functions/echo/invocations");
    let date: &str = amz_date.as_str();
    let headers: [(&str, &dyn Emit); 2] = [("host", &host), ("x-amz-date", &date)];
    let payload = PayloadHash::of(input(br#"{"hi":true}"#.as_slice()));
    let request = SignableRequest {
        method: "POST",
        path: &path,
        double_encode_path: true,
        query: &[("Qualifier", "live")],
        headers: &headers,
        payload: &payload,
    };
    let scope = Scope {
        amz_date,
        region: input("us-east-1"),
        service: "lambda",
    };
    let signature = signer.sign(&request, &scope).ok()?;
    consume(signature.as_hex());
    Some(())
}

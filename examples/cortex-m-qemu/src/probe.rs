//! Inputs the optimiser cannot see through, for the size probes (`src/bin/probe_*.rs`).
//!
//! Every probe takes its inputs from [`input`] (`core::hint::black_box`, which LLVM must treat as
//! an unknown value) and hands its results to [`consume`], so the work it measures cannot be
//! constant-folded or dropped. Each ends with [`host::exit`](crate::host::exit), like the empty
//! baseline, so differences between probes are the library code alone.
//!
//! The inputs themselves (a URL, credentials, two recorded responses: about 1 KB) are test data,
//! not library code, so every probe, the baseline included, links all of them through
//! [`keep_fixtures`]; they cancel out of every difference. Probes use these constants, never
//! literals of their own, so each fixture is linked once.

use core::hint::black_box;

/// `value`, opaque to the optimiser.
#[inline(always)]
pub fn input<T>(value: T) -> T {
    black_box(value)
}

/// Makes `value` observable: the optimiser must compute all of it.
#[inline(always)]
pub fn consume<T>(value: &T) {
    black_box(value);
}

/// Ends a probe: status 0 when `ok`.
pub fn finish(ok: bool) -> ! {
    crate::host::exit(black_box(ok))
}

/// Endpoint URL of the probes.
pub const URL: &str = "http://127.0.0.1:9001";
/// Region of the probes.
pub const REGION: &str = "us-east-1";
/// Access key id of the probes.
pub const ACCESS_KEY_ID: &str = "AKIDPICOLAMBDAQEMU01";
/// Secret access key of the probes.
pub const SECRET_ACCESS_KEY: &str = "picolambda/qemu/not-a-real-secret/0123456789";
/// Function name of the probes.
pub const FUNCTION: &str = "echo";
/// Qualifier of the probes.
pub const QUALIFIER: &str = "live";
/// Host header of the probes (the signing probe has no endpoint to take it from).
pub const HOST: &str = "127.0.0.1:9001";
/// Request path of the probes (the signing probe builds no head to take it from).
pub const PATH: &str = "/2015-03-31/functions/echo/invocations";
/// Payload of the probes.
pub const PAYLOAD: &[u8] = br#"{"hi":true}"#;
/// Request time of the probes.
pub const NOW_UNIX_SECS: u64 = 1_795_739_172;

/// Builds the probes' `Invoke` request from the fixtures (endpoint from a URL, function name,
/// qualifier, `LogType=Tail`, credentials), signs it and writes its head into `out`: the request
/// half of `probe_head` and `probe_invoke`. Returns the head's length.
#[inline(always)]
pub fn write_invoke_head(out: &mut [u8]) -> Option<usize> {
    use picolambda::endpoint::Endpoint;
    use picolambda::http::request::InvokeHead;
    use picolambda::invoke::{FunctionName, InvokeRequest, LogType, Qualifier};
    use picolambda::sigv4::{Credentials, PayloadHash, Signer};
    use picolambda::time::Timestamp;

    let endpoint = Endpoint::from_url(input(URL), input(REGION)).ok()?;
    let credentials =
        Credentials::new(input(ACCESS_KEY_ID), input(SECRET_ACCESS_KEY), None).ok()?;
    let request = InvokeRequest::new(FunctionName::new(input(FUNCTION)).ok()?)
        .with_qualifier(Qualifier::new(input(QUALIFIER)).ok()?)
        .with_log_type(LogType::Tail);
    let payload = PayloadHash::of(input(PAYLOAD));
    let now = Timestamp::from_unix_secs(input(NOW_UNIX_SECS));
    let head = InvokeHead::new(&request, &endpoint, &credentials, now, &payload).ok()?;
    head.write(&mut Signer::new(credentials), out).ok()
}

/// Links every fixture into the probe that calls it (all do, the baseline too), so the test
/// data is in every image alike and only library code differs between them.
#[inline(always)]
pub fn keep_fixtures() {
    consume(&[
        URL.as_bytes(),
        REGION.as_bytes(),
        ACCESS_KEY_ID.as_bytes(),
        SECRET_ACCESS_KEY.as_bytes(),
        FUNCTION.as_bytes(),
        QUALIFIER.as_bytes(),
        HOST.as_bytes(),
        PATH.as_bytes(),
        PAYLOAD,
        RESPONSE_OK,
        RESPONSE_NOT_FOUND,
    ]);
}

/// A recorded `Invoke` response: `200` with a payload and a `LogType=Tail` log.
pub const RESPONSE_OK: &[u8] = b"HTTP/1.1 200 OK\r\n\
Date: Fri, 27 Nov 2026 00:26:12 GMT\r\n\
Content-Type: application/json\r\n\
Content-Length: 11\r\n\
Connection: keep-alive\r\n\
x-amzn-RequestId: c407954b-ff3b-40d3-ab5b-64c300b8b393\r\n\
X-Amz-Log-Result: U1RBUlQgUmVxdWVzdElkOiBjNDA3OTU0YiBWZXJzaW9uOiAxCmVjaG86IDExIGJ5dGVzCkVORCBSZXF1ZXN0SWQ6IGM0MDc5NTRiCg==\r\n\
X-Amz-Executed-Version: 1\r\n\
\r\n\
{\"hi\":true}";

/// A recorded service error: `404 ResourceNotFoundException`.
pub const RESPONSE_NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\n\
Date: Fri, 27 Nov 2026 00:26:12 GMT\r\n\
Content-Type: application/json\r\n\
Content-Length: 105\r\n\
x-amzn-RequestId: 5f0a6a4e-8a55-4a31-9d1c-2f1f3a5b6c7d\r\n\
x-amzn-ErrorType: ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.awsgirapi/\r\n\
\r\n\
{\"Type\":\"User\",\"message\":\"Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope\"}";

//! Signing and writing the head of a Lambda `Invoke`: picolambda next to `aws-sigv4` and next to
//! the SHA-256 floor, for payloads of 0 B, 1 KiB and 64 KiB.
//!
//! The request: function `orders-ingest-handler`, no qualifier, `LogType: Tail`, no session token,
//! `us-east-1`, a fixed time. Signed headers: `host`, `x-amz-date`, `x-amz-log-type` (both
//! signers).
//!
//! - `picolambda`: one iteration hashes the payload ([`PayloadHash::of`]), builds the
//!   [`InvokeHead`] (formats `X-Amz-Date`) and writes the signed head into a buffer, with a
//!   [`Signer`] reused across iterations, so the signing key is cached (derived once per
//!   date/region/service, as a device would).
//! - `aws-sigv4`: one iteration builds the `SignableRequest` (`SignableBody::Bytes`, so it hashes
//!   the payload too), calls `http_request::sign` with the v4 default `SigningSettings` (header
//!   signature), and writes the same head from the returned signing headers into a reused `Vec`.
//!   Its `SigningParams` (identity, region, name, time, settings) are built once, outside the
//!   loop, which favours it. `aws-sigv4` derives the signing key inside every `sign`: it has no
//!   key cache, and that is part of what is being compared.
//! - `floor`: the SHA-256 compression-function calls the request cannot avoid, timed with
//!   `sha2::compress256` (the same code, SHA-NI where the CPU has it, that `sha2` uses for the real
//!   hashes), one call per block on a fixed block: the payload's blocks with padding, the
//!   canonical request's blocks with padding, and one HMAC with precomputed pad states (the inner
//!   hash's blocks for the string to sign after the 64-byte pad block, with padding, plus one outer
//!   block). The counts come from the actual canonical request and string to sign.
//!
//! Before timing, the bench checks that both signers produce the same signature for each case.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{
    sign as aws_sign, SignableBody, SignableRequest as AwsSignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use picolambda::endpoint::{Endpoint, EndpointOptions};
use picolambda::http::request::InvokeHead;
use picolambda::invoke::{FunctionName, InvokeRequest, LogType};
use picolambda::sigv4::{Credentials, PayloadHash, Signer};
use picolambda::time::Timestamp;
use picolambda::Sink;
use sha2::digest::generic_array::GenericArray;

const FUNCTION: &str = "orders-ingest-handler";
const REGION: &str = "us-east-1";
const HOST: &str = "lambda.us-east-1.amazonaws.com";
const PATH: &str = "/2015-03-31/functions/orders-ingest-handler/invocations";
const URI: &str =
    "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/orders-ingest-handler/invocations";
const ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// 2025-06-01T12:34:56Z.
const UNIX_SECS: u64 = 1_748_781_296;
const SIZES: [usize; 3] = [0, 1024, 64 * 1024];

/// A [`Sink`] into a `Vec` (the trait and `Vec` are both foreign here).
struct VecSink(Vec<u8>);

impl Sink for VecSink {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

/// A JSON-ish payload of exactly `len` bytes.
fn payload(len: usize) -> Vec<u8> {
    let pattern = br#"{"orderId":"7f3c2a9e","sku":"WIDGET-42","qty":3,"priceCents":1999},"#;
    pattern.iter().copied().cycle().take(len).collect()
}

fn request() -> InvokeRequest<'static> {
    InvokeRequest::new(FunctionName::new(FUNCTION).expect("function name"))
        .with_log_type(LogType::Tail)
}

fn endpoint() -> Endpoint<'static> {
    Endpoint::aws(REGION, EndpointOptions::default()).expect("endpoint")
}

fn credentials() -> Credentials<'static> {
    Credentials::new(ACCESS_KEY, SECRET_KEY, None).expect("credentials")
}

fn now() -> Timestamp {
    Timestamp::from_unix_secs(UNIX_SECS)
}

/// picolambda: hash the payload, sign, write the head. Returns the head length.
fn picolambda_sign(
    request: &InvokeRequest<'_>,
    endpoint: &Endpoint<'_>,
    credentials: &Credentials<'_>,
    signer: &mut Signer<'_>,
    payload: &[u8],
    out: &mut [u8],
) -> usize {
    let hash = PayloadHash::of(payload);
    let head = InvokeHead::new(request, endpoint, credentials, now(), &hash).expect("head");
    head.write(signer, out).expect("write")
}

/// aws-sigv4: sign the same request and write the same head from its signing headers.
fn aws_sigv4_sign(
    params: &aws_sigv4::http_request::SigningParams<'_>,
    payload: &[u8],
    out: &mut Vec<u8>,
) {
    let headers = [("x-amz-log-type", "Tail")];
    let signable = AwsSignableRequest::new(
        "POST",
        URI,
        headers.iter().copied(),
        SignableBody::Bytes(payload),
    )
    .expect("signable request");
    let (instructions, _signature) = aws_sign(signable, params).expect("sign").into_parts();
    out.clear();
    out.extend_from_slice(b"POST ");
    out.extend_from_slice(PATH.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
    out.extend_from_slice(HOST.as_bytes());
    out.extend_from_slice(b"\r\nX-Amz-Log-Type: Tail\r\nContent-Length: ");
    out.extend_from_slice(payload.len().to_string().as_bytes());
    for (name, value) in instructions.headers() {
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
    }
    out.extend_from_slice(b"\r\n\r\n");
}

/// Compression-function calls one signed request needs, from its real canonical request and
/// string to sign.
#[derive(Clone, Copy, Debug)]
struct Blocks {
    payload: usize,
    canonical_request: usize,
    hmac: usize,
}

impl Blocks {
    fn total(self) -> usize {
        self.payload + self.canonical_request + self.hmac
    }
}

/// Blocks of a SHA-256 message of `len` bytes: data, the 0x80 byte and the 8-byte length.
fn sha256_blocks(len: usize) -> usize {
    (len + 9).div_ceil(64)
}

fn blocks(request: &InvokeRequest<'_>, endpoint: &Endpoint<'_>, payload: &[u8]) -> Blocks {
    let hash = PayloadHash::of(payload);
    let head = InvokeHead::new(request, endpoint, &credentials(), now(), &hash).expect("head");
    let mut creq = VecSink(Vec::new());
    head.write_canonical_request(&mut creq);
    let mut sts = VecSink(Vec::new());
    head.write_string_to_sign(&mut sts);
    Blocks {
        payload: sha256_blocks(payload.len()),
        canonical_request: sha256_blocks(creq.0.len()),
        // The inner hash continues after the precomputed `key ^ ipad` block; the outer hash
        // (`key ^ opad` block precomputed, then the 32-byte inner digest and padding) is one block.
        hmac: sha256_blocks(64 + sts.0.len()) - 1 + 1,
    }
}

fn floor(n: usize, state: &mut [u32; 8], block: &GenericArray<u8, sha2::digest::consts::U64>) {
    for _ in 0..n {
        sha2::compress256(state, std::slice::from_ref(block));
    }
}

fn sign(c: &mut Criterion) {
    let request = request();
    let endpoint = endpoint();
    let creds = credentials();
    let mut signer = Signer::new(creds);
    let mut buf = vec![0u8; 4096];

    let aws_identity: Identity =
        AwsCredentials::new(ACCESS_KEY, SECRET_KEY, None, None, "bench").into();
    let aws_params: aws_sigv4::http_request::SigningParams<'_> = v4::SigningParams::builder()
        .identity(&aws_identity)
        .region(REGION)
        .name("lambda")
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(UNIX_SECS))
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let mut aws_out = Vec::with_capacity(4096);

    let mut group = c.benchmark_group("sign");
    for size in SIZES {
        let body = payload(size);

        // Same request, same signature: the comparison is like for like.
        let n = picolambda_sign(&request, &endpoint, &creds, &mut signer, &body, &mut buf);
        aws_sigv4_sign(&aws_params, &body, &mut aws_out);
        let ours = std::str::from_utf8(&buf[..n]).expect("utf-8");
        let theirs = std::str::from_utf8(&aws_out).expect("utf-8");
        let sig = |head: &str| {
            head.split("Signature=")
                .nth(1)
                .map(|s| s[..64].to_owned())
                .expect("signature")
        };
        assert_eq!(
            sig(ours),
            sig(theirs),
            "signatures differ at {size} B:\n{ours}\n{theirs}"
        );

        let b = blocks(&request, &endpoint, &body);
        eprintln!(
            "sign/{size}: {} compression calls (payload {}, canonical request {}, hmac {})",
            b.total(),
            b.payload,
            b.canonical_request,
            b.hmac
        );

        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("picolambda", size), &body, |bch, body| {
            bch.iter(|| {
                picolambda_sign(
                    &request,
                    &endpoint,
                    &creds,
                    &mut signer,
                    black_box(body),
                    &mut buf,
                )
            })
        });
        group.bench_with_input(BenchmarkId::new("aws-sigv4", size), &body, |bch, body| {
            bch.iter(|| aws_sigv4_sign(&aws_params, black_box(body), &mut aws_out))
        });
        let block = GenericArray::from([0x5au8; 64]);
        let mut state = [0u32; 8];
        group.bench_with_input(BenchmarkId::new("floor", size), &b.total(), |bch, &n| {
            bch.iter(|| floor(black_box(n), &mut state, black_box(&block)))
        });
        black_box(state);
    }
    group.finish();
}

criterion_group!(benches, sign);
criterion_main!(benches);

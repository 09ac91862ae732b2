//! Every recorded response in `tests/data/responses/` is read whole, one byte at a time, split at
//! every offset and in receive-buffer-sized pieces; all must give the same events and the same
//! Invoke result, and bytes after the response (a pipelined next one) must be left untouched.

mod response_common;
mod response_model;

use picolambda::http::response::{BodyFraming, Version};
use picolambda::invoke::response::{
    read_complete, FunctionError, InvokeOutcome, LogResult, ServiceErrorKind, ThrottleReason,
};
use response_common::*;
use response_model::cut;

const RID: &str = "6f3a7c1e-2b1d-4c8e-9a57-1f0e2d3c4b5a";
const DATE: &str = "Wed, 27 Nov 2024 10:15:42 GMT";
const NEXT: &[u8] = b"HTTP/1.1 204 No Content\r\nx-amzn-RequestId: next\r\n\r\n";

/// Responses whose body runs until the connection closes: nothing can follow them.
fn until_close(name: &str) -> bool {
    name == "http10-until-close.http"
}

fn strategies(input: &[u8]) -> Vec<(String, Vec<&[u8]>)> {
    let mut v = vec![
        ("whole".to_string(), vec![input]),
        ("bytes".to_string(), input.chunks(1).collect()),
    ];
    for n in [2, 3, 16, 64, 256, 536] {
        v.push((format!("pieces of {n}"), input.chunks(n).collect()));
    }
    for i in 0..=input.len() {
        v.push((format!("split at {i}"), cut(input, &[i])));
    }
    v
}

#[test]
fn parser_events_do_not_depend_on_the_split() {
    let interest = lambda_interest();
    for (name, input) in fixtures() {
        let whole = parse_pieces(&interest, &[&input], true);
        assert_eq!(whole.error, None, "{name}");
        assert!(whole.end.is_some(), "{name}");
        for (how, pieces) in strategies(&input) {
            assert_eq!(
                parse_pieces(&interest, &pieces, true),
                whole,
                "{name}: {how}"
            );
        }
    }
}

#[test]
fn reader_result_does_not_depend_on_the_split() {
    for (name, input) in fixtures() {
        let whole = read_pieces(&[&input]);
        assert!(whole.outcome.is_ok(), "{name}: {:?}", whole.outcome);
        for (how, pieces) in strategies(&input) {
            assert_eq!(read_pieces(&pieces), whole, "{name}: {how}");
        }
    }
}

#[test]
fn trailing_bytes_are_left_untouched() {
    for (name, input) in fixtures() {
        if until_close(&name) {
            continue;
        }
        let mut wire = input.clone();
        wire.extend_from_slice(NEXT);
        let t = parse_pieces(&lambda_interest(), &[&wire], false);
        assert_eq!(t.consumed, input.len(), "{name}");
        for (how, pieces) in strategies(&wire) {
            let t = parse_pieces(&lambda_interest(), &pieces, false);
            assert_eq!(t.consumed, input.len(), "{name}: {how}");
            let r = read_pieces(&pieces);
            assert_eq!(r.consumed, Some(input.len()), "{name}: {how}");
        }
    }
}

/// A receive buffer much smaller than the head: 256 bytes for a 5.9 KB head.
#[test]
fn small_receive_buffer_gets_the_whole_log() {
    let input = fixture("lambda-200-log-4k.http");
    let log = fixture("lambda-200-log-4k.log");
    assert_eq!(log.len(), 4096);
    let r = read_pieces(&input.chunks(256).collect::<Vec<_>>());
    assert_eq!(r.log.as_deref(), Some(&log[..]));
}

fn expect(name: &str) -> (InvokeOutcome, Vec<u8>, Option<Vec<u8>>) {
    let r = read_pieces(&[&fixture(name)]);
    (
        r.outcome.unwrap_or_else(|e| panic!("{name}: {e:?}")),
        r.payload,
        r.log,
    )
}

fn ok(
    name: &str,
) -> (
    picolambda::invoke::response::InvokeSuccess,
    Vec<u8>,
    Option<Vec<u8>>,
) {
    match expect(name) {
        (InvokeOutcome::Success(s), p, l) => (s, p, l),
        (other, _, _) => panic!("{name}: {other:?}"),
    }
}

fn service_error(name: &str) -> picolambda::invoke::response::ServiceError {
    match expect(name) {
        (InvokeOutcome::ServiceError(e), p, _) => {
            assert!(p.is_empty());
            e
        }
        (other, _, _) => panic!("{name}: {other:?}"),
    }
}

#[test]
fn lambda_200_small() {
    let (s, payload, log) = ok("lambda-200-small.http");
    assert_eq!(s.status, 200);
    assert_eq!(s.function_error, None);
    assert_eq!(s.executed_version.as_deref(), Some("$LATEST"));
    assert_eq!(s.meta.request_id.as_deref(), Some(RID));
    assert_eq!(s.meta.date.as_deref(), Some(DATE));
    assert!(s.meta.reusable);
    assert_eq!(payload, br#"{"statusCode":200,"body":"{\"ok\":true}"}"#);
    assert_eq!(s.payload_len, payload.len() as u64);
    assert_eq!((s.log_result, log), (None, None));
}

#[test]
fn lambda_200_with_log_tails() {
    for (http, logf) in [
        ("lambda-200-log-3k.http", "lambda-200-log-3k.log"),
        ("lambda-200-log-4k.http", "lambda-200-log-4k.log"),
    ] {
        let want = fixture(logf);
        let (s, _, log) = ok(http);
        assert_eq!(s.log_result, Some(LogResult::Decoded { len: want.len() }));
        assert_eq!(log.as_deref(), Some(&want[..]), "{http}");
    }
}

#[test]
fn lambda_202_event_and_204_dry_run() {
    let (s, payload, _) = ok("lambda-202-event.http");
    assert_eq!((s.status, payload.len()), (202, 0));
    assert_eq!(s.meta.request_id.as_deref(), Some(RID));
    let (s, payload, _) = ok("lambda-204-dryrun.http");
    assert_eq!((s.status, payload.len(), s.meta.reusable), (204, 0, true));
    let t = parse_pieces(&[], &[&fixture("lambda-204-dryrun.http")], false);
    assert_eq!(t.head.unwrap().framing, BodyFraming::Empty);
}

#[test]
fn lambda_200_unhandled_function_error() {
    let (s, payload, _) = ok("lambda-200-unhandled.http");
    assert_eq!(s.function_error, Some(FunctionError::Unhandled));
    assert_eq!(s.executed_version.as_deref(), Some("7"));
    assert!(payload.starts_with(br#"{"errorMessage":"division by zero""#));
}

#[test]
fn lambda_404_resource_not_found() {
    let e = service_error("lambda-404-resource-not-found.http");
    assert_eq!(
        (e.status, e.kind),
        (404, ServiceErrorKind::ResourceNotFoundException)
    );
    assert_eq!(e.code.as_deref(), Some("ResourceNotFoundException"));
    assert_eq!(
        e.message(),
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"
    );
    assert_eq!(e.meta.request_id.as_deref(), Some(RID));
}

#[test]
fn lambda_429_throttled() {
    let e = service_error("lambda-429-throttled.http");
    assert_eq!(
        (e.status, e.kind),
        (429, ServiceErrorKind::TooManyRequestsException)
    );
    assert_eq!(
        e.reason,
        Some(ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded)
    );
    assert_eq!(e.message(), "Rate Exceeded.");
    assert_eq!(e.meta.retry_after_seconds(), Some(2));
    assert!(e.is_retryable());
}

#[test]
fn lambda_500_service_exception_with_escapes() {
    let e = service_error("lambda-500-service-exception.http");
    assert_eq!(e.kind, ServiceErrorKind::ServiceException);
    assert_eq!(
        e.message(),
        "Lambda encountered an internal error: \"retry\" \u{e9}\n"
    );
    assert!(!e.meta.reusable, "Connection: close");
}

#[test]
fn lambda_403_invalid_signature() {
    let e = service_error("lambda-403-invalid-signature.http");
    assert_eq!(e.kind, ServiceErrorKind::InvalidSignatureException);
    assert!(e
        .message()
        .starts_with("The request signature we calculated"));
}

#[test]
fn proxy_502_html() {
    let e = service_error("proxy-502-html.http");
    assert_eq!(
        (e.status, e.kind, e.code.as_deref()),
        (502, ServiceErrorKind::Unknown, None)
    );
    assert_eq!(e.message, None);
    assert!(e.is_retryable());
}

#[test]
fn moto_403_xml() {
    for (name, kind, msg) in [
        (
            "moto-403-signature-does-not-match.http",
            ServiceErrorKind::SignatureDoesNotMatch,
            "The request signature we calculated does not match",
        ),
        (
            "moto-403-invalid-client-token-id.http",
            ServiceErrorKind::InvalidClientTokenId,
            "The security token included in the request is invalid.",
        ),
    ] {
        let e = service_error(name);
        assert_eq!((e.status, e.kind), (403, kind), "{name}");
        assert!(e.message().starts_with(msg), "{name}: {}", e.message());
        assert_eq!(e.meta.request_id.as_ref().map(|r| r.len()), Some(52));
        assert!(!e.meta.reusable, "moto always sends Connection: close");
    }
}

#[test]
fn chunked_response() {
    let (s, payload, _) = ok("lambda-200-chunked.http");
    assert_eq!(s.executed_version.as_deref(), Some("3"));
    let mut want = br#"{"items":[1,2,3],"next":null,"note":""#.to_vec();
    want.extend(std::iter::repeat_n(b'x', 300));
    want.extend_from_slice(b"\"}");
    assert_eq!(payload, want);
    assert!(s.meta.reusable);
}

#[test]
fn interim_responses_are_skipped() {
    let (s, payload, _) = ok("lambda-200-after-100-continue.http");
    let (small, small_payload, _) = ok("lambda-200-small.http");
    assert_eq!((s, payload), (small, small_payload));
}

#[test]
fn http10_body_until_close() {
    let (s, payload, _) = ok("http10-until-close.http");
    assert_eq!(payload, br#"{"streamed":"until the peer closes"}"#);
    assert!(!s.meta.reusable);
    let t = parse_pieces(&[], &[&fixture("http10-until-close.http")], true);
    let head = t.head.unwrap();
    assert_eq!(
        (head.version, head.framing),
        (Version::Http10, BodyFraming::UntilClose)
    );
}

#[test]
fn odd_case_and_whitespace() {
    let (s, _, _) = ok("lambda-200-ows.http");
    assert_eq!(s.meta.date.as_deref(), Some(DATE));
    assert_eq!(s.meta.request_id.as_deref(), Some(RID));
    assert_eq!(s.executed_version.as_deref(), Some("1"));
    assert_eq!(s.function_error, Some(FunctionError::Handled));
}

#[test]
fn read_complete_collects_into_a_buffer() {
    let wire = fixture("lambda-200-small.http");
    let mut log = [0u8; 16];
    let mut payload = [0u8; 64];
    let (o, used) = read_complete(&wire, &mut log, &mut payload).unwrap();
    assert_eq!(used, wire.len());
    let InvokeOutcome::Success(s) = o else {
        panic!()
    };
    assert_eq!(
        &payload[..s.payload_len as usize],
        br#"{"statusCode":200,"body":"{\"ok\":true}"}"#
    );
}

//! `LambdaClient` against scripted loopback servers: each server is a thread that reads one
//! request at a time and answers exactly the bytes the test chooses (chunked framing, keep-alive,
//! dropped connections, throttling, slow and silent peers, skewed clocks, cut responses).
//!
//! Every server and every client read is bounded in time; no test can hang.

mod scripted_common;

use std::io;
use std::time::{Duration, Instant};

use base64::Engine as _;
use picolambda::driver::InvokeError;
use picolambda::http::response::ResponseError;
use picolambda::invoke::response::{FunctionError, InvokeOutcome, ReadError};
use picolambda::invoke::{InvocationType, LogType};
use picolambda::retry::GiveUpReason;
use picolambda::time::Timestamp;
use picolambda_std::InvokeResponse;
use scripted_common::*;

type ClientError =
    picolambda_std::client::Error<std::convert::Infallible, std::convert::Infallible>;

fn success(r: &InvokeResponse) -> &picolambda::invoke::response::InvokeSuccess {
    match &r.outcome {
        InvokeOutcome::Success(ok) => ok,
        other => panic!("expected a success, got {other:?}"),
    }
}

fn service(r: &InvokeResponse) -> &picolambda::invoke::response::ServiceError {
    match &r.outcome {
        InvokeOutcome::ServiceError(e) => e,
        other => panic!("expected a service error, got {other:?}"),
    }
}

/// The `ResponseError` and give-up reason of a cut or malformed response.
fn response_error(e: ClientError) -> (ResponseError, GiveUpReason) {
    match e {
        InvokeError::Response {
            error: ReadError::Http(h),
            reason,
        } => (h, reason),
        other => panic!("expected a response error, got {other:?}"),
    }
}

fn event() -> picolambda::invoke::InvokeRequest<'static> {
    request("fn").with_invocation_type(InvocationType::Event)
}

// ---------------------------------------------------------------------------------------------
// Framing.

#[test]
fn chunked_responses_with_extensions_and_trailers_keep_the_connection() {
    // A payload split into chunks written every way RFC 9112 allows: lower- and upper-case hex,
    // leading zeros, extensions with and without (quoted) values, then trailer fields.
    let body = concat!(
        "7;name=value\r\n{\"greet\r\n",
        "0A;flag\r\ning\":\"hell\r\n",
        "00c ; quoted=\"a;b \\\" c\"\r\no, chunked w\r\n",
        "6\r\norld\"}\r\n",
        "0;last=1\r\nX-Checksum: abc123\r\nX-Other-Trailer: 1\r\n\r\n",
    );
    let first = chunked(
        "HTTP/1.1 200 OK",
        &[
            ("X-Amz-Executed-Version", "7"),
            ("x-amzn-RequestId", "aaaaaaaa-2222-3333-4444-555555555555"),
            ("Trailer", "X-Checksum, X-Other-Trailer"),
        ],
        body,
    );
    // A service error with a chunked JSON body.
    let error = chunked(
        "HTTP/1.1 400 Bad Request",
        &[("x-amzn-ErrorType", "InvalidRequestContentException")],
        concat!(
            "10\r\n{\"Type\":\"User\",\"\r\n",
            "32\r\nmessage\":\"Could not parse request body into json\"}\r\n",
            "0\r\n\r\n"
        ),
    );
    // An empty chunked payload, and a large one in odd-sized chunks (larger than the client's
    // receive buffer).
    let empty = chunked("HTTP/1.1 200 OK", &[], "0\r\n\r\n");
    let big_payload: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut big_body = String::new();
    for piece in big_payload.chunks(4093) {
        big_body.push_str(&format!("{:x};n=1\r\n", piece.len()));
        big_body.push_str(std::str::from_utf8(piece).unwrap());
        big_body.push_str("\r\n");
    }
    big_body.push_str("0\r\n\r\n");
    let big = chunked("HTTP/1.1 200 OK", &[], &big_body);

    let server = serve(vec![
        Reply::Send(first),
        Reply::Send(error),
        Reply::Send(empty),
        Reply::Send(big),
        Reply::Echo,
    ]);
    let mut client = client(server.url());

    let r = client.invoke(&request("fn"), b"{}").unwrap();
    let ok = success(&r);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.executed_version.as_deref(), Some("7"));
    assert_eq!(r.payload, br#"{"greeting":"hello, chunked world"}"#);
    assert_eq!(ok.payload_len, r.payload.len() as u64);

    let r = client.invoke(&request("fn"), b"{}").unwrap();
    let e = service(&r);
    assert_eq!(e.status, 400);
    assert_eq!(e.code.as_deref(), Some("InvalidRequestContentException"));
    assert_eq!(e.message(), "Could not parse request body into json");

    let r = client.invoke(&request("fn"), b"{}").unwrap();
    assert_eq!(success(&r).status, 200);
    assert!(r.payload.is_empty());

    let r = client.invoke(&request("fn"), b"{}").unwrap();
    assert_eq!(r.payload, big_payload);

    // The framing was consumed exactly: the same connection carries the next exchange.
    let r = client.invoke(&request("fn"), b"{\"last\":true}").unwrap();
    assert_eq!(r.payload, b"{\"last\":true}");

    assert_eq!(client.connections_opened(), 1);
    let report = server.finish();
    assert_eq!(report.requests.len(), 5);
    assert_eq!((report.accepted, report.unaccepted), (1, 0));
}

#[test]
fn one_connection_for_a_hundred_invokes() {
    let server = Scripted::start(|s| {
        let mut conn = s.accept();
        let mut served = 0;
        while served < 100 {
            let Some(req) = conn.read_request() else {
                break;
            };
            conn.send(&ok(&req.body));
            served += 1;
        }
        // The client must not send anything more on this connection (nor open another one).
        s.wait_for_finish();
        served
    });
    let mut client = client(server.url());
    for i in 0..100 {
        let payload = format!("{{\"i\":{i}}}");
        let r = client.invoke(&request("fn"), payload.as_bytes()).unwrap();
        assert_eq!(success(&r).status, 200);
        assert_eq!(r.payload, payload.as_bytes());
    }
    assert_eq!(client.connections_opened(), 1);
    let report = server.finish();
    assert_eq!(report.value, 100);
    assert_eq!(report.requests.len(), 100);
    assert!(report.requests.iter().all(|r| r.connection == 0));
    assert_eq!(report.accepted, 1);
    assert_eq!(report.unaccepted, 0, "the client opened another connection");
}

#[test]
fn interim_100_continue_is_skipped() {
    let mut reply =
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX-Ignored: 1\r\n\r\n".to_vec();
    reply.extend_from_slice(&ok(b"\"after interim\""));
    let server = serve(vec![Reply::Send(reply), Reply::Echo]);
    let mut client = client(server.url());
    let r = client.invoke(&request("fn"), b"{}").unwrap();
    assert_eq!(success(&r).status, 200);
    assert_eq!(r.payload, b"\"after interim\"");
    let r = client.invoke(&request("fn"), b"[1]").unwrap();
    assert_eq!(r.payload, b"[1]");
    assert_eq!(client.connections_opened(), 1);
    assert_eq!(server.finish().connections(), 1);
}

#[test]
fn a_close_delimited_body_is_read_to_the_end_and_the_next_invoke_reconnects() {
    let server = serve(vec![
        Reply::SendThenClose(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"until\":\"eof\"}".to_vec(),
        ),
        Reply::Echo,
    ]);
    let mut client = client(server.url());
    let r = client.invoke(&request("fn"), b"{}").unwrap();
    assert_eq!(r.payload, b"{\"until\":\"eof\"}");
    let r = client.invoke(&request("fn"), b"{\"n\":2}").unwrap();
    assert_eq!(r.payload, b"{\"n\":2}");
    assert_eq!(client.connections_opened(), 2);
    let report = server.finish();
    assert_eq!(report.requests.len(), 2, "each request was sent once");
    assert_eq!(report.connections(), 2);
}

#[test]
fn bytes_after_a_response_make_the_connection_unusable() {
    // Two responses to one request: the client takes the first and does not reuse a connection
    // whose peer is confused.
    let mut double = ok(b"\"first\"");
    double.extend_from_slice(&ok(b"\"unasked\""));
    let server = serve(vec![Reply::Send(double), Reply::Echo]);
    let mut client = client(server.url());
    let r = client.invoke(&request("fn"), b"{}").unwrap();
    assert_eq!(r.payload, b"\"first\"");
    let r = client.invoke(&request("fn"), b"{\"n\":2}").unwrap();
    assert_eq!(
        r.payload, b"{\"n\":2}",
        "the unasked response was not taken as this one's"
    );
    assert_eq!(client.connections_opened(), 2);
    assert_eq!(server.finish().requests.len(), 2);
}

#[test]
fn a_server_writing_one_byte_at_a_time() {
    let log = "START RequestId: x Version: $LATEST\nslow but steady\nEND RequestId: x\n";
    let log_b64 = base64::engine::general_purpose::STANDARD.encode(log);
    let payload = format!("{{\"data\":\"{}\"}}", "z".repeat(300));
    let with_length = response(
        200,
        "OK",
        &[
            ("Content-Type", "application/json"),
            ("X-Amz-Executed-Version", "3"),
            ("X-Amz-Log-Result", &log_b64),
            ("x-amzn-RequestId", "bbbbbbbb-2222-3333-4444-555555555555"),
        ],
        payload.as_bytes(),
    );
    let error_payload = r#"{"errorMessage":"boom","errorType":"Error"}"#;
    let mut chunked_body = String::new();
    for piece in error_payload.as_bytes().chunks(9) {
        chunked_body.push_str(&format!(
            "{:x};ext\r\n{}\r\n",
            piece.len(),
            std::str::from_utf8(piece).unwrap()
        ));
    }
    chunked_body.push_str("0\r\nX-Trailer: t\r\n\r\n");
    let with_chunks = chunked(
        "HTTP/1.1 200 OK",
        &[
            ("X-Amz-Function-Error", "Unhandled"),
            ("X-Amz-Executed-Version", "$LATEST"),
        ],
        &chunked_body,
    );
    let pause = Duration::from_millis(1);
    let server = serve(vec![
        Reply::Slowly(with_length, 5, pause),
        Reply::Slowly(with_chunks, 5, pause),
        Reply::Echo,
    ]);
    let mut client = client(server.url());

    let r = client
        .invoke(&request("fn").with_log_type(LogType::Tail), b"{}")
        .unwrap();
    let ok = success(&r);
    assert_eq!(ok.executed_version.as_deref(), Some("3"));
    assert_eq!(
        ok.request_id(),
        Some("bbbbbbbb-2222-3333-4444-555555555555")
    );
    assert_eq!(r.payload, payload.as_bytes());
    assert_eq!(r.log.as_deref(), Some(log.as_bytes()));

    let r = client.invoke(&request("fn"), b"{}").unwrap();
    let ok = success(&r);
    assert_eq!(ok.function_error, Some(FunctionError::Unhandled));
    assert_eq!(r.payload, error_payload.as_bytes());

    let r = client.invoke(&request("fn"), b"{\"n\":3}").unwrap();
    assert_eq!(r.payload, b"{\"n\":3}");
    assert_eq!(client.connections_opened(), 1);
    assert_eq!(server.finish().connections(), 1);
}

trait RequestId {
    fn request_id(&self) -> Option<&str>;
}

impl RequestId for picolambda::invoke::response::InvokeSuccess {
    fn request_id(&self) -> Option<&str> {
        self.meta.request_id.as_deref()
    }
}

// ---------------------------------------------------------------------------------------------
// Lost responses: RequestResponse is never sent twice; Event follows the standard rules.

#[test]
fn closed_after_the_request_request_response_is_not_retried() {
    let server = serve(vec![Reply::Close]);
    let mut client = client_with(server.url(), net(Duration::from_secs(1)), fast_retry());
    let err = client
        .invoke(&request("fn"), b"{\"once\":true}")
        .unwrap_err();
    let (error, reason) = response_error(err);
    assert_eq!(error, ResponseError::ClosedBeforeResponse);
    assert_eq!(reason, GiveUpReason::MayHaveRun);
    let report = server.finish();
    assert_eq!(
        report.requests.len(),
        1,
        "the function may have run: not sent again"
    );
    assert_eq!(
        report.requests[0].body, b"{\"once\":true}",
        "the request was sent completely"
    );
    assert_eq!(report.connections(), 1);
    assert_eq!(client.connections_opened(), 1);
}

#[test]
fn closed_after_the_request_event_is_retried_on_a_new_connection() {
    let server = serve(vec![Reply::Close, Reply::Send(accepted())]);
    let mut client = client(server.url());
    let r = client.invoke(&event(), b"{\"queued\":1}").unwrap();
    assert_eq!(success(&r).status, 202);
    assert_eq!(client.connections_opened(), 2);
    let report = server.finish();
    assert_eq!(report.requests.len(), 2);
    assert_eq!(
        report.requests[1].connection, 1,
        "the retry went on a new connection"
    );
    for req in &report.requests {
        assert_eq!(req.header("x-amz-invocation-type"), Some("Event"));
        assert_eq!(req.body, b"{\"queued\":1}");
    }
    assert_eq!(report.connections(), 2);
}

#[test]
fn resend_opt_in_retries_a_request_response_that_lost_its_response() {
    let server = serve(vec![Reply::Close, Reply::Echo]);
    let mut client = client_with(
        server.url(),
        net(Duration::from_secs(5)),
        fast_retry().with_resend_request_response(true),
    );
    let r = client.invoke(&request("idempotent"), b"{\"k\":1}").unwrap();
    assert_eq!(r.payload, b"{\"k\":1}");
    assert_eq!(server.finish().requests.len(), 2);
}

#[test]
fn a_server_that_never_answers_times_out_and_request_response_is_not_retried() {
    let server = serve(vec![Reply::Hold]);
    let mut client = client_with(server.url(), net(Duration::from_millis(300)), fast_retry());
    let started = Instant::now();
    let err = client.invoke(&request("fn"), b"{}").unwrap_err();
    let elapsed = started.elapsed();
    match err {
        InvokeError::Transport { error, reason } => {
            assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error:?}");
            assert_eq!(reason, GiveUpReason::MayHaveRun);
        }
        other => panic!("expected a read timeout, got {other:?}"),
    }
    assert!(
        elapsed >= Duration::from_millis(250) && elapsed < Duration::from_secs(2),
        "the read timeout fired after {elapsed:?}"
    );
    let report = server.finish();
    assert_eq!(report.requests.len(), 1);
    assert_eq!(report.connections(), 1);
}

#[test]
fn a_server_that_never_answers_an_event_is_retried_until_attempts_run_out() {
    let server = Scripted::start(|s| {
        // Read each attempt's request and hold every connection open, unanswered.
        let mut held = Vec::new();
        for _ in 0..3 {
            let mut conn = s.accept();
            conn.expect_request();
            held.push(conn);
        }
        s.wait_for_finish();
    });
    let mut client = client_with(server.url(), net(Duration::from_millis(200)), fast_retry());
    let started = Instant::now();
    let err = client.invoke(&event(), b"{}").unwrap_err();
    let elapsed = started.elapsed();
    match err {
        InvokeError::Transport { error, reason } => {
            assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error:?}");
            assert_eq!(reason, GiveUpReason::AttemptsExhausted);
        }
        other => panic!("expected a read timeout, got {other:?}"),
    }
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let report = server.finish();
    assert_eq!(report.requests.len(), 3);
    assert_eq!((report.accepted, report.unaccepted), (3, 0));
}

// ---------------------------------------------------------------------------------------------
// Service errors.

const THROTTLED_BODY: &str = r#"{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}"#;

#[test]
fn throttled_429_with_retry_after_is_retried_after_the_delay() {
    let server = serve(vec![
        Reply::Send(service_error(
            429,
            "Too Many Requests",
            "TooManyRequestsException",
            &[("Retry-After", "1")],
            THROTTLED_BODY,
        )),
        Reply::Echo,
    ]);
    let mut client = client_with(
        server.url(),
        net(Duration::from_secs(5)),
        fast_retry().with_retry_after_max_ms(10_000),
    );
    let started = Instant::now();
    let r = client.invoke(&request("fn"), b"{\"t\":1}").unwrap();
    let elapsed = started.elapsed();
    assert_eq!(success(&r).status, 200);
    assert_eq!(r.payload, b"{\"t\":1}");
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(4),
        "Retry-After: 1 honoured: {elapsed:?}"
    );
    let report = server.finish();
    assert_eq!(report.requests.len(), 2);
    let gap = report.requests[1].at - report.requests[0].at;
    assert!(
        gap >= Duration::from_millis(900),
        "second request {gap:?} after the first"
    );
}

#[test]
fn a_retry_after_longer_than_the_bound_is_cut_to_it() {
    let server = serve(vec![
        Reply::Send(service_error(
            429,
            "Too Many Requests",
            "TooManyRequestsException",
            &[("Retry-After", "3600")],
            THROTTLED_BODY,
        )),
        Reply::Echo,
    ]);
    let mut client = client_with(
        server.url(),
        net(Duration::from_secs(5)),
        fast_retry().with_retry_after_max_ms(200),
    );
    let started = Instant::now();
    let r = client.invoke(&request("fn"), b"{}").unwrap();
    let elapsed = started.elapsed();
    assert_eq!(success(&r).status, 200);
    assert!(
        elapsed >= Duration::from_millis(180) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    assert_eq!(server.finish().requests.len(), 2);
}

fn unavailable() -> Vec<u8> {
    service_error(
        503,
        "Service Unavailable",
        "ServiceException",
        &[],
        r#"{"Type":"Service","message":"Service unavailable, try again."}"#,
    )
}

#[test]
fn service_unavailable_then_ok_is_retried() {
    let server = serve(vec![Reply::Send(unavailable()), Reply::Echo]);
    let mut client = client(server.url());
    let r = client.invoke(&request("fn"), b"{\"after\":503}").unwrap();
    assert_eq!(success(&r).status, 200);
    assert_eq!(r.payload, b"{\"after\":503}");
    let report = server.finish();
    assert_eq!(report.requests.len(), 2);
    assert_eq!(
        report.connections(),
        1,
        "the 503 left the connection usable"
    );
}

#[test]
fn three_503s_give_up_with_the_service_error() {
    let server = serve(vec![
        Reply::Send(unavailable()),
        Reply::Send(unavailable()),
        Reply::Send(unavailable()),
    ]);
    let mut client = client(server.url());
    // Attempts exhausted on a service error: the last response is the answer, not an error.
    let r = client.invoke(&request("fn"), b"{}").unwrap();
    let e = service(&r);
    assert_eq!(e.status, 503);
    assert_eq!(e.code.as_deref(), Some("ServiceException"));
    assert_eq!(e.message(), "Service unavailable, try again.");
    assert!(r.payload.is_empty());
    let report = server.finish();
    assert_eq!(report.requests.len(), 3, "standard mode: 3 attempts");
    assert_eq!(report.connections(), 1);
}

#[test]
fn a_403_without_skew_is_not_retried() {
    // What a wrong secret gets: a clock-skew code, but the server's clock agrees with ours.
    let server = Scripted::start(|s| {
        let mut conn = None;
        let (c, _) = s.next_request(&mut conn);
        c.send(&service_error(
            403,
            "Forbidden",
            "InvalidSignatureException",
            &[("Date", &http_date(unix_now()))],
            r#"{"message":"The request signature we calculated does not match the signature you provided."}"#,
        ));
        s.wait_for_finish();
    });
    let mut client = client(server.url());
    let r = client.invoke(&request("fn"), b"{}").unwrap();
    assert_eq!(service(&r).status, 403);
    assert_eq!(server.finish().requests.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Clock skew.

/// A 403 the way Lambda rejects a request signed at `signed` when its clock reads `server_now`:
/// "Signature expired" for a request from the past, "Signature not yet current" for one from the
/// future. `date` adds the `Date` header; without it the message is the only server time.
fn time_rejection(signed: &str, server_now: u64, date: bool) -> Vec<u8> {
    let signed_secs = Timestamp::parse_amz_date(signed.as_bytes())
        .unwrap()
        .as_unix_secs();
    let message = if signed_secs < server_now {
        format!(
            "Signature expired: {signed} is now earlier than {} ({} - 5 min.)",
            amz_date(server_now - 300),
            amz_date(server_now)
        )
    } else {
        format!(
            "Signature not yet current: {signed} is still later than {} ({} + 5 min.)",
            amz_date(server_now + 300),
            amz_date(server_now)
        )
    };
    let date_value = http_date(server_now);
    let extra: Vec<(&str, &str)> = if date {
        vec![("Date", &date_value)]
    } else {
        vec![]
    };
    service_error(
        403,
        "Forbidden",
        "InvalidSignatureException",
        &extra,
        &format!(r#"{{"message":"{message}"}}"#),
    )
}

const SKEW: u64 = 3600;

fn skewed_now(skew: i64) -> u64 {
    unix_now().checked_add_signed(skew).unwrap()
}

/// A server whose clock is `skew` seconds from ours: rejects the first request for its time,
/// accepts the second. Returns the server times it answered with.
fn skewed_server(skew: i64, date_header: bool) -> Scripted<(u64, u64)> {
    Scripted::start(move |s| {
        let mut conn = None;
        let (c, first) = s.next_request(&mut conn);
        let server_now = skewed_now(skew);
        let signed = first.header("x-amz-date").unwrap().to_owned();
        c.send(&time_rejection(&signed, server_now, date_header));
        let (c, _) = s.next_request(&mut conn);
        let later = skewed_now(skew);
        c.send(&response(
            200,
            "OK",
            &[("Date", &http_date(later))],
            b"\"in time\"",
        ));
        s.wait_for_finish();
        (server_now, later)
    })
}

fn check_resigned_with_server_time(skew: i64, date_header: bool) {
    let server = skewed_server(skew, date_header);
    let mut client = client(server.url());
    let r = client.invoke(&request("fn"), b"{}").unwrap();
    assert_eq!(success(&r).status, 200, "{:?}", r.outcome);
    assert_eq!(r.payload, b"\"in time\"");
    assert!(
        client.clock_offset_secs().abs_diff(skew) <= 2,
        "offset {}",
        client.clock_offset_secs()
    );
    let report = server.finish();
    let (rejected_at, accepted_at) = report.value;
    assert_eq!(report.requests.len(), 2);
    let first = report.requests[0].amz_date_secs();
    let second = report.requests[1].amz_date_secs();
    assert!(
        first.abs_diff(rejected_at.checked_add_signed(-skew).unwrap()) <= 2,
        "the first attempt was signed with the local clock"
    );
    assert!(
        second + 2 >= rejected_at && second <= accepted_at + 2,
        "the second attempt's X-Amz-Date ({}) is the server's time ({}..={})",
        amz_date(second),
        amz_date(rejected_at),
        amz_date(accepted_at)
    );
    // The signature's scope date is the corrected one too.
    let auth = report.requests[1].header("authorization").unwrap();
    assert!(auth.contains(&format!(
        "/{}/us-east-1/lambda/aws4_request",
        &amz_date(second)[..8]
    )));
}

#[test]
fn a_skewed_date_on_signature_expired_is_learnt_and_the_second_attempt_uses_it() {
    check_resigned_with_server_time(SKEW as i64, true);
}

#[test]
fn without_a_date_the_time_in_the_signature_expired_message_is_used() {
    check_resigned_with_server_time(SKEW as i64, false);
}

#[test]
fn a_server_clock_behind_ours_signature_not_yet_current() {
    check_resigned_with_server_time(-2 * SKEW as i64, true);
    check_resigned_with_server_time(-2 * SKEW as i64, false);
}

#[test]
fn a_server_clock_a_day_ahead_moves_the_scope_date_too() {
    check_resigned_with_server_time(86_400 + 60, true);
}

#[test]
fn a_second_time_rejection_is_not_retried_again() {
    let server = Scripted::start(|s| {
        let mut conn = None;
        for i in 1..=2 {
            let (c, req) = s.next_request(&mut conn);
            let signed = req.header("x-amz-date").unwrap().to_owned();
            // The server's clock jumps an hour further each time: the correction never catches up.
            let now = unix_now() + SKEW * i;
            c.send(&time_rejection(&signed, now, true));
        }
        s.wait_for_finish();
    });
    let mut client = client(server.url());
    let r = client.invoke(&request("fn"), b"{}").unwrap();
    let e = service(&r);
    assert_eq!(e.status, 403);
    assert_eq!(e.code.as_deref(), Some("InvalidSignatureException"));
    assert_eq!(
        server.finish().requests.len(),
        2,
        "one re-signed retry, no more"
    );
}

// ---------------------------------------------------------------------------------------------
// Cut responses: typed errors, never a panic.

#[test]
fn a_peer_closing_mid_response_gives_typed_errors() {
    type Check = fn(&ResponseError) -> bool;
    let cases: Vec<(&str, Vec<u8>, Check)> = vec![
        ("mid status line", b"HTTP/1.".to_vec(), |e| {
            *e == ResponseError::ClosedInHead
        }),
        (
            "mid head",
            b"HTTP/1.1 200 OK\r\nContent-Type: application/js".to_vec(),
            |e| *e == ResponseError::ClosedInHead,
        ),
        (
            "head without its blank line",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n".to_vec(),
            |e| *e == ResponseError::ClosedInHead,
        ),
        (
            "mid body (Content-Length short)",
            b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"partial\"".to_vec(),
            |e| {
                *e == ResponseError::IncompleteBody {
                    received: 10,
                    expected: Some(50),
                }
            },
        ),
        (
            "mid chunk",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n10\r\n:\"cut"
                .to_vec(),
            |e| {
                *e == ResponseError::IncompleteBody {
                    received: 9,
                    expected: None,
                }
            },
        ),
        (
            "mid chunk-size line",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n1".to_vec(),
            |e| {
                matches!(
                    e,
                    ResponseError::IncompleteBody {
                        received: 4,
                        expected: None
                    }
                )
            },
        ),
        (
            "mid trailers",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: 1\r\n"
                .to_vec(),
            |e| matches!(e, ResponseError::IncompleteBody { .. }),
        ),
        (
            "mid error body",
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 40\r\n\r\n{\"message\":"
                .to_vec(),
            |e| {
                matches!(
                    e,
                    ResponseError::IncompleteBody {
                        received: 11,
                        expected: Some(40)
                    }
                )
            },
        ),
        (
            "not HTTP at all",
            b"SSH-2.0-OpenSSH_9.6\r\n".to_vec(),
            |e| *e == ResponseError::InvalidStatusLine,
        ),
    ];
    for (name, bytes, check) in cases {
        let server = serve(vec![Reply::SendThenClose(bytes)]);
        let mut client = client_with(server.url(), net(Duration::from_secs(2)), fast_retry());
        let err = client.invoke(&request("fn"), b"{}").unwrap_err();
        let (error, reason) = response_error(err);
        assert!(check(&error), "{name}: unexpected {error:?}");
        assert!(error.is_peer_error(), "{name}");
        assert_eq!(reason, GiveUpReason::MayHaveRun, "{name}");
        let report = server.finish();
        assert_eq!(report.requests.len(), 1, "{name}: not sent again");
        assert_eq!(report.connections(), 1, "{name}");
    }
}

#[test]
fn a_cut_response_to_an_event_is_retried_then_reported() {
    let cut = b"HTTP/1.1 202 Accepted\r\nContent-Length: 10\r\n\r\n{".to_vec();
    let server = serve(vec![
        Reply::SendThenClose(cut.clone()),
        Reply::SendThenClose(cut.clone()),
        Reply::SendThenClose(cut),
    ]);
    let mut client = client(server.url());
    let err = client.invoke(&event(), b"{}").unwrap_err();
    let (error, reason) = response_error(err);
    assert_eq!(
        error,
        ResponseError::IncompleteBody {
            received: 1,
            expected: Some(10)
        }
    );
    assert_eq!(reason, GiveUpReason::AttemptsExhausted);
    let report = server.finish();
    assert_eq!(report.requests.len(), 3);
    assert_eq!(report.connections(), 3);
}

#[test]
fn a_client_is_usable_after_every_kind_of_failure() {
    // Failures leave no state behind: the same client then succeeds on a fresh connection.
    let server = serve(vec![
        Reply::SendThenClose(b"HTTP/1.1 200 OK\r\nContent-Le".to_vec()),
        Reply::Close,
        Reply::Echo,
    ]);
    let mut client = client(server.url());
    assert!(client.invoke(&request("fn"), b"{}").is_err());
    assert!(client.invoke(&request("fn"), b"{}").is_err());
    let r = client.invoke(&request("fn"), b"{\"ok\":1}").unwrap();
    assert_eq!(r.payload, b"{\"ok\":1}");
    assert_eq!(client.connections_opened(), 3);
    assert_eq!(server.finish().requests.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Write timeouts.

#[test]
fn a_server_that_never_reads_the_request_trips_the_write_timeout() {
    // The server accepts each connection and never reads from it: once the socket buffers are
    // full, the client's write blocks until its write timeout.
    let server = Scripted::start(|s| {
        let mut held = Vec::new();
        while held.len() < 3 {
            match s.try_accept(Duration::from_secs(3)) {
                Some(c) => held.push(c),
                None => break,
            }
        }
        s.wait_for_finish();
        held.len()
    });
    let net_config = picolambda_std::net::NetConfig {
        write_timeout: Duration::from_millis(300),
        ..net(Duration::from_secs(2))
    };
    let mut client = client_with(server.url(), net_config, fast_retry());
    // The largest synchronous payload (6 MiB) is more than loopback buffers hold unread.
    let mut payload = vec![b'x'; 6 * 1024 * 1024];
    payload[0] = b'"';
    *payload.last_mut().unwrap() = b'"';
    let started = Instant::now();
    let err = client.invoke(&request("fn"), &payload).unwrap_err();
    let elapsed = started.elapsed();
    match err {
        InvokeError::Transport { error, reason } => {
            // Nothing was completely sent, so every attempt may be retried.
            assert_eq!(reason, GiveUpReason::AttemptsExhausted, "{error:?}");
            assert_eq!(
                error.kind(),
                io::ErrorKind::TimedOut,
                "a write timeout is reported as a timeout: {error:?}"
            );
        }
        other => panic!("expected a write timeout, got {other:?}"),
    }
    // About a second per attempt here: the 300 ms timeout applies to each blocked write.
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    let report = server.finish();
    assert_eq!(report.value, 3, "three attempts");
    assert!(report.requests.is_empty());
}

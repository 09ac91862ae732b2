//! The local endpoint over real sockets: requests signed by the core, sent over a plain
//! `TcpStream`, responses parsed by the core's `ResponseParser`.

mod local_common;

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use local_common::*;
use picolambda::invoke::{ClientContext, InvocationType, LogType, Qualifier, MAX_SYNC_PAYLOAD_LEN};
use picolambda::time::Timestamp;
use picolambda_std::local::{Function, FunctionError, LocalLambda, LocalLambdaHandle};

fn builder() -> LocalLambda {
    LocalLambda::new()
        .credentials(AK, SK)
        .temporary_credentials(TEMP_AK, TEMP_SK, TOKEN)
        .region(REGION)
        .register(
            Function::new("echo", |inv| {
                inv.log(format!("echo {} bytes", inv.payload().len()));
                Ok(inv.payload().to_vec())
            })
            .publish_version(1)
            .version(2, |_| Ok(br#"{"v":2}"#.to_vec()))
            .alias("live", "1")
            .alias("next", "2")
            .alias("edge", "$LATEST"),
        )
        .function("fail", |_| {
            Err(FunctionError::unhandled("ValueError", "bad input"))
        })
        .function("handled", |_| {
            Err(FunctionError::handled("Custom", "handled it"))
        })
        .function("panics", |_| panic!("boom (expected by the test)"))
        .function("log", |inv| {
            let n = serde_json::from_slice::<serde_json::Value>(inv.payload())
                .ok()
                .and_then(|v| v["lines"].as_u64())
                .unwrap_or(3);
            for i in 0..n {
                inv.log(format!(
                    "log line {i:05} ........................................"
                ));
            }
            Ok(format!("{{\"logged\":{n}}}").into_bytes())
        })
        .function("ctx", |inv| {
            Ok(inv.client_context().unwrap_or(b"null").to_vec())
        })
        .function("whoami", |inv| {
            Ok(serde_json::json!({
                "name": inv.function_name(),
                "qualifier": inv.qualifier(),
                "version": inv.executed_version(),
                "type": inv.invocation_type().as_str(),
                "request_id": inv.request_id(),
            })
            .to_string()
            .into_bytes())
        })
}

fn start() -> LocalLambdaHandle {
    builder().start().unwrap()
}

/// One signed invoke on a fresh connection.
fn call(
    server: &LocalLambdaHandle,
    request: &picolambda::invoke::InvokeRequest<'_>,
    payload: &[u8],
    s: Signing<'_>,
) -> Resp {
    let mut c = Client::connect(server.addr());
    c.roundtrip(&invoke_bytes(&server.endpoint_url(), request, payload, s))
}

fn ok_call(
    server: &LocalLambdaHandle,
    request: &picolambda::invoke::InvokeRequest<'_>,
    payload: &[u8],
) -> Resp {
    call(server, request, payload, Signing::default_now())
}

/// The answer is the service error `error_type` with `status`.
#[track_caller]
fn assert_error(r: &Resp, status: u16, error_type: &str) {
    assert_eq!(r.status, status, "{r:?}");
    assert_eq!(r.error_type.as_deref(), Some(error_type), "{r:?}");
}

#[test]
fn signed_invoke_echoes_the_payload() {
    let server = start();
    let r = ok_call(&server, &request("echo"), br#"{"hi":1}"#);
    assert_eq!(r.status, 200, "{:?}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.body, br#"{"hi":1}"#);
    assert_eq!(r.executed_version.as_deref(), Some("$LATEST"));
    assert_eq!(r.function_error, None);
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    let id = r.request_id.unwrap();
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(id.matches('-').count(), 4);
    // The Date header is the server clock (here: the host clock) as IMF-fixdate.
    let date = Timestamp::parse_http_date(r.date.unwrap().as_bytes()).unwrap();
    assert!(date.as_unix_secs().abs_diff(now().as_unix_secs()) <= 2);
    let s = server.stats();
    assert_eq!((s.connections, s.requests, s.invocations), (1, 1, 1));
}

#[test]
fn every_function_name_form_and_qualifier_resolves() {
    let server = start();
    let q = |s| Qualifier::new(s).unwrap();
    let whoami = |r: picolambda::invoke::InvokeRequest<'_>| {
        let resp = ok_call(&server, &r, b"");
        assert_eq!(
            resp.status,
            200,
            "{:?}",
            String::from_utf8_lossy(&resp.body)
        );
        let v = resp.json();
        assert_eq!(resp.executed_version.as_deref(), v["version"].as_str());
        (
            v["version"].as_str().unwrap().to_owned(),
            v["qualifier"].as_str().map(str::to_owned),
        )
    };
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:whoami";
    assert_eq!(server.function_arn("whoami"), arn);
    for name in [
        "whoami",
        "whoami:$LATEST",
        "function:whoami",
        "123456789012:function:whoami",
        "us-east-1:123456789012:function:whoami",
        arn,
    ] {
        assert_eq!(whoami(request(name)).0, "$LATEST", "{name}");
    }

    let echo_version = |r: picolambda::invoke::InvokeRequest<'_>| {
        let resp = ok_call(&server, &r, br#"{"x":1}"#);
        assert_eq!(
            resp.status,
            200,
            "{:?}",
            String::from_utf8_lossy(&resp.body)
        );
        (resp.executed_version.unwrap(), resp.body)
    };
    let v1 = ("1".to_owned(), br#"{"x":1}"#.to_vec());
    let v2 = ("2".to_owned(), br#"{"v":2}"#.to_vec());
    let latest = ("$LATEST".to_owned(), br#"{"x":1}"#.to_vec());
    assert_eq!(echo_version(request("echo:live")), v1);
    assert_eq!(echo_version(request("echo:1")), v1);
    assert_eq!(echo_version(request("echo:next")), v2);
    assert_eq!(echo_version(request("echo:edge")), latest);
    assert_eq!(echo_version(request("echo").with_qualifier(q("2"))), v2);
    assert_eq!(echo_version(request("echo").with_qualifier(q("live"))), v1);
    assert_eq!(
        echo_version(request("echo").with_qualifier(q("$LATEST"))),
        latest
    );
    assert_eq!(
        echo_version(request("echo:live").with_qualifier(q("live"))),
        v1
    );
    assert_eq!(
        echo_version(request(
            "arn:aws:lambda:us-east-1:123456789012:function:echo:live"
        )),
        v1
    );
    assert_eq!(echo_version(request("123456789012:function:echo:2")), v2);
    assert_eq!(
        echo_version(
            request("arn:aws:lambda:us-east-1:123456789012:function:echo")
                .with_qualifier(q("next"))
        ),
        v2
    );
    // The function sees what was asked for and what ran.
    assert_eq!(
        whoami(request("whoami").with_qualifier(q("$LATEST"))),
        ("$LATEST".to_owned(), Some("$LATEST".to_owned()))
    );

    // A qualifier in the name and a different one in the query.
    let r = ok_call(&server, &request("echo:live").with_qualifier(q("1")), b"");
    assert_error(&r, 400, "InvalidParameterValueException");
    assert_eq!(
        r.message(),
        "The derived qualifier from the function name does not match the specified qualifier."
    );

    // Unknown qualifiers, versions, other regions and accounts.
    for (name, qualifier, arn) in [
        (
            "echo:nope",
            None,
            "arn:aws:lambda:us-east-1:123456789012:function:echo:nope",
        ),
        (
            "echo:7",
            None,
            "arn:aws:lambda:us-east-1:123456789012:function:echo:7",
        ),
        (
            "echo:01",
            None,
            "arn:aws:lambda:us-east-1:123456789012:function:echo:01",
        ),
        (
            "echo",
            Some("nope"),
            "arn:aws:lambda:us-east-1:123456789012:function:echo:nope",
        ),
        (
            "arn:aws:lambda:eu-west-1:123456789012:function:echo",
            None,
            "arn:aws:lambda:eu-west-1:123456789012:function:echo",
        ),
        (
            "210987654321:function:echo",
            None,
            "arn:aws:lambda:us-east-1:210987654321:function:echo",
        ),
    ] {
        let mut r = request(name);
        if let Some(qual) = qualifier {
            r = r.with_qualifier(q(qual));
        }
        let resp = ok_call(&server, &r, b"");
        assert_eq!(resp.status, 404, "{name}");
        assert_eq!(resp.message(), format!("Function not found: {arn}"));
    }
}

#[test]
fn log_tail_is_the_last_4_kb_in_base64() {
    let server = start();
    let r = ok_call(
        &server,
        &request("log").with_log_type(LogType::Tail),
        br#"{"lines":3}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body, br#"{"logged":3}"#);
    let log = base64::engine::general_purpose::STANDARD
        .decode(r.log_result.unwrap())
        .unwrap();
    let log = String::from_utf8(log).unwrap();
    let id = r.request_id.unwrap();
    assert!(
        log.starts_with(&format!(
            "START RequestId: {id} Version: $LATEST\nlog line 00000 "
        )),
        "{log}"
    );
    assert!(log.contains("log line 00002"));
    assert!(log.contains(&format!(
        "END RequestId: {id}\nREPORT RequestId: {id}\tDuration: "
    )));

    // A long log: the tail is exactly 4 KB, 5,464 base64 characters, ending with REPORT.
    let r = ok_call(
        &server,
        &request("log").with_log_type(LogType::Tail),
        br#"{"lines":200}"#,
    );
    let b64 = r.log_result.unwrap();
    assert_eq!(b64.len(), 5464);
    let log = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(log.len(), 4096);
    assert!(String::from_utf8_lossy(&log).contains("log line 00199"));
    assert!(log.ends_with(b"\t\n"));

    // No `Tail`, no log.
    let r = ok_call(&server, &request("log"), b"");
    assert_eq!(r.log_result, None);
}

#[test]
fn event_is_accepted_with_202_and_runs_later() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let server = builder()
        .function("record", move |inv| {
            record
                .lock()
                .unwrap()
                .push((inv.invocation_type(), inv.payload().to_vec()));
            Ok(Vec::new())
        })
        .start()
        .unwrap();
    let r = ok_call(
        &server,
        &request("record").with_invocation_type(InvocationType::Event),
        br#"{"e":1}"#,
    );
    assert_eq!(r.status, 202);
    assert!(r.body.is_empty());
    assert!(server.wait_for_events(Duration::from_secs(10)));
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(InvocationType::Event, br#"{"e":1}"#.to_vec())]
    );
    let s = server.stats();
    assert_eq!(
        (s.events_queued, s.events_completed, s.invocations),
        (1, 1, 1)
    );
}

#[test]
fn dry_run_is_204_and_runs_nothing() {
    let server = start();
    let r = ok_call(
        &server,
        &request("echo").with_invocation_type(InvocationType::DryRun),
        br#"{}"#,
    );
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    assert_eq!(server.stats().invocations, 0);
    // DryRun still checks that the function exists.
    let r = ok_call(
        &server,
        &request("nope").with_invocation_type(InvocationType::DryRun),
        b"",
    );
    assert_eq!(r.status, 404);
}

#[test]
fn function_errors_are_200_with_x_amz_function_error() {
    let server = start();
    let r = ok_call(&server, &request("fail"), b"{}");
    assert_eq!(r.status, 200);
    assert_eq!(r.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(r.executed_version.as_deref(), Some("$LATEST"));
    let v = r.json();
    assert_eq!(v["errorType"], "ValueError");
    assert_eq!(v["errorMessage"], "bad input");

    let r = ok_call(&server, &request("handled"), b"{}");
    assert_eq!(r.function_error.as_deref(), Some("Handled"));
    assert_eq!(r.json()["errorType"], "Custom");

    // A panicking function is a crashed runtime, and the server lives on.
    let r = ok_call(&server, &request("panics"), b"{}");
    assert_eq!(r.status, 200);
    assert_eq!(r.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(r.json()["errorType"], "Runtime.ExitError");
    assert!(r.json()["errorMessage"].as_str().unwrap().contains("boom"));
    assert_eq!(ok_call(&server, &request("echo"), b"1").status, 200);
}

#[test]
fn unknown_function_is_404_resource_not_found() {
    let server = start();
    let r = ok_call(&server, &request("nope"), b"{}");
    assert_eq!(r.status, 404);
    assert_eq!(
        r.error_type.as_deref(),
        Some("ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/")
    );
    assert_eq!(
        r.json(),
        serde_json::json!({
            "Type": "User",
            "message": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"
        })
    );
    assert!(r.request_id.is_some());
    assert!(r.reusable, "an error response keeps the connection");
}

#[test]
fn wrong_secret_is_403_invalid_signature() {
    let server = start();
    let s = Signing {
        secret: "not-the-secret",
        ..Signing::default_now()
    };
    let r = call(&server, &request("echo"), b"{}", s);
    assert_error(&r, 403, "InvalidSignatureException");
    let m = r.message();
    assert!(
        m.starts_with(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method."
        ),
        "{m}"
    );
    // The server's canonical request, for whoever debugs a signer.
    assert!(m.contains("\n\nThe Canonical String for this request should have been\n'POST\n/2015-03-31/functions/echo/invocations\n"), "{m}");
    assert_eq!(server.stats().invocations, 0);
}

#[test]
fn tampered_requests_fail_the_signature() {
    let server = start();
    let url = server.endpoint_url();
    let good = invoke_bytes(&url, &request("echo"), b"{\"a\":1}", Signing::default_now());
    let text = String::from_utf8(good).unwrap();
    for tampered in [
        // Another body of the same length.
        text.replace("{\"a\":1}", "{\"a\":2}"),
        // Another function.
        text.replace("functions/echo/", "functions/fail/"),
        // A signed header changed.
        text.replace("Host: 127.0.0.1", "Host: 127.000.0.1"),
    ] {
        let mut c = Client::connect(server.addr());
        let r = c.roundtrip(tampered.as_bytes());
        assert_eq!(r.status, 403, "{tampered}");
        assert_eq!(r.error_type.as_deref(), Some("InvalidSignatureException"));
    }
}

#[test]
fn unknown_key_and_missing_auth_are_rejected() {
    let server = start();
    let s = Signing {
        access_key: "AKIDUNKNOWN",
        ..Signing::default_now()
    };
    let r = call(&server, &request("echo"), b"{}", s);
    assert_error(&r, 403, "UnrecognizedClientException");
    assert_eq!(
        r.message(),
        "The security token included in the request is invalid."
    );

    let mut c = Client::connect(server.addr());
    let r = c.roundtrip(
        b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
    );
    assert_error(&r, 403, "MissingAuthenticationTokenException");
}

#[test]
fn session_tokens_must_match_the_key() {
    let server = start();
    let temp = Signing {
        access_key: TEMP_AK,
        secret: TEMP_SK,
        token: Some(TOKEN),
        at: now(),
    };
    assert_eq!(call(&server, &request("echo"), b"{}", temp).status, 200);
    for bad in [
        Signing {
            token: None,
            ..temp
        },
        Signing {
            token: Some("WRONGTOKEN"),
            ..temp
        },
        Signing {
            token: Some(TOKEN),
            ..Signing::default_now()
        },
    ] {
        let r = call(&server, &request("echo"), b"{}", bad);
        assert_error(&r, 403, "UnrecognizedClientException");
        assert_eq!(
            r.message(),
            "The security token included in the request is invalid."
        );
    }
}

fn amz(t: Timestamp) -> String {
    t.to_amz_date().unwrap().as_str().to_owned()
}

#[test]
fn skewed_server_clock_rejects_with_signature_expired() {
    // The server's clock is 15 minutes ahead of the client's.
    let server = builder().clock_offset(900).start().unwrap();
    let client_now = now();
    let r = call(&server, &request("echo"), b"{}", Signing::default_now());
    assert_error(&r, 403, "InvalidSignatureException");
    let server_time = Timestamp::parse_http_date(r.date.as_deref().unwrap().as_bytes()).unwrap();
    assert!(
        server_time
            .as_unix_secs()
            .abs_diff(client_now.as_unix_secs() + 900)
            <= 2
    );
    // The message names the request time, the earliest acceptable time and the server time;
    // the server time in it and in `Date` may straddle a second.
    let m = r.message();
    let expected = |t: Timestamp| {
        format!(
            "Signature expired: {} is now earlier than {} ({} - 5 min.)",
            amz(client_now),
            amz(t.offset_by(-300)),
            amz(t)
        )
    };
    assert!(
        m == expected(server_time) || m == expected(server_time.offset_by(-1)),
        "{m}"
    );

    // Re-signed at the server's time (what the client's skew correction does), it passes.
    let s = Signing {
        at: server_time,
        ..Signing::default_now()
    };
    assert_eq!(call(&server, &request("echo"), b"{}", s).status, 200);

    // A client ahead of the server.
    let behind = builder().clock_offset(-900).start().unwrap();
    let r = call(&behind, &request("echo"), b"{}", Signing::default_now());
    assert_eq!(r.status, 403);
    assert!(
        r.message().starts_with("Signature not yet current: "),
        "{}",
        r.message()
    );
    assert!(r.message().ends_with(" + 5 min.)"));
}

#[test]
fn exact_signature_expired_wording() {
    // A request signed at the AWS documentation's example time.
    let server = start();
    let s = Signing {
        at: Timestamp::parse_amz_date(b"20150830T123600Z").unwrap(),
        ..Signing::default_now()
    };
    let r = call(&server, &request("echo"), b"{}", s);
    let m = r.message();
    let rest = m
        .strip_prefix("Signature expired: 20150830T123600Z is now earlier than ")
        .unwrap_or_else(|| panic!("{m}"));
    // "{earliest} ({now} - 5 min.)"
    let (earliest, now_part) = rest.split_once(" (").unwrap();
    let server_now = now_part.strip_suffix(" - 5 min.)").unwrap();
    let earliest = Timestamp::parse_amz_date(earliest.as_bytes()).unwrap();
    let server_now = Timestamp::parse_amz_date(server_now.as_bytes()).unwrap();
    assert_eq!(server_now.as_unix_secs() - earliest.as_unix_secs(), 300);
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let server = start();
    let url = server.endpoint_url();
    let mut c = Client::connect(server.addr());
    for i in 0..20 {
        let payload = format!("{{\"i\":{i}}}");
        let r = c.roundtrip(&invoke_bytes(
            &url,
            &request("echo"),
            payload.as_bytes(),
            Signing::default_now(),
        ));
        assert_eq!(r.status, 200);
        assert_eq!(r.body, payload.as_bytes());
        assert!(r.reusable);
    }
    // Errors keep the connection too.
    let r = c.roundtrip(&invoke_bytes(
        &url,
        &request("nope"),
        b"{}",
        Signing::default_now(),
    ));
    assert_eq!(r.status, 404);
    let s = server.stats();
    assert_eq!((s.connections, s.requests), (1, 21));
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = start();
    let url = server.endpoint_url();
    let mut c = Client::connect(server.addr());
    let mut all = Vec::new();
    for i in 0..5 {
        all.extend(invoke_bytes(
            &url,
            &request("echo"),
            format!("{i}").as_bytes(),
            Signing::default_now(),
        ));
    }
    c.send(&all);
    for i in 0..5 {
        let r = c.read_response();
        assert_eq!(r.body, format!("{i}").as_bytes());
    }
    assert_eq!(server.stats().connections, 1);
}

#[test]
fn connection_close_and_http_1_0_are_honoured() {
    let server = start();
    let url = server.endpoint_url();
    let head = invoke_head(&url, &request("echo"), b"{}", Signing::default_now());
    let mut bytes = with_header(head, "Connection: close");
    bytes.extend_from_slice(b"{}");
    let mut c = Client::connect(server.addr());
    let r = c.roundtrip(&bytes);
    assert_eq!(r.status, 200);
    assert!(!r.reusable);
    assert!(c.closed_by_server());

    // HTTP/1.0 without keep-alive: close; with keep-alive: stay open, Content-Length framing.
    let one_oh = |extra: Option<&str>| {
        let head = invoke_head(&url, &request("echo"), b"{}", Signing::default_now());
        let head = String::from_utf8(head)
            .unwrap()
            .replacen(" HTTP/1.1\r\n", " HTTP/1.0\r\n", 1);
        let mut head = head.into_bytes();
        if let Some(line) = extra {
            head = with_header(head, line);
        }
        head.extend_from_slice(b"{}");
        head
    };
    let mut c = Client::connect(server.addr());
    let r = c.roundtrip(&one_oh(None));
    assert_eq!((r.status, r.reusable), (200, false));
    assert!(c.closed_by_server());
    let mut c = Client::connect(server.addr());
    let r = c.roundtrip(&one_oh(Some("Connection: keep-alive")));
    assert_eq!((r.status, r.reusable), (200, true));
    let r = c.roundtrip(&one_oh(Some("Connection: keep-alive")));
    assert_eq!(r.status, 200);
}

#[test]
fn oversized_payloads_are_413() {
    let server = start();
    let host = server.addr().to_string();
    let path = "/2015-03-31/functions/echo/invocations";
    // A JSON string one byte over 6 MB: read, then refused; the connection stays usable.
    let sync_len = MAX_SYNC_PAYLOAD_LEN as usize + 1;
    let mut body = vec![b'a'; sync_len];
    body[0] = b'"';
    body[sync_len - 1] = b'"';
    let mut c = Client::connect(server.addr());
    let mut req = signed_raw_head(&host, Raw::new("POST", path, &body), Signing::default_now());
    req.extend_from_slice(&body);
    let r = c.roundtrip(&req);
    assert_error(&r, 413, "RequestTooLargeException");
    assert_eq!(
        r.message(),
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    );
    assert!(r.reusable);

    // Event: 1 MB + 1.
    let event_len = 1024 * 1024 + 1;
    let mut body = vec![b'b'; event_len];
    body[0] = b'"';
    body[event_len - 1] = b'"';
    let mut req = signed_raw_head(
        &host,
        Raw {
            extra: &[("X-Amz-Invocation-Type", "Event")],
            ..Raw::new("POST", path, &body)
        },
        Signing::default_now(),
    );
    req.extend_from_slice(&body);
    let r = c.roundtrip(&req);
    assert_eq!(r.status, 413);
    assert!(r.message().contains("1048576"));
    // Exactly at the limit is fine.
    let mut body = vec![b'c'; 1024 * 1024];
    body[0] = b'"';
    body[1024 * 1024 - 1] = b'"';
    let mut req = signed_raw_head(
        &host,
        Raw {
            extra: &[("X-Amz-Invocation-Type", "Event")],
            ..Raw::new("POST", path, &body)
        },
        Signing::default_now(),
    );
    req.extend_from_slice(&body);
    assert_eq!(c.roundtrip(&req).status, 202);

    // A declared length far over the limit is refused before the body is read, and closed.
    let mut c = Client::connect(server.addr());
    let req = signed_raw_head(
        &host,
        Raw {
            content_length: 100_000_000,
            ..Raw::new("POST", path, b"")
        },
        Signing::default_now(),
    );
    let r = c.roundtrip(&req);
    assert_eq!(r.status, 413);
    assert!(!r.reusable);
}

#[test]
fn empty_payload_is_accepted_and_invalid_json_is_not() {
    let server = start();
    let r = ok_call(&server, &request("echo"), b"");
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());

    for ok in [&b"1"[..], b"\"s\"", b" [1, 2] ", b"null"] {
        assert_eq!(ok_call(&server, &request("echo"), ok).status, 200);
    }
    for bad in [&b"{"[..], b"hello", b"{\"a\":1} x", b"\xff"] {
        let r = ok_call(&server, &request("echo"), bad);
        assert_eq!(r.status, 400, "{bad:?}");
        assert_eq!(
            r.error_type.as_deref(),
            Some("InvalidRequestContentException")
        );
        assert!(r
            .message()
            .starts_with("Could not parse request body into json"));
    }
}

#[test]
fn client_context_reaches_the_function() {
    let server = start();
    let ctx = br#"{"custom":{"device":"sensor-7"}}"#;
    let r = ok_call(
        &server,
        &request("ctx").with_client_context(ClientContext::json(ctx).unwrap()),
        b"{}",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body, ctx);
    // Not base64 JSON: 400.
    let r = ok_call(
        &server,
        &request("ctx").with_client_context(ClientContext::base64("bm90IGpzb24=").unwrap()),
        b"{}",
    );
    assert_error(&r, 400, "InvalidRequestContentException");
}

#[test]
fn chunked_responses_when_asked() {
    let server = builder().chunked_responses(3).start().unwrap();
    let url = server.endpoint_url();
    let mut c = Client::connect(server.addr());
    for _ in 0..3 {
        let r = c.roundtrip(&invoke_bytes(
            &url,
            &request("echo"),
            br#"{"chunked":true}"#,
            Signing::default_now(),
        ));
        assert_eq!(r.status, 200);
        assert_eq!(r.body, br#"{"chunked":true}"#);
        assert!(r.reusable);
    }
    let r = c.roundtrip(&invoke_bytes(
        &url,
        &request("nope"),
        b"{}",
        Signing::default_now(),
    ));
    assert_eq!(r.status, 404);
    assert!(r.message().starts_with("Function not found"));
    // On the wire.
    let mut raw = std::net::TcpStream::connect(server.addr()).unwrap();
    let head = invoke_head(&url, &request("echo"), b"", Signing::default_now());
    std::io::Write::write_all(&mut raw, &with_header(head, "Connection: close")).unwrap();
    let mut text = String::new();
    raw.read_to_string(&mut text).unwrap();
    assert!(
        text.contains("\r\nTransfer-Encoding: chunked\r\n"),
        "{text}"
    );
    assert!(text.ends_with("\r\n\r\n0\r\n\r\n"), "{text:?}");
}

#[test]
fn chunked_request_bodies_and_expect_continue() {
    let server = start();
    let url = server.endpoint_url();
    let payload = br#"{"chunked":"request"}"#;
    // Content-Length is not signed, so it can be swapped for chunked framing.
    let head = String::from_utf8(invoke_head(
        &url,
        &request("echo"),
        payload,
        Signing::default_now(),
    ))
    .unwrap();
    let head = head.replace(
        &format!("Content-Length: {}\r\n", payload.len()),
        "Transfer-Encoding: chunked\r\n",
    );
    let mut req = head.into_bytes();
    for piece in payload.chunks(5) {
        req.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        req.extend_from_slice(piece);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let mut c = Client::connect(server.addr());
    let r = c.roundtrip(&req);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.body, payload);

    // Expect: 100-continue: the interim response comes before the body is sent.
    let head = invoke_head(&url, &request("echo"), payload, Signing::default_now());
    c.send(&with_header(head, "Expect: 100-continue"));
    let mut interim = [0u8; 25];
    c.stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    let r = c.roundtrip(payload);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, payload);
}

#[test]
fn malformed_requests_get_400_and_the_server_survives() {
    let server = builder()
        .read_timeout(Duration::from_millis(300))
        .start()
        .unwrap();
    for bad in [
        &b"GARBAGE\r\n\r\n"[..],
        b"POST /x HTTP/9.9\r\n\r\n",
        b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
        b"\xff\xfe / HTTP/1.1\r\n\r\n",
    ] {
        let mut c = Client::connect(server.addr());
        let r = c.roundtrip(bad);
        assert_eq!(r.status, 400, "{:?}", String::from_utf8_lossy(bad));
        assert!(!r.reusable);
        assert!(r.message().starts_with("Malformed HTTP request"));
    }
    // An over-long head: 431.
    let mut c = Client::connect(server.addr());
    let mut big = b"POST / HTTP/1.1\r\nX-Big: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', 20_000));
    big.extend_from_slice(b"\r\n\r\n");
    assert_eq!(c.roundtrip(&big).status, 431);
    // Unknown transfer coding: 501.
    let mut c = Client::connect(server.addr());
    let r = c.roundtrip(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n");
    assert_eq!(r.status, 501);
    // A stuck client (half a head, then silence) is dropped after the read timeout.
    let mut c = Client::connect(server.addr());
    c.send(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: x");
    let started = Instant::now();
    assert!(c.closed_by_server());
    assert!(started.elapsed() < Duration::from_secs(5));
    // A body shorter than its Content-Length: also dropped.
    let mut c = Client::connect(server.addr());
    c.send(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}");
    assert!(c.closed_by_server());
    // Still serving.
    assert_eq!(ok_call(&server, &request("echo"), b"{}").status, 200);
}

#[test]
fn unknown_operations_are_404() {
    let server = start();
    let host = server.addr().to_string();
    for (method, path) in [
        ("GET", "/2015-03-31/functions/echo/invocations"),
        ("POST", "/2015-03-31/functions/echo"),
        ("POST", "/2015-03-31/functions/echo/invocations/extra"),
        ("GET", "/"),
    ] {
        let mut c = Client::connect(server.addr());
        let r = c.roundtrip(&signed_raw_head(
            &host,
            Raw::new(method, path, b""),
            Signing::default_now(),
        ));
        assert_eq!(r.status, 404, "{method} {path}");
        assert_eq!(r.error_type.as_deref(), Some("UnknownOperationException"));
    }
}

#[test]
fn invalid_parameters_are_validation_errors() {
    let server = start();
    let host = server.addr().to_string();
    let path = "/2015-03-31/functions/echo/invocations";
    for (extra, field) in [
        (("X-Amz-Invocation-Type", "Sometimes"), "invocationType"),
        (("X-Amz-Log-Type", "All"), "logType"),
    ] {
        let mut c = Client::connect(server.addr());
        let r = c.roundtrip(&signed_raw_head(
            &host,
            Raw {
                extra: &[extra],
                ..Raw::new("POST", path, b"")
            },
            Signing::default_now(),
        ));
        assert_error(&r, 400, "ValidationException");
        assert!(r.message().contains(field), "{}", r.message());
    }
    // A function name outside the model's pattern.
    let mut c = Client::connect(server.addr());
    let r = c.roundtrip(&signed_raw_head(
        &host,
        Raw::new("POST", "/2015-03-31/functions/a%20b/invocations", b""),
        Signing::default_now(),
    ));
    assert_error(&r, 400, "ValidationException");
}

#[test]
fn scope_errors_name_the_problem() {
    let server = builder().region("eu-west-1").start().unwrap();
    let r = call(&server, &request("echo"), b"{}", Signing::default_now());
    assert_eq!(r.status, 403);
    assert_eq!(
        r.message(),
        "Credential should be scoped to a valid region, not 'us-east-1'. "
    );
}

#[test]
fn stops_on_drop_and_rejects_bad_configuration() {
    let server = start();
    let addr = server.addr();
    let mut idle = Client::connect(addr);
    assert_eq!(ok_call(&server, &request("echo"), b"{}").status, 200);
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(idle.closed_by_server());
    assert!(std::net::TcpStream::connect(addr).is_err());

    for bad in [
        LocalLambda::new().function("bad name", |_| Ok(Vec::new())),
        LocalLambda::new().register(Function::new("f", |_| Ok(Vec::new())).alias("a", "3")),
        LocalLambda::new().register(Function::new("f", |_| Ok(Vec::new())).alias("12", "$LATEST")),
        LocalLambda::new()
            .function("f", |_| Ok(Vec::new()))
            .function("f", |_| Ok(Vec::new())),
        LocalLambda::new().region("us east"),
        LocalLambda::new().account_id("12"),
        LocalLambda::new().credentials("", "x"),
    ] {
        let e = bad.start().unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
    }
}

#[test]
fn connection_limit_answers_503() {
    let server = builder().max_connections(1).start().unwrap();
    let url = server.endpoint_url();
    let mut first = Client::connect(server.addr());
    let r = first.roundtrip(&invoke_bytes(
        &url,
        &request("echo"),
        b"1",
        Signing::default_now(),
    ));
    assert_eq!(r.status, 200);
    let mut second = Client::connect(server.addr());
    let r = second.read_response();
    assert_eq!(r.status, 503);
    drop(first);
    // The slot is released once the first connection's thread notices the close. A refused
    // connection gets its 503 unprompted; a served one waits for a request.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut c = Client::connect(server.addr());
        c.stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut b = [0u8; 1];
        match c.stream.peek(&mut b) {
            Ok(_) => {
                assert!(Instant::now() < deadline, "slot never released");
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => {
                c.stream
                    .set_read_timeout(Some(Duration::from_secs(20)))
                    .unwrap();
                let r = c.roundtrip(&invoke_bytes(
                    &url,
                    &request("echo"),
                    b"2",
                    Signing::default_now(),
                ));
                assert_eq!(r.status, 200);
                break;
            }
        }
    }
}

#[test]
fn a_client_sending_one_byte_at_a_time_is_served() {
    let server = start();
    let url = server.endpoint_url();
    let mut c = Client::connect(server.addr());
    c.stream.set_nodelay(true).unwrap();
    let payload = br#"{"slow":true}"#;
    for _ in 0..2 {
        let bytes = invoke_bytes(&url, &request("echo"), payload, Signing::default_now());
        for b in &bytes {
            c.send(std::slice::from_ref(b));
        }
        let r = c.read_response();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, payload);
    }
    assert_eq!(server.stats().connections, 1);
}

#[test]
fn mutated_requests_never_break_the_server() {
    // Every byte of a valid request replaced in turn by bytes that matter to a parser; each
    // connection must end with a response or a close within the read timeout, never a hang,
    // and the server must keep serving.
    let server = builder()
        .read_timeout(Duration::from_millis(50))
        .start()
        .unwrap();
    let url = server.endpoint_url();
    let valid = invoke_bytes(
        &url,
        &request("echo:live"),
        br#"{"a":1}"#,
        Signing::default_now(),
    );
    let replacements = [b'\0', b'\r', b'\n', b' ', b':', b'9', b'%', 0xff];
    let cases: Vec<Vec<u8>> = (0..valid.len())
        .step_by(3)
        .map(|i| {
            let mut m = valid.clone();
            m[i] = replacements[i % replacements.len()];
            m
        })
        .collect();
    let addr = server.addr();
    let chunks: Vec<Vec<Vec<u8>>> = cases
        .chunks(cases.len() / 4 + 1)
        .map(<[_]>::to_vec)
        .collect();
    let workers: Vec<_> = chunks
        .into_iter()
        .map(|cases| {
            std::thread::spawn(move || {
                for case in cases {
                    let mut s = std::net::TcpStream::connect(addr).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    std::io::Write::write_all(&mut s, &case).unwrap();
                    let _ = s.shutdown(std::net::Shutdown::Write);
                    let started = Instant::now();
                    let mut out = Vec::new();
                    let _ = s.read_to_end(&mut out);
                    assert!(started.elapsed() < Duration::from_secs(5));
                    if !out.is_empty() {
                        assert!(
                            out.starts_with(b"HTTP/1.1 "),
                            "{:?}",
                            String::from_utf8_lossy(&out)
                        );
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(ok_call(&server, &request("echo"), b"{}").status, 200);
}

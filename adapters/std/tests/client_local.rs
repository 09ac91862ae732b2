//! `LambdaClient` (the core's driver over std sockets) against the local endpoint.

use std::time::Duration;

use picolambda::invoke::response::InvokeOutcome;
use picolambda::invoke::{FunctionName, InvocationType, InvokeRequest, LogType};
use picolambda_std::local::LocalLambda;
use picolambda_std::{ClientConfig, LambdaClient, OwnedCredentials};

fn client_for(url: String) -> LambdaClient {
    LambdaClient::new(ClientConfig {
        credentials: OwnedCredentials {
            access_key_id: "AKIDLOCAL".into(),
            secret_access_key: "local-secret".into(),
            session_token: None,
        },
        region: "us-east-1".into(),
        endpoint_url: Some(url),
        endpoint_options: Default::default(),
        net: Default::default(),
        retry: Default::default(),
    })
}

fn server() -> LocalLambda {
    LocalLambda::new()
        .credentials("AKIDLOCAL", "local-secret")
        .function("echo", |inv| {
            inv.log("echo ran");
            Ok(inv.payload().to_vec())
        })
}

fn echo() -> InvokeRequest<'static> {
    InvokeRequest::new(FunctionName::new("echo").unwrap())
}

#[test]
fn one_connection_for_a_hundred_invokes() {
    let server = server().start().unwrap();
    let mut client = client_for(server.endpoint_url());
    for i in 0..100 {
        let payload = format!("{{\"i\":{i}}}");
        let r = client.invoke(&echo(), payload.as_bytes()).unwrap();
        assert_eq!(r.outcome.status(), 200);
        assert_eq!(r.payload, payload.as_bytes());
    }
    assert_eq!(client.connections_opened(), 1);
    assert_eq!(server.stats().connections, 1);
    assert_eq!(server.stats().requests, 100);
}

#[test]
fn empty_payload_log_tail_and_chunked_responses() {
    let server = server().chunked_responses(5).start().unwrap();
    let mut client = client_for(server.endpoint_url());
    let request = echo().with_log_type(LogType::Tail);
    let r = client.invoke(&request, b"").unwrap();
    let InvokeOutcome::Success(ok) = &r.outcome else {
        panic!("{:?}", r.outcome)
    };
    assert_eq!(ok.status, 200);
    assert!(r.payload.is_empty());
    assert!(String::from_utf8_lossy(r.log.as_deref().unwrap()).contains("echo ran"));
    let big = format!("{{\"d\":\"{}\"}}", "y".repeat(100_000));
    let r = client.invoke(&echo(), big.as_bytes()).unwrap();
    assert_eq!(r.payload, big.as_bytes());
}

#[test]
fn a_skewed_server_clock_is_learnt_and_the_second_attempt_succeeds() {
    let server = server().clock_offset(3600).start().unwrap();
    let mut client = client_for(server.endpoint_url());
    let r = client.invoke(&echo(), b"{}").unwrap();
    assert_eq!(r.outcome.status(), 200, "{:?}", r.outcome);
    assert!((client.clock_offset_secs() - 3600).abs() <= 2);
    assert_eq!(server.stats().requests, 2, "one rejected, one accepted");
    // Later calls are signed with the corrected clock straight away.
    client.invoke(&echo(), b"{}").unwrap();
    assert_eq!(server.stats().requests, 3);
}

#[test]
fn a_connection_the_server_closed_is_replaced_transparently() {
    let server = server()
        .idle_timeout(Duration::from_millis(200))
        .start()
        .unwrap();
    let mut client = client_for(server.endpoint_url());
    client.invoke(&echo(), b"{}").unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let r = client.invoke(&echo(), b"{}").unwrap();
    assert_eq!(r.outcome.status(), 200);
    assert_eq!(client.connections_opened(), 2);
    assert_eq!(server.stats().requests, 2, "the request was sent once");
}

#[test]
fn event_and_dry_run() {
    let server = server().start().unwrap();
    let mut client = client_for(server.endpoint_url());
    for (t, status) in [(InvocationType::Event, 202), (InvocationType::DryRun, 204)] {
        let r = client
            .invoke(&echo().with_invocation_type(t), b"{}")
            .unwrap();
        assert_eq!(r.outcome.status(), status);
    }
}

#[test]
fn wrong_secret_is_a_typed_service_error() {
    let server = server().start().unwrap();
    let mut client = LambdaClient::new(ClientConfig {
        credentials: OwnedCredentials {
            access_key_id: "AKIDLOCAL".into(),
            secret_access_key: "wrong".into(),
            session_token: None,
        },
        ..client_for(server.endpoint_url()).config().clone()
    });
    let r = client.invoke(&echo(), b"{}").unwrap();
    let InvokeOutcome::ServiceError(e) = r.outcome else {
        panic!()
    };
    assert_eq!(e.status, 403);
    assert_eq!(e.code.as_deref(), Some("InvalidSignatureException"));
}

//! End to end on the host: the blocking adapter over `std-embedded-nal` and the async one over
//! `std-embedded-nal-async`, against `picolambda_std::local::LocalLambda` (SigV4 verified).

mod common;

use common::*;
use picolambda::invoke::response::{InvokeOutcome, ServiceErrorKind};
use picolambda::invoke::{FunctionName, InvokeRequest, LogType, Qualifier};
use picolambda_nal::asynch::{self, AsyncNalConnector};
use picolambda_nal::NalConnector;
use picolambda_std::local::{Function, LocalLambda, LocalLambdaHandle};

fn server() -> LocalLambdaHandle {
    LocalLambda::new()
        .credentials(ACCESS_KEY, SECRET_KEY)
        .register(
            Function::new("echo", |inv| {
                inv.log("echo ran");
                Ok(inv.payload().to_vec())
            })
            .publish_version(1)
            .alias("live", "1"),
        )
        .start()
        .unwrap()
}

struct Result1 {
    outcome: InvokeOutcome,
    payload: Vec<u8>,
    log: Vec<u8>,
}

/// A test invoke's result, which must not be an error.
fn result1<E: std::fmt::Debug>((outcome, payload, log): Ran<E>) -> Result1 {
    Result1 {
        outcome: outcome.unwrap(),
        payload,
        log,
    }
}

fn blocking_invoke<C: picolambda::driver::Connector>(
    connector: &mut C,
    url: &str,
    request: &InvokeRequest<'_>,
    payload: &[u8],
) -> Result1
where
    C::Error: std::fmt::Debug,
{
    result1(run_blocking(
        connector,
        &mut TestEnv::default(),
        url,
        request,
        payload,
        512,
    ))
}

fn async_invoke<C: asynch::AsyncConnector>(
    connector: &mut C,
    url: &str,
    request: &InvokeRequest<'_>,
    payload: &[u8],
) -> Result1
where
    C::Error: std::fmt::Debug,
{
    result1(run_async(
        connector,
        &mut TestEnv::default(),
        url,
        request,
        payload,
        512,
    ))
}

fn echo_live() -> InvokeRequest<'static> {
    InvokeRequest::new(FunctionName::new("echo").unwrap())
        .with_qualifier(Qualifier::new("live").unwrap())
        .with_log_type(LogType::Tail)
}

fn check_echo(r: &Result1, payload: &[u8]) {
    let InvokeOutcome::Success(ok) = &r.outcome else {
        panic!("{:?}", r.outcome)
    };
    assert_eq!(ok.status, 200);
    assert_eq!(ok.executed_version.as_deref(), Some("1"));
    assert!(ok.function_error.is_none());
    assert_eq!(r.payload, payload);
    assert!(
        String::from_utf8_lossy(&r.log).contains("echo ran"),
        "{:?}",
        r.log
    );
}

fn check_not_found(r: &Result1) {
    let InvokeOutcome::ServiceError(e) = &r.outcome else {
        panic!("{:?}", r.outcome)
    };
    assert_eq!(e.status, 404);
    assert_eq!(e.kind, ServiceErrorKind::ResourceNotFoundException);
}

#[test]
fn blocking_over_std_embedded_nal_invokes_with_keep_alive() {
    let server = server();
    let url = server.endpoint_url();
    let mut stack = std_embedded_nal::Stack;
    let mut connector = NalConnector::new(&mut stack, host_hook());
    for i in 0..5 {
        let payload = format!("{{\"i\":{i},\"s\":\"{}\"}}", "x".repeat(i * 3000));
        let r = blocking_invoke(&mut connector, &url, &echo_live(), payload.as_bytes());
        check_echo(&r, payload.as_bytes());
    }
    let missing = InvokeRequest::new(FunctionName::new("no-such-function").unwrap());
    check_not_found(&blocking_invoke(&mut connector, &url, &missing, b"{}"));
    assert_eq!(connector.connections_opened(), 1);
    assert_eq!(server.stats().connections, 1);
    assert_eq!(server.stats().requests, 6);
}

#[test]
fn blocking_over_std_embedded_nal_resolves_localhost() {
    use std::net::ToSocketAddrs;
    let first = ("localhost", 80).to_socket_addrs().unwrap().next().unwrap();
    if !first.ip().is_ipv4() {
        eprintln!("localhost resolves to {first} first; the local endpoint listens on IPv4 only");
        return;
    }
    let server = server();
    let port = server.endpoint_url().rsplit(':').next().unwrap().to_owned();
    let url = format!("http://localhost:{port}");
    let mut stack = std_embedded_nal::Stack;
    let mut connector = NalConnector::new(&mut stack, host_hook());
    let r = blocking_invoke(&mut connector, &url, &echo_live(), b"{\"dns\":true}");
    check_echo(&r, b"{\"dns\":true}");
}

#[test]
fn async_over_std_embedded_nal_async_invokes_with_keep_alive() {
    let server = server();
    let url = server.endpoint_url();
    let stack = std_embedded_nal_async::Stack::default();
    let mut connector = AsyncNalConnector::new(&stack, &stack);
    for i in 0..5 {
        let payload = format!("{{\"i\":{i},\"s\":\"{}\"}}", "y".repeat(i * 3000));
        let r = async_invoke(&mut connector, &url, &echo_live(), payload.as_bytes());
        check_echo(&r, payload.as_bytes());
    }
    let missing = InvokeRequest::new(FunctionName::new("no-such-function").unwrap());
    check_not_found(&async_invoke(&mut connector, &url, &missing, b"{}"));
    assert_eq!(connector.connections_opened(), 1);
    assert_eq!(server.stats().connections, 1);
    assert_eq!(server.stats().requests, 6);
}

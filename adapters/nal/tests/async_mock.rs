//! The async loop (`picolambda_nal::asynch::invoke`) over `AsyncNalConnector`, against a mock
//! `embedded-nal-async` stack that yields (`Poll::Pending`) before every step and moves at most
//! a few bytes per call.

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use common::*;
use embedded_io::ErrorKind;
use embedded_nal::AddrType;
use embedded_nal_async::{Dns, TcpConnect};
use futures_executor::block_on;
use picolambda::driver::{Buffers, InPlace, InvokeError};
use picolambda::endpoint::Endpoint;
use picolambda::invoke::response::{InvokeOutcome, InvokeResponseReader};
use picolambda::invoke::{FunctionName, InvokeRequest, LogType};
use picolambda_nal::asynch::{self, invoke, AsyncConnector, AsyncNalConnector, AsyncNalError};

const SEND_MAX: usize = 7;
const RECV_MAX: usize = 5;

/// Returns `Pending` once (waking itself), then `Ready`: a stack that is not ready yet.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

type Yields = Rc<RefCell<BTreeMap<&'static str, u32>>>;

async fn not_ready(yields: &Yields, op: &'static str) {
    *yields.borrow_mut().entry(op).or_default() += 1;
    YieldOnce(false).await;
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct MockIoError(ErrorKind);

impl std::fmt::Display for MockIoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::error::Error for MockIoError {}

impl embedded_io::Error for MockIoError {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

struct MockStack {
    server: Rc<RefCell<Server>>,
    yields: Yields,
    connects: RefCell<u32>,
}

struct MockConn {
    server: Rc<RefCell<Server>>,
    yields: Yields,
}

impl Drop for MockConn {
    fn drop(&mut self) {
        self.server.borrow_mut().client_closed();
    }
}

impl embedded_io::ErrorType for MockConn {
    type Error = MockIoError;
}

impl embedded_io_async::Read for MockConn {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, MockIoError> {
        not_ready(&self.yields, "read").await;
        loop {
            let out = self.server.borrow_mut().send(buf.len().min(RECV_MAX));
            match out {
                Out::Bytes(b) => {
                    buf[..b.len()].copy_from_slice(&b);
                    return Ok(b.len());
                }
                Out::Eof => return Ok(0),
                Out::Pending => not_ready(&self.yields, "read").await,
            }
        }
    }
}

impl embedded_io_async::Write for MockConn {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, MockIoError> {
        not_ready(&self.yields, "write").await;
        let n = buf.len().min(SEND_MAX);
        self.server.borrow_mut().receive(&buf[..n]);
        Ok(n)
    }

    async fn flush(&mut self) -> Result<(), MockIoError> {
        Ok(())
    }
}

impl TcpConnect for MockStack {
    type Error = MockIoError;
    type Connection<'a> = MockConn;

    async fn connect(&self, _remote: SocketAddr) -> Result<MockConn, MockIoError> {
        not_ready(&self.yields, "connect").await;
        *self.connects.borrow_mut() += 1;
        self.server.borrow_mut().open();
        Ok(MockConn {
            server: self.server.clone(),
            yields: self.yields.clone(),
        })
    }
}

struct MockDns {
    yields: Yields,
}

impl Dns for MockDns {
    type Error = ();

    async fn get_host_by_name(&self, host: &str, _: AddrType) -> Result<IpAddr, ()> {
        not_ready(&self.yields, "dns").await;
        assert_eq!(host, "lambda.test");
        Ok(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)))
    }

    async fn get_host_by_address(&self, _: IpAddr, _: &mut [u8]) -> Result<usize, ()> {
        Err(())
    }
}

fn stack(script: impl IntoIterator<Item = Canned>) -> (MockStack, MockDns) {
    let yields = Yields::default();
    (
        MockStack {
            server: Rc::new(RefCell::new(Server::new(script))),
            yields: yields.clone(),
            connects: RefCell::new(0),
        },
        MockDns { yields },
    )
}

fn request() -> InvokeRequest<'static> {
    InvokeRequest::new(FunctionName::new("echo").unwrap()).with_log_type(LogType::Tail)
}

/// One async invoke through a 64-byte receive buffer.
fn run<C: AsyncConnector>(connector: &mut C, env: &mut TestEnv, payload: &[u8]) -> Ran<C::Error> {
    run_async(
        connector,
        env,
        "http://lambda.test:8080",
        &request(),
        payload,
        64,
    )
}

fn assert_yielded_at_every_step(yields: &Yields) {
    for op in ["dns", "connect", "write", "read"] {
        assert!(
            yields.borrow().get(op).copied().unwrap_or(0) > 0,
            "{op}: {yields:?}"
        );
    }
}

#[test]
fn a_200_with_payload_and_log_through_pending_and_short_io_at_every_step() {
    let (stack, dns) = stack([Canned::Echo]);
    let mut connector = AsyncNalConnector::new(&stack, &dns);
    let mut env = TestEnv::default();
    let payload = br#"{"hello":"async"}"#;
    let (result, body, log) = run(&mut connector, &mut env, payload);
    let outcome = result.unwrap();
    let InvokeOutcome::Success(ok) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(ok.status, 200);
    assert_eq!(body, payload);
    assert_eq!(log, LOG);
    let server = stack.server.borrow();
    assert_eq!(server.requests.len(), 1);
    let req = String::from_utf8_lossy(&server.requests[0]);
    assert!(req.starts_with("POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\n"));
    assert!(req.contains("X-Amz-Log-Type: Tail\r\n"), "{req}");
    drop(server);
    assert_yielded_at_every_step(&stack.yields);
}

#[test]
fn a_503_is_retried_after_a_backoff_then_200() {
    let (stack, dns) = stack([Canned::Reply(service_unavailable()), Canned::Echo]);
    let mut connector = AsyncNalConnector::new(&stack, &dns);
    let mut env = TestEnv::default();
    let (result, body, log) = run(&mut connector, &mut env, b"[1]");
    assert_eq!(result.unwrap().status(), 200);
    assert_eq!(body, b"[1]");
    assert_eq!(log, LOG);
    assert_eq!(env.sleeps.len(), 1);
    assert_eq!(stack.server.borrow().requests.len(), 2);
    assert_eq!(*stack.connects.borrow(), 1, "the 503 kept the connection");
    assert_yielded_at_every_step(&stack.yields);
}

#[test]
fn keep_alive_carries_two_invokes_on_one_connection() {
    let (stack, dns) = stack([Canned::Echo, Canned::Echo]);
    let mut connector = AsyncNalConnector::new(&stack, &dns);
    let mut env = TestEnv::default();
    assert_eq!(run(&mut connector, &mut env, b"[1]").1, b"[1]");
    assert_eq!(run(&mut connector, &mut env, b"[2]").1, b"[2]");
    assert_eq!(connector.connections_opened(), 1);
    assert_eq!(*stack.connects.borrow(), 1);
    assert_eq!(stack.server.borrow().requests.len(), 2);
}

#[test]
fn a_sink_that_refuses_the_payload_is_reported_and_the_connection_dropped() {
    let (stack, dns) = stack([Canned::Echo]);
    let mut connector = AsyncNalConnector::new(&stack, &dns);
    let mut env = TestEnv::default();
    let endpoint = Endpoint::from_url("http://lambda.test:8080", "us-east-1").unwrap();
    let mut client = client(endpoint);
    let (mut head, mut rx, mut log) = ([0u8; 2048], [0u8; 64], [0u8; 4096]);
    let mut refuse = |_: &[u8]| -> Result<(), &'static str> { Err("full") };
    let result = block_on(invoke(
        &mut client,
        &mut connector,
        &mut env,
        &request(),
        b"{\"x\":1}",
        &mut Buffers {
            head: &mut head,
            rx: &mut rx,
            log: &mut log,
        },
        &mut refuse,
    ));
    assert!(
        matches!(result, Err(InvokeError::Sink("full"))),
        "{result:?}"
    );
    assert!(connector.open_stream().is_none());
    assert!(!stack.server.borrow().is_open());
}

#[test]
fn an_https_endpoint_is_refused_by_the_plain_connector() {
    let (stack, dns) = stack([Canned::Echo]);
    let mut connector = AsyncNalConnector::new(&stack, &dns);
    let endpoint = Endpoint::from_url("https://lambda.test", "us-east-1").unwrap();
    let err = block_on(connector.connect(&endpoint)).unwrap_err();
    assert_eq!(err, AsyncNalError::TlsRequired);
    assert_eq!(*stack.connects.borrow(), 0);
}

#[test]
fn in_place_keeps_the_reader_and_outcome_with_the_caller_across_a_retry() {
    let (stack, dns) = stack([Canned::Reply(service_unavailable()), Canned::Echo]);
    let mut connector = AsyncNalConnector::new(&stack, &dns);
    let mut env = TestEnv::default();
    let endpoint = Endpoint::from_url("http://lambda.test:8080", "us-east-1").unwrap();
    let mut client = client(endpoint);
    let (mut head, mut rx, mut log) = ([0u8; 2048], [0u8; 64], [0u8; 4096]);
    let mut reader: InvokeResponseReader<'_> = InvokeResponseReader::new(&mut log);
    let mut outcome = None;
    let mut body = Vec::new();
    block_on(asynch::invoke_in_place(
        &mut client,
        &mut connector,
        &mut env,
        &request(),
        b"[1]",
        &mut InPlace {
            head: &mut head,
            rx: &mut rx,
            reader: &mut reader,
            outcome: &mut outcome,
        },
        &mut collect(&mut body),
    ))
    .unwrap();
    assert_eq!(outcome.unwrap().status(), 200);
    assert_eq!(body, b"[1]");
    // The retried answer's log, from the reader reset between the attempts.
    assert_eq!(reader.log_result(), Some(LOG));
    assert_eq!(env.sleeps.len(), 1);
    assert_eq!(stack.server.borrow().requests.len(), 2);
}

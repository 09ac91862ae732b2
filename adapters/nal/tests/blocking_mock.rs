//! `NalConnector` under the core's blocking driver, against a mock `embedded-nal` stack that
//! answers `WouldBlock` before every step and moves at most a few bytes per call.

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::Rc;

use common::*;
use embedded_io::ErrorKind;
use embedded_nal::{nb, AddrType, Dns, TcpClientStack, TcpError, TcpErrorKind};
use picolambda::driver::InvokeError;
use picolambda::endpoint::Endpoint;
use picolambda::invoke::response::InvokeOutcome;
use picolambda::invoke::{FunctionName, InvokeRequest, LogType};
use picolambda::retry::GiveUpReason;
use picolambda_nal::{Error, GiveUp, NalConnector, Op};

/// Bytes moved per `send` and per `receive` at most.
const SEND_MAX: usize = 7;
const RECV_MAX: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq)]
struct MockTcpError;

impl TcpError for MockTcpError {
    fn kind(&self) -> TcpErrorKind {
        TcpErrorKind::Other
    }
}

/// What the mock stack did, for the assertions.
#[derive(Debug, Default)]
struct Counters {
    would_blocks: BTreeMap<&'static str, u32>,
    sockets: u32,
    closes: u32,
    resolved: Vec<String>,
    connected_to: Vec<SocketAddr>,
}

struct MockStack {
    server: Rc<RefCell<Server>>,
    counters: Rc<RefCell<Counters>>,
    /// Every operation answers `WouldBlock` on its first call, then makes progress on the next:
    /// one flag per operation.
    blocked: BTreeMap<&'static str, bool>,
}

impl MockStack {
    fn new(server: &Rc<RefCell<Server>>, counters: &Rc<RefCell<Counters>>) -> Self {
        Self {
            server: server.clone(),
            counters: counters.clone(),
            blocked: BTreeMap::new(),
        }
    }

    /// `WouldBlock` every other call of `op`.
    fn block_first(&mut self, op: &'static str) -> bool {
        let flag = self.blocked.entry(op).or_insert(false);
        *flag = !*flag;
        if *flag {
            *self
                .counters
                .borrow_mut()
                .would_blocks
                .entry(op)
                .or_default() += 1;
        }
        *flag
    }
}

struct MockSocket {
    connected: bool,
}

impl TcpClientStack for MockStack {
    type TcpSocket = MockSocket;
    type Error = MockTcpError;

    fn socket(&mut self) -> Result<MockSocket, MockTcpError> {
        self.counters.borrow_mut().sockets += 1;
        Ok(MockSocket { connected: false })
    }

    fn connect(
        &mut self,
        socket: &mut MockSocket,
        remote: SocketAddr,
    ) -> nb::Result<(), MockTcpError> {
        if self.block_first("connect") {
            return Err(nb::Error::WouldBlock);
        }
        self.counters.borrow_mut().connected_to.push(remote);
        self.server.borrow_mut().open();
        socket.connected = true;
        Ok(())
    }

    fn send(&mut self, socket: &mut MockSocket, buffer: &[u8]) -> nb::Result<usize, MockTcpError> {
        assert!(socket.connected);
        if self.block_first("send") {
            return Err(nb::Error::WouldBlock);
        }
        let n = buffer.len().min(SEND_MAX);
        self.server.borrow_mut().receive(&buffer[..n]);
        Ok(n)
    }

    fn receive(
        &mut self,
        socket: &mut MockSocket,
        buffer: &mut [u8],
    ) -> nb::Result<usize, MockTcpError> {
        assert!(socket.connected);
        // A one-byte receive is the connector's keep-alive probe, which must not wait: it sees
        // the connection as it is.
        if buffer.len() > 1 && self.block_first("receive") {
            return Err(nb::Error::WouldBlock);
        }
        match self.server.borrow_mut().send(buffer.len().min(RECV_MAX)) {
            Out::Bytes(b) => {
                buffer[..b.len()].copy_from_slice(&b);
                Ok(b.len())
            }
            Out::Eof => Ok(0),
            Out::Pending => {
                *self
                    .counters
                    .borrow_mut()
                    .would_blocks
                    .entry("receive")
                    .or_default() += 1;
                Err(nb::Error::WouldBlock)
            }
        }
    }

    fn close(&mut self, _socket: MockSocket) -> Result<(), MockTcpError> {
        self.counters.borrow_mut().closes += 1;
        self.server.borrow_mut().client_closed();
        Ok(())
    }
}

impl Dns for MockStack {
    type Error = ();

    fn get_host_by_name(&mut self, hostname: &str, _: AddrType) -> nb::Result<IpAddr, ()> {
        if self.block_first("dns") {
            return Err(nb::Error::WouldBlock);
        }
        self.counters
            .borrow_mut()
            .resolved
            .push(hostname.to_owned());
        // TEST-NET-1 (RFC 5737): documentation only; the mock never touches a network.
        Ok(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)))
    }

    fn get_host_by_address(&mut self, _: IpAddr, _: &mut [u8]) -> nb::Result<usize, ()> {
        Err(nb::Error::Other(()))
    }
}

/// Hook calls per operation.
type HookLog = Rc<RefCell<BTreeMap<Op, u32>>>;

/// A hook that counts and gives up after `limit` waits of one operation.
fn hook(log: &HookLog, limit: u32) -> impl FnMut(Op, u32) -> Result<(), GiveUp> {
    let log = log.clone();
    move |op, waits| {
        *log.borrow_mut().entry(op).or_default() += 1;
        if waits >= limit {
            return Err(GiveUp);
        }
        Ok(())
    }
}

struct Setup {
    server: Rc<RefCell<Server>>,
    counters: Rc<RefCell<Counters>>,
    hooks: HookLog,
}

fn setup(script: impl IntoIterator<Item = Canned>) -> Setup {
    Setup {
        server: Rc::new(RefCell::new(Server::new(script))),
        counters: Rc::default(),
        hooks: Rc::default(),
    }
}

const URL: &str = "http://lambda.test:8080";

fn request() -> InvokeRequest<'static> {
    InvokeRequest::new(FunctionName::new("echo").unwrap()).with_log_type(LogType::Tail)
}

/// Runs one invoke through a 64-byte receive buffer.
fn run<C: picolambda::driver::Connector>(
    connector: &mut C,
    env: &mut TestEnv,
    payload: &[u8],
) -> Ran<C::Error> {
    run_blocking(connector, env, URL, &request(), payload, 64)
}

/// Every `WouldBlock` the stack returned reached the hook, except the one keep-alive probe
/// per reuse (a single non-blocking check that must not wait).
fn assert_hook_saw_every_would_block(s: &Setup, probes: u32) {
    let counters = s.counters.borrow();
    let hooks = s.hooks.borrow();
    let total_blocks: u32 = counters.would_blocks.values().sum();
    let total_hooks: u32 = hooks.values().sum();
    assert_eq!(total_hooks + probes, total_blocks, "{counters:?} {hooks:?}");
    for op in [Op::Resolve, Op::Connect, Op::Send, Op::Receive] {
        assert!(
            hooks.get(&op).copied().unwrap_or(0) > 0,
            "no wait for {op:?}: {hooks:?}"
        );
    }
}

#[test]
fn a_200_with_payload_and_log_through_would_block_and_short_io_at_every_step() {
    let s = setup([Canned::Echo]);
    let mut connector = NalConnector::new(
        MockStack::new(&s.server, &s.counters),
        hook(&s.hooks, 10_000),
    );
    let mut env = TestEnv::default();
    let payload = br#"{"hello":"world","n":[1,2,3]}"#;
    let (result, body, log) = run(&mut connector, &mut env, payload);
    let outcome = result.unwrap();
    let InvokeOutcome::Success(ok) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(ok.status, 200);
    assert_eq!(ok.executed_version.as_deref(), Some("$LATEST"));
    assert_eq!(body, payload);
    assert_eq!(log, LOG);
    assert!(env.sleeps.is_empty());

    let server = s.server.borrow();
    assert_eq!(server.requests.len(), 1);
    let req = String::from_utf8_lossy(&server.requests[0]);
    assert!(
        req.starts_with("POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\n"),
        "{req}"
    );
    assert!(
        req.contains("\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDLOCAL/"),
        "{req}"
    );
    assert!(req.contains("\r\nHost: lambda.test:8080\r\n"), "{req}");
    assert!(req.ends_with(std::str::from_utf8(payload).unwrap()));
    drop(server);

    let counters = s.counters.borrow();
    assert_eq!(counters.resolved, ["lambda.test"]);
    assert_eq!(
        counters.connected_to,
        [SocketAddr::from(([192, 0, 2, 1], 8080))]
    );
    drop(counters);
    assert_hook_saw_every_would_block(&s, 0);
    assert_eq!(connector.connections_opened(), 1);
}

#[test]
fn a_503_is_retried_after_a_backoff_on_the_same_connection_then_200() {
    let s = setup([Canned::Reply(service_unavailable()), Canned::Echo]);
    let mut connector = NalConnector::new(
        MockStack::new(&s.server, &s.counters),
        hook(&s.hooks, 10_000),
    );
    let mut env = TestEnv::default();
    let (result, body, log) = run(&mut connector, &mut env, b"{}");
    assert_eq!(result.unwrap().status(), 200);
    assert_eq!(body, b"{}");
    assert_eq!(log, LOG);
    assert_eq!(env.sleeps.len(), 1, "one backoff before the retry");
    assert_eq!(s.server.borrow().requests.len(), 2);
    // The 503 left the connection reusable: the retry went over it (after the probe).
    assert_eq!(s.server.borrow().connections, 1);
    assert_eq!(s.counters.borrow().sockets, 1);
    assert_hook_saw_every_would_block(&s, 1);
}

#[test]
fn keep_alive_carries_two_invokes_on_one_connection() {
    let s = setup([Canned::Echo, Canned::Echo]);
    let mut connector = NalConnector::new(
        MockStack::new(&s.server, &s.counters),
        hook(&s.hooks, 10_000),
    );
    let mut env = TestEnv::default();
    let (first, body1, _) = run(&mut connector, &mut env, br#"{"call":1}"#);
    let (second, body2, log2) = run(&mut connector, &mut env, br#"{"call":2}"#);
    assert_eq!(first.unwrap().status(), 200);
    assert_eq!(second.unwrap().status(), 200);
    assert_eq!(body1, br#"{"call":1}"#);
    assert_eq!(body2, br#"{"call":2}"#);
    assert_eq!(log2, LOG);
    assert_eq!(connector.connections_opened(), 1);
    assert_eq!(s.counters.borrow().sockets, 1);
    assert_eq!(s.counters.borrow().resolved.len(), 1, "resolved once");
    assert_hook_saw_every_would_block(&s, 1);
    // Dropping the connector gives the socket back to the stack.
    drop(connector);
    assert_eq!(s.counters.borrow().closes, 1);
}

#[test]
fn a_connection_the_server_closed_while_idle_is_replaced_before_the_request() {
    let s = setup([Canned::Echo, Canned::Echo]);
    let mut connector = NalConnector::new(
        MockStack::new(&s.server, &s.counters),
        hook(&s.hooks, 10_000),
    );
    let mut env = TestEnv::default();
    assert_eq!(
        run(&mut connector, &mut env, b"{}").0.unwrap().status(),
        200
    );
    s.server.borrow_mut().close_current();
    // Without the probe the request would go into the dead connection and be lost.
    let (second, body, _) = run(&mut connector, &mut env, b"[2]");
    let second = second.unwrap();
    assert_eq!(second.status(), 200);
    assert_eq!(body, b"[2]");
    assert_eq!(s.server.borrow().requests.len(), 2);
    assert!(
        env.sleeps.is_empty(),
        "no failed attempt: the dead connection was never written"
    );
    assert_eq!(connector.connections_opened(), 2);
}

#[test]
fn a_response_with_connection_close_ends_the_connection() {
    let mut closing = ok_with_log(b"{}");
    let at = closing.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    closing.splice(at..at, b"Connection: close\r\n".iter().copied());
    let s = setup([Canned::ReplyAndClose(closing), Canned::Echo]);
    let mut connector = NalConnector::new(
        MockStack::new(&s.server, &s.counters),
        hook(&s.hooks, 10_000),
    );
    let mut env = TestEnv::default();
    assert_eq!(
        run(&mut connector, &mut env, b"{}").0.unwrap().status(),
        200
    );
    assert_eq!(s.counters.borrow().closes, 1, "closed after the response");
    assert_eq!(
        run(&mut connector, &mut env, b"{}").0.unwrap().status(),
        200
    );
    assert_eq!(connector.connections_opened(), 2);
}

#[test]
fn a_hook_that_gives_up_waiting_for_the_response_is_a_timeout_and_not_resent() {
    // The server never answers: the hook gives up after 50 waits for the response.
    let s = setup([]);
    s.server.borrow_mut().script.clear();
    let mut connector = NalConnector::new(
        MockStack::new(&s.server, &s.counters),
        |op: Op, waits: u32| {
            if op == Op::Receive && waits >= 50 {
                Err(GiveUp)
            } else {
                Ok(())
            }
        },
    );
    let mut env = TestEnv::default();
    // A reply that never comes: the server holds the connection open and says nothing.
    s.server
        .borrow_mut()
        .script
        .push_back(Canned::Reply(Vec::new()));
    let (result, _, _) = run(&mut connector, &mut env, b"{}");
    match result {
        Err(InvokeError::Transport { error, reason }) => {
            assert_eq!(error, Error::TimedOut(Op::Receive));
            assert_eq!(embedded_io::Error::kind(&error), ErrorKind::TimedOut);
            // RequestResponse, completely sent: the function may have run, so no resend.
            assert_eq!(reason, GiveUpReason::MayHaveRun);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.server.borrow().requests.len(), 1);
}

#[test]
fn a_connect_that_times_out_is_retried() {
    let s = setup([Canned::Echo]);
    let gave_up = Rc::new(RefCell::new(false));
    let g = gave_up.clone();
    // The first connect gives up at once; later ones wait.
    let mut connector =
        NalConnector::new(MockStack::new(&s.server, &s.counters), move |op: Op, _| {
            if op == Op::Connect && !*g.borrow() {
                *g.borrow_mut() = true;
                return Err(GiveUp);
            }
            Ok(())
        });
    let mut env = TestEnv::default();
    let (result, body, _) = run(&mut connector, &mut env, b"{}");
    assert_eq!(result.unwrap().status(), 200);
    assert_eq!(body, b"{}");
    assert_eq!(env.sleeps.len(), 1);
    // The abandoned socket was given back to the stack.
    assert_eq!(s.counters.borrow().sockets, 2);
    assert_eq!(s.counters.borrow().closes, 1);
}

#[test]
fn an_https_endpoint_is_refused_by_the_plain_connector() {
    let s = setup([Canned::Echo]);
    let mut connector =
        NalConnector::new(MockStack::new(&s.server, &s.counters), hook(&s.hooks, 10));
    let endpoint = Endpoint::from_url("https://lambda.test", "us-east-1").unwrap();
    let err = picolambda::driver::Connector::connect(&mut connector, &endpoint).unwrap_err();
    assert_eq!(err, Error::TlsRequired);
    assert_eq!(s.counters.borrow().sockets, 0, "nothing opened");
}

#[test]
fn an_ip_literal_is_not_resolved() {
    let s = setup([Canned::Echo]);
    let mut connector = NalConnector::new(
        MockStack::new(&s.server, &s.counters),
        hook(&s.hooks, 10_000),
    );
    for (url, addr) in [
        (
            "http://192.0.2.7:9000",
            SocketAddr::from(([192, 0, 2, 7], 9000)),
        ),
        (
            "http://[2001:db8::1]:9000",
            "[2001:db8::1]:9000".parse().unwrap(),
        ),
    ] {
        let endpoint = Endpoint::from_url(url, "us-east-1").unwrap();
        picolambda::driver::Connector::connect(&mut connector, &endpoint).unwrap();
        picolambda::driver::Connector::disconnect(&mut connector);
        assert_eq!(s.counters.borrow().connected_to.last(), Some(&addr));
    }
    assert!(s.counters.borrow().resolved.is_empty());
}

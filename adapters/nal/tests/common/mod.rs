//! A scripted Lambda "server" behind the mock stacks, and helpers shared by the tests.

// Shared by several test crates, each using a part: items are `pub` for them, and some unused.
#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::{Duration, Instant};

use picolambda::driver::{Buffers, Client, Connector, Environment, InvokeError};
use picolambda::endpoint::Endpoint;
use picolambda::invoke::response::{InvokeOutcome, LogResult};
use picolambda::invoke::InvokeRequest;
use picolambda::sigv4::Credentials;
use picolambda::time::Timestamp;
use picolambda_nal::asynch::{AsyncConnector, AsyncEnvironment};
use picolambda_nal::{GiveUp, Op};

/// The decoded `X-Amz-Log-Result` of [`ok_with_log`].
pub const LOG: &[u8] = b"START RequestId: 1\nhello log\nEND RequestId: 1\n";
const LOG_B64: &str = "U1RBUlQgUmVxdWVzdElkOiAxCmhlbGxvIGxvZwpFTkQgUmVxdWVzdElkOiAxCg==";

/// A 200 echoing `payload`, with a log tail.
pub fn ok_with_log(payload: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Amz-Executed-Version: $LATEST\r\n\
         X-Amz-Log-Result: {LOG_B64}\r\nx-amzn-RequestId: 11111111-2222-3333-4444-555555555555\r\n\
         Content-Length: {}\r\n\r\n",
        payload.len()
    )
    .into_bytes();
    r.extend_from_slice(payload);
    r
}

/// A 503 `ServiceException` (retryable).
pub fn service_unavailable() -> Vec<u8> {
    let body = br#"{"Type":"Service","message":"try again"}"#;
    let mut r = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n\
         x-amzn-ErrorType: ServiceException\r\nx-amzn-RequestId: 503\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// What the server does after reading one request.
#[derive(Clone, Debug)]
pub enum Canned {
    /// Answer, keep the connection open.
    Reply(Vec<u8>),
    /// Answer the body of the request back as a 200 with a log (an echo).
    Echo,
    /// Answer, then close.
    ReplyAndClose(Vec<u8>),
}

#[derive(Default, Debug)]
struct Conn {
    inbuf: Vec<u8>,
    out: VecDeque<u8>,
    closing: bool,
}

/// One scripted server: reads whole requests (head + `Content-Length` body) and answers each
/// with the next [`Canned`] reply.
#[derive(Default, Debug)]
pub struct Server {
    pub script: VecDeque<Canned>,
    /// Complete requests, in order.
    pub requests: Vec<Vec<u8>>,
    /// Connections accepted.
    pub connections: usize,
    conn: Option<Conn>,
}

/// What reading from the server gives.
pub enum Out {
    Bytes(Vec<u8>),
    Pending,
    Eof,
}

impl Server {
    pub fn new(script: impl IntoIterator<Item = Canned>) -> Self {
        Self {
            script: script.into_iter().collect(),
            ..Self::default()
        }
    }

    pub fn open(&mut self) {
        self.connections += 1;
        self.conn = Some(Conn::default());
    }

    /// The server closes the current connection (an idle timeout).
    pub fn close_current(&mut self) {
        if let Some(c) = self.conn.as_mut() {
            c.closing = true;
        }
    }

    pub fn is_open(&self) -> bool {
        self.conn.is_some()
    }

    pub fn client_closed(&mut self) {
        self.conn = None;
    }

    pub fn receive(&mut self, bytes: &[u8]) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        if conn.closing {
            // A closed connection: what the client writes is lost.
            return;
        }
        conn.inbuf.extend_from_slice(bytes);
        while let Some(len) = complete_request(&conn.inbuf) {
            let request: Vec<u8> = conn.inbuf.drain(..len).collect();
            let body =
                request[request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..].to_vec();
            self.requests.push(request);
            match self.script.pop_front() {
                Some(Canned::Reply(r)) => conn.out.extend(r),
                Some(Canned::Echo) => conn.out.extend(ok_with_log(&body)),
                Some(Canned::ReplyAndClose(r)) => {
                    conn.out.extend(r);
                    conn.closing = true;
                }
                None => conn.closing = true,
            }
        }
    }

    /// Up to `max` bytes for the client.
    pub fn send(&mut self, max: usize) -> Out {
        let Some(conn) = self.conn.as_mut() else {
            return Out::Eof;
        };
        if !conn.out.is_empty() {
            let n = max.min(conn.out.len());
            return Out::Bytes(conn.out.drain(..n).collect());
        }
        if conn.closing {
            Out::Eof
        } else {
            Out::Pending
        }
    }
}

/// The length of the first complete request in `buf`, if there is one.
fn complete_request(buf: &[u8]) -> Option<usize> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    (buf.len() >= head_end + len).then_some(head_end + len)
}

pub const ACCESS_KEY: &str = "AKIDLOCAL";
pub const SECRET_KEY: &str = "local-secret";

/// A client for `endpoint`, with the test credentials.
pub fn client(endpoint: Endpoint<'_>) -> Client<'_> {
    Client::new(
        Credentials::new(ACCESS_KEY, SECRET_KEY, None).unwrap(),
        endpoint,
    )
}

/// A clock at a fixed, correct time (the local endpoint checks it), sleeps recorded.
#[derive(Debug, Default)]
pub struct TestEnv {
    pub sleeps: Vec<u32>,
}

fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Timestamp::from_unix_secs(secs)
}

impl Environment for TestEnv {
    fn now(&mut self) -> Timestamp {
        now()
    }
    fn sleep_ms(&mut self, ms: u32) {
        // Recorded, not slept: the tests check the policy asked for a wait.
        self.sleeps.push(ms);
    }
    fn random_u32(&mut self) -> u32 {
        0x8000_0000
    }
}

impl AsyncEnvironment for TestEnv {
    fn now(&mut self) -> Timestamp {
        now()
    }
    async fn sleep_ms(&mut self, ms: u32) {
        self.sleeps.push(ms);
    }
    fn random_u32(&mut self) -> u32 {
        0x8000_0000
    }
}

/// What one test invoke gave: the outcome (or error), the payload, the decoded log.
pub type Ran<E> = (
    Result<
        picolambda::invoke::response::InvokeOutcome,
        picolambda::driver::InvokeError<E, std::convert::Infallible, std::convert::Infallible>,
    >,
    Vec<u8>,
    Vec<u8>,
);

/// A payload sink collecting into a `Vec`.
pub fn collect(
    out: &mut Vec<u8>,
) -> impl FnMut(&[u8]) -> Result<(), std::convert::Infallible> + '_ {
    move |chunk| {
        out.extend_from_slice(chunk);
        Ok(())
    }
}

/// The decoded `X-Amz-Log-Result` of a successful outcome (empty otherwise).
pub fn decoded_log(outcome: &InvokeOutcome, log: &[u8]) -> Vec<u8> {
    match outcome {
        InvokeOutcome::Success(ok) => match ok.log_result {
            Some(LogResult::Decoded { len }) => log[..len].to_vec(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn ran<E>(
    result: Result<InvokeOutcome, InvokeError<E, Infallible, Infallible>>,
    body: Vec<u8>,
    log: &[u8],
) -> Ran<E> {
    let log = result
        .as_ref()
        .map(|outcome| decoded_log(outcome, log))
        .unwrap_or_default();
    (result, body, log)
}

/// One invoke of `request` at `url` through the core's blocking driver over `connector`, with a
/// receive buffer of `rx_len` bytes (small ones make many reads).
pub fn run_blocking<C: Connector>(
    connector: &mut C,
    env: &mut TestEnv,
    url: &str,
    request: &InvokeRequest<'_>,
    payload: &[u8],
    rx_len: usize,
) -> Ran<C::Error> {
    let endpoint = Endpoint::from_url(url, "us-east-1").unwrap();
    let mut client = client(endpoint);
    let (mut head, mut rx, mut log) = ([0u8; 2048], vec![0u8; rx_len], [0u8; 4096]);
    let mut body = Vec::new();
    let mut source: &[u8] = payload;
    let result = picolambda::driver::invoke(
        &mut client,
        connector,
        env,
        request,
        &mut source,
        &mut Buffers {
            head: &mut head,
            rx: &mut rx,
            log: &mut log,
        },
        &mut collect(&mut body),
    );
    ran(result, body, &log)
}

/// [`run_blocking`] through the async driver.
pub fn run_async<C: AsyncConnector>(
    connector: &mut C,
    env: &mut TestEnv,
    url: &str,
    request: &InvokeRequest<'_>,
    payload: &[u8],
    rx_len: usize,
) -> Ran<C::Error> {
    let endpoint = Endpoint::from_url(url, "us-east-1").unwrap();
    let mut client = client(endpoint);
    let (mut head, mut rx, mut log) = ([0u8; 2048], vec![0u8; rx_len], [0u8; 4096]);
    let mut body = Vec::new();
    let result = futures_executor::block_on(picolambda_nal::asynch::invoke(
        &mut client,
        connector,
        env,
        request,
        payload,
        &mut Buffers {
            head: &mut head,
            rx: &mut rx,
            log: &mut log,
        },
        &mut collect(&mut body),
    ));
    ran(result, body, &log)
}

/// A host poll hook: sleep a little per `WouldBlock`, give up after 10 s of one operation.
pub fn host_hook() -> impl FnMut(Op, u32) -> Result<(), GiveUp> {
    let mut deadline = Instant::now();
    move |_op, waits| {
        if waits == 0 {
            deadline = Instant::now() + Duration::from_secs(10);
        }
        if Instant::now() > deadline {
            return Err(GiveUp);
        }
        std::thread::sleep(Duration::from_micros(200));
        Ok(())
    }
}

//! Scripted loopback servers for `LambdaClient` tests: a thread per server that accepts
//! connections, reads request heads and bodies, and answers exactly the bytes a test chooses.
//!
//! Everything is bounded in time: accepts give up after [`ACCEPT_TIMEOUT`], server reads after
//! [`SERVER_READ_TIMEOUT`], and a server that holds a connection open waits for
//! [`Scripted::finish`] (or [`HOLD_LIMIT`]) at most. A panic in the server thread fails the test
//! when it is joined.
#![allow(dead_code, unreachable_pub)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use picolambda::invoke::{FunctionName, InvokeRequest};
use picolambda::retry::RetryConfig;
use picolambda::time::Timestamp;
use picolambda_std::net::{tls_with_public_roots, NetConfig};
use picolambda_std::{ClientConfig, LambdaClient, OwnedCredentials};

pub const REGION: &str = "us-east-1";
pub const AK: &str = "AKIDSCRIPTED";
pub const SK: &str = "scripted/secret";

/// How long a server waits for a connection it expects.
pub const ACCEPT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a server waits for request bytes.
pub const SERVER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a server holds a silent connection open.
pub const HOLD_LIMIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Client side.

/// Timeouts for tests: short connect and write timeouts, the given read timeout.
pub fn net(read_timeout: Duration) -> NetConfig {
    NetConfig {
        connect_timeout: Duration::from_secs(2),
        read_timeout,
        write_timeout: Duration::from_secs(2),
        tls: tls_with_public_roots(),
    }
}

/// Standard retries with a 10 ms base delay, to keep tests fast.
pub fn fast_retry() -> RetryConfig {
    RetryConfig::default().with_base_delay_ms(10)
}

/// A client for `url` with the test credentials.
pub fn client_with(url: String, net: NetConfig, retry: RetryConfig) -> LambdaClient {
    LambdaClient::new(ClientConfig {
        credentials: OwnedCredentials {
            access_key_id: AK.into(),
            secret_access_key: SK.into(),
            session_token: None,
        },
        region: REGION.into(),
        endpoint_url: Some(url),
        endpoint_options: Default::default(),
        net,
        retry,
    })
}

/// A client for `url` with a 5 s read timeout and fast retries.
pub fn client(url: String) -> LambdaClient {
    client_with(url, net(Duration::from_secs(5)), fast_retry())
}

pub fn request(name: &str) -> InvokeRequest<'_> {
    InvokeRequest::new(FunctionName::new(name).unwrap())
}

// ---------------------------------------------------------------------------------------------
// Responses.

/// A response with `Content-Length` framing.
pub fn response(status: u16, reason: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// A Lambda 200 with `body` as the payload.
pub fn ok(body: &[u8]) -> Vec<u8> {
    response(
        200,
        "OK",
        &[
            ("Content-Type", "application/json"),
            ("X-Amz-Executed-Version", "$LATEST"),
            ("x-amzn-RequestId", "11111111-2222-3333-4444-555555555555"),
        ],
        body,
    )
}

/// A Lambda 202 (an `Event` invoke was queued).
pub fn accepted() -> Vec<u8> {
    response(
        202,
        "Accepted",
        &[("x-amzn-RequestId", "22222222-2222-3333-4444-555555555555")],
        b"",
    )
}

/// A Lambda JSON error.
pub fn service_error(
    status: u16,
    reason: &str,
    code: &str,
    extra: &[(&str, &str)],
    body: &str,
) -> Vec<u8> {
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("x-amzn-ErrorType", code),
        ("x-amzn-RequestId", "33333333-2222-3333-4444-555555555555"),
    ];
    headers.extend_from_slice(extra);
    response(status, reason, &headers, body.as_bytes())
}

/// A chunked response: `head_lines` (without the final blank line), then the raw chunked body.
pub fn chunked(status_line: &str, headers: &[(&str, &str)], raw_body: &str) -> Vec<u8> {
    let mut out = format!("{status_line}\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str("Transfer-Encoding: chunked\r\n\r\n");
    out.push_str(raw_body);
    out.into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Time.

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `secs` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// `secs` as an `X-Amz-Date` (`20240101T000000Z`).
pub fn amz_date(secs: u64) -> String {
    Timestamp::from_unix_secs(secs)
        .to_amz_date()
        .unwrap()
        .as_str()
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// Requests as the server saw them.

/// One request: head, body, on which connection and when it was complete.
#[derive(Clone, Debug)]
pub struct Request {
    pub head: String,
    pub body: Vec<u8>,
    /// 0-based index of the connection it came on.
    pub connection: usize,
    pub at: Instant,
}

impl Request {
    /// The request line.
    pub fn line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }

    /// A header's value (first occurrence, name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// `X-Amz-Date` as Unix seconds.
    pub fn amz_date_secs(&self) -> u64 {
        let v = self.header("x-amz-date").expect("request has X-Amz-Date");
        Timestamp::parse_amz_date(v.as_bytes())
            .expect("X-Amz-Date parses")
            .as_unix_secs()
    }
}

/// Reads one request (head, then a `Content-Length` body) from `r`; `leftover` keeps bytes read
/// past it. `Ok(None)` when the peer closed before sending a byte of a new request.
pub fn read_request_from<R: Read>(r: &mut R, leftover: &mut Vec<u8>) -> io::Result<Option<Raw>> {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(leftover, b"\r\n\r\n") {
            break i + 4;
        }
        let n = r.read(&mut chunk)?;
        if n == 0 {
            return if leftover.is_empty() {
                Ok(None)
            } else {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "peer closed in a request head",
                ))
            };
        }
        leftover.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(leftover[..head_end].to_vec())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while leftover.len() < head_end + len {
        let n = r.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "peer closed in a request body",
            ));
        }
        leftover.extend_from_slice(&chunk[..n]);
    }
    let body = leftover[head_end..head_end + len].to_vec();
    leftover.drain(..head_end + len);
    Ok(Some(Raw { head, body }))
}

/// A request's bytes, before it is recorded.
#[derive(Debug)]
pub struct Raw {
    pub head: String,
    pub body: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// The server.

/// A connection accepted by a scripted server.
pub struct Conn {
    pub stream: TcpStream,
    pub index: usize,
    leftover: Vec<u8>,
    log: Arc<Mutex<Vec<Request>>>,
}

impl Conn {
    /// The next request on this connection, recorded; `None` when the client closed it.
    pub fn read_request(&mut self) -> Option<Request> {
        let raw = read_request_from(&mut self.stream, &mut self.leftover).unwrap_or_else(|e| {
            panic!(
                "server: reading a request on connection {}: {e}",
                self.index
            )
        })?;
        let req = Request {
            head: raw.head,
            body: raw.body,
            connection: self.index,
            at: Instant::now(),
        };
        self.log.lock().unwrap().push(req.clone());
        Some(req)
    }

    /// The next request; panics if the client closed the connection instead.
    pub fn expect_request(&mut self) -> Request {
        self.read_request().unwrap_or_else(|| {
            panic!(
                "server: connection {} closed, expected a request",
                self.index
            )
        })
    }

    /// Writes all of `bytes` (errors ignored: the client may have gone).
    pub fn send(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
        let _ = self.stream.flush();
    }

    /// Writes `bytes` one byte per write, pausing `pause` after every `every` bytes.
    pub fn send_slowly(&mut self, bytes: &[u8], every: usize, pause: Duration) {
        for (i, b) in bytes.iter().enumerate() {
            if self.stream.write_all(std::slice::from_ref(b)).is_err() {
                return;
            }
            if (i + 1) % every == 0 {
                std::thread::sleep(pause);
            }
        }
    }
}

/// What a script is given: the listener, the request log, and the stop signal.
pub struct Server {
    listener: TcpListener,
    log: Arc<Mutex<Vec<Request>>>,
    accepted: usize,
    stop: Receiver<()>,
    stopped: bool,
}

impl Server {
    /// The next connection, within `wait`.
    pub fn try_accept(&mut self, wait: Duration) -> Option<Conn> {
        let deadline = Instant::now() + wait;
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    stream.set_read_timeout(Some(SERVER_READ_TIMEOUT)).unwrap();
                    stream.set_write_timeout(Some(SERVER_READ_TIMEOUT)).unwrap();
                    stream.set_nodelay(true).unwrap();
                    let index = self.accepted;
                    self.accepted += 1;
                    return Some(Conn {
                        stream,
                        index,
                        leftover: Vec::new(),
                        log: self.log.clone(),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return None;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(e) => panic!("server: accept: {e}"),
            }
        }
    }

    /// The next connection; panics after [`ACCEPT_TIMEOUT`].
    pub fn accept(&mut self) -> Conn {
        self.try_accept(ACCEPT_TIMEOUT)
            .expect("server: no connection came")
    }

    /// Waits until the test calls [`Scripted::finish`] (at most [`HOLD_LIMIT`]).
    pub fn wait_for_finish(&mut self) {
        if !self.stopped {
            let _ = self.stop.recv_timeout(HOLD_LIMIT);
            self.stopped = true;
        }
    }

    /// Whether the test has called [`Scripted::finish`], waiting at most `wait`.
    pub fn finished_within(&mut self, wait: Duration) -> bool {
        if self.stopped {
            return true;
        }
        match self.stop.recv_timeout(wait) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                self.stopped = true;
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
        }
    }

    /// The next request: on `conn` if the client still has it open, else on a newly accepted
    /// connection (kept in `conn`).
    pub fn next_request<'c>(&mut self, conn: &'c mut Option<Conn>) -> (&'c mut Conn, Request) {
        loop {
            if conn.is_none() {
                *conn = Some(self.accept());
            }
            match conn.as_mut().map(Conn::read_request) {
                Some(Some(r)) => return (conn.as_mut().unwrap(), r),
                _ => *conn = None,
            }
        }
    }

    /// Answers requests in order, one reply per request, accepting a new connection whenever
    /// the client closed the current one (or a reply closed it).
    pub fn replies(&mut self, replies: Vec<Reply>) {
        let mut conn: Option<Conn> = None;
        for reply in replies {
            let (c, req) = self.next_request(&mut conn);
            match reply {
                Reply::Send(bytes) => c.send(&bytes),
                Reply::SendThenClose(bytes) => {
                    c.send(&bytes);
                    conn = None;
                }
                Reply::Close => conn = None,
                Reply::Slowly(bytes, every, pause) => c.send_slowly(&bytes, every, pause),
                Reply::Echo => c.send(&ok(&req.body)),
                Reply::Hold => {
                    self.wait_for_finish();
                    conn = None;
                }
            }
        }
        // Keep the last connection open until the test is done, so that closing it does not
        // race with the client's checks.
        if conn.is_some() {
            let _ = self.finished_within(Duration::from_secs(5));
        }
    }
}

/// How a [`Server::replies`] script answers one request.
#[derive(Debug)]
pub enum Reply {
    /// These bytes; the connection stays open.
    Send(Vec<u8>),
    /// These bytes, then close.
    SendThenClose(Vec<u8>),
    /// Close without answering.
    Close,
    /// These bytes one at a time, pausing after every `.1` bytes.
    Slowly(Vec<u8>, usize, Duration),
    /// A 200 echoing the request body.
    Echo,
    /// Nothing, with the connection held open until the test finishes.
    Hold,
}

/// A server that answers each request with the next reply (see [`Server::replies`]).
pub fn serve(replies: Vec<Reply>) -> Scripted<()> {
    Scripted::start(move |s| s.replies(replies))
}

/// What a finished server saw.
#[derive(Debug)]
pub struct Report<T> {
    /// What the script returned.
    pub value: T,
    /// Connections the script accepted.
    pub accepted: usize,
    /// Connections left in the listen queue, never accepted (a client that opened more than the
    /// script expected).
    pub unaccepted: usize,
    /// Every request read, in order.
    pub requests: Vec<Request>,
}

impl<T> Report<T> {
    /// All connections the client opened.
    pub fn connections(&self) -> usize {
        self.accepted + self.unaccepted
    }
}

/// A scripted server running on its thread.
pub struct Scripted<T> {
    pub addr: SocketAddr,
    handle: Option<JoinHandle<(T, usize, usize)>>,
    log: Arc<Mutex<Vec<Request>>>,
    stop: Sender<()>,
}

impl<T: Send + 'static> Scripted<T> {
    /// Starts `script` on a thread with a listener on 127.0.0.1.
    pub fn start(script: impl FnOnce(&mut Server) -> T + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (stop_tx, stop_rx) = mpsc::channel();
        let mut server = Server {
            listener,
            log: log.clone(),
            accepted: 0,
            stop: stop_rx,
            stopped: false,
        };
        let handle = std::thread::Builder::new()
            .name(format!("scripted-{}", addr.port()))
            .spawn(move || {
                let value = script(&mut server);
                // Count connections the script never accepted.
                let mut unaccepted = 0;
                while server.listener.accept().is_ok() {
                    unaccepted += 1;
                }
                (value, server.accepted, unaccepted)
            })
            .unwrap();
        Self {
            addr,
            handle: Some(handle),
            log,
            stop: stop_tx,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests seen so far.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// Tells the script the test is done, and joins it (re-raising its panic).
    pub fn finish(mut self) -> Report<T> {
        let _ = self.stop.send(());
        let handle = self.handle.take().unwrap();
        let (value, accepted, unaccepted) = match handle.join() {
            Ok(v) => v,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        Report {
            value,
            accepted,
            unaccepted,
            requests: std::mem::take(&mut *self.log.lock().unwrap()),
        }
    }
}

impl<T> Drop for Scripted<T> {
    fn drop(&mut self) {
        // A test that failed before `finish` still lets its server stop early.
        let _ = self.stop.send(());
    }
}

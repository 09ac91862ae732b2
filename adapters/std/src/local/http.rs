//! The server side of HTTP/1.1, as much as the Invoke API needs: request heads, `Content-Length`
//! and chunked request bodies, `Expect: 100-continue`, keep-alive, and response writing.
//!
//! Everything read from the peer is bounded (head size, header count, body size) and every read
//! has a timeout, so a malformed or stuck client gets a 4xx or a closed socket, never a panic or
//! a hung thread.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use picolambda::http::response::{ChunkedDecoder, ChunkedEvent};

/// Largest request head accepted. h11 caps incomplete heads at 16 KiB (nginx's large header
/// buffers are 8 KiB each); an Invoke head is under 5 KiB even with a full 3,583-character client
/// context and a long session token.
pub(crate) const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Most header fields in one request (botocore sends about a dozen).
pub(crate) const MAX_HEADERS: usize = 100;

/// Trailer bytes accepted after a chunked request body.
const MAX_TRAILER_BYTES: u32 = 4 * 1024;

/// `HTTP/1.0` or `HTTP/1.1` (later 1.x minors are treated as 1.1, RFC 9110 §2.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    Http10,
    Http11,
}

/// A complete request: head and body.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// The path as sent, before any `?` (still percent-encoded).
    pub(crate) path: String,
    /// The query as sent, after the `?` (still percent-encoded), if any.
    pub(crate) query: Option<String>,
    pub(crate) version: Version,
    /// Fields in arrival order: names as sent, values with surrounding whitespace removed.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// Whether the connection may carry another request after the response.
    pub(crate) keep_alive: bool,
}

impl Request {
    /// The first value of a header, by name (ASCII case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in arrival order.
    pub(crate) fn headers_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no request could be read. Everything but `Io`/`Closed` deserves an error response
/// (after which the connection is closed: after a framing error the next request's start is
/// unknown).
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed, reset, or went silent (read timeout); nothing to answer.
    Io,
    /// The bytes are not an HTTP/1.x request: 400.
    Malformed(&'static str),
    /// The head exceeds [`MAX_HEAD_BYTES`] or [`MAX_HEADERS`]: 431.
    HeadTooLarge,
    /// The body exceeds the configured maximum: 413.
    BodyTooLarge,
    /// A transfer coding other than `chunked`: 501.
    UnsupportedTransferEncoding,
}

/// How the request body is delimited.
enum Framing {
    Length(usize),
    Chunked,
}

/// One accepted connection with the bytes read past the current request (pipelining).
pub(crate) struct Conn {
    pub(crate) stream: TcpStream,
    buf: Vec<u8>,
    /// How far `buf` has been searched for the end of the head (so a head arriving in many
    /// small pieces is scanned once, not once per piece).
    scanned: usize,
    read_timeout: Duration,
    idle_timeout: Duration,
    /// The timeout currently set on the socket, to skip redundant `setsockopt` calls.
    current_timeout: Option<Duration>,
    max_body: usize,
}

impl Conn {
    pub(crate) fn new(
        stream: TcpStream,
        read_timeout: Duration,
        idle_timeout: Duration,
        max_body: usize,
    ) -> Self {
        Self {
            stream,
            buf: Vec::with_capacity(4096),
            scanned: 0,
            read_timeout,
            idle_timeout,
            current_timeout: None,
            max_body,
        }
    }

    /// Reads more bytes into the buffer. `Ok(false)` on end of stream.
    fn fill(&mut self, idle: bool) -> Result<bool, ReadError> {
        let timeout = if idle {
            self.idle_timeout
        } else {
            self.read_timeout
        };
        // A zero duration is refused by `set_read_timeout`; treat it as the shortest wait.
        let timeout = timeout.max(Duration::from_millis(1));
        if self.current_timeout != Some(timeout) {
            self.stream
                .set_read_timeout(Some(timeout))
                .map_err(|_| ReadError::Io)?;
            self.current_timeout = Some(timeout);
        }
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.buf
                        .extend_from_slice(chunk.get(..n).unwrap_or_default());
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return Err(ReadError::Io),
            }
        }
    }

    /// Reads the next request. `Ok(None)`: the peer closed (or stayed idle past the keep-alive
    /// timeout) between requests, which is a normal end of the connection.
    ///
    /// A request with `Expect: 100-continue` gets the interim `100 Continue` before its body is
    /// read, unless its declared body is too large (then the caller answers 413 and closes).
    pub(crate) fn read_request(&mut self) -> Result<Option<Request>, ReadError> {
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
        let head_end = loop {
            while self.buf.first() == Some(&b'\r') || self.buf.first() == Some(&b'\n') {
                self.buf.remove(0);
                self.scanned = 0;
            }
            if let Some(end) = self.find_head_end() {
                break end;
            }
            if self.buf.len() > MAX_HEAD_BYTES {
                return Err(ReadError::HeadTooLarge);
            }
            let idle = self.buf.is_empty();
            match self.fill(idle) {
                Ok(true) => {}
                Ok(false) if idle => return Ok(None),
                Ok(false) => return Err(ReadError::Io),
                Err(_) if idle => return Ok(None),
                Err(e) => return Err(e),
            }
        };
        if head_end > MAX_HEAD_BYTES {
            return Err(ReadError::HeadTooLarge);
        }
        let head_bytes: Vec<u8> = self.buf.drain(..head_end).collect();
        self.scanned = 0;
        let mut request = parse_head(&head_bytes)?;
        let framing = framing(&request)?;
        let declared = match framing {
            Framing::Length(n) => n,
            Framing::Chunked => 0,
        };
        if declared > self.max_body {
            return Err(ReadError::BodyTooLarge);
        }
        let expects_continue = request.version == Version::Http11
            && request
                .header("expect")
                .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
        let has_body = !matches!(framing, Framing::Length(0));
        // Send the interim response only if the client is actually waiting for it: if body
        // bytes have already arrived it did not wait, and a 100 would now be noise.
        if expects_continue && has_body && self.buf.is_empty() {
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .map_err(|_| ReadError::Io)?;
        }
        request.body = match framing {
            Framing::Length(n) => self.read_exact_body(n)?,
            Framing::Chunked => self.read_chunked_body()?,
        };
        Ok(Some(request))
    }

    /// The length of the head including its blank line, once it is in the buffer. Accepts a
    /// bare LF as line end (RFC 9112 §2.2 allows it for the start line and fields).
    fn find_head_end(&mut self) -> Option<usize> {
        let start = self.scanned.saturating_sub(3);
        let found = self
            .buf
            .get(start..)?
            .iter()
            .enumerate()
            .find_map(|(i, &b)| {
                if b != b'\n' {
                    return None;
                }
                let at = start + i;
                let prev = |k: usize| at.checked_sub(k).and_then(|j| self.buf.get(j)).copied();
                match (prev(1), prev(2)) {
                    (Some(b'\n'), _) => Some(at + 1),
                    (Some(b'\r'), Some(b'\n')) => Some(at + 1),
                    _ => None,
                }
            });
        if found.is_none() {
            self.scanned = self.buf.len();
        }
        found
    }

    fn read_exact_body(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        while self.buf.len() < n {
            if !self.fill(false)? {
                return Err(ReadError::Io);
            }
        }
        let rest = self.buf.split_off(n);
        Ok(std::mem::replace(&mut self.buf, rest))
    }

    fn read_chunked_body(&mut self) -> Result<Vec<u8>, ReadError> {
        let mut decoder = ChunkedDecoder::new(MAX_TRAILER_BYTES);
        let mut body = Vec::new();
        loop {
            let mut pos = 0;
            while !decoder.is_done() {
                let input = self.buf.get(pos..).unwrap_or_default();
                let progress = decoder
                    .handle_input(input)
                    .map_err(|_| ReadError::Malformed("invalid chunked body"))?;
                pos += progress.consumed;
                match progress.event {
                    Some(ChunkedEvent::Data(data)) => {
                        if body.len() + data.len() > self.max_body {
                            return Err(ReadError::BodyTooLarge);
                        }
                        body.extend_from_slice(data);
                    }
                    Some(ChunkedEvent::End) => break,
                    None => break,
                }
            }
            self.buf.drain(..pos.min(self.buf.len()));
            if decoder.is_done() {
                return Ok(body);
            }
            if !self.fill(false)? {
                return Err(ReadError::Io);
            }
        }
    }

    /// Writes a complete response.
    pub(crate) fn write_response(&mut self, response: &[u8], body: &[u8]) -> io::Result<()> {
        // One write for small responses (one TCP segment with TCP_NODELAY); two for large ones
        // rather than copying megabytes.
        if body.len() <= 64 * 1024 {
            let mut all = Vec::with_capacity(response.len() + body.len());
            all.extend_from_slice(response);
            all.extend_from_slice(body);
            self.stream.write_all(&all)
        } else {
            self.stream.write_all(response)?;
            self.stream.write_all(body)
        }
    }

    /// Closes after an error response without losing it: half-closes, then reads and discards
    /// what the client is still sending for a short while. Closing a socket with unread data
    /// makes the kernel send RST, which can destroy the response before the client reads it.
    pub(crate) fn linger_close(mut self) {
        let _ = self.stream.flush();
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        let _ = self
            .stream
            .set_read_timeout(Some(Duration::from_millis(200)));
        let mut sink = [0u8; 16 * 1024];
        let mut budget: usize = 8 * 1024 * 1024;
        while budget > 0 {
            match self.stream.read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(n) => budget = budget.saturating_sub(n),
            }
        }
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parses the head (request line and fields, including the blank line).
///
/// ```text
/// request-line = method SP request-target SP HTTP-version
/// field-line   = field-name ":" OWS field-value OWS
/// ```
///
/// Obsolete line folding, whitespace before the colon and control characters in values are
/// rejected, as RFC 9112 §5 requires of servers (they are request-smuggling vectors).
fn parse_head(head: &[u8]) -> Result<Request, ReadError> {
    let text = std::str::from_utf8(head).map_err(|_| ReadError::Malformed("head is not UTF-8"))?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => (m, t, v),
        _ => return Err(ReadError::Malformed("malformed request line")),
    };
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(ReadError::Malformed("malformed method"));
    }
    if !target.starts_with('/') || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ReadError::Malformed("malformed request target"));
    }
    let version = match version.strip_prefix("HTTP/1.") {
        Some("0") => Version::Http10,
        Some(minor) if !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit()) => {
            Version::Http11
        }
        _ => return Err(ReadError::Malformed("unsupported HTTP version")),
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.to_owned(), None),
    };
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            return Err(ReadError::Malformed("obsolete line folding"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(ReadError::Malformed("header line without a colon"))?;
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(ReadError::Malformed("malformed header name"));
        }
        let value = value.trim_matches([' ', '\t']);
        if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(ReadError::Malformed("control character in a header value"));
        }
        if headers.len() >= MAX_HEADERS {
            return Err(ReadError::HeadTooLarge);
        }
        headers.push((name.to_owned(), value.to_owned()));
    }
    let mut request = Request {
        method: method.to_owned(),
        path,
        query,
        version,
        headers,
        body: Vec::new(),
        keep_alive: false,
    };
    request.keep_alive = keep_alive(&request);
    Ok(request)
}

/// Whether `Connection` lists `token` (the field is a comma-separated, case-insensitive list).
fn connection_has(request: &Request, token: &str) -> bool {
    request
        .headers_named("connection")
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// HTTP/1.1 is persistent unless `Connection: close`; HTTP/1.0 only with `keep-alive`.
fn keep_alive(request: &Request) -> bool {
    match request.version {
        Version::Http11 => !connection_has(request, "close"),
        Version::Http10 => {
            connection_has(request, "keep-alive") && !connection_has(request, "close")
        }
    }
}

/// RFC 9112 §6.3 for requests: `Transfer-Encoding` must end in `chunked`; a request with both
/// `Transfer-Encoding` and `Content-Length` is refused (the classic smuggling ambiguity), as are
/// conflicting or malformed lengths. No framing means an empty body.
fn framing(request: &Request) -> Result<Framing, ReadError> {
    let te: Vec<&str> = request
        .headers_named("transfer-encoding")
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    let mut lengths = request
        .headers_named("content-length")
        .flat_map(|v| v.split(','));
    if !te.is_empty() {
        if lengths.next().is_some() {
            return Err(ReadError::Malformed(
                "both Transfer-Encoding and Content-Length",
            ));
        }
        if request.version == Version::Http10 {
            return Err(ReadError::Malformed(
                "Transfer-Encoding in an HTTP/1.0 request",
            ));
        }
        return match te.as_slice() {
            [t] if t.eq_ignore_ascii_case("chunked") => Ok(Framing::Chunked),
            _ => Err(ReadError::UnsupportedTransferEncoding),
        };
    }
    let mut length: Option<usize> = None;
    for l in lengths {
        let l = l.trim();
        if l.is_empty() || l.len() > 15 || !l.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::Malformed("malformed Content-Length"));
        }
        let n: usize = l
            .parse()
            .map_err(|_| ReadError::Malformed("malformed Content-Length"))?;
        if length.is_some_and(|m| m != n) {
            return Err(ReadError::Malformed("conflicting Content-Length values"));
        }
        length = Some(n);
    }
    Ok(Framing::Length(length.unwrap_or(0)))
}

/// The reason phrase for the statuses this server sends.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Request Entity Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// A response before serialization.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

/// How to frame a response body on the wire.
#[derive(Clone, Copy, Debug)]
pub(crate) enum BodyMode {
    ContentLength,
    /// `Transfer-Encoding: chunked` with chunks of at most this many bytes.
    Chunked(usize),
}

/// Serializes a response. Returns the head (and, when chunked, the whole framed body appended)
/// and the body bytes still to send after it.
pub(crate) fn serialize<'b>(
    response: &'b Response,
    date: &str,
    keep_alive: bool,
    mode: BodyMode,
) -> (Vec<u8>, &'b [u8]) {
    use std::fmt::Write as _;
    let mut head = String::with_capacity(256);
    let _ = write!(
        head,
        "HTTP/1.1 {} {}\r\nDate: {date}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    // RFC 9110 §8.6: no Content-Length (and no body) in a 204.
    let no_body = response.status == 204;
    let chunked = match mode {
        BodyMode::Chunked(size) if !no_body => Some(size.max(1)),
        _ => None,
    };
    if !no_body {
        match chunked {
            Some(_) => head.push_str("Transfer-Encoding: chunked\r\n"),
            None => {
                let _ = write!(head, "Content-Length: {}\r\n", response.body.len());
            }
        }
    }
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    let mut out = head.into_bytes();
    match chunked {
        _ if no_body => (out, &[]),
        Some(size) => {
            for chunk in response.body.chunks(size) {
                out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
            (out, &[])
        }
        None => (out, &response.body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Request, ReadError> {
        parse_head(text.as_bytes())
    }

    #[test]
    fn parses_a_request_head() {
        let r = parse(
            "POST /2015-03-31/functions/f/invocations?Qualifier=1 HTTP/1.1\r\nHost: x\r\nX-A:  v w \r\n\r\n",
        )
        .unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/2015-03-31/functions/f/invocations");
        assert_eq!(r.query.as_deref(), Some("Qualifier=1"));
        assert_eq!(r.header("x-a"), Some("v w"));
        assert!(r.keep_alive);
    }

    #[test]
    fn rejects_malformed_heads() {
        for bad in [
            "POST  / HTTP/1.1\r\n\r\n",
            "POST / HTTP/2.0\r\n\r\n",
            "POST / HTTP/1.1 x\r\n\r\n",
            "PO(ST / HTTP/1.1\r\n\r\n",
            "POST x HTTP/1.1\r\n\r\n",
            "POST / HTTP/1.1\r\nA b: c\r\n\r\n",
            "POST / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
            "POST / HTTP/1.1\r\nNoColon\r\n\r\n",
            "POST / HTTP/1.1\r\nA: b\x01c\r\n\r\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn connection_persistence() {
        let r = |t: &str| parse(t).unwrap().keep_alive;
        assert!(!r("GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n"));
        assert!(!r("GET / HTTP/1.0\r\n\r\n"));
        assert!(r("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        assert!(r("GET / HTTP/1.1\r\n\r\n"));
    }

    #[test]
    fn framing_rules() {
        let f = |t: &str| framing(&parse(t).unwrap());
        assert!(matches!(
            f("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
            Ok(Framing::Length(5))
        ));
        assert!(f("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n").is_err());
        assert!(f("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").is_err());
        assert!(
            f("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
                .is_err()
        );
        assert!(matches!(
            f("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
            Err(ReadError::UnsupportedTransferEncoding)
        ));
        assert!(matches!(
            f("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"),
            Ok(Framing::Chunked)
        ));
        assert!(matches!(
            f("POST / HTTP/1.1\r\n\r\n"),
            Ok(Framing::Length(0))
        ));
    }

    #[test]
    fn serializes_chunked_and_204() {
        let r = Response {
            status: 200,
            headers: vec![],
            body: b"hello".to_vec(),
        };
        let (out, rest) = serialize(&r, "D", true, BodyMode::Chunked(2));
        assert!(rest.is_empty());
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n2\r\nhe\r\n2\r\nll\r\n1\r\no\r\n0\r\n\r\n"));
        let r = Response {
            status: 204,
            headers: vec![],
            body: vec![],
        };
        let (out, _) = serialize(&r, "D", false, BodyMode::ContentLength);
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("Content-Length"));
        assert!(text.ends_with("Connection: close\r\n\r\n"));
    }
}

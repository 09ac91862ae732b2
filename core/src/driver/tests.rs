use super::*;
use crate::endpoint::Endpoint;
use crate::invoke::response::{FunctionError, InvokeOutcome, LogResult, ServiceErrorKind};
use crate::invoke::{FunctionName, InvocationType, LogType};
use crate::retry::GiveUpReason;
use std::collections::VecDeque;
use std::string::String;
use std::vec::Vec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MockError(ErrorKind);

impl embedded_io::Error for MockError {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

impl fmt::Display for MockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl core::error::Error for MockError {}

/// What the scripted server does with one request.
#[derive(Clone)]
enum Reply {
    /// Send these bytes, `chunk` at a time.
    Bytes(Vec<u8>, usize),
    /// Close without answering.
    Close,
    /// The read times out.
    Timeout,
}

#[derive(Default)]
struct MockStream {
    written: Vec<u8>,
    reply: Option<(Vec<u8>, usize, bool)>,
    pending: VecDeque<Reply>,
    requests: Vec<Vec<u8>>,
    closed: bool,
}

impl embedded_io::ErrorType for MockStream {
    type Error = MockError;
}

impl Write for MockStream {
    fn write(&mut self, buf: &[u8]) -> Result<usize, MockError> {
        // Short writes: at most 7 bytes at a time.
        let n = buf.len().min(7);
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> Result<(), MockError> {
        Ok(())
    }
}

impl Read for MockStream {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, MockError> {
        if self.reply.is_none() {
            self.requests.push(core::mem::take(&mut self.written));
            match self.pending.pop_front() {
                Some(Reply::Bytes(b, chunk)) => self.reply = Some((b, chunk, false)),
                Some(Reply::Close) | None => {
                    self.closed = true;
                    return Ok(0);
                }
                Some(Reply::Timeout) => return Err(MockError(ErrorKind::TimedOut)),
            }
        }
        let (bytes, chunk, _) = self.reply.as_mut().unwrap();
        if bytes.is_empty() {
            self.reply = None;
            self.closed = true;
            return Ok(0);
        }
        let n = (*chunk).min(buf.len()).min(bytes.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        bytes.drain(..n);
        if bytes.is_empty() {
            self.reply = None;
        }
        Ok(n)
    }
}

#[derive(Default)]
struct MockConnector {
    stream: Option<MockStream>,
    script: VecDeque<Reply>,
    connects: usize,
    refuse: usize,
    all_requests: Vec<Vec<u8>>,
}

impl MockConnector {
    fn new(script: impl IntoIterator<Item = Reply>) -> Self {
        Self {
            script: script.into_iter().collect(),
            ..Self::default()
        }
    }
    fn collect(&mut self) {
        if let Some(s) = self.stream.take() {
            self.all_requests.extend(s.requests);
            if !s.written.is_empty() {
                self.all_requests.push(s.written);
            }
            self.script = s.pending.into_iter().chain(self.script.drain(..)).collect();
        }
    }
}

impl Connector for MockConnector {
    type Error = MockError;
    type Stream = MockStream;

    fn connect(&mut self, _endpoint: &Endpoint<'_>) -> Result<&mut MockStream, MockError> {
        if self.refuse > 0 {
            self.refuse -= 1;
            return Err(MockError(ErrorKind::ConnectionRefused));
        }
        if self.stream.as_ref().is_some_and(|s| s.closed) {
            self.collect();
        }
        if self.stream.is_none() {
            self.connects += 1;
            self.stream = Some(MockStream {
                pending: core::mem::take(&mut self.script),
                ..MockStream::default()
            });
        }
        Ok(self.stream.as_mut().unwrap())
    }

    fn disconnect(&mut self) {
        self.collect();
    }
}

struct MockEnv {
    now: u64,
    slept: Vec<u32>,
}

impl MockEnv {
    /// A clock at `now` (Unix seconds) that has not slept yet.
    fn at(now: u64) -> Self {
        Self {
            now,
            slept: Vec::new(),
        }
    }
}

/// A payload sink appending to `out`.
fn collect(out: &mut Vec<u8>) -> impl FnMut(&[u8]) -> Result<(), core::convert::Infallible> + '_ {
    |c: &[u8]| {
        out.extend_from_slice(c);
        Ok(())
    }
}

impl Environment for MockEnv {
    fn now(&mut self) -> Timestamp {
        Timestamp::from_unix_secs(self.now)
    }
    fn sleep_ms(&mut self, ms: u32) {
        self.slept.push(ms);
        self.now += u64::from(ms / 1000);
    }
    fn random_u32(&mut self) -> u32 {
        u32::MAX
    }
}

const NOW: u64 = 1_700_000_000;
const DATE: &str = "Tue, 14 Nov 2023 22:13:20 GMT"; // = NOW

fn ok_response(body: &str, extra: &str) -> Vec<u8> {
    std::format!(
        "HTTP/1.1 200 OK\r\nDate: {DATE}\r\nx-amzn-RequestId: r-1\r\nX-Amz-Executed-Version: 3\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn error_response(status: u16, code: &str, message: &str, date: &str) -> Vec<u8> {
    let body = std::format!("{{\"Type\":\"User\",\"message\":\"{message}\"}}");
    std::format!(
        "HTTP/1.1 {status} X\r\nDate: {date}\r\nx-amzn-ErrorType: {code}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

struct Run {
    result: Result<
        InvokeOutcome,
        InvokeError<MockError, core::convert::Infallible, core::convert::Infallible>,
    >,
    payload: Vec<u8>,
    log: Vec<u8>,
    connector: MockConnector,
    env: MockEnv,
}

/// The client, request and scripted connector every run starts from.
fn fixture(
    invocation_type: InvocationType,
    script: Vec<Reply>,
) -> (Client<'static>, InvokeRequest<'static>, MockConnector) {
    let creds = Credentials::new("AKIDEXAMPLE", "secret", None).unwrap();
    let endpoint = Endpoint::from_url("http://127.0.0.1:9001", "us-east-1").unwrap();
    let request = InvokeRequest::new(FunctionName::new("echo").unwrap())
        .with_invocation_type(invocation_type)
        .with_log_type(LogType::Tail);
    (
        Client::new(creds, endpoint),
        request,
        MockConnector::new(script),
    )
}

fn run(
    invocation_type: InvocationType,
    script: Vec<Reply>,
    now: u64,
    setup: impl FnOnce(&mut MockConnector),
) -> Run {
    let (mut client, request, mut connector) = fixture(invocation_type, script);
    setup(&mut connector);
    let mut env = MockEnv::at(now);
    let (mut head, mut rx, mut log) = ([0u8; 1024], [0u8; 5], [0u8; 4096]);
    let mut buffers = Buffers {
        head: &mut head,
        rx: &mut rx,
        log: &mut log,
    };
    let mut payload_out = Vec::new();
    let mut sink = collect(&mut payload_out);
    let mut payload: &[u8] = b"{\"hi\":1}";
    let result = invoke(
        &mut client,
        &mut connector,
        &mut env,
        &request,
        &mut payload,
        &mut buffers,
        &mut sink,
    );
    drop(sink); // It borrows `payload_out`.
    connector.collect();
    let log_len = match &result {
        Ok(InvokeOutcome::Success(s)) => match s.log_result {
            Some(LogResult::Decoded { len }) => len,
            _ => 0,
        },
        _ => 0,
    };
    Run {
        result,
        payload: payload_out,
        log: buffers.log[..log_len].to_vec(),
        connector,
        env,
    }
}

fn header<'a>(request: &'a [u8], name: &str) -> Option<&'a str> {
    let text = core::str::from_utf8(request).ok()?;
    text.split("\r\n")
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
}

#[test]
fn success_with_log_payload_and_short_io() {
    // "hello log" in base64.
    let r = run(
        InvocationType::RequestResponse,
        std::vec![Reply::Bytes(
            ok_response(
                "{\"hi\":1}",
                "X-Amz-Log-Result: aGVsbG8gbG9n\r\nX-Amz-Function-Error: Handled\r\n"
            ),
            3
        )],
        NOW,
        |_| {},
    );
    let Ok(InvokeOutcome::Success(ok)) = r.result else {
        panic!("{:?}", r.result)
    };
    assert_eq!(ok.status, 200);
    assert_eq!(ok.function_error, Some(FunctionError::Handled));
    assert_eq!(ok.executed_version.as_deref(), Some("3"));
    assert_eq!(r.payload, b"{\"hi\":1}");
    assert_eq!(r.log, b"hello log");
    let sent = &r.connector.all_requests[0];
    assert!(sent.starts_with(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\n"));
    assert!(sent.ends_with(b"\r\n\r\n{\"hi\":1}"));
}

#[test]
fn retries_503_then_succeeds() {
    let r = run(
        InvocationType::RequestResponse,
        std::vec![
            Reply::Bytes(error_response(503, "ServiceException", "busy", DATE), 64),
            Reply::Bytes(ok_response("\"ok\"", ""), 64),
        ],
        NOW,
        |_| {},
    );
    assert!(
        matches!(r.result, Ok(InvokeOutcome::Success(_))),
        "{:?}",
        r.result
    );
    assert_eq!(r.connector.all_requests.len(), 2);
    assert_eq!(r.env.slept.len(), 1);
    assert!(r.env.slept[0] <= 1000);
}

#[test]
fn request_response_is_not_resent_after_the_connection_drops() {
    let r = run(
        InvocationType::RequestResponse,
        std::vec![Reply::Close, Reply::Bytes(ok_response("\"ok\"", ""), 64)],
        NOW,
        |_| {},
    );
    match r.result {
        Err(InvokeError::Response { reason, .. }) => assert_eq!(reason, GiveUpReason::MayHaveRun),
        other => panic!("{other:?}"),
    }
    assert_eq!(r.connector.all_requests.len(), 1, "sent once");
}

#[test]
fn request_response_is_not_resent_after_a_read_timeout() {
    let r = run(
        InvocationType::RequestResponse,
        std::vec![Reply::Timeout, Reply::Bytes(ok_response("\"ok\"", ""), 64)],
        NOW,
        |_| {},
    );
    match r.result {
        Err(InvokeError::Transport { error, reason }) => {
            assert_eq!(error, MockError(ErrorKind::TimedOut));
            assert_eq!(reason, GiveUpReason::MayHaveRun);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn event_is_resent_after_the_connection_drops() {
    let accepted = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n".to_vec();
    let r = run(
        InvocationType::Event,
        std::vec![Reply::Close, Reply::Bytes(accepted, 64)],
        NOW,
        |_| {},
    );
    let Ok(InvokeOutcome::Success(ok)) = r.result else {
        panic!("{:?}", r.result)
    };
    assert_eq!(ok.status, 202);
    assert_eq!(r.connector.all_requests.len(), 2);
}

#[test]
fn connect_failures_are_retried() {
    let r = run(
        InvocationType::RequestResponse,
        std::vec![Reply::Bytes(ok_response("\"ok\"", ""), 64)],
        NOW,
        |c| c.refuse = 2,
    );
    assert!(
        matches!(r.result, Ok(InvokeOutcome::Success(_))),
        "{:?}",
        r.result
    );
    assert_eq!(r.env.slept.len(), 2);
}

#[test]
fn service_errors_are_results_not_errors() {
    let r = run(
        InvocationType::RequestResponse,
        std::vec![Reply::Bytes(
            error_response(
                404,
                "ResourceNotFoundException",
                "Function not found: x",
                DATE
            ),
            64
        )],
        NOW,
        |_| {},
    );
    let Ok(InvokeOutcome::ServiceError(e)) = r.result else {
        panic!("{:?}", r.result)
    };
    assert_eq!(e.kind, ServiceErrorKind::ResourceNotFoundException);
    assert_eq!(e.message(), "Function not found: x");
    assert_eq!(r.connector.all_requests.len(), 1);
}

#[test]
fn a_device_starting_in_1970_is_corrected_by_the_server_date() {
    // The server rejects the 1970 signature and says what time it is; the second attempt is
    // signed at the server's time.
    let r = run(
        InvocationType::RequestResponse,
        std::vec![
            Reply::Bytes(
                error_response(
                    403,
                    "InvalidSignatureException",
                    "Signature expired: 19700101T000000Z is now earlier than 20231114T220820Z (20231114T221320Z - 5 min.)",
                    DATE,
                ),
                64,
            ),
            Reply::Bytes(ok_response("\"ok\"", ""), 64),
        ],
        0,
        |_| {},
    );
    assert!(
        matches!(r.result, Ok(InvokeOutcome::Success(_))),
        "{:?}",
        r.result
    );
    let reqs = &r.connector.all_requests;
    assert_eq!(reqs.len(), 2);
    assert_eq!(header(&reqs[0], "X-Amz-Date"), Some("19700101T000000Z"));
    assert_eq!(header(&reqs[1], "X-Amz-Date"), Some("20231114T221320Z"));
}

#[test]
fn keep_alive_reuses_one_connection_and_close_is_honoured() {
    let keep = ok_response("\"a\"", "");
    let close = ok_response("\"b\"", "Connection: close\r\n");
    let creds = Credentials::new("AKIDEXAMPLE", "secret", None).unwrap();
    let endpoint = Endpoint::from_url("http://127.0.0.1:9001", "us-east-1").unwrap();
    let mut client = Client::new(creds, endpoint);
    let request = InvokeRequest::new(FunctionName::new("echo").unwrap());
    let mut connector = MockConnector::new([
        Reply::Bytes(keep.clone(), 64),
        Reply::Bytes(keep, 64),
        Reply::Bytes(close, 64),
        Reply::Bytes(ok_response("\"c\"", ""), 64),
    ]);
    let mut env = MockEnv::at(NOW);
    let (mut head, mut rx, mut log) = ([0u8; 1024], [0u8; 64], [0u8; 0]);
    for _ in 0..4 {
        let mut buffers = Buffers {
            head: &mut head,
            rx: &mut rx,
            log: &mut log,
        };
        let mut payload: &[u8] = b"{}";
        let outcome = invoke(
            &mut client,
            &mut connector,
            &mut env,
            &request,
            &mut payload,
            &mut buffers,
            &mut crate::invoke::response::Discard,
        )
        .unwrap();
        assert_eq!(outcome.status(), 200);
    }
    assert_eq!(
        connector.connects, 2,
        "three on the first connection, one after close"
    );
}

#[test]
fn seekable_payloads_are_hashed_then_streamed() {
    struct Cursor {
        data: Vec<u8>,
        pos: usize,
    }
    impl embedded_io::ErrorType for Cursor {
        type Error = core::convert::Infallible;
    }
    impl Read for Cursor {
        fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
            let n = buf.len().min(self.data.len() - self.pos).min(100);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }
    impl Seek for Cursor {
        fn seek(&mut self, pos: SeekFrom) -> Result<u64, Self::Error> {
            if let SeekFrom::Start(p) = pos {
                self.pos = p as usize;
            }
            Ok(self.pos as u64)
        }
    }
    let data: Vec<u8> = (0..10_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut source = SeekablePayload::new(Cursor {
        data: data.clone(),
        pos: 0,
    })
    .unwrap();
    assert_eq!(source.hash().unwrap(), PayloadHash::of(&data));
    let mut out = MockStream::default();
    let mut scratch = [0u8; 64];
    source.send(&mut out, &mut scratch).unwrap();
    assert_eq!(out.written, data);
    // Sent twice (a retry): the same bytes again.
    source.send(&mut out, &mut scratch).unwrap();
    assert_eq!(out.written.len(), 2 * data.len());
    let _ = String::new();
}

/// [`run`] through [`invoke_in_place`], the reader and the outcome in the caller's storage.
fn run_in_place(invocation_type: InvocationType, script: Vec<Reply>, now: u64) -> Run {
    let (mut client, request, mut connector) = fixture(invocation_type, script);
    let mut env = MockEnv::at(now);
    let (mut head, mut rx, mut log) = ([0u8; 1024], [0u8; 5], [0u8; 4096]);
    let mut reader: InvokeResponseReader<'_> = InvokeResponseReader::new(&mut log);
    let mut outcome = None;
    let mut payload_out = Vec::new();
    let mut sink = collect(&mut payload_out);
    let mut payload: &[u8] = b"{\"hi\":1}";
    let result = invoke_in_place(
        &mut client,
        &mut connector,
        &mut env,
        &request,
        &mut payload,
        &mut InPlace {
            head: &mut head,
            rx: &mut rx,
            reader: &mut reader,
            outcome: &mut outcome,
        },
        &mut sink,
    );
    drop(sink); // It borrows `payload_out`.
    connector.collect();
    let log = reader.log_result().unwrap_or_default().to_vec();
    Run {
        result: result.map(|()| outcome.expect("an outcome after Ok")),
        payload: payload_out,
        log,
        connector,
        env,
    }
}

#[test]
fn in_place_gives_what_invoke_gives() {
    // "hello log" in base64.
    let with_log = ok_response("{\"hi\":1}", "X-Amz-Log-Result: aGVsbG8gbG9n\r\n");
    // (invocation type, script, start time, whether the answer is the success with the log)
    let scripts: Vec<(InvocationType, Vec<Reply>, u64, bool)> = std::vec![
        (
            InvocationType::RequestResponse,
            std::vec![Reply::Bytes(with_log.clone(), 3)],
            NOW,
            true
        ),
        // The reader is reset between attempts: the retried answer's log, not the first's.
        (
            InvocationType::RequestResponse,
            std::vec![
                Reply::Bytes(error_response(503, "ServiceException", "busy", DATE), 64),
                Reply::Bytes(with_log.clone(), 7),
            ],
            NOW,
            true
        ),
        (
            InvocationType::RequestResponse,
            std::vec![Reply::Bytes(
                error_response(404, "ResourceNotFoundException", "no such function", DATE),
                64
            )],
            NOW,
            false
        ),
        (
            InvocationType::Event,
            std::vec![Reply::Close, Reply::Bytes(with_log.clone(), 64)],
            NOW,
            true
        ),
        (
            InvocationType::RequestResponse,
            std::vec![Reply::Close],
            NOW,
            false
        ),
        // A device starting in 1970: a clock-skew retry.
        (
            InvocationType::RequestResponse,
            std::vec![
                Reply::Bytes(
                    error_response(
                        403,
                        "InvalidSignatureException",
                        "Signature expired: 19700101T000000Z is now earlier than 20231114T220820Z (20231114T221320Z - 5 min.)",
                        DATE
                    ),
                    64
                ),
                Reply::Bytes(with_log, 64),
            ],
            0,
            true
        ),
    ];
    for (kind, script, now, logged) in scripts {
        let by_value = run(kind, script.clone(), now, |_| {});
        let in_place = run_in_place(kind, script, now);
        assert_eq!(
            std::format!("{:?}", in_place.result),
            std::format!("{:?}", by_value.result)
        );
        assert_eq!(in_place.payload, by_value.payload);
        assert_eq!(in_place.log, by_value.log);
        assert_eq!(
            in_place.connector.all_requests.len(),
            by_value.connector.all_requests.len()
        );
        assert_eq!(in_place.env.slept, by_value.env.slept);
        assert_eq!(
            in_place.log == b"hello log",
            logged,
            "{:?}",
            in_place.result
        );
    }
}

/// `Invocation` as it was, with the hash always its own: the reference for its `Debug`.
// Its fields are read through `Debug` only.
#[allow(dead_code)]
#[derive(Debug)]
struct InvocationBefore<'r> {
    request: &'r InvokeRequest<'r>,
    payload: PayloadHash,
    retry: RetryState,
}

#[test]
fn invocations_print_and_sign_as_before_the_hash_was_borrowed() {
    for invocation_type in [
        InvocationType::RequestResponse,
        InvocationType::Event,
        InvocationType::DryRun,
    ] {
        let (mut client, request, _) = fixture(invocation_type, Vec::new());
        for payload in [&b""[..], b"{}", &[0xa5; 300]] {
            let hash = PayloadHash::of(payload);
            let owned = client.begin(&request, &hash);
            let copy = hash;
            let borrowed = client.begin(&request, &copy);
            let before = InvocationBefore {
                request: &request,
                payload: hash,
                retry: RetryState::new(client.config, request.effective_invocation_type()),
            };
            let expected = std::format!("{before:?}").replace("InvocationBefore", "Invocation");
            assert_eq!(std::format!("{owned:?}"), expected);
            assert_eq!(std::format!("{borrowed:?}"), expected);
            assert_eq!(owned.retry(), &before.retry);
            assert_eq!(borrowed.retry(), &before.retry);
            let (mut a, mut b) = ([0u8; 1024], [0u8; 1024]);
            let now = Timestamp::from_unix_secs(NOW);
            let na = client.write_head(&owned, now, &mut a).unwrap();
            let nb = client.write_head(&borrowed, now, &mut b).unwrap();
            assert_eq!(a[..na], b[..nb]);
        }
    }
}

//! A minimal client for the local endpoint tests: requests signed by the core's `InvokeHead`
//! (or its `SignableRequest` for requests `InvokeHead` refuses to write), sent over a plain
//! `TcpStream`, responses read with the core's `ResponseParser`.
#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use picolambda::endpoint::Endpoint;
use picolambda::http::request::InvokeHead;
use picolambda::http::response::{Event, ResponseParser};
use picolambda::invoke::{FunctionName, InvokeRequest};
use picolambda::sigv4::{Credentials, PayloadHash, Scope, SignableRequest, Signer};
use picolambda::time::Timestamp;
use picolambda::{Emit, Sink};

pub const REGION: &str = "us-east-1";
pub const AK: &str = "AKIDLOCALTEST";
pub const SK: &str = "local/secret+key";
pub const TEMP_AK: &str = "ASIALOCALTEST";
pub const TEMP_SK: &str = "temp-secret";
pub const TOKEN: &str = "IQoJb3JpZ2luX2VjEJr//////////token==";

pub fn now() -> Timestamp {
    Timestamp::from_unix_secs(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
}

/// Who signs, and when.
#[derive(Clone, Copy)]
pub struct Signing<'a> {
    pub access_key: &'a str,
    pub secret: &'a str,
    pub token: Option<&'a str>,
    pub at: Timestamp,
}

impl Signing<'static> {
    pub fn default_now() -> Self {
        Self {
            access_key: AK,
            secret: SK,
            token: None,
            at: now(),
        }
    }
}

/// The head of a signed invoke, written by the core.
pub fn invoke_head(
    url: &str,
    request: &InvokeRequest<'_>,
    payload: &[u8],
    s: Signing<'_>,
) -> Vec<u8> {
    let endpoint = Endpoint::from_url(url, REGION).unwrap();
    let creds = Credentials::new(s.access_key, s.secret, s.token).unwrap();
    let hash = PayloadHash::of(payload);
    let head = InvokeHead::new(request, &endpoint, &creds, s.at, &hash).unwrap();
    let mut signer = Signer::new(creds);
    let mut buf = vec![0u8; 16 * 1024];
    let n = head.write(&mut signer, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// A full request: signed head plus payload.
pub fn invoke_bytes(
    url: &str,
    request: &InvokeRequest<'_>,
    payload: &[u8],
    s: Signing<'_>,
) -> Vec<u8> {
    let mut out = invoke_head(url, request, payload, s);
    out.extend_from_slice(payload);
    out
}

/// Inserts a header line just before the blank line ending `head` (unsigned).
pub fn with_header(mut head: Vec<u8>, line: &str) -> Vec<u8> {
    assert!(head.ends_with(b"\r\n\r\n"));
    head.truncate(head.len() - 2);
    head.extend_from_slice(line.as_bytes());
    head.extend_from_slice(b"\r\n\r\n");
    head
}

struct V(Vec<u8>);

impl Sink for V {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

/// A request for [`signed_raw_head`]: any method, path, query and extra (signed) headers.
#[derive(Clone, Copy)]
pub struct Raw<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(&'a str, &'a str)],
    pub extra: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    /// The `Content-Length` sent (may differ from the body, to test limits).
    pub content_length: usize,
}

impl<'a> Raw<'a> {
    pub fn new(method: &'a str, path: &'a str, body: &'a [u8]) -> Self {
        Self {
            method,
            path,
            query: &[],
            extra: &[],
            body,
            content_length: body.len(),
        }
    }
}

/// A head for any request, signed by the core's generic signer over `host`, `x-amz-date` and
/// the extra headers.
pub fn signed_raw_head(host: &str, raw: Raw<'_>, s: Signing<'_>) -> Vec<u8> {
    let Raw {
        method,
        path,
        query,
        extra,
        body,
        content_length,
    } = raw;
    let amz = s.at.to_amz_date().unwrap();
    let amz_str = amz.as_str().to_owned();
    let mut names: Vec<(String, String)> = vec![
        ("host".into(), host.into()),
        ("x-amz-date".into(), amz_str.clone()),
    ];
    if let Some(t) = s.token {
        names.push(("x-amz-security-token".into(), t.into()));
    }
    for (n, v) in extra {
        names.push((n.to_ascii_lowercase(), (*v).into()));
    }
    let values: Vec<&str> = names.iter().map(|(_, v)| v.as_str()).collect();
    let headers: Vec<(&str, &dyn Emit)> = names
        .iter()
        .zip(values.iter())
        .map(|((n, _), v)| (n.as_str(), v as &dyn Emit))
        .collect();
    let payload = PayloadHash::of(body);
    let path_ref: &str = path;
    let signable = SignableRequest {
        method,
        path: &path_ref,
        double_encode_path: true,
        query,
        headers: &headers,
        payload: &payload,
    };
    let scope = Scope {
        amz_date: amz,
        region: REGION,
        service: "lambda",
    };
    let creds = Credentials::new(s.access_key, s.secret, s.token).unwrap();
    let mut signer = Signer::new(creds);
    let sig = signer.sign(&signable, &scope).unwrap();
    let mut auth = V(Vec::new());
    signable.write_authorization(s.access_key, &scope, &sig, &mut auth);
    let mut target = path.to_owned();
    if !query.is_empty() {
        target.push('?');
        let q: Vec<String> = query.iter().map(|(n, v)| format!("{n}={v}")).collect();
        target.push_str(&q.join("&"));
    }
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    for (n, v) in &names {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {content_length}\r\n"));
    head.push_str(&format!(
        "Authorization: {}\r\n\r\n",
        String::from_utf8(auth.0).unwrap()
    ));
    head.into_bytes()
}

pub fn request(name: &str) -> InvokeRequest<'_> {
    InvokeRequest::new(FunctionName::new(name).unwrap())
}

/// A parsed response.
#[derive(Debug, Default)]
pub struct Resp {
    pub status: u16,
    pub body: Vec<u8>,
    pub reusable: bool,
    pub request_id: Option<String>,
    pub executed_version: Option<String>,
    pub function_error: Option<String>,
    pub log_result: Option<String>,
    pub error_type: Option<String>,
    pub date: Option<String>,
    pub content_type: Option<String>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// `message` of a service error body.
    pub fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

const INTEREST: [&str; 7] = [
    "x-amzn-requestid",
    "x-amz-executed-version",
    "x-amz-function-error",
    "x-amz-log-result",
    "x-amzn-errortype",
    "date",
    "content-type",
];

/// A connection with the bytes read past the last response.
pub struct Client {
    pub stream: TcpStream,
    pending: Vec<u8>,
}

impl Client {
    pub fn connect(addr: std::net::SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        Self {
            stream,
            pending: Vec::new(),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Sends a request and reads its response.
    pub fn roundtrip(&mut self, bytes: &[u8]) -> Resp {
        self.send(bytes);
        self.read_response()
    }

    /// Reads one response (skipping `100 Continue`), leaving bytes after it for the next.
    pub fn read_response(&mut self) -> Resp {
        let mut parser = ResponseParser::new(&INTEREST);
        let mut values: Vec<Option<Vec<u8>>> = vec![None; INTEREST.len()];
        let mut resp = Resp::default();
        let mut chunk = [0u8; 64 * 1024];
        loop {
            let mut pos = 0;
            loop {
                let progress = parser
                    .handle_input(&self.pending[pos..])
                    .unwrap_or_else(|e| panic!("bad response: {e:?}"));
                pos += progress.consumed;
                match progress.event {
                    None => break,
                    Some(Event::Header {
                        index, fragment, ..
                    }) => values[index]
                        .get_or_insert_with(Vec::new)
                        .extend_from_slice(fragment),
                    Some(Event::Head(h)) => resp.status = h.status,
                    Some(Event::Body(b)) => resp.body.extend_from_slice(b),
                    Some(Event::End { reusable }) => {
                        resp.reusable = reusable;
                        self.pending.drain(..pos);
                        let text = |i: usize| {
                            values[i]
                                .as_ref()
                                .map(|v| String::from_utf8(v.clone()).unwrap())
                        };
                        resp.request_id = text(0);
                        resp.executed_version = text(1);
                        resp.function_error = text(2);
                        resp.log_result = text(3);
                        resp.error_type = text(4);
                        resp.date = text(5);
                        resp.content_type = text(6);
                        return resp;
                    }
                    Some(_) => {}
                }
            }
            self.pending.drain(..pos);
            let n = self.stream.read(&mut chunk).expect("read response");
            if n == 0 {
                if let Some(Event::End { reusable }) = parser.handle_eof().expect("eof") {
                    resp.reusable = reusable;
                    return resp;
                }
                panic!("connection closed before the response ended");
            }
            self.pending.extend_from_slice(&chunk[..n]);
        }
    }

    /// Whether the server has closed the connection (a read returns end of stream).
    pub fn closed_by_server(&mut self) -> bool {
        let mut b = [0u8; 1];
        match self.stream.read(&mut b) {
            Ok(0) => true,
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
            Ok(_) => false,
        }
    }
}

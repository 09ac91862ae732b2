//! `picolambda sign`: print the exact request an invoke would send, or sign JSONL cases.

use std::io::{BufRead, Write};

use base64::Engine as _;
use picolambda::http::request::InvokeHead;
use picolambda::sigv4::{PayloadHash, Signer};
use picolambda::Sink;
use serde_json::json;

use crate::inputs::{InputError, Inputs};

struct Buf(Vec<u8>);
impl Sink for Buf {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

/// The signed request (head then payload), its canonical request and string to sign.
pub(crate) struct Signed {
    pub(crate) request: Vec<u8>,
    pub(crate) canonical_request: String,
    pub(crate) string_to_sign: String,
}

/// Signs `inputs` into the exact bytes to send.
pub(crate) fn sign(inputs: &Inputs) -> Result<Signed, InputError> {
    let p = inputs.prepare()?;
    let hash = PayloadHash::of(&inputs.payload);
    let head = InvokeHead::new(&p.request, &p.endpoint, &p.credentials, p.now, &hash)?;
    let mut creq = Buf(Vec::new());
    head.write_canonical_request(&mut creq);
    let mut sts = Buf(Vec::new());
    head.write_string_to_sign(&mut sts);
    let mut signer = Signer::new(p.credentials);
    // Start small and grow to the size the core asks for: exercises BufferTooSmall.
    let mut buf = vec![0u8; 512];
    let n = match head.write(&mut signer, &mut buf) {
        Ok(n) => n,
        Err(picolambda::invoke::RequestError::BufferTooSmall { required }) => {
            buf.resize(required, 0);
            head.write(&mut signer, &mut buf)?
        }
        Err(e) => return Err(e.into()),
    };
    buf.truncate(n);
    buf.extend_from_slice(&inputs.payload);
    Ok(Signed {
        request: buf,
        canonical_request: String::from_utf8_lossy(&creq.0).into_owned(),
        string_to_sign: String::from_utf8_lossy(&sts.0).into_owned(),
    })
}

/// `sign --jsonl`: one case per stdin line, one JSON result per stdout line, in order.
pub(crate) fn run_jsonl() -> i32 {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in stdin.lock().lines() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                eprintln!("picolambda sign: reading stdin: {e}");
                return 2;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let result = serde_json::from_str::<serde_json::Value>(&line)
            .map_err(|e| InputError::Other {
                kind: "InvalidInput",
                message: format!("not JSON: {e}"),
            })
            .and_then(|v| Inputs::from_json(&v))
            .and_then(|inputs| sign(&inputs));
        let value = match result {
            Ok(s) => json!({
                "request": base64::engine::general_purpose::STANDARD.encode(&s.request),
                "canonical_request": s.canonical_request,
                "string_to_sign": s.string_to_sign,
            }),
            Err(e) => json!({"error": {"kind": e.kind(), "message": e.message()}}),
        };
        if writeln!(out, "{value}").and_then(|_| out.flush()).is_err() {
            return 2;
        }
    }
    0
}

/// `sign FUNCTION [options]`: the request bytes on stdout; with `--verbose`, the canonical
/// request and string to sign on stderr.
pub(crate) fn run(inputs: &Inputs, verbose: bool) -> i32 {
    match sign(inputs) {
        Ok(s) => {
            if verbose {
                eprintln!("--- canonical request ---\n{}", s.canonical_request);
                eprintln!("--- string to sign ---\n{}", s.string_to_sign);
                eprintln!("--- request ---");
            }
            let mut out = std::io::stdout().lock();
            if out.write_all(&s.request).and_then(|_| out.flush()).is_err() {
                return 2;
            }
            0
        }
        Err(e) => {
            eprintln!("picolambda sign: {e}");
            2
        }
    }
}

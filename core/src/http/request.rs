//! The `Invoke` request head: request line, headers and `Authorization`, signed and written into a
//! caller-provided buffer.
//!
//! ```text
//! POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier={Qualifier}] HTTP/1.1
//! Host: {host[:port]}
//! X-Amz-Date: {YYYYMMDDTHHMMSSZ}
//! X-Amz-Security-Token: …           (temporary credentials)
//! X-Amz-Invocation-Type: …          (when set)
//! X-Amz-Log-Type: …                 (when set)
//! X-Amz-Client-Context: …           (when set)
//! X-Amz-Tenant-Id: …                (when set)
//! X-Amz-Durable-Execution-Name: …   (when set)
//! Content-Length: {payload length}
//! User-Agent: picolambda/{version}
//! Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…
//! ```
//!
//! `FunctionName` is percent-encoded keeping only `-._~` (upper-case hex), as botocore does; the
//! canonical URI encodes that path once more. Signed headers are exactly `host`, `x-amz-date` and
//! the `x-amz-*` headers sent, so canonical requests match botocore's byte for byte.
//!
//! The head is written in two passes over the same code: one counts its exact length, the next
//! writes it only if the buffer is large enough. A buffer that is too small gets
//! [`RequestError::BufferTooSmall`] with the size required and is left untouched.

use crate::encode::{percent_encode, put_decimal, Counter, Emit, Sink, SliceWriter};
use crate::endpoint::Endpoint;
use crate::invoke::{InvokeRequest, RequestError};
use crate::sigv4::{Credentials, PayloadHash, Scope, SignableRequest, Signature, Signer};
use crate::time::{AmzDate, Timestamp};

/// The signing name of Lambda.
pub const SERVICE: &str = "lambda";

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("picolambda/", env!("CARGO_PKG_VERSION"));

fn dyn_ref<'v>(v: &'v Option<&str>) -> Option<&'v dyn Emit> {
    v.as_ref().map(|v| v as &dyn Emit)
}

/// The wire path of an invoke: `{prefix}/2015-03-31/functions/{encoded name}/invocations`,
/// where the prefix is a custom endpoint's path (usually empty).
struct InvokePath<'a> {
    prefix: &'a str,
    function_name: &'a str,
}

impl Emit for InvokePath<'_> {
    fn emit(&self, sink: &mut dyn Sink) {
        sink.put(self.prefix.as_bytes());
        sink.put(b"/2015-03-31/functions/");
        percent_encode(self.function_name.as_bytes(), false, sink);
        sink.put(b"/invocations");
    }
}

impl Emit for AmzDate {
    fn emit(&self, sink: &mut dyn Sink) {
        sink.put(self.as_bytes());
    }
}

/// Everything needed to sign and write one `Invoke` request head.
///
/// Build it with [`InvokeHead::new`] (which checks the payload limit and the time), then
/// [`InvokeHead::write`] it. The canonical request and string to sign are available for
/// debugging `SignatureDoesNotMatch` ([`InvokeHead::write_canonical_request`],
/// [`InvokeHead::write_string_to_sign`]).
#[derive(Clone, Copy, Debug)]
pub struct InvokeHead<'r> {
    request: &'r InvokeRequest<'r>,
    endpoint: &'r Endpoint<'r>,
    access_key_id: &'r str,
    session_token: Option<&'r str>,
    amz_date: AmzDate,
    payload: &'r PayloadHash,
}

impl<'r> InvokeHead<'r> {
    /// Prepares the head of `request` to `endpoint`, signed at `now` with `credentials`, for a
    /// payload with the hash and length in `payload`.
    ///
    /// Fails before anything is written if the payload exceeds Lambda's limit for the invocation
    /// type or `now` cannot be formatted.
    pub fn new(
        request: &'r InvokeRequest<'r>,
        endpoint: &'r Endpoint<'r>,
        credentials: &Credentials<'r>,
        now: Timestamp,
        payload: &'r PayloadHash,
    ) -> Result<Self, RequestError> {
        let limit = request.effective_invocation_type().max_payload_len();
        if payload.len() > limit {
            return Err(RequestError::PayloadTooLarge { limit });
        }
        Ok(Self {
            request,
            endpoint,
            access_key_id: credentials.access_key_id(),
            session_token: credentials.session_token(),
            amz_date: now.to_amz_date()?,
            payload,
        })
    }

    fn path(&self) -> InvokePath<'r> {
        InvokePath {
            prefix: self.endpoint.path_prefix(),
            function_name: self.request.function_name.as_str(),
        }
    }

    fn scope(&self) -> Scope<'r> {
        Scope {
            amz_date: self.amz_date,
            region: self.endpoint.region(),
            service: SERVICE,
        }
    }

    /// Calls `f` with the signable view of this request: the single place that decides which
    /// headers are signed.
    fn with_signable<T>(&self, f: impl FnOnce(&SignableRequest<'_>) -> T) -> T {
        let host = self.endpoint.host_header();
        let path = self.path();
        let durable = self.request.durable_execution_name.map(|n| n.as_str());
        let invocation_type = self.request.invocation_type.map(|t| t.as_str());
        let log_type = self.request.log_type.map(|t| t.as_str());
        let tenant = self.request.tenant_id.map(|t| t.as_str());
        // Headers in canonical (sorted) order; absent ones are skipped below.
        let slots: [(&str, Option<&dyn Emit>); 8] = [
            ("host", Some(&host)),
            (
                "x-amz-client-context",
                self.request.client_context.as_ref().map(|c| c as &dyn Emit),
            ),
            ("x-amz-date", Some(&self.amz_date)),
            ("x-amz-durable-execution-name", dyn_ref(&durable)),
            ("x-amz-invocation-type", dyn_ref(&invocation_type)),
            ("x-amz-log-type", dyn_ref(&log_type)),
            ("x-amz-security-token", dyn_ref(&self.session_token)),
            ("x-amz-tenant-id", dyn_ref(&tenant)),
        ];
        let mut headers: [(&str, &dyn Emit); 8] = [("", &host); 8];
        let mut n = 0;
        for (name, value) in slots {
            if let (Some(value), Some(slot)) = (value, headers.get_mut(n)) {
                *slot = (name, value);
                n += 1;
            }
        }
        let query_storage;
        let query: &[(&str, &str)] = match self.request.qualifier {
            Some(q) => {
                query_storage = [("Qualifier", q.as_str())];
                &query_storage
            }
            None => &[],
        };
        f(&SignableRequest {
            method: "POST",
            path: &path,
            double_encode_path: true,
            query,
            headers: headers.get(..n).unwrap_or_default(),
            payload: self.payload,
        })
    }

    /// Writes the canonical request (for debugging signatures).
    pub fn write_canonical_request(&self, sink: &mut dyn Sink) {
        self.with_signable(|s| s.write_canonical_request(sink));
    }

    /// Writes the string to sign (for debugging signatures).
    pub fn write_string_to_sign(&self, sink: &mut dyn Sink) {
        let mut h = <sha2::Sha256 as sha2::Digest>::new();
        self.write_canonical_request(&mut h);
        let hash: [u8; 32] = sha2::Digest::finalize(h).into();
        self.scope().write_string_to_sign(&hash, sink);
    }

    /// Signs the request and writes its head into `out`, returning the number of bytes written.
    ///
    /// The payload follows the head on the wire; send exactly the bytes that were hashed. On
    /// error nothing is written: `BufferTooSmall { required }` says how large `out` must be.
    pub fn write(&self, signer: &mut Signer<'_>, out: &mut [u8]) -> Result<usize, RequestError> {
        let scope = self.scope();
        let signature = self.with_signable(|s| signer.sign_trusted(s, &scope))?;
        let mut count = Counter(0);
        self.emit_head(&signature, &mut count);
        if count.0 > out.len() {
            return Err(RequestError::BufferTooSmall { required: count.0 });
        }
        let mut w = SliceWriter::new(out);
        self.emit_head(&signature, &mut w);
        if w.overflowed {
            // Unreachable while the two passes agree; reported rather than trusted.
            return Err(RequestError::BufferTooSmall { required: count.0 });
        }
        Ok(w.pos)
    }

    /// The exact length [`InvokeHead::write`] will produce. Costs a signature.
    pub fn len(&self, signer: &mut Signer<'_>) -> Result<usize, RequestError> {
        let scope = self.scope();
        let signature = self.with_signable(|s| signer.sign_trusted(s, &scope))?;
        let mut count = Counter(0);
        self.emit_head(&signature, &mut count);
        Ok(count.0)
    }

    /// Writes the head. Generic so that the sizing pass ([`Counter`]) and the writing pass
    /// ([`SliceWriter`]) each get the fixed parts inlined.
    fn emit_head<S: Sink>(&self, signature: &Signature, sink: &mut S) {
        sink.put(b"POST ");
        self.path().emit(sink);
        if let Some(q) = self.request.qualifier {
            sink.put(b"?Qualifier=");
            percent_encode(q.as_str().as_bytes(), false, sink);
        }
        sink.put(b" HTTP/1.1\r\nHost: ");
        self.endpoint.host_header().emit(sink);
        sink.put(b"\r\nX-Amz-Date: ");
        sink.put(self.amz_date.as_bytes());
        if let Some(token) = self.session_token {
            sink.put(b"\r\nX-Amz-Security-Token: ");
            sink.put(token.as_bytes());
        }
        if let Some(t) = self.request.invocation_type {
            sink.put(b"\r\nX-Amz-Invocation-Type: ");
            sink.put(t.as_str().as_bytes());
        }
        if let Some(t) = self.request.log_type {
            sink.put(b"\r\nX-Amz-Log-Type: ");
            sink.put(t.as_str().as_bytes());
        }
        if let Some(c) = &self.request.client_context {
            sink.put(b"\r\nX-Amz-Client-Context: ");
            c.emit(sink);
        }
        if let Some(t) = &self.request.tenant_id {
            sink.put(b"\r\nX-Amz-Tenant-Id: ");
            sink.put(t.as_str().as_bytes());
        }
        if let Some(n) = &self.request.durable_execution_name {
            sink.put(b"\r\nX-Amz-Durable-Execution-Name: ");
            sink.put(n.as_str().as_bytes());
        }
        sink.put(b"\r\nContent-Length: ");
        put_decimal(self.payload.len(), sink);
        sink.put(b"\r\nUser-Agent: ");
        sink.put(USER_AGENT.as_bytes());
        sink.put(b"\r\nAuthorization: ");
        let scope = self.scope();
        self.with_signable(|s| s.write_authorization(self.access_key_id, &scope, signature, sink));
        sink.put(b"\r\n\r\n");
    }
}

#[cfg(test)]
mod tests;

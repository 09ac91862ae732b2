//! Lambda service errors: the typed error of a non-2xx `Invoke` response.
//!
//! The error code comes from the `x-amzn-ErrorType` header when there is one (AWS restJson1:
//! "If a `:` character is present, then take only the contents before the first `:` character";
//! "If a `#` character is present, then take only the contents after the first `#` character"),
//! else from the JSON body's `__type`, `code` or `Code`, with the same stripping, else from an XML
//! body's `<Code>` (moto's `403`s, some proxies). The message is the body's `message` or `Message`.
//! A body that is none of these (an HTML `502` from a load balancer) still gives a [`ServiceError`]
//! carrying the status, with [`ServiceErrorKind::Unknown`].

use core::fmt;

use heapless::String;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::ResponseMeta;

/// Capacity of [`ServiceError::code`]. The longest code Lambda models today is 40 bytes.
pub const ERROR_CODE_CAPACITY: usize = 64;
/// Capacity of [`ServiceError::message`]; longer messages are cut at a character boundary and
/// flagged with [`ServiceError::message_truncated`].
///
/// Lambda's longest messages (parameter validation, quoting the ARN pattern) are about 400 bytes.
pub const MESSAGE_CAPACITY: usize = 512;

macro_rules! service_error_kinds {
    ($( $(#[$doc:meta])* $name:ident = $status:literal, )*) => {
        /// The error an `Invoke` call failed with, from its error code.
        ///
        /// One variant per error the `Invoke` operation models in the Lambda service model
        /// (`lambda/2015-03-31/service-2.json` as shipped in botocore 1.44.8: 45 errors, each
        /// documented with the status the model gives it), then the authentication errors every
        /// AWS endpoint can send, and [`ServiceErrorKind::Unknown`] for any other code (kept raw in
        /// [`ServiceError::code`]) or none.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[non_exhaustive]
        pub enum ServiceErrorKind {
            $( $(#[$doc])* $name, )*
            /// `InvalidSignatureException` (403): the request signature is wrong (check the secret
            /// key and the clock).
            InvalidSignatureException,
            /// `UnrecognizedClientException` (403): the access key id or session token is not valid.
            UnrecognizedClientException,
            /// `AccessDeniedException` (403): the credentials may not call this function. moto's
            /// query-style `AccessDenied` maps here too.
            AccessDeniedException,
            /// `ExpiredTokenException` (403): the session token has expired.
            ExpiredTokenException,
            /// `SignatureDoesNotMatch` (403): the query-protocol spelling of a bad signature, as
            /// sent by moto.
            SignatureDoesNotMatch,
            /// `InvalidClientTokenId` (403): the query-protocol spelling of an unknown access key, as
            /// sent by moto.
            InvalidClientTokenId,
            /// Any other code, or none (the raw code, if any, is in [`ServiceError::code`]).
            Unknown,
        }

        impl ServiceErrorKind {
            /// Every error the `Invoke` operation models, with the HTTP status the model gives it.
            pub const MODELED: &'static [(ServiceErrorKind, u16)] =
                &[$( (ServiceErrorKind::$name, $status), )*];

            /// The error code as it appears on the wire; `None` for [`ServiceErrorKind::Unknown`].
            pub fn code(self) -> Option<&'static str> {
                Some(match self {
                    $( ServiceErrorKind::$name => stringify!($name), )*
                    ServiceErrorKind::InvalidSignatureException => "InvalidSignatureException",
                    ServiceErrorKind::UnrecognizedClientException => "UnrecognizedClientException",
                    ServiceErrorKind::AccessDeniedException => "AccessDeniedException",
                    ServiceErrorKind::ExpiredTokenException => "ExpiredTokenException",
                    ServiceErrorKind::SignatureDoesNotMatch => "SignatureDoesNotMatch",
                    ServiceErrorKind::InvalidClientTokenId => "InvalidClientTokenId",
                    ServiceErrorKind::Unknown => return None,
                })
            }

            /// The kind for an error code (already stripped of `namespace#` and `:…`).
            pub fn from_code(code: &str) -> ServiceErrorKind {
                match code {
                    $( stringify!($name) => ServiceErrorKind::$name, )*
                    "InvalidSignatureException" => ServiceErrorKind::InvalidSignatureException,
                    "UnrecognizedClientException" => ServiceErrorKind::UnrecognizedClientException,
                    "AccessDeniedException" | "AccessDenied" => {
                        ServiceErrorKind::AccessDeniedException
                    }
                    "ExpiredTokenException" | "ExpiredToken" => {
                        ServiceErrorKind::ExpiredTokenException
                    }
                    "SignatureDoesNotMatch" => ServiceErrorKind::SignatureDoesNotMatch,
                    "InvalidClientTokenId" => ServiceErrorKind::InvalidClientTokenId,
                    _ => ServiceErrorKind::Unknown,
                }
            }
        }
    };
}

service_error_kinds! {
    /// `ServiceException` (500): the Lambda service encountered an internal error.
    ServiceException = 500,
    /// `ResourceNotFoundException` (404): the function, version or alias does not exist.
    ResourceNotFoundException = 404,
    /// `InvalidRequestContentException` (400): the body is not JSON, or a header is invalid.
    InvalidRequestContentException = 400,
    /// `RequestTooLargeException` (413): the payload exceeds the Invoke quota.
    RequestTooLargeException = 413,
    /// `UnsupportedMediaTypeException` (415): the request content type is not JSON.
    UnsupportedMediaTypeException = 415,
    /// `TooManyRequestsException` (429): throttled; see [`ServiceError::reason`] and
    /// [`ResponseMeta::retry_after`].
    TooManyRequestsException = 429,
    /// `InvalidParameterValueException` (400): a request parameter is not valid.
    InvalidParameterValueException = 400,
    /// `EC2UnexpectedException` (502): unexpected EC2 client error while setting up the function.
    EC2UnexpectedException = 502,
    /// `SubnetIPAddressLimitReachedException` (502): a configured subnet has no free IP address.
    SubnetIPAddressLimitReachedException = 502,
    /// `ENILimitReachedException` (502): the VPC's network interface limit has been reached.
    ENILimitReachedException = 502,
    /// `EFSMountConnectivityException` (408): no network connection to the file system.
    EFSMountConnectivityException = 408,
    /// `EFSMountFailureException` (403): the file system could not be mounted.
    EFSMountFailureException = 403,
    /// `EFSMountTimeoutException` (408): mounting the file system timed out.
    EFSMountTimeoutException = 408,
    /// `EFSIOException` (410): error reading or writing the file system.
    EFSIOException = 410,
    /// `SnapStartException` (400): the `afterRestore()` runtime hook failed.
    SnapStartException = 400,
    /// `SnapStartTimeoutException` (408): the snapshot was not restored in time.
    SnapStartTimeoutException = 408,
    /// `SnapStartNotReadyException` (409): the function is still initializing its snapshot.
    SnapStartNotReadyException = 409,
    /// `SnapStartRegenerationFailureException` (409): the snapshot could not be regenerated.
    SnapStartRegenerationFailureException = 409,
    /// `EC2ThrottledException` (502): EC2 throttled Lambda during initialization.
    EC2ThrottledException = 502,
    /// `EC2AccessDeniedException` (502): the execution role lacks VPC permissions.
    EC2AccessDeniedException = 502,
    /// `ENINotReadyException` (502): the function's network interface is not ready yet.
    ENINotReadyException = 502,
    /// `InvalidSubnetIDException` (502): a subnet in the VPC configuration is not valid.
    InvalidSubnetIDException = 502,
    /// `InvalidSecurityGroupIDException` (502): a security group in the VPC configuration is not
    /// valid.
    InvalidSecurityGroupIDException = 502,
    /// `InvalidZipFileException` (502): Lambda could not unzip the deployment package.
    InvalidZipFileException = 502,
    /// `KMSDisabledException` (502): the KMS key for the environment variables is disabled.
    KMSDisabledException = 502,
    /// `KMSInvalidStateException` (502): the KMS key is in a state that does not allow Decrypt.
    KMSInvalidStateException = 502,
    /// `KMSAccessDeniedException` (502): KMS access was denied decrypting the environment.
    KMSAccessDeniedException = 502,
    /// `KMSNotFoundException` (502): the KMS key was not found.
    KMSNotFoundException = 502,
    /// `InvalidRuntimeException` (502): the runtime or runtime version is not supported.
    InvalidRuntimeException = 502,
    /// `ResourceConflictException` (409): the resource exists or another operation is running.
    ResourceConflictException = 409,
    /// `ResourceNotReadyException` (502): the function is inactive and its VPC connection is gone.
    ResourceNotReadyException = 502,
    /// `RecursiveInvocationException` (400): a recursive invocation loop was stopped.
    RecursiveInvocationException = 400,
    /// `SerializedRequestEntityTooLargeException` (413): the serialized request is too large.
    SerializedRequestEntityTooLargeException = 413,
    /// `ServiceQuotaExceededException` (402): the request would exceed a service quota.
    ServiceQuotaExceededException = 402,
    /// `RuntimeAliasDeletedException` (409): the function's runtime alias no longer exists.
    RuntimeAliasDeletedException = 409,
    /// `RuntimeVersionDeletedException` (409): the function's runtime version no longer exists.
    RuntimeVersionDeletedException = 409,
    /// `CodeArtifactUserDeletedException` (409): the code artifact user has been deleted.
    CodeArtifactUserDeletedException = 409,
    /// `CodeArtifactUserPendingException` (409): the code artifact user is still being provisioned.
    CodeArtifactUserPendingException = 409,
    /// `CodeArtifactUserFailedException` (409): provisioning the code artifact user failed.
    CodeArtifactUserFailedException = 409,
    /// `NoPublishedVersionException` (400): the function has no published version.
    NoPublishedVersionException = 400,
    /// `ModeNotSupportedException` (400): the function does not support the invocation mode.
    ModeNotSupportedException = 400,
    /// `DurableExecutionAlreadyStartedException` (409): a durable execution with that name exists.
    DurableExecutionAlreadyStartedException = 409,
    /// `S3FilesMountConnectivityException` (408): no network connection to the S3 Files access
    /// point.
    S3FilesMountConnectivityException = 408,
    /// `S3FilesMountFailureException` (403): the S3 Files access point could not be mounted.
    S3FilesMountFailureException = 403,
    /// `S3FilesMountTimeoutException` (408): mounting the S3 Files access point timed out.
    S3FilesMountTimeoutException = 408,
}

impl fmt::Display for ServiceErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code().unwrap_or("unknown service error"))
    }
}

/// The `Reason` of a `TooManyRequestsException` (the model's `ThrottleReason` enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ThrottleReason {
    /// The account's concurrency limit was reached.
    ConcurrentInvocationLimitExceeded,
    /// The function's invocation rate limit was reached.
    FunctionInvocationRateLimitExceeded,
    /// The function's reserved concurrency was reached.
    ReservedFunctionConcurrentInvocationLimitExceeded,
    /// The function's reserved invocation rate was reached.
    ReservedFunctionInvocationRateLimitExceeded,
    /// The caller's rate limit was reached.
    CallerRateLimitExceeded,
    /// Too many snapshots are being created at once.
    ConcurrentSnapshotCreateLimitExceeded,
    /// A reason this version does not know.
    Other,
}

impl ThrottleReason {
    /// The reason for the string in the error body.
    pub fn from_name(name: &str) -> ThrottleReason {
        match name {
            "ConcurrentInvocationLimitExceeded" => Self::ConcurrentInvocationLimitExceeded,
            "FunctionInvocationRateLimitExceeded" => Self::FunctionInvocationRateLimitExceeded,
            "ReservedFunctionConcurrentInvocationLimitExceeded" => {
                Self::ReservedFunctionConcurrentInvocationLimitExceeded
            }
            "ReservedFunctionInvocationRateLimitExceeded" => {
                Self::ReservedFunctionInvocationRateLimitExceeded
            }
            "CallerRateLimitExceeded" => Self::CallerRateLimitExceeded,
            "ConcurrentSnapshotCreateLimitExceeded" => Self::ConcurrentSnapshotCreateLimitExceeded,
            _ => Self::Other,
        }
    }
}

/// A Lambda service error: the typed result of a non-2xx `Invoke` response.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ServiceError {
    /// HTTP status of the response.
    pub status: u16,
    /// The error, from [`ServiceError::code`]; [`ServiceErrorKind::Unknown`] when there is none
    /// or it is not one this version knows.
    pub kind: ServiceErrorKind,
    /// The error code the response named (stripped of `namespace#` and `:…`), if any.
    pub code: Option<String<ERROR_CODE_CAPACITY>>,
    /// The message from the body, if any (JSON or XML escapes decoded).
    pub message: Option<String<MESSAGE_CAPACITY>>,
    /// The message was longer than [`MESSAGE_CAPACITY`] and has been cut.
    pub message_truncated: bool,
    /// The body was longer than the reader's error buffer; code and message may be missing.
    pub body_truncated: bool,
    /// For `TooManyRequestsException`: the body's `Reason`.
    pub reason: Option<ThrottleReason>,
    /// Request id, date, `Retry-After` and connection reuse.
    pub meta: ResponseMeta,
}

impl ServiceError {
    /// Build the error from the status, the raw `x-amzn-ErrorType` value (if the response had
    /// one) and the body (as much of it as was kept). Never fails: whatever cannot be read is left
    /// out. `meta` is left at its default.
    pub fn from_parts(status: u16, error_type: Option<&str>, body: &[u8]) -> ServiceError {
        let mut error = ServiceError {
            status,
            kind: ServiceErrorKind::Unknown,
            code: None,
            message: None,
            message_truncated: false,
            body_truncated: false,
            reason: None,
            meta: ResponseMeta::default(),
        };
        let from_header = error_type.map(strip_code).filter(|c| !c.is_empty());
        let body = trim_ascii_start(body);
        let mut from_body = None;
        match body.first() {
            Some(b'{') => {
                if let Ok((parsed, _)) = serde_json_core::from_slice::<JsonError<'_>>(body) {
                    from_body = parsed
                        .type_
                        .or(parsed.code)
                        .or(parsed.code_upper)
                        .map(|r| strip_code(r.0));
                    if let Some(raw) = parsed.message.or(parsed.message_upper) {
                        let (msg, cut) = unescape_json(raw.0);
                        error.message = Some(msg);
                        error.message_truncated = cut;
                    }
                    error.reason = parsed.reason.map(|r| ThrottleReason::from_name(r.0));
                }
            }
            Some(b'<') => {
                from_body = xml_element(body, b"Code")
                    .and_then(|c| core::str::from_utf8(c).ok())
                    .map(|c| strip_code(c.trim()));
                if let Some(raw) = xml_element(body, b"Message") {
                    let (msg, cut) = unescape_xml(raw);
                    error.message = Some(msg);
                    error.message_truncated = cut;
                }
            }
            _ => {}
        }
        if let Some(code) = from_header.or(from_body.filter(|c| !c.is_empty())) {
            error.kind = ServiceErrorKind::from_code(code);
            let mut raw = String::new();
            // A code longer than the capacity is not one we know; keep none rather than a piece.
            if raw.push_str(code).is_ok() {
                error.code = Some(raw);
            }
        }
        error
    }

    /// The message, or `""`.
    pub fn message(&self) -> &str {
        self.message.as_ref().map_or("", |m| m.as_str())
    }

    /// Whether retrying the same request later may succeed: throttling (`429`) and server-side
    /// failures (`5xx`).
    pub fn is_retryable(&self) -> bool {
        self.status == 429 || self.status >= 500
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)
    }
}

impl core::error::Error for ServiceError {}

/// `Type#Code:detail` → `Code`.
pub(super) fn strip_code(raw: &str) -> &str {
    let raw = raw.split(':').next().unwrap_or_default();
    raw.split_once('#').map_or(raw, |(_, code)| code).trim()
}

fn trim_ascii_start(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    s.get(start..).unwrap_or_default()
}

/// The fields of an AWS JSON error body that matter here; the rest are skipped.
#[derive(Deserialize)]
struct JsonError<'a> {
    #[serde(rename = "__type", default, borrow)]
    type_: Option<Raw<'a>>,
    #[serde(default, borrow)]
    code: Option<Raw<'a>>,
    #[serde(rename = "Code", default, borrow)]
    code_upper: Option<Raw<'a>>,
    #[serde(default, borrow)]
    message: Option<Raw<'a>>,
    #[serde(rename = "Message", default, borrow)]
    message_upper: Option<Raw<'a>>,
    #[serde(rename = "Reason", default, borrow)]
    reason: Option<Raw<'a>>,
}

/// A JSON string still escaped, borrowed from the body: unescaped later straight into the bounded
/// message, so no scratch buffer as large as the body is needed.
struct Raw<'a>(&'a str);

impl<'de: 'a, 'a> Deserialize<'de> for Raw<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawVisitor;
        impl<'de> Visitor<'de> for RawVisitor {
            type Value = Raw<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Raw<'de>, E> {
                Ok(Raw(v))
            }
        }
        deserializer.deserialize_str(RawVisitor)
    }
}

/// Push `s` into `out`, cutting at a character boundary when full. Returns whether it was cut.
fn push_bounded<const N: usize>(out: &mut String<N>, s: &str) -> bool {
    if out.push_str(s).is_ok() {
        return false;
    }
    let room = N - out.len();
    let mut cut = room.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let _ = out.push_str(s.get(..cut).unwrap_or_default());
    true
}

fn unescape_json(raw: &str) -> (String<MESSAGE_CAPACITY>, bool) {
    use serde_json_core::str::{EscapedStr, EscapedStringFragment};
    let mut out = String::new();
    for fragment in EscapedStr(raw).fragments() {
        let cut = match fragment {
            Ok(EscapedStringFragment::NotEscaped(s)) => push_bounded(&mut out, s),
            Ok(EscapedStringFragment::Escaped(c)) => out.push(c).is_err(),
            // A bad escape: keep what came before it.
            Err(_) => break,
        };
        if cut {
            return (out, true);
        }
    }
    (out, false)
}

/// The content of the first `<tag>…</tag>` in `body`, found by plain search: enough for the flat
/// AWS query-protocol error documents (`<ErrorResponse><Error><Code>…`), without an XML parser.
fn xml_element<'a>(body: &'a [u8], tag: &[u8]) -> Option<&'a [u8]> {
    let open_at = find_tag(body, b"<", tag)?;
    let content = body.get(open_at + tag.len() + 2..)?;
    let close_at = find_tag(content, b"</", tag)?;
    content.get(..close_at)
}

/// Index of `prefix tag >` in `hay`.
fn find_tag(hay: &[u8], prefix: &[u8], tag: &[u8]) -> Option<usize> {
    let len = prefix.len() + tag.len() + 1;
    hay.windows(len).position(|w| {
        w.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(b">"))
            .is_some_and(|name| name == tag)
    })
}

/// Decode the five predefined XML entities and numeric references; anything else is kept as is.
fn unescape_xml(raw: &[u8]) -> (String<MESSAGE_CAPACITY>, bool) {
    let mut out = String::new();
    let text = core::str::from_utf8(raw).unwrap_or_default();
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        let (before, after) = rest.split_at_checked(amp).unwrap_or_default();
        if push_bounded(&mut out, before) {
            return (out, true);
        }
        let entity = after.find(';').and_then(|semi| after.get(1..semi));
        let decoded = entity.and_then(|e| match e {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => {
                let num = e.strip_prefix('#')?;
                let code = match num.strip_prefix('x') {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => num.parse().ok()?,
                };
                char::from_u32(code)
            }
        });
        match (decoded, entity) {
            (Some(c), Some(e)) => {
                if out.push(c).is_err() {
                    return (out, true);
                }
                rest = after.get(e.len() + 2..).unwrap_or_default();
            }
            _ => {
                if out.push('&').is_err() {
                    return (out, true);
                }
                rest = after.get(1..).unwrap_or_default();
            }
        }
    }
    let cut = push_bounded(&mut out, rest);
    (out, cut)
}

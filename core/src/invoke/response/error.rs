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

use super::ResponseMeta;

/// Capacity of [`ServiceError::code`]. The longest code Lambda models today is 40 bytes.
pub const ERROR_CODE_CAPACITY: usize = 64;
/// Capacity of [`ServiceError::message`]; longer messages are cut at a character boundary and
/// flagged with [`ServiceError::message_truncated`].
///
/// Lambda's longest messages (parameter validation, quoting the ARN pattern) are about 400 bytes.
pub const MESSAGE_CAPACITY: usize = 512;

/// The suffix most error codes share, stored once rather than 48 times.
const EXCEPTION: &[u8] = b"Exception";
/// Flag in [`ServiceErrorKind::STEM_LENS`]: the code is the stem followed by [`EXCEPTION`].
const SUFFIXED: u8 = 0x80;

/// The length of the code `text[start..start + len]` without a final [`EXCEPTION`], and whether
/// it had one.
///
/// This and the functions below run only at compile time (they build constants), where an index
/// out of range is a build error, not a panic; hence the plain indexing.
#[allow(clippy::indexing_slicing)]
const fn stem(text: &[u8], start: usize, len: usize) -> (usize, bool) {
    if len <= EXCEPTION.len() {
        return (len, false);
    }
    let mut i = 0;
    while i < EXCEPTION.len() {
        if text[start + len - EXCEPTION.len() + i] != EXCEPTION[i] {
            return (len, false);
        }
        i += 1;
    }
    (len - EXCEPTION.len(), true)
}

/// The total length of the stems of the codes in `text` (cut by `lens`).
#[allow(clippy::indexing_slicing)]
const fn stem_text_len(text: &str, lens: &[u8]) -> usize {
    let (mut k, mut start, mut total) = (0, 0, 0);
    while k < lens.len() {
        let len = lens[k] as usize;
        total += stem(text.as_bytes(), start, len).0;
        start += len;
        k += 1;
    }
    total
}

/// The stems of the codes in `text` (cut by `lens`), back to back.
#[allow(clippy::indexing_slicing)]
const fn stem_text<const N: usize>(text: &str, lens: &[u8]) -> [u8; N] {
    let text = text.as_bytes();
    let mut out = [0u8; N];
    let (mut k, mut start, mut at) = (0, 0, 0);
    while k < lens.len() {
        let len = lens[k] as usize;
        let mut i = 0;
        while i < stem(text, start, len).0 {
            out[at] = text[start + i];
            at += 1;
            i += 1;
        }
        start += len;
        k += 1;
    }
    out
}

/// The stem length of each code in `text` (cut by `lens`), flagged with [`SUFFIXED`].
#[allow(clippy::indexing_slicing)]
const fn stem_lens<const N: usize>(text: &str, lens: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let (mut k, mut start) = (0, 0);
    while k < N {
        let len = lens[k] as usize;
        let (keep, suffixed) = stem(text.as_bytes(), start, len);
        // Every code in the table is under 128 bytes (the longest is 40): the flag bit is free.
        out[k] = keep as u8 | if suffixed { SUFFIXED } else { 0 };
        start += len;
        k += 1;
    }
    out
}

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

            /// Every kind but [`ServiceErrorKind::Unknown`], in declaration order; its wire code
            /// is the same-numbered piece of [`Self::CODE_TEXT`], [`Self::CODE_LENS`] long. `code`
            /// and `from_code` are a walk over these rather than two `match`es over strings
            /// (about 1 KiB of compares) or a table of `&str`s (8 bytes a code on a 32-bit target).
            pub(crate) const KINDS: &'static [ServiceErrorKind] = &[
                $( ServiceErrorKind::$name, )*
                ServiceErrorKind::InvalidSignatureException,
                ServiceErrorKind::UnrecognizedClientException,
                ServiceErrorKind::AccessDeniedException,
                ServiceErrorKind::ExpiredTokenException,
                ServiceErrorKind::SignatureDoesNotMatch,
                ServiceErrorKind::InvalidClientTokenId,
            ];
            /// The wire codes of [`Self::KINDS`], back to back.
            pub(crate) const CODE_TEXT: &'static str = concat!(
                $( stringify!($name), )*
                "InvalidSignatureException",
                "UnrecognizedClientException",
                "AccessDeniedException",
                "ExpiredTokenException",
                "SignatureDoesNotMatch",
                "InvalidClientTokenId",
            );
            /// The length of each code in [`Self::CODE_TEXT`] (every one is under 256 bytes).
            pub(crate) const CODE_LENS: &'static [u8] = &[
                $( stringify!($name).len() as u8, )*
                "InvalidSignatureException".len() as u8,
                "UnrecognizedClientException".len() as u8,
                "AccessDeniedException".len() as u8,
                "ExpiredTokenException".len() as u8,
                "SignatureDoesNotMatch".len() as u8,
                "InvalidClientTokenId".len() as u8,
            ];

            /// [`Self::CODE_TEXT`] with the `Exception` that ends most codes left off: what
            /// [`Self::from_code`] compares with (about 430 bytes less to link than the full codes,
            /// which only [`Self::code`] needs).
            pub(crate) const STEM_TEXT: [u8; stem_text_len(ServiceErrorKind::CODE_TEXT, ServiceErrorKind::CODE_LENS)] =
                stem_text(Self::CODE_TEXT, Self::CODE_LENS);
            /// The length of each stem in [`Self::STEM_TEXT`], with [`SUFFIXED`] set when the code
            /// ends in `Exception`.
            pub(crate) const STEM_LENS: [u8; ServiceErrorKind::KINDS.len()] = stem_lens(Self::CODE_TEXT, Self::CODE_LENS);

            /// The error code as it appears on the wire; `None` for [`ServiceErrorKind::Unknown`].
            pub fn code(self) -> Option<&'static str> {
                let mut start = 0;
                for (&kind, &len) in Self::KINDS.iter().zip(Self::CODE_LENS) {
                    let end = start + usize::from(len);
                    if kind == self {
                        return Self::CODE_TEXT.get(start..end);
                    }
                    start = end;
                }
                None
            }

            /// The kind for an error code (already stripped of `namespace#` and `:…`).
            pub fn from_code(code: &str) -> ServiceErrorKind {
                // The query-protocol spellings moto sends.
                let code = match code {
                    "AccessDenied" => "AccessDeniedException",
                    "ExpiredToken" => "ExpiredTokenException",
                    other => other,
                };
                let (stem, suffixed) = match code.as_bytes().strip_suffix(EXCEPTION) {
                    Some(stem) => (stem, SUFFIXED),
                    None => (code.as_bytes(), 0),
                };
                let mut start = 0;
                for (&kind, &len) in Self::KINDS.iter().zip(&Self::STEM_LENS) {
                    let end = start + usize::from(len & !SUFFIXED);
                    if len & SUFFIXED == suffixed && Self::STEM_TEXT.get(start..end) == Some(stem) {
                        return kind;
                    }
                    start = end;
                }
                ServiceErrorKind::Unknown
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
    /// Every known reason, and its name in the error body at the same position.
    pub(crate) const KNOWN: [(ThrottleReason, &'static str); 6] = [
        (
            Self::ConcurrentInvocationLimitExceeded,
            "ConcurrentInvocationLimitExceeded",
        ),
        (
            Self::FunctionInvocationRateLimitExceeded,
            "FunctionInvocationRateLimitExceeded",
        ),
        (
            Self::ReservedFunctionConcurrentInvocationLimitExceeded,
            "ReservedFunctionConcurrentInvocationLimitExceeded",
        ),
        (
            Self::ReservedFunctionInvocationRateLimitExceeded,
            "ReservedFunctionInvocationRateLimitExceeded",
        ),
        (Self::CallerRateLimitExceeded, "CallerRateLimitExceeded"),
        (
            Self::ConcurrentSnapshotCreateLimitExceeded,
            "ConcurrentSnapshotCreateLimitExceeded",
        ),
    ];

    /// The reason for the string in the error body. A lookup in a table rather than a `match`
    /// over strings, which compiles to a compare per name.
    pub fn from_name(name: &str) -> ThrottleReason {
        Self::KNOWN
            .iter()
            .find(|(_, n)| *n == name)
            .map_or(Self::Other, |(reason, _)| *reason)
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
        let mut error = ServiceError::empty(status);
        error.decode(error_type, body);
        error
    }

    /// An error with only its status: what [`ServiceError::decode`] starts from.
    pub(crate) fn empty(status: u16) -> ServiceError {
        ServiceError {
            status,
            kind: ServiceErrorKind::Unknown,
            code: None,
            message: None,
            message_truncated: false,
            body_truncated: false,
            reason: None,
            meta: ResponseMeta::default(),
        }
    }

    /// Fills in the code, kind, message and reason of [`ServiceError::from_parts`]. In place,
    /// message included: an error is about 700 bytes, and firmware reads it on a small stack.
    /// Not inlined, so that its scanning temporaries are not in the frame that holds the error.
    #[inline(never)]
    pub(crate) fn decode(&mut self, error_type: Option<&str>, body: &[u8]) {
        let from_header = error_type.map(strip_code).filter(|c| !c.is_empty());
        let body = trim_ascii_start(body);
        let mut from_body = None;
        match body.first() {
            Some(b'{') => {
                if let Some(parsed) = JsonError::scan(body) {
                    from_body = parsed
                        .type_
                        .or(parsed.code)
                        .or(parsed.code_upper)
                        .map(strip_code);
                    if let Some(raw) = parsed.message.or(parsed.message_upper) {
                        let msg = self.message.insert(String::new());
                        self.message_truncated = unescape_json(raw, msg);
                    }
                    self.reason = parsed.reason.map(ThrottleReason::from_name);
                }
            }
            Some(b'<') => {
                from_body = xml_element(body, b"Code")
                    .and_then(|c| core::str::from_utf8(c).ok())
                    .map(|c| strip_code(c.trim_ascii()));
                if let Some(raw) = xml_element(body, b"Message") {
                    let msg = self.message.insert(String::new());
                    self.message_truncated = unescape_xml(raw, msg);
                }
            }
            _ => {}
        }
        if let Some(code) = from_header.or(from_body.filter(|c| !c.is_empty())) {
            self.kind = ServiceErrorKind::from_code(code);
            let raw = self.code.insert(String::new());
            // A code longer than the capacity is not one we know; keep none rather than a piece.
            if raw.push_str(code).is_err() {
                self.code = None;
            }
        }
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

/// `Type#Code:detail` → `Code`: the part before the first `:`, then after the first `#` in it,
/// without ASCII whitespace around it. Byte searches, not `str::split`: see
/// [`crate::encode::split_byte`].
pub(super) fn strip_code(raw: &str) -> &str {
    let raw = crate::encode::split_byte(raw, b':')
        .next()
        .unwrap_or_default();
    let code = match raw.bytes().position(|b| b == b'#') {
        Some(i) => raw.get(i + 1..).unwrap_or_default(),
        None => raw,
    };
    code.trim_ascii()
}

fn trim_ascii_start(s: &[u8]) -> &[u8] {
    s.trim_ascii_start()
}

/// The string members of an AWS JSON error body that matter here, still escaped (borrowed from
/// the body, unescaped later straight into the bounded message, so no scratch buffer as large as
/// the body is needed).
///
/// Found by a small bounded scanner rather than `serde-json-core`: its string parser indexes
/// backwards without a bounds proof (`parse_str`) and its value skipper slices, so it keeps panic
/// paths in firmware whatever the input, and it costs about 2 KiB of code for six fields. The
/// scanner is a loop over the body with no recursion (nesting is a depth counter), it accepts
/// exactly one top-level object, and, like the `serde` derive it replaces, it is all or nothing: a
/// syntax error, a duplicate member of interest or a non-string value for one (other than
/// `null`) gives no fields at all.
#[derive(Default)]
struct JsonError<'a> {
    type_: Option<&'a str>,
    code: Option<&'a str>,
    code_upper: Option<&'a str>,
    message: Option<&'a str>,
    message_upper: Option<&'a str>,
    reason: Option<&'a str>,
}

impl<'a> JsonError<'a> {
    /// Scans `body`, which starts with `{` (after whitespace). Anything after the object is
    /// ignored.
    fn scan(body: &'a [u8]) -> Option<Self> {
        let mut fields = JsonError::default();
        let mut json = JsonCursor { rest: body };
        json.require(b'{')?;
        if json.eat(b'}') {
            return Some(fields);
        }
        loop {
            let key = json.string()?;
            json.require(b':')?;
            let slot = match key {
                b"__type" => Some(&mut fields.type_),
                b"code" => Some(&mut fields.code),
                b"Code" => Some(&mut fields.code_upper),
                b"message" => Some(&mut fields.message),
                b"Message" => Some(&mut fields.message_upper),
                b"Reason" => Some(&mut fields.reason),
                _ => None,
            };
            match slot {
                Some(slot) => {
                    let value = json.string_or_null()?;
                    if slot.is_some() {
                        // A duplicate member: which one is meant is ambiguous.
                        return None;
                    }
                    *slot = match value {
                        Some(raw) => Some(core::str::from_utf8(raw).ok()?),
                        None => None,
                    };
                }
                None => json.skip_value()?,
            }
            if json.eat(b',') {
                continue;
            }
            json.require(b'}')?;
            return Some(fields);
        }
    }
}

/// The unread part of a JSON text. Every step consumes at least one byte or fails, so scanning is
/// linear in the input; nothing indexes, so nothing can panic.
struct JsonCursor<'a> {
    rest: &'a [u8],
}

impl<'a> JsonCursor<'a> {
    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.rest = self.rest.trim_ascii_start();
        self.rest.first().copied()
    }

    /// Consumes `byte` (after whitespace) if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.rest = self.rest.get(1..).unwrap_or_default();
            true
        } else {
            false
        }
    }

    /// Consumes `byte` (after whitespace), or `None`: a syntax error ends the scan.
    fn require(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// A string (after whitespace): its raw content between the quotes, escapes not decoded. Only
    /// the structure is checked here (a backslash takes the next byte with it; no raw control
    /// characters); escapes are checked when decoded.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.require(b'"')?;
        let body = self.rest;
        let mut escaped = false;
        for (i, &b) in body.iter().enumerate() {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                self.rest = body.get(i + 1..).unwrap_or_default();
                return body.get(..i);
            } else if b < 0x20 {
                return None;
            }
        }
        // Unterminated (a body cut short by the reader's buffer, say).
        None
    }

    /// A string, or `null` as `None`; anything else fails.
    fn string_or_null(&mut self) -> Option<Option<&'a [u8]>> {
        if self.peek() == Some(b'"') {
            return self.string().map(Some);
        }
        self.rest.strip_prefix(b"null").map(|after| {
            self.rest = after;
            None
        })
    }

    /// Skips one value of any kind. Objects and arrays are skipped with a depth counter rather
    /// than recursion, so hostile nesting costs no stack; their inner structure is only checked
    /// for strings and balance.
    fn skip_value(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.rest = self.rest.get(1..).unwrap_or_default();
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.rest = self.rest.get(1..).unwrap_or_default();
                }
                b',' | b':' if depth > 0 => {
                    self.rest = self.rest.get(1..).unwrap_or_default();
                }
                _ => {
                    // A number, `true`, `false` or `null`: a run of the bytes they are made of.
                    let len = self
                        .rest
                        .iter()
                        .position(|b| {
                            !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
                        })
                        .unwrap_or(self.rest.len());
                    if len == 0 {
                        return None;
                    }
                    self.rest = self.rest.get(len..).unwrap_or_default();
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
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

/// The value of up to four hex digits.
fn hex_value(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        Some((n << 4) | u32::from(v))
    })
}

/// `\uXXXX` at the start of `s` (four hex digits, exactly).
fn json_u_escape(s: &[u8]) -> Option<u32> {
    match s {
        [b'\\', b'u', digits @ ..] => hex_value(digits.first_chunk::<4>()?),
        _ => None,
    }
}

/// Decodes the escapes of a raw JSON string (RFC 8259 §7) into `out`, a bounded message (written
/// in place rather than returned: no copy of it on the stack); returns whether it was cut. A bad
/// escape (unknown letter, bad hex, lone surrogate) ends the message there: what came before is
/// kept.
fn unescape_json(raw: &str, out: &mut String<MESSAGE_CAPACITY>) -> bool {
    let mut rest = raw;
    loop {
        let i = rest.bytes().position(|b| b == b'\\').unwrap_or(rest.len());
        let (run, escape) = crate::encode::split_str_at(rest, i);
        if push_bounded(out, run) {
            return true;
        }
        let e = escape.as_bytes();
        let (c, used) = match e.get(1) {
            None => break,
            Some(b'"') => ('"', 2),
            Some(b'\\') => ('\\', 2),
            Some(b'/') => ('/', 2),
            Some(b'b') => ('\u{8}', 2),
            Some(b'f') => ('\u{c}', 2),
            Some(b'n') => ('\n', 2),
            Some(b'r') => ('\r', 2),
            Some(b't') => ('\t', 2),
            Some(b'u') => {
                let Some(unit) = json_u_escape(e) else { break };
                let (code, used) = match unit {
                    // A high surrogate: the low one must follow as another `\u` escape.
                    0xd800..=0xdbff => match json_u_escape(e.get(6..).unwrap_or_default()) {
                        Some(low @ 0xdc00..=0xdfff) => {
                            (0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00), 12)
                        }
                        _ => break,
                    },
                    _ => (unit, 6),
                };
                // `None` for a lone low surrogate.
                let Some(c) = char::from_u32(code) else { break };
                (c, used)
            }
            Some(_) => break,
        };
        if out.push(c).is_err() {
            return true;
        }
        rest = escape.get(used..).unwrap_or_default();
    }
    false
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

/// Decode the five predefined XML entities and numeric references into `out`; anything else is
/// kept as is. Returns whether the message was cut.
fn unescape_xml(raw: &[u8], out: &mut String<MESSAGE_CAPACITY>) -> bool {
    let text = core::str::from_utf8(raw).unwrap_or_default();
    let mut rest = text;
    while let Some(amp) = rest.bytes().position(|b| b == b'&') {
        let (before, after) = crate::encode::split_str_at(rest, amp);
        if push_bounded(out, before) {
            return true;
        }
        let entity = after
            .bytes()
            .position(|b| b == b';')
            .and_then(|semi| after.get(1..semi));
        let decoded = entity.and_then(|e| match e {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => {
                let num = e.as_bytes().strip_prefix(b"#")?;
                // Up to 8 digits: no overflow, and no `from_str_radix` in firmware.
                let code = match num.strip_prefix(b"x") {
                    Some(hex) if (1..=8).contains(&hex.len()) => hex_value(hex)?,
                    None if (1..=8).contains(&num.len()) => {
                        num.iter().try_fold(0u32, |n, &d| {
                            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
                        })?
                    }
                    _ => return None,
                };
                char::from_u32(code)
            }
        });
        match (decoded, entity) {
            (Some(c), Some(e)) => {
                if out.push(c).is_err() {
                    return true;
                }
                rest = after.get(e.len() + 2..).unwrap_or_default();
            }
            _ => {
                if out.push('&').is_err() {
                    return true;
                }
                rest = after.get(1..).unwrap_or_default();
            }
        }
    }
    push_bounded(out, rest)
}

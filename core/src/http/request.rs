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
//! The head is written by one routine over a [`Sink`]: into the buffer directly when the buffer is
//! at least as long as a cheap upper bound of the head's length (the usual case), otherwise after a
//! first pass of the same routine has counted the exact length (bare-metal targets always make
//! that pass, and keep no bound). A buffer that is too small gets
//! [`RequestError::BufferTooSmall`] with the size required and is left untouched.
//!
//! Signing hashes the canonical request as it is written, by a writer specialized for this
//! request's shape; the tests check it against the generic SigV4 path in [`crate::sigv4`], which
//! the debugging output ([`InvokeHead::write_canonical_request`]) still uses.

#[cfg(any(test, not(target_os = "none")))]
use crate::encode::SliceWriter;
use crate::encode::{percent_encode, put_decimal, Counter, Emit, Sink};
use crate::endpoint::Endpoint;
use crate::invoke::{InvokeRequest, RequestError};
use crate::sigv4::{
    Credentials, PayloadHash, Scope, SignableRequest, Signer, SigningError, SigningKey,
    TrimCollapse,
};
use crate::time::{AmzDate, Timestamp};

/// The signing name of Lambda.
pub const SERVICE: &str = "lambda";

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("picolambda/", env!("CARGO_PKG_VERSION"));

/// The `Host` header value, written once per request into a small buffer when it fits (every
/// AWS host does): the canonical request, the size bound and the head then copy it rather than
/// assembling it from its parts three times.
///
/// Hosts only: bare-metal targets write the host from its parts each time
/// ([`InvokeHead::write_signed`]), which costs less flash than the buffer and its fallback.
#[cfg(any(test, not(target_os = "none")))]
struct HostValue<'h> {
    header: crate::endpoint::HostHeader<'h>,
    buf: [u8; 64],
    len: Option<usize>,
}

#[cfg(any(test, not(target_os = "none")))]
impl<'h> HostValue<'h> {
    fn new(endpoint: &Endpoint<'h>) -> Self {
        let header = endpoint.host_header();
        let mut buf = [0u8; 64];
        let mut w = SliceWriter::new(&mut buf);
        header.emit(&mut w);
        let len = (!w.overflowed).then_some(w.pos);
        Self { header, buf, len }
    }

    fn len(&self) -> usize {
        self.len.unwrap_or_else(|| {
            let mut count = Counter(0);
            self.header.emit(&mut count);
            count.0
        })
    }
}

#[cfg(any(test, not(target_os = "none")))]
impl Emit for HostValue<'_> {
    fn emit(&self, sink: &mut dyn Sink) {
        match self.len.and_then(|n| self.buf.get(..n)) {
            Some(text) => sink.put(text),
            None => self.header.emit(sink),
        }
    }
}

/// Every header that can be signed, in canonical order: what [`InvokeHead::signed_slots`] fills.
const SIGNED_HEADER_NAMES: [&str; 8] = [
    "host",
    "x-amz-client-context",
    "x-amz-date",
    "x-amz-durable-execution-name",
    "x-amz-invocation-type",
    "x-amz-log-type",
    "x-amz-security-token",
    "x-amz-tenant-id",
];

/// The length of [`SIGNED_HEADER_NAMES`] one after another.
const SIGNED_HEADER_NAMES_LEN: usize = {
    let mut len = 0;
    let mut i = 0;
    while i < SIGNED_HEADER_NAMES.len() {
        #[allow(clippy::indexing_slicing)] // const evaluation, `i` < len
        {
            len += SIGNED_HEADER_NAMES[i].len();
        }
        i += 1;
    }
    len
};

/// [`SIGNED_HEADER_NAMES`] one after another, and where each ends (after a 0, where the first
/// starts): what bare-metal targets look names up in, [`InvokeHead::put_headers_small`]. A
/// table of slices takes 8 bytes of flash a name, the ends 1.
#[cfg(any(test, target_os = "none"))]
const SIGNED_HEADER_TEXT: (
    [u8; SIGNED_HEADER_NAMES_LEN],
    [u8; SIGNED_HEADER_NAMES.len() + 1],
) = {
    let mut text = [0u8; SIGNED_HEADER_NAMES_LEN];
    let mut ends = [0u8; SIGNED_HEADER_NAMES.len() + 1];
    let mut at = 0;
    let mut i = 0;
    while i < SIGNED_HEADER_NAMES.len() {
        #[allow(clippy::indexing_slicing)] // const evaluation: every index is in range
        {
            let name = SIGNED_HEADER_NAMES[i].as_bytes();
            let mut j = 0;
            while j < name.len() {
                text[at] = name[j];
                at += 1;
                j += 1;
            }
            // Below 256 (a test checks), so the cast is exact.
            ends[i + 1] = at as u8;
        }
        i += 1;
    }
    (text, ends)
};

/// The fixed text from the `User-Agent` header to the access key id in `Authorization`: one
/// piece rather than five (each `put` of a piece is about 12 bytes of flash). It spells out
/// [`USER_AGENT`] and [`crate::sigv4::ALGORITHM`] (`concat!` takes literals only); a test checks the two.
const AGENT_AND_CREDENTIAL: &str = concat!(
    "\r\nUser-Agent: picolambda/",
    env!("CARGO_PKG_VERSION"),
    "\r\nAuthorization: AWS4-HMAC-SHA256 Credential="
);

/// The signed headers' values, by the index of their name in [`SIGNED_HEADER_NAMES`]. Every
/// value is an [`Emit`], text too (through `impl Emit for &str`, and the date's bytes through
/// `impl Emit for &[u8]`): one way of writing a value takes less flash than a text path beside
/// the `Emit` one that the host and the client context need, and text goes through SigV4's
/// trimming like any value (nothing to trim in the date or the enum names).
type Slots<'s> = [Option<&'s dyn Emit>; 8];

/// The order headers are sent in, as indices into [`SIGNED_HEADER_NAMES`]: `Host` and
/// `X-Amz-Date` first, then the optional ones in the order botocore sends them.
const WIRE_ORDER: [u8; 8] = [0, 2, 6, 4, 5, 1, 7, 3];

/// The longest `SignedHeaders` list: every name, separated by `;`.
#[cfg(any(test, not(target_os = "none")))]
const MAX_SIGNED_HEADERS_LEN: usize = SIGNED_HEADER_NAMES_LEN + SIGNED_HEADER_NAMES.len() - 1;

/// What [`InvokeHead::put_headers`] writes of the signed headers.
///
/// Each form's value is where what goes before its first name starts in the separators of
/// [`InvokeHead::put_headers_small`], `\r\n: ;`, of which it is the part before offset 2:
/// `\r\n` on the wire, `\n` in the canonical request, nothing in the list (the form is the
/// offset, with nothing to choose).
#[derive(Clone, Copy)]
enum HeaderForm {
    /// The lines sent, `\r\nName: value`, in [`WIRE_ORDER`]: the wire name is the canonical
    /// name with each word capitalised (`x-amz-date` is sent as `X-Amz-Date`), so the names
    /// are stored once.
    Wire = 0,
    /// The canonical request's lines, `\nname:value` (the value trimmed), in canonical order.
    Canonical = 1,
    /// The `SignedHeaders` list, the names joined by `;`.
    SignedList = 2,
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

/// A slice writer that counts every byte put, written or not, and hashes it when it has a hash:
/// the hashing pass of bare-metal targets ([`InvokeHead::sign_small`]) and the sizing and
/// writing passes of [`InvokeHead::write_head_small`] in one sink type, so that the writers'
/// helpers (encoding, trimming, the signed header names) are compiled once.
///
/// Like [`SliceWriter`], it stops writing at the first piece that does not fit; it overflowed
/// exactly when the count exceeds the buffer's length (the count only grows, so no later piece
/// fits either, and no flag is kept), and until then the count is also the length written.
#[cfg(any(test, target_os = "none"))]
struct SizingWriter<'a> {
    buf: &'a mut [u8],
    required: usize,
    hash: Option<&'a mut crate::sigv4::Sha256Stream>,
}

#[cfg(any(test, target_os = "none"))]
impl<'a> SizingWriter<'a> {
    fn new(buf: &'a mut [u8]) -> Self {
        Self {
            buf,
            required: 0,
            hash: None,
        }
    }
}

#[cfg(any(test, target_os = "none"))]
impl Sink for SizingWriter<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if let Some(hash) = self.hash.as_deref_mut() {
            hash.update(bytes);
        }
        let end = self.required.saturating_add(bytes.len());
        if let Some(dst) = self.buf.get_mut(self.required..end) {
            crate::encode::copy_short(dst, bytes);
        }
        self.required = end;
    }
}

/// Percent-encodes `bytes` into `sink` with upper-case hex, keeping unreserved characters, and
/// when `twice` encodes the result once more, keeping `/` (SigV4's second encoding of the path),
/// in the same pass: the first encoding writes unreserved characters and `%XX` escapes with
/// `XX` upper-case hex digits, of which the second escapes only the `%`, so that each escape
/// becomes `%25XX`. The bare-metal encoder of the function name and the qualifier, a `put` per
/// byte or escape, in place of the shared encoder and [`EncodedAgain`] over it. The tests
/// compare the two.
#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
fn percent_encode_name_small<S: Sink + ?Sized>(bytes: &[u8], twice: bool, sink: &mut S) {
    use crate::encode::hex_digit;
    let escape = b"%25".get(..if twice { 3 } else { 1 }).unwrap_or_default();
    for &b in bytes {
        if crate::encode::is_unreserved(b) {
            sink.put(&[b]);
        } else {
            sink.put(escape);
            sink.put(&[hex_digit(b >> 4, true), hex_digit(b, true)]);
        }
    }
}

/// A sink that percent-encodes what passes through it, keeping `/`, when `again` (SigV4's
/// second encoding of the path), and passes it on as it is otherwise: one call of the encoder
/// for the function name of both the request line and the canonical URI (hosts: bare-metal
/// targets encode twice in one pass, [`percent_encode_name_small`]).
#[cfg(not(target_os = "none"))]
struct EncodedAgain<'s, S: Sink> {
    inner: &'s mut S,
    again: bool,
}

#[cfg(not(target_os = "none"))]
impl<S: Sink> Sink for EncodedAgain<'_, S> {
    fn put(&mut self, bytes: &[u8]) {
        if self.again {
            percent_encode(bytes, true, self.inner);
        } else {
            self.inner.put(bytes);
        }
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
        // Formatted into a local rather than taken from `to_amz_date`'s `Result`: see
        // `Timestamp::put_amz_date`.
        let mut amz_date = AmzDate::BLANK;
        now.put_amz_date(&mut amz_date)?;
        Ok(Self {
            request,
            endpoint,
            access_key_id: credentials.access_key_id(),
            session_token: credentials.session_token(),
            amz_date,
            payload,
        })
    }

    fn path(&self) -> InvokePath<'r> {
        InvokePath {
            prefix: self.endpoint.path_prefix(),
            function_name: self.request.function_name.as_str(),
        }
    }

    /// The `X-Amz-Date` value as bytes, for [`InvokeHead::signed_slots`].
    fn date(&self) -> &[u8] {
        self.amz_date.as_bytes()
    }

    fn scope(&self) -> Scope<'r> {
        Scope {
            amz_date: self.amz_date,
            region: self.endpoint.region(),
            service: SERVICE,
        }
    }

    /// The values of the headers SigV4 signs for this request, one per name of
    /// [`SIGNED_HEADER_NAMES`] (in canonical order: lower-case, sorted, distinct), `None` where
    /// absent: the single place that decides which headers are signed.
    ///
    /// `date` is this head's `X-Amz-Date` as bytes ([`InvokeHead::date`]), in a local of the
    /// caller's: written through the `&[u8]` impl of [`Emit`], whose routine is the one the
    /// `&str` values share, rather than through `AmzDate`'s own (a routine and a vtable more,
    /// 8 bytes of flash more on bare-metal targets).
    fn signed_slots<'s>(&'s self, host: &'s dyn Emit, date: &'s &'s [u8]) -> Slots<'s> {
        let request = self.request;
        let text = |t: &'s &'r str| t as &dyn Emit;
        // In the order of `SIGNED_HEADER_NAMES`.
        [
            Some(host),
            request.client_context.as_ref().map(|c| c as &dyn Emit),
            Some(date),
            request
                .durable_execution_name
                .as_ref()
                .map(|n| text(n.as_str_ref())),
            request.invocation_type.map(|t| text(t.name())),
            request.log_type.map(|t| text(t.name())),
            self.session_token.as_ref().map(text),
            request.tenant_id.as_ref().map(|t| text(t.as_str_ref())),
        ]
    }

    /// Calls `f` with the signable view of this request (the generic SigV4 path, used for the
    /// debugging output; [`InvokeHead::write`] takes a faster path that writes the same bytes).
    fn with_signable<T>(&self, f: impl FnOnce(&SignableRequest<'_>) -> T) -> T {
        let host = self.endpoint.host_header();
        let path = self.path();
        let date = self.date();
        let slots = self.signed_slots(&host, &date);
        let mut headers: [(&str, &dyn Emit); 8] = [("", &host); 8];
        let mut n = 0;
        for (name, value) in SIGNED_HEADER_NAMES.iter().zip(&slots) {
            let Some(value) = *value else { continue };
            if let Some(slot) = headers.get_mut(n) {
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

    /// The canonical request, written with what is known of an invoke's shape: header names
    /// already canonical, a single query parameter, fixed path segments that need no encoding.
    /// Byte for byte what [`SignableRequest::write_canonical_request`] writes for
    /// [`InvokeHead::with_signable`]'s view (the tests compare the two).
    fn put_canonical_request<S: Sink>(&self, slots: &Slots<'_>, sink: &mut S) {
        self.put_target(true, sink);
        // Each header line starts with the `\n` that ends the line before it (there is always
        // one: `host`), so the query line's end needs no `put` of its own and the last line's
        // end goes with the blank line after it.
        Self::put_headers(slots, HeaderForm::Canonical, sink);
        sink.put(b"\n\n");
        Self::put_headers(slots, HeaderForm::SignedList, sink);
        sink.put(b"\n");
        crate::encode::put_hex32(self.payload.sha256(), sink);
    }

    /// The method and the request target: `POST /path?Qualifier=q` as the request line has them
    /// or, when `canonical`, as the canonical request's first three lines (`POST`, the canonical
    /// URI, the canonical query). One routine for both, so that their fixed text is put from
    /// one place.
    // Not inlined on bare-metal targets: the point is one copy for the two writers. Hosts
    // inline it into each writer, where `canonical` is a constant.
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline(always))]
    fn put_target<S: Sink>(&self, canonical: bool, sink: &mut S) {
        // The method and what follows it (a space on the wire, the line's end in the canonical
        // request), both forms cut from one text at an offset (no branch, one address).
        let canonical_len = usize::from(canonical);
        let method = b"POST POST\n";
        sink.put(
            method
                .get(5 * canonical_len..5 + 5 * canonical_len)
                .unwrap_or_default(),
        );
        // The canonical URI is the wire path encoded once more; its fixed segments and the
        // endpoint's path prefix (only unreserved characters and `/`, as `Endpoint::from_url`
        // checks) are kept by that encoding.
        sink.put(self.endpoint.path_prefix().as_bytes());
        sink.put(b"/2015-03-31/functions/");
        #[cfg(not(target_os = "none"))]
        percent_encode(
            self.request.function_name.as_str().as_bytes(),
            false,
            &mut EncodedAgain {
                inner: &mut *sink,
                again: canonical,
            },
        );
        #[cfg(target_os = "none")]
        percent_encode_name_small(
            self.request.function_name.as_str().as_bytes(),
            canonical,
            sink,
        );
        // The canonical query is a line of its own, without the `?`. Both forms of the path's
        // end and of the query's start are cut from one text: `/invocations` with the line's
        // end when `canonical`, then `?Qualifier=` without its `?` when `canonical` (one `put`
        // for each, no branch).
        let tail = b"/invocations\n?Qualifier=";
        sink.put(tail.get(..12 + canonical_len).unwrap_or_default());
        if let Some(q) = self.request.qualifier {
            sink.put(tail.get(13 + canonical_len..).unwrap_or_default());
            #[cfg(not(target_os = "none"))]
            percent_encode(q.as_str().as_bytes(), false, sink);
            #[cfg(target_os = "none")]
            percent_encode_name_small(q.as_str().as_bytes(), false, sink);
        }
    }

    /// The signed headers in `slots`, in one of their three forms (see [`HeaderForm`]).
    #[cfg(not(target_os = "none"))]
    #[inline(always)]
    fn put_headers<S: Sink>(slots: &Slots<'_>, form: HeaderForm, sink: &mut S) {
        match form {
            HeaderForm::Wire => {
                for &i in &WIRE_ORDER {
                    let i = usize::from(i);
                    let (Some(name), Some(Some(value))) =
                        (SIGNED_HEADER_NAMES.get(i), slots.get(i))
                    else {
                        continue;
                    };
                    sink.put(b"\r\n");
                    put_wire_name(name, sink);
                    sink.put(b": ");
                    value.emit(sink);
                }
            }
            HeaderForm::Canonical => {
                for (name, value) in SIGNED_HEADER_NAMES.iter().zip(slots) {
                    let Some(value) = value else { continue };
                    sink.put(b"\n");
                    sink.put(name.as_bytes());
                    sink.put(b":");
                    value.emit(&mut TrimCollapse::new(&mut *sink));
                }
            }
            HeaderForm::SignedList => {
                let mut sep: &[u8] = b"";
                for (name, value) in SIGNED_HEADER_NAMES.iter().zip(slots) {
                    if value.is_some() {
                        sink.put(sep);
                        sink.put(name.as_bytes());
                        sep = b";";
                    }
                }
            }
        }
    }

    /// [`InvokeHead::put_headers`] for bare-metal targets: one loop for the three forms (the
    /// order, the separators, the name's case and what follows the name chosen by `form`),
    /// compiled once for the hashing pass and the head writer's passes, which share a sink
    /// type, where hosts inline each form's own loop where it is written. Names go a byte at a
    /// time (no buffer to capitalise into). The tests compare the two.
    #[cfg(any(test, target_os = "none"))]
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), allow(dead_code))]
    fn put_headers_small<S: Sink>(slots: &Slots<'_>, form: HeaderForm, sink: &mut S) {
        let wire = matches!(form, HeaderForm::Wire);
        let list = matches!(form, HeaderForm::SignedList);
        // What goes before a name: `\r\n` on the wire, `\n` in the canonical request, `;` in
        // the list but before its first name (where it is empty); and between a line's name and
        // value: `: ` on the wire, `:` in the canonical request. The first starts at the form's
        // value (see `HeaderForm`: 20 bytes of flash less than choosing the start by the form).
        let text = b"\r\n: ;";
        let wire_len = usize::from(wire);
        let mut before = text.get(form as usize..2).unwrap_or_default();
        let colon = text.get(2..3 + wire_len).unwrap_or_default();
        for k in 0..WIRE_ORDER.len() {
            let i = if wire {
                WIRE_ORDER.get(k).map_or(k, |&i| usize::from(i))
            } else {
                k
            };
            let (names, ends) = &SIGNED_HEADER_TEXT;
            let name = match ends.get(i..) {
                Some(&[start, end, ..]) => names.get(usize::from(start)..usize::from(end)),
                _ => None,
            };
            let (Some(name), Some(Some(value))) = (name, slots.get(i)) else {
                continue;
            };
            sink.put(before);
            // A byte at a time, each word capitalised on the wire.
            let mut prev = b'-';
            for &c in name {
                sink.put(&[if wire && prev == b'-' {
                    c.to_ascii_uppercase()
                } else {
                    c
                }]);
                prev = c;
            }
            if list {
                before = text.get(4..).unwrap_or_default();
                continue;
            }
            sink.put(colon);
            if wire {
                value.emit(sink);
            } else {
                value.emit(&mut TrimCollapse::new(&mut *sink));
            }
        }
    }

    #[cfg(target_os = "none")]
    #[inline(always)]
    fn put_headers<S: Sink>(slots: &Slots<'_>, form: HeaderForm, sink: &mut S) {
        Self::put_headers_small(slots, form, sink);
    }

    /// Hashes the canonical request as it is written and signs it with `key` (this request's
    /// key, from [`InvokeHead::key`]): the signature as 64 lower-case hex characters.
    fn sign(&self, slots: &Slots<'_>, key: &SigningKey) -> [u8; 64] {
        let mut hash = crate::sigv4::Sha256Stream::new();
        self.put_canonical_request(slots, &mut hash);
        key.sign_canonical_hash(&hash.finish(), &self.amz_date)
    }

    /// [`InvokeHead::sign`] for bare-metal targets: the canonical request is hashed through the
    /// head writer's sink type (see [`SizingWriter`]), and the signature is returned as its 32
    /// bytes, written as hex by each pass of the head writer (`encode::Hex32`) rather than kept as
    /// a 64-byte array (which would be built apart and copied by a call to a copying routine
    /// that firmware would link for it). The tests compare the two.
    #[cfg(any(test, target_os = "none"))]
    fn sign_small(&self, slots: &Slots<'_>, key: &SigningKey) -> [u8; 32] {
        let mut hash = crate::sigv4::Sha256Stream::new();
        let mut sink = SizingWriter {
            hash: Some(&mut hash),
            ..SizingWriter::new(&mut [])
        };
        self.put_canonical_request(slots, &mut sink);
        key.signature_bytes(&hash.finish(), &self.amz_date)
    }

    /// An upper bound of the head's length, from the lengths of its parts (each byte of a
    /// percent-encoded part counted as three, every signed header name counted): no encoding, no
    /// signature. [`InvokeHead::write`] skips its sizing pass when `out` is at least this long
    /// (on hosts: bare-metal targets always size, see [`InvokeHead::write_head_small`]).
    #[cfg(any(test, not(target_os = "none")))]
    fn max_len(&self, host: &HostValue<'_>) -> usize {
        const FIXED: usize = "POST ".len()
            + "/2015-03-31/functions/".len()
            + "/invocations".len()
            + "?Qualifier=".len()
            + " HTTP/1.1\r\nHost: ".len()
            + "\r\nX-Amz-Date: ".len()
            + "YYYYMMDDTHHMMSSZ".len()
            + "\r\nX-Amz-Security-Token: ".len()
            + "\r\nX-Amz-Invocation-Type: ".len()
            + "\r\nX-Amz-Log-Type: ".len()
            + "\r\nX-Amz-Client-Context: ".len()
            + "\r\nX-Amz-Tenant-Id: ".len()
            + "\r\nX-Amz-Durable-Execution-Name: ".len()
            + "\r\nContent-Length: ".len()
            + 10 // u32::MAX in decimal
            + "\r\nUser-Agent: ".len()
            + USER_AGENT.len()
            + "\r\nAuthorization: ".len()
            + crate::sigv4::ALGORITHM.len()
            + " Credential=".len()
            + "/YYYYMMDD///aws4_request".len()
            + SERVICE.len()
            + ", SignedHeaders=".len()
            + MAX_SIGNED_HEADERS_LEN
            + ", Signature=".len()
            + 64
            + "\r\n\r\n".len();
        let request = self.request;
        let text_len = |t: Option<&str>| t.map_or(0, str::len);
        [
            self.endpoint.path_prefix().len(),
            3 * request.function_name.as_str().len(),
            3 * text_len(request.qualifier.map(|q| q.as_str())),
            host.len(),
            text_len(self.session_token),
            text_len(request.invocation_type.map(|t| t.as_str())),
            text_len(request.log_type.map(|t| t.as_str())),
            request
                .client_context
                .as_ref()
                .map_or(0, |c| c.encoded_len()),
            text_len(request.tenant_id.map(|t| t.as_str())),
            text_len(request.durable_execution_name.map(|n| n.as_str())),
            self.access_key_id.len(),
            self.endpoint.region().len(),
        ]
        .iter()
        .fold(FIXED, |sum, &n| sum.saturating_add(n))
    }

    /// Writes the string to sign (for debugging signatures).
    pub fn write_string_to_sign(&self, sink: &mut dyn Sink) {
        let mut h = crate::sigv4::Sha256Stream::new();
        self.write_canonical_request(&mut h);
        let hash = h.finish();
        self.scope().write_string_to_sign(&hash, sink);
    }

    /// Signs the request and writes its head into `out`, returning the number of bytes written.
    ///
    /// The payload follows the head on the wire; send exactly the bytes that were hashed. On
    /// error nothing is written: `BufferTooSmall { required }` says how large `out` must be.
    pub fn write(&self, signer: &mut Signer<'_>, out: &mut [u8]) -> Result<usize, RequestError> {
        let key = self.key(signer)?;
        self.write_signed(key, out)
    }

    /// The signing key for this request, derived now if the signer's cached one is for another
    /// scope. Called before signing, from the small frame of the caller, rather than from inside
    /// the signing code: key derivation is the deepest call on the path (four HMACs), and the
    /// head writer's frame (host buffer, hash state, signature) would otherwise be under it.
    fn key<'s>(&self, signer: &'s mut Signer<'_>) -> Result<&'s SigningKey, SigningError> {
        // The date read in place, not copied out of the `X-Amz-Date` (16 bytes: the split
        // cannot fail).
        let (date, _) = self
            .amz_date
            .as_bytes()
            .split_first_chunk::<8>()
            .unwrap_or((&[0; 8], &[]));
        signer.key(date, self.endpoint.region(), SERVICE)
    }

    /// [`InvokeHead::write`] with this request's key. Not inlined: see [`InvokeHead::key`].
    #[inline(never)]
    fn write_signed(&self, key: &SigningKey, out: &mut [u8]) -> Result<usize, RequestError> {
        // Bare-metal targets keep no host buffer: the host is written from its parts by each of
        // the three passes (hash, size, write), through the `Emit` path the client context
        // needs anyway (about 200 bytes of flash less than the buffer, its fallback and the
        // copies).
        #[cfg(target_os = "none")]
        {
            let header = crate::endpoint::HostHeaderOf(self.endpoint);
            let date = self.date();
            let slots = self.signed_slots(&header, &date);
            let signature = self.sign_small(&slots, key);
            self.write_head_small(&slots, &crate::encode::Hex32(&signature), key, out)
        }
        #[cfg(not(target_os = "none"))]
        {
            let host = HostValue::new(self.endpoint);
            let date = self.date();
            let slots = self.signed_slots(&host, &date);
            let signature = self.sign(&slots, key);
            self.write_head(&host, &slots, &signature.as_slice(), key, out)
        }
    }

    /// Writes the signed head into `out`.
    #[cfg(any(test, not(target_os = "none")))]
    fn write_head(
        &self,
        host: &HostValue<'_>,
        slots: &Slots<'_>,
        signature: &dyn Emit,
        key: &SigningKey,
        out: &mut [u8],
    ) -> Result<usize, RequestError> {
        // A buffer at least as long as the upper bound needs no sizing pass: the head is
        // written in one go. A shorter one is sized first, so that it is left untouched if the
        // head does not fit.
        if out.len() < self.max_len(host) {
            let mut count = Counter(0);
            self.emit_head(slots, signature, key, &mut count);
            if count.0 > out.len() {
                return Err(RequestError::BufferTooSmall { required: count.0 });
            }
        }
        let mut w = SliceWriter::new(out);
        self.emit_head(slots, signature, key, &mut w);
        if w.overflowed {
            // Unreachable while the bound holds and the passes agree; reported, not trusted.
            let mut count = Counter(0);
            self.emit_head(slots, signature, key, &mut count);
            return Err(RequestError::BufferTooSmall { required: count.0 });
        }
        Ok(w.pos)
    }

    /// [`InvokeHead::write_head`] for bare-metal targets: a sizing pass, then the writing pass,
    /// both through one sink that writes what fits and counts everything, so that the head
    /// writer is compiled once rather than once per sink (about 500 bytes of flash). The sizing
    /// pass is made whatever the buffer's length: the upper bound that lets hosts skip it costs
    /// more flash (about 150 bytes) than the pass costs time. Built and compared with
    /// `write_head` in the tests.
    #[cfg(any(test, target_os = "none"))]
    fn write_head_small(
        &self,
        slots: &Slots<'_>,
        signature: &dyn Emit,
        key: &SigningKey,
        out: &mut [u8],
    ) -> Result<usize, RequestError> {
        // Two passes from one call site: sizing into no buffer, then writing into `out`. A
        // writer overflows exactly when its count exceeds its buffer, so one test serves both:
        // the sizing pass's leaves `out` untouched, the writing pass's is unreachable while the
        // passes agree (reported, not trusted).
        let len = out.len();
        let mut buf: &mut [u8] = &mut [];
        let mut sizing = true;
        loop {
            let mut w = SizingWriter::new(buf);
            self.emit_head(slots, signature, key, &mut w);
            if w.required > len {
                return Err(RequestError::BufferTooSmall {
                    required: w.required,
                });
            }
            if !sizing {
                return Ok(w.required);
            }
            sizing = false;
            buf = &mut *out;
        }
    }

    /// The exact length [`InvokeHead::write`] will produce. Costs a signature.
    pub fn len(&self, signer: &mut Signer<'_>) -> Result<usize, RequestError> {
        let header = self.endpoint.host_header();
        let date = self.date();
        let slots = self.signed_slots(&header, &date);
        let key = self.key(signer)?;
        let signature = self.sign(&slots, key);
        let mut count = Counter(0);
        self.emit_head(&slots, &signature.as_slice(), key, &mut count);
        Ok(count.0)
    }

    /// Writes the head, signed with `signature` by `key` (this request's key, whose credential
    /// scope it carries). Generic so that the sizing pass ([`Counter`]) and the writing pass
    /// ([`SliceWriter`]) each get the fixed parts inlined.
    fn emit_head<S: Sink>(
        &self,
        slots: &Slots<'_>,
        signature: &dyn Emit,
        key: &SigningKey,
        sink: &mut S,
    ) {
        self.put_target(false, sink);
        sink.put(b" HTTP/1.1");
        // Every header but the last three is a signed one: written from the signed slots.
        Self::put_headers(slots, HeaderForm::Wire, sink);
        sink.put(b"\r\nContent-Length: ");
        // At most Lambda's 6 MB (checked in `new`), so the cast is exact (no saturating
        // conversion to test for a length that cannot be).
        put_decimal(self.payload.len() as u32, sink);
        // The value is what `SignableRequest::write_authorization` writes (the tests compare).
        sink.put(AGENT_AND_CREDENTIAL.as_bytes());
        sink.put(self.access_key_id.as_bytes());
        sink.put(b"/");
        // The key's scope is this request's (`InvokeHead::key`), kept as one piece of text.
        sink.put(key.scope());
        sink.put(b", SignedHeaders=");
        Self::put_headers(slots, HeaderForm::SignedList, sink);
        sink.put(b", Signature=");
        signature.emit(sink);
        sink.put(b"\r\n\r\n");
    }
}

/// Writes a canonical (lower-case) header name as it is sent, each word capitalised
/// (`x-amz-date` as `X-Amz-Date`), capitalised into a stack buffer and written in one piece
/// (bare-metal targets write it a byte at a time: [`InvokeHead::put_headers_small`]).
#[cfg(not(target_os = "none"))]
fn put_wire_name<S: Sink + ?Sized>(name: &str, sink: &mut S) {
    let mut buf = [0u8; 32];
    let mut prev = b'-';
    for (d, &c) in buf.iter_mut().zip(name.as_bytes()) {
        *d = if prev == b'-' {
            c.to_ascii_uppercase()
        } else {
            c
        };
        prev = c;
    }
    // Every signed header name is shorter than the buffer (a test checks).
    sink.put(buf.get(..name.len()).unwrap_or_default());
}

#[cfg(test)]
mod tests;

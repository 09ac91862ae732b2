//! The `Invoke` result, built incrementally from the HTTP response.
//!
//! [`InvokeResponseReader`] drives a [`ResponseParser`] and turns its events into an
//! [`InvokeOutcome`]: either [`InvokeSuccess`] (any 2xx, including function errors, as
//! `aws lambda invoke` reports them) with the payload streamed to a [`PayloadSink`], or a typed
//! [`ServiceError`]. Everything is bounded: header values go into `heapless::String`s whose
//! capacities are below (a longer value is an error, never a truncation), the base64
//! `X-Amz-Log-Result` is decoded on the fly into a caller buffer (4 KiB holds the largest log
//! Lambda returns), and an error body is kept in a fixed buffer ([`DEFAULT_ERROR_BODY_CAPACITY`]).
//!
//! | state | size (64-bit host) |
//! |---|---|
//! | `InvokeResponseReader` (default `E`) | about 1.7 KiB (1,616 B on 32-bit Cortex-M), plus the caller's log buffer |
//! | `InvokeOutcome` | about 820 bytes |
//! | log buffer | [`MAX_LOG_RESULT_BYTES`] (4 KiB) for any log; empty when no log was asked for |
//!
//! ```
//! use core::convert::Infallible;
//! use picolambda::invoke::response::{InvokeOutcome, InvokeResponseReader};
//!
//! let wire: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nX-Amz-Executed-Version: 7\r\n\r\n\"ok\"";
//! let mut log = [0u8; 4096];
//! let mut reader = InvokeResponseReader::new(&mut log);
//! let mut payload_len = 0;
//! let mut sink = |chunk: &[u8]| -> Result<(), Infallible> {
//!     payload_len += chunk.len(); // write the chunk wherever it goes
//!     Ok(())
//! };
//! let mut outcome = None;
//! // `wire.chunks(3)` stands for successive socket reads into a small buffer.
//! for received in wire.chunks(3) {
//!     let progress = reader.handle_input(received, &mut sink).unwrap();
//!     if let Some(o) = progress.outcome {
//!         outcome = Some(o); // bytes after `progress.consumed` belong to the next response
//!         break;
//!     }
//! }
//! // (when a read returns 0 bytes instead: `reader.handle_eof(&mut sink)`)
//! let Some(InvokeOutcome::Success(ok)) = outcome else { panic!() };
//! assert_eq!(ok.status, 200);
//! assert_eq!(ok.executed_version.as_deref(), Some("7"));
//! assert_eq!(payload_len, 4);
//! ```

mod error;

use core::convert::Infallible;
use core::fmt;

use heapless::{String, Vec};

pub use self::error::{
    ServiceError, ServiceErrorKind, ThrottleReason, ERROR_CODE_CAPACITY, MESSAGE_CAPACITY,
};
#[cfg(any(test, target_os = "none"))]
use crate::http::response::Handler;
use crate::http::response::{
    BodyBuffer, BodyFraming, BufferTooSmall, Head, Limits, ResponseError, ResponseParser,
};
#[cfg(not(target_os = "none"))]
use crate::http::response::{Event, Progress};

/// Default capacity of the buffer that keeps a non-2xx body for [`ServiceError`] decoding.
///
/// Lambda's JSON errors are 100–500 bytes; bodies longer than the buffer are read to the end (so
/// the connection stays usable) but only their start is decoded.
pub const DEFAULT_ERROR_BODY_CAPACITY: usize = 1024;
/// Capacity for `X-Amz-Function-Error` (`Handled`, `Unhandled`).
pub const FUNCTION_ERROR_CAPACITY: usize = 32;
/// Capacity for `X-Amz-Executed-Version` (`$LATEST` or a version number).
pub const EXECUTED_VERSION_CAPACITY: usize = 64;
/// Capacity for `x-amzn-RequestId` (a 36-character UUID from Lambda, 52 characters from moto).
pub const REQUEST_ID_CAPACITY: usize = 64;
/// Capacity for `Date` and `Retry-After` (an IMF-fixdate is 29 characters).
pub const DATE_CAPACITY: usize = 40;
/// The largest log Lambda returns in `X-Amz-Log-Result`: the last 4 KB of the log, which arrives
/// as 5,464 base64 characters. A log buffer this size always suffices.
pub const MAX_LOG_RESULT_BYTES: usize = 4096;

/// The header fields the reader asks the parser for, in the order of [`LambdaHeader::NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum LambdaHeader {
    /// `X-Amz-Function-Error`.
    FunctionError,
    /// `X-Amz-Log-Result` (base64).
    LogResult,
    /// `X-Amz-Executed-Version`.
    ExecutedVersion,
    /// `x-amzn-RequestId`.
    RequestId,
    /// `Retry-After`.
    RetryAfter,
    /// `Date`.
    Date,
    /// `x-amzn-ErrorType`.
    ErrorType,
}

impl LambdaHeader {
    /// All of them, in interest-list order.
    pub const ALL: [LambdaHeader; 7] = [
        LambdaHeader::FunctionError,
        LambdaHeader::LogResult,
        LambdaHeader::ExecutedVersion,
        LambdaHeader::RequestId,
        LambdaHeader::RetryAfter,
        LambdaHeader::Date,
        LambdaHeader::ErrorType,
    ];
    /// Their names, as passed to [`ResponseParser::new`].
    pub const NAMES: [&'static str; 7] = [
        "x-amz-function-error",
        "x-amz-log-result",
        "x-amz-executed-version",
        "x-amzn-requestid",
        "retry-after",
        "date",
        "x-amzn-errortype",
    ];

    /// The field name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .zip(Self::NAMES)
            .find(|(h, _)| **h == self)
            .map_or("", |(_, n)| n)
    }

    /// The header at position `i` of [`Self::ALL`]. A `match` in declaration order, where the
    /// position is the discriminant, which the compiler folds into a range check: indexing `ALL`
    /// would link it as a table (a test checks the order against `ALL`).
    fn at(i: usize) -> Option<LambdaHeader> {
        use LambdaHeader as H;
        Some(match i {
            0 => H::FunctionError,
            1 => H::LogResult,
            2 => H::ExecutedVersion,
            3 => H::RequestId,
            4 => H::RetryAfter,
            5 => H::Date,
            6 => H::ErrorType,
            _ => return None,
        })
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// What is wrong with a Lambda header value. Always the peer's fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum HeaderProblem {
    /// Longer than its capacity (see the `*_CAPACITY` constants).
    TooLong,
    /// Contains a byte outside printable ASCII.
    NotAscii,
    /// The field appears more than once.
    Repeated,
    /// `X-Amz-Log-Result` is not valid padded base64.
    InvalidBase64,
}

/// Why an `Invoke` response could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ReadError<E> {
    /// The HTTP response is malformed or cut short (or the reader was misused: see
    /// [`ResponseError::Misuse`]).
    Http(ResponseError),
    /// A Lambda header has a value this client cannot accept.
    Header {
        /// Which header.
        header: LambdaHeader,
        /// What is wrong with it.
        problem: HeaderProblem,
    },
    /// The payload sink refused a chunk (for [`BodyBuffer`]: the payload does not fit).
    Sink(E),
}

impl<E> ReadError<E> {
    /// Whether the peer caused this error (not the sink, not API misuse).
    pub fn is_peer_error(&self) -> bool {
        match self {
            ReadError::Http(e) => e.is_peer_error(),
            ReadError::Header { .. } => true,
            ReadError::Sink(_) => false,
        }
    }
}

impl<E> fmt::Display for ReadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Http(e) => fmt::Display::fmt(e, f),
            ReadError::Header { problem, .. } => f.write_str(match problem {
                HeaderProblem::TooLong => "Lambda header value too long",
                HeaderProblem::NotAscii => "Lambda header value not ASCII",
                HeaderProblem::Repeated => "Lambda header repeated",
                HeaderProblem::InvalidBase64 => "X-Amz-Log-Result is not valid base64",
            }),
            ReadError::Sink(_) => f.write_str("payload sink refused a chunk"),
        }
    }
}

impl<E: fmt::Debug + core::error::Error + 'static> core::error::Error for ReadError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ReadError::Http(e) => Some(e),
            ReadError::Sink(e) => Some(e),
            ReadError::Header { .. } => None,
        }
    }
}

/// Where the payload of a successful invocation goes, chunk by chunk.
///
/// Implemented for closures `FnMut(&[u8]) -> Result<(), E>`, for [`BodyBuffer`] (collect into a
/// caller buffer) and for [`Discard`].
pub trait PayloadSink {
    /// What the sink can fail with.
    type Error;

    /// Called once, before any chunk, with the payload length when the response announces it.
    fn begin(&mut self, length: Option<u64>) -> Result<(), Self::Error> {
        let _ = length;
        Ok(())
    }

    /// The next chunk of the payload (never empty).
    fn write(&mut self, chunk: &[u8]) -> Result<(), Self::Error>;
}

impl<F, E> PayloadSink for F
where
    F: FnMut(&[u8]) -> Result<(), E>,
{
    type Error = E;

    fn write(&mut self, chunk: &[u8]) -> Result<(), E> {
        self(chunk)
    }
}

impl PayloadSink for BodyBuffer<'_> {
    type Error = BufferTooSmall;

    /// Reports [`BufferTooSmall`] with the exact size before anything is written when the length
    /// is known.
    fn begin(&mut self, length: Option<u64>) -> Result<(), BufferTooSmall> {
        match length {
            Some(n) => BodyBuffer::begin(self, BodyFraming::ContentLength(n)),
            None => Ok(()),
        }
    }

    fn write(&mut self, chunk: &[u8]) -> Result<(), BufferTooSmall> {
        self.push(chunk)
    }
}

/// A sink that drops the payload.
#[derive(Clone, Copy, Debug, Default)]
pub struct Discard;

impl PayloadSink for Discard {
    type Error = Infallible;

    fn write(&mut self, _chunk: &[u8]) -> Result<(), Infallible> {
        Ok(())
    }
}

/// `X-Amz-Function-Error`: the function ran and failed; the payload describes the error.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FunctionError {
    /// `Handled`: the function returned an error.
    Handled,
    /// `Unhandled`: the runtime caught an error (an exception, a timeout, running out of memory).
    Unhandled,
    /// Any other value, kept as sent.
    Other(String<FUNCTION_ERROR_CAPACITY>),
}

impl FunctionError {
    /// The value as sent.
    pub fn as_str(&self) -> &str {
        match self {
            FunctionError::Handled => "Handled",
            FunctionError::Unhandled => "Unhandled",
            FunctionError::Other(s) => s.as_str(),
        }
    }
}

/// What became of `X-Amz-Log-Result`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LogResult {
    /// The log was decoded into the first `len` bytes of the caller's log buffer.
    Decoded {
        /// Length of the decoded log.
        len: usize,
    },
    /// The log buffer is too small: this many bytes are needed. The invocation itself succeeded
    /// (it already ran), so this is reported here rather than as an error.
    BufferTooSmall {
        /// The decoded length of the log.
        required: usize,
    },
}

/// Metadata every response may carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ResponseMeta {
    /// `x-amzn-RequestId`.
    pub request_id: Option<String<REQUEST_ID_CAPACITY>>,
    /// `Date`, raw (for clock-skew correction).
    pub date: Option<String<DATE_CAPACITY>>,
    /// `Retry-After`, raw (seconds, or an HTTP-date).
    pub retry_after: Option<String<DATE_CAPACITY>>,
    /// Whether the connection can carry another request.
    pub reusable: bool,
}

impl ResponseMeta {
    /// `Retry-After` as a number of seconds, when it is one.
    pub fn retry_after_seconds(&self) -> Option<u32> {
        let s = self.retry_after.as_ref()?;
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // By hand rather than `str::parse`: no `from_ascii_radix` in firmware.
        s.bytes().try_fold(0u32, |n, d| {
            n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
        })
    }
}

/// A 2xx `Invoke` response: the function ran (`200`), was queued (`202`, `Event`) or would have
/// been allowed to run (`204`, `DryRun`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InvokeSuccess {
    /// HTTP status (`StatusCode` in the API).
    pub status: u16,
    /// Set when the function failed; the payload then holds the error.
    pub function_error: Option<FunctionError>,
    /// The decoded tail of the log, when `LogType=Tail` was asked for.
    pub log_result: Option<LogResult>,
    /// The version that ran.
    pub executed_version: Option<String<EXECUTED_VERSION_CAPACITY>>,
    /// Bytes of payload written to the sink.
    pub payload_len: u64,
    /// Request id, date, connection reuse.
    pub meta: ResponseMeta,
}

/// The result of an `Invoke` call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(clippy::large_enum_variant)] // both are large; no heap to box into
pub enum InvokeOutcome {
    /// A 2xx response.
    Success(InvokeSuccess),
    /// Any other status: a service error.
    ServiceError(ServiceError),
}

impl InvokeOutcome {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            InvokeOutcome::Success(s) => s.status,
            InvokeOutcome::ServiceError(e) => e.status,
        }
    }

    /// The metadata.
    pub fn meta(&self) -> &ResponseMeta {
        match self {
            InvokeOutcome::Success(s) => &s.meta,
            InvokeOutcome::ServiceError(e) => &e.meta,
        }
    }
}

/// Result of one [`InvokeResponseReader::handle_input`] call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadProgress {
    /// Bytes of the input used: all of it unless `outcome` is set, in which case the rest belongs
    /// to the next response on the connection.
    pub consumed: usize,
    /// The result, once the response is complete.
    pub outcome: Option<InvokeOutcome>,
}

/// Incremental base64 decoder for `X-Amz-Log-Result` fragments: one character at a time through
/// a bit accumulator, so a quad split across fragments needs no carry buffer.
///
/// Strict standard padded base64 (as RFC 4648 §3.5 allows): no data after padding, padding only
/// in the last two places of a quad, no non-zero bits in the last character before it.
/// Hand-written rather than `base64ct`, whose decoder indexes sub-slices it is handed and keeps
/// bounds-check panic paths in firmware; a log is not secret, so constant time is not needed.
#[derive(Clone, Copy, Debug, Default)]
struct LogDecoder {
    /// Decoded bits not yet written out: the low `bits` bits count.
    acc: u32,
    bits: u8,
    /// Characters of the current quad seen (0 to 3).
    in_quad: u8,
    /// `=` characters seen.
    pad: u8,
    /// Bytes decoded. Each is written to the output at its position if it fits: what is written
    /// is the first `required.min(out.len())` bytes, all of them when none is past the end.
    required: usize,
}

impl LogDecoder {
    fn feed(&mut self, fragment: &[u8], out: &mut [u8]) -> Result<(), HeaderProblem> {
        if fragment.iter().all(|&c| self.push(c, out)) {
            Ok(())
        } else {
            Err(HeaderProblem::InvalidBase64)
        }
    }

    /// Takes the next character; `false` when it cannot be one here (the only problem is
    /// [`HeaderProblem::InvalidBase64`]: a flag comes back in a register, and every return site
    /// is one).
    // Out of line on firmware, where it is a smaller loop body; hosts keep it in `feed`'s loop.
    #[cfg_attr(target_os = "none", inline(never))]
    fn push(&mut self, c: u8, out: &mut [u8]) -> bool {
        let quad_pos = self.in_quad;
        self.in_quad = (quad_pos + 1) & 3;
        if c == b'=' {
            // `xy==` or `xyz=`: a first `=` in place 2 or 3 (the bits left over from the last
            // character must be zero), a second only in place 3 (so right after one in place 2;
            // no bits came since the first), a third never (there is no place 4).
            let leftover = self.acc & ((1u32 << self.bits) - 1);
            let ok = u32::from(quad_pos) >= u32::from(self.pad) + 2 && leftover == 0;
            self.pad = self.pad.saturating_add(1);
            return ok;
        }
        // Not after padding.
        let Some(value) = crate::encode::base64_value(c).filter(|_| self.pad == 0) else {
            return false;
        };
        self.acc = (self.acc << 6) | u32::from(value);
        self.bits += 6;
        if self.bits >= 8 {
            self.bits -= 8;
            // The cast keeps the byte just completed (the bits above it were written already).
            let byte = (self.acc >> self.bits) as u8;
            if let Some(slot) = out.get_mut(self.required) {
                *slot = byte;
            }
            self.required += 1;
        }
        true
    }

    /// The result once the value has ended, for an output of `capacity` bytes (the one fed).
    fn finish(&self, capacity: usize) -> Result<LogResult, HeaderProblem> {
        if self.in_quad != 0 {
            return Err(HeaderProblem::InvalidBase64);
        }
        Ok(if self.required > capacity {
            LogResult::BufferTooSmall {
                required: self.required,
            }
        } else {
            LogResult::Decoded { len: self.required }
        })
    }
}

/// Reads one `Invoke` response, fed in pieces of any size; see the [module docs](self).
///
/// `E` is the capacity of the error-body buffer ([`DEFAULT_ERROR_BODY_CAPACITY`]).
///
/// Call [`handle_input`](Self::handle_input) with each piece received until it returns an
/// outcome, or [`handle_eof`](Self::handle_eof) when the peer closes the connection first. The
/// reader never asks the caller to keep bytes: a call without an outcome has consumed all its
/// input.
#[derive(Debug)]
pub struct InvokeResponseReader<'b, const E: usize = DEFAULT_ERROR_BODY_CAPACITY> {
    parser: ResponseParser<'static>,
    log_buf: &'b mut [u8],
    log: LogDecoder,
    log_result: Option<LogResult>,
    seen: u8,
    function_error: String<FUNCTION_ERROR_CAPACITY>,
    executed_version: String<EXECUTED_VERSION_CAPACITY>,
    request_id: String<REQUEST_ID_CAPACITY>,
    date: String<DATE_CAPACITY>,
    retry_after: String<DATE_CAPACITY>,
    error_type: String<ERROR_CODE_CAPACITY>,
    /// The `:` of `x-amzn-ErrorType` has been seen: the rest of the value is not kept.
    error_type_cut: bool,
    /// The status of the head once read, 0 before (a head's status is at least 200). Only the
    /// status is kept: copying the whole head in and testing its `Option` later cost flash.
    status: u16,
    error_body: Vec<u8, E>,
    error_body_truncated: bool,
    payload_len: u64,
}

impl<'b> InvokeResponseReader<'b> {
    /// A reader that decodes `X-Amz-Log-Result` into `log_buf` ([`MAX_LOG_RESULT_BYTES`] always
    /// suffices; pass an empty slice when the log was not asked for), with the default
    /// error-body buffer and parser limits.
    pub fn new(log_buf: &'b mut [u8]) -> Self {
        Self::with_limits(log_buf, Limits::DEFAULT)
    }
}

impl<'b, const E: usize> InvokeResponseReader<'b, E> {
    /// A reader with other parser limits, or another error-body capacity:
    /// `InvokeResponseReader::<'_, 256>::with_limits(&mut log, Limits::DEFAULT)`.
    pub fn with_limits(log_buf: &'b mut [u8], limits: Limits) -> Self {
        Self {
            parser: ResponseParser::with_limits(&LambdaHeader::NAMES, limits),
            log_buf,
            log: LogDecoder::default(),
            log_result: None,
            seen: 0,
            function_error: String::new(),
            executed_version: String::new(),
            request_id: String::new(),
            date: String::new(),
            retry_after: String::new(),
            error_type: String::new(),
            error_type_cut: false,
            status: 0,
            error_body: Vec::new(),
            error_body_truncated: false,
            payload_len: 0,
        }
    }

    /// Forget the response read so far, to read the next one on the same connection (after an
    /// outcome with `meta.reusable`), keeping the log buffer and limits.
    ///
    /// Resets in place: a reader kept in a `static` (it is about 1.7 KiB) is reused without a
    /// new one being built on the stack.
    pub fn reset(&mut self) {
        self.parser.reset();
        self.log = LogDecoder::default();
        self.log_result = None;
        self.seen = 0;
        self.function_error.clear();
        self.executed_version.clear();
        self.request_id.clear();
        self.date.clear();
        self.retry_after.clear();
        self.error_type.clear();
        self.error_type_cut = false;
        self.status = 0;
        self.error_body.clear();
        self.error_body_truncated = false;
        self.payload_len = 0;
    }

    /// Feed the next piece of the response. Payload bytes of a 2xx response go to `sink` as they
    /// arrive; the outcome is returned with the call that completes the response.
    ///
    /// Returns the outcome (about 820 bytes) by value: on a small stack, prefer
    /// [`handle_input_into`](Self::handle_input_into), which builds it where the caller keeps it.
    pub fn handle_input<S: PayloadSink + ?Sized>(
        &mut self,
        input: &[u8],
        sink: &mut S,
    ) -> Result<ReadProgress, ReadError<S::Error>> {
        let mut outcome = None;
        let consumed = self.handle_input_into(input, sink, &mut outcome)?;
        Ok(ReadProgress { consumed, outcome })
    }

    /// [`handle_input`](Self::handle_input) that writes the outcome into `outcome` (only when the
    /// response completes; left as it is otherwise) instead of returning it, and returns the
    /// number of bytes of `input` used. The outcome is built in place: no copy of it is on the
    /// stack, which matters on a microcontroller.
    pub fn handle_input_into<S: PayloadSink + ?Sized>(
        &mut self,
        input: &[u8],
        sink: &mut S,
        outcome: &mut Option<InvokeOutcome>,
    ) -> Result<usize, ReadError<S::Error>> {
        #[cfg(not(target_os = "none"))]
        return self.pull_input_into(input, sink, outcome);
        #[cfg(target_os = "none")]
        return self.push_input_into(input, sink, outcome);
    }

    /// [`Self::handle_input_into`] on hosts: the parser's events, pulled one at a time (its
    /// host path reads a head with the scan, which the push path does not have).
    #[cfg(not(target_os = "none"))]
    fn pull_input_into<S: PayloadSink + ?Sized>(
        &mut self,
        input: &[u8],
        sink: &mut S,
        outcome: &mut Option<InvokeOutcome>,
    ) -> Result<usize, ReadError<S::Error>> {
        self.pull_input_with(input, sink, outcome, ResponseParser::handle_input)
    }

    /// [`Self::pull_input_into`] through `feed` (the tests also pull through the parser's
    /// byte path, firmware's, to compare the push path with).
    #[cfg(not(target_os = "none"))]
    #[inline(always)]
    fn pull_input_with<S: PayloadSink + ?Sized>(
        &mut self,
        input: &[u8],
        sink: &mut S,
        outcome: &mut Option<InvokeOutcome>,
        feed: impl for<'a> Fn(
            &mut ResponseParser<'static>,
            &'a [u8],
        ) -> Result<Progress<'a>, ResponseError>,
    ) -> Result<usize, ReadError<S::Error>> {
        let mut rest = input;
        let mut consumed = 0;
        loop {
            let progress = feed(&mut self.parser, rest).map_err(ReadError::Http)?;
            consumed += progress.consumed;
            rest = rest.get(progress.consumed..).unwrap_or_default();
            let Some(event) = progress.event else {
                return Ok(consumed);
            };
            if self.on_event(event, sink, outcome)? {
                return Ok(consumed);
            }
        }
    }

    /// [`Self::handle_input_into`] on firmware: what the parser finds comes as calls
    /// ([`ResponseParser::push_input`]) rather than as events returned and matched again, which
    /// is smaller there (footprint.sh). The same results, errors, `consumed` and reader state as
    /// the pull path reading heads a byte at a time, as firmware's parser does (the tests
    /// compare them).
    #[cfg(any(test, target_os = "none"))]
    fn push_input_into<S: PayloadSink + ?Sized>(
        &mut self,
        input: &[u8],
        sink: &mut S,
        outcome: &mut Option<InvokeOutcome>,
    ) -> Result<usize, ReadError<S::Error>> {
        let mut feed = Feed {
            reader: self,
            sink,
            outcome,
            sink_error: None,
            header_error: None,
        };
        match ResponseParser::push_input(&mut feed, input) {
            Some(consumed) => Ok(consumed),
            None => Err(match (feed.sink_error, feed.header_error) {
                (Some(e), _) => ReadError::Sink(e),
                (None, Some((header, problem))) => ReadError::Header { header, problem },
                (None, None) => ReadError::Http(self.parser.push_error()),
            }),
        }
    }

    /// The peer closed the connection: returns the outcome when that completes the response (a
    /// body delimited by the close), else the error saying what was cut short.
    pub fn handle_eof<S: PayloadSink + ?Sized>(
        &mut self,
        sink: &mut S,
    ) -> Result<InvokeOutcome, ReadError<S::Error>> {
        let mut outcome = None;
        self.handle_eof_into(sink, &mut outcome)?;
        outcome.ok_or(ReadError::Http(ResponseError::Misuse(
            crate::http::response::ApiMisuse::AfterEnd,
        )))
    }

    /// [`handle_eof`](Self::handle_eof) that writes the outcome into `outcome` instead of
    /// returning it (see [`handle_input_into`](Self::handle_input_into)).
    pub fn handle_eof_into<S: PayloadSink + ?Sized>(
        &mut self,
        sink: &mut S,
        outcome: &mut Option<InvokeOutcome>,
    ) -> Result<(), ReadError<S::Error>> {
        // (The sink has nothing to do: a close adds no payload.)
        let _ = sink;
        if self.parser.eof_ends().map_err(ReadError::Http)? {
            self.outcome_into(false, outcome);
            return Ok(());
        }
        Err(ReadError::Http(ResponseError::Misuse(
            crate::http::response::ApiMisuse::AfterEnd,
        )))
    }

    /// The decoded `X-Amz-Log-Result`, once its header has been read and if it fit.
    pub fn log_result(&self) -> Option<&[u8]> {
        match self.log_result? {
            LogResult::Decoded { len } => self.log_buf.get(..len),
            LogResult::BufferTooSmall { .. } => None,
        }
    }

    /// Handles one parser event; `true` once the response has ended, its outcome written into
    /// `outcome`: built there, in the caller's storage ([`Self::outcome_into`]), so that the
    /// large outcome is not returned through this function's (inlined) frame.
    #[cfg(not(target_os = "none"))]
    fn on_event<S: PayloadSink + ?Sized>(
        &mut self,
        event: Event<'_>,
        sink: &mut S,
        outcome: &mut Option<InvokeOutcome>,
    ) -> Result<bool, ReadError<S::Error>> {
        match event {
            Event::Header {
                index,
                fragment,
                first,
                last,
            } => {
                let Some(header) = LambdaHeader::at(index) else {
                    return Ok(false);
                };
                self.on_header(header, fragment, first, last)
                    .map_err(|problem| ReadError::Header { header, problem })?;
            }
            Event::Head(head) => self.on_head(head, sink).map_err(ReadError::Sink)?,
            Event::Body(chunk) => self.on_body(chunk, sink).map_err(ReadError::Sink)?,
            Event::End { reusable } => {
                self.outcome_into(reusable, outcome);
                return Ok(true);
            }
        }
        Ok(false)
    }

    #[inline(always)]
    fn on_head<S: PayloadSink + ?Sized>(
        &mut self,
        head: Head,
        sink: &mut S,
    ) -> Result<(), S::Error> {
        self.status = head.status;
        if is_success(head.status) {
            let length = match head.framing {
                BodyFraming::Empty => Some(0),
                BodyFraming::ContentLength(n) => Some(n),
                _ => None,
            };
            sink.begin(length)?;
        }
        Ok(())
    }

    #[inline(always)]
    fn on_body<S: PayloadSink + ?Sized>(
        &mut self,
        chunk: &[u8],
        sink: &mut S,
    ) -> Result<(), S::Error> {
        if is_success(self.status) {
            sink.write(chunk)?;
            self.payload_len += chunk.len() as u64;
        } else {
            #[cfg(not(target_os = "none"))]
            keep_error_body(&mut self.error_body, &mut self.error_body_truncated, chunk);
            #[cfg(target_os = "none")]
            keep_error_body_small(&mut self.error_body, &mut self.error_body_truncated, chunk);
        }
        Ok(())
    }

    fn on_header(
        &mut self,
        header: LambdaHeader,
        fragment: &[u8],
        first: bool,
        last: bool,
    ) -> Result<(), HeaderProblem> {
        if first {
            if self.seen & header.bit() != 0 {
                return Err(HeaderProblem::Repeated);
            }
            self.seen |= header.bit();
        }
        match header {
            LambdaHeader::LogResult => {
                self.log.feed(fragment, self.log_buf)?;
                if last {
                    self.log_result = Some(self.log.finish(self.log_buf.len())?);
                }
            }
            LambdaHeader::FunctionError => push_ascii(self.function_error.as_mut_view(), fragment)?,
            LambdaHeader::ExecutedVersion => {
                push_ascii(self.executed_version.as_mut_view(), fragment)?
            }
            LambdaHeader::RequestId => push_ascii(self.request_id.as_mut_view(), fragment)?,
            LambdaHeader::Date => push_ascii(self.date.as_mut_view(), fragment)?,
            LambdaHeader::RetryAfter => push_ascii(self.retry_after.as_mut_view(), fragment)?,
            LambdaHeader::ErrorType => {
                // `Code:http://internal.amazon.com/...`: only the part before ':' is kept, so a
                // long URL after it does not count against the capacity.
                if !self.error_type_cut {
                    let code = fragment.split(|&b| b == b':').next().unwrap_or_default();
                    self.error_type_cut = code.len() < fragment.len();
                    push_ascii(self.error_type.as_mut_view(), code)?;
                }
            }
        }
        Ok(())
    }

    /// Writes the outcome of the response just ended into `out`, field by field where it is
    /// kept: `out` starts as an outcome with nothing set, and the kept header values are copied
    /// into it ([`copy_kept`]; a function error that is not a known word is moved, the reader
    /// being done with it), so that no whole outcome is built on the stack and then moved. Not
    /// inlined: it runs once per response, and its temporaries stay out of the frame that feeds
    /// input.
    #[inline(never)]
    fn outcome_into(&mut self, reusable: bool, out: &mut Option<InvokeOutcome>) {
        let seen = self.seen;
        let has = |h: LambdaHeader| seen & h.bit() != 0;
        let status = self.status;
        let meta = if is_success(status) {
            let success = out.insert(InvokeOutcome::Success(InvokeSuccess {
                status,
                function_error: None,
                log_result: self.log_result,
                executed_version: None,
                payload_len: self.payload_len,
                meta: ResponseMeta::default(),
            }));
            let InvokeOutcome::Success(success) = success else {
                return;
            };
            if has(LambdaHeader::FunctionError) {
                // Set in place (a value built first and moved in is copied by `memcpy`), the
                // words looked up in the service errors' packed tables (no comparison with each
                // word, which `bytes_eq` made a call apiece).
                let error = success.function_error.insert(
                    match error::function_error_word(self.function_error.as_bytes()) {
                        Some(0) => FunctionError::Handled,
                        Some(_) => FunctionError::Unhandled,
                        None => FunctionError::Other(String::new()),
                    },
                );
                if let FunctionError::Other(other) = error {
                    // Cannot fail: both have capacity `FUNCTION_ERROR_CAPACITY`.
                    let _ = other.push_str(&self.function_error);
                }
            }
            if has(LambdaHeader::ExecutedVersion) {
                copy_kept(&mut success.executed_version, &self.executed_version);
            }
            &mut success.meta
        } else {
            let error = out.insert(InvokeOutcome::ServiceError(ServiceError::empty(status)));
            let InvokeOutcome::ServiceError(error) = error else {
                return;
            };
            // Without `x-amzn-ErrorType` the kept value is empty: no code, as the decoder takes
            // a missing one, so the two need not be told apart.
            error.decode(self.error_type.as_str(), &self.error_body);
            error.body_truncated = self.error_body_truncated;
            &mut error.meta
        };
        meta.reusable = reusable;
        if has(LambdaHeader::RequestId) {
            copy_kept(&mut meta.request_id, &self.request_id);
        }
        if has(LambdaHeader::Date) {
            copy_kept(&mut meta.date, &self.date);
        }
        if has(LambdaHeader::RetryAfter) {
            copy_kept(&mut meta.retry_after, &self.retry_after);
        }
    }
}

/// The reader as firmware's parser sees it ([`ResponseParser::push_input`]): each call does
/// what [`InvokeResponseReader::on_event`] does with the matching event; a refusal is kept in
/// `sink_error` or `header_error` (the push path returns a small `Option`, not a `Result` carrying
/// it, and the parser's own error comes from `ResponseParser::push_error`).
#[cfg(any(test, target_os = "none"))]
struct Feed<'r, 'b, S: PayloadSink + ?Sized, const E: usize> {
    reader: &'r mut InvokeResponseReader<'b, E>,
    sink: &'r mut S,
    outcome: &'r mut Option<InvokeOutcome>,
    // (Kept apart rather than as an `Option<ReadError<_>>`, whose room for a parser error
    // made this struct, on firmware's stack while a response is read, larger.)
    sink_error: Option<S::Error>,
    header_error: Option<(LambdaHeader, HeaderProblem)>,
}

#[cfg(any(test, target_os = "none"))]
impl<S: PayloadSink + ?Sized, const E: usize> Handler<'static> for Feed<'_, '_, S, E> {
    fn parser(&mut self) -> &mut ResponseParser<'static> {
        &mut self.reader.parser
    }

    fn header(&mut self, index: usize, fragment: &[u8], first: bool, last: bool) -> bool {
        let Some(header) = LambdaHeader::at(index) else {
            return true;
        };
        match self.reader.on_header(header, fragment, first, last) {
            Ok(()) => true,
            Err(problem) => {
                self.header_error = Some((header, problem));
                false
            }
        }
    }

    fn head(&mut self, head: Head) -> bool {
        match self.reader.on_head(head, self.sink) {
            Ok(()) => true,
            Err(e) => {
                self.sink_error = Some(e);
                false
            }
        }
    }

    fn body(&mut self, chunk: &[u8]) -> bool {
        match self.reader.on_body(chunk, self.sink) {
            Ok(()) => true,
            Err(e) => {
                self.sink_error = Some(e);
                false
            }
        }
    }

    fn end(&mut self, reusable: bool) {
        self.reader.outcome_into(reusable, self.outcome);
    }
}

/// Sets `slot` to a copy of the header value `kept`. Copies the value's bytes rather than moving
/// the string: a move copies the whole capacity, and through an aligned-copy routine that
/// firmware would link for this alone.
fn copy_kept<const N: usize>(slot: &mut Option<String<N>>, kept: &String<N>) {
    // Cannot fail: both have capacity `N`.
    let _ = slot.insert(String::new()).push_str(kept);
}

/// Appends to the kept error body what fits of `chunk`, and sets `cut` if some of it did not.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn keep_error_body<const E: usize>(body: &mut Vec<u8, E>, cut: &mut bool, chunk: &[u8]) {
    let room = E - body.len();
    let keep = chunk.get(..room).unwrap_or(chunk);
    // Cannot fail: `keep` fits in the remaining capacity.
    let _ = body.extend_from_slice(keep);
    *cut |= keep.len() < chunk.len();
}

/// [`keep_error_body`] on firmware: a byte at a time, which is smaller there (footprint.sh).
/// Hosts keep the slice copy: this loop measured 3 % more instructions there (callgrind, reading
/// the recorded responses). The tests compare the two.
#[cfg(any(test, target_os = "none"))]
#[inline(always)]
fn keep_error_body_small<const E: usize>(body: &mut Vec<u8, E>, cut: &mut bool, chunk: &[u8]) {
    for &b in chunk {
        *cut |= body.push(b).is_err();
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// Appends a header fragment that must be printable ASCII. Takes the capacity-erased view of the
/// string: one copy of this function for every capacity.
fn push_ascii(
    out: &mut heapless::string::StringView,
    fragment: &[u8],
) -> Result<(), HeaderProblem> {
    if !fragment
        .iter()
        .all(|b| (0x20..0x7f).contains(b) || *b == b'\t')
    {
        return Err(HeaderProblem::NotAscii);
    }
    if out.capacity() - out.len() < fragment.len() {
        return Err(HeaderProblem::TooLong);
    }
    // A character at a time, as the service-error decoder builds its strings: the bytes were
    // checked to be ASCII, so no UTF-8 validation (`core::str::from_utf8`, some 370 bytes of
    // flash linked for this alone) is needed to make them a `str`.
    for &b in fragment {
        // `& 0x7f` changes nothing (the byte is ASCII) but lets the compiler see a one-byte
        // character: nothing is encoded to UTF-8 here.
        out.push(char::from(b & 0x7f))
            .map_err(|_| HeaderProblem::TooLong)?;
    }
    Ok(())
}

/// Read a complete response held in memory: the end of `response` is taken as the peer closing
/// the connection. The payload is collected into `payload_buf` ([`BufferTooSmall`] when it does
/// not fit, reported before anything is written when the length is announced), the log into
/// `log_buf`.
///
/// Returns the outcome and the number of bytes of `response` it used.
pub fn read_complete(
    response: &[u8],
    log_buf: &mut [u8],
    payload_buf: &mut [u8],
) -> Result<(InvokeOutcome, usize), ReadError<BufferTooSmall>> {
    let mut reader = InvokeResponseReader::new(log_buf);
    let mut sink = BodyBuffer::new(payload_buf);
    let progress = reader.handle_input(response, &mut sink)?;
    match progress.outcome {
        Some(outcome) => Ok((outcome, progress.consumed)),
        None => Ok((reader.handle_eof(&mut sink)?, progress.consumed)),
    }
}

#[cfg(test)]
mod tests;

//! Incremental HTTP/1.1 response parser and body framing.
//!
//! [`ResponseParser`] turns the bytes of one HTTP/1.0 or HTTP/1.1 response, fed in pieces of any
//! size, into [`Event`]s: the values of the header fields the caller asked for, the [`Head`] (status,
//! framing, whether the connection can be reused), the body as slices borrowed from the input, and
//! the end of the message. It does no I/O, never allocates, never copies the body and never looks at
//! a byte twice: a byte it reports as consumed is gone, and when it asks for more input it has
//! consumed everything it was given, so the caller never has to keep unconsumed bytes around.
//!
//! ```text
//!   socket bytes ──► handle_input(&[u8]) ──► Progress { consumed, event }
//!   peer closed  ──► handle_eof()         ──► End, or an error saying what was cut short
//! ```
//!
//! # Call order
//!
//! 1. Call [`ResponseParser::handle_input`] with the bytes received.
//! 2. Drop `consumed` bytes from the front of the input and handle the event, if any.
//! 3. If there was an event, go to 1 with the rest of the input (possibly empty: an `End` may
//!    follow the `Head` or the last body bytes without any further input).
//!    If there was none, the parser has consumed all of the input and needs more: receive into the
//!    whole buffer again and go to 1.
//! 4. Stop at [`Event::End`]. Bytes after it (a pipelined next response) are never consumed.
//!    If the peer closes the connection first, call [`ResponseParser::handle_eof`].
//!
//! ```
//! use picolambda::http::response::{Event, ResponseParser};
//!
//! let mut parser = ResponseParser::new(&["x-amzn-requestid"]);
//! let mut input: &[u8] = b"HTTP/1.1 200 OK\r\nx-amzn-RequestId: r-1\r\nContent-Length: 2\r\n\r\nhi";
//! let mut body = [0u8; 2];
//! let mut filled = 0;
//! loop {
//!     let progress = parser.handle_input(input).unwrap();
//!     input = &input[progress.consumed..];
//!     match progress.event {
//!         None => break, // needs more input: all of `input` was consumed
//!         Some(Event::Header { fragment, .. }) => assert_eq!(fragment, b"r-1"),
//!         Some(Event::Head(head)) => assert_eq!(head.status, 200),
//!         Some(Event::Body(chunk)) => {
//!             body[filled..filled + chunk.len()].copy_from_slice(chunk);
//!             filled += chunk.len();
//!         }
//!         Some(Event::End { reusable }) => {
//!             assert!(reusable);
//!             break;
//!         }
//!         Some(_) => {}
//!     }
//! }
//! assert_eq!(&body, b"hi");
//! ```
//!
//! # Header values
//!
//! The parser stores no header line. Values of the fields named in the interest list given to
//! [`ResponseParser::new`] are reported as [`Event::Header`] fragments borrowed from the input
//! (one fragment when the line arrives whole), so a 5,464-character `X-Amz-Log-Result` passes
//! through a 256-byte receive buffer; every other field is checked and skipped. The framing fields
//! (`Content-Length`, `Transfer-Encoding`, `Connection`) are interpreted on the fly with a few bytes
//! of state. Leading and trailing whitespace (OWS) is removed from reported values; whitespace at the
//! end of an input is held back until the parser knows whether more of the value follows, which is
//! why a run of more than [`MAX_VALUE_WHITESPACE_RUN`] spaces or tabs inside a reported value is
//! rejected (whatever the split, so results never depend on how the input was cut).
//!
//! # Limits
//!
//! | limit | default | why |
//! |---|---|---|
//! | [`Limits::max_head_bytes`] | 8 KiB per head | a 4 KB `LogType=Tail` log is 5,464 base64 characters; with the ~400 bytes of the other Lambda headers and room for a proxy's additions that is ~6 KB. 8 KiB is also nginx's per-line limit (`large_client_header_buffers`); h11 allows 16 KiB, which Lambda never needs |
//! | [`Limits::max_headers`] | 64 per head | Lambda sends about 10 fields; 64 leaves room for proxies and CDNs |
//! | [`Limits::max_trailer_bytes`] | 4 KiB | trailers are read and discarded; the cap only stops a peer from streaming them forever |
//! | [`MAX_NAME_LEN`] | 64 bytes | interest names longer than this are never matched |
//! | [`MAX_VALUE_WHITESPACE_RUN`] | 64 bytes | see above |
//!
//! Each `1xx` interim response is skipped and has its own head limits.
//!
//! # No panics
//!
//! Nothing here panics, indexes out of bounds or loops without consuming input, whatever the peer
//! sends (the crate denies `unwrap`, `expect`, `panic` and slice indexing, and `fuzz/` exercises
//! this parser, [`ChunkedDecoder`] and the error decoder).

use core::fmt;

// ---------------------------------------------------------------------------------------------
// Limits and public types
// ---------------------------------------------------------------------------------------------

/// Default for [`Limits::max_head_bytes`]: 8 KiB, room for a 4 KB log tail (see the module docs).
pub const DEFAULT_MAX_HEAD_BYTES: u32 = 8 * 1024;
/// Default for [`Limits::max_headers`].
pub const DEFAULT_MAX_HEADERS: u16 = 64;
/// Default for [`Limits::max_trailer_bytes`].
pub const DEFAULT_MAX_TRAILER_BYTES: u32 = 4 * 1024;
/// Longest field name the parser can match against the interest list, in bytes.
///
/// A name split across inputs is copied into a buffer of this size to be compared; the same limit
/// applies to names that arrive whole, so the outcome never depends on the split.
pub const MAX_NAME_LEN: usize = 64;
/// Longest run of spaces and tabs allowed inside (or at the end of) a value of an interesting field.
///
/// Trailing whitespace at the end of an input is held back as a 64-bit mask until the parser sees
/// whether the value goes on; that mask is the reason for the limit.
pub const MAX_VALUE_WHITESPACE_RUN: usize = 64;

/// Size caps that bound how much a peer can make the parser read before it gives up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Limits {
    /// Largest response head, from the first byte of the status line to the blank line included.
    pub max_head_bytes: u32,
    /// Largest number of header field lines in one head.
    pub max_headers: u16,
    /// Largest chunked trailer section, in bytes.
    pub max_trailer_bytes: u32,
}

impl Limits {
    /// The defaults: 8 KiB heads, 64 fields, 4 KiB of trailers.
    pub const DEFAULT: Limits = Limits {
        max_head_bytes: DEFAULT_MAX_HEAD_BYTES,
        max_headers: DEFAULT_MAX_HEADERS,
        max_trailer_bytes: DEFAULT_MAX_TRAILER_BYTES,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// HTTP version of the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Version {
    /// `HTTP/1.0`: connections close after the response unless the peer says `keep-alive`.
    Http10,
    /// `HTTP/1.1` (higher minor versions are treated as 1.1, RFC 9110 §2.5).
    Http11,
}

/// How the end of the body is found (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BodyFraming {
    /// No body: status `1xx`, `204` or `304`.
    Empty,
    /// Exactly this many bytes follow the head.
    ContentLength(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Neither length nor chunked: the body ends when the peer closes the connection.
    UntilClose,
}

/// The head of the final (non-`1xx`) response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Head {
    /// Protocol version from the status line.
    pub version: Version,
    /// Status code (three digits, at least 200: `1xx` interim responses are skipped).
    pub status: u16,
    /// How the body is delimited.
    pub framing: BodyFraming,
    /// Whether the connection can carry another request after this response has been read in full:
    /// false for `Connection: close`, for HTTP/1.0 without `keep-alive` and for
    /// [`BodyFraming::UntilClose`].
    pub reusable: bool,
}

/// Something the parser found, returned by [`ResponseParser::handle_input`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Event<'a> {
    /// Part of the value of an interesting header field (OWS trimmed).
    ///
    /// Every interesting field of the final response yields one or more of these, in order: the
    /// first with `first: true`, the last with `last: true` (a value that arrives whole is one
    /// event with both set; an empty value is one empty fragment). Concatenate the fragments to get
    /// the value. Fields of `1xx` responses are not reported.
    Header {
        /// Position of the field's name in the interest list.
        index: usize,
        /// The bytes of the value in this piece of input (or held-back whitespace).
        fragment: &'a [u8],
        /// This is the first fragment of this field line.
        first: bool,
        /// This is the last fragment of this field line.
        last: bool,
    },
    /// The head of the final response is complete; the body (if any) follows.
    Head(Head),
    /// Bytes of the body (chunked framing removed), borrowed from the input. Never empty.
    Body(&'a [u8]),
    /// The response is complete; no byte after it was consumed.
    End {
        /// Whether the connection can be reused for another request.
        reusable: bool,
    },
}

/// What the push path ([`ResponseParser::push_input`]) calls with what it finds: the
/// [`Event`]s, one method each. A method returning `false` stops the parser (the handler keeps
/// why).
#[cfg(any(test, target_os = "none"))]
pub(crate) trait Handler<'h> {
    /// The parser being driven (which the handler owns).
    fn parser(&mut self) -> &mut ResponseParser<'h>;
    /// [`Event::Header`].
    fn header(&mut self, index: usize, fragment: &[u8], first: bool, last: bool) -> bool;
    /// [`Event::Head`].
    fn head(&mut self, head: Head) -> bool;
    /// [`Event::Body`].
    fn body(&mut self, chunk: &[u8]) -> bool;
    /// [`Event::End`]: the last call for this response.
    fn end(&mut self, reusable: bool);
}

/// Result of one [`ResponseParser::handle_input`] call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Progress<'a> {
    /// Bytes of the input the parser is done with. Equal to the input length when `event` is
    /// `None`.
    pub consumed: usize,
    /// What was found, if anything. `None` means: feed more input.
    pub event: Option<Event<'a>>,
}

/// Why the response could not be parsed.
///
/// All variants but [`ResponseError::Misuse`] mean the peer sent bytes that are not a valid HTTP
/// response (or closed the connection early); the connection must then be closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ResponseError {
    /// The status line is not `HTTP/1.x SP 3DIGIT [SP reason] CRLF`.
    InvalidStatusLine,
    /// The status line names a protocol other than HTTP/1.x.
    UnsupportedVersion,
    /// `101 Switching Protocols`: this client never asks to upgrade.
    UnexpectedUpgrade,
    /// A field name is empty, contains a non-token byte, or is followed by whitespace before `:`.
    InvalidHeaderName,
    /// A field value contains a control character (other than HTAB) or DEL.
    InvalidHeaderValue,
    /// A field line starts with whitespace: obsolete line folding (RFC 9112 §5.2), not accepted.
    ObsoleteLineFolding,
    /// A CR not followed by LF.
    InvalidLineEnding,
    /// A value the caller asked for has a run of more than [`MAX_VALUE_WHITESPACE_RUN`] spaces/tabs.
    WhitespaceRunTooLong,
    /// The head is larger than [`Limits::max_head_bytes`].
    HeadTooLarge,
    /// The head has more field lines than [`Limits::max_headers`].
    TooManyHeaders,
    /// `Content-Length` is not a decimal number that fits in 64 bits.
    InvalidContentLength,
    /// Two `Content-Length` values differ.
    ConflictingContentLength,
    /// Both `Content-Length` and `Transfer-Encoding` are present.
    ContentLengthWithTransferEncoding,
    /// `Transfer-Encoding` is anything but a single `chunked` (this client decodes no other coding).
    UnsupportedTransferCoding,
    /// A chunk-size line is not `1*HEXDIG [chunk-ext] CRLF`.
    InvalidChunkSize,
    /// A chunk size does not fit in 64 bits.
    ChunkSizeOverflow,
    /// Chunk data is not followed by CRLF.
    InvalidChunkTerminator,
    /// A trailer line is malformed.
    InvalidTrailer,
    /// The trailer section is larger than [`Limits::max_trailer_bytes`].
    TrailersTooLarge,
    /// The peer closed the connection before sending any byte of a response.
    ///
    /// On a reused connection this usually means the peer had already closed it: the request can
    /// be retried on a new connection.
    ClosedBeforeResponse,
    /// The peer closed the connection in the middle of the head.
    ClosedInHead,
    /// The peer closed the connection before the end of the body.
    IncompleteBody {
        /// Body bytes received (after chunked decoding).
        received: u64,
        /// The `Content-Length`, when there was one.
        expected: Option<u64>,
    },
    /// The caller used the parser wrongly; the peer is not at fault.
    Misuse(ApiMisuse),
}

/// Ways the caller can misuse the parser. Never caused by anything the peer sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ApiMisuse {
    /// Input was passed after [`Event::End`] (it belongs to the next response: call
    /// [`ResponseParser::reset`] first), or the end of input was reported after the outcome.
    AfterEnd,
}

impl ResponseError {
    /// Whether the peer caused this error (as opposed to [`ResponseError::Misuse`]).
    pub fn is_peer_error(&self) -> bool {
        !matches!(self, ResponseError::Misuse(_))
    }

    fn as_str(&self) -> &'static str {
        match self {
            Self::InvalidStatusLine => "invalid status line",
            Self::UnsupportedVersion => "unsupported HTTP version",
            Self::UnexpectedUpgrade => "unexpected 101 Switching Protocols",
            Self::InvalidHeaderName => "invalid header field name",
            Self::InvalidHeaderValue => "invalid byte in header field value",
            Self::ObsoleteLineFolding => "obsolete line folding in header",
            Self::InvalidLineEnding => "CR not followed by LF",
            Self::WhitespaceRunTooLong => "whitespace run in header value too long",
            Self::HeadTooLarge => "response head too large",
            Self::TooManyHeaders => "too many header fields",
            Self::InvalidContentLength => "invalid Content-Length",
            Self::ConflictingContentLength => "conflicting Content-Length values",
            Self::ContentLengthWithTransferEncoding => {
                "both Content-Length and Transfer-Encoding present"
            }
            Self::UnsupportedTransferCoding => "unsupported Transfer-Encoding",
            Self::InvalidChunkSize => "invalid chunk size line",
            Self::ChunkSizeOverflow => "chunk size overflows 64 bits",
            Self::InvalidChunkTerminator => "chunk data not followed by CRLF",
            Self::InvalidTrailer => "invalid trailer field line",
            Self::TrailersTooLarge => "trailer section too large",
            Self::ClosedBeforeResponse => "connection closed before the response",
            Self::ClosedInHead => "connection closed in the response head",
            Self::IncompleteBody { .. } => "connection closed before the end of the body",
            Self::Misuse(ApiMisuse::AfterEnd) => "API misuse: called after the end of the response",
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for ResponseError {}

impl fmt::Display for ApiMisuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ApiMisuse::AfterEnd => "called after the end of the response",
        })
    }
}

impl core::error::Error for ApiMisuse {}

// ---------------------------------------------------------------------------------------------
// Byte classes
// ---------------------------------------------------------------------------------------------

const SP: u8 = b' ';
const HTAB: u8 = b'\t';
const CR: u8 = b'\r';
const LF: u8 = b'\n';

/// Held-back whitespace is replayed from here, a byte an event, when it turns out to be inside a
/// value. (Rare enough, at an input boundary inside a value, that runs of it need no tables.)
static WHITESPACE: [u8; 2] = [SP, HTAB];

/// [`tchar_by_rule`] for every byte: one load per byte on hosts.
// Indexing runs in const evaluation only, where going out of bounds is a compile error.
#[allow(clippy::indexing_slicing)]
#[cfg(not(target_os = "none"))]
static TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = tchar_by_rule(i as u8);
        i += 1;
    }
    t
};

/// `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
///         / DIGIT / ALPHA` (RFC 9110 §5.6.2): what `TCHAR` is built from on hosts, and the
/// 16-byte bitmap bare-metal targets link instead of that 256-byte table.
const fn tchar_by_rule(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

// The scanning helpers below are the host ones (see `small` for the bare-metal ones), inlined by
// force: they are the hot loops of a head, and inlining them measured faster.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn is_tchar(b: u8) -> bool {
    TCHAR.get(usize::from(b)).copied().unwrap_or(false)
}

/// Length of the run of tchars at the start of `s`. Eight bytes are checked per branch (their
/// table entries ANDed together): field names are the other long walk in a head, and a branch per
/// byte doubled its cost. (A search for ':' 8 bytes at a time followed by a table check of the
/// name measured slower: the table check dominates either way.)
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn tchar_run(s: &[u8]) -> usize {
    let mut done = 0;
    for word in s.chunks_exact(8) {
        if !word.iter().fold(true, |all, &b| all & is_tchar(b)) {
            break;
        }
        done += 8;
    }
    s.get(done..)
        .and_then(|rest| rest.iter().position(|&b| !is_tchar(b)))
        .map_or(s.len(), |i| done + i)
}

/// A byte that stops a value scan: below `limit` (0x20, or 0x21 to stop at spaces too), or DEL.
/// What every value and reason scan looks for (`find_special` and its kin). Written with `|`,
/// not `||`: no branch, so block scans compile to vector compares.
#[inline(always)]
const fn is_special(b: u8, limit: u8) -> bool {
    b < limit || b == 0x7f
}

#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn is_ws(b: u8) -> bool {
    b == SP || b == HTAB
}

/// The scanning primitives as firmware builds them (`target_os = "none"`, optimised for size):
/// a byte at a time, no 256-byte lookup table, no 64-bit words. The host ones (word-at-a-time,
/// table lookups, forced inlining) are several times faster on long heads and about 1 KB
/// larger. The tests check each pair against each other on every input they generate, so the
/// parser behaves the same on both.
#[cfg(any(test, target_os = "none"))]
mod small {
    #[cfg(test)]
    use super::is_special;
    use super::tchar_by_rule;

    /// [`super::is_tchar`].
    pub(super) fn is_tchar(b: u8) -> bool {
        TCHAR_BITS
            .get(usize::from(b >> 3))
            .is_some_and(|w| w >> (b & 7) & 1 != 0)
    }

    /// Bit `b % 8` of byte `b / 8` is [`tchar_by_rule`] of `b`, for the ASCII bytes (no other
    /// byte is a tchar): 16 bytes of flash smaller than the rule's tests in code (footprint.sh).
    // Indexing runs in const evaluation only, where going out of bounds is a compile error.
    #[allow(clippy::indexing_slicing)]
    static TCHAR_BITS: [u8; 16] = {
        let mut t = [0; 16];
        let mut b = 0;
        while b < 128 {
            if tchar_by_rule(b as u8) {
                t[b / 8] |= 1 << (b % 8);
            }
            b += 1;
        }
        t
    };

    /// [`super::tchar_run`].
    #[cfg(test)]
    pub(super) fn tchar_run(s: &[u8]) -> usize {
        s.iter().position(|&b| !is_tchar(b)).unwrap_or(s.len())
    }

    /// [`super::find_special`].
    #[cfg(test)]
    pub(super) fn find_special(s: &[u8], limit: u8) -> usize {
        s.iter()
            .position(|&b| is_special(b, limit))
            .unwrap_or(s.len())
    }

    /// [`super::same_name`].
    pub(super) fn same_name(a: &[u8], b: &[u8]) -> bool {
        a.eq_ignore_ascii_case(b)
    }
}

#[cfg(target_os = "none")]
use small::{is_tchar, same_name};

/// [`length_bit`] of each framing field name (`connection`, `content-length`,
/// `transfer-encoding`), as [`ResponseParser::interest_lengths`] for the interest list.
#[cfg(not(target_os = "none"))]
const FRAMING_NAME_LENGTHS: u32 = 1 << 10 | 1 << 14 | 1 << 17;

/// The bit of a name of `n` bytes in a length mask: bit `n % 32`, or none past [`MAX_NAME_LEN`].
/// A mask only rejects names quickly (names whose bit is set are then compared), so lengths that
/// share a bit are harmless; 32 bits keep the test free of 64-bit shifts, which are library calls
/// on a 32-bit microcontroller. (Hosts only: the byte path, all of firmware's, compares every
/// name; see [`ResponseParser::classify_unmasked`].)
#[cfg(not(target_os = "none"))]
fn length_bit(n: usize) -> u32 {
    if n > MAX_NAME_LEN {
        return 0;
    }
    1 << (n % 32)
}

#[cfg(not(target_os = "none"))]
const ONES: u64 = 0x0101_0101_0101_0101;
#[cfg(not(target_os = "none"))]
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Up to 8 bytes as a little-endian word (first byte lowest), padded with `pad`.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn load8(bytes: &[u8], pad: u8) -> u64 {
    if let Some(word) = bytes.first_chunk::<8>() {
        // A single load; a `copy_from_slice` of variable length would be a call to `memcpy`.
        return u64::from_le_bytes(*word);
    }
    let mut word = ONES * u64::from(pad);
    for (i, &b) in bytes.iter().enumerate() {
        let shift = 8 * i as u32;
        word = (word & !(0xff << shift)) | (u64::from(b) << shift);
    }
    word
}

/// High bit set in each byte of `x` that is below `limit` (at most 128) or is DEL.
///
/// "Determine if a word has a byte less than n" (Bit Twiddling Hacks): a flag can also appear
/// above a true one (the borrow travels up), never below it, so the lowest flag is exact.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn special_mask(x: u64, limit: u8) -> u64 {
    let below = x.wrapping_sub(ONES * u64::from(limit)) & !x;
    let del = x ^ (ONES * 0x7f);
    let is_del = del.wrapping_sub(ONES) & !del;
    (below | is_del) & HIGHS
}

/// Index of the first byte below `limit` or equal to DEL, or `s.len()`.
///
/// `field-vchar = VCHAR / obs-text` and `obs-text = %x80-FF` (RFC 9110 §5.5): with `limit = 0x20`
/// this stops at CR, LF, HTAB and the other controls; with `0x21` also at SP. The 16-byte blocks are
/// OR-reduced without branches so the compiler turns them into vector compares: this loop is where a
/// 5,464-character log value is walked, and a per-byte state dispatch would cost several times more.
/// The block with the stop (and short values: most are under 16 bytes) go 8 bytes at a time as a
/// `u64`, the position of the stop taken from the mask, so no byte is looked at one by one.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn find_special(s: &[u8], limit: u8) -> usize {
    let mut done = 0;
    for block in s.chunks_exact(16) {
        if block
            .first_chunk::<16>()
            .is_some_and(|b| block_has_special(b, limit))
        {
            break;
        }
        done += 16;
    }
    while let Some(rest) = s.get(done..).filter(|r| !r.is_empty()) {
        // Padding with 'A' adds no stop.
        let mask = special_mask(load8(rest, b'A'), limit);
        if mask != 0 {
            return done + (mask.trailing_zeros() / 8) as usize;
        }
        done += 8;
    }
    s.len()
}

/// Whether a 16-byte block has a byte below `limit` or DEL (compiled to a few vector compares).
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn block_has_special(block: &[u8; 16], limit: u8) -> bool {
    let mut hit = false;
    for &b in block {
        hit |= is_special(b, limit);
    }
    hit
}

/// `find_special(s, limit) == s.len()`, for the fast path of a call, which only needs to know
/// that all of its input lies inside a value. The last partial block is checked as the last 16
/// bytes (overlapping the block before) and inputs under 16 bytes a byte at a time: the 8-byte
/// words of [`find_special`] need four 64-bit constants, which held registers across the
/// caller's whole receive loop and made it spill, and made a 16-byte piece cost twice as much.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn all_value_bytes(s: &[u8], limit: u8) -> bool {
    let Some(last) = s.last_chunk::<16>() else {
        return !s.iter().any(|&b| is_special(b, limit));
    };
    let mut blocks = s.chunks_exact(16);
    for block in &mut blocks {
        if block
            .first_chunk::<16>()
            .is_some_and(|b| block_has_special(b, limit))
        {
            return false;
        }
    }
    blocks.remainder().is_empty() || !block_has_special(last, limit)
}

/// Each ASCII upper-case letter of `x` made lower case; every other byte unchanged.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn lower8(x: u64) -> u64 {
    let low7 = x & !HIGHS;
    // No carry leaves a byte: low7 + 0x3f and low7 + 0x25 stay below 0x100.
    let from_a = low7 + ONES * (0x80 - u64::from(b'A'));
    let past_z = low7 + ONES * (0x80 - u64::from(b'Z') - 1);
    let upper = from_a & !past_z & !x & HIGHS;
    x | (upper >> 2)
}

// ---------------------------------------------------------------------------------------------
// Small value parsers for the framing fields
// ---------------------------------------------------------------------------------------------

/// A token of a `#token` list (`Connection`, `Transfer-Encoding`), matched without storing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Chunked,
    Close,
    KeepAlive,
    Other,
}

/// Splits a comma-separated list into tokens across input pieces, keeping at most 16 bytes (hosts:
/// a copy per byte and one comparison per token is the fastest; firmware uses
/// [`TokenMatcher`], which stores nothing).
///
/// `#element => [ element ] *( OWS "," OWS [ element ] )` (RFC 9110 §5.6.1; empty elements are
/// accepted as that section requires). Tokens longer than the buffer cannot be one we know.
#[cfg(not(target_os = "none"))]
#[derive(Clone, Copy, Debug)]
struct TokenLexer {
    buf: [u8; 16],
    len: u8,
    long: bool,
}

#[cfg(not(target_os = "none"))]
impl TokenLexer {
    const EMPTY: TokenLexer = TokenLexer {
        buf: [0; 16],
        len: 0,
        long: false,
    };

    fn feed(&mut self, bytes: &[u8], mut on_token: impl FnMut(Token)) {
        for &b in bytes {
            if b == b',' || is_ws(b) {
                if let Some(t) = self.take() {
                    on_token(t);
                }
            } else if let Some(slot) = self.buf.get_mut(usize::from(self.len)) {
                *slot = b;
                self.len += 1;
            } else {
                self.long = true;
            }
        }
    }

    fn take(&mut self) -> Option<Token> {
        let word = self.buf.get(..usize::from(self.len)).unwrap_or_default();
        let token = if self.long {
            Some(Token::Other)
        } else if word.is_empty() {
            None
        } else if word.eq_ignore_ascii_case(b"chunked") {
            Some(Token::Chunked)
        } else if word.eq_ignore_ascii_case(b"close") {
            Some(Token::Close)
        } else if word.eq_ignore_ascii_case(b"keep-alive") {
            Some(Token::KeepAlive)
        } else {
            Some(Token::Other)
        };
        *self = Self::EMPTY;
        token
    }
}

/// [`TokenLexer`] for firmware: matches each token against the tokens we know as its bytes
/// arrive, so nothing of it is stored (smaller state and code; slower on a host). The tests run
/// both.
///
/// `#element => [ element ] *( OWS "," OWS [ element ] )` (RFC 9110 §5.6.1; empty elements are
/// accepted as that section requires).
#[cfg(any(test, target_os = "none"))]
#[derive(Clone, Copy, Debug)]
struct TokenMatcher {
    /// Bytes of the current token so far (saturating: no known token is that long).
    len: u8,
    /// Bit `i` is set once the token so far is not a prefix of row `i` of [`KNOWN_TOKENS`],
    /// ignoring case. (Bits for mismatches, not matches, so that an empty lexer is all zeros:
    /// states that contain one are then cleared rather than copied from flash.)
    dead: u8,
}

/// The tokens [`TokenMatcher`] recognises, lower case, in [`Token`] order: one row of
/// [`TOKEN_ROW`] bytes each, padded with commas. A comma is never compared (`feed` splits
/// there), so the padding matches no byte of a token, and a token is row `i` exactly when it
/// is a prefix of it followed by a comma. One flat table rather than a list of slices: 52
/// bytes smaller on firmware (footprint.sh).
#[cfg(any(test, target_os = "none"))]
static KNOWN_TOKENS: [u8; 3 * TOKEN_ROW] = *b"chunked,,,,close,,,,,,keep-alive,";

/// Bytes per row of [`KNOWN_TOKENS`]: the longest token and a comma.
#[cfg(any(test, target_os = "none"))]
const TOKEN_ROW: usize = 11;

#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
impl TokenMatcher {
    const EMPTY: TokenMatcher = TokenMatcher { len: 0, dead: 0 };

    fn feed(&mut self, bytes: &[u8], mut on_token: impl FnMut(Token)) {
        for &b in bytes {
            if b == b',' || is_ws(b) {
                if let Some(t) = self.take() {
                    on_token(t);
                }
                continue;
            }
            let at = usize::from(self.len);
            let lower = b.to_ascii_lowercase();
            for i in 0..3 {
                // (Past a row's end, `at` reads the next row or nothing: by then every bit is
                // set, at the comma that ends each row.)
                if KNOWN_TOKENS.get(i * TOKEN_ROW + at) != Some(&lower) {
                    self.dead |= 1 << i;
                }
            }
            self.len = self.len.saturating_add(1);
        }
    }

    fn take(&mut self) -> Option<Token> {
        let (len, alive) = (usize::from(self.len), !self.dead);
        *self = Self::EMPTY;
        if len == 0 {
            return None;
        }
        // The first row still alive: no known token is a prefix of another, so no other row
        // can match. (None alive: `i` is 3 or more, past the table.)
        let i = alive.trailing_zeros() as usize;
        Some(match KNOWN_TOKENS.get(i * TOKEN_ROW + len) {
            Some(b',') => match i {
                0 => Token::Chunked,
                1 => Token::Close,
                _ => Token::KeepAlive,
            },
            _ => Token::Other,
        })
    }
}

#[cfg(target_os = "none")]
use TokenMatcher as TokenLexer;

/// `Content-Length = 1*DIGIT` (RFC 9110 §8.6), accepting a list of identical values as that
/// section allows ("5, 5"), and comparing with earlier `Content-Length` lines.
#[derive(Clone, Copy, Debug)]
struct LengthLexer {
    value: u64,
    phase: LengthPhase,
}

/// Where in an element of a `Content-Length` list a [`LengthLexer`] is: one state rather than
/// two flags (24 bytes smaller on firmware, footprint.sh).
#[derive(Clone, Copy, Debug)]
enum LengthPhase {
    /// No digit yet (whitespace may come first).
    Start,
    /// In the digits.
    Digits,
    /// In whitespace after the digits: no more may come.
    After,
}

impl LengthLexer {
    const EMPTY: LengthLexer = LengthLexer {
        value: 0,
        phase: LengthPhase::Start,
    };

    fn feed(&mut self, bytes: &[u8], seen: &mut Option<u64>) -> Result<(), ResponseError> {
        for &b in bytes {
            match b {
                b'0'..=b'9' if !matches!(self.phase, LengthPhase::After) => {
                    self.value = self
                        .value
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(u64::from(b - b'0')))
                        .ok_or(ResponseError::InvalidContentLength)?;
                    self.phase = LengthPhase::Digits;
                }
                SP | HTAB => {
                    if matches!(self.phase, LengthPhase::Digits) {
                        self.phase = LengthPhase::After;
                    }
                }
                b',' => self.finish(seen)?,
                _ => return Err(ResponseError::InvalidContentLength),
            }
        }
        Ok(())
    }

    // Inlined at both call sites (firmware has one: its byte path ends a value with a comma):
    // on firmware the copies are smaller than the call and the error plumbing it needs
    // (measured with footprint.sh).
    #[inline(always)]
    fn finish(&mut self, seen: &mut Option<u64>) -> Result<(), ResponseError> {
        if matches!(self.phase, LengthPhase::Start) {
            return Err(ResponseError::InvalidContentLength);
        }
        match *seen {
            Some(v) if v != self.value => return Err(ResponseError::ConflictingContentLength),
            _ => *seen = Some(self.value),
        }
        *self = Self::EMPTY;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/// What a field line is to the parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Other,
    ContentLength,
    TransferEncoding,
    Connection,
    /// Index into the interest list. A `u8` keeps the head state to a few bytes that are copied
    /// in and out of the parser on every call (a `usize` here made that copy cost more than the
    /// 16 bytes of input it was processing): so only the first 256 names can match.
    Interest(u8),
}

/// Where in the head the parser is. Each names what the next byte must be or belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HeadPos {
    /// `HTTP-version = HTTP-name "/" DIGIT "." DIGIT`, `HTTP-name = %s"HTTP"`: bytes matched so far.
    Version(u8),
    /// The SP after the version.
    VersionSp,
    /// `status-code = 3DIGIT`: digits so far.
    Code(u8),
    /// SP before the reason phrase, or the end of the line (some servers omit an empty reason).
    AfterCode,
    /// `reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )`, ignored (RFC 9112 §4).
    Reason,
    /// The LF ending the status line.
    StatusLf,
    /// The first byte of a field line, or the CRLF ending the head.
    LineStart,
    /// `field-name = token`, up to the ':' (no whitespace allowed before it, RFC 9112 §5.1).
    Name,
    /// `OWS` before the value.
    ValueStart(Field),
    /// `field-value = *field-content`, up to CR or LF; trailing OWS trimmed.
    Value(Field),
    /// The LF after a value's CR.
    ValueLf,
    /// The LF of the blank line ending the head.
    HeadLf,
}

/// How the body is being read.
#[derive(Clone, Copy, Debug)]
enum BodyState {
    Length { remaining: u64, total: u64 },
    Chunked(ChunkedDecoder),
    UntilClose,
}

/// The parser's states, named for what they wait for. Everything that decides a transition lives in
/// this file.
#[derive(Clone, Copy, Debug)]
enum State {
    /// Waiting for body bytes (or the end of the body).
    ReadingBody(BodyState),
    /// Waiting for (the rest of) a response head; where in it is `ResponseParser::head_pos`.
    AwaitingHead,
    /// The response has been read in full.
    Done,
    /// A peer error was found; it is returned again by every later call.
    Failed(ResponseError),
}

/// What the next [`ResponseParser::handle_input`] can do without the general path, kept beside
/// [`State`] (which it summarises) so that the per-call fast path dispatches on one byte rather
/// than on the nested state and the held-back whitespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Firmware keeps no summary (see `ResponseParser::set_resume`): most variants are host-only.
#[cfg_attr(target_os = "none", allow(dead_code))]
enum Resume {
    /// Not in a head (reading the body, done or failed).
    General,
    /// In a head, anywhere not named below.
    Head,
    /// At the first byte of a head (its status line).
    StatusLine,
    /// At the first byte of a field line (or of the blank line ending the head).
    LineStart,
    /// In the value of a field that is neither interesting nor a framing field.
    PlainValue,
    /// In the value of interesting field `n` (an index into the interest list), no whitespace
    /// held back.
    InterestValue(u8),
}

/// What the `Transfer-Encoding` lines of a head list, as far as the framing cares: the one
/// list this client decodes is a single `chunked` (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug)]
enum Codings {
    /// No `Transfer-Encoding` line.
    Absent,
    /// `Transfer-Encoding` lines with no coding in them so far.
    Empty,
    /// One coding so far, `chunked`.
    Chunked,
    /// Another coding, or more than one.
    Unsupported,
}

/// What the head has said so far about the response being read.
#[derive(Clone, Copy, Debug)]
struct HeadAcc {
    /// Bytes the head may still take before it is too large: counted down rather than counting
    /// bytes up, so a call need not subtract from the limit to know how far it may look.
    room: u32,
    headers: u16,
    version: Version,
    status: u16,
    content_length: Option<u64>,
    codings: Codings,
    close: bool,
    keep_alive: bool,
}

impl HeadAcc {
    /// Nothing read yet of a head that may take `room` bytes.
    const fn fresh(room: u32) -> HeadAcc {
        HeadAcc {
            room,
            headers: 0,
            version: Version::Http11,
            status: 0,
            content_length: None,
            codings: Codings::Absent,
            close: false,
            keep_alive: false,
        }
    }

    fn interim(&self) -> bool {
        self.status < 200
    }
}

/// State of the field line being read.
///
/// Laid out so that starting one writes a few bytes: the name is a `heapless::Vec` (only its
/// length is set; the bytes past it are never read) and what a value needs between inputs (its
/// lexer, [`ValueAcc`], or held-back whitespace) is set when the value begins. Zero-filled,
/// the 100 bytes were a call to a clearing routine that firmware linked for this alone
/// (footprint.sh).
#[derive(Clone, Debug)]
struct LineAcc {
    /// The name when it was split across inputs (copied so it can be compared at the ':').
    name: NameBuf,
    name_long: bool,
    /// An event for this value has been returned.
    started: bool,
    /// Length of the current run of spaces/tabs in an interesting value.
    ws_run: u8,
    /// Whitespace recorded in `tabs`, at most 64 bytes: `-n` for `n` bytes from earlier inputs
    /// not yet reported (held back), `n` for the run of `n` at the end of what this input has
    /// given of the value so far (byte path), which is held back if the input ends there. (One
    /// signed count rather than two: a field more made firmware build the line state on the
    /// stack and copy it in through `memcpy`.)
    held: i8,
    /// Which of the `held` bytes are tabs, a bit each, bit 0 first (so the next one's bit is
    /// bit `|held|`). The bits past those are left from earlier runs: cleared when a run is
    /// first recorded ([`hold_ws`]) rather than whenever the count drops to 0.
    tabs: u64,
    value: ValueAcc,
}

/// A field name being read, up to [`MAX_NAME_LEN`] bytes: hosts' form, a plain array (faster
/// to fill than a `heapless::Vec`: the scan copies names in pieces). Firmware uses [`NameVec`].
#[cfg(not(target_os = "none"))]
#[derive(Clone, Debug)]
struct NameBuf {
    bytes: [u8; MAX_NAME_LEN],
    len: u8,
}

#[cfg(not(target_os = "none"))]
impl NameBuf {
    fn new() -> NameBuf {
        NameBuf {
            bytes: [0; MAX_NAME_LEN],
            len: 0,
        }
    }

    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// Appends `b` if it fits; returns whether it did.
    fn push(&mut self, b: u8) -> bool {
        self.extend(&[b])
    }

    /// Appends `part` if all of it fits; returns whether it did (nothing is added otherwise).
    fn extend(&mut self, part: &[u8]) -> bool {
        let start = usize::from(self.len);
        let Some(dst) = self.bytes.get_mut(start..start + part.len()) else {
            return false;
        };
        crate::encode::copy_prefix(dst, part);
        // `start + part.len() <= MAX_NAME_LEN`, which fits in a u8.
        self.len = u8::try_from(start + part.len()).unwrap_or(u8::MAX);
        true
    }
}

/// [`NameBuf`] for firmware: a `heapless::Vec`, whose bytes past its length are never written,
/// so starting a line costs no clearing (see [`LineAcc`]). It is filled a byte at a time (the
/// byte path), so it needs only what that uses. The tests compare the two.
#[cfg(any(test, target_os = "none"))]
#[derive(Clone, Debug)]
struct NameVec(heapless::Vec<u8, MAX_NAME_LEN, u8>);

#[cfg(any(test, target_os = "none"))]
impl NameVec {
    fn new() -> NameVec {
        NameVec(heapless::Vec::new())
    }

    fn as_slice(&self) -> &[u8] {
        &self.0
    }

    fn clear(&mut self) {
        self.0.clear();
    }

    /// Appends `b` if it fits; returns whether it did.
    fn push(&mut self, b: u8) -> bool {
        self.0.push(b).is_ok()
    }
}

#[cfg(target_os = "none")]
use NameVec as NameBuf;

/// What the value of a framing field keeps between inputs: only one kind of field is read at a
/// time. (Other fields leave it as it was: nothing reads it for them.)
#[derive(Clone, Copy, Debug)]
enum ValueAcc {
    /// Nothing yet.
    Empty,
    Length(LengthLexer),
    Tokens(TokenLexer),
}

impl LineAcc {
    /// The name has ended (ready for the next line's) and the value of `field` begins: only what
    /// that field uses is set.
    fn begin_value(&mut self, field: Field) {
        self.name.clear();
        self.name_long = false;
        // Each arm writes its own value: one chosen by the `match` and then stored was built on
        // the stack and copied through `memcpy`.
        match field {
            Field::Interest(_) => {
                self.started = false;
                self.ws_run = 0;
                self.drop_held();
            }
            Field::ContentLength => self.value = ValueAcc::Length(LengthLexer::EMPTY),
            Field::TransferEncoding | Field::Connection => {
                self.value = ValueAcc::Tokens(TokenLexer::EMPTY)
            }
            // (Nothing: a plain value keeps no state.)
            Field::Other => {}
        }
    }

    /// A line not begun. A function rather than a constant: a constant is stored whole (all 100
    /// bytes, through a clearing routine), a value built here field by field.
    fn empty() -> LineAcc {
        LineAcc {
            name: NameBuf::new(),
            name_long: false,
            started: false,
            ws_run: 0,
            held: 0,
            tabs: 0,
            value: ValueAcc::Empty,
        }
    }

    /// Drops the whitespace recorded: held back, it was trailing OWS; recorded in this input,
    /// it is inside the fragment to report.
    fn drop_held(&mut self) {
        self.held = 0;
    }

    /// Whether whitespace from earlier inputs is held back.
    fn holds(&self) -> bool {
        self.held < 0
    }

    /// The input ends: the whitespace recorded is held back (as is what already was).
    fn hold_back(&mut self) {
        self.held = self.held.min(self.held.wrapping_neg());
    }

    /// Takes the first held-back whitespace byte, which turned out to be inside the value:
    /// whether it is a tab. (Called only while [`Self::holds`].)
    fn take_held(&mut self) -> bool {
        self.held = self.held.saturating_add(1);
        let tab = self.tabs & 1 != 0;
        self.tabs >>= 1;
        tab
    }
}

/// How a scan of the head ended. The details are in [`Out`].
///
/// Scans return this one-byte code and leave the fragment to report in `ResponseParser::out`, all
/// word-sized; the [`Event`] is built once, in `handle_head`. Passing an `Event` (or any aggregate
/// mixing byte and word fields) back through the scanning functions made the compiler copy it via
/// the stack with narrow stores followed by wide loads, and those store-forwarding stalls were most
/// of the cost of a call on a 16-byte piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// All of the window was consumed.
    #[cfg(not(target_os = "none"))]
    NeedMore,
    /// Report the fragment described by `out` after consuming `out.used` bytes.
    #[cfg(not(target_os = "none"))]
    Header,
    /// The head is complete after `out.used` bytes; it is in `head_out`.
    Head,
    /// A `1xx` head ended after `out.used` bytes; parse the next head.
    Interim,
}

/// What [`ResponseParser::head_byte`] did with a byte of the head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Byte {
    /// Consumed, and not part of a fragment to report: one starts after it.
    Taken,
    /// Consumed as part of the fragment of an interesting value.
    Value,
    /// Not consumed: first report a held-back space (or a tab, if `tab`) in the value of
    /// interesting field `index`.
    Replay { index: u8, tab: bool },
    /// Consumed: the line end of interesting field `n`; report the end of its value.
    ValueEnds(u8),
    /// Consumed: the head is complete (in `head_out`).
    HeadEnds,
    /// A peer error, recorded in the state.
    Failed,
}

/// Shortest input [`ResponseParser::whole_lines`] tries to read lines from.
#[cfg(not(target_os = "none"))]
const WHOLE_LINE_MIN: usize = 32;

/// How [`ResponseParser::whole_lines`] ended.
#[cfg(not(target_os = "none"))]
enum Lines<'a> {
    /// With an interesting value to report.
    Event(Progress<'a>),
    /// At this offset, where the byte path takes over.
    Rest(usize),
}

/// A line read whole by [`ResponseParser::whole_line`]: `used` bytes including its line end.
#[cfg(not(target_os = "none"))]
#[derive(Clone, Copy, Debug)]
enum Line {
    /// A field that is not reported.
    Plain(usize),
    /// An interesting field whose value is `line[from..to]`.
    Interest {
        used: usize,
        from: usize,
        to: usize,
        index: u8,
    },
    /// The blank line ending a final head.
    End(usize),
    /// Left to the byte path.
    Other,
}

#[cfg(not(target_os = "none"))]
/// Where a [`Step`] stopped and what to report (offsets into the window being scanned).
#[derive(Clone, Copy, Debug)]
struct Out {
    used: usize,
    /// `window[from..to]` is the fragment, or with [`REPLAY`] `WHITESPACE[from..to]` (held back).
    from: usize,
    to: usize,
    index: usize,
    flags: usize,
}

#[cfg(not(target_os = "none"))]
/// [`Out::flags`].
const FIRST: usize = 1;
#[cfg(not(target_os = "none"))]
const LAST: usize = 2;
#[cfg(not(target_os = "none"))]
const REPLAY: usize = 4;

#[cfg(not(target_os = "none"))]
impl Out {
    const EMPTY: Out = Out {
        used: 0,
        from: 0,
        to: 0,
        index: 0,
        flags: 0,
    };

    /// Move window offsets by `by` (replayed whitespace has no window offsets).
    fn shift(&mut self, by: usize) {
        self.used += by;
        if self.flags & REPLAY == 0 {
            self.from += by;
            self.to += by;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The parser
// ---------------------------------------------------------------------------------------------

/// Incremental parser for one HTTP/1.x response; see the [module docs](self) for the call order.
///
/// Holds about 300 bytes of state (on a 64-bit host; less on a 32-bit MCU) and no buffer: what it
/// must remember of a line that is split across inputs is a field name (up to [`MAX_NAME_LEN`]
/// bytes) and a few counters.
#[derive(Clone, Debug)]
pub struct ResponseParser<'h> {
    interest: &'h [&'h str],
    /// The [`length_bit`]s of the interest names: most field names are rejected without looking
    /// at the list. (Hosts only; see [`ResponseParser::classify_unmasked`].)
    #[cfg(not(target_os = "none"))]
    interest_lengths: u32,
    limits: Limits,
    state: State,
    /// Summary of `state` for the fast path; see [`Resume`]. (Hosts only: firmware has no fast
    /// path, and keeping it there would only add stores.)
    #[cfg(not(target_os = "none"))]
    resume: Resume,
    head: HeadAcc,
    line: LineAcc,
    /// Any byte of this response (or of a `1xx` before it) has been consumed.
    started: bool,
    /// Where in the head the parser is, while `state` is [`State::AwaitingHead`]: beside the
    /// state rather than in it, so that a byte of the head moves it on without storing the
    /// state's tag too (44 bytes smaller on firmware, footprint.sh).
    head_pos: HeadPos,
    /// The head just completed, for [`Event::Head`].
    head_out: Head,
    /// Details of the last [`Step`].
    #[cfg(not(target_os = "none"))]
    out: Out,
    body_received: u64,
}

impl<'h> ResponseParser<'h> {
    /// A parser that reports the values of the fields named in `interest` (compared ignoring ASCII
    /// case) with the [default limits](Limits::DEFAULT).
    ///
    /// Names of the framing fields (`content-length`, `transfer-encoding`, `connection`) are never
    /// reported: their meaning is in [`Head`]. Only the first 256 names of the list are matched.
    pub fn new(interest: &'h [&'h str]) -> Self {
        Self::with_limits(interest, Limits::DEFAULT)
    }

    /// Like [`ResponseParser::new`] with other limits.
    pub fn with_limits(interest: &'h [&'h str], limits: Limits) -> Self {
        Self {
            interest,
            #[cfg(not(target_os = "none"))]
            interest_lengths: interest.iter().fold(0, |m, n| m | length_bit(n.len())),
            limits,
            state: State::AwaitingHead,
            head_pos: HeadPos::Version(0),
            #[cfg(not(target_os = "none"))]
            resume: Resume::StatusLine,
            head: HeadAcc::fresh(limits.max_head_bytes),
            line: LineAcc::empty(),
            started: false,
            head_out: Head {
                version: Version::Http11,
                status: 0,
                framing: BodyFraming::Empty,
                reusable: false,
            },
            #[cfg(not(target_os = "none"))]
            out: Out::EMPTY,
            body_received: 0,
        }
    }

    /// Forget the response read so far, to read the next one on the same connection.
    ///
    /// Call after [`Event::End`] with `reusable: true`.
    pub fn reset(&mut self) {
        // Field by field, what `with_limits` sets (the interest list and limits are kept; the
        // tests check the two agree): not `*self = Self::with_limits(..)`, which builds a whole
        // parser on the stack to copy it. (Written out rather than shared through constants,
        // which `with_limits` then copies from flash: larger on a microcontroller.)
        let Self {
            interest: _,
            #[cfg(not(target_os = "none"))]
                interest_lengths: _,
            limits,
            state,
            head_pos,
            #[cfg(not(target_os = "none"))]
                resume: _,
            head,
            line,
            started,
            head_out,
            #[cfg(not(target_os = "none"))]
                out: _,
            body_received,
        } = self;
        *state = State::AwaitingHead;
        *head_pos = HeadPos::Version(0);
        *head = HeadAcc::fresh(limits.max_head_bytes);
        *line = LineAcc::empty();
        *started = false;
        *head_out = Head {
            version: Version::Http11,
            status: 0,
            framing: BodyFraming::Empty,
            reusable: false,
        };
        *body_received = 0;
        #[cfg(not(target_os = "none"))]
        {
            self.out = Out::EMPTY;
        }
        self.set_resume(Resume::StatusLine);
    }

    /// Records the fast-path summary of the state (hosts only; see [`ResponseParser::resume`]).
    #[inline(always)]
    fn set_resume(&mut self, resume: Resume) {
        #[cfg(not(target_os = "none"))]
        {
            self.resume = resume;
        }
        #[cfg(target_os = "none")]
        let _ = resume;
    }

    /// Whether [`Event::End`] has been returned.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Body bytes delivered so far (after chunked decoding).
    pub fn body_received(&self) -> u64 {
        self.body_received
    }

    /// Parse the next piece of the response.
    ///
    /// Returns how many bytes of `input` were used and the event found, if any. When the event is
    /// `None` all of `input` has been consumed and the parser needs more. After an event, call again
    /// with the rest of the input, even if it is empty. Once a peer error has been returned, every
    /// call returns it again.
    #[inline]
    pub fn handle_input<'a>(&mut self, input: &'a [u8]) -> Result<Progress<'a>, ResponseError> {
        // Firmware, built for size, goes the general way every time: the shortcut is 400 bytes
        // of flash there, for a per-call saving a byte stream from a modem never notices.
        #[cfg(not(target_os = "none"))]
        {
            if let Some(progress) = self.continue_head(input) {
                return Ok(progress);
            }
            self.handle_input_host(input)
        }
        #[cfg(target_os = "none")]
        self.handle_input_general(input)
    }

    /// The common cases of a call in the middle of a head, done without the general machinery:
    /// an empty input (the call that follows every event: nothing in a head happens without a
    /// byte), and an input that lies entirely inside a field value (a long `X-Amz-Log-Result`
    /// arriving in small pieces). When fed 16 bytes at a time, a 5,464-character value costs 342
    /// calls, so the per-call overhead is what matters. Returns `None` for anything else, which
    /// the general path then handles from the same state, so the result never depends on which
    /// path ran (the split tests compare both).
    #[cfg(not(target_os = "none"))]
    #[inline(always)]
    fn continue_head<'a>(&mut self, input: &'a [u8]) -> Option<Progress<'a>> {
        let resume = self.resume;
        if input.is_empty() {
            return (resume != Resume::General).then_some(Progress {
                consumed: 0,
                event: None,
            });
        }
        // Each arm returns its own `Progress`: merged into one return, the event had to be
        // told apart again by the caller, through the stack.
        let room = self.head.room;
        match resume {
            Resume::InterestValue(index)
                // No whitespace: a trailing run would have to be held back.
                if input.len() <= room as usize && all_value_bytes(input, 0x21) =>
            {
                self.line.ws_run = 0;
                let first = !self.line.started;
                self.line.started = true;
                // No truncation: the length is at most `room`, a `u32`.
                self.head.room = room - input.len() as u32;
                Some(Progress {
                    consumed: input.len(),
                    event: Some(Event::Header {
                        index: usize::from(index),
                        fragment: input,
                        first,
                        last: false,
                    }),
                })
            }
            Resume::PlainValue
                if input.len() <= room as usize && all_value_bytes(input, 0x20) =>
            {
                self.head.room = room - input.len() as u32;
                Some(Progress {
                    consumed: input.len(),
                    event: None,
                })
            }
            _ => None,
        }
    }

    /// Complete lines at the start of `input` (the status line first when the head starts
    /// there), each read in one go: name, ':', OWS, value and line end, without the state
    /// transitions of the byte path between them. Stops at the first interesting value, which it
    /// reports, or at the first line it does not take, where the byte path takes over: one that
    /// is incomplete, malformed, over a limit, or the blank line ending the head. Everything it
    /// takes, it takes exactly as the byte path would (the split tests run both).
    #[cfg(not(target_os = "none"))]
    #[inline(always)]
    fn whole_lines<'a>(&mut self, input: &'a [u8]) -> Result<Lines<'a>, ResponseError> {
        let room = self.head.room as usize;
        let window = input.get(..room).unwrap_or(input);
        let mut pos = 0;
        if self.resume == Resume::StatusLine {
            let Some((version, status, used)) = status_line(window) else {
                return Ok(Lines::Rest(0));
            };
            self.started = true;
            self.head.version = version;
            self.head.status = status;
            self.head_pos = HeadPos::LineStart;
            self.set_resume(Resume::LineStart);
            pos = used;
        }
        loop {
            let rest = window.get(pos..).unwrap_or_default();
            match self.whole_line(rest)? {
                Line::Plain(used) => pos += used,
                Line::Interest {
                    used,
                    from,
                    to,
                    index,
                } => {
                    let consumed = pos + used;
                    // No truncation: `consumed` is at most `room`, a `u32`.
                    self.head.room = (room - consumed) as u32;
                    return Ok(Lines::Event(Progress {
                        consumed,
                        event: Some(Event::Header {
                            index: usize::from(index),
                            fragment: rest.get(from..to).unwrap_or_default(),
                            first: true,
                            last: true,
                        }),
                    }));
                }
                Line::End(used) => {
                    let consumed = pos + used;
                    self.head.room = (room - consumed) as u32;
                    self.end_head()?;
                    return Ok(Lines::Event(Progress {
                        consumed,
                        event: Some(Event::Head(self.head_out)),
                    }));
                }
                Line::Other => break,
            }
        }
        self.head.room = (room - pos) as u32;
        Ok(Lines::Rest(pos))
    }

    /// One complete field line at the start of `rest`, for [`Self::whole_lines`]; `Line::Other`
    /// when the byte path must read it, having changed nothing.
    #[cfg(not(target_os = "none"))]
    #[inline(always)]
    fn whole_line(&mut self, rest: &[u8]) -> Result<Line, ResponseError> {
        // The blank line ending the final head (a `1xx` one is left to the byte path).
        if let Some(&c @ (CR | LF)) = rest.first() {
            return Ok(match line_end(c, rest.get(1)) {
                Some(used) if !self.head.interim() => Line::End(used),
                _ => Line::Other,
            });
        }
        let name_len = tchar_run(rest);
        let (name, after) = rest.split_at_checked(name_len).unwrap_or_default();
        if name.is_empty() || after.first() != Some(&b':') {
            return Ok(Line::Other);
        }
        if self.head.headers >= self.limits.max_headers {
            return Ok(Line::Other);
        }
        let mut start = name_len + 1;
        while rest.get(start).is_some_and(|&c| is_ws(c)) {
            start += 1;
        }
        let value = rest.get(start..).unwrap_or_default();
        let field = self.classify(name);
        if let Field::Interest(index) = field {
            // Spaces and tabs are counted as the byte path counts them, so that a run over the
            // limit is left for it to reject.
            let mut at = 0;
            let mut run = 0;
            let stop = loop {
                let skip = find_special(value.get(at..).unwrap_or_default(), 0x21);
                if skip > 0 {
                    run = 0;
                    at += skip;
                }
                match value.get(at) {
                    Some(&(SP | HTAB)) => {
                        run += 1;
                        if run > MAX_VALUE_WHITESPACE_RUN {
                            return Ok(Line::Other);
                        }
                        at += 1;
                    }
                    Some(&c) => break c,
                    None => return Ok(Line::Other),
                }
            };
            let Some(eol) = line_end(stop, value.get(at + 1)) else {
                return Ok(Line::Other);
            };
            self.head.headers += 1;
            return Ok(Line::Interest {
                used: start + at + eol,
                from: start,
                to: start + at - run,
                index,
            });
        }
        let (len, stop) = scan_plain(value);
        let Some(eol) = stop.and_then(|c| line_end(c, value.get(len + 1))) else {
            return Ok(Line::Other);
        };
        self.head.headers += 1;
        if field != Field::Other {
            self.line.begin_value(field);
            self.feed_plain(field, value.get(..len).unwrap_or_default())?;
            self.finish_plain(field)?;
        }
        Ok(Line::Plain(start + len + eol))
    }

    /// What [`Self::continue_head`] leaves: whole lines, or the general path. One call out of
    /// the caller's loop (inlining these into it, or calling them separately from it, made every
    /// return go through the stack, which slowed the loop of [`Self::continue_head`]).
    #[cfg(not(target_os = "none"))]
    #[inline(never)]
    fn handle_input_host<'a>(&mut self, input: &'a [u8]) -> Result<Progress<'a>, ResponseError> {
        // A piece shorter than this rarely holds a whole line, and an attempt that fails costs
        // about what the byte path then spends on the same bytes.
        if !matches!(self.resume, Resume::StatusLine | Resume::LineStart)
            || input.len() < WHOLE_LINE_MIN
        {
            return self.handle_input_general(input);
        }
        let pos = match self.whole_lines(input) {
            Ok(Lines::Event(progress)) => return Ok(progress),
            Ok(Lines::Rest(pos)) => pos,
            Err(e) => return Err(self.fail(e)),
        };
        let progress = self.handle_input_general(input.get(pos..).unwrap_or_default())?;
        Ok(Progress {
            consumed: pos + progress.consumed,
            event: progress.event,
        })
    }

    // Firmware: out of line, not inlined into the caller's loop, where the body path and its
    // error plumbing spilled that loop's registers (68 bytes smaller, footprint.sh).
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline(never))]
    fn handle_input_general<'a>(&mut self, input: &'a [u8]) -> Result<Progress<'a>, ResponseError> {
        self.handle_input_with::<{ cfg!(target_os = "none") }>(input)
    }

    /// The general path, reading heads a byte at a time ([`Self::head_bytes`], firmware) or
    /// with the scan ([`Self::handle_head`], hosts); the tests run both.
    #[inline(always)]
    fn handle_input_with<'a, const BYTE_HEAD: bool>(
        &mut self,
        input: &'a [u8],
    ) -> Result<Progress<'a>, ResponseError> {
        let result = match self.state {
            State::AwaitingHead if BYTE_HEAD => self.head_bytes(input),
            // Firmware has no scan: it reads heads a byte at a time.
            #[cfg(not(target_os = "none"))]
            State::AwaitingHead => self.handle_head(input),
            #[cfg(target_os = "none")]
            State::AwaitingHead => self.head_bytes(input),
            State::ReadingBody(_) => self.handle_body(input),
            State::Done if input.is_empty() => Ok(Progress {
                consumed: 0,
                event: None,
            }),
            State::Done => return Err(ResponseError::Misuse(ApiMisuse::AfterEnd)),
            // (Already recorded: storing it again only costs flash.)
            State::Failed(e) => return Err(e),
        };
        if let Err(e) = result {
            self.fail(e);
        }
        result
    }

    /// The general path reading heads a byte at a time (all of `handle_input` on firmware), for
    /// the reader's tests.
    #[cfg(test)]
    pub(crate) fn handle_input_bytes<'a>(
        &mut self,
        input: &'a [u8],
    ) -> Result<Progress<'a>, ResponseError> {
        self.handle_input_with::<true>(input)
    }

    /// Records a peer error, which every later call returns again; returns it.
    #[inline(always)]
    fn fail(&mut self, e: ResponseError) -> ResponseError {
        self.state = State::Failed(e);
        self.set_resume(Resume::General);
        e
    }

    /// The peer closed the connection (a read returned 0 bytes).
    ///
    /// Returns [`Event::End`] when that ends the response (a body read until close, or one already
    /// complete), `None` when `End` has already been returned, or the error describing what was cut
    /// short.
    pub fn handle_eof(&mut self) -> Result<Option<Event<'static>>, ResponseError> {
        Ok(self.eof_ends()?.then_some(Event::End { reusable: false }))
    }

    /// Why [`Self::push_input`] returned `None` when the handler did not refuse: the peer error
    /// recorded, or else input after the end.
    #[cfg(any(test, target_os = "none"))]
    pub(crate) fn push_error(&self) -> ResponseError {
        match self.state {
            State::Failed(e) => e,
            _ => ResponseError::Misuse(ApiMisuse::AfterEnd),
        }
    }

    /// [`Self::handle_eof`] without the event, which the reader does not need: whether the close
    /// ends the response (`false` when it had already ended). `handle_eof` is built on it: one
    /// copy of the rules, at 68 bytes more for firmware that reads events itself (footprint.sh,
    /// probe_parse) than a second copy would take.
    #[inline(always)]
    pub(crate) fn eof_ends(&mut self) -> Result<bool, ResponseError> {
        let cut_short = match self.state {
            State::AwaitingHead if self.started => Some(ResponseError::ClosedInHead),
            State::AwaitingHead => Some(ResponseError::ClosedBeforeResponse),
            // The body cut short, and its `Content-Length` if it has one; `None` for a body
            // read until close, or one already complete. (One error built for both framings:
            // 4 bytes smaller on firmware, footprint.sh.)
            State::ReadingBody(ref body) => match *body {
                BodyState::Length { remaining, total } if remaining > 0 => Some(Some(total)),
                BodyState::Chunked(ref d) if !d.is_done() => Some(None),
                _ => None,
            }
            .map(|expected| ResponseError::IncompleteBody {
                received: self.body_received,
                expected,
            }),
            State::Done => return Ok(false),
            // (Already recorded: storing it again only costs flash.)
            State::Failed(e) => return Err(e),
        };
        match cut_short {
            Some(e) => Err(self.fail(e)),
            None => {
                self.state = State::Done;
                self.set_resume(Resume::General);
                Ok(true)
            }
        }
    }

    /// The push path: [`Self::handle_input`] for a caller that takes what is found through
    /// [`Handler`] calls rather than as [`Event`] values, all of `input` in one call (firmware's
    /// reader). The same calls, in the same order and from the same states, as the events
    /// firmware's [`Self::handle_input`] (heads read a byte at a time) returns for the same
    /// input, the parser left in the same state (the tests compare them, state included), with
    /// no `Progress` built and matched for each: with it, firmware's reader is 212 bytes
    /// smaller (footprint.sh, invoke_path_bytes).
    ///
    /// An associated function that reaches the parser through [`Handler::parser`]: the handler
    /// (the reader) owns the parser, and a `&mut self` here would borrow it twice.
    ///
    /// Returns the bytes of `input` used: all of them unless the response ended
    /// ([`Handler::end`] was called), after which the rest is not consumed. `None` when a
    /// handler call refused (the handler knows why), a peer error was found (recorded:
    /// [`Self::push_error`]) or input came after the end.
    #[cfg(any(test, target_os = "none"))]
    pub(crate) fn push_input(h: &mut impl Handler<'h>, input: &[u8]) -> Option<usize> {
        let head = match h.parser().state {
            State::AwaitingHead => Self::push_head(h, input)?,
            _ => 0,
        };
        match h.parser().state {
            State::ReadingBody(_) => {
                Some(head + Self::push_body(h, input.get(head..).unwrap_or_default())?)
            }
            // Until the head has ended, the head took all the input.
            State::AwaitingHead => Some(head),
            // (Only at the start: the head has not just ended.)
            State::Done if input.is_empty() => Some(0),
            _ => None,
        }
    }

    /// [`Self::head_bytes`] for the push path: the same bytes through [`Self::head_byte`], each
    /// event a handler call, the loop going on after it where `head_bytes` returns. Stops after
    /// the head (or at the end of `input`); returns the bytes used. Inlined into its one
    /// caller: 44 bytes smaller than out of line, for 24 more bytes of firmware's stack peak
    /// (footprint.sh; examples/cortex-m-qemu/tools/stack-frames.py).
    #[cfg(any(test, target_os = "none"))]
    #[inline(always)]
    fn push_head(h: &mut impl Handler<'h>, input: &[u8]) -> Option<usize> {
        // As in `head_bytes`; an event does not end the call, so `from` is set again where the
        // next call of `head_bytes` would start.
        let mut from = 0;
        let mut pos = 0;
        loop {
            // The fragment's end, its field and whether the value ended there: one place that
            // reports a value's fragment, as in `head_bytes`.
            let (to, index, last) = loop {
                let p = h.parser();
                let Some(&b) = input.get(pos) else {
                    let HeadPos::Value(Field::Interest(index)) = p.head_pos else {
                        return Some(pos);
                    };
                    break (pos, index, false);
                };
                match p.head_byte(b) {
                    Byte::Failed => {
                        // (The error is recorded; only the host's summary is left to update.)
                        p.set_resume(Resume::General);
                        return None;
                    }
                    Byte::Taken => from = pos + 1,
                    Byte::Value => {}
                    Byte::Replay { index, tab } => {
                        let tab = usize::from(tab);
                        let ws = WHITESPACE.get(tab..tab + 1).unwrap_or_default();
                        if !h.header(usize::from(index), ws, false, false) {
                            return None;
                        }
                        // The byte is looked at again.
                        from = pos;
                        continue;
                    }
                    Byte::ValueEnds(index) => {
                        pos += 1;
                        break (pos - 1, index, true);
                    }
                    Byte::HeadEnds => {
                        let head = p.head_out;
                        return h.head(head).then_some(pos + 1);
                    }
                }
                pos += 1;
            };
            let rest = input.get(from..to).unwrap_or_default();
            if let Some((fragment, first)) = h.parser().value_fragment(rest, last) {
                if !h.header(usize::from(index), fragment, first, last) {
                    return None;
                }
            }
            if !last {
                return Some(pos);
            }
        }
    }

    /// [`Self::handle_body`] for the push path, until the end of `input` or of the body.
    #[cfg(any(test, target_os = "none"))]
    fn push_body(h: &mut impl Handler<'h>, input: &[u8]) -> Option<usize> {
        let mut pos = 0;
        loop {
            let p = h.parser();
            let (data, used, end) = match p.body_step(input.get(pos..).unwrap_or_default()) {
                Ok(step) => step,
                Err(e) => {
                    p.fail(e);
                    return None;
                }
            };
            pos += used;
            if end {
                let reusable = p.reusable();
                h.end(reusable);
                return Some(pos);
            }
            // (No data and no end: all of the input was used.)
            if data.is_empty() {
                return Some(pos);
            }
            if !h.body(data) {
                return None;
            }
        }
    }

    // --- head ------------------------------------------------------------------------------

    #[cfg(not(target_os = "none"))]
    #[cfg_attr(not(target_os = "none"), inline(always))]
    fn handle_head<'a>(&mut self, input: &'a [u8]) -> Result<Progress<'a>, ResponseError> {
        let mut offset = 0;
        loop {
            let rest = input.get(offset..).unwrap_or_default();
            // The cap is applied by never looking past it: a head longer than the cap fails at the
            // same byte whatever the split.
            let room = self.head.room as usize;
            let (window, over) = match rest.split_at_checked(room) {
                Some((w, _)) => (w, rest.len() > room),
                None => (rest, false),
            };
            if !window.is_empty() {
                self.started = true;
            }
            match self.scan_head(window)? {
                Step::NeedMore => {
                    self.count_head_bytes(window.len());
                    if over {
                        return Err(ResponseError::HeadTooLarge);
                    }
                    return Ok(Progress {
                        consumed: offset + window.len(),
                        event: None,
                    });
                }
                Step::Header => {
                    let Out {
                        used,
                        from,
                        to,
                        index,
                        flags,
                    } = self.out;
                    self.count_head_bytes(used);
                    let fragment = if flags & REPLAY == 0 {
                        window.get(from..to)
                    } else {
                        WHITESPACE.get(from..to)
                    };
                    return Ok(Progress {
                        consumed: offset + used,
                        event: Some(Event::Header {
                            index,
                            fragment: fragment.unwrap_or_default(),
                            first: flags & FIRST != 0,
                            last: flags & LAST != 0,
                        }),
                    });
                }
                Step::Head => {
                    return Ok(Progress {
                        consumed: offset + self.out.used,
                        event: Some(Event::Head(self.head_out)),
                    });
                }
                Step::Interim => {
                    // A 1xx response is complete: the final response follows with a fresh head.
                    offset += self.out.used;
                    self.head = HeadAcc::fresh(self.limits.max_head_bytes);
                    self.line = LineAcc::empty();
                    self.head_pos = HeadPos::Version(0);
                    self.set_resume(Resume::StatusLine);
                }
            }
        }
    }

    /// Firmware's head reader: the head grammar of [`Self::scan_head`] a byte at a time
    /// ([`Self::head_byte`]), each event built where it is found. No window, no runs scanned
    /// ahead, no name read in place (every name byte goes to `line.name`, so a name split across
    /// inputs is no special case). About 600 bytes smaller than the scan on a Cortex-M4, and
    /// slower per byte, which a byte stream from a modem never notices (footprint.sh; hosts keep
    /// the scan). Errors and events are those of the scan, whatever the split: the tests feed
    /// every case, and generated, damaged and arbitrary responses, through both.
    #[inline(never)]
    fn head_bytes<'a>(&mut self, input: &'a [u8]) -> Result<Progress<'a>, ResponseError> {
        // Where the fragment of an interesting value to report next starts in `input`.
        let mut from = 0;
        let mut pos = 0;
        // The fragment's end, its field and whether the value ended there: one call of
        // `value_event` for the end of the input and the end of the value (smaller on firmware,
        // footprint.sh).
        let (to, index, last) = loop {
            let Some(&b) = input.get(pos) else {
                let HeadPos::Value(Field::Interest(index)) = self.head_pos else {
                    return Ok(Progress {
                        consumed: pos,
                        event: None,
                    });
                };
                break (pos, index, false);
            };
            match self.head_byte(b) {
                Byte::Failed => {
                    // `head_byte` has just recorded the error (so the `if` always returns: no
                    // second error is built for the case that cannot happen).
                    // Handed over through the state, not returned by `head_byte`: its
                    // `Result` was copied out through `memcpy`, linked for that alone
                    // (footprint.sh, probe_parse).
                    if let State::Failed(e) = self.state {
                        return Err(e);
                    }
                }
                Byte::Taken => from = pos + 1,
                Byte::Value => {}
                Byte::Replay { index, tab } => {
                    let tab = usize::from(tab);
                    return Ok(Progress {
                        consumed: pos,
                        event: Some(Event::Header {
                            index: usize::from(index),
                            fragment: WHITESPACE.get(tab..tab + 1).unwrap_or_default(),
                            first: false,
                            last: false,
                        }),
                    });
                }
                Byte::ValueEnds(index) => {
                    pos += 1;
                    break (pos - 1, index, true);
                }
                Byte::HeadEnds => {
                    return Ok(Progress {
                        consumed: pos + 1,
                        event: Some(Event::Head(self.head_out)),
                    });
                }
            }
            pos += 1;
        };
        let event = self.value_event(input.get(from..to).unwrap_or_default(), index, last);
        Ok(Progress {
            consumed: pos,
            event,
        })
    }

    /// One byte of a head, for [`Self::head_bytes`]: moves the state on and says what the
    /// caller does with the byte. Out of line: the loop around it is small, and its state
    /// stays in the parser rather than in registers spilled on every byte.
    #[inline(never)]
    fn head_byte(&mut self, b: u8) -> Byte {
        // The cap: a byte past it is never looked at, wherever the input was cut. (Checked
        // here rather than by the callers: one copy of the error's recording for both.)
        let result = if self.head.room == 0 {
            Err(ResponseError::HeadTooLarge)
        } else {
            self.started = true;
            // Counted before the byte is read, so that a 1xx head's last byte is charged to
            // that head, not to the fresh one the byte then starts (as the scan does), and
            // given back below for a byte that is not consumed. (Also one count for every way a
            // byte is consumed: smaller on firmware, footprint.sh.)
            self.head.room -= 1;
            self.head_byte_or_error(b)
        };
        match result {
            // Not consumed: looked at (and charged) again.
            Ok(byte @ Byte::Replay { .. }) => {
                self.head.room += 1;
                byte
            }
            Ok(byte) => byte,
            Err(e) => {
                self.state = State::Failed(e);
                Byte::Failed
            }
        }
    }

    /// [`Self::head_byte`], with `?` for the errors.
    #[inline(always)]
    fn head_byte_or_error(&mut self, b: u8) -> Result<Byte, ResponseError> {
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]: its first bytes.
        const PREFIX: &[u8; 7] = b"HTTP/1.";
        // Round again only for the first byte of a value, read then as a byte of the value:
        // the callers, handed nothing back, need no code for it (36 bytes smaller on
        // firmware than handing it back, footprint.sh, probe_parse).
        loop {
            let hp = self.head_pos;
            let next = match hp {
                HeadPos::Version(n) if PREFIX.get(usize::from(n)) == Some(&b) => {
                    HeadPos::Version(n + 1)
                }
                HeadPos::Version(5) if b.is_ascii_digit() => {
                    return Err(ResponseError::UnsupportedVersion)
                }
                HeadPos::Version(7..) if b.is_ascii_digit() => {
                    self.head.version = if b == b'0' {
                        Version::Http10
                    } else {
                        Version::Http11
                    };
                    HeadPos::VersionSp
                }
                HeadPos::VersionSp if b == SP => {
                    self.head.status = 0;
                    HeadPos::Code(0)
                }
                HeadPos::Code(n) if b.is_ascii_digit() => {
                    self.head.status = self.head.status * 10 + u16::from(b - b'0');
                    if n < 2 {
                        HeadPos::Code(n + 1)
                    } else if self.head.status < 100 {
                        return Err(ResponseError::InvalidStatusLine);
                    } else {
                        HeadPos::AfterCode
                    }
                }
                HeadPos::AfterCode | HeadPos::Reason if b == CR => HeadPos::StatusLf,
                HeadPos::AfterCode | HeadPos::Reason if b == LF => HeadPos::LineStart,
                HeadPos::AfterCode if b == SP => HeadPos::Reason,
                HeadPos::Reason if b == HTAB || !is_special(b, 0x20) => hp,
                HeadPos::Version(_)
                | HeadPos::VersionSp
                | HeadPos::Code(_)
                | HeadPos::AfterCode
                | HeadPos::Reason => return Err(ResponseError::InvalidStatusLine),
                HeadPos::StatusLf | HeadPos::ValueLf | HeadPos::HeadLf if b != LF => {
                    return Err(ResponseError::InvalidLineEnding)
                }
                HeadPos::StatusLf | HeadPos::ValueLf => HeadPos::LineStart,
                HeadPos::LineStart if b == CR => HeadPos::HeadLf,
                HeadPos::LineStart | HeadPos::HeadLf if b == LF => {
                    if self.end_head()? == Step::Head {
                        return Ok(Byte::HeadEnds);
                    }
                    // A 1xx response is complete: the final one follows with a fresh head (and
                    // its own limits). The line state needs no reset (8 bytes smaller): at a line
                    // start the name is empty, and every value first resets what its field uses
                    // (`LineAcc::begin_value`); `line_state_empty_at_line_starts` checks.
                    self.head = HeadAcc::fresh(self.limits.max_head_bytes);
                    HeadPos::Version(0)
                }
                // obs-fold = OWS CRLF RWS: rejected, as is whitespace before the first field.
                HeadPos::LineStart if is_ws(b) && self.head.headers > 0 => {
                    return Err(ResponseError::ObsoleteLineFolding)
                }
                HeadPos::LineStart if is_tchar(b) => {
                    if self.head.headers >= self.limits.max_headers {
                        return Err(ResponseError::TooManyHeaders);
                    }
                    self.head.headers += 1;
                    // (The name buffer was emptied at the end of the last name.)
                    self.name_byte(b);
                    HeadPos::Name
                }
                HeadPos::Name if is_tchar(b) => {
                    self.name_byte(b);
                    HeadPos::Name
                }
                HeadPos::Name if b == b':' => {
                    let field = if self.line.name_long {
                        Field::Other
                    } else {
                        self.classify_unmasked(self.line.name.as_slice())
                    };
                    self.line.begin_value(field);
                    HeadPos::ValueStart(field)
                }
                // (`HeadLf` never gets here: its byte is an LF, or it failed above.)
                HeadPos::LineStart | HeadPos::Name | HeadPos::HeadLf => {
                    return Err(ResponseError::InvalidHeaderName)
                }
                HeadPos::ValueStart(_) if is_ws(b) => hp,
                HeadPos::ValueStart(field) => {
                    // The value starts at this byte: read as its first.
                    self.head_pos = HeadPos::Value(field);
                    continue;
                }
                HeadPos::Value(Field::Interest(index)) if b == CR || b == LF => {
                    // Whitespace held back was trailing OWS: left for the next interesting
                    // value to drop as it begins (`LineAcc::begin_value`), as nothing reads it
                    // before (8 bytes smaller than dropping it here, footprint.sh).
                    let next = if b == CR {
                        HeadPos::ValueLf
                    } else {
                        HeadPos::LineStart
                    };
                    self.head_pos = next;
                    return Ok(Byte::ValueEnds(index));
                }
                HeadPos::Value(Field::Interest(index)) if !is_special(b, 0x21) => {
                    let line = &mut self.line;
                    if line.holds() {
                        // Whitespace held back was inside the value after all: reported a byte
                        // per event, before this byte.
                        let tab = line.take_held();
                        return Ok(Byte::Replay { index, tab });
                    }
                    // The whitespace recorded since the last such byte is inside the fragment.
                    line.ws_run = 0;
                    line.drop_held();
                    return Ok(Byte::Value);
                }
                HeadPos::Value(Field::Interest(_)) if is_ws(b) => {
                    let line = &mut self.line;
                    line.ws_run += 1;
                    if usize::from(line.ws_run) > MAX_VALUE_WHITESPACE_RUN {
                        return Err(ResponseError::WhitespaceRunTooLong);
                    }
                    // Recorded whether or not whitespace is held back already, so that a run the
                    // input ends in is held back with no loop over it (`value_fragment`).
                    let held = line.holds();
                    hold_ws(line, b);
                    return Ok(if held { Byte::Taken } else { Byte::Value });
                }
                // (Any other byte of an interesting value fails below.) The end of a plain value
                // reaches its lexer as a comma, which ends a list element just as the end of the
                // value does (`Content-Length`: the digits so far are one value; a token list: the
                // token so far is one token): one call of `feed_plain` for both, 72 bytes smaller
                // than a `finish_plain` of its own (footprint.sh; hosts' scan keeps that).
                HeadPos::Value(field)
                    if b == CR || b == LF || b == HTAB || !is_special(b, 0x20) =>
                {
                    let end = b == CR || b == LF;
                    self.feed_plain(field, if end { b"," } else { core::slice::from_ref(&b) })?;
                    match b {
                        CR => HeadPos::ValueLf,
                        LF => HeadPos::LineStart,
                        _ => hp,
                    }
                }
                HeadPos::Value(_) => return Err(ResponseError::InvalidHeaderValue),
            };
            self.head_pos = next;
            return Ok(Byte::Taken);
        }
    }

    /// The fragment of interesting field `index` to report from `rest` (the value's bytes in
    /// this input): up to the line end when `last`; else the input ended inside the value, and
    /// trailing whitespace is held back until the next input says whether the value goes on.
    fn value_event<'a>(&mut self, rest: &'a [u8], index: u8, last: bool) -> Option<Event<'a>> {
        let (fragment, first) = self.value_fragment(rest, last)?;
        Some(Event::Header {
            index: usize::from(index),
            fragment,
            first,
            last,
        })
    }

    /// [`Self::value_event`]'s fragment and whether it is the value's first, `None` when there
    /// is nothing to report: shared by the pull and push paths.
    #[inline(always)]
    fn value_fragment<'a>(&mut self, rest: &'a [u8], last: bool) -> Option<(&'a [u8], bool)> {
        let line = &mut self.line;
        let keep = rest.len() - usize::from(line.ws_run).min(rest.len());
        let value = rest.get(..keep).unwrap_or_default();
        if !last {
            // (`head_byte` recorded the trailing run.)
            line.hold_back();
            if value.is_empty() {
                return None;
            }
        }
        let first = !line.started;
        line.started = true;
        Some((value, first))
    }

    /// One more byte of a field name, kept for the comparison at the ':' (a name longer than
    /// any that can match is only flagged).
    fn name_byte(&mut self, b: u8) {
        let line = &mut self.line;
        if !line.name.push(b) {
            line.name_long = true;
        }
    }

    #[cfg(not(target_os = "none"))]
    fn count_head_bytes(&mut self, n: usize) {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.head.room = self.head.room.saturating_sub(n);
    }

    #[cfg(not(target_os = "none"))]
    /// Walk `window` through the head grammar, stopping at an event, the end of a `1xx` head or the
    /// end of the window. Errors are returned at the offending byte.
    fn scan_head(&mut self, window: &[u8]) -> Result<Step, ResponseError> {
        let State::AwaitingHead = self.state else {
            return Ok(Step::NeedMore);
        };
        let mut hp = self.head_pos;
        let mut pos = 0;
        let step = loop {
            let Some(&b) = window.get(pos) else {
                break Step::NeedMore;
            };
            match hp {
                // status-line = HTTP-version SP status-code SP [ reason-phrase ]
                // HTTP-version = HTTP-name "/" DIGIT "." DIGIT ; HTTP-name = %s"HTTP"
                HeadPos::Version(n) => {
                    // When the whole `HTTP/1.x NNN` is here, it is taken in one step (hosts only:
                    // firmware, built for size, reads it a byte at a time like a split one).
                    #[cfg(not(target_os = "none"))]
                    if n == 0 {
                        if let Some((version, status)) = quick_status(window.get(pos..pos + 12)) {
                            if status < 100 {
                                return Err(ResponseError::InvalidStatusLine);
                            }
                            self.head.version = version;
                            self.head.status = status;
                            hp = HeadPos::AfterCode;
                            pos += 12;
                            continue;
                        }
                    }
                    const PREFIX: &[u8; 7] = b"HTTP/1.";
                    match PREFIX.get(usize::from(n)) {
                        Some(&want) if b == want => hp = HeadPos::Version(n + 1),
                        Some(_) if n == 5 && b.is_ascii_digit() => {
                            return Err(ResponseError::UnsupportedVersion)
                        }
                        Some(_) => return Err(ResponseError::InvalidStatusLine),
                        None => {
                            self.head.version = match b {
                                b'0' => Version::Http10,
                                b'1'..=b'9' => Version::Http11,
                                _ => return Err(ResponseError::InvalidStatusLine),
                            };
                            hp = HeadPos::VersionSp;
                        }
                    }
                    pos += 1;
                }
                HeadPos::VersionSp => {
                    if b != SP {
                        return Err(ResponseError::InvalidStatusLine);
                    }
                    self.head.status = 0;
                    hp = HeadPos::Code(0);
                    pos += 1;
                }
                // status-code = 3DIGIT
                HeadPos::Code(n) => {
                    if !b.is_ascii_digit() {
                        return Err(ResponseError::InvalidStatusLine);
                    }
                    self.head.status = self.head.status * 10 + u16::from(b - b'0');
                    hp = if n == 2 {
                        if self.head.status < 100 {
                            return Err(ResponseError::InvalidStatusLine);
                        }
                        HeadPos::AfterCode
                    } else {
                        HeadPos::Code(n + 1)
                    };
                    pos += 1;
                }
                HeadPos::AfterCode => {
                    hp = match b {
                        SP => HeadPos::Reason,
                        CR => HeadPos::StatusLf,
                        LF => HeadPos::LineStart,
                        _ => return Err(ResponseError::InvalidStatusLine),
                    };
                    pos += 1;
                }
                // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
                HeadPos::Reason => {
                    let rest = window.get(pos..).unwrap_or_default();
                    pos += find_special(rest, 0x20);
                    match window.get(pos) {
                        None => {}
                        Some(&HTAB) => pos += 1,
                        Some(&CR) => {
                            hp = HeadPos::StatusLf;
                            pos += 1;
                        }
                        Some(&LF) => {
                            hp = HeadPos::LineStart;
                            pos += 1;
                        }
                        Some(_) => return Err(ResponseError::InvalidStatusLine),
                    }
                }
                HeadPos::StatusLf => {
                    if b != LF {
                        return Err(ResponseError::InvalidLineEnding);
                    }
                    hp = HeadPos::LineStart;
                    pos += 1;
                }
                // field-line = field-name ":" OWS field-value OWS, each ended by CRLF; the head
                // ends with an empty line. A recipient MAY recognize a single LF as a line
                // terminator (RFC 9112 §2.2): accepted here, in the head and in trailers only.
                HeadPos::LineStart => match b {
                    CR => {
                        hp = HeadPos::HeadLf;
                        pos += 1;
                    }
                    LF => {
                        self.out.used = pos + 1;
                        return self.end_head();
                    }
                    // obs-fold = OWS CRLF RWS: a recipient MUST reject it or replace it; we reject.
                    // Whitespace before the first field is rejected too (RFC 9112 §2.2).
                    SP | HTAB if self.head.headers > 0 => {
                        return Err(ResponseError::ObsoleteLineFolding)
                    }
                    _ if is_tchar(b) => {
                        if self.head.headers >= self.limits.max_headers {
                            return Err(ResponseError::TooManyHeaders);
                        }
                        self.head.headers += 1;
                        // Straight on to the name: this is the common path, one dispatch saved.
                        let (used, next) = self.scan_name(window.get(pos..).unwrap_or_default())?;
                        pos += used;
                        hp = next;
                    }
                    _ => return Err(ResponseError::InvalidHeaderName),
                },
                HeadPos::Name => {
                    let (used, next) = self.scan_name(window.get(pos..).unwrap_or_default())?;
                    pos += used;
                    hp = next;
                }
                HeadPos::ValueStart(field) => {
                    if is_ws(b) {
                        pos += 1;
                    } else {
                        hp = HeadPos::Value(field);
                    }
                }
                HeadPos::Value(field) => {
                    let rest = window.get(pos..).unwrap_or_default();
                    let (used, end) = match field {
                        Field::Interest(index) => {
                            let index = usize::from(index);
                            match self.scan_interesting(index, rest, &mut hp)? {
                                Step::NeedMore => {
                                    pos = window.len();
                                    continue;
                                }
                                step => {
                                    self.out.shift(pos);
                                    break step;
                                }
                            }
                        }
                        _ => scan_plain(rest),
                    };
                    self.feed_plain(field, rest.get(..used).unwrap_or_default())?;
                    pos += used;
                    if let Some(eol) = end {
                        if eol != CR && eol != LF {
                            return Err(ResponseError::InvalidHeaderValue);
                        }
                        self.finish_plain(field)?;
                        pos += 1;
                        // After a CR the loop's next byte must be the LF.
                        hp = if eol == CR {
                            HeadPos::ValueLf
                        } else {
                            HeadPos::LineStart
                        };
                    }
                }
                HeadPos::ValueLf => {
                    if b != LF {
                        return Err(ResponseError::InvalidLineEnding);
                    }
                    hp = HeadPos::LineStart;
                    pos += 1;
                }
                HeadPos::HeadLf => {
                    if b != LF {
                        return Err(ResponseError::InvalidLineEnding);
                    }
                    self.out.used = pos + 1;
                    return self.end_head();
                }
            }
        };
        self.head_pos = hp;
        #[cfg(not(target_os = "none"))]
        {
            self.resume = match hp {
                HeadPos::Value(Field::Other) => Resume::PlainValue,
                HeadPos::Value(Field::Interest(index)) if !self.line.holds() => {
                    Resume::InterestValue(index)
                }
                // (Only `whole_lines` looks at these two.)
                HeadPos::LineStart => Resume::LineStart,
                HeadPos::Version(0) => Resume::StatusLine,
                _ => Resume::Head,
            };
        }
        Ok(step)
    }

    #[cfg(not(target_os = "none"))]
    /// Read (the rest of) a field name; at the ':' classify it and skip the OWS after it.
    /// Returns the bytes used and the next position.
    ///
    /// `field-line = field-name ":" OWS field-value OWS`
    #[cfg_attr(not(target_os = "none"), inline(always))]
    #[cfg_attr(target_os = "none", inline)]
    fn scan_name(&mut self, rest: &[u8]) -> Result<(usize, HeadPos), ResponseError> {
        let end = tchar_run(rest);
        if end == rest.len() {
            self.save_name(rest);
            return Ok((rest.len(), HeadPos::Name));
        }
        let (part, tail) = rest.split_at_checked(end).unwrap_or_default();
        if tail.first() != Some(&b':') {
            return Err(ResponseError::InvalidHeaderName);
        }
        let field = if self.line.name.is_empty() && !self.line.name_long {
            if part.is_empty() {
                return Err(ResponseError::InvalidHeaderName);
            }
            self.classify(part)
        } else {
            self.save_name(part);
            if self.line.name_long {
                Field::Other
            } else {
                self.classify(self.line.name.as_slice())
            }
        };
        self.line.begin_value(field);
        let value = tail.get(1..).unwrap_or_default();
        let mut ws = 0;
        while value.get(ws).is_some_and(|&c| is_ws(c)) {
            ws += 1;
        }
        let next = if ws < value.len() {
            HeadPos::Value(field)
        } else {
            HeadPos::ValueStart(field)
        };
        Ok((end + 1 + ws, next))
    }

    #[cfg(not(target_os = "none"))]
    fn save_name(&mut self, part: &[u8]) {
        let line = &mut self.line;
        if line.name_long || !line.name.extend(part) {
            line.name_long = true;
        }
    }

    /// The field `name` names, for the scan (hosts): the byte path's
    /// [`Self::classify_unmasked`] after a length test that rejects most names. (Names longer
    /// than `MAX_NAME_LEN` have no bit: they never match.)
    #[cfg(not(target_os = "none"))]
    fn classify(&self, name: &[u8]) -> Field {
        let bit = length_bit(name.len());
        let interest = self.interest_lengths & bit != 0;
        let framing = FRAMING_NAME_LENGTHS & bit != 0;
        if !(interest || framing) || self.head.interim() {
            // (Fields of 1xx responses say nothing about the final response.)
            return Field::Other;
        }
        if let Some(field) = framing_field(name) {
            return field;
        }
        if !interest {
            return Field::Other;
        }
        self.interest_field(name)
    }

    /// The field a name of at most [`MAX_NAME_LEN`] bytes names, for the byte path (all of
    /// firmware's): every name compared, with no length mask to reject most of them first, a
    /// speed-up a byte stream from a modem never notices, for 68 bytes of flash (footprint.sh).
    /// The framing names are a table walked like the interest list ([`framing_field`], a
    /// comparison each after a test of the length, is 12 bytes larger on firmware). The tests
    /// compare it with [`Self::classify`].
    fn classify_unmasked(&self, name: &[u8]) -> Field {
        if self.head.interim() {
            // (Fields of 1xx responses say nothing about the final response.)
            return Field::Other;
        }
        for (i, n) in FRAMING_NAMES.iter().enumerate() {
            if same_name(name, n) {
                return match i {
                    0 => Field::ContentLength,
                    1 => Field::TransferEncoding,
                    _ => Field::Connection,
                };
            }
        }
        self.interest_field(name)
    }

    /// The field of the interest list named `name`, or [`Field::Other`].
    #[inline(always)]
    fn interest_field(&self, name: &[u8]) -> Field {
        for (i, n) in self.interest.iter().enumerate() {
            if same_name(name, n.as_bytes()) {
                return u8::try_from(i).map_or(Field::Other, Field::Interest);
            }
        }
        Field::Other
    }

    /// Hands (a piece of) the value of a framing field to its lexer; other fields' values are
    /// only checked, by the scan.
    #[inline(always)]
    fn feed_plain(&mut self, field: Field, value: &[u8]) -> Result<(), ResponseError> {
        match field {
            // (The lexer is always there: `begin_value` set it for the field.)
            Field::ContentLength => match &mut self.line.value {
                ValueAcc::Length(length) => length.feed(value, &mut self.head.content_length),
                _ => Ok(()),
            },
            Field::TransferEncoding | Field::Connection => {
                let head = &mut self.head;
                if let ValueAcc::Tokens(tokens) = &mut self.line.value {
                    tokens.feed(value, |t| apply_token(head, field, Some(t)));
                }
                // The line is there (for a `Transfer-Encoding` line that lists nothing, ended
                // by the byte path through this function).
                apply_token(head, field, None);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The end of a value [`Self::feed_plain`] was given, for the scan. (The byte path feeds
    /// it a comma instead, which does the same: see [`Self::head_byte_or_error`]. Not so here:
    /// on hosts a second call of `feed_plain` per line costs more than this.)
    #[cfg(not(target_os = "none"))]
    fn finish_plain(&mut self, field: Field) -> Result<(), ResponseError> {
        match field {
            Field::ContentLength => match &mut self.line.value {
                ValueAcc::Length(length) => length.finish(&mut self.head.content_length),
                _ => Ok(()),
            },
            Field::TransferEncoding | Field::Connection => {
                if let ValueAcc::Tokens(tokens) = &mut self.line.value {
                    apply_token(&mut self.head, field, tokens.take());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    #[cfg(not(target_os = "none"))]
    /// Scan (part of) the value of an interesting field. Returns the fragment to report (offsets in
    /// `rest`), or `NeedMore` when the whole of `rest` was used without anything to report.
    fn scan_interesting(
        &mut self,
        index: usize,
        rest: &[u8],
        hp: &mut HeadPos,
    ) -> Result<Step, ResponseError> {
        let line = &mut self.line;
        // Whitespace held back from an earlier input: see whether the value goes on after it.
        if line.holds() {
            let ws = rest.iter().take_while(|&&c| is_ws(c)).count();
            match rest.get(ws) {
                None => {
                    for &c in rest {
                        push_ws(line, c)?;
                    }
                    return Ok(Step::NeedMore);
                }
                Some(&CR) | Some(&LF) => {
                    // It was trailing OWS: drop it. The scan below trims this input's part.
                    line.drop_held();
                }
                Some(_) => {
                    self.out = replay_pending(line, index);
                    return Ok(Step::Header);
                }
            }
        }
        let mut pos = 0;
        loop {
            let skip = find_special(rest.get(pos..).unwrap_or_default(), 0x21);
            if skip > 0 {
                line.ws_run = 0;
                pos += skip;
            }
            let Some(&c) = rest.get(pos) else {
                // Input ends inside the value: report what we have, holding back trailing
                // whitespace until we know whether it is trailing.
                let trailing = usize::from(line.ws_run).min(pos);
                let keep = pos - trailing;
                for &w in rest.get(keep..pos).unwrap_or_default() {
                    hold_ws(line, w);
                }
                line.hold_back();
                if keep == 0 {
                    return Ok(Step::NeedMore);
                }
                let first = if line.started { 0 } else { FIRST };
                line.started = true;
                self.out = Out {
                    used: pos,
                    from: 0,
                    to: keep,
                    index,
                    flags: first,
                };
                return Ok(Step::Header);
            };
            match c {
                SP | HTAB => {
                    line.ws_run += 1;
                    if usize::from(line.ws_run) > MAX_VALUE_WHITESPACE_RUN {
                        return Err(ResponseError::WhitespaceRunTooLong);
                    }
                    pos += 1;
                }
                CR | LF => {
                    let trailing = usize::from(line.ws_run).min(pos);
                    let first = if line.started { 0 } else { FIRST };
                    line.started = true;
                    let used = match (c, rest.get(pos + 1)) {
                        (LF, _) | (_, Some(&LF)) => {
                            *hp = HeadPos::LineStart;
                            pos + 1 + usize::from(c == CR)
                        }
                        (_, None) => {
                            *hp = HeadPos::ValueLf;
                            pos + 1
                        }
                        (_, Some(_)) => return Err(ResponseError::InvalidLineEnding),
                    };
                    self.out = Out {
                        used,
                        from: 0,
                        to: pos - trailing,
                        index,
                        flags: first | LAST,
                    };
                    return Ok(Step::Header);
                }
                _ => return Err(ResponseError::InvalidHeaderValue),
            }
        }
    }

    /// The blank line ending a head has been consumed: decide the framing. (The callers record
    /// where the head ended.)
    fn end_head(&mut self) -> Result<Step, ResponseError> {
        let h = &self.head;
        if h.status == 101 {
            return Err(ResponseError::UnexpectedUpgrade);
        }
        if h.interim() {
            return Ok(Step::Interim);
        }
        // RFC 9112 §6.3: Transfer-Encoding with Content-Length "ought to be handled as an error";
        // a coding other than a final, single chunked leaves a body we cannot decode.
        let transfer_encoding = !matches!(h.codings, Codings::Absent);
        if transfer_encoding && h.content_length.is_some() {
            return Err(ResponseError::ContentLengthWithTransferEncoding);
        }
        let framing = if matches!(h.status, 204 | 304) {
            // "always terminated by the first empty line after the header fields, regardless of
            // the header fields present in the message"
            BodyFraming::Empty
        } else if transfer_encoding {
            if !matches!(h.codings, Codings::Chunked) {
                return Err(ResponseError::UnsupportedTransferCoding);
            }
            BodyFraming::Chunked
        } else if let Some(n) = h.content_length {
            BodyFraming::ContentLength(n)
        } else {
            BodyFraming::UntilClose
        };
        let (version, status) = (h.version, h.status);
        let body = match framing {
            BodyFraming::Empty => BodyState::Length {
                remaining: 0,
                total: 0,
            },
            BodyFraming::ContentLength(n) => BodyState::Length {
                remaining: n,
                total: n,
            },
            BodyFraming::Chunked => {
                BodyState::Chunked(ChunkedDecoder::new(self.limits.max_trailer_bytes))
            }
            BodyFraming::UntilClose => BodyState::UntilClose,
        };
        self.state = State::ReadingBody(body);
        self.set_resume(Resume::General);
        self.head_out = Head {
            version,
            status,
            framing,
            reusable: self.reusable(),
        };
        Ok(Step::Head)
    }

    // --- body ------------------------------------------------------------------------------

    fn handle_body<'a>(&mut self, input: &'a [u8]) -> Result<Progress<'a>, ResponseError> {
        let (data, consumed, end) = self.body_step(input)?;
        let event = if end {
            // (Never read until close here, so reusable is decided by the head alone.)
            Some(Event::End {
                reusable: self.reusable(),
            })
        } else {
            (!data.is_empty()).then_some(Event::Body(data))
        };
        Ok(Progress { consumed, event })
    }

    /// The body bytes in `input`, the bytes used, and whether the body has ended (the state then
    /// `Done`): [`Self::handle_body`] without the event, which the push path does not need.
    /// `handle_body` is built on it: one copy of the framing rules, at 52 bytes more for firmware
    /// that reads events itself (footprint.sh, probe_parse) than a second copy would take.
    #[inline(always)]
    fn body_step<'a>(&mut self, input: &'a [u8]) -> Result<(&'a [u8], usize, bool), ResponseError> {
        let State::ReadingBody(ref mut body) = self.state else {
            return Ok((&[][..], 0, false));
        };
        // One result for every framing, turned into an event (or a call) once by the caller.
        let (data, consumed, end) = match body {
            BodyState::Length { remaining, .. } => {
                // (`remaining` fits in a `usize` when it is below a slice's length.)
                let n = if *remaining < input.len() as u64 {
                    *remaining as usize
                } else {
                    input.len()
                };
                *remaining -= n as u64;
                (
                    input.get(..n).unwrap_or_default(),
                    n,
                    *remaining == 0 && n == 0,
                )
            }
            BodyState::Chunked(decoder) => {
                let p = decoder.handle_input(input)?;
                match p.event {
                    Some(ChunkedEvent::Data(data)) => (data, p.consumed, false),
                    Some(ChunkedEvent::End) => (&[][..], p.consumed, true),
                    None => (&[][..], p.consumed, false),
                }
            }
            BodyState::UntilClose => (input, input.len(), false),
        };
        // (A count of bytes received cannot reach 2^64: wrapping is the cheaper add.)
        self.body_received = self.body_received.wrapping_add(data.len() as u64);
        if end {
            // (Never read until close here, so reusable is decided by the head alone.)
            self.state = State::Done;
        }
        Ok((data, consumed, end))
    }

    fn reusable(&self) -> bool {
        let h = &self.head;
        let persistent = match h.version {
            Version::Http11 => !h.close,
            Version::Http10 => h.keep_alive && !h.close,
        };
        persistent && !matches!(self.state, State::ReadingBody(BodyState::UntilClose))
    }
}

/// Field names compared ignoring ASCII case; the last byte first, as names that share a length
/// (`x-amzn-requestid`, `x-amz-log-result`, `x-amzn-errortype`) mostly differ there.
/// Compared 8 bytes at a time through [`lower8`]: exactly `eq_ignore_ascii_case`, for a fraction of
/// its cost on these short strings. The last word of a name is the 8 bytes that end it
/// (overlapping the word before) and a name of 4 to 7 bytes is its first and last 4, so that no
/// word is assembled a byte at a time.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn same_name(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len()
        || a.last().map(u8::to_ascii_lowercase) != b.last().map(u8::to_ascii_lowercase)
    {
        return false;
    }
    let Some(last) = a.len().checked_sub(8) else {
        return lower8(short_word(a)) == lower8(short_word(b));
    };
    let mut at = 0;
    loop {
        let at_last = at >= last;
        if at_last {
            at = last;
        }
        if lower8(word_at(a, at)) != lower8(word_at(b, at)) {
            return false;
        }
        if at_last {
            return true;
        }
        at += 8;
    }
}

/// The 8 bytes of `s` from `at` as a little-endian word (0 if there are fewer).
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn word_at(s: &[u8], at: usize) -> u64 {
    s.get(at..)
        .and_then(|rest| rest.first_chunk::<8>())
        .map_or(0, |w| u64::from_le_bytes(*w))
}

/// A string of under 8 bytes as one word: from 4 bytes, its first and its last 4 (which
/// overlap); under 4, padded with zeros.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn short_word(s: &[u8]) -> u64 {
    match (s.first_chunk::<4>(), s.last_chunk::<4>()) {
        (Some(head), Some(tail)) => {
            u64::from(u32::from_le_bytes(*head)) | u64::from(u32::from_le_bytes(*tail)) << 32
        }
        _ => load8(s, 0),
    }
}

/// `HTTP/1.x NNN` at the start of a status line, when all of it is available: a shortcut past the
/// byte-by-byte reading of the status line, which gives the same result (the split tests feed
/// status lines a byte at a time too).
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn quick_status(line: Option<&[u8]>) -> Option<(Version, u16)> {
    let [b'H', b'T', b'T', b'P', b'/', b'1', b'.', minor, SP, d1, d2, d3] = *line? else {
        return None;
    };
    let version = match minor {
        b'0' => Version::Http10,
        b'1'..=b'9' => Version::Http11,
        _ => return None,
    };
    let digit = |d: u8| d.is_ascii_digit().then(|| u16::from(d - b'0'));
    Some((version, digit(d1)? * 100 + digit(d2)? * 10 + digit(d3)?))
}

/// A whole status line at the start of `window`: version, status and its length with the line end,
/// when it is well formed; otherwise the byte path reads it and reports what is wrong.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn status_line(window: &[u8]) -> Option<(Version, u16, usize)> {
    let (version, status) = quick_status(window.get(..12))?;
    if status < 100 {
        return None;
    }
    let reason = match window.get(12)? {
        &SP => window.get(13..)?,
        &CR | &LF => window.get(12..)?,
        _ => return None,
    };
    let (len, stop) = scan_plain(reason);
    let eol = line_end(stop?, reason.get(len + 1))?;
    Some((version, status, window.len() - reason.len() + len + eol))
}

/// The length of a line end starting with `stop`, followed by `next`: CRLF or a bare LF.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn line_end(stop: u8, next: Option<&u8>) -> Option<usize> {
    match (stop, next) {
        (LF, _) => Some(1),
        (CR, Some(&LF)) => Some(2),
        _ => None,
    }
}

/// The framing field names, for [`ResponseParser::classify_unmasked`], in the order of their
/// [`Field`]s.
static FRAMING_NAMES: [&[u8]; 3] = [b"content-length", b"transfer-encoding", b"connection"];

/// The framing field named `name`, if it is one (hosts: see [`FRAMING_NAMES`] for firmware).
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn framing_field(name: &[u8]) -> Option<Field> {
    match name.len() {
        10 if same_name(name, b"connection") => Some(Field::Connection),
        14 if same_name(name, b"content-length") => Some(Field::ContentLength),
        17 if same_name(name, b"transfer-encoding") => Some(Field::TransferEncoding),
        _ => None,
    }
}

/// What a token of a `Transfer-Encoding` or `Connection` line says, or (`None`) that such a line
/// is there, which is how a `Transfer-Encoding` line that lists nothing is recorded.
fn apply_token(head: &mut HeadAcc, field: Field, token: Option<Token>) {
    if matches!(field, Field::TransferEncoding) {
        head.codings = match (head.codings, token) {
            (Codings::Absent, None) => Codings::Empty,
            (codings, None) => codings,
            (Codings::Absent | Codings::Empty, Some(Token::Chunked)) => Codings::Chunked,
            _ => Codings::Unsupported,
        };
    } else {
        match token {
            Some(Token::Close) => head.close = true,
            Some(Token::KeepAlive) => head.keep_alive = true,
            _ => {}
        }
    }
}

#[cfg(not(target_os = "none"))]
/// Scan an uninteresting value: returns the value bytes in `rest` and the byte that stopped the
/// scan, if any: `CR` or `LF`, or a control or DEL, which the caller rejects *after* handing the
/// bytes before it to the framing lexers, so the first bad byte is reported whatever the split.
#[cfg_attr(not(target_os = "none"), inline(always))]
#[cfg_attr(target_os = "none", inline)]
fn scan_plain(rest: &[u8]) -> (usize, Option<u8>) {
    let mut pos = 0;
    loop {
        pos += find_special(rest.get(pos..).unwrap_or_default(), 0x20);
        match rest.get(pos) {
            Some(&HTAB) => pos += 1,
            other => return (pos, other.copied()),
        }
    }
}

#[cfg(not(target_os = "none"))]
/// Count one more byte of an interesting value's whitespace run and hold it back.
fn push_ws(line: &mut LineAcc, c: u8) -> Result<(), ResponseError> {
    line.ws_run += 1;
    if usize::from(line.ws_run) > MAX_VALUE_WHITESPACE_RUN {
        return Err(ResponseError::WhitespaceRunTooLong);
    }
    hold_ws(line, c);
    Ok(())
}

/// Record a whitespace byte of an interesting value that has been consumed (at most 64 of them,
/// as the run length is checked before): held back if whitespace already is, else recorded in
/// case the input ends in its run ([`LineAcc::held`]).
// Inlined: firmware calls it from `head_byte` alone (the end of an input holds back what is
// recorded, with no call per byte), where a call of its own was 36 bytes larger (footprint.sh).
fn hold_ws(line: &mut LineAcc, c: u8) {
    // (Cleared here rather than by `LineAcc::drop_held`, which has three callers on
    // firmware: 4 bytes smaller, footprint.sh.)
    if line.held == 0 {
        line.tabs = 0;
    }
    if c == HTAB {
        // Bit `|held|`, from two 32-bit shifts: a 64-bit shift by a variable amount is
        // a library call on a 32-bit microcontroller. (The bits alone, with no mask of the
        // bits in use to shift along with them: 36 bytes smaller, footprint.sh.)
        let n = u32::from(line.held.unsigned_abs());
        let low = 1u32.checked_shl(n).unwrap_or(0);
        let high = 1u32.checked_shl(n.wrapping_sub(32)).unwrap_or(0);
        line.tabs |= u64::from(high) << 32 | u64::from(low);
    }
    // Away from 0: a byte more held back, or recorded. (No saturation, 4 bytes smaller on
    // firmware: the run limit keeps the count within 64 either way.)
    line.held = line.held.wrapping_add(if line.held < 0 { -1 } else { 1 });
}

#[cfg(not(target_os = "none"))]
/// Report the first held-back whitespace byte, which turned out to be inside a value, from
/// [`WHITESPACE`]. (Called only while [`LineAcc::holds`].)
fn replay_pending(line: &mut LineAcc, index: usize) -> Out {
    let tab = usize::from(line.take_held());
    Out {
        used: 0,
        from: tab,
        to: tab + 1,
        index,
        flags: REPLAY,
    }
}

// ---------------------------------------------------------------------------------------------
// Chunked transfer coding
// ---------------------------------------------------------------------------------------------

/// Something the [`ChunkedDecoder`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ChunkedEvent<'a> {
    /// Chunk data, borrowed from the input. Never empty.
    Data(&'a [u8]),
    /// The last chunk and the trailer section have been read.
    End,
}

/// Result of one [`ChunkedDecoder::handle_input`] call; same contract as [`Progress`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ChunkedProgress<'a> {
    /// Bytes of the input used. Equal to the input length when `event` is `None`.
    pub consumed: usize,
    /// What was found, if anything.
    pub event: Option<ChunkedEvent<'a>>,
}

/// Where in the chunked body the decoder is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChunkPos {
    /// `chunk-size = 1*HEXDIG`: no digit yet.
    SizeStart,
    /// `chunk-size`: digits so far (their value is in `ChunkedDecoder::size`).
    Size,
    /// `chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )`: ignored.
    Ext,
    /// The LF ending the chunk-size line.
    SizeLf,
    /// `chunk-data = 1*OCTET`: `ChunkedDecoder::size` bytes left in this chunk.
    Data,
    /// The CR after chunk data.
    DataCr,
    /// The LF after chunk data.
    DataLf,
    /// `trailer-section = *( field-line CRLF )`: start of a trailer line or the final CRLF.
    TrailerStart,
    /// Inside a trailer line (read and discarded).
    TrailerLine,
    /// The LF after a trailer line's CR.
    TrailerLf,
    /// The LF of the final CRLF.
    EndLf,
    /// Done.
    Done,
}

/// Decoder for `Transfer-Encoding: chunked` (RFC 9112 §7.1), fed like [`ResponseParser`].
///
/// ```text
/// chunked-body   = *chunk last-chunk trailer-section CRLF
/// chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
/// chunk-size     = 1*HEXDIG
/// last-chunk     = 1*("0") [ chunk-ext ] CRLF
/// ```
///
/// Chunk extensions are ignored and trailer fields are read and discarded (this client needs none).
/// Unlike field lines, the chunk framing lines must end in CRLF: §2.2's leniency for a bare LF
/// covers the start line and fields only, and a lax chunk parser is how responses get split.
#[derive(Clone, Copy, Debug)]
pub struct ChunkedDecoder {
    pos: ChunkPos,
    /// The chunk size being read, then the bytes of that chunk still to come. (One field for
    /// both, so the position is a bare tag: smaller state, smaller code.)
    size: u64,
    received: u64,
    trailer_bytes: u32,
    max_trailer_bytes: u32,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_TRAILER_BYTES)
    }
}

impl ChunkedDecoder {
    /// A decoder at the start of a chunked body, accepting at most `max_trailer_bytes` of trailers.
    pub fn new(max_trailer_bytes: u32) -> Self {
        Self {
            pos: ChunkPos::SizeStart,
            size: 0,
            received: 0,
            trailer_bytes: 0,
            max_trailer_bytes,
        }
    }

    /// Whether the end of the chunked body has been reached.
    pub fn is_done(&self) -> bool {
        self.pos == ChunkPos::Done
    }

    /// Data bytes delivered so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The peer closed the connection: an error unless the body was complete.
    pub fn handle_eof(&self) -> Result<(), ResponseError> {
        if self.is_done() {
            Ok(())
        } else {
            Err(ResponseError::IncompleteBody {
                received: self.received,
                expected: None,
            })
        }
    }

    /// Decode the next piece of a chunked body. After an event, call again with the rest of the
    /// input; after [`ChunkedEvent::End`] nothing more is consumed.
    // Inlined into the response parser, its one caller there: smaller on firmware
    // (footprint.sh), and no slower on hosts.
    #[inline(always)]
    pub fn handle_input<'a>(
        &mut self,
        input: &'a [u8],
    ) -> Result<ChunkedProgress<'a>, ResponseError> {
        let mut pos = 0;
        while let Some(rest) = input.get(pos..).filter(|rest| !rest.is_empty()) {
            match self.pos {
                ChunkPos::Data => {
                    let n = usize::try_from(self.size)
                        .unwrap_or(usize::MAX)
                        .min(rest.len());
                    // Leaves 0, the start of the next size, at the end of the chunk.
                    self.size -= n as u64;
                    if self.size == 0 {
                        self.pos = ChunkPos::DataCr;
                    }
                    // (Cannot reach 2^64: wrapping is the cheaper add.)
                    self.received = self.received.wrapping_add(n as u64);
                    return Ok(ChunkedProgress {
                        consumed: pos + n,
                        event: Some(ChunkedEvent::Data(rest.get(..n).unwrap_or_default())),
                    });
                }
                ChunkPos::Done => break,
                _ => {}
            }
            pos += 1;
            if self.framing_byte(rest.first().copied().unwrap_or_default())? {
                self.pos = ChunkPos::Done;
                return Ok(ChunkedProgress {
                    consumed: pos,
                    event: Some(ChunkedEvent::End),
                });
            }
        }
        // A zero-length remainder of a chunk (size line ended exactly at the input end) needs no
        // data event; anything else has been consumed in full.
        Ok(ChunkedProgress {
            consumed: pos,
            event: None,
        })
    }

    /// One byte of the framing around the data (size lines, data terminators, trailers):
    /// moves the position on; `true` when it ended the body. A byte at a time, even in a
    /// chunk extension: the framing is a few bytes per chunk. (Inlined: smaller on firmware,
    /// footprint.sh.)
    #[inline(always)]
    fn framing_byte(&mut self, b: u8) -> Result<bool, ResponseError> {
        self.pos = match self.pos {
            ChunkPos::SizeStart | ChunkPos::Size => {
                if let Some(d) = hex_value(b) {
                    if self.size > u64::MAX >> 4 {
                        return Err(ResponseError::ChunkSizeOverflow);
                    }
                    self.size = (self.size << 4) | u64::from(d);
                    ChunkPos::Size
                } else if self.pos == ChunkPos::SizeStart {
                    return Err(ResponseError::InvalidChunkSize);
                } else {
                    match b {
                        CR => ChunkPos::SizeLf,
                        SP | HTAB | b';' => ChunkPos::Ext,
                        _ => return Err(ResponseError::InvalidChunkSize),
                    }
                }
            }
            // `chunk-ext`: any visible bytes, spaces and tabs up to the CR.
            ChunkPos::Ext => match b {
                CR => ChunkPos::SizeLf,
                _ if b == HTAB || !is_special(b, 0x20) => ChunkPos::Ext,
                _ => return Err(ResponseError::InvalidChunkSize),
            },
            ChunkPos::SizeLf if b == LF => {
                // The size read becomes the count of data bytes to come.
                if self.size == 0 {
                    ChunkPos::TrailerStart
                } else {
                    ChunkPos::Data
                }
            }
            ChunkPos::SizeLf => return Err(ResponseError::InvalidChunkSize),
            ChunkPos::DataCr if b == CR => ChunkPos::DataLf,
            ChunkPos::DataLf if b == LF => ChunkPos::SizeStart,
            ChunkPos::DataCr | ChunkPos::DataLf => {
                return Err(ResponseError::InvalidChunkTerminator)
            }
            // trailer-section = *( field-line CRLF ), then the final CRLF. Read a byte at a
            // time (trailers are rare and discarded), each counted against the limit.
            ChunkPos::TrailerStart | ChunkPos::TrailerLine | ChunkPos::TrailerLf => {
                self.count_trailer(1)?;
                match (self.pos, b) {
                    (ChunkPos::TrailerStart, CR) => ChunkPos::EndLf,
                    (ChunkPos::TrailerStart, LF) => return Ok(true),
                    (ChunkPos::TrailerStart, _) if is_tchar(b) => ChunkPos::TrailerLine,
                    (ChunkPos::TrailerLine, HTAB) => ChunkPos::TrailerLine,
                    (ChunkPos::TrailerLine, CR) => ChunkPos::TrailerLf,
                    (ChunkPos::TrailerLine, LF) | (ChunkPos::TrailerLf, LF) => {
                        ChunkPos::TrailerStart
                    }
                    // `!is_special(b, 0x20)`, spelled out: 12 bytes smaller here.
                    (ChunkPos::TrailerLine, _) if b >= 0x20 && b != 0x7f => ChunkPos::TrailerLine,
                    (ChunkPos::TrailerLf, _) => return Err(ResponseError::InvalidLineEnding),
                    _ => return Err(ResponseError::InvalidTrailer),
                }
            }
            ChunkPos::EndLf if b == LF => return Ok(true),
            ChunkPos::EndLf => return Err(ResponseError::InvalidLineEnding),
            // (Data and Done never get here: `handle_input` handles them.)
            ChunkPos::Data | ChunkPos::Done => self.pos,
        };
        Ok(false)
    }

    fn count_trailer(&mut self, n: usize) -> Result<(), ResponseError> {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.trailer_bytes = self.trailer_bytes.saturating_add(n);
        if self.trailer_bytes > self.max_trailer_bytes {
            return Err(ResponseError::TrailersTooLarge);
        }
        Ok(())
    }
}

/// A hex digit's value: a digit, or a letter made lower case by its 0x20 bit (one range test
/// for both cases: 16 bytes smaller on firmware than a range each, footprint.sh).
fn hex_value(b: u8) -> Option<u8> {
    let digit = b.wrapping_sub(b'0');
    if digit < 10 {
        return Some(digit);
    }
    let letter = (b | 0x20).wrapping_sub(b'a');
    (letter < 6).then(|| letter + 10)
}

// ---------------------------------------------------------------------------------------------
// Collecting a body into a caller buffer
// ---------------------------------------------------------------------------------------------

/// The caller's buffer cannot hold the body.
///
/// Not a peer error: the response may be fine, the buffer is too small for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BufferTooSmall {
    /// Bytes the body needs: exact when `exact`, otherwise a lower bound (the bytes known so far).
    pub required: u64,
    /// Whether `required` is the whole body size (from `Content-Length`).
    pub exact: bool,
}

impl fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("body does not fit in the buffer")
    }
}

impl core::error::Error for BufferTooSmall {}

/// Collects body chunks into a caller buffer: the convenience path for bodies known to be small.
///
/// Call [`BodyBuffer::begin`] with the [`Head`]'s framing (so a too-long `Content-Length` is
/// reported before anything is written), then [`BodyBuffer::push`] for every [`Event::Body`].
#[derive(Debug)]
pub struct BodyBuffer<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> BodyBuffer<'b> {
    /// An empty collector writing into `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// Check the announced length against the capacity; nothing is written.
    pub fn begin(&mut self, framing: BodyFraming) -> Result<(), BufferTooSmall> {
        match framing {
            BodyFraming::ContentLength(n) if n > self.buf.len() as u64 => Err(BufferTooSmall {
                required: n,
                exact: true,
            }),
            _ => Ok(()),
        }
    }

    /// Append a chunk. On error nothing of the chunk is written.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), BufferTooSmall> {
        let end = self.len.saturating_add(chunk.len());
        let dst = self.buf.get_mut(self.len..end).ok_or(BufferTooSmall {
            required: end as u64,
            exact: false,
        })?;
        crate::encode::copy_prefix(dst, chunk);
        self.len = end;
        Ok(())
    }

    /// The bytes collected so far.
    pub fn filled(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// Number of bytes collected.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has been collected.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
pub(crate) mod tests;

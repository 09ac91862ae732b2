//! Validated `Invoke` inputs, as boto3's `Lambda.Client.invoke` takes them.
//!
//! Every check happens here, before anything is written: a value that reaches the request
//! writer can neither break the request line nor inject a header.

use core::fmt;

use crate::encode::{base64_len, put_base64, Emit, Sink};
use crate::endpoint::EndpointError;
use crate::sigv4::SigningError;
use crate::time::TimeError;

/// Longest `FunctionName` value the current Lambda model accepts (name, ARN or partial ARN).
pub const MAX_FUNCTION_NAME_LEN: usize = 256;
/// Longest function name proper (the part after `function:`).
pub const MAX_NAME_LEN: usize = 64;
/// Longest `Qualifier`.
pub const MAX_QUALIFIER_LEN: usize = 128;
/// Longest `X-Amz-Client-Context` value, in base64 characters.
pub const MAX_CLIENT_CONTEXT_LEN: usize = 3583;
/// Longest raw client context that still encodes within [`MAX_CLIENT_CONTEXT_LEN`].
pub const MAX_CLIENT_CONTEXT_JSON_LEN: usize = MAX_CLIENT_CONTEXT_LEN / 4 * 3;
/// Largest synchronous (`RequestResponse`, `DryRun`) payload: 6 MB.
pub const MAX_SYNC_PAYLOAD_LEN: u64 = 6 * 1024 * 1024;
/// Largest asynchronous (`Event`) payload: 1 MB.
pub const MAX_EVENT_PAYLOAD_LEN: u64 = 1024 * 1024;
/// Longest `TenantId`.
pub const MAX_TENANT_ID_LEN: usize = 256;
/// Longest `DurableExecutionName`.
pub const MAX_DURABLE_EXECUTION_NAME_LEN: usize = 64;

/// Why an `Invoke` request could not be built or written.
///
/// Every variant is caller input or caller configuration: nothing here comes from the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RequestError {
    /// `FunctionName` is empty.
    EmptyFunctionName,
    /// `FunctionName` is longer than 256 characters, or its name part longer than 64.
    FunctionNameTooLong,
    /// `FunctionName` matches none of the forms Lambda accepts (name, `name:qualifier`, ARN,
    /// partial ARN) or has characters outside them.
    InvalidFunctionName,
    /// `Qualifier` is empty, longer than 128, or has characters outside `[a-zA-Z0-9-_$]`
    /// (other than `$LATEST.PUBLISHED`).
    InvalidQualifier,
    /// The client context is longer than 3,583 base64 characters once encoded.
    ClientContextTooLarge,
    /// A pre-encoded client context has characters outside the base64 alphabet.
    InvalidClientContext,
    /// `TenantId` is empty, too long, or has characters outside `[a-zA-Z0-9._:/=+\-@ ]`.
    InvalidTenantId,
    /// `DurableExecutionName` is empty, too long, or has characters outside `[a-zA-Z0-9-_]`.
    InvalidDurableExecutionName,
    /// The payload is larger than Lambda accepts for this invocation type.
    PayloadTooLarge {
        /// The limit in bytes: 6 MB synchronous, 1 MB `Event`.
        limit: u64,
    },
    /// The output buffer cannot hold the request head; nothing was written.
    BufferTooSmall {
        /// The exact size the head needs.
        required: usize,
    },
    /// The time cannot be written as an `X-Amz-Date`.
    Time(TimeError),
    /// The credentials or the signing scope are invalid.
    Signing(SigningError),
    /// The endpoint configuration is invalid.
    Endpoint(EndpointError),
}

impl RequestError {
    /// The variant's name, stable for tools (`picolambda sign --jsonl` reports it as `kind`).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::EmptyFunctionName => "EmptyFunctionName",
            Self::FunctionNameTooLong => "FunctionNameTooLong",
            Self::InvalidFunctionName => "InvalidFunctionName",
            Self::InvalidQualifier => "InvalidQualifier",
            Self::ClientContextTooLarge => "ClientContextTooLarge",
            Self::InvalidClientContext => "InvalidClientContext",
            Self::InvalidTenantId => "InvalidTenantId",
            Self::InvalidDurableExecutionName => "InvalidDurableExecutionName",
            Self::PayloadTooLarge { .. } => "PayloadTooLarge",
            Self::BufferTooSmall { .. } => "BufferTooSmall",
            Self::Time(_) => "Time",
            Self::Signing(_) => "Signing",
            Self::Endpoint(_) => "Endpoint",
        }
    }

    /// A short static description (the wrapped error's, for wrapping variants).
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::EmptyFunctionName => "empty function name",
            Self::FunctionNameTooLong => {
                "function name too long (at most 256 characters, name part at most 64)"
            }
            Self::InvalidFunctionName => "invalid function name",
            Self::InvalidQualifier => "invalid qualifier",
            Self::ClientContextTooLarge => "client context over 3583 base64 characters",
            Self::InvalidClientContext => "client context is not base64",
            Self::InvalidTenantId => "invalid tenant id",
            Self::InvalidDurableExecutionName => "invalid durable execution name",
            Self::PayloadTooLarge { .. } => "payload too large for the invocation type",
            Self::BufferTooSmall { .. } => "output buffer too small for the request head",
            Self::Time(e) => e.as_str(),
            Self::Signing(e) => e.as_str(),
            Self::Endpoint(e) => e.as_str(),
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        match self {
            Self::PayloadTooLarge { limit } => write!(f, " (limit {limit} bytes)"),
            Self::BufferTooSmall { required } => write!(f, " ({required} bytes required)"),
            _ => Ok(()),
        }
    }
}

impl core::error::Error for RequestError {}

impl From<TimeError> for RequestError {
    fn from(e: TimeError) -> Self {
        Self::Time(e)
    }
}

impl From<SigningError> for RequestError {
    fn from(e: SigningError) -> Self {
        Self::Signing(e)
    }
}

impl From<EndpointError> for RequestError {
    fn from(e: EndpointError) -> Self {
        Self::Endpoint(e)
    }
}

#[cfg(not(target_os = "none"))]
fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

fn is_alias_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')
}

/// `$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+`: the qualifier allowed inside a function name.
#[cfg(not(target_os = "none"))]
fn is_name_qualifier(s: &str) -> bool {
    matches!(s, "$LATEST" | "$LATEST.PUBLISHED") || (!s.is_empty() && s.bytes().all(is_alias_char))
}

/// `aws[a-zA-Z-]*`, or empty: the partition of a Lambda ARN.
#[cfg(not(target_os = "none"))]
fn is_partition(s: &str) -> bool {
    // `aws` by a slice pattern (byte compares) rather than `starts_with` (a call to a slice
    // comparison); its letters pass the character test as well.
    s.is_empty()
        || (matches!(s.as_bytes(), [b'a', b'w', b's', ..])
            && s.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'))
}

/// `(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}`: a region inside an ARN.
///
/// Checked by position rather than by splitting at `-`: the first two letters and the final
/// `-digit` are at fixed places, and what lies between is a word after at most one
/// `gov-`/`iso-`/`isoX-` part.
fn is_arn_region(s: &[u8]) -> bool {
    let s = match s.split_at_checked(5) {
        Some((head, rest)) if crate::encode::bytes_eq(head, b"eusc-") => rest,
        _ => s,
    };
    // `xx-` … `-N`: at least one byte between them.
    let [a, b, b'-', mid @ .., b'-', digit] = s else {
        return false;
    };
    if !(a.is_ascii_lowercase() && b.is_ascii_lowercase() && digit.is_ascii_digit()) {
        return false;
    }
    // `mid` is `word` or `gov-word` / `iso-word` / `isoX-word` (X a lower-case letter).
    let word = match mid.iter().position(|&c| c == b'-') {
        None => mid,
        Some(i) => {
            let (part, word) = mid.split_at_checked(i).unwrap_or((mid, &[]));
            // The first three bytes as one number (a byte each, so the comparisons are exact)
            // rather than slice patterns, which unroll into a compare per byte and length.
            let part_ok = match *part {
                [a, b, c, ref x @ ..] => {
                    let abc = u32::from_le_bytes([a, b, c, 0]);
                    let iso = u32::from_le_bytes(*b"iso\0");
                    match x {
                        [] => abc == iso || abc == u32::from_le_bytes(*b"gov\0"),
                        [x] => abc == iso && x.is_ascii_lowercase(),
                        _ => false,
                    }
                }
                _ => false,
            };
            if !part_ok {
                return false;
            }
            word.get(1..).unwrap_or_default()
        }
    };
    !word.is_empty() && word.iter().all(u8::is_ascii_lowercase)
}

/// Whether the `:`-separated segments of `prefix` (`None`: no segment at all) are, in order,
/// the optional groups of the `FunctionName` pattern that come before the name:
///
/// ```text
/// (arn:(aws[a-zA-Z-]*)?:lambda:)?(REGION:)?(\d{12}:)?(function:)?
/// ```
///
/// Matched greedily, each group tried where the previous one ended: no segment that one group
/// accepts is accepted by another (`arn`, a region with its `-`, twelve digits, `function`), so
/// a segment either starts the group it fits or the prefix does not match.
#[cfg(not(target_os = "none"))]
fn is_name_prefix(prefix: Option<&str>) -> bool {
    let Some(prefix) = prefix else {
        return true;
    };
    let mut segs = crate::encode::split_byte(prefix, b':');
    let mut seg = segs.next();
    if seg == Some("arn") {
        if !(segs.next().is_some_and(is_partition) && segs.next() == Some("lambda")) {
            return false;
        }
        seg = segs.next();
    }
    if seg.is_some_and(|s| is_arn_region(s.as_bytes())) {
        seg = segs.next();
    }
    if seg.is_some_and(|a| a.len() == 12 && is_digits(a)) {
        seg = segs.next();
    }
    if seg == Some("function") {
        seg = segs.next();
    }
    seg.is_none()
}

/// `s` split at its last `:`: the part before it (`None` if there is no `:`) and after it.
#[cfg(not(target_os = "none"))]
fn split_last_colon(s: &str) -> (Option<&str>, &str) {
    match s.bytes().rposition(|b| b == b':') {
        Some(i) => {
            let (before, after) = crate::encode::split_str_at(s, i);
            (Some(before), after.get(1..).unwrap_or_default())
        }
        None => (None, s),
    }
}

/// Matches the model's `FunctionName` pattern over `:`-separated segments (hosts; firmware has
/// [`small::function_name_part`], the same parse in one pass that is about 200 bytes smaller but
/// cost hosts about half again the instructions when measured on hosts):
///
/// ```text
/// (arn:(aws[a-zA-Z-]*)?:lambda:)?(REGION:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:QUALIFIER)?
/// ```
///
/// and returns the name part of the first match in the order a backtracking regex engine finds
/// it: each optional group is tried present before absent (greedy). That is the parse the service
/// applies its limits to: in `function:NAME`, `function:` is the keyword and NAME the name, not
/// a name `function` with qualifier NAME.
///
/// The name is the last segment or the one before it (then followed by a qualifier). Before
/// the name, the groups can be laid over the segments in at most one way (see
/// [`is_name_prefix`]), and the layout that leaves the last segment as the name has one group
/// more present than the one that leaves it as the qualifier: the engine tries it first, so it
/// wins whenever it matches.
#[cfg(not(target_os = "none"))]
fn function_name_part(name: &str) -> Option<&str> {
    let is_name = |s: &str| !s.is_empty() && s.bytes().all(is_name_char);
    let (before, last) = split_last_colon(name);
    if is_name(last) && is_name_prefix(before) {
        return Some(last);
    }
    let (prefix, middle) = split_last_colon(before?);
    (is_name(middle) && is_name_qualifier(last) && is_name_prefix(prefix)).then_some(middle)
}

/// Whether every byte of `s` is an ASCII digit.
#[cfg(not(target_os = "none"))]
fn is_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// The `FunctionName` parse for firmware: one pass over the name's bytes that classifies each
/// segment once and follows the groups before the name as a small state machine, instead of
/// splitting at the last colons and walking the prefix again for each candidate name.
#[cfg(any(test, target_os = "none"))]
mod small {
    use super::is_arn_region;
    use crate::encode::bytes_eq;

    /// Bit `s` of a [`segment_class`]: the segment fits the optional group that the parse tries
    /// at stage `s` (see [`next_stage`]). The stages are the groups in pattern order.
    const ARN: u8 = 1 << 0;
    /// `aws[a-zA-Z-]*`, or empty: the partition of a Lambda ARN (stage 1).
    const PARTITION: u8 = 1 << 1;
    /// `lambda` (stage 2).
    const LAMBDA: u8 = 1 << 2;
    /// A region inside an ARN (stage 3), see [`is_arn_region`].
    const REGION: u8 = 1 << 3;
    /// Twelve digits, the account (stage 4).
    const ACCOUNT: u8 = 1 << 4;
    /// `function` (stage 5).
    const FUNCTION: u8 = 1 << 5;
    /// `[a-zA-Z0-9-_\.]+`: a function name proper.
    const NAME: u8 = 1 << 6;
    /// `[a-zA-Z0-9-_]+`: an alias or version, the qualifier allowed inside a function name
    /// besides `$LATEST` and `$LATEST.PUBLISHED`.
    const ALIAS: u8 = 1 << 7;
    /// The stage after a prefix that matches no layout of the groups.
    const NO_MATCH: u8 = 7;

    /// The kind of byte `c` is, as one bit: 0 letter or `-` (no part tells them apart), 1 digit,
    /// 2 `_`, 3 `.`, 4 anything else. A segment's kinds (the union over its bytes) answer its
    /// character-set questions.
    fn byte_kind(c: u8) -> u8 {
        if c.is_ascii_alphabetic() || c == b'-' {
            1
        } else if c.is_ascii_digit() {
            2
        } else if c == b'_' {
            4
        } else if c == b'.' {
            8
        } else {
            16
        }
    }

    /// Which of the pattern's parts the `:`-free segment `b` could be, as bits ([`ARN`] …
    /// [`ALIAS`]), given the union of its bytes' [`byte_kind`]s (0: empty).
    fn segment_class(b: &[u8], kinds: u8) -> u8 {
        let mut class = 0;
        // A call to the shared comparison rather than slice patterns, which unroll into a
        // compare per byte.
        if bytes_eq(b, b"arn") {
            class |= ARN;
        }
        // `aws` by a slice pattern (byte compares) rather than `starts_with` (a call).
        if kinds == 0 || (matches!(b, [b'a', b'w', b's', ..]) && kinds == 1) {
            class |= PARTITION;
        }
        if bytes_eq(b, b"lambda") {
            class |= LAMBDA;
        }
        if is_arn_region(b) {
            class |= REGION;
        }
        if b.len() == 12 && kinds == 2 {
            class |= ACCOUNT;
        }
        if bytes_eq(b, b"function") {
            class |= FUNCTION;
        }
        if matches!(kinds, 1..16) {
            class |= NAME;
        }
        if matches!(kinds, 1..8) {
            class |= ALIAS;
        }
        class
    }

    /// The parse's stage after one more segment (of class `class`) of the part before the name:
    ///
    /// ```text
    /// (arn:(aws[a-zA-Z-]*)?:lambda:)?(REGION:)?(\d{12}:)?(function:)?
    ///  0    1                2        3         4         5         6: all groups passed
    /// ```
    ///
    /// The ARN's three segments come together or not at all; each later group is optional, so
    /// a segment may skip to the first later group it fits. Greedy matching (each group tried
    /// present before absent) gives one layout at most: no segment fits two of the groups
    /// `arn`, a region (with its `-`), twelve digits and `function`. [`NO_MATCH`] stays.
    fn next_stage(stage: u8, class: u8) -> u8 {
        let from = if stage == 0 && class & ARN == 0 {
            3
        } else {
            stage
        };
        // The groups a segment may fill from `from`: the next ARN segment, or any later
        // optional group (none from stage 6 or [`NO_MATCH`]).
        let open = if from < 3 {
            1 << from
        } else {
            0b11_1000 >> from << from
        };
        match class & open {
            0 => NO_MATCH,
            // Below 8, so the cast is exact.
            fits => fits.trailing_zeros() as u8 + 1,
        }
    }

    /// Whether a prefix that reached `stage` can stand before the name: not inside the ARN's
    /// three segments, and not [`NO_MATCH`].
    fn prefix_complete(stage: u8) -> bool {
        !matches!(stage, 1 | 2 | NO_MATCH)
    }

    /// [`super::function_name_part`], as bytes: the name is the last segment if the stages
    /// before it allow, else the one before it if a qualifier follows and the stages before
    /// that allow (the layout with the name last has one group more present, so a
    /// backtracking engine tries it first). The stage reached before each of the last two
    /// segments is kept as the pass goes.
    pub(super) fn function_name_part(name: &str) -> Option<&[u8]> {
        let name = name.as_bytes();
        let (mut start, mut kinds) = (0, 0);
        let (mut prev, mut prev_class): (&[u8], u8) = (&[], 0);
        let (mut before_last, mut before_prev) = (0, NO_MATCH);
        // Segments and their byte kinds in the same pass; a `:` ends a segment that is not the
        // last.
        for (end, &c) in name.iter().enumerate() {
            if c != b':' {
                kinds |= byte_kind(c);
                continue;
            }
            let seg = name.get(start..end).unwrap_or_default();
            prev_class = segment_class(seg, kinds);
            before_prev = before_last;
            before_last = next_stage(before_last, prev_class);
            (prev, start, kinds) = (seg, end + 1, 0);
        }
        let last = name.get(start..).unwrap_or_default();
        let last_class = segment_class(last, kinds);
        if last_class & NAME != 0 && prefix_complete(before_last) {
            return Some(last);
        }
        // A call to the shared comparison rather than byte patterns, which unroll into a compare
        // per byte; one call for both words: `$LATEST` is the first 7 bytes of
        // `$LATEST.PUBLISHED`, so a segment of either length is compared with that many bytes
        // of the longer word (12 bytes of flash less than a call and a word each).
        let qualifier = last_class & ALIAS != 0
            || (matches!(last.len(), 7 | 17)
                && bytes_eq(
                    last,
                    b"$LATEST.PUBLISHED".get(..last.len()).unwrap_or_default(),
                ));
        (prev_class & NAME != 0 && qualifier && prefix_complete(before_prev)).then_some(prev)
    }
}

/// A validated `FunctionName`: `my-function`, `my-function:alias`, `my-function:3`,
/// `123456789012:function:my-function[:qualifier]` or
/// `arn:aws:lambda:us-west-2:123456789012:function:my-function[:qualifier]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FunctionName<'a>(&'a str);

impl<'a> FunctionName<'a> {
    /// Checks `name` against the Lambda model's pattern and limits.
    pub fn new(name: &'a str) -> Result<Self, RequestError> {
        if name.is_empty() {
            return Err(RequestError::EmptyFunctionName);
        }
        if name.len() > MAX_FUNCTION_NAME_LEN {
            return Err(RequestError::FunctionNameTooLong);
        }
        #[cfg(not(target_os = "none"))]
        let part = function_name_part(name).map(str::as_bytes);
        #[cfg(target_os = "none")]
        let part = small::function_name_part(name);
        match part {
            // `.` and `..` would be dot segments in the request path: a server (and botocore's
            // canonical path) would remove them and address another resource.
            Some(b"." | b"..") | None => Err(RequestError::InvalidFunctionName),
            Some(part) if part.len() > MAX_NAME_LEN => Err(RequestError::FunctionNameTooLong),
            Some(_) => Ok(Self(name)),
        }
    }

    /// The name as given.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

/// A validated `Qualifier`: a version, an alias, `$LATEST` or `$LATEST.PUBLISHED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Qualifier<'a>(&'a str);

impl<'a> Qualifier<'a> {
    /// Checks `q` against `\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+`, 1 to 128 characters.
    pub fn new(q: &'a str) -> Result<Self, RequestError> {
        let ok = crate::encode::bytes_eq(q.as_bytes(), b"$LATEST.PUBLISHED")
            || (!q.is_empty()
                && q.len() <= MAX_QUALIFIER_LEN
                && q.bytes().all(|b| {
                    // Letters, digits, `-`, `_` and `$`: the unreserved characters but `.` and
                    // `~` (through the encoder's test, which firmware links anyway), and `$`.
                    (crate::encode::is_unreserved(b) && !matches!(b, b'.' | b'~')) || b == b'$'
                }));
        if ok {
            Ok(Self(q))
        } else {
            Err(RequestError::InvalidQualifier)
        }
    }

    /// The qualifier as given.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

/// The values of [`InvocationType`] and then of [`LogType`], each in the order of its variants:
/// what their `name` returns a reference into. One table of texts indexed by variant, where a
/// `match` per enum returning a reference to a static of its own builds a table of pointers to
/// those statics besides them (about 24 bytes of flash less on bare-metal targets).
static TYPE_NAMES: [&str; 5] = ["RequestResponse", "Event", "DryRun", "None", "Tail"];

/// How Lambda runs the function, and so which status a success returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum InvocationType {
    /// Run synchronously and return the result (200).
    #[default]
    RequestResponse,
    /// Queue for asynchronous execution (202).
    Event,
    /// Validate parameters and permissions only (204).
    DryRun,
}

impl InvocationType {
    /// The `X-Amz-Invocation-Type` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RequestResponse => "RequestResponse",
            Self::Event => "Event",
            Self::DryRun => "DryRun",
        }
    }

    /// [`InvocationType::as_str`] by reference to a static: an [`Emit`] for the head writer.
    pub(crate) fn name(self) -> &'static &'static str {
        // The variant's index is below 3, so the fallback is never taken.
        TYPE_NAMES.get(self as usize).unwrap_or(&"")
    }

    /// Parses the header value (exact, case-sensitive, as the API is).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "RequestResponse" => Some(Self::RequestResponse),
            "Event" => Some(Self::Event),
            "DryRun" => Some(Self::DryRun),
            _ => None,
        }
    }

    /// The status Lambda returns on success: 200, 202 or 204.
    pub const fn success_status(self) -> u16 {
        match self {
            Self::RequestResponse => 200,
            Self::Event => 202,
            Self::DryRun => 204,
        }
    }

    /// The largest payload Lambda accepts for this type.
    pub const fn max_payload_len(self) -> u64 {
        match self {
            Self::Event => MAX_EVENT_PAYLOAD_LEN,
            Self::RequestResponse | Self::DryRun => MAX_SYNC_PAYLOAD_LEN,
        }
    }
}

/// Whether to return the last 4 KB of the execution log (`Tail`, synchronous only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LogType {
    /// No log.
    #[default]
    None,
    /// The log tail, base64 in `X-Amz-Log-Result`.
    Tail,
}

impl LogType {
    /// The `X-Amz-Log-Type` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Tail => "Tail",
        }
    }

    /// [`LogType::as_str`] by reference to a static: an [`Emit`] for the head writer.
    pub(crate) fn name(self) -> &'static &'static str {
        // After the three invocation types; the variant's index is below 2, so the fallback is
        // never taken.
        TYPE_NAMES.get(3 + self as usize).unwrap_or(&"")
    }

    /// Parses the header value (exact, case-sensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "None" => Some(Self::None),
            "Tail" => Some(Self::Tail),
            _ => None,
        }
    }
}

/// Client context for the function (`context.client_context`), sent base64 in
/// `X-Amz-Client-Context`: raw JSON that the core base64-encodes while writing (no buffer,
/// [`ClientContext::json`]), or text already base64, sent exactly as given (what boto3 expects
/// of its callers, [`ClientContext::base64`]).
#[derive(Clone, Copy)]
pub struct ClientContext<'a> {
    /// The JSON bytes, or the base64 text.
    value: &'a [u8],
    /// Whether `value` is raw JSON, to be encoded.
    json: bool,
    /// Writes `value` as the header value: the base64 encoder for JSON, a plain `put` for
    /// base64 text. Chosen by the constructor rather than by a `match` when writing, so that
    /// the encoder is linked only into firmware that builds a JSON context (a `match` links it
    /// into every head writer).
    write: fn(&[u8], &mut dyn Sink),
}

impl<'a> ClientContext<'a> {
    /// Raw JSON, checked to encode within 3,583 characters.
    pub fn json(raw: &'a [u8]) -> Result<Self, RequestError> {
        if base64_len(raw.len()) > MAX_CLIENT_CONTEXT_LEN {
            return Err(RequestError::ClientContextTooLarge);
        }
        Ok(Self {
            value: raw,
            json: true,
            write: put_base64,
        })
    }

    /// Pre-encoded base64, checked for length and alphabet (so it cannot inject a header).
    pub fn base64(encoded: &'a str) -> Result<Self, RequestError> {
        if encoded.len() > MAX_CLIENT_CONTEXT_LEN {
            return Err(RequestError::ClientContextTooLarge);
        }
        if !encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        {
            return Err(RequestError::InvalidClientContext);
        }
        Ok(Self {
            value: encoded.as_bytes(),
            json: false,
            write: |text, sink| sink.put(text),
        })
    }

    /// The length of the header value.
    pub fn encoded_len(&self) -> usize {
        if self.json {
            base64_len(self.value.len())
        } else {
            self.value.len()
        }
    }

    /// The base64 text of a pre-encoded context (ASCII, checked by [`ClientContext::base64`]).
    fn base64_text(&self) -> &'a str {
        core::str::from_utf8(self.value).unwrap_or_default()
    }
}

/// Equal when both are JSON or both base64, with the same bytes (`write` follows from `json`).
impl PartialEq for ClientContext<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json && self.value == other.value
    }
}

impl Eq for ClientContext<'_> {}

/// As `Json([…])` (the bytes) or `Base64("…")` (the text).
impl fmt::Debug for ClientContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.json {
            f.debug_tuple("Json").field(&self.value).finish()
        } else {
            f.debug_tuple("Base64").field(&self.base64_text()).finish()
        }
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for ClientContext<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        if self.json {
            defmt::write!(f, "Json({=[u8]})", self.value);
        } else {
            defmt::write!(f, "Base64({=str})", self.base64_text());
        }
    }
}

impl Emit for ClientContext<'_> {
    fn emit(&self, sink: &mut dyn Sink) {
        (self.write)(self.value, sink);
    }
}

/// A validated `TenantId` (`X-Amz-Tenant-Id`), for tenant-isolated functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TenantId<'a>(&'a str);

impl<'a> TenantId<'a> {
    /// Checks `id` against `[a-zA-Z0-9._:/=+\-@ ]+`, 1 to 256 characters.
    pub fn new(id: &'a str) -> Result<Self, RequestError> {
        let ok = !id.is_empty()
            && id.len() <= MAX_TENANT_ID_LEN
            && id.bytes().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'.' | b'_' | b':' | b'/' | b'=' | b'+' | b'-' | b'@' | b' '
                    )
            });
        if ok {
            Ok(Self(id))
        } else {
            Err(RequestError::InvalidTenantId)
        }
    }

    /// The id as given.
    pub fn as_str(&self) -> &'a str {
        self.0
    }

    /// The id by reference, for the head writer: a `&&str` is an [`Emit`] (through
    /// `impl Emit for &str`) without a copy of the string's reference kept anywhere else.
    pub(crate) fn as_str_ref(&self) -> &&'a str {
        &self.0
    }
}

/// A validated `DurableExecutionName` (`X-Amz-Durable-Execution-Name`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DurableExecutionName<'a>(&'a str);

impl<'a> DurableExecutionName<'a> {
    /// Checks `name` against `[a-zA-Z0-9-_]+`, 1 to 64 characters.
    pub fn new(name: &'a str) -> Result<Self, RequestError> {
        if !name.is_empty()
            && name.len() <= MAX_DURABLE_EXECUTION_NAME_LEN
            && name.bytes().all(is_alias_char)
        {
            Ok(Self(name))
        } else {
            Err(RequestError::InvalidDurableExecutionName)
        }
    }

    /// The name as given.
    pub fn as_str(&self) -> &'a str {
        self.0
    }

    /// The name by reference, for the head writer (see [`TenantId::as_str_ref`]).
    pub(crate) fn as_str_ref(&self) -> &&'a str {
        &self.0
    }
}

/// An `Invoke` call: every input of boto3's `Lambda.Client.invoke` except the payload bytes,
/// which are sent separately (and may be streamed); the payload's hash and length go to the
/// request writer.
///
/// `None` fields are not sent (Lambda's defaults apply: `RequestResponse`, no log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InvokeRequest<'a> {
    /// Which function.
    pub function_name: FunctionName<'a>,
    /// `?Qualifier=`: a version or alias.
    pub qualifier: Option<Qualifier<'a>>,
    /// `X-Amz-Invocation-Type`.
    pub invocation_type: Option<InvocationType>,
    /// `X-Amz-Log-Type`.
    pub log_type: Option<LogType>,
    /// `X-Amz-Client-Context`.
    pub client_context: Option<ClientContext<'a>>,
    /// `X-Amz-Tenant-Id`.
    pub tenant_id: Option<TenantId<'a>>,
    /// `X-Amz-Durable-Execution-Name`.
    pub durable_execution_name: Option<DurableExecutionName<'a>>,
}

impl<'a> InvokeRequest<'a> {
    /// A synchronous invoke of `function_name` with Lambda's defaults.
    pub fn new(function_name: FunctionName<'a>) -> Self {
        Self {
            function_name,
            qualifier: None,
            invocation_type: None,
            log_type: None,
            client_context: None,
            tenant_id: None,
            durable_execution_name: None,
        }
    }

    /// Sets the qualifier.
    pub fn with_qualifier(mut self, qualifier: Qualifier<'a>) -> Self {
        self.qualifier = Some(qualifier);
        self
    }

    /// Sets the invocation type (sent explicitly, even for `RequestResponse`).
    pub fn with_invocation_type(mut self, invocation_type: InvocationType) -> Self {
        self.invocation_type = Some(invocation_type);
        self
    }

    /// Sets the log type.
    pub fn with_log_type(mut self, log_type: LogType) -> Self {
        self.log_type = Some(log_type);
        self
    }

    /// Sets the client context.
    pub fn with_client_context(mut self, client_context: ClientContext<'a>) -> Self {
        self.client_context = Some(client_context);
        self
    }

    /// The invocation type Lambda will apply (`RequestResponse` when none is sent).
    pub fn effective_invocation_type(&self) -> InvocationType {
        self.invocation_type.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The implementation before the size work, as the reference for the position-based one:
    /// `is_partition`, `is_arn_region` and the recursive `function_name_part` as they were.
    mod reference {
        use super::super::{is_name_char, is_name_qualifier};

        /// `aws[a-zA-Z-]*`, or empty: the partition of a Lambda ARN.
        fn is_partition(s: &str) -> bool {
            s.is_empty()
                || (s.starts_with("aws") && s.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'))
        }

        /// `(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}`: a region inside an ARN.
        pub(super) fn is_arn_region(s: &str) -> bool {
            let s = s.strip_prefix("eusc-").unwrap_or(s);
            let lower = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_lowercase());
            let mut t = crate::encode::split_byte(s, b'-');
            let (a, b, c, d, e) = (t.next(), t.next(), t.next(), t.next(), t.next());
            let two = a.is_some_and(|a| a.len() == 2 && lower(a));
            let digit = |x: Option<&str>| {
                x.is_some_and(|x| x.len() == 1 && x.bytes().all(|b| b.is_ascii_digit()))
            };
            let iso_or_gov = |x: &str| {
                x == "gov" || x == "iso" || (x.len() == 4 && x.starts_with("iso") && lower(x))
            };
            match (b, c, d, e) {
                (Some(b), Some(_), None, None) => two && lower(b) && digit(c),
                (Some(b), Some(c), Some(_), None) => two && iso_or_gov(b) && lower(c) && digit(d),
                _ => false,
            }
        }

        /// Matches the model's `FunctionName` pattern over `:`-separated segments, group by group
        /// from `stage`, each optional group tried present before absent (greedy), and returns the
        /// name part of the first match:
        ///
        /// ```text
        /// (arn:(aws[a-zA-Z-]*)?:lambda:)?(REGION:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:QUALIFIER)?
        /// ```
        pub(super) fn function_name_part<'s>(segs: &[&'s str], stage: u8) -> Option<&'s str> {
            let rest = |n: usize| segs.get(n..).unwrap_or_default();
            match stage {
                0 => match segs {
                    ["arn", p, "lambda", ..] if is_partition(p) => function_name_part(rest(3), 1),
                    _ => None,
                }
                .or_else(|| function_name_part(segs, 1)),
                1 => segs
                    .first()
                    .filter(|s| is_arn_region(s))
                    .and_then(|_| function_name_part(rest(1), 2))
                    .or_else(|| function_name_part(segs, 2)),
                2 => segs
                    .first()
                    .filter(|s| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|_| function_name_part(rest(1), 3))
                    .or_else(|| function_name_part(segs, 3)),
                3 => segs
                    .first()
                    .filter(|s| **s == "function")
                    .and_then(|_| function_name_part(rest(1), 4))
                    .or_else(|| function_name_part(segs, 4)),
                _ => match segs {
                    [name, tail @ ..]
                        if !name.is_empty()
                            && name.bytes().all(is_name_char)
                            && match tail {
                                [] => true,
                                [q] => is_name_qualifier(q),
                                _ => false,
                            } =>
                    {
                        Some(*name)
                    }
                    _ => None,
                },
            }
        }

        /// The former `FunctionName::new` parse: at most eight segments.
        pub(super) fn name_part(name: &str) -> Option<&str> {
            let segs: std::vec::Vec<&str> = name.split(':').collect();
            if segs.len() > 8 {
                return None;
            }
            function_name_part(&segs, 0)
        }
    }

    /// A small deterministic generator (xorshift), so the comparisons reach past the
    /// exhaustive lengths without a dependency.
    fn xorshift(state: &mut u64) -> usize {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state >> 11) as usize
    }

    /// The former `InvocationType::name`: a reference to a static per variant.
    fn invocation_type_name_reference(t: InvocationType) -> &'static &'static str {
        match t {
            InvocationType::RequestResponse => &"RequestResponse",
            InvocationType::Event => &"Event",
            InvocationType::DryRun => &"DryRun",
        }
    }

    /// The former `LogType::name`.
    fn log_type_name_reference(t: LogType) -> &'static &'static str {
        match t {
            LogType::None => &"None",
            LogType::Tail => &"Tail",
        }
    }

    #[test]
    fn enum_names_by_reference_match_as_str() {
        for t in [
            InvocationType::RequestResponse,
            InvocationType::Event,
            InvocationType::DryRun,
        ] {
            assert_eq!(*t.name(), t.as_str());
            assert_eq!(*t.name(), *invocation_type_name_reference(t));
        }
        for t in [LogType::None, LogType::Tail] {
            assert_eq!(*t.name(), t.as_str());
            assert_eq!(*t.name(), *log_type_name_reference(t));
        }
        let id = TenantId::new("tenant-1").unwrap();
        assert_eq!(*id.as_str_ref(), id.as_str());
        let name = DurableExecutionName::new("run-1").unwrap();
        assert_eq!(*name.as_str_ref(), name.as_str());
    }

    #[test]
    fn latest_qualifiers_in_names_match_the_reference() {
        // The qualifier words after a name (`$LATEST` and `$LATEST.PUBLISHED`, which firmware
        // compares by one call), every prefix of the longer one with and without a byte more,
        // and each with any one byte changed, through both parses against the reference.
        let word = "$LATEST.PUBLISHED";
        let mut words: std::vec::Vec<std::string::String> = std::vec::Vec::new();
        for end in 0..=word.len() {
            words.push(word[..end].into());
            words.push(std::format!("{}D", &word[..end]));
        }
        for i in 0..word.len() {
            for c in [b'x', b'.', b'$', b'L', b'l', b'_'] {
                for end in [7, word.len()] {
                    let mut w = word.as_bytes()[..end].to_vec();
                    if i < end {
                        w[i] = c;
                        words.push(std::string::String::from_utf8(w).unwrap());
                    }
                }
            }
        }
        for q in &words {
            for prefix in [
                "my-fn:",
                "arn:aws:lambda:us-east-1:123456789012:function:f:",
            ] {
                let name = std::format!("{prefix}{q}");
                let want = reference::name_part(&name);
                assert_eq!(function_name_part(&name), want, "{name:?}");
                assert_eq!(
                    small::function_name_part(&name),
                    want.map(str::as_bytes),
                    "{name:?}"
                );
            }
        }
    }

    #[test]
    fn arn_regions_match_the_reference() {
        let alphabet = [b'a', b'b', b'-', b'1', b'i', b's', b'o', b'g', b'v', b'A'];
        let mut buf = std::vec::Vec::new();
        for len in 0..=6u32 {
            for mut n in 0..alphabet.len().pow(len) {
                buf.clear();
                for _ in 0..len {
                    buf.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                let s = std::str::from_utf8(&buf).unwrap();
                assert_eq!(
                    is_arn_region(s.as_bytes()),
                    reference::is_arn_region(s),
                    "{s:?}"
                );
            }
        }
        // Regions built part by part, each part mostly well-formed, joined mostly by `-`.
        let parts: [&[&str]; 5] = [
            &["", "", "eusc-", "eusc", "eu-"],
            &["us", "eu", "de", "u", "usa", "Us", "é"],
            &[
                "", "", "gov", "iso", "isob", "isoe", "isobb", "isoB", "go", "gov1", "x",
            ],
            &["east", "west", "e", "", "East", "e1", "a-b"],
            &["1", "2", "12", "", "x"],
        ];
        let seps = ["-", "-", "-", "", "--"];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut s = std::string::String::new();
        for _ in 0..300_000 {
            s.clear();
            for (i, choices) in parts.iter().enumerate() {
                if i > 1 {
                    s.push_str(seps[xorshift(&mut state) % seps.len()]);
                }
                s.push_str(choices[xorshift(&mut state) % choices.len()]);
            }
            assert_eq!(
                is_arn_region(s.as_bytes()),
                reference::is_arn_region(&s),
                "{s:?}"
            );
        }
    }

    #[test]
    fn function_name_parts_match_the_reference() {
        let segments = [
            "arn",
            "aws",
            "aws-cn",
            "",
            "lambda",
            "us-east-1",
            "us-gov-west-1",
            "eusc-de-east-1",
            "123456789012",
            "12345",
            "1234567890123",
            "function",
            "my-fn",
            "$LATEST",
            "$LATEST.PUBLISHED",
            "a.b",
            ".",
            "x y",
            "gcp",
            "7",
            "ƒ",
        ];
        // Both forms: the hosts' and firmware's.
        let check = |name: &str| {
            let want = reference::name_part(name);
            assert_eq!(function_name_part(name), want, "{name:?}");
            assert_eq!(
                small::function_name_part(name),
                want.map(str::as_bytes),
                "{name:?}"
            );
        };
        let mut name = std::string::String::new();
        for len in 1..=4u32 {
            for mut n in 0..segments.len().pow(len) {
                name.clear();
                for i in 0..len {
                    if i > 0 {
                        name.push(':');
                    }
                    name.push_str(segments[n % segments.len()]);
                    n /= segments.len();
                }
                check(&name);
            }
        }
        // Longer names, each segment mostly the one a well-formed name has at its place.
        let shape = [
            "arn",
            "aws",
            "lambda",
            "us-east-1",
            "123456789012",
            "function",
            "my-fn",
            "7",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200_000 {
            let len = 5 + xorshift(&mut state) % 6;
            name.clear();
            for i in 0..len {
                if i > 0 {
                    name.push(':');
                }
                let pick = xorshift(&mut state);
                let seg = match shape.get(i) {
                    Some(s) if pick % 3 != 0 => s,
                    _ => segments[pick % segments.len()],
                };
                name.push_str(seg);
            }
            check(&name);
        }
    }

    #[test]
    fn accepts_every_function_name_form() {
        for ok in [
            "my-function",
            "my.function_v2",
            "my-function:alias",
            "my-function:3",
            "my-function:$LATEST",
            "my-function:$LATEST.PUBLISHED",
            "function:bKzr",
            "123456789012:function:my-function",
            "123456789012:function:my-function:prod",
            "arn:aws:lambda:us-west-2:123456789012:function:my-function",
            "arn:aws:lambda:us-west-2:123456789012:function:my-function:7",
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:f",
            "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f",
            "arn:aws-iso-b:lambda:us-isob-east-1:123456789012:function:f",
            "arn:aws:lambda:eusc-de-east-1:123456789012:function:f",
            "us-west-2:123456789012:function:f",
            &"a".repeat(64),
            "...",
            "v1.2.3",
            std::format!("function:{}:{}", "n".repeat(64), "q".repeat(100)).as_str(),
        ] {
            assert!(FunctionName::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_bad_function_names() {
        use RequestError::*;
        for (bad, err) in [
            ("", EmptyFunctionName),
            (&"a".repeat(65)[..], FunctionNameTooLong),
            (&"a".repeat(257)[..], FunctionNameTooLong),
            ("my function", InvalidFunctionName),
            ("my/function", InvalidFunctionName),
            ("fn\r\nX-Evil: 1", InvalidFunctionName),
            ("fn:", InvalidFunctionName),
            (":fn", InvalidFunctionName),
            ("fn:a:b", InvalidFunctionName),
            ("fn:$LATEST2", InvalidFunctionName),
            ("fn:a.b", InvalidFunctionName),
            (
                "arn:aws:s3:us-east-1:123456789012:function:f",
                InvalidFunctionName,
            ),
            (
                "arn:gcp:lambda:us-east-1:123456789012:function:f",
                InvalidFunctionName,
            ),
            ("12345:function:f", InvalidFunctionName),
            ("a:b:c:d:e:f:g:h:i", InvalidFunctionName),
            ("ƒunction", InvalidFunctionName),
            (".", InvalidFunctionName),
            ("..", InvalidFunctionName),
            ("123456789012:function:..", InvalidFunctionName),
            // `function:` is the keyword, so the 65-character part is the name, not a qualifier.
            (
                std::format!("function:{}", "n".repeat(65)).as_str(),
                FunctionNameTooLong,
            ),
            (
                std::format!("123456789012:function:{}", "n".repeat(65)).as_str(),
                FunctionNameTooLong,
            ),
            (
                std::format!(
                    "arn:aws:lambda:us-east-1:123456789012:function:{}",
                    "n".repeat(65)
                )
                .as_str(),
                FunctionNameTooLong,
            ),
        ] {
            assert_eq!(FunctionName::new(bad), Err(err), "{bad:?}");
        }
    }

    #[test]
    fn qualifiers() {
        for ok in ["$LATEST", "$LATEST.PUBLISHED", "7", "prod_v-2", "a$b"] {
            assert!(Qualifier::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a.b", "a b", "a\n", &"q".repeat(129)] {
            assert_eq!(
                Qualifier::new(bad),
                Err(RequestError::InvalidQualifier),
                "{bad}"
            );
        }
        assert!(Qualifier::new(&"q".repeat(128)).is_ok());
    }

    #[test]
    fn qualifier_check_matches_the_reference() {
        // The check before the size work, by `is_alias_char` and `$`.
        let reference = |q: &str| {
            q == "$LATEST.PUBLISHED"
                || (!q.is_empty()
                    && q.len() <= MAX_QUALIFIER_LEN
                    && q.bytes().all(|b| is_alias_char(b) || b == b'$'))
        };
        let mut cases: std::vec::Vec<std::string::String> = (0..=0x7fu8)
            .flat_map(|c| {
                let c = char::from(c);
                [
                    std::format!("{c}"),
                    std::format!("a{c}"),
                    std::format!("{c}9"),
                ]
            })
            .collect();
        for q in [
            "",
            "$LATEST",
            "$LATEST.PUBLISHED",
            "$LATEST.",
            "é",
            "a\u{7f}",
        ] {
            cases.push(q.into());
        }
        for len in [127, 128, 129] {
            cases.push("q".repeat(len));
        }
        for q in &cases {
            assert_eq!(Qualifier::new(q).is_ok(), reference(q), "{q:?}");
        }
    }

    #[test]
    fn client_context_limits() {
        assert!(ClientContext::json(&[b'x'; MAX_CLIENT_CONTEXT_JSON_LEN]).is_ok());
        assert_eq!(
            ClientContext::json(&[b'x'; MAX_CLIENT_CONTEXT_JSON_LEN + 1]),
            Err(RequestError::ClientContextTooLarge)
        );
        assert_eq!(base64_len(MAX_CLIENT_CONTEXT_JSON_LEN), 3580);
        assert!(ClientContext::base64(&"A".repeat(3583)).is_ok());
        assert_eq!(
            ClientContext::base64(&"A".repeat(3584)),
            Err(RequestError::ClientContextTooLarge)
        );
        assert_eq!(
            ClientContext::base64("e30=\r\nX: y"),
            Err(RequestError::InvalidClientContext)
        );
    }

    /// `ClientContext` as it was before the size work (a public enum, matched when written), as
    /// the reference for the struct that chooses its writer when built.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum ReferenceContext<'a> {
        Json(&'a [u8]),
        Base64(&'a str),
    }

    impl ReferenceContext<'_> {
        fn encoded_len(&self) -> usize {
            match self {
                Self::Json(raw) => base64_len(raw.len()),
                Self::Base64(s) => s.len(),
            }
        }

        fn emit(&self, sink: &mut dyn Sink) {
            match self {
                Self::Json(raw) => crate::encode::put_base64(raw, sink),
                Self::Base64(s) => sink.put(s.as_bytes()),
            }
        }
    }

    #[test]
    fn client_contexts_match_the_reference() {
        struct Bytes(std::vec::Vec<u8>);
        impl Sink for Bytes {
            fn put(&mut self, bytes: &[u8]) {
                self.0.extend_from_slice(bytes);
            }
        }
        let written = |emit: &dyn Fn(&mut dyn Sink)| {
            let mut out = Bytes(std::vec::Vec::new());
            emit(&mut out);
            out.0
        };
        let json: std::vec::Vec<std::vec::Vec<u8>> = (0..8)
            .map(|n| (0..n).map(|i| (i * 37 + 5) as u8).collect())
            .chain([b"{\"custom\": {\"k\": \"v v\"}}".to_vec(), b"e30=".to_vec()])
            .collect();
        let text = ["", "e30=", "eyJhIjoxfQ==", "A", "ab+/"];
        let mut pairs = std::vec::Vec::new();
        for raw in &json {
            pairs.push((
                ClientContext::json(raw).unwrap(),
                ReferenceContext::Json(raw),
            ));
        }
        for t in text {
            pairs.push((
                ClientContext::base64(t).unwrap(),
                ReferenceContext::Base64(t),
            ));
        }
        for (ours, reference) in &pairs {
            assert_eq!(ours.encoded_len(), reference.encoded_len(), "{reference:?}");
            assert_eq!(
                written(&|s| ours.emit(s)),
                written(&|s| reference.emit(s)),
                "{reference:?}"
            );
            assert_eq!(std::format!("{ours:?}"), std::format!("{reference:?}"));
            assert_eq!(std::format!("{ours:#?}"), std::format!("{reference:#?}"));
            for (other, other_reference) in &pairs {
                assert_eq!(ours == other, reference == other_reference);
            }
        }
    }

    #[test]
    fn tenant_and_durable_names() {
        assert!(TenantId::new("tenant-1/a=b+c@d e.f:g_h").is_ok());
        assert_eq!(TenantId::new("t\r\n"), Err(RequestError::InvalidTenantId));
        assert!(DurableExecutionName::new("run_1-a").is_ok());
        assert_eq!(
            DurableExecutionName::new("run 1"),
            Err(RequestError::InvalidDurableExecutionName)
        );
    }
}

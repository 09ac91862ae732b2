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

use heapless::string::StringView;
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

/// The length of `name` without a final `suffix`, and whether it had one (never, for an empty
/// suffix).
///
/// This and the functions below run only at compile time (they build constants), where an index
/// out of range is a build error, not a panic; hence the plain indexing.
#[allow(clippy::indexing_slicing)]
const fn stem(name: &[u8], suffix: &[u8]) -> (usize, bool) {
    if suffix.is_empty() || name.len() <= suffix.len() {
        return (name.len(), false);
    }
    let mut i = 0;
    while i < suffix.len() {
        if name[name.len() - suffix.len() + i] != suffix[i] {
            return (name.len(), false);
        }
        i += 1;
    }
    (name.len() - suffix.len(), true)
}

/// The total length of the stems of `names` (each without a final `suffix`).
#[allow(clippy::indexing_slicing)]
const fn stems_len(names: &[&str], suffix: &[u8]) -> usize {
    let (mut k, mut total) = (0, 0);
    while k < names.len() {
        total += stem(names[k].as_bytes(), suffix).0;
        k += 1;
    }
    total
}

/// The stems of `names` (each without a final `suffix`), back to back; with an empty suffix, the
/// names themselves.
#[allow(clippy::indexing_slicing)]
const fn stems<const N: usize>(names: &[&str], suffix: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let (mut k, mut at) = (0, 0);
    while k < names.len() {
        let name = names[k].as_bytes();
        let mut i = 0;
        while i < stem(name, suffix).0 {
            out[at] = name[i];
            at += 1;
            i += 1;
        }
        k += 1;
    }
    out
}

/// The stem length of each of `names`, flagged with [`SUFFIXED`] when the name ends in `suffix`;
/// with an empty suffix, the names' lengths.
#[allow(clippy::indexing_slicing)]
const fn stem_lens<const N: usize>(names: &[&str], suffix: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut k = 0;
    while k < N {
        let (keep, suffixed) = stem(names[k].as_bytes(), suffix);
        // Every name is under 128 bytes (the longest is 49): the flag bit is free.
        out[k] = keep as u8 | if suffixed { SUFFIXED } else { 0 };
        k += 1;
    }
    out
}

/// A lookup table for [`find_code`] in the form the target reads: [`table`] on hosts, [`stream`]
/// on firmware.
macro_rules! lookup_table {
    ($suffix:expr, $lens:expr, $text:expr) => {{
        #[cfg(not(target_os = "none"))]
        const TABLE: [u8; table_len($suffix, $lens, $text)] = table($suffix, $lens, $text);
        #[cfg(target_os = "none")]
        const TABLE: [u8; stream_len($suffix, $lens, $text)] = stream($suffix, $lens, $text);
        &TABLE
    }};
}

macro_rules! service_error_kinds {
    (
        $( $(#[$doc:meta])* $name:ident = $status:literal, )*
        ;
        $( $(#[$auth_doc:meta])* $auth:ident, )*
    ) => {
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
            $( $(#[$auth_doc])* $auth, )*
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
                $( ServiceErrorKind::$auth, )*
            ];
            /// The wire code of each of [`Self::KINDS`]. Only constants are built from it (the
            /// ones below): a table of `&str`s (8 bytes a code on a 32-bit target) is not linked.
            pub(crate) const CODE_NAMES: &'static [&'static str] = &[
                $( stringify!($name), )*
                $( stringify!($auth), )*
            ];
            /// The wire codes of [`Self::KINDS`], back to back.
            pub(crate) const CODE_TEXT: &'static str = {
                const BYTES: [u8; stems_len(ServiceErrorKind::CODE_NAMES, b"")] =
                    stems(ServiceErrorKind::CODE_NAMES, b"");
                match core::str::from_utf8(&BYTES) {
                    Ok(text) => text,
                    // Unreachable: the codes are identifiers. (An empty text would fail the
                    // tests, which compare every code with its kind's name.)
                    Err(_) => "",
                }
            };
            /// The length of each code in [`Self::CODE_TEXT`] (every one is under 128 bytes).
            pub(crate) const CODE_LENS: [u8; ServiceErrorKind::KINDS.len()] =
                stem_lens(Self::CODE_NAMES, b"");

            /// [`Self::CODE_TEXT`] with the `Exception` that ends most codes left off: what
            /// [`Self::from_code`] compares with (about 430 bytes less to link than the full codes,
            /// which only [`Self::code`] needs).
            pub(crate) const STEM_TEXT: [u8; stems_len(ServiceErrorKind::CODE_NAMES, EXCEPTION)] =
                stems(Self::CODE_NAMES, EXCEPTION);
            /// The length of each stem in [`Self::STEM_TEXT`], with [`SUFFIXED`] set when the code
            /// ends in `Exception`.
            pub(crate) const STEM_LENS: [u8; ServiceErrorKind::KINDS.len()] =
                stem_lens(Self::CODE_NAMES, EXCEPTION);

            /// The error code as it appears on the wire; `None` for [`ServiceErrorKind::Unknown`].
            pub fn code(self) -> Option<&'static str> {
                let mut start = 0;
                for (&kind, &len) in Self::KINDS.iter().zip(&Self::CODE_LENS) {
                    let end = start + usize::from(len);
                    if kind == self {
                        return Self::CODE_TEXT.get(start..end);
                    }
                    start = end;
                }
                None
            }

            /// The kind at position `i` of [`Self::KINDS`], [`ServiceErrorKind::Unknown`] past
            /// its end. Compares in declaration order, where the position is the discriminant,
            /// which the compiler folds into a range check: indexing `KINDS` would link it.
            fn at(i: usize) -> ServiceErrorKind {
                let mut k = 0;
                $(
                    if i == k {
                        return ServiceErrorKind::$name;
                    }
                    k += 1;
                )*
                $(
                    if i == k {
                        return ServiceErrorKind::$auth;
                    }
                    k += 1;
                )*
                ServiceErrorKind::Unknown
            }

            /// The kind for an error code (already stripped of `namespace#` and `:…`).
            pub fn from_code(code: &str) -> ServiceErrorKind {
                kind_for_code(code.as_bytes())
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
    ;
    // The authentication errors every AWS endpoint can send.
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

    /// The reason for the string in the error body.
    pub fn from_name(name: &str) -> ThrottleReason {
        reason_for_name(name.as_bytes())
    }
}

/// The suffix every [`ThrottleReason`] name shares, stored once rather than 6 times.
const LIMIT_EXCEEDED: &[u8] = b"LimitExceeded";

/// The names of [`ThrottleReason::KNOWN`], in order: only constants are built from them.
const REASON_NAMES: [&str; ThrottleReason::KNOWN.len()] = {
    let mut names = [""; ThrottleReason::KNOWN.len()];
    let mut k = 0;
    while k < names.len() {
        #[allow(clippy::indexing_slicing)] // compile time: an overrun fails the build
        {
            names[k] = ThrottleReason::KNOWN[k].1;
        }
        k += 1;
    }
    names
};

/// The [`ThrottleReason::KNOWN`] names without [`LIMIT_EXCEEDED`], back to back; what
/// [`reason_for_name`] compares with, in the packed form of [`ServiceErrorKind::STEM_TEXT`]
/// (about 100 bytes less than the table of `&str`s).
const REASON_TEXT: [u8; stems_len(&REASON_NAMES, LIMIT_EXCEEDED)] =
    stems(&REASON_NAMES, LIMIT_EXCEEDED);

/// The throttle reasons as [`find_code`] reads them.
const REASON_TABLE: &[u8] = lookup_table!(LIMIT_EXCEEDED, &REASON_LENS, &REASON_TEXT);

/// The stem length of each of [`REASON_TEXT`], flagged with [`SUFFIXED`].
const REASON_LENS: [u8; ThrottleReason::KNOWN.len()] = stem_lens(&REASON_NAMES, LIMIT_EXCEEDED);

/// The reason at position `i` of [`ThrottleReason::KNOWN`], [`ThrottleReason::Other`] past its
/// end. Spelled out in declaration order, where the position is the discriminant, which the
/// compiler folds into arithmetic; a table of the reasons would be linked (a test checks the
/// order against `KNOWN`).
fn reason_at(i: usize) -> ThrottleReason {
    use ThrottleReason as R;
    match i {
        0 => R::ConcurrentInvocationLimitExceeded,
        1 => R::FunctionInvocationRateLimitExceeded,
        2 => R::ReservedFunctionConcurrentInvocationLimitExceeded,
        3 => R::ReservedFunctionInvocationRateLimitExceeded,
        4 => R::CallerRateLimitExceeded,
        5 => R::ConcurrentSnapshotCreateLimitExceeded,
        _ => R::Other,
    }
}

/// [`ThrottleReason::from_name`] on bytes.
fn reason_for_name(name: &[u8]) -> ThrottleReason {
    match find_code(name, REASON_TABLE) {
        Some((i, true)) => reason_at(i),
        _ => ThrottleReason::Other,
    }
}

/// [`ServiceErrorKind::from_code`] on bytes.
fn kind_for_code(code: &[u8]) -> ServiceErrorKind {
    use ServiceErrorKind as K;
    match find_code(code, CODE_TABLE) {
        Some((i, same_suffix)) => {
            let kind = K::at(i);
            // The query-protocol spellings moto sends: `AccessDenied`, `ExpiredToken`.
            if same_suffix || matches!(kind, K::AccessDeniedException | K::ExpiredTokenException) {
                kind
            } else {
                K::Unknown
            }
        }
        None => K::Unknown,
    }
}

/// The error codes as [`find_code`] reads them.
const CODE_TABLE: &[u8] = lookup_table!(
    EXCEPTION,
    &ServiceErrorKind::STEM_LENS,
    &ServiceErrorKind::STEM_TEXT
);

/// Flag in a [`table`]'s stem lengths: the stem starts with some characters of the one before
/// it, as many as the byte after its length says.
const SHARED: u8 = 0x40;
/// The stem length in a [`table`]'s stem lengths (below [`SHARED`]: the longest stem is 36).
const STEM_LEN: u8 = SHARED - 1;

/// How many characters stem `k` of `text` (cut by `lens`) shares with stem `k - 1` when a
/// [`table`] leaves them out, else 0; and where stem `k` starts in `text`. Two or more are left
/// out (their count takes a byte), and never a whole stem.
#[allow(clippy::indexing_slicing)]
const fn shared_start(lens: &[u8], text: &[u8], k: usize) -> (usize, usize) {
    let (mut i, mut start, mut prev) = (0, 0, 0);
    while i < k {
        prev = start;
        start += (lens[i] & STEM_LEN) as usize;
        i += 1;
    }
    if k == 0 {
        return (0, start);
    }
    let (len, prev_len) = (
        (lens[k] & STEM_LEN) as usize,
        (lens[k - 1] & STEM_LEN) as usize,
    );
    let mut shared = 0;
    while shared + 1 < len && shared < prev_len && text[start + shared] == text[prev + shared] {
        shared += 1;
    }
    (if shared < 2 { 0 } else { shared }, start)
}

/// The bytes a [`table`] gives to stem lengths (one for each stem, one more for each stem that
/// shares its start), and the characters it packs (those not shared).
#[cfg(any(test, not(target_os = "none")))]
#[allow(clippy::indexing_slicing)]
const fn table_counts(lens: &[u8], text: &[u8]) -> (usize, usize) {
    let (mut k, mut len_bytes, mut chars) = (0, 0, 0);
    while k < lens.len() {
        let shared = shared_start(lens, text, k).0;
        len_bytes += if shared > 0 { 2 } else { 1 };
        chars += (lens[k] & STEM_LEN) as usize - shared;
        k += 1;
    }
    (len_bytes, chars)
}

/// The size of a [`table`].
#[cfg(any(test, not(target_os = "none")))]
const fn table_len(suffix: &[u8], lens: &[u8], text: &[u8]) -> usize {
    let (len_bytes, chars) = table_counts(lens, text);
    2 + suffix.len() + len_bytes + (chars * 6).div_ceil(8) + 1
}

/// A lookup table for [`find_code`] on hosts (firmware's form is a [`stream`]), in one byte array
/// so that a lookup passes one slice rather than three: the length of the suffix the names share,
/// the suffix, the number of bytes of stem lengths, each name's stem length (flagged with
/// [`SUFFIXED`] when the name ends in the suffix, and with [`SHARED`], then followed by their
/// number, when the stem starts with two or more characters of the one before it), then the
/// characters of the stems that are not shared, back to back, six bits a character (the alphabet
/// `A-Z _ a-z 0-4`, see [`symbol_char`]), and a byte of padding so that every character can be
/// read as a 16-bit window. Packing takes about a quarter off the text
/// (the error-code stems are about 880 bytes), and leaving out the shared starts (`SnapStart…`,
/// `CodeArtifactUser…`) about 90 bytes more. A character outside the alphabet fails the build;
/// a test checks that every table reads back as its text. Compile time only, like the other
/// table builders.
#[cfg(any(test, not(target_os = "none")))]
#[allow(clippy::indexing_slicing)]
const fn table<const N: usize>(suffix: &[u8], lens: &[u8], text: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out[0] = suffix.len() as u8;
    let mut at = 1;
    let mut i = 0;
    while i < suffix.len() {
        out[at] = suffix[i];
        at += 1;
        i += 1;
    }
    let (len_bytes, _) = table_counts(lens, text);
    out[at] = len_bytes as u8;
    at += 1;
    let packed = at + len_bytes;
    let mut c = 0;
    let mut k = 0;
    while k < lens.len() {
        let len = lens[k];
        // At compile time: the flags must stay clear of the length.
        assert!(
            len & STEM_LEN == len & !SUFFIXED,
            "stem too long for a table"
        );
        let (shared, start) = shared_start(lens, text, k);
        if shared > 0 {
            out[at] = len | SHARED;
            out[at + 1] = shared as u8;
            at += 2;
        } else {
            out[at] = len;
            at += 1;
        }
        i = start + shared;
        while i < start + (len & STEM_LEN) as usize {
            put_symbol(&mut out, packed, c, char_symbol(text[i]));
            c += 1;
            i += 1;
        }
        k += 1;
    }
    out
}

/// A [`stream`] symbol that is not a character (no [`char_symbol`] is 0x00, 0x1b or 0x20): the
/// end of a stem whose name does not end in the table's suffix.
#[cfg(any(test, target_os = "none"))]
const END: u8 = 0x00;
/// A [`stream`] symbol: the end of a stem whose name ends in the table's suffix.
#[cfg(any(test, target_os = "none"))]
const END_SUFFIXED: u8 = 0x20;
/// A [`stream`] symbol: the stem starts with as many characters of the one before as the next
/// symbol says.
#[cfg(any(test, target_os = "none"))]
const SHARE: u8 = 0x1b;

/// The number of symbols of a [`stream`].
#[cfg(any(test, target_os = "none"))]
#[allow(clippy::indexing_slicing)]
const fn stream_symbols(lens: &[u8], text: &[u8]) -> usize {
    let (mut k, mut symbols) = (0, 0);
    while k < lens.len() {
        let shared = shared_start(lens, text, k).0;
        symbols += (lens[k] & STEM_LEN) as usize - shared + if shared > 0 { 3 } else { 1 };
        k += 1;
    }
    symbols
}

/// The size of a [`stream`].
#[cfg(any(test, target_os = "none"))]
const fn stream_len(suffix: &[u8], lens: &[u8], text: &[u8]) -> usize {
    1 + suffix.len() + (stream_symbols(lens, text) * 6).div_ceil(8)
}

/// Firmware's form of a [`table`], for [`find_code_in_order`], which reads it from the start:
/// the length of the suffix, the suffix, then one run of six-bit symbols: for each name, [`SHARE`]
/// and a count when its stem starts with two or more characters of the one before, the stem's
/// other characters (as in [`table`]), and [`END`] or [`END_SUFFIXED`]. No stem lengths: a stem
/// ends where its end symbol is. Bits left over in the last byte are ones (a character, which
/// never ends a stem). Compile time only, like the other table builders.
#[cfg(any(test, target_os = "none"))]
#[allow(clippy::indexing_slicing)]
const fn stream<const N: usize>(suffix: &[u8], lens: &[u8], text: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out[0] = suffix.len() as u8;
    let mut i = 0;
    while i < suffix.len() {
        out[1 + i] = suffix[i];
        i += 1;
    }
    let packed = 1 + suffix.len();
    let mut c = 0;
    let mut k = 0;
    while k < lens.len() {
        let len = lens[k];
        assert!(len & STEM_LEN != 0, "empty stem");
        let (shared, start) = shared_start(lens, text, k);
        if shared > 0 {
            assert!(shared < 0x40, "shared start too long for a symbol");
            put_symbol(&mut out, packed, c, SHARE);
            put_symbol(&mut out, packed, c + 1, shared as u8);
            c += 2;
        }
        i = start + shared;
        while i < start + (len & STEM_LEN) as usize {
            put_symbol(&mut out, packed, c, char_symbol(text[i]));
            c += 1;
            i += 1;
        }
        let end = if len & SUFFIXED != 0 {
            END_SUFFIXED
        } else {
            END
        };
        put_symbol(&mut out, packed, c, end);
        c += 1;
        k += 1;
    }
    if c * 6 % 8 != 0 {
        out[N - 1] |= 0xff << (c * 6 % 8);
    }
    out
}

/// Sets symbol `c` of the symbols packed from `out[packed]` on (which are zero), for [`table`]
/// and [`stream`].
#[allow(clippy::indexing_slicing)]
const fn put_symbol<const N: usize>(out: &mut [u8; N], packed: usize, c: usize, symbol: u8) {
    let (byte, shift) = (packed + c * 6 / 8, c * 6 % 8);
    out[byte] |= symbol << shift;
    if shift > 2 {
        out[byte + 1] |= symbol >> (8 - shift);
    }
}

/// The symbol of a table character (see [`symbol_char`]); a character outside the alphabet
/// fails the build.
const fn char_symbol(b: u8) -> u8 {
    assert!(
        matches!(b, b'0'..=b'4' | b'A'..=b'Z' | b'_' | b'a'..=b'z'),
        "character outside the table alphabet"
    );
    if b <= b'4' {
        b - b'0' + (b'z' + 1 - 0x40)
    } else {
        b - 0x40
    }
}

/// The suffix, stem lengths and packed stems of a [`table`].
#[cfg(any(test, not(target_os = "none")))]
fn table_parts(table: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let (&suffix_len, rest) = table.split_first()?;
    let (suffix, rest) = rest.split_at_checked(usize::from(suffix_len))?;
    let (&count, rest) = rest.split_first()?;
    let (lens, packed) = rest.split_at_checked(usize::from(count))?;
    Some((suffix, lens, packed))
}

/// Character `i` of the packed stems of a [`table`].
#[cfg(any(test, not(target_os = "none")))]
fn unpack(packed: &[u8], i: usize) -> Option<u8> {
    let (byte, shift) = (i * 6 / 8, i * 6 % 8);
    let window = packed.get(byte..)?.first_chunk::<2>()?;
    Some(symbol_char(
        (u16::from_le_bytes(*window) >> shift) as u8 & 0x3f,
    ))
}

/// The character a packed symbol stands for.
fn symbol_char(symbol: u8) -> u8 {
    // Letters and `_` are 0x41 to 0x7a, their symbol plus 0x40; the symbols past `z` stand for
    // the digits `0` to `4` (the codes have a `2` and a `3`). One add and one fix-up, where an
    // alphabet of `0-9 A-Z _ a-z` in order took three adjustments.
    let c = symbol + 0x40;
    if c > b'z' {
        c - (b'z' + 1 - b'0')
    } else {
        c
    }
}

/// Looks `code` up in a table (`lookup_table!`: a [`table`] on hosts, a [`stream`] on
/// firmware): the position of the name whose stem is `code` without the
/// table's suffix, and whether `code` has the suffix exactly when the name does. Every stem in a
/// table is different (a test checks), so the first equal one is the only one. Shared by codes,
/// throttle reasons, JSON keys, XML entities and function error values.
///
/// The stems are read in order, each compared from where it differs from the one before: a stem
/// that shares more of its start with the previous one than `stem` does cannot be `stem`.
#[inline(never)]
fn find_code(code: &[u8], table: &[u8]) -> Option<(usize, bool)> {
    // Hosts skip the stems whose length rules them out where they can (faster); firmware
    // reads every symbol once, in order (smaller, tables included). The tests check both
    // against the plain walk.
    #[cfg(not(target_os = "none"))]
    return find_code_with(code, table, true);
    #[cfg(target_os = "none")]
    return find_code_in_order(code, table);
}

/// `code` without a final `suffix`, and [`SUFFIXED`] if it had one (an empty suffix always).
#[inline(always)]
fn split_suffix<'a>(code: &'a [u8], suffix: &[u8]) -> (&'a [u8], u8) {
    // `strip_suffix` by hand: its comparison is a call to `memcmp` on firmware (`bytes_eq`).
    let cut = code.len().checked_sub(suffix.len());
    match cut.and_then(|at| code.split_at_checked(at)) {
        Some((stem, end)) if crate::encode::bytes_eq(end, suffix) => (stem, SUFFIXED),
        _ => (code, 0),
    }
}

/// [`find_code`] on firmware, over a [`stream`]: the symbols are read one after the other
/// through a bit accumulator, each character compared while the stem is still equal to `stem`
/// so far. Smaller than [`find_code_with`], slower (every symbol of the table is read).
#[cfg(any(test, target_os = "none"))]
#[inline(always)]
fn find_code_in_order(code: &[u8], table: &[u8]) -> Option<(usize, bool)> {
    let (&suffix_len, rest) = table.split_first()?;
    let (suffix, packed) = rest.split_at_checked(usize::from(suffix_len))?;
    let (stem, suffixed) = split_suffix(code, suffix);
    let mut packed = packed.iter();
    let (mut acc, mut bits) = (0u32, 0u32);
    // The name's position, where in its stem the next character goes, how many characters at
    // the start of the stem are `stem`'s, and as many of the stem before; whether the symbol
    // is a count of shared characters.
    let (mut i, mut at, mut equal, mut last, mut count) = (0, 0, 0, 0, false);
    loop {
        if bits < 6 {
            acc |= u32::from(*packed.next()?) << bits;
            bits += 8;
        }
        let s = acc as u8 & 0x3f;
        acc >>= 6;
        bits -= 6;
        if count {
            // The shared characters are the last stem's: equal to `stem`'s as far as that
            // one's were.
            at = usize::from(s);
            equal = last.min(at);
            count = false;
        } else if s & !END_SUFFIXED == 0 {
            if equal == at && at == stem.len() {
                return Some((i, (s == END_SUFFIXED) == (suffixed != 0)));
            }
            (i, at, equal, last) = (i + 1, 0, 0, equal);
        } else if s == SHARE {
            count = true;
        } else {
            if equal == at && stem.get(at) == Some(&symbol_char(s)) {
                equal += 1;
            }
            at += 1;
        }
    }
}

/// [`find_code`], comparing only where it matters when `skip` is set: a stem that is not as long
/// as `stem` is compared only when the next one shares its start (and so needs to know how far
/// this one is equal to `stem`).
#[cfg(any(test, not(target_os = "none")))]
#[inline(always)]
fn find_code_with(code: &[u8], table: &[u8], skip: bool) -> Option<(usize, bool)> {
    let (suffix, lens, packed) = table_parts(table)?;
    let (stem, suffixed) = split_suffix(code, suffix);
    let mut lens = lens.iter();
    // The name's position, its first packed character, and how many characters at the start of
    // the last stem are `stem`'s.
    let (mut i, mut at, mut common) = (0, 0, 0);
    while let Some(&len) = lens.next() {
        let n = usize::from(len & STEM_LEN);
        let mut shared = 0;
        if len & SHARED != 0 {
            shared = usize::from(*lens.next()?);
        }
        // The first `shared` characters are the last stem's: equal to `stem`'s as far as that
        // one's were. Past them, this stem's own characters, while they are equal too.
        let compare =
            !skip || n == stem.len() || lens.as_slice().first().is_some_and(|&l| l & SHARED != 0);
        let mut equal = shared.min(common);
        while compare
            && equal >= shared
            && equal < n
            && stem.get(equal) == unpack(packed, at + equal - shared).as_ref()
        {
            equal += 1;
        }
        if equal == n && n == stem.len() {
            return Some((i, len & SUFFIXED == suffixed));
        }
        at += n - shared;
        common = equal;
        i += 1;
    }
    None
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
        error.decode(error_type.unwrap_or_default(), body);
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
    ///
    /// `error_type` is the raw `x-amzn-ErrorType` value, empty without one: a missing code is
    /// taken as a blank one.
    #[inline(never)]
    pub(crate) fn decode(&mut self, error_type: &str, body: &[u8]) {
        let body = body.trim_ascii_start();
        // The members of interest, in the order of [`JSON_KEYS`]; an XML body fills the first
        // code and message slots, so both kinds of body share what follows.
        let mut fields: JsonError<'_> = [None; 6];
        // The byte the message's escapes start with.
        let mut escape = b'\\';
        match body.first() {
            Some(b'{') => scan_json(body, &mut fields),
            Some(b'<') => {
                escape = b'&';
                fields[0] = xml_element(body, b"<Code></Code>");
                fields[3] = xml_element(body, b"<Message></Message>");
            }
            _ => {}
        }
        // The fields are read where they are used (`type_`, `code`, `Code`, `message`,
        // `Message`, `Reason`), not all at once: fewer of them are held across the calls.
        self.reason = fields[5].map(reason_for_name);
        if let Some(raw) = fields[3].or(fields[4]) {
            let msg = self.message.insert(String::new());
            self.message_truncated = decode_text(raw, escape, msg.as_mut_view());
        }
        // The header's code wins, if it is not empty once stripped. A missing code strips to
        // empty like a blank one, so neither needs an `Option` past here.
        let mut code = strip_code_bytes(error_type.as_bytes());
        if code.is_empty() {
            // An XML code that is not UTF-8 is none (the whole element, as a `str` would be);
            // the scan checked the JSON ones already. Here rather than where the XML code is
            // found: measured smaller.
            let from_body = fields[0].filter(|c| is_utf8(c)).or(fields[1]).or(fields[2]);
            code = strip_code_bytes(from_body.unwrap_or_default());
        }
        if !code.is_empty() {
            self.kind = kind_for_code(code);
            let raw = self.code.insert(String::new());
            // A code longer than the capacity is not one we know; keep none rather than a piece.
            if decode_text(code, NO_ESCAPE, raw.as_mut_view()) {
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
/// without ASCII whitespace around it. On bytes: the body's codes are not `str`s (they are checked
/// for UTF-8 once, when copied out).
// Not inlined: measured smaller (it is called in a loop over the header and the body).
#[inline(never)]
fn strip_code_bytes(raw: &[u8]) -> &[u8] {
    let end = raw.iter().position(|&b| b == b':').unwrap_or(raw.len());
    let raw = raw.get(..end).unwrap_or_default();
    let code = match raw.iter().position(|&b| b == b'#') {
        Some(i) => raw.get(i + 1..).unwrap_or_default(),
        None => raw,
    };
    // In two steps rather than `trim_ascii`, which inlines its own copy of the start trim: this
    // calls the one the body scan links anyway.
    code.trim_ascii_start().trim_ascii_end()
}

/// The `str` form of [`strip_code_bytes`], for the tests that pin the stripping rules.
#[cfg(test)]
pub(super) fn strip_code(raw: &str) -> &str {
    core::str::from_utf8(strip_code_bytes(raw.as_bytes())).unwrap_or_default()
}

/// The first UTF-8 character of `s` and its length in bytes; `None` for an empty or ill-formed
/// start (an overlong form, a surrogate, a value past U+10FFFF, a missing continuation byte).
/// The same rules as `core::str::from_utf8`, in a fraction of its code: the error path needs a
/// character at a time, not a fast validator.
fn utf8_char(s: &[u8]) -> Option<(char, usize)> {
    let (&lead, tail) = s.split_first()?;
    // The number of leading one bits is the length of the sequence; 1 (a continuation byte)
    // and 5 or more are never a valid start.
    let len = (!lead).leading_zeros() as usize;
    let (min, bits) = match len {
        0 => return Some((char::from(lead), 1)),
        2 => (0x80, lead & 0x1f),
        3 => (0x800, lead & 0x0f),
        4 => (0x1_0000, lead & 0x07),
        _ => return None,
    };
    let mut code = u32::from(bits);
    for &b in tail.get(..len - 1)? {
        if b & 0xc0 != 0x80 {
            return None;
        }
        code = (code << 6) | u32::from(b & 0x3f);
    }
    if code < min {
        return None;
    }
    // `from_u32` rejects surrogates and values past U+10FFFF.
    Some((char::from_u32(code)?, len))
}

/// Whether `s` is all well-formed UTF-8.
fn is_utf8(mut s: &[u8]) -> bool {
    while let Some((_, len)) = utf8_char(s) {
        // Never `None`, as in `decode_text`.
        let Some(after) = s.get(len..) else { break };
        s = after;
    }
    s.is_empty()
}

/// [`decode_text`]'s `escape` for text that has no escapes: a byte that never starts a character
/// of well-formed UTF-8, which is all `decode_text` reads.
const NO_ESCAPE: u8 = 0x80;

/// Decodes `raw` into `out` a character at a time: escapes starting with `escape` (`\` for JSON,
/// `&` for XML, or [`NO_ESCAPE`]) decoded, the rest copied. Returns whether `out` was too small:
/// it then holds the longest whole-character prefix that fits. Text that is not UTF-8 gives
/// nothing; a bad JSON escape ends the text there (what came before is kept); an XML `&` that
/// starts no known entity is kept as is. One function for messages and codes, in place (no copy
/// of a 512-byte message on the stack).
#[inline(never)]
fn decode_text(raw: &[u8], escape: u8, out: &mut StringView) -> bool {
    if !is_utf8(raw) {
        return false;
    }
    let mut rest = raw;
    while let Some(&first) = rest.first() {
        let next = if first != escape {
            utf8_char(rest)
        } else if escape == b'&' {
            Some(xml_entity(rest))
        } else {
            json_escape(rest)
        };
        let Some((c, used)) = next else { break };
        // `push_str` of the encoded character rather than `push`: one path for every length.
        if out.push_str(c.encode_utf8(&mut [0; 4])).is_err() {
            return true;
        }
        // Never `None` (`used` is what was read from `rest`): a way out rather than an empty
        // slice made up, which took more code.
        let Some(after) = rest.get(used..) else { break };
        rest = after;
    }
    false
}

/// The value of `digits` in `radix` (10 or 16, either case); `None` for any other byte, and 0
/// for no digits (the callers require one to eight). At most 8 digits are ever passed, so it
/// cannot overflow; wrapping arithmetic keeps the overflow checks (and their panics) out
/// regardless.
fn number(digits: &[u8], radix: u32) -> Option<u32> {
    let mut n = 0u32;
    for &d in digits {
        // A digit's value, or a letter's (either case) plus 10: anything else comes out at 36 or
        // more, past every radix.
        let v = if d.is_ascii_digit() {
            d - b'0'
        } else {
            (d | 0x20).wrapping_sub(b'a').saturating_add(10)
        };
        let v = u32::from(v);
        if v >= radix {
            return None;
        }
        n = n.wrapping_mul(radix).wrapping_add(v);
    }
    Some(n)
}

/// The UTF-16 unit of the `\uXXXX` at the start of `s` (four hex digits, exactly).
fn json_unit(s: &[u8]) -> Option<u32> {
    match s {
        [b'\\', b'u', digits @ ..] => number(digits.get(..4)?, 16),
        _ => None,
    }
}

/// The letters of JSON's two-character escapes, and what each stands for at the same position.
const JSON_ESCAPES: &[u8] = b"\"\\/bfnrt";
/// See [`JSON_ESCAPES`].
const JSON_UNESCAPED: &[u8] = b"\"\\/\x08\x0c\n\r\t";

/// The JSON escape (RFC 8259 §7) at the start of `e` (which starts with `\`), and its length;
/// `None` for an unknown letter, bad hex or a lone surrogate.
// Inlined into `decode_text` on firmware (12 bytes smaller when measured); `xml_entity` is not
// (smaller out of line: the loop keeps its registers). Hosts keep both out of line, which
// measured fewer instructions there.
#[cfg_attr(target_os = "none", inline)]
#[cfg_attr(not(target_os = "none"), inline(never))]
fn json_escape(e: &[u8]) -> Option<(char, usize)> {
    let letter = *e.get(1)?;
    if let Some(i) = JSON_ESCAPES.iter().position(|&b| b == letter) {
        return Some((char::from(*JSON_UNESCAPED.get(i)?), 2));
    }
    if letter != b'u' {
        return None;
    }
    // `e` starts with `\u`: its four digits.
    let mut code = number(e.get(2..6)?, 16)?;
    let mut len = 6;
    // A high surrogate (`0xd800..=0xdbff`): the low one must follow as another `\u` escape.
    if code & 0xfc00 == 0xd800 {
        let low = json_unit(e.get(6..)?)?;
        // Not a low surrogate (`0xdc00..=0xdfff`).
        if low & 0xfc00 != 0xdc00 {
            return None;
        }
        code = 0x1_0000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        len = 12;
    }
    // One check for both: `None` for a lone low surrogate (a pair is always a valid character).
    Some((char::from_u32(code)?, len))
}

/// The `X-Amz-Function-Error` values the reader names ([`super::FunctionError`]), in the order
/// of its variants.
const FUNCTION_ERROR_WORDS: [&str; 2] = ["Handled", "Unhandled"];
/// The end both of [`FUNCTION_ERROR_WORDS`] share, stored once.
const ANDLED: &[u8] = b"andled";
/// The [`FUNCTION_ERROR_WORDS`] without [`ANDLED`], back to back.
const FUNCTION_ERROR_STEMS: [u8; stems_len(&FUNCTION_ERROR_WORDS, ANDLED)] =
    stems(&FUNCTION_ERROR_WORDS, ANDLED);
/// The stem length of each of [`FUNCTION_ERROR_STEMS`], flagged with [`SUFFIXED`].
const FUNCTION_ERROR_LENS: [u8; FUNCTION_ERROR_WORDS.len()] =
    stem_lens(&FUNCTION_ERROR_WORDS, ANDLED);
/// [`FUNCTION_ERROR_WORDS`] as [`find_code`] reads them.
const FUNCTION_ERROR_TABLE: &[u8] =
    lookup_table!(ANDLED, &FUNCTION_ERROR_LENS, &FUNCTION_ERROR_STEMS);

/// The position of `value` in [`FUNCTION_ERROR_WORDS`] (exactly equal), if it is one. Through
/// [`find_code`], which the reader links anyway, rather than a comparison with each word.
pub(super) fn function_error_word(value: &[u8]) -> Option<usize> {
    match find_code(value, FUNCTION_ERROR_TABLE)? {
        (i, true) => Some(i),
        _ => None,
    }
}

/// The names of XML's predefined entities, back to back, cut by [`XML_ENTITY_LENS`]: a table for
/// [`find_code`] (shared with the error codes) rather than a `match` of string compares.
const XML_ENTITIES: &[u8] = b"ltgtampquotapos";
/// See [`XML_ENTITIES`].
const XML_ENTITY_LENS: [u8; 5] = [2, 2, 3, 4, 4];
/// [`XML_ENTITIES`] as [`find_code`] reads them.
const XML_ENTITY_TABLE: &[u8] = lookup_table!(b"", &XML_ENTITY_LENS, XML_ENTITIES);
/// What each of [`XML_ENTITIES`] stands for.
const XML_UNESCAPED: &[u8] = b"<>&\"'";

/// The XML reference at the start of `s` (which starts with `&`) and its length: one of the five
/// predefined entities or a numeric reference (`&#N;`, `&#xH;`, up to 8 digits); anything else is
/// a plain `&`.
#[inline(never)]
fn xml_entity(s: &[u8]) -> (char, usize) {
    let entity = || {
        let semi = s.iter().position(|&b| b == b';')?;
        let name = s.get(1..semi)?;
        let c = match find_code(name, XML_ENTITY_TABLE) {
            Some((i, _)) => char::from(*XML_UNESCAPED.get(i)?),
            None => {
                // A byte at a time rather than slice patterns (`[b'#', b'x', ..]`, `[b'#', ..]`),
                // which tested the `#` once per pattern.
                let (b'#', num) = name.split_first()? else {
                    return None;
                };
                let (digits, radix) = match num.split_first() {
                    Some((b'x', hex)) => (hex, 16),
                    _ => (num, 10),
                };
                if !(1..=8).contains(&digits.len()) {
                    return None;
                }
                char::from_u32(number(digits, radix)?)?
            }
        };
        Some((c, semi + 1))
    };
    entity().unwrap_or(('&', 1))
}

/// Whether `b` continues a number or a `true`, `false` or `null` in JSON (loosely: the scanner
/// only needs where the token ends).
fn is_json_word(b: u8) -> bool {
    // A letter of either case, or one of `+ - . 0-9` (`+` to `9` but for `,` and `/`): range
    // tests by wrapping subtraction, fewer compares than `is_ascii_alphanumeric` and a `matches!`.
    (b | 0x20).wrapping_sub(b'a') < 26 || (b.wrapping_sub(b'+') < 15 && b != b',' && b != b'/')
}

/// Whether `b` is one of JSON's structural bytes, `{}[],:`. The brackets are the braces less
/// 0x20: one test covers both, with fewer compares (and no table) than a search of the six.
fn is_json_structural(b: u8) -> bool {
    matches!(b | 0x20, b'{' | b'}') || matches!(b, b',' | b':')
}

/// A JSON text being read a token at a time: the unread part, and the content of the last token.
struct Json<'a> {
    rest: &'a [u8],
    token: &'a [u8],
}

impl<'a> Json<'a> {
    /// Reads the next token after whitespace and returns its first byte; `token` is then, for a
    /// string, its raw content between the quotes (escapes not decoded), for a word (number,
    /// literal) the whole word, for a structural byte (`{}[],:`) nothing. 0 (never a token's
    /// first byte) at the end, on any other byte, and on a string that is unterminated or holds a
    /// raw control character (only the structure is checked here: a backslash takes the next byte
    /// with it; escapes are checked when decoded). A byte rather than an `Option` of the token:
    /// every caller compares it at once, and it comes back in a register. Every token consumes at
    /// least a byte, so scanning is linear; nothing indexes, so nothing can panic.
    fn next(&mut self) -> u8 {
        self.read().unwrap_or(0)
    }

    /// [`Json::next`], with `None` for 0.
    fn read(&mut self) -> Option<u8> {
        let s = self.rest.trim_ascii_start();
        let (&first, tail) = s.split_first()?;
        let (token, after) = if first == b'"' {
            let mut end = 0;
            loop {
                match *tail.get(end)? {
                    b'"' => break,
                    // A backslash takes the next byte with it, whatever it is.
                    b'\\' => end += 2,
                    0..0x20 => return None,
                    _ => end += 1,
                }
            }
            (tail.get(..end)?, tail.get(end + 1..)?)
        } else {
            // A word is as long as its run of word bytes: none when `first` is not one.
            let len = s.iter().position(|&b| !is_json_word(b)).unwrap_or(s.len());
            if len > 0 {
                s.split_at_checked(len)?
            } else if is_json_structural(first) {
                (&[][..], tail)
            } else {
                return None;
            }
        };
        self.rest = after;
        self.token = token;
        Some(first)
    }
}

/// The members of an AWS JSON error body that matter here, back to back, cut by
/// [`JSON_KEY_LENS`]: `__type`, `code`, `Code`, `message`, `Message`, `Reason`.
const JSON_KEYS: &[u8] = b"__typecodeCodemessageMessageReason";
/// See [`JSON_KEYS`].
const JSON_KEY_LENS: [u8; 6] = [6, 4, 4, 7, 7, 6];
/// [`JSON_KEYS`] as [`find_code`] reads them.
const JSON_KEY_TABLE: &[u8] = lookup_table!(b"", &JSON_KEY_LENS, JSON_KEYS);

/// The string members of an AWS JSON error body that matter here, by [`JSON_KEYS`], still escaped
/// (borrowed from the body, unescaped later straight into the bounded message, so no scratch
/// buffer as large as the body is needed).
///
/// Found by a small bounded scanner rather than `serde-json-core`: its string parser indexes
/// backwards without a bounds proof (`parse_str`) and its value skipper slices, so it keeps panic
/// paths in firmware whatever the input, and it costs about 2 KiB of code for six fields. The
/// scanner is a loop over the body with no recursion (nesting is a depth counter), it accepts
/// exactly one top-level object, and, like the `serde` derive it replaces, it is all or nothing: a
/// syntax error, a duplicate member of interest, a non-string value for one (other than `null`)
/// or one that is not UTF-8 gives no fields at all.
type JsonError<'a> = [Option<&'a [u8]>; 6];

/// Scans `body`, which starts with `{` (after whitespace), into `fields` (all `None` on entry;
/// left so on any error). Anything after the object is ignored. Fills the caller's array rather
/// than returning an `Option` of one, which came back through memory and was copied. Inlined into
/// [`ServiceError::decode`], its one caller, on firmware: 12 bytes smaller when measured, and no
/// deeper a stack (the scan's calls then leave from `decode`'s frame, not from a frame of its
/// own on top of it). Hosts keep it out of line, which measured fewer instructions there.
#[cfg_attr(target_os = "none", inline)]
#[cfg_attr(not(target_os = "none"), inline(never))]
fn scan_json<'a>(body: &'a [u8], fields: &mut JsonError<'a>) {
    if scan_members(body, fields).is_none() {
        *fields = [None; 6];
    }
}

/// [`scan_json`] without the reset on error.
fn scan_members<'a>(body: &'a [u8], fields: &mut JsonError<'a>) -> Option<()> {
    let mut json = Json {
        rest: body,
        token: &[],
    };
    if json.next() != b'{' {
        return None;
    }
    let mut kind = json.next();
    if kind == b'}' {
        return Some(());
    }
    loop {
        if kind != b'"' {
            return None;
        }
        let key = json.token;
        if json.next() != b':' {
            return None;
        }
        match find_code(key, JSON_KEY_TABLE) {
            Some((i, _)) => {
                let value = match json.next() {
                    b'"' if is_utf8(json.token) => Some(json.token),
                    b'n' if json.token == b"null" => None,
                    _ => return None,
                };
                let slot = fields.get_mut(i)?;
                if slot.is_some() {
                    // A duplicate member: which one is meant is ambiguous.
                    return None;
                }
                *slot = value;
            }
            None => skip_json_value(&mut json)?,
        }
        match json.next() {
            b',' => kind = json.next(),
            b'}' => return Some(()),
            _ => return None,
        }
    }
}

/// Skips one value of any kind. Objects and arrays are skipped with a depth counter rather than
/// recursion, so hostile nesting costs no stack; their inner structure is only checked for
/// strings and balance.
fn skip_json_value(json: &mut Json<'_>) -> Option<()> {
    let mut depth = 0usize;
    loop {
        match json.next() {
            0 => return None,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.checked_sub(1)?,
            b',' | b':' if depth == 0 => return None,
            _ => {}
        }
        if depth == 0 {
            return Some(());
        }
    }
}

/// The content of the first `<tag>…</tag>` in `body`, found by plain search: enough for the flat
/// AWS query-protocol error documents (`<ErrorResponse><Error><Code>…`), without an XML parser.
/// `tags` is both tags, `<tag></tag>`: one argument rather than two (the opening tag is the
/// shorter half).
fn xml_element<'a>(body: &'a [u8], tags: &[u8]) -> Option<&'a [u8]> {
    let (open, close) = tags.split_at_checked(tags.len() / 2)?;
    let start = find(body, open)? + open.len();
    let content = body.get(start..)?;
    content.get(..find(content, close)?)
}

/// Where `needle` first occurs in `hay`.
#[inline(never)]
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    // `max(1)`: `windows(0)` would panic; every needle here is a tag, never empty.
    hay.windows(needle.len().max(1))
        .position(|w| crate::encode::bytes_eq(w, needle))
}

#[cfg(test)]
mod tests {
    //! The decoder against the one it replaced (kept below, unchanged but for names, as the
    //! oracle): the size work must not change what any input decodes to.

    use std::string::ToString;
    use std::vec::Vec;
    use std::{format, vec};

    use proptest::prelude::*;

    use super::*;

    /// The decoder as it was before the size work (`&str` based, `core::str::from_utf8`).
    mod oracle {
        use heapless::String;

        use super::super::{ServiceErrorKind, ThrottleReason, EXCEPTION, MESSAGE_CAPACITY};

        pub(super) type Decoded = (
            ServiceErrorKind,
            Option<String<64>>,
            Option<String<MESSAGE_CAPACITY>>,
            bool,
            Option<ThrottleReason>,
        );

        pub(super) fn from_code(code: &str) -> ServiceErrorKind {
            type K = ServiceErrorKind;
            let code = match code {
                "AccessDenied" => "AccessDeniedException",
                "ExpiredToken" => "ExpiredTokenException",
                other => other,
            };
            let (stem, suffixed) = match code.as_bytes().strip_suffix(EXCEPTION) {
                Some(stem) => (stem, 0x80),
                None => (code.as_bytes(), 0),
            };
            let mut start = 0;
            for (&kind, &len) in K::KINDS.iter().zip(&K::STEM_LENS) {
                let end = start + usize::from(len & 0x7f);
                if len & 0x80 == suffixed && K::STEM_TEXT.get(start..end) == Some(stem) {
                    return kind;
                }
                start = end;
            }
            K::Unknown
        }

        pub(super) fn from_name(name: &str) -> ThrottleReason {
            ThrottleReason::KNOWN
                .iter()
                .find(|(_, n)| *n == name)
                .map_or(ThrottleReason::Other, |(reason, _)| *reason)
        }

        pub(super) fn decode(error_type: Option<&str>, body: &[u8]) -> Decoded {
            let (mut kind, mut code_out, mut message, mut truncated, mut reason_out) =
                (ServiceErrorKind::Unknown, None, None, false, None);
            let from_header = error_type.map(strip_code).filter(|c| !c.is_empty());
            let body = body.trim_ascii_start();
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
                            let msg = message.insert(String::new());
                            truncated = unescape_json(raw, msg);
                        }
                        reason_out = parsed.reason.map(from_name);
                    }
                }
                Some(b'<') => {
                    from_body = xml_element(body, b"Code")
                        .and_then(|c| core::str::from_utf8(c).ok())
                        .map(|c| strip_code(c.trim_ascii()));
                    if let Some(raw) = xml_element(body, b"Message") {
                        let msg = message.insert(String::new());
                        truncated = unescape_xml(raw, msg);
                    }
                }
                _ => {}
            }
            if let Some(code) = from_header.or(from_body.filter(|c| !c.is_empty())) {
                kind = from_code(code);
                let raw = code_out.insert(String::new());
                if raw.push_str(code).is_err() {
                    code_out = None;
                }
            }
            (kind, code_out, message, truncated, reason_out)
        }

        pub(super) fn strip_code(raw: &str) -> &str {
            let raw = raw.split(':').next().unwrap_or_default();
            let code = match raw.bytes().position(|b| b == b'#') {
                Some(i) => raw.get(i + 1..).unwrap_or_default(),
                None => raw,
            };
            code.trim_ascii()
        }

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

        struct JsonCursor<'a> {
            rest: &'a [u8],
        }

        impl<'a> JsonCursor<'a> {
            fn peek(&mut self) -> Option<u8> {
                self.rest = self.rest.trim_ascii_start();
                self.rest.first().copied()
            }

            fn eat(&mut self, byte: u8) -> bool {
                if self.peek() == Some(byte) {
                    self.rest = self.rest.get(1..).unwrap_or_default();
                    true
                } else {
                    false
                }
            }

            fn require(&mut self, byte: u8) -> Option<()> {
                self.eat(byte).then_some(())
            }

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
                None
            }

            fn string_or_null(&mut self) -> Option<Option<&'a [u8]>> {
                if self.peek() == Some(b'"') {
                    return self.string().map(Some);
                }
                self.rest.strip_prefix(b"null").map(|after| {
                    self.rest = after;
                    None
                })
            }

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

        fn json_u_escape(s: &[u8]) -> Option<u32> {
            match s {
                [b'\\', b'u', digits @ ..] => hex_value(digits.first_chunk::<4>()?),
                _ => None,
            }
        }

        fn unescape_json(raw: &str, out: &mut String<MESSAGE_CAPACITY>) -> bool {
            let mut rest = raw;
            loop {
                let i = rest.bytes().position(|b| b == b'\\').unwrap_or(rest.len());
                let (run, escape) = rest.split_at_checked(i).unwrap_or((rest, ""));
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
                            0xd800..=0xdbff => {
                                match json_u_escape(e.get(6..).unwrap_or_default()) {
                                    Some(low @ 0xdc00..=0xdfff) => {
                                        (0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00), 12)
                                    }
                                    _ => break,
                                }
                            }
                            _ => (unit, 6),
                        };
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

        fn xml_element<'a>(body: &'a [u8], tag: &[u8]) -> Option<&'a [u8]> {
            let open_at = find_tag(body, b"<", tag)?;
            let content = body.get(open_at + tag.len() + 2..)?;
            let close_at = find_tag(content, b"</", tag)?;
            content.get(..close_at)
        }

        fn find_tag(hay: &[u8], prefix: &[u8], tag: &[u8]) -> Option<usize> {
            let len = prefix.len() + tag.len() + 1;
            hay.windows(len).position(|w| {
                w.strip_prefix(prefix)
                    .and_then(|rest| rest.strip_suffix(b">"))
                    .is_some_and(|name| name == tag)
            })
        }

        fn unescape_xml(raw: &[u8], out: &mut String<MESSAGE_CAPACITY>) -> bool {
            let text = core::str::from_utf8(raw).unwrap_or_default();
            let mut rest = text;
            while let Some(amp) = rest.bytes().position(|b| b == b'&') {
                let (before, after) = rest.split_at_checked(amp).unwrap_or((rest, ""));
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
    }

    /// Decodes with both and compares everything the decoder sets.
    fn check(header: Option<&str>, body: &[u8]) {
        let e = ServiceError::from_parts(500, header, body);
        let (kind, code, message, truncated, reason) = oracle::decode(header, body);
        let ours = (
            e.kind,
            e.code.as_deref(),
            e.message.as_deref(),
            e.message_truncated,
            e.reason,
        );
        let theirs = (kind, code.as_deref(), message.as_deref(), truncated, reason);
        assert_eq!(
            ours,
            theirs,
            "header {header:?}, body {:?}",
            body.escape_ascii().to_string()
        );
    }

    /// Pieces the generated bodies are made of: JSON and XML structure, the members and codes
    /// that matter, escapes good and bad, whitespace, UTF-8 good and bad, and runs long enough to
    /// fill the message.
    const PIECES: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"",
        b":",
        b",",
        b"\\",
        b" ",
        b"\t",
        b"\n",
        b"\x0c",
        b"\x0b",
        b"\x01",
        b"\0",
        b"null",
        b"nul",
        b"true",
        b"1.5e3",
        b"-2",
        b"\"__type\"",
        b"\"code\"",
        b"\"Code\"",
        b"\"message\"",
        b"\"Message\"",
        b"\"Reason\"",
        b"\"x\"",
        b"__type",
        b"message",
        b"#",
        b"a#",
        b"ns#",
        b"AccessDenied",
        b"ExpiredToken",
        b"Exception",
        b"Service",
        b"ServiceException",
        b"SignatureDoesNotMatch",
        b"CallerRate",
        b"LimitExceeded",
        b"CallerRateLimitExceeded",
        b"\\\"",
        b"\\\\",
        b"\\/",
        b"\\b",
        b"\\f",
        b"\\n",
        b"\\r",
        b"\\t",
        b"\\x",
        b"\\u00e9",
        b"\\u0041",
        b"\\u00",
        b"\\uzzzz",
        b"\\ud83d",
        b"\\ude00",
        b"\\ud83d\\ude00",
        b"\\udbff\\udfff",
        b"\\ud800\\u0041",
        b"\\u0000",
        "é".as_bytes(),
        "€".as_bytes(),
        "😀".as_bytes(),
        b"\xff",
        b"\xc3",
        b"\xe2\x82",
        b"\xc0\xaf",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\xf0\x9f\x98",
        b"\x80",
        b"<Code>",
        b"</Code>",
        b"<Message>",
        b"</Message>",
        b"<Code",
        b"</Message",
        b"<",
        b">",
        b"&",
        b";",
        b"&amp;",
        b"&lt;",
        b"&gt;",
        b"&quot;",
        b"&apos;",
        b"&AMP;",
        b"&#65;",
        b"&#x42;",
        b"&#X42;",
        b"&#x1F600;",
        b"&#xD800;",
        b"&#;",
        b"&#x;",
        b"&#123456789;",
        b"&#x110000;",
        b"&#x0000000041;",
        b"&#00000065;",
        b"&#000000065;",
        b"&#x00000041;",
        b"&#x000000041;",
        b"\x1f",
        b"\x7f",
        b"\xc2\x80",
        b"\xdf\xbf",
        b"\xe0\xa0\x80",
        b"\xe0\x9f\xbf",
        b"\xef\xbf\xbf",
        b"\xf0\x90\x80\x80",
        b"\xf0\x8f\xbf\xbf",
        b"\xf4\x8f\xbf\xbf",
        b"\xf5",
        b"\xc1\xbf",
        b"&bogus;",
        b"&amp",
        b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ];

    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            8 => proptest::sample::select(PIECES).prop_map(<[u8]>::to_vec),
            1 => proptest::collection::vec(any::<u8>(), 0..4),
            // Runs that reach the message capacity, with a character across the boundary.
            1 => (proptest::sample::select(PIECES), 1usize..200)
                .prop_map(|(p, n)| p.repeat(n)),
        ]
    }

    fn text() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(piece(), 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        // 4096 cases by default (the pieces are chosen to hit the edges often); more with
        // PROPTEST_CASES, as in `tests/response_proptest.rs`.
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(4096)
        ))]

        #[test]
        fn decodes_as_the_oracle(header in proptest::option::of(text()), body in text()) {
            let header = header.as_deref().and_then(|h| core::str::from_utf8(h).ok());
            check(header, &body);
        }

        /// Well-formed JSON bodies whose members take generated values: the paths past the
        /// scanner (escapes, codes, truncation) get most of the cases.
        #[test]
        fn json_members_decode_as_the_oracle(
            members in proptest::collection::vec(
                (proptest::sample::select(&["__type", "code", "Code", "message", "Message",
                    "Reason", "x"][..]), text()),
                0..4,
            )
        ) {
            let mut body = b"{".to_vec();
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    body.push(b',');
                }
                body.extend_from_slice(format!("\"{key}\":\"").as_bytes());
                body.extend(value.iter().filter(|&&b| b != b'"' && b >= 0x20));
                body.push(b'"');
            }
            body.push(b'}');
            check(None, &body);
        }

        #[test]
        fn xml_decodes_as_the_oracle(code in text(), message in text()) {
            let mut body = b"<Error><Code>".to_vec();
            body.extend_from_slice(&code);
            body.extend_from_slice(b"</Code><Message>");
            body.extend_from_slice(&message);
            body.extend_from_slice(b"</Message></Error>");
            check(None, &body);
        }
    }

    #[test]
    fn codes_and_reasons_map_as_the_oracle() {
        let known = ServiceErrorKind::KINDS.iter().filter_map(|k| k.code());
        let reasons = ThrottleReason::KNOWN.iter().map(|(_, n)| *n);
        for name in known.chain(reasons) {
            let stem = name
                .strip_suffix("Exception")
                .or(name.strip_suffix("LimitExceeded"))
                .unwrap_or(name);
            for probe in [
                name.to_string(),
                stem.to_string(),
                format!("{stem}Exception"),
                format!("{stem}LimitExceeded"),
                format!("{name}Exception"),
                format!("{name}LimitExceeded"),
                format!("{stem}Exceptio"),
                name.to_ascii_lowercase(),
                name.get(1..).unwrap_or_default().to_string(),
            ] {
                assert_eq!(
                    ServiceErrorKind::from_code(&probe),
                    oracle::from_code(&probe),
                    "{probe}"
                );
                assert_eq!(
                    ThrottleReason::from_name(&probe),
                    oracle::from_name(&probe),
                    "{probe}"
                );
            }
        }
        for probe in [
            "",
            "Exception",
            "LimitExceeded",
            "AccessDenied",
            "ExpiredToken",
            "x",
        ] {
            assert_eq!(
                ServiceErrorKind::from_code(probe),
                oracle::from_code(probe),
                "{probe}"
            );
            assert_eq!(
                ThrottleReason::from_name(probe),
                oracle::from_name(probe),
                "{probe}"
            );
        }
    }

    /// A table, its suffix, its stem lengths and its stems.
    type TableParts = (&'static [u8], &'static [u8], &'static [u8], &'static [u8]);

    /// Every [`table`], with its suffix, stem lengths (as [`stem_lens`] gives them) and stems.
    const TABLES: [TableParts; 5] = [
        (
            CODE_TABLE,
            EXCEPTION,
            &ServiceErrorKind::STEM_LENS,
            &ServiceErrorKind::STEM_TEXT,
        ),
        (REASON_TABLE, LIMIT_EXCEEDED, &REASON_LENS, &REASON_TEXT),
        (JSON_KEY_TABLE, b"", &JSON_KEY_LENS, JSON_KEYS),
        (XML_ENTITY_TABLE, b"", &XML_ENTITY_LENS, XML_ENTITIES),
        (
            FUNCTION_ERROR_TABLE,
            ANDLED,
            &FUNCTION_ERROR_LENS,
            &FUNCTION_ERROR_STEMS,
        ),
    ];

    /// Firmware's form of a table, built on hosts for the tests.
    macro_rules! stream_of {
        ($suffix:expr, $lens:expr, $text:expr) => {{
            const STREAM: [u8; stream_len($suffix, $lens, $text)] = stream($suffix, $lens, $text);
            &STREAM
        }};
    }

    /// [`TABLES`] in firmware's form ([`stream`]), in the same order.
    const STREAMS: [&[u8]; 5] = [
        stream_of!(
            EXCEPTION,
            &ServiceErrorKind::STEM_LENS,
            &ServiceErrorKind::STEM_TEXT
        ),
        stream_of!(LIMIT_EXCEEDED, &REASON_LENS, &REASON_TEXT),
        stream_of!(b"", &JSON_KEY_LENS, JSON_KEYS),
        stream_of!(b"", &XML_ENTITY_LENS, XML_ENTITIES),
        stream_of!(ANDLED, &FUNCTION_ERROR_LENS, &FUNCTION_ERROR_STEMS),
    ];

    /// The stems of a [`stream`], each with its flag ([`SUFFIXED`] or 0), read back the plain
    /// way, and the number of bits left over at its end.
    fn read_back_stream(stream: &[u8]) -> (&[u8], Vec<Stem>, usize) {
        let (&suffix_len, rest) = stream.split_first().unwrap();
        let (suffix, packed) = rest.split_at(usize::from(suffix_len));
        let symbol = |c: usize| {
            let (byte, shift) = (c * 6 / 8, c * 6 % 8);
            let window =
                u16::from(packed[byte]) | packed.get(byte + 1).map_or(0, |&b| u16::from(b) << 8);
            (window >> shift) as u8 & 0x3f
        };
        let mut stems: Vec<(Vec<u8>, u8)> = Vec::new();
        let mut stem = Vec::new();
        // Symbols up to the last end.
        let (mut c, mut used) = (0, 0);
        while c < packed.len() * 8 / 6 {
            match symbol(c) {
                END | END_SUFFIXED => {
                    let flag = if symbol(c) == END_SUFFIXED {
                        SUFFIXED
                    } else {
                        0
                    };
                    stems.push((core::mem::take(&mut stem), flag));
                    used = c + 1;
                }
                SHARE => {
                    assert!(stem.is_empty());
                    c += 1;
                    let shared = usize::from(symbol(c));
                    assert!(shared >= 2);
                    stem = stems.last().unwrap().0[..shared].to_vec();
                }
                s => stem.push(symbol_char(s)),
            }
            c += 1;
        }
        (suffix, stems, packed.len() * 8 - used * 6)
    }

    /// Each stream reads back as its table: the suffix, every stem and its flag, and nothing but
    /// ones after the last end (never a whole symbol that ends a stem).
    #[test]
    fn streams_read_back_as_their_tables() {
        for ((table, suffix, lens, text), stream) in TABLES.iter().zip(STREAMS) {
            let (stream_suffix, stems, padding) = read_back_stream(stream);
            assert_eq!(stream_suffix, *suffix);
            let (_, table_stems) = read_back(table);
            let table_stems: Vec<(Vec<u8>, u8)> = table_stems
                .into_iter()
                .map(|(stem, len)| (stem, len & SUFFIXED))
                .collect();
            assert_eq!(stems, table_stems);
            let all: Vec<u8> = stems.iter().flat_map(|(s, _)| s.clone()).collect();
            assert_eq!(all, *text);
            assert_eq!(stems.len(), lens.len());
            assert!(padding < 8, "{padding}");
            let last = u16::from(stream[stream.len() - 1]);
            assert_eq!(last >> (8 - padding), 0xff >> (8 - padding), "{padding}");
        }
    }

    /// A stem read back from a [`table`], and its length byte.
    type Stem = (Vec<u8>, u8);

    /// The stems of a [`table`], each with its length byte (flags but [`SHARED`] kept), read
    /// back the plain way: a stem that shares its start takes it from the one before.
    fn read_back(table: &[u8]) -> (&[u8], Vec<Stem>) {
        let (suffix, lens, packed) = table_parts(table).unwrap();
        let mut stems: Vec<Stem> = Vec::new();
        let (mut k, mut at) = (0, 0);
        while k < lens.len() {
            let len = lens[k];
            let shared = if len & SHARED != 0 {
                k += 1;
                usize::from(lens[k])
            } else {
                0
            };
            let n = usize::from(len & STEM_LEN);
            let mut stem = stems
                .last()
                .map_or(Vec::new(), |(s, _)| s[..shared].to_vec());
            assert_eq!(stem.len(), shared);
            stem.extend((at..at + n - shared).map(|i| unpack(packed, i).unwrap()));
            at += n - shared;
            stems.push((stem, len & !SHARED));
            k += 1;
        }
        // Nothing packed is left over but the padding.
        assert_eq!((at * 6).div_ceil(8) + 1, packed.len());
        (suffix, stems)
    }

    /// [`find_code`] as it was before the tables left out shared starts: a plain walk over the
    /// stems, as [`stem_lens`] and [`stems`] give them.
    fn find_code_plain(
        code: &[u8],
        suffix: &[u8],
        lens: &[u8],
        text: &[u8],
    ) -> Option<(usize, bool)> {
        let (stem, suffixed) = match code.strip_suffix(suffix) {
            Some(stem) => (stem, SUFFIXED),
            None => (code, 0),
        };
        let mut start = 0;
        for (i, &len) in lens.iter().enumerate() {
            let n = usize::from(len & !SUFFIXED);
            if text.get(start..start + n) == Some(stem) {
                return Some((i, len & SUFFIXED == suffixed));
            }
            start += n;
        }
        None
    }

    /// [`find_code`] takes the first equal stem, whatever its flag: right only while no two
    /// entries of a table share a stem.
    #[test]
    fn packed_tables_have_distinct_stems() {
        for (table, suffix, lens, text) in TABLES {
            let (table_suffix, stems) = read_back(table);
            assert_eq!(table_suffix, suffix);
            // The packed stems read back as the text, with their lengths and flags.
            let all: Vec<u8> = stems.iter().flat_map(|(s, _)| s.clone()).collect();
            assert_eq!(all, text);
            let flags: Vec<u8> = stems.iter().map(|(_, len)| *len).collect();
            assert_eq!(flags, lens);
            // Every stem is different.
            for (k, (stem, _)) in stems.iter().enumerate() {
                assert!(
                    !stems[..k].iter().any(|(s, _)| s == stem),
                    "{:?}",
                    stem.escape_ascii().to_string()
                );
            }
        }
        assert_eq!(JSON_ESCAPES.len(), JSON_UNESCAPED.len());
        for (i, (reason, _)) in ThrottleReason::KNOWN.iter().enumerate() {
            assert_eq!(reason_at(i), *reason);
        }
        assert_eq!(
            reason_at(ThrottleReason::KNOWN.len()),
            ThrottleReason::Other
        );
        for (i, &kind) in ServiceErrorKind::KINDS.iter().enumerate() {
            assert_eq!(ServiceErrorKind::at(i), kind);
        }
        assert_eq!(
            ServiceErrorKind::at(ServiceErrorKind::KINDS.len()),
            ServiceErrorKind::Unknown
        );
        assert_eq!(XML_ENTITY_LENS.len(), XML_UNESCAPED.len());
    }

    /// Every stem of every table, its prefixes, with and without the suffix, and one character
    /// changed: [`find_code`] finds what the plain walk finds.
    #[test]
    fn find_code_matches_the_plain_walk() {
        for ((table, suffix, lens, text), stream) in TABLES.into_iter().zip(STREAMS) {
            let (_, stems) = read_back(table);
            let mut probes: Vec<Vec<u8>> = vec![Vec::new(), suffix.to_vec()];
            for (stem, _) in &stems {
                for end in 0..=stem.len() {
                    let prefix = &stem[..end];
                    probes.push(prefix.to_vec());
                    probes.push([prefix, suffix].concat());
                    for at in 0..end {
                        let mut changed = prefix.to_vec();
                        changed[at] ^= 0x20;
                        probes.push(changed.clone());
                        changed[at] = b'_';
                        probes.push(changed);
                    }
                }
                probes.push([stem.as_slice(), b"x"].concat());
                probes.push([stem.as_slice(), suffix, b"x"].concat());
            }
            for probe in &probes {
                let plain = find_code_plain(probe, suffix, lens, text);
                for skip in [false, true] {
                    assert_eq!(
                        find_code_with(probe, table, skip),
                        plain,
                        "{:?} {skip}",
                        probe.escape_ascii().to_string()
                    );
                }
                assert_eq!(
                    find_code_in_order(probe, stream),
                    plain,
                    "{:?} in order",
                    probe.escape_ascii().to_string()
                );
            }
        }
    }

    proptest! {
        /// Names made of pieces of the stems (so that shared starts are hit often).
        #[test]
        fn find_code_matches_the_plain_walk_on_pieces(
            pieces in proptest::collection::vec((0usize..1024, 0usize..16), 0..4),
            with_suffix in any::<bool>(),
        ) {
            for ((table, suffix, lens, text), stream) in TABLES.into_iter().zip(STREAMS) {
                let mut probe = Vec::new();
                for &(start, len) in &pieces {
                    let start = start % text.len();
                    probe.extend_from_slice(&text[start..(start + len).min(text.len())]);
                }
                if with_suffix {
                    probe.extend_from_slice(suffix);
                }
                let plain = find_code_plain(&probe, suffix, lens, text);
                prop_assert_eq!(find_code_with(&probe, table, false), plain);
                prop_assert_eq!(find_code_with(&probe, table, true), plain);
                prop_assert_eq!(find_code_in_order(&probe, stream), plain);
            }
        }
    }

    /// [`json_escape`]'s `\u` branch as it was before it checked the character once.
    fn json_u_escape_before(e: &[u8]) -> Option<(char, usize)> {
        let unit = json_unit(e)?;
        if unit & 0xfc00 != 0xd800 {
            return Some((char::from_u32(unit)?, 6));
        }
        let low = json_unit(e.get(6..)?)?;
        if low & 0xfc00 != 0xdc00 {
            return None;
        }
        let code = 0x1_0000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
        Some((char::from_u32(code)?, 12))
    }

    /// Every `\uXXXX` escape alone, and every unit after the first, last and one middle high
    /// surrogate (and after a unit that is not one): [`json_escape`] as before.
    #[test]
    fn json_u_escapes_decode_as_before() {
        let same = |e: &str| {
            assert_eq!(
                json_escape(e.as_bytes()),
                json_u_escape_before(e.as_bytes()),
                "{e}"
            );
        };
        for unit in 0..=0xffffu32 {
            same(&format!("\\u{unit:04x}"));
            for high in [0xd800u32, 0xd83d, 0xdbff, 0xdc00, 0x0041] {
                same(&format!("\\u{high:04X}\\u{unit:04x}"));
            }
        }
        for e in [
            "\\ud800",
            "\\ud800\\",
            "\\ud800\\u",
            "\\ud800\\udc0",
            "\\ud800x",
        ] {
            same(e);
        }
    }

    /// [`xml_entity`] as it was before it split the `#` and `x` off one byte at a time.
    fn xml_entity_before(s: &[u8]) -> (char, usize) {
        let entity = || {
            let semi = s.iter().position(|&b| b == b';')?;
            let name = s.get(1..semi)?;
            let c = match find_code(name, XML_ENTITY_TABLE) {
                Some((i, _)) => char::from(*XML_UNESCAPED.get(i)?),
                None => {
                    let (digits, radix) = match name {
                        [b'#', b'x', hex @ ..] => (hex, 16),
                        [b'#', dec @ ..] => (dec, 10),
                        _ => return None,
                    };
                    if !(1..=8).contains(&digits.len()) {
                        return None;
                    }
                    char::from_u32(number(digits, radix)?)?
                }
            };
            Some((c, semi + 1))
        };
        entity().unwrap_or(('&', 1))
    }

    /// Every reference up to six bytes after the `&` over the bytes that matter (and a few
    /// longer ones): [`xml_entity`] as before.
    #[test]
    fn xml_entities_decode_as_before() {
        const BYTES: &[u8] = b"#xX0af;lg";
        let mut s = vec![b'&'];
        for len in 0..=6u32 {
            for mut n in 0..BYTES.len().pow(len) {
                s.truncate(1);
                for _ in 0..len {
                    s.push(BYTES[n % BYTES.len()]);
                    n /= BYTES.len();
                }
                assert_eq!(xml_entity(&s), xml_entity_before(&s), "{s:?}");
            }
        }
        for e in [
            &b"&amp;"[..],
            b"&quot;",
            b"&apos;",
            b"&#x10FFFF;",
            b"&#x110000;",
            b"&#1114111;",
            b"&#xD7FF;",
            b"&#xD800;",
            b"&#x0000000041;",
            b"&#00000065;",
            b"&#000000065;",
        ] {
            assert_eq!(xml_entity(e), xml_entity_before(e), "{e:?}");
        }
    }

    /// The small predicates written with wrapping range tests, against the plain ones, over every
    /// byte.
    #[test]
    fn byte_classes_match_the_plain_tests() {
        for b in 0..=255u8 {
            let word = b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.');
            assert_eq!(is_json_word(b), word, "{b}");
            assert_eq!(is_json_structural(b), b"{}[],:".contains(&b), "{b}");
            for radix in [10, 16] {
                let plain = (b as char).to_digit(radix);
                assert_eq!(number(&[b], radix), plain, "{b} {radix}");
            }
        }
        assert_eq!(number(b"", 16), Some(0));
        assert_eq!(number(b"ffffffff", 16), Some(u32::MAX));
        assert_eq!(number(b"99999999", 10), Some(99_999_999));
    }

    #[test]
    fn odd_inputs_decode_as_the_oracle() {
        let long_e = "é".repeat(MESSAGE_CAPACITY);
        let bodies: Vec<Vec<u8>> = vec![
            format!("{{\"message\":\"a{long_e}\"}}").into_bytes(),
            format!("{{\"message\":\"{}\\u00e9\"}}", "a".repeat(511)).into_bytes(),
            format!("{{\"message\":\"{}\\ud83d\\ude00\"}}", "a".repeat(509)).into_bytes(),
            format!("{{\"message\":\"{}\\x\"}}", "a".repeat(512)).into_bytes(),
            format!("<Message>{}&amp;</Message>", "a".repeat(511)).into_bytes(),
            format!("<Message>{}&amp;</Message>", "a".repeat(512)).into_bytes(),
            format!("<Message>{}\u{20ac}</Message>", "a".repeat(510)).into_bytes(),
            b"<Message>ok\xff</Message>".to_vec(),
            b"<Code>Service\xffException</Code>".to_vec(),
            b"<Code> ns#AccessDenied:x </Code>".to_vec(),
            b"<Code><Code>A</Code></Code>".to_vec(),
            b"{\"message\":null,\"message\":\"b\"}".to_vec(),
            b"{\"message\":\"b\",\"message\":null}".to_vec(),
            b"{\"message\":nullx}".to_vec(),
            b"{\"message\":\"\xff\"}".to_vec(),
            b"{\"x\":\"\xff\",\"code\":\"a\\u0041\"}".to_vec(),
            b"{\"__type\":\"\",\"code\":\"ServiceException\"}".to_vec(),
            b"{\"__typ\\u0065\":\"ServiceException\"}".to_vec(),
            b"\x0c{\x0c\"code\"\x0c:\x0c\"A\"\x0c}".to_vec(),
            b"{\"code\":\"A\"}trailing".to_vec(),
            b"{\"x\":{]}".to_vec(),
            b"{\"x\":,}".to_vec(),
            b"{,}".to_vec(),
            b"{\"x\":1,}".to_vec(),
            b"{\"message\":\"a\x1fb\"}".to_vec(),
            b"{\"message\":\"a\\\x1fb\"}".to_vec(),
            b"{\"x\":\"\x1f\",\"code\":\"A\"}".to_vec(),
            b"{\"message\":\"a\x7f\x20b\"}".to_vec(),
        ];
        for body in &bodies {
            check(None, body);
            check(Some(" a#ServiceException:tail "), body);
        }
        for header in [
            "",
            ":",
            "#",
            " ",
            "a:b#c",
            "#:",
            &"C".repeat(64),
            &"C".repeat(65),
        ] {
            check(Some(header), b"");
        }
    }
}

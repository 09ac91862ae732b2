//! AWS Signature Version 4, header-signed, for services other than S3.
//!
//! ```text
//! CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
//!                    SignedHeaders \n HexEncode(SHA256(Payload))
//! StringToSign     = "AWS4-HMAC-SHA256" \n X-Amz-Date \n Scope \n HexEncode(SHA256(CanonicalRequest))
//! Scope            = YYYYMMDD / region / service / "aws4_request"
//! SigningKey       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, YYYYMMDD), region), service), "aws4_request")
//! Signature        = HexEncode(HMAC(SigningKey, StringToSign))
//! ```
//!
//! Costs, per request: the payload hash (which a caller may compute incrementally with
//! [`PayloadHasher`], e.g. in a first pass over a seekable source), the canonical-request hash
//! (hashed as it is produced, never buffered), and one HMAC (with precomputed pad states, on
//! hosts). The signing key is derived once per (date, region, service) by [`Signer`] and reused.
//!
//! Secrets: the secret key stays borrowed from the caller; the derived key lives only as HMAC pad
//! states (bare-metal targets: as its key block) that are zeroized on drop. No type here prints a secret: `Debug` of [`Credentials`]
//! and [`Signer`] redacts them.

mod hmac;

pub(crate) use hmac::Sha256Stream;

use core::fmt;

use crate::encode::{hex32, hex_digit, percent_encode, Emit, PercentEncoding, Sink};
use crate::time::AmzDate;
use hmac::HmacKey;

/// The SigV4 algorithm name, first line of every string to sign.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// [`ALGORITHM`] and the newline after it in a string to sign: one piece of the MAC's input
/// rather than two (each piece is a slice stored on the stack for every signature).
const ALGORITHM_LINE: &str = "AWS4-HMAC-SHA256\n";

/// Longest region accepted in a credential scope (a DNS label).
pub const MAX_REGION_LEN: usize = 63;
/// Longest service name accepted in a credential scope.
pub const MAX_SERVICE_LEN: usize = 63;
/// Longest access key id accepted (IAM allows up to 128 characters).
pub const MAX_ACCESS_KEY_ID_LEN: usize = 128;

/// Why a request could not be signed. All of these are caller input, never peer data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SigningError {
    /// The access key id is empty, longer than 128 characters, or has characters other than
    /// ASCII letters, digits, `-`, `_` and `.` (it is written into the `Authorization` header).
    InvalidAccessKeyId,
    /// The secret access key is empty.
    EmptySecretKey,
    /// The session token is empty or has bytes outside visible ASCII (it becomes a header value).
    InvalidSessionToken,
    /// The region or service is empty, too long, or not made of `a-z`, `A-Z`, `0-9` and `-`.
    InvalidScope,
    /// A header name is empty or not an HTTP token.
    InvalidHeaderName,
    /// A header value has a control character (CR and LF included): header injection.
    InvalidHeaderValue,
    /// The method is empty or not an HTTP token.
    InvalidMethod,
}

impl SigningError {
    /// A short static description, also used by `Display`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidAccessKeyId => "invalid access key id",
            Self::EmptySecretKey => "empty secret access key",
            Self::InvalidSessionToken => "invalid session token",
            Self::InvalidScope => "invalid region or service for the credential scope",
            Self::InvalidHeaderName => "invalid header name",
            Self::InvalidHeaderValue => "control character in a header value",
            Self::InvalidMethod => "invalid method",
        }
    }
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for SigningError {}

/// AWS credentials, borrowed from wherever the caller keeps them.
///
/// The caller owns (and should zeroize) the secret; the core only derives keys from it.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: Option<&'a str>,
}

impl<'a> Credentials<'a> {
    /// Checks and wraps a key pair and optional session token (temporary credentials from STS).
    pub fn new(
        access_key_id: &'a str,
        secret_access_key: &'a str,
        session_token: Option<&'a str>,
    ) -> Result<Self, SigningError> {
        let ak = access_key_id.as_bytes();
        // ASCII letters, digits, `-`, `_` and `.`: the unreserved characters but `~` (through
        // the encoder's test, which firmware links anyway).
        if ak.is_empty()
            || ak.len() > MAX_ACCESS_KEY_ID_LEN
            || !ak
                .iter()
                .all(|&b| crate::encode::is_unreserved(b) && b != b'~')
        {
            return Err(SigningError::InvalidAccessKeyId);
        }
        if secret_access_key.is_empty() {
            return Err(SigningError::EmptySecretKey);
        }
        if let Some(token) = session_token {
            if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(SigningError::InvalidSessionToken);
            }
        }
        Ok(Self {
            access_key_id,
            secret_access_key,
            session_token,
        })
    }

    /// The access key id (not secret: it is sent in every `Authorization` header).
    pub fn access_key_id(&self) -> &'a str {
        self.access_key_id
    }

    /// The session token, sent as `X-Amz-Security-Token`.
    pub fn session_token(&self) -> Option<&'a str> {
        self.session_token
    }
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.map(|_| "<redacted>"))
            .finish()
    }
}

/// Whether `s` is 1 to `max` ASCII letters, digits and `-`: a region or service in a credential
/// scope.
pub(crate) fn valid_scope_part(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A SigV4 signing key for one (date, region, service), kept as HMAC pad states (bare-metal
/// targets: as its key block).
///
/// Derivation costs four HMACs; [`Signer`] does it once per scope and reuses the key.
/// Zeroized on drop; never printed.
pub struct SigningKey {
    mac: HmacKey,
    /// The credential scope, `YYYYMMDD/region/service/aws4_request`, as the string to sign and
    /// the `Authorization` header carry it: one piece to put rather than six.
    scope: heapless::Vec<u8, MAX_SCOPE_LEN>,
}

/// The longest credential scope: `YYYYMMDD/region/service/aws4_request`.
const MAX_SCOPE_LEN: usize = 8 + 1 + MAX_REGION_LEN + 1 + MAX_SERVICE_LEN + 1 + SCOPE_END.len();

/// `scope` without its first element and the `/` after it, if that element is `part`. Not
/// inlined: one copy serves the three parts [`SigningKey::is_for`] checks.
#[inline(never)]
fn strip_scope_part<'s>(scope: &'s [u8], part: &[u8]) -> Option<&'s [u8]> {
    match scope.split_at_checked(part.len()) {
        Some((head, [b'/', tail @ ..])) if crate::encode::bytes_eq(head, part) => Some(tail),
        _ => None,
    }
}

/// The last element of every credential scope.
const SCOPE_END: &[u8] = b"aws4_request";

impl SigningKey {
    /// Derives the key for `date` (`YYYYMMDD`), `region` and `service` from a secret key.
    pub fn derive(
        secret_access_key: &str,
        date: [u8; 8],
        region: &str,
        service: &str,
    ) -> Result<Self, SigningError> {
        let mut slot = None;
        Self::derive_into(secret_access_key, date, region, service, &mut slot)?;
        // Always `Some` after `Ok`; the error only keeps this free of a panic path.
        slot.ok_or(SigningError::EmptySecretKey)
    }

    /// [`SigningKey::derive`] into `slot`, where the key is kept (the [`Signer`]'s cache): built
    /// there rather than returned and moved, so that no copy of it is on the stack. `slot` is
    /// left as it is on an error.
    // Not inlined: it runs once per day and scope, and its locals (pad blocks, intermediate
    // keys) would otherwise add to the frame of every function that signs.
    #[inline(never)]
    fn derive_into(
        secret_access_key: &str,
        date: [u8; 8],
        region: &str,
        service: &str,
        slot: &mut Option<SigningKey>,
    ) -> Result<(), SigningError> {
        if secret_access_key.is_empty() {
            return Err(SigningError::EmptySecretKey);
        }
        if !valid_scope_part(region, MAX_REGION_LEN) || !valid_scope_part(service, MAX_SERVICE_LEN)
        {
            return Err(SigningError::InvalidScope);
        }
        // Written into the slot only now that nothing can fail.
        // The key is derived in the slot, over the key it held (every word of which is
        // rewritten) or a blank one, not built apart and moved in: a copy of a key is a call to
        // a copying routine that firmware would link for this alone.
        let key = match slot {
            Some(key) => {
                key.scope.clear();
                key
            }
            None => slot.insert(SigningKey {
                mac: HmacKey::blank(secret_access_key.len()),
                scope: heapless::Vec::new(),
            }),
        };
        // "AWS4" + secret, straight into the first HMAC's key without a copy of the secret (a
        // key over 64 bytes is hashed first, as RFC 2104 requires).
        key.mac.rekey(&[b"AWS4", secret_access_key.as_bytes()]);
        // Each step's MAC keys the next, in place in the slot: one buffer of 32 bytes on the
        // stack (this runs on small stacks), one HMAC call site. The steps are the scope's
        // elements, so the scope text is joined from them on the way.
        let mut sep: &[u8] = b"";
        for part in [&date[..], region.as_bytes(), service.as_bytes(), SCOPE_END] {
            key.mac.rekey_with_mac(part);
            // Cannot fail: region and service were checked against their capacities above,
            // which `MAX_SCOPE_LEN` adds up. (Were a piece refused, the key would be for no
            // scope `is_for` accepts, and derived again when asked.)
            let _ = key.scope.extend_from_slice(sep);
            let _ = key.scope.extend_from_slice(part);
            sep = b"/";
        }
        Ok(())
    }

    /// Whether this key signs requests for `date`, `region` and `service`.
    pub fn is_for(&self, date: &[u8; 8], region: &str, service: &str) -> bool {
        // The scope is these parts and `aws4_request` joined by `/`: taking each part and its
        // `/` off the front in turn, then comparing what is left, compares with exactly that
        // text.
        strip_scope_part(&self.scope, date)
            .and_then(|rest| strip_scope_part(rest, region.as_bytes()))
            .and_then(|rest| strip_scope_part(rest, service.as_bytes()))
            .is_some_and(|rest| crate::encode::bytes_eq(rest, SCOPE_END))
    }

    /// The credential scope this key is for, `YYYYMMDD/region/service/aws4_request`.
    pub(crate) fn scope(&self) -> &[u8] {
        &self.scope
    }

    /// The signature, as 64 lower-case hex characters, of the canonical request with the hash
    /// `creq_hash` made at `amz_date`, which must be in this key's scope (as [`Signer::key`]
    /// returns it): the credential scope is the key's own.
    pub(crate) fn sign_canonical_hash(&self, creq_hash: &[u8; 32], amz_date: &AmzDate) -> [u8; 64] {
        hex32(&self.signature_bytes(creq_hash, amz_date))
    }

    /// [`SigningKey::sign_canonical_hash`] before its hex encoding: the MAC of the string to
    /// sign.
    pub(crate) fn signature_bytes(&self, creq_hash: &[u8; 32], amz_date: &AmzDate) -> [u8; 32] {
        let head: [&[u8]; 5] = [
            ALGORITHM_LINE.as_bytes(),
            amz_date.as_bytes(),
            b"\n",
            &self.scope,
            b"\n",
        ];
        // Bare-metal targets hash the hex of the canonical request's hash as it is written.
        #[cfg(target_os = "none")]
        {
            self.mac.mac_with_hex(&head, Some(creq_hash))
        }
        #[cfg(not(target_os = "none"))]
        {
            let creq_hex = hex32(creq_hash);
            let [a, b, c, d, e] = head;
            self.mac.mac(&[a, b, c, d, e, &creq_hex])
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The scope split back into its parts: the date is its first 8 bytes, and region and
        // service have no `/`.
        let (date, rest) = self.scope.split_at_checked(8).unwrap_or_default();
        let mut parts = rest.split(|&b| b == b'/').skip(1);
        let region = parts.next().unwrap_or_default();
        let service = parts.next().unwrap_or_default();
        f.debug_struct("SigningKey")
            .field("date", &core::str::from_utf8(date).unwrap_or("?"))
            .field("region", &core::str::from_utf8(region).unwrap_or_default())
            .field(
                "service",
                &core::str::from_utf8(service).unwrap_or_default(),
            )
            .finish_non_exhaustive()
    }
}

/// Credentials plus the cached signing key for the most recent scope.
///
/// Keep one per set of credentials and reuse it: a new key is derived only when the date, region
/// or service changes.
pub struct Signer<'a> {
    credentials: Credentials<'a>,
    key: Option<SigningKey>,
}

impl<'a> Signer<'a> {
    /// A signer with no key derived yet.
    pub fn new(credentials: Credentials<'a>) -> Self {
        Self {
            credentials,
            key: None,
        }
    }

    /// The credentials this signer uses.
    pub fn credentials(&self) -> &Credentials<'a> {
        &self.credentials
    }

    /// The signing key for the scope, derived now if the cached one is for another scope.
    pub fn key(
        &mut self,
        date: &[u8; 8],
        region: &str,
        service: &str,
    ) -> Result<&SigningKey, SigningError> {
        // Derived in the cache's own storage (no copy of a key in this frame). Every error
        // `derive_into` can return is checked before it writes, so on an error the cached key
        // stays.
        if !self
            .key
            .as_ref()
            .is_some_and(|k| k.is_for(date, region, service))
        {
            SigningKey::derive_into(
                self.credentials.secret_access_key,
                *date,
                region,
                service,
                &mut self.key,
            )?;
        }
        self.key.as_ref().ok_or(SigningError::EmptySecretKey)
    }

    /// Signs `request` for `scope`: hashes the canonical request as it is produced and returns
    /// the signature. Validates the method, header names and values first.
    pub fn sign(
        &mut self,
        request: &SignableRequest<'_>,
        scope: &Scope<'_>,
    ) -> Result<Signature, SigningError> {
        request.validate()?;
        self.sign_trusted(request, scope)
    }

    /// [`Signer::sign`] for requests whose parts the caller has already validated.
    pub(crate) fn sign_trusted(
        &mut self,
        request: &SignableRequest<'_>,
        scope: &Scope<'_>,
    ) -> Result<Signature, SigningError> {
        let mut h = Sha256Stream::new();
        request.put_canonical_request(&mut h);
        self.sign_canonical_hash(h.finish(), scope)
    }

    /// Signs a canonical request given by its hash.
    fn sign_canonical_hash(
        &mut self,
        creq_hash: [u8; 32],
        scope: &Scope<'_>,
    ) -> Result<Signature, SigningError> {
        let key = self.key(&scope.amz_date.date(), scope.region, scope.service)?;
        Ok(Signature {
            hex: key.sign_canonical_hash(&creq_hash, &scope.amz_date),
            canonical_request_hash: creq_hash,
        })
    }
}

impl fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("credentials", &self.credentials)
            .field("key", &self.key)
            .finish()
    }
}

/// Where and when a signature is valid: the `X-Amz-Date` time, region and service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope<'a> {
    /// The request time, as sent in `X-Amz-Date`.
    pub amz_date: AmzDate,
    /// The signing region (the client's region, also for FIPS, dual-stack and custom endpoints).
    pub region: &'a str,
    /// The signing name of the service, `lambda` for Lambda.
    pub service: &'a str,
}

impl Scope<'_> {
    /// Writes the credential scope, `YYYYMMDD/region/service/aws4_request`.
    pub fn write(&self, sink: &mut dyn Sink) {
        self.put_scope(sink);
    }

    pub(crate) fn put_scope<S: Sink + ?Sized>(&self, sink: &mut S) {
        sink.put(&self.amz_date.date());
        sink.put(b"/");
        sink.put(self.region.as_bytes());
        sink.put(b"/");
        sink.put(self.service.as_bytes());
        sink.put(b"/aws4_request");
    }

    /// Writes the string to sign for a canonical request with the given hash.
    pub fn write_string_to_sign(&self, canonical_request_hash: &[u8; 32], sink: &mut dyn Sink) {
        sink.put(ALGORITHM.as_bytes());
        sink.put(b"\n");
        sink.put(self.amz_date.as_bytes());
        sink.put(b"\n");
        self.put_scope(sink);
        sink.put(b"\n");
        sink.put(&hex32(canonical_request_hash));
    }
}

/// A computed signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    hex: [u8; 64],
    canonical_request_hash: [u8; 32],
}

impl Signature {
    /// The signature as 64 lower-case hex characters.
    pub fn as_hex(&self) -> &[u8; 64] {
        &self.hex
    }

    /// The SHA-256 of the canonical request it signed (for the string to sign in debug output).
    pub fn canonical_request_hash(&self) -> &[u8; 32] {
        &self.canonical_request_hash
    }
}

/// The SHA-256 and length of a request payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PayloadHash {
    sha256: [u8; 32],
    len: u64,
}

impl PayloadHash {
    /// The hash of an empty payload (no payload is sent as an empty body).
    pub const EMPTY: Self = Self {
        sha256: [
            0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
            0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
            0x78, 0x52, 0xb8, 0x55,
        ],
        len: 0,
    };

    /// Hashes a payload held in memory.
    pub fn of(payload: &[u8]) -> Self {
        // Hosts answer an empty payload with the constant, without hashing. Bare-metal targets
        // hash it like any other: the constant and its copy cost more flash than one
        // compression costs time. (The tests check that both give the same.)
        if cfg!(not(target_os = "none")) && payload.is_empty() {
            return Self::EMPTY;
        }
        Self::hashed(payload)
    }

    /// [`PayloadHash::of`] by hashing, whatever the length.
    fn hashed(payload: &[u8]) -> Self {
        // Through the HMAC's hashing routine: a stream alone, not a `PayloadHasher` (the length
        // is known, so the hasher's 64-bit count would be kept for nothing, and its new stream
        // built apart and copied into it). The routine also clears its stream after, needlessly
        // here; sharing it saves a call site of each stream method.
        Self {
            sha256: hmac::sha256(&[payload]),
            len: payload.len() as u64,
        }
    }

    /// The payload length in bytes (the `Content-Length`).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The SHA-256 digest.
    pub fn sha256(&self) -> &[u8; 32] {
        &self.sha256
    }
}

/// Hashes a payload given in pieces, for payloads that are never held in RAM whole: read the
/// source once to hash it, then again (after seeking back) to send it.
///
/// Hashes with the SHA-256 the signer uses (the crate's own padding and buffering over a
/// compression function), not `sha2::Sha256`: one SHA-256 in firmware, and no panic path from
/// the `digest` crate's block buffer.
#[derive(Clone)]
pub struct PayloadHasher {
    sha: Sha256Stream,
    len: u64,
}

impl Default for PayloadHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl PayloadHasher {
    /// An empty hasher.
    pub fn new() -> Self {
        Self {
            sha: Sha256Stream::new(),
            len: 0,
        }
    }

    /// Adds the next piece of the payload.
    pub fn update(&mut self, piece: &[u8]) {
        self.sha.update(piece);
        self.len = self.len.saturating_add(piece.len() as u64);
    }

    /// The hash and length of everything added.
    pub fn finish(mut self) -> PayloadHash {
        PayloadHash {
            sha256: self.sha.finish(),
            len: self.len,
        }
    }
}

/// The parts of a request that SigV4 signs.
///
/// The path is given as sent on the wire (already percent-encoded once). For every service but
/// S3, SigV4 percent-encodes it again in the canonical URI (`double_encode_path`). Query
/// parameters are given decoded; here they are encoded with SigV4's rules (unreserved characters
/// kept, everything else `%XX` upper-case) and sorted by encoded name, then value. Header values are trimmed and inner
/// runs of spaces collapsed; headers with the same name are joined with `,` in the order given.
/// Sorting is done by repeated selection, without scratch memory: meant for the handful of headers
/// a request signs.
pub struct SignableRequest<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path as sent (percent-encoded once), e.g. `/2015-03-31/functions/f%3A1/invocations`.
    pub path: &'a dyn Emit,
    /// Encode the path a second time for the canonical URI (true for every service but S3).
    pub double_encode_path: bool,
    /// Query parameters as (name, value), NOT encoded, in any order: SigV4 encodes and sorts them.
    pub query: &'a [(&'a str, &'a str)],
    /// Every header to sign, by name (any case) and value.
    pub headers: &'a [(&'a str, &'a dyn Emit)],
    /// The payload's hash.
    pub payload: &'a PayloadHash,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Checks that emitted bytes hold no control characters other than horizontal tab.
struct ValueCheck(bool);

impl Sink for ValueCheck {
    fn put(&mut self, bytes: &[u8]) {
        if bytes.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            self.0 = false;
        }
    }
}

/// SigV4 header value canonicalization as a sink adaptor: leading and trailing spaces dropped,
/// inner runs of spaces and tabs collapsed to one space.
pub(crate) struct TrimCollapse<'s, S: Sink + ?Sized> {
    inner: &'s mut S,
    started: bool,
    pending_space: bool,
}

impl<'s, S: Sink + ?Sized> TrimCollapse<'s, S> {
    /// Canonicalizes one header value into `inner`.
    pub(crate) fn new(inner: &'s mut S) -> Self {
        Self {
            inner,
            started: false,
            pending_space: false,
        }
    }
}

impl<S: Sink + ?Sized> Sink for TrimCollapse<'_, S> {
    #[cfg(not(target_os = "none"))]
    fn put(&mut self, bytes: &[u8]) {
        self.put_words(bytes);
    }

    #[cfg(target_os = "none")]
    fn put(&mut self, bytes: &[u8]) {
        self.put_bytes(bytes);
    }
}

impl<S: Sink + ?Sized> TrimCollapse<'_, S> {
    /// [`Sink::put`] on hosts: a word at a time.
    #[cfg_attr(target_os = "none", allow(dead_code))]
    fn put_words(&mut self, bytes: &[u8]) {
        // Words between spaces and tabs, each written after one space if a separator came
        // before it and a word was already written. A piece without separators (the usual
        // case) is one word, passed through whole.
        let mut first = true;
        for word in bytes.split(|&b| b == b' ' || b == b'\t') {
            if !first {
                self.pending_space = true;
            }
            first = false;
            if !word.is_empty() {
                if self.pending_space && self.started {
                    self.inner.put(b" ");
                }
                self.inner.put(word);
                self.started = true;
                self.pending_space = false;
            }
        }
    }

    /// [`Sink::put`] on bare-metal targets: a byte at a time, each kept byte a `put` of its own
    /// (smaller than the word splitting; slower, for header values of at most a few kilobytes).
    /// The tests check it against [`TrimCollapse::put_words`].
    #[cfg(any(test, target_os = "none"))]
    #[cfg_attr(not(target_os = "none"), allow(dead_code))]
    fn put_bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b' ' || b == b'\t' {
                self.pending_space = true;
            } else {
                if self.pending_space && self.started {
                    self.inner.put(b" ");
                }
                self.inner.put(&[b]);
                self.started = true;
                self.pending_space = false;
            }
        }
    }
}

/// Passes bytes through and records whether any were non-empty.
struct NonEmpty<'s, S: Sink + ?Sized> {
    inner: &'s mut S,
    wrote: bool,
}

impl<S: Sink + ?Sized> Sink for NonEmpty<'_, S> {
    fn put(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.wrote = true;
            self.inner.put(bytes);
        }
    }
}

/// The bytes of `s` percent-encoded with SigV4's rules, as an iterator (for sorting by encoded
/// form without materializing it).
#[cfg(not(target_os = "none"))]
fn encoded(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.bytes().flat_map(|b| {
        let (arr, n) = if crate::encode::is_unreserved(b) {
            ([b, 0, 0], 1)
        } else {
            ([b'%', hex_digit(b >> 4, true), hex_digit(b, true)], 3)
        };
        arr.into_iter().take(n)
    })
}

/// The bare-metal [`encoded`]: an iterator of 12 bytes, the rest of the input and the place in
/// the current escape. (`encoded`'s state is 48 bytes, and comparing two of them copies each by
/// a call to a copying routine that firmware would link for it.) The tests check it against
/// the host one.
#[cfg(any(test, target_os = "none"))]
struct EncodedSmall<'a> {
    rest: &'a [u8],
    /// Which character of the current byte's `%XX` escape comes next (0 to 2).
    digit: u8,
}

#[cfg(any(test, target_os = "none"))]
impl Iterator for EncodedSmall<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let (&b, rest) = self.rest.split_first()?;
        if crate::encode::is_unreserved(b) {
            self.rest = rest;
            return Some(b);
        }
        let c = match self.digit {
            0 => b'%',
            1 => hex_digit(b >> 4, true),
            _ => hex_digit(b, true),
        };
        if self.digit == 2 {
            self.digit = 0;
            self.rest = rest;
        } else {
            self.digit += 1;
        }
        Some(c)
    }
}

#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
fn encoded_small(s: &str) -> EncodedSmall<'_> {
    EncodedSmall {
        rest: s.as_bytes(),
        digit: 0,
    }
}

#[cfg(target_os = "none")]
use encoded_small as encoded;

/// Compares two header names case-insensitively (ASCII), byte by byte.
fn lower_cmp(a: &str, b: &str) -> core::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

/// Whether `name` has an ASCII upper-case letter. No early exit: names are short, and a loop
/// without data-dependent branches is faster on them than one that stops at the first hit.
fn has_upper(name: &str) -> bool {
    name.bytes()
        .fold(false, |acc, b| acc | b.is_ascii_uppercase())
}

/// Puts `name` in lower case: in one piece if it has no upper-case letter, else through a
/// stack buffer (hosts).
#[cfg(not(target_os = "none"))]
fn put_lower<S: Sink + ?Sized>(name: &str, sink: &mut S) {
    if !has_upper(name) {
        sink.put(name.as_bytes());
        return;
    }
    let mut buf = [0u8; 32];
    for chunk in name.as_bytes().chunks(buf.len()) {
        if let Some(dst) = buf.get_mut(..chunk.len()) {
            for (d, s) in dst.iter_mut().zip(chunk) {
                *d = s.to_ascii_lowercase();
            }
            sink.put(dst);
        }
    }
}

/// The bare-metal [`put_lower`]: a `put` per byte, with no buffer (a zero-filled buffer is a
/// call to a clearing routine that firmware would link for it; header names are short). The
/// tests check it against the host one.
#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
fn put_lower_small<S: Sink + ?Sized>(name: &str, sink: &mut S) {
    for b in name.bytes() {
        sink.put(&[b.to_ascii_lowercase()]);
    }
}

#[cfg(target_os = "none")]
use put_lower_small as put_lower;

impl SignableRequest<'_> {
    fn validate(&self) -> Result<(), SigningError> {
        if self.method.is_empty() || !self.method.bytes().all(is_tchar) {
            return Err(SigningError::InvalidMethod);
        }
        for (name, value) in self.headers {
            if name.is_empty() || !name.bytes().all(is_tchar) {
                return Err(SigningError::InvalidHeaderName);
            }
            let mut check = ValueCheck(true);
            value.emit(&mut check);
            if !check.0 {
                return Err(SigningError::InvalidHeaderValue);
            }
        }
        Ok(())
    }

    /// Whether the header names are already distinct and in ascending lower-case order (as the
    /// request writers of this crate give them): then sorting and grouping are the identity.
    ///
    /// Names must also be lower-case already, so that they can be written as given.
    fn headers_in_canonical_order(&self) -> bool {
        !self.headers.iter().any(|(name, _)| has_upper(name))
            && self
                .headers
                .windows(2)
                .all(|pair| matches!(pair, [(a, _), (b, _)] if lower_cmp(a, b).is_lt()))
    }

    /// Distinct header names in ascending lower-case order: calls `f(name)` once per name.
    fn for_each_sorted_name(&self, mut f: impl FnMut(&str)) {
        let mut prev: Option<&str> = None;
        loop {
            let next = self
                .headers
                .iter()
                .map(|(n, _)| *n)
                .filter(|n| prev.is_none_or(|p| lower_cmp(n, p).is_gt()))
                .min_by(|a, b| lower_cmp(a, b));
            match next {
                Some(n) => {
                    f(n);
                    prev = Some(n);
                }
                None => break,
            }
        }
    }

    /// Writes the `SignedHeaders` list: sorted distinct lower-case names joined by `;`.
    pub fn write_signed_headers(&self, sink: &mut dyn Sink) {
        self.put_signed_headers(sink);
    }

    fn put_signed_headers<S: Sink + ?Sized>(&self, sink: &mut S) {
        if self.headers_in_canonical_order() {
            let mut sep: &[u8] = b"";
            for (name, _) in self.headers {
                sink.put(sep);
                sink.put(name.as_bytes());
                sep = b";";
            }
            return;
        }
        let mut first = true;
        self.for_each_sorted_name(|name| {
            if !first {
                sink.put(b";");
            }
            first = false;
            put_lower(name, sink);
        });
    }

    /// Writes the canonical request (the input of its hash), without buffering it.
    pub fn write_canonical_request(&self, sink: &mut dyn Sink) {
        self.put_canonical_request(sink);
    }

    /// [`SignableRequest::write_canonical_request`], monomorphized for the sink that hashes it.
    pub(crate) fn put_canonical_request<S: Sink + ?Sized>(&self, sink: &mut S) {
        sink.put(self.method.as_bytes());
        sink.put(b"\n");
        self.write_canonical_uri(sink);
        sink.put(b"\n");
        self.write_canonical_query(sink);
        sink.put(b"\n");
        let put_value = |value: &dyn Emit, sink: &mut S| {
            value.emit(&mut TrimCollapse {
                inner: sink,
                started: false,
                pending_space: false,
            });
        };
        if self.headers_in_canonical_order() {
            // One value per name, already in order: no selection sort, no grouping.
            for (name, value) in self.headers {
                sink.put(name.as_bytes());
                sink.put(b":");
                put_value(*value, sink);
                sink.put(b"\n");
            }
        } else {
            self.for_each_sorted_name(|name| {
                put_lower(name, sink);
                sink.put(b":");
                let mut first = true;
                for (_, value) in self
                    .headers
                    .iter()
                    .filter(|(n, _)| lower_cmp(n, name).is_eq())
                {
                    if !first {
                        sink.put(b",");
                    }
                    first = false;
                    put_value(*value, sink);
                }
                sink.put(b"\n");
            });
        }
        sink.put(b"\n");
        self.put_signed_headers(sink);
        sink.put(b"\n");
        crate::encode::put_hex32(&self.payload.sha256, &mut &mut *sink);
    }

    fn write_canonical_uri<S: Sink + ?Sized>(&self, sink: &mut S) {
        // An empty path is written as `/`. Whether the path is empty is only known once it has
        // been emitted, but then nothing has been written yet, so the `/` still comes first.
        let mut tracked = NonEmpty {
            inner: sink,
            wrote: false,
        };
        if self.double_encode_path {
            self.path.emit(&mut PercentEncoding {
                inner: &mut tracked,
                keep_slash: true,
            });
        } else {
            self.path.emit(&mut tracked);
        }
        if !tracked.wrote {
            sink.put(b"/");
        }
    }

    fn write_canonical_query<S: Sink + ?Sized>(&self, sink: &mut S) {
        // Selection sort over (name, value) by their encoded forms; equal pairs are written as
        // often as they occur.
        let cmp = |a: &(&str, &str), b: &(&str, &str)| {
            encoded(a.0)
                .cmp(encoded(b.0))
                .then_with(|| encoded(a.1).cmp(encoded(b.1)))
        };
        let mut prev: Option<&(&str, &str)> = None;
        let mut first = true;
        loop {
            let next = self
                .query
                .iter()
                .filter(|p| prev.is_none_or(|q| cmp(p, q).is_gt()))
                .min_by(|a, b| cmp(a, b));
            let Some(pair) = next else { break };
            for same in self.query.iter().filter(|p| cmp(p, pair).is_eq()) {
                if !first {
                    sink.put(b"&");
                }
                first = false;
                percent_encode(same.0.as_bytes(), false, &mut &mut *sink);
                sink.put(b"=");
                percent_encode(same.1.as_bytes(), false, &mut &mut *sink);
            }
            prev = Some(pair);
        }
    }

    /// Writes the `Authorization` header value for a signature made by `access_key_id` in `scope`.
    pub fn write_authorization(
        &self,
        access_key_id: &str,
        scope: &Scope<'_>,
        signature: &Signature,
        sink: &mut dyn Sink,
    ) {
        self.put_authorization(access_key_id, scope, signature, sink);
    }

    /// [`SignableRequest::write_authorization`], monomorphized for the head writer's sinks.
    pub(crate) fn put_authorization<S: Sink + ?Sized>(
        &self,
        access_key_id: &str,
        scope: &Scope<'_>,
        signature: &Signature,
        sink: &mut S,
    ) {
        sink.put(ALGORITHM.as_bytes());
        sink.put(b" Credential=");
        sink.put(access_key_id.as_bytes());
        sink.put(b"/");
        scope.put_scope(sink);
        sink.put(b", SignedHeaders=");
        self.put_signed_headers(sink);
        sink.put(b", Signature=");
        sink.put(signature.as_hex());
    }
}

/// Removes `.` and `..` segments and empty segments from a path (RFC 3986 §5.2.4 plus the
/// collapsing of `//` that SigV4's normalization adds), writing the result into `out`.
///
/// Lambda paths never need this; it exists for services and test suites that normalize. A
/// trailing slash is kept. Returns the length written, or `None` if `out` is too small
/// (`path.len() + 1` always suffices).
pub fn normalize_path(path: &[u8], out: &mut [u8]) -> Option<usize> {
    let segments = || path.split(|&b| b == b'/');
    let count = segments().count();
    let mut w = crate::encode::SliceWriter::new(out);
    for (i, seg) in segments().enumerate() {
        if seg.is_empty() || seg == b"." || seg == b".." {
            continue;
        }
        // A segment survives unless a later `..` pops it: walking forward, later normal
        // segments push and `..` pops; if the depth ever drops below zero, this one is gone.
        let mut removed_by_later = false;
        let mut depth = 0isize;
        for later in segments().skip(i + 1) {
            match later {
                b".." => {
                    depth -= 1;
                    if depth < 0 {
                        removed_by_later = true;
                        break;
                    }
                }
                b"" | b"." => {}
                _ => depth += 1,
            }
        }
        if !removed_by_later {
            w.put(b"/");
            w.put(seg);
        }
    }
    let last = path.rsplit(|&b| b == b'/').next().unwrap_or_default();
    let trailing = count > 1 && (last.is_empty() || last == b"." || last == b"..");
    if w.pos == 0 || trailing {
        w.put(b"/");
    }
    (!w.overflowed).then_some(w.pos)
}

#[cfg(test)]
mod tests;

//! Retries and clock skew: whether to send an `Invoke` again, how long to wait first, and which
//! time to sign it with.
//!
//! This module does no I/O and reads no clock or random source. The driver sends one attempt,
//! describes what happened as an [`AttemptOutcome`], and asks [`RetryState::on_outcome`] for a
//! [`Decision`]: [`Decision::Done`], [`Decision::Retry`] after a delay the driver sleeps through
//! with its own sleep, or [`Decision::GiveUp`] with a [`GiveUpReason`].
//!
//! The rules are the AWS SDKs' *standard* retry mode (botocore `retries/standard.py`, smithy-rs
//! `aws-smithy-runtime` `StandardRetryStrategy`, the AWS SDKs and Tools reference guide "Retry
//! behavior"), with one deliberate difference for Lambda: a `RequestResponse` invoke whose request
//! was completely sent is not sent again after a read timeout or a dropped connection, because the
//! function may already have run. The SDKs retry those; here the caller must opt in with
//! [`RetryConfig::with_resend_request_response`].
//!
//! | Input | Retried? | Quota cost |
//! |---|---|---|
//! | throttling code ([`ErrorClass::Throttling`]) or status 429 | yes | 5 |
//! | transient code ([`ErrorClass::Transient`]) or status 500, 502, 503, 504 | yes | 5 |
//! | [`AttemptOutcome::ConnectFailed`], [`AttemptOutcome::SendFailed`] | yes, every invocation type | 5, or 10 if it timed out |
//! | [`AttemptOutcome::ResponseLost`] | `Event`, `DryRun`: yes; `RequestResponse`: only if opted in | 5, or 10 if it timed out |
//! | request rejected for its time (see [`ClockSkew`]) | once, re-signed, no delay | none |
//! | anything else (400, 403, 404, …) | no | — |
//!
//! The driver loop, with a simulated transport that first fails to connect:
//!
//! ```
//! use picolambda::invoke::InvocationType;
//! use picolambda::retry::{
//!     AttemptOutcome, ClockSkew, Decision, Jitter, RetryConfig, RetryQuota, RetryState,
//! };
//! use picolambda::time::Timestamp;
//!
//! // One quota and one clock per client: they outlive a single call.
//! let mut quota = RetryQuota::new();
//! let mut clock = ClockSkew::new();
//! let local_now = || Timestamp::from_unix_secs(1_700_000_000); // the device's clock
//! let random_u32 = || 0x8000_0000u32; // the device's RNG
//!
//! let mut retry = RetryState::new(RetryConfig::default(), InvocationType::RequestResponse);
//! let mut sends = 0;
//! let result = loop {
//!     // Sign every attempt afresh with the corrected time.
//!     let _signing_time = clock.corrected(local_now());
//!     sends += 1;
//!     let outcome = if sends == 1 {
//!         AttemptOutcome::ConnectFailed { timed_out: false }
//!     } else {
//!         AttemptOutcome::Success { server_time: None }
//!     };
//!     match retry.on_outcome(outcome, local_now(), Jitter::from_random(random_u32()), &mut quota, &mut clock) {
//!         Decision::Done => break Ok(()),
//!         Decision::Retry { delay_ms, .. } => {
//!             // sleep(delay_ms) with the caller's sleep, then loop.
//!             assert!(delay_ms <= 1_000);
//!         }
//!         Decision::GiveUp(reason) => break Err(reason),
//!     }
//! };
//! assert_eq!(result, Ok(()));
//! assert_eq!(sends, 2);
//! // The retry took 5 from the quota; succeeding gave those 5 back.
//! assert_eq!(quota.available(), RetryQuota::CAPACITY);
//! ```

use core::fmt;

use crate::invoke::response::ServiceError;
use crate::invoke::InvocationType;
use crate::time::Timestamp;

#[cfg(test)]
mod tests;

/// Policy for one call: attempts, backoff and the `RequestResponse` resend opt-in.
///
/// Start from [`RetryConfig::default`] (standard mode) and change what you need with the
/// `with_*` methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts per call, the first one included; `0` is taken as `1` (the first attempt always
    /// happens). Standard mode's default is 3 (botocore `DEFAULT_MAX_ATTEMPTS`). The clock-skew
    /// re-sign counts as an attempt, so this bounds the number of sends.
    pub max_attempts: u8,
    /// The backoff before the first retry at full jitter, in milliseconds: 1 s, the `2 ** 0`
    /// seconds of botocore's `ExponentialBackoff` and smithy-rs' `initial_backoff`.
    pub base_delay_ms: u32,
    /// The largest backoff before jitter, in milliseconds: 20 s in every SDK
    /// (`_MAX_BACKOFF = 20`, smithy-rs `max_backoff`).
    pub max_backoff_ms: u32,
    /// The longest `Retry-After` honoured, in milliseconds; a longer one is cut to this. Keeps a
    /// misbehaving server or proxy from parking a device for hours.
    pub retry_after_max_ms: u32,
    /// Send a `RequestResponse` invoke again after its request was completely sent and no
    /// response came back (read timeout, connection dropped). Off by default: the function may
    /// already have run, and a retry would run it twice. Turn it on for idempotent functions.
    pub resend_request_response: bool,
}

impl RetryConfig {
    /// Standard mode: 3 attempts, 1 s base, 20 s cap, `Retry-After` honoured up to 20 s, no
    /// resend of a `RequestResponse` invoke that may have run.
    pub const STANDARD: RetryConfig = RetryConfig {
        max_attempts: 3,
        base_delay_ms: 1_000,
        max_backoff_ms: 20_000,
        retry_after_max_ms: 20_000,
        resend_request_response: false,
    };

    /// This config with [`RetryConfig::max_attempts`] set.
    pub const fn with_max_attempts(mut self, max_attempts: u8) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// This config with [`RetryConfig::base_delay_ms`] set.
    pub const fn with_base_delay_ms(mut self, base_delay_ms: u32) -> Self {
        self.base_delay_ms = base_delay_ms;
        self
    }

    /// This config with [`RetryConfig::max_backoff_ms`] set.
    pub const fn with_max_backoff_ms(mut self, max_backoff_ms: u32) -> Self {
        self.max_backoff_ms = max_backoff_ms;
        self
    }

    /// This config with [`RetryConfig::retry_after_max_ms`] set.
    pub const fn with_retry_after_max_ms(mut self, retry_after_max_ms: u32) -> Self {
        self.retry_after_max_ms = retry_after_max_ms;
        self
    }

    /// This config with [`RetryConfig::resend_request_response`] set.
    pub const fn with_resend_request_response(mut self, resend: bool) -> Self {
        self.resend_request_response = resend;
        self
    }

    /// The backoff after failed attempt `attempt` (1-based):
    /// `jitter × min(base × 2^(attempt − 1), max_backoff)`, in milliseconds. Never more than
    /// [`RetryConfig::max_backoff_ms`].
    pub fn backoff_ms(&self, attempt: u8, jitter: Jitter) -> u32 {
        // `base < 2^32` and the factor is at most `2^32`, so the product fits in a `u64`; any
        // exponent past 32 is far beyond a `u32` cap anyway.
        let exponent = u32::from(attempt.saturating_sub(1)).min(32);
        let exponential = u64::from(self.base_delay_ms) << exponent;
        let capped = exponential.min(u64::from(self.max_backoff_ms));
        // `capped <= max_backoff_ms`, a `u32`.
        jitter.apply(u32::try_from(capped).unwrap_or(self.max_backoff_ms))
    }

    /// The most one retry delay can be: the larger of the backoff cap and the `Retry-After` cap.
    pub const fn max_delay_ms(&self) -> u32 {
        if self.max_backoff_ms > self.retry_after_max_ms {
            self.max_backoff_ms
        } else {
            self.retry_after_max_ms
        }
    }

    /// `max_attempts`, with `0` taken as `1`.
    const fn attempt_limit(&self) -> u8 {
        if self.max_attempts == 0 {
            1
        } else {
            self.max_attempts
        }
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::STANDARD
    }
}

/// The random factor of the backoff, a fraction in `[0, 1]`: `value / u32::MAX`.
///
/// The core has no random source; pass one `u32` from the device's RNG per decision
/// ([`Jitter::from_random`]). Standard mode's "full jitter" needs it uniform: with a constant,
/// every device that failed together retries together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Jitter(u32);

impl Jitter {
    /// 0: no delay at all.
    pub const NONE: Jitter = Jitter(0);
    /// One half (to within 2⁻³²).
    pub const HALF: Jitter = Jitter(1 << 31);
    /// 1: the whole backoff.
    pub const FULL: Jitter = Jitter(u32::MAX);

    /// A uniformly random `u32` as a fraction of `u32::MAX`.
    pub const fn from_random(value: u32) -> Self {
        Self(value)
    }

    /// The fraction's numerator (over `u32::MAX`).
    pub const fn value(self) -> u32 {
        self.0
    }

    /// `ms × self`, rounded to the nearest millisecond; never more than `ms`.
    pub const fn apply(self, ms: u32) -> u32 {
        let max = u32::MAX as u64;
        // Both factors are below 2^32, so neither the product nor the rounding term overflows.
        let scaled = (ms as u64 * self.0 as u64 + max / 2) / max;
        // `self.0 <= u32::MAX`, so `scaled <= ms` and the cast is exact.
        scaled as u32
    }
}

/// What a service error code says about retrying, from the SDKs' code lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ErrorClass {
    /// The service is shedding load: retry after a backoff.
    Throttling,
    /// A transient service-side failure: retry after a backoff.
    Transient,
    /// The service may have rejected the request's time; retried (re-signed, once) only when a
    /// server time confirms the skew.
    ClockSkew,
    /// Anything else: not retried (unless the status is 429 or 500/502/503/504).
    Other,
}

impl ErrorClass {
    /// A short static name, also used by `Display`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Throttling => "throttling",
            Self::Transient => "transient",
            Self::ClockSkew => "clock skew",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The retry class of an AWS error code (already stripped of `namespace#` and `:…`; exact and
/// case-sensitive, as the SDKs compare).
///
/// The lists are the SDKs': throttling is botocore's `_THROTTLED_ERROR_CODES` (identical to the
/// JS SDK's `THROTTLING_ERROR_CODES`); transient is botocore's `_TRANSIENT_ERROR_CODES`
/// (`PriorRequestNotComplete` is in both lists and is reported as throttling); clock skew is the
/// JS SDK's `CLOCK_SKEW_ERROR_CODES` (Java v2 `RetryUtils.isClockSkewException` has the same).
/// Codes such as `InternalError` or `ServiceUnavailable` are not listed by standard mode: AWS
/// sends them with a 500 or 503 status, which is retried by status.
pub fn classify_error_code(code: &str) -> ErrorClass {
    let mut known = RETRY_CODES.split(|&b| b == b' ');
    match known.position(|listed| crate::encode::bytes_eq(listed, code.as_bytes())) {
        Some(i) if i < THROTTLING_COUNT => ErrorClass::Throttling,
        Some(i) if i < THROTTLING_COUNT + TRANSIENT_COUNT => ErrorClass::Transient,
        Some(_) => ErrorClass::ClockSkew,
        None => ErrorClass::Other,
    }
}

/// The codes [`classify_error_code`] knows, separated by spaces: first [`THROTTLING_COUNT`]
/// throttling codes, then [`TRANSIENT_COUNT`] transient ones, then the clock-skew ones. One
/// string whose words are compared with `bytes_eq`, rather than a `match` on the code, whose
/// string comparisons call `memcmp`, a routine firmware would link for this alone (the tests keep
/// the `match` as the reference).
const RETRY_CODES: &[u8] = b"Throttling ThrottlingException ThrottledException \
    RequestThrottledException TooManyRequestsException ProvisionedThroughputExceededException \
    TransactionInProgressException RequestLimitExceeded BandwidthLimitExceeded \
    LimitExceededException RequestThrottled SlowDown PriorRequestNotComplete \
    EC2ThrottledException RequestTimeout RequestTimeoutException RequestTimeTooSkewed \
    RequestExpired RequestInTheFuture InvalidSignatureException SignatureDoesNotMatch \
    AuthFailure";
/// See [`RETRY_CODES`].
const THROTTLING_COUNT: usize = 14;
/// See [`RETRY_CODES`].
const TRANSIENT_COUNT: usize = 2;

/// The server's time from a SigV4 rejection message, for when the response has no `Date`.
///
/// AWS words them `Signature expired: 20240101T000000Z is now earlier than 20240101T115500Z
/// (20240101T120000Z - 5 min.)` and `Signature not yet current: … (20240101T120000Z + 5 min.)`;
/// the time in parentheses is the server's. Anything else gives `None`.
pub fn server_time_from_message(message: &str) -> Option<Timestamp> {
    let bytes = message.as_bytes();
    // Through `bytes_eq`: `starts_with` calls `memcmp` on firmware (see `RETRY_CODES`).
    let starts = |prefix: &[u8]| {
        bytes
            .get(..prefix.len())
            .is_some_and(|head| crate::encode::bytes_eq(head, prefix))
    };
    if !(starts(b"Signature expired") || starts(b"Signature not yet current")) {
        return None;
    }
    // A byte search, not `str::rsplit_once`: the string searcher keeps a panic path in firmware.
    let open = bytes.iter().rposition(|&b| b == b'(')?;
    Timestamp::parse_amz_date(bytes.get(open + 1..)?.get(..16)?).ok()
}

/// A service error response, reduced to what the retry decision needs. `Copy`, no borrows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct ServiceFailure {
    /// The HTTP status.
    pub status: u16,
    /// The class of the error code ([`ErrorClass::Other`] when there was none).
    pub class: ErrorClass,
    /// `Retry-After`, in seconds, when the response had one.
    pub retry_after_secs: Option<u32>,
    /// The server's time: the response's `Date`, or the time a SigV4 rejection message quotes.
    pub server_time: Option<Timestamp>,
}

impl ServiceFailure {
    /// A failure with `status` and the (stripped) error `code`, if any.
    pub fn new(status: u16, code: Option<&str>) -> Self {
        Self {
            status,
            class: code.map_or(ErrorClass::Other, classify_error_code),
            retry_after_secs: None,
            server_time: None,
        }
    }

    /// This failure with [`ServiceFailure::retry_after_secs`] set.
    pub const fn with_retry_after_secs(mut self, secs: Option<u32>) -> Self {
        self.retry_after_secs = secs;
        self
    }

    /// This failure with [`ServiceFailure::server_time`] set.
    pub const fn with_server_time(mut self, server_time: Option<Timestamp>) -> Self {
        self.server_time = server_time;
        self
    }

    /// From a parsed [`ServiceError`]: its status and code, `Retry-After` when it is a number of
    /// seconds, and the server time from `Date` or else from the message.
    pub fn from_service_error(error: &ServiceError) -> Self {
        let date = error
            .meta
            .date
            .as_ref()
            .and_then(|d| Timestamp::parse_http_date(d.as_bytes()).ok());
        Self::new(error.status, error.code.as_ref().map(|c| c.as_str()))
            .with_retry_after_secs(error.meta.retry_after_seconds())
            .with_server_time(date.or_else(|| server_time_from_message(error.message())))
    }
}

/// What happened to one attempt, as the driver saw it.
///
/// The line between the transport variants is whether the *whole* request reached the
/// transport: with `Content-Length` framing the service cannot act on a request it did not
/// receive in full, so only [`AttemptOutcome::ResponseLost`] means the function may have run.
/// A driver in doubt (for example a flush that failed after the last write) reports
/// `ResponseLost`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// A 2xx response. A function error (`200` with `X-Amz-Function-Error`) is a success here:
    /// the function ran.
    Success {
        /// The response's `Date`, if it had one: it keeps the [`ClockSkew`] current.
        server_time: Option<Timestamp>,
    },
    /// A non-2xx response.
    ServiceError(ServiceFailure),
    /// No connection (DNS, TCP connect, TLS handshake): nothing of the request was sent.
    ConnectFailed {
        /// It failed by timing out (standard mode charges timeouts double).
        timed_out: bool,
    },
    /// The connection failed while writing the request, before all of it was written.
    SendFailed {
        /// It failed by timing out.
        timed_out: bool,
    },
    /// The whole request was written, then no complete response came back: the read timed out,
    /// or the connection was closed or reset before the response head (or body) was complete.
    ResponseLost {
        /// It failed by timing out.
        timed_out: bool,
    },
}

/// What the driver does next.
///
/// Deliberately not `#[non_exhaustive]`: a driver must handle every decision, and a new one
/// should fail its build rather than fall into a catch-all arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Decision {
    /// The attempt succeeded; hand its response back.
    Done,
    /// Sleep `delay_ms`, then sign the request again with [`ClockSkew::corrected`] and send it.
    Retry {
        /// Milliseconds to wait first; at most [`RetryConfig::max_delay_ms`].
        delay_ms: u32,
        /// Why it is retried.
        reason: RetryReason,
    },
    /// Stop and report the last attempt's failure.
    GiveUp(GiveUpReason),
}

/// Why an attempt is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RetryReason {
    /// A throttling code or a 429.
    Throttling,
    /// A transient code or a 500, 502, 503 or 504.
    ServerError,
    /// The connection failed or timed out.
    Transport,
    /// The service rejected the request's time; the clock has been corrected.
    ClockSkew,
}

impl RetryReason {
    /// A short static description, also used by `Display`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Throttling => "throttled",
            Self::ServerError => "transient server error",
            Self::Transport => "connection failed",
            Self::ClockSkew => "request time rejected; clock corrected",
        }
    }
}

impl fmt::Display for RetryReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a call is not retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The failure is not one that retrying can fix (a 400, 403, 404, …).
    NotRetryable,
    /// A `RequestResponse` request was completely sent and its response lost: the function may
    /// have run, so it is not sent again (see [`RetryConfig::resend_request_response`]).
    MayHaveRun,
    /// [`RetryConfig::max_attempts`] attempts have been made.
    AttemptsExhausted,
    /// The client's [`RetryQuota`] is spent: too many recent failures.
    QuotaExhausted,
    /// The request's time was rejected again after the one re-signed retry.
    ClockSkew,
}

impl GiveUpReason {
    /// A short static description, also used by `Display`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotRetryable => "error is not retryable",
            Self::MayHaveRun => {
                "response lost after the request was sent; the function may have run"
            }
            Self::AttemptsExhausted => "maximum attempts reached",
            Self::QuotaExhausted => "retry quota exhausted",
            Self::ClockSkew => "request time rejected again after correcting the clock",
        }
    }
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for GiveUpReason {}

/// The retry quota: a token bucket shared by every call of one client, so that when a service is
/// failing the client stops multiplying its load with retries.
///
/// Standard mode's rules (botocore `RetryQuotaChecker` and `quota.RetryQuota`, smithy-rs
/// `TokenBucket`): the bucket starts full at 500; each retry takes 5, or 10 when the failure was a
/// timeout (botocore charges `_TIMEOUT_RETRY_REQUEST` for `ConnectTimeoutError` and
/// `ReadTimeoutError` only); when the bucket cannot pay, the call is not retried. A 2xx gives back
/// the amount of the call's last retry, or 1 (`_NO_RETRY_INCREMENT`) if the call needed none;
/// a call that ends in failure gives nothing back. The bucket never holds more than its capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryQuota {
    available: u16,
    capacity: u16,
}

impl RetryQuota {
    /// Initial and maximum tokens (botocore `INITIAL_CAPACITY`, smithy-rs `DEFAULT_CAPACITY`).
    pub const CAPACITY: u16 = 500;
    /// Cost of a retry (`_RETRY_COST`, smithy-rs `RETRY_COST`).
    pub const RETRY_COST: u16 = 5;
    /// Cost of a retry after a timeout (`_TIMEOUT_RETRY_REQUEST`, smithy-rs `RETRY_TIMEOUT_COST`).
    pub const TIMEOUT_RETRY_COST: u16 = 10;
    /// Refund for a call that succeeded on its first attempt (`_NO_RETRY_INCREMENT`, smithy-rs
    /// `PERMIT_REGENERATION_AMOUNT`).
    pub const NO_RETRY_INCREMENT: u16 = 1;

    /// A full bucket of [`RetryQuota::CAPACITY`].
    pub const fn new() -> Self {
        Self::with_capacity(Self::CAPACITY)
    }

    /// A full bucket of `capacity` tokens.
    pub const fn with_capacity(capacity: u16) -> Self {
        Self {
            available: capacity,
            capacity,
        }
    }

    /// Tokens left.
    pub const fn available(&self) -> u16 {
        self.available
    }

    /// The most the bucket holds.
    pub const fn capacity(&self) -> u16 {
        self.capacity
    }

    /// Take `cost` tokens if there are that many; `false` (and nothing taken) otherwise.
    pub fn try_acquire(&mut self, cost: u16) -> bool {
        match self.available.checked_sub(cost) {
            Some(left) => {
                self.available = left;
                true
            }
            None => false,
        }
    }

    /// Give `amount` tokens back, up to the capacity.
    pub fn release(&mut self, amount: u16) {
        self.available = self.available.saturating_add(amount).min(self.capacity);
    }
}

impl Default for RetryQuota {
    fn default() -> Self {
        Self::new()
    }
}

/// The difference between the device's clock and the service's, learnt from responses.
///
/// SigV4 requests are refused when their time is more than 5 minutes from the service's. A
/// device with no real-time clock can start at [`Timestamp::UNIX_EPOCH`]: its first request is
/// rejected, the response's `Date` gives the offset, and the re-signed second attempt succeeds.
/// Keep one per client (or per device) and sign every request with [`ClockSkew::corrected`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ClockSkew {
    offset_secs: i64,
}

impl ClockSkew {
    /// Skew beyond which a rejected request is blamed on the clock: 4 minutes, the Java SDK v2's
    /// `CLOCK_SKEW_ADJUST_THRESHOLD`, a minute inside SigV4's 5-minute window so that the time
    /// spent sending does not hide a skew that matters.
    pub const THRESHOLD_SECS: u64 = 240;

    /// No correction yet.
    pub const fn new() -> Self {
        Self { offset_secs: 0 }
    }

    /// A correction learnt earlier (say, kept across a deep sleep).
    pub const fn with_offset_secs(offset_secs: i64) -> Self {
        Self { offset_secs }
    }

    /// Seconds to add to the local clock: server − local.
    pub const fn offset_secs(&self) -> i64 {
        self.offset_secs
    }

    /// The local time corrected to the service's clock: sign with this.
    pub const fn corrected(&self, local_now: Timestamp) -> Timestamp {
        local_now.offset_by(self.offset_secs)
    }

    /// Learn from a response's `Date` (or another server time) seen at local time `local_now`.
    /// Returns how far the correction in use until now was off (server − corrected, seconds).
    ///
    /// The offset is replaced on every observation: `Date` has one-second resolution, so the
    /// corrected clock stays within about a second (plus the response's transit time) of the
    /// service's.
    pub fn observe_server_date(&mut self, local_now: Timestamp, server_date: Timestamp) -> i64 {
        let error = diff_secs(server_date, self.corrected(local_now));
        self.offset_secs = diff_secs(server_date, local_now);
        error
    }

    /// Whether the corrected clock is more than [`ClockSkew::THRESHOLD_SECS`] from `server_time`.
    pub fn is_skewed(&self, local_now: Timestamp, server_time: Timestamp) -> bool {
        diff_secs(server_time, self.corrected(local_now)).unsigned_abs() > Self::THRESHOLD_SECS
    }
}

/// `a − b` in seconds, saturating at the ends of `i64`.
fn diff_secs(a: Timestamp, b: Timestamp) -> i64 {
    let d = i128::from(a.as_unix_secs()) - i128::from(b.as_unix_secs());
    i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
}

/// The retry state of one call: which attempt this is, whether the clock-skew retry was used,
/// and what the last retry took from the quota.
///
/// Create one per call, before the first attempt; call [`RetryState::on_outcome`] after each
/// attempt. Once it has answered [`Decision::Done`] or [`Decision::GiveUp`] it repeats that
/// answer and changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryState {
    config: RetryConfig,
    invocation_type: InvocationType,
    /// Attempts whose outcome has been seen.
    attempts: u8,
    /// The one re-signed retry for clock skew has been used.
    clock_retry_used: bool,
    /// Tokens the last retry took, given back if the call then succeeds (botocore keeps this as
    /// `retry_quota_capacity` in the request context).
    quota_held: Option<u16>,
    /// The final decision, once made.
    finished: Option<Decision>,
}

impl RetryState {
    /// The state before the first attempt of a call of `invocation_type`.
    pub const fn new(config: RetryConfig, invocation_type: InvocationType) -> Self {
        Self {
            config,
            invocation_type,
            attempts: 0,
            clock_retry_used: false,
            quota_held: None,
            finished: None,
        }
    }

    /// The number (1-based) of the attempt about to be sent: after `n` outcomes, `n + 1`.
    pub const fn attempt(&self) -> u8 {
        self.attempts.saturating_add(1)
    }

    /// The configuration in use.
    pub const fn config(&self) -> &RetryConfig {
        &self.config
    }

    /// Decide what follows an attempt. Call once per attempt, with:
    /// - `outcome`: what happened;
    /// - `local_now`: the local, uncorrected clock when it happened (used with the outcome's
    ///   server time to update `clock`);
    /// - `jitter`: a fresh random fraction for the backoff;
    /// - `quota`, `clock`: the client's retry quota and clock correction, updated here.
    ///
    /// A pure function of its inputs and the state: no I/O, no clock, no randomness.
    pub fn on_outcome(
        &mut self,
        outcome: AttemptOutcome,
        local_now: Timestamp,
        jitter: Jitter,
        quota: &mut RetryQuota,
        clock: &mut ClockSkew,
    ) -> Decision {
        if let Some(decision) = self.finished {
            return decision;
        }
        self.attempts = self.attempts.saturating_add(1);
        let decision = match outcome {
            AttemptOutcome::Success { server_time } => {
                if let Some(t) = server_time {
                    clock.observe_server_date(local_now, t);
                }
                // botocore `release_retry_quota`: a 2xx returns the last retry's cost, or the
                // no-retry increment when the call needed no (paid) retry.
                quota.release(self.quota_held.unwrap_or(RetryQuota::NO_RETRY_INCREMENT));
                Decision::Done
            }
            AttemptOutcome::ServiceError(failure) => {
                self.on_service_error(failure, local_now, jitter, quota, clock)
            }
            AttemptOutcome::ConnectFailed { timed_out }
            | AttemptOutcome::SendFailed { timed_out } => {
                // The service never had the whole request: safe to send again for every type.
                self.backoff_retry(RetryReason::Transport, cost(timed_out), None, jitter, quota)
            }
            AttemptOutcome::ResponseLost { timed_out } => {
                if self.invocation_type == InvocationType::RequestResponse
                    && !self.config.resend_request_response
                {
                    // The function may be running now; sending again could run it twice.
                    // `Event` is queued and `DryRun` runs nothing, so those follow the standard
                    // rules, as in the SDKs.
                    Decision::GiveUp(GiveUpReason::MayHaveRun)
                } else {
                    self.backoff_retry(RetryReason::Transport, cost(timed_out), None, jitter, quota)
                }
            }
        };
        if !matches!(decision, Decision::Retry { .. }) {
            self.finished = Some(decision);
        }
        decision
    }

    fn on_service_error(
        &mut self,
        failure: ServiceFailure,
        local_now: Timestamp,
        jitter: Jitter,
        quota: &mut RetryQuota,
        clock: &mut ClockSkew,
    ) -> Decision {
        // How far the time this request was signed with was from the service's.
        let skew = failure
            .server_time
            .map(|t| clock.observe_server_date(local_now, t));
        let skewed = skew.is_some_and(|s| s.unsigned_abs() > ClockSkew::THRESHOLD_SECS);
        // A rejection is blamed on the clock only with a server time that confirms it (Java v2
        // checks the same): a clock-skew code alone is also what a wrong secret key gets, and
        // re-signing with the same time would be a wasted round trip. Any 403 with that much
        // skew counts, whatever its code.
        if skewed && (failure.class == ErrorClass::ClockSkew || failure.status == 403) {
            return if self.clock_retry_used {
                Decision::GiveUp(GiveUpReason::ClockSkew)
            } else if self.attempts >= self.config.attempt_limit() {
                Decision::GiveUp(GiveUpReason::AttemptsExhausted)
            } else {
                // The service refused the request before running anything, so this retry is
                // safe for `RequestResponse` too. It takes nothing from the quota (it says
                // nothing about the service's health) and needs no backoff (the service is not
                // overloaded; the request was wrong).
                self.clock_retry_used = true;
                Decision::Retry {
                    delay_ms: 0,
                    reason: RetryReason::ClockSkew,
                }
            };
        }
        let reason = if failure.class == ErrorClass::Throttling || failure.status == 429 {
            // 429 without a known code (a proxy, an emulator) is throttling by definition.
            RetryReason::Throttling
        } else if failure.class == ErrorClass::Transient
            || matches!(failure.status, 500 | 502 | 503 | 504)
        {
            // botocore `_TRANSIENT_STATUS_CODES`.
            RetryReason::ServerError
        } else {
            return Decision::GiveUp(GiveUpReason::NotRetryable);
        };
        self.backoff_retry(
            reason,
            RetryQuota::RETRY_COST,
            failure.retry_after_secs,
            jitter,
            quota,
        )
    }

    /// A standard-mode retry: within the attempt limit, paid from the quota, after a backoff.
    fn backoff_retry(
        &mut self,
        reason: RetryReason,
        cost: u16,
        retry_after_secs: Option<u32>,
        jitter: Jitter,
        quota: &mut RetryQuota,
    ) -> Decision {
        // Attempts first, then the quota, as botocore's `needs_retry` does: a call that may not
        // retry anyway takes no tokens.
        if self.attempts >= self.config.attempt_limit() {
            return Decision::GiveUp(GiveUpReason::AttemptsExhausted);
        }
        if !quota.try_acquire(cost) {
            return Decision::GiveUp(GiveUpReason::QuotaExhausted);
        }
        self.quota_held = Some(cost);
        let mut delay_ms = self.config.backoff_ms(self.attempts, jitter);
        if let Some(secs) = retry_after_secs {
            // Wait at least what the server asked (RFC 9110 §10.2.3), but no longer than the
            // configured bound.
            let asked = secs
                .saturating_mul(1000)
                .min(self.config.retry_after_max_ms);
            delay_ms = delay_ms.max(asked);
        }
        Decision::Retry { delay_ms, reason }
    }
}

/// Quota cost of retrying a transport failure.
const fn cost(timed_out: bool) -> u16 {
    if timed_out {
        RetryQuota::TIMEOUT_RETRY_COST
    } else {
        RetryQuota::RETRY_COST
    }
}

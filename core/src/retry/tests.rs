use std::string::ToString;
use std::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::invoke::response::ServiceError;

const RR: InvocationType = InvocationType::RequestResponse;
const EVENT: InvocationType = InvocationType::Event;
const DRY: InvocationType = InvocationType::DryRun;
const ALL_TYPES: [InvocationType; 3] = [RR, EVENT, DRY];

/// 2024-01-01T12:00:00Z.
const SERVER_NOW: u64 = 1_704_110_400;
/// A local clock that agrees with the server.
const LOCAL_NOW: Timestamp = Timestamp::from_unix_secs(SERVER_NOW);

/// One call's worth of state, with a fresh quota and clock.
struct Call {
    state: RetryState,
    quota: RetryQuota,
    clock: ClockSkew,
}

impl Call {
    fn new(config: RetryConfig, invocation_type: InvocationType) -> Self {
        Self {
            state: RetryState::new(config, invocation_type),
            quota: RetryQuota::new(),
            clock: ClockSkew::new(),
        }
    }

    fn standard(invocation_type: InvocationType) -> Self {
        Self::new(RetryConfig::default(), invocation_type)
    }

    fn next(&mut self, outcome: AttemptOutcome, jitter: Jitter) -> Decision {
        self.state
            .on_outcome(outcome, LOCAL_NOW, jitter, &mut self.quota, &mut self.clock)
    }

    fn next_at(&mut self, outcome: AttemptOutcome, local_now: Timestamp) -> Decision {
        self.state.on_outcome(
            outcome,
            local_now,
            Jitter::FULL,
            &mut self.quota,
            &mut self.clock,
        )
    }
}

fn status(status: u16) -> AttemptOutcome {
    AttemptOutcome::ServiceError(ServiceFailure::new(status, None))
}

fn coded(status: u16, code: &str) -> AttemptOutcome {
    AttemptOutcome::ServiceError(ServiceFailure::new(status, Some(code)))
}

fn ok() -> AttemptOutcome {
    AttemptOutcome::Success { server_time: None }
}

fn retry(delay_ms: u32, reason: RetryReason) -> Decision {
    Decision::Retry { delay_ms, reason }
}

fn give_up(reason: GiveUpReason) -> Decision {
    Decision::GiveUp(reason)
}

fn is_retry(d: Decision) -> bool {
    matches!(d, Decision::Retry { .. })
}

// ---- attempts ----

#[test]
fn three_attempts_at_most() {
    for ty in ALL_TYPES {
        let mut call = Call::standard(ty);
        assert_eq!(call.state.attempt(), 1);
        assert!(is_retry(call.next(status(503), Jitter::FULL)));
        assert_eq!(call.state.attempt(), 2);
        assert!(is_retry(call.next(status(503), Jitter::FULL)));
        assert_eq!(call.state.attempt(), 3);
        assert_eq!(
            call.next(status(503), Jitter::FULL),
            give_up(GiveUpReason::AttemptsExhausted)
        );
    }
}

#[test]
fn max_attempts_one_and_zero_mean_no_retry() {
    for max in [0u8, 1] {
        let mut call = Call::new(RetryConfig::default().with_max_attempts(max), EVENT);
        assert_eq!(
            call.next(status(503), Jitter::FULL),
            give_up(GiveUpReason::AttemptsExhausted)
        );
        // Nothing was taken from the quota for a retry that was never going to happen.
        assert_eq!(call.quota.available(), RetryQuota::CAPACITY);
    }
}

#[test]
fn success_on_a_later_attempt_is_done() {
    let mut call = Call::standard(RR);
    assert!(is_retry(call.next(status(500), Jitter::FULL)));
    assert_eq!(call.next(ok(), Jitter::FULL), Decision::Done);
}

#[test]
fn a_finished_call_repeats_its_decision_and_changes_nothing() {
    let mut call = Call::standard(RR);
    assert_eq!(call.next(ok(), Jitter::FULL), Decision::Done);
    let quota = call.quota;
    assert_eq!(call.next(ok(), Jitter::FULL), Decision::Done);
    assert_eq!(call.next(status(503), Jitter::FULL), Decision::Done);
    assert_eq!(call.quota, quota);

    let mut call = Call::standard(RR);
    assert_eq!(
        call.next(status(404), Jitter::FULL),
        give_up(GiveUpReason::NotRetryable)
    );
    assert_eq!(
        call.next(status(503), Jitter::FULL),
        give_up(GiveUpReason::NotRetryable)
    );
    assert_eq!(call.quota.available(), RetryQuota::CAPACITY);
}

// ---- backoff ----

#[test]
fn backoff_doubles_from_one_second_to_the_twenty_second_cap() {
    let config = RetryConfig::default();
    let full = [1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000];
    let half = [500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000];
    for (i, (f, h)) in full.iter().zip(half).enumerate() {
        let attempt = u8::try_from(i + 1).unwrap();
        assert_eq!(
            config.backoff_ms(attempt, Jitter::FULL),
            *f,
            "attempt {attempt}"
        );
        assert_eq!(
            config.backoff_ms(attempt, Jitter::HALF),
            h,
            "attempt {attempt}"
        );
        assert_eq!(config.backoff_ms(attempt, Jitter::NONE), 0);
    }
    // Attempt 0 (not a real attempt) is treated like attempt 1.
    assert_eq!(config.backoff_ms(0, Jitter::FULL), 1_000);
}

#[test]
fn backoff_sequence_through_the_state() {
    for (jitter, expected) in [
        (
            Jitter::FULL,
            [1_000u32, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000],
        ),
        (
            Jitter::HALF,
            [500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000],
        ),
    ] {
        let mut call = Call::new(RetryConfig::default().with_max_attempts(8), EVENT);
        for delay in expected {
            assert_eq!(
                call.next(status(502), jitter),
                retry(delay, RetryReason::ServerError)
            );
        }
        assert_eq!(
            call.next(status(502), jitter),
            give_up(GiveUpReason::AttemptsExhausted)
        );
    }
}

#[test]
fn backoff_never_exceeds_the_cap() {
    let cases = [
        (RetryConfig::default(), 255u8, 20_000u32),
        (
            RetryConfig::default().with_base_delay_ms(u32::MAX),
            1,
            20_000,
        ),
        (
            RetryConfig::default().with_base_delay_ms(u32::MAX),
            255,
            20_000,
        ),
        (
            RetryConfig::default()
                .with_base_delay_ms(u32::MAX)
                .with_max_backoff_ms(u32::MAX),
            255,
            u32::MAX,
        ),
        (RetryConfig::default().with_max_backoff_ms(3_000), 3, 3_000),
        (RetryConfig::default().with_base_delay_ms(0), 9, 0),
    ];
    for (config, attempt, expected) in cases {
        assert_eq!(
            config.backoff_ms(attempt, Jitter::FULL),
            expected,
            "{config:?} {attempt}"
        );
    }
}

#[test]
fn jitter_scales_and_rounds() {
    assert_eq!(Jitter::FULL.apply(u32::MAX), u32::MAX);
    assert_eq!(Jitter::NONE.apply(u32::MAX), 0);
    assert_eq!(Jitter::HALF.apply(20_000), 10_000);
    assert_eq!(Jitter::from_random(u32::MAX / 4).apply(1_000), 250);
    assert_eq!(Jitter::from_random(1).apply(1_000), 0);
    assert_eq!(Jitter::from_random(7).value(), 7);
}

// ---- Retry-After ----

fn throttled(retry_after_secs: Option<u32>) -> AttemptOutcome {
    AttemptOutcome::ServiceError(
        ServiceFailure::new(429, Some("TooManyRequestsException"))
            .with_retry_after_secs(retry_after_secs),
    )
}

#[test]
fn retry_after_is_honoured_within_bounds() {
    // (Retry-After seconds, jitter, retry_after_max_ms, expected delay of the first retry)
    let cases = [
        // At least what the server asked, even with no jitter.
        (Some(5), Jitter::NONE, 20_000, 5_000),
        (Some(12), Jitter::HALF, 20_000, 12_000),
        // Never less than the backoff itself.
        (Some(0), Jitter::FULL, 20_000, 1_000),
        // Cut to the bound.
        (Some(3_600), Jitter::FULL, 20_000, 20_000),
        (Some(u32::MAX), Jitter::NONE, 20_000, 20_000),
        (Some(45), Jitter::NONE, 60_000, 45_000),
        (Some(90), Jitter::NONE, 60_000, 60_000),
        // No header: plain backoff.
        (None, Jitter::HALF, 20_000, 500),
    ];
    for (after, jitter, bound, expected) in cases {
        let mut call = Call::new(RetryConfig::default().with_retry_after_max_ms(bound), RR);
        assert_eq!(
            call.next(throttled(after), jitter),
            retry(expected, RetryReason::Throttling),
            "{after:?} {jitter:?} {bound}"
        );
    }
}

#[test]
fn retry_after_on_a_503_is_honoured_too() {
    let mut call = Call::standard(RR);
    let outcome =
        AttemptOutcome::ServiceError(ServiceFailure::new(503, None).with_retry_after_secs(Some(7)));
    assert_eq!(
        call.next(outcome, Jitter::NONE),
        retry(7_000, RetryReason::ServerError)
    );
}

#[test]
fn retry_after_does_not_make_an_error_retryable() {
    let mut call = Call::standard(RR);
    let outcome =
        AttemptOutcome::ServiceError(ServiceFailure::new(400, None).with_retry_after_secs(Some(1)));
    assert_eq!(
        call.next(outcome, Jitter::FULL),
        give_up(GiveUpReason::NotRetryable)
    );
}

// ---- quota ----

#[test]
fn quota_costs_and_refunds() {
    // (outcomes before the final one, final outcome, quota left afterwards)
    let cases: [(&[AttemptOutcome], AttemptOutcome, u16); 7] = [
        // First-attempt success: +1, but never above capacity.
        (&[], ok(), 500),
        // A retry costs 5; a success returns it.
        (&[status(503)], ok(), 500),
        // A timeout retry costs 10; a success returns it.
        (
            &[AttemptOutcome::ConnectFailed { timed_out: true }],
            ok(),
            500,
        ),
        // Only the last retry's cost comes back.
        (&[status(503), status(503)], ok(), 495),
        (
            &[
                AttemptOutcome::ResponseLost { timed_out: true },
                status(503),
            ],
            ok(),
            490,
        ),
        (
            &[status(503), AttemptOutcome::SendFailed { timed_out: true }],
            ok(),
            495,
        ),
        // A call that fails gives nothing back.
        (&[status(503), status(503)], status(503), 490),
    ];
    for (before, last, left) in cases {
        let mut call = Call::standard(EVENT);
        for outcome in before {
            assert!(is_retry(call.next(*outcome, Jitter::HALF)), "{outcome:?}");
        }
        call.next(last, Jitter::HALF);
        assert_eq!(call.quota.available(), left, "{before:?} then {last:?}");
    }
}

#[test]
fn quota_charges_timeouts_double() {
    for (outcome, cost) in [
        (AttemptOutcome::ConnectFailed { timed_out: false }, 5),
        (AttemptOutcome::ConnectFailed { timed_out: true }, 10),
        (AttemptOutcome::SendFailed { timed_out: false }, 5),
        (AttemptOutcome::SendFailed { timed_out: true }, 10),
        (AttemptOutcome::ResponseLost { timed_out: false }, 5),
        (AttemptOutcome::ResponseLost { timed_out: true }, 10),
        (status(500), 5),
        (throttled(None), 5),
    ] {
        let mut call = Call::standard(EVENT);
        assert!(is_retry(call.next(outcome, Jitter::HALF)));
        assert_eq!(call.quota.available(), 500 - cost, "{outcome:?}");
    }
}

#[test]
fn first_attempt_successes_refill_the_quota_one_at_a_time() {
    let mut quota = RetryQuota::new();
    assert!(quota.try_acquire(20));
    let mut clock = ClockSkew::new();
    for expected in [481, 482, 483] {
        let mut state = RetryState::new(RetryConfig::default(), RR);
        let d = state.on_outcome(ok(), LOCAL_NOW, Jitter::HALF, &mut quota, &mut clock);
        assert_eq!(d, Decision::Done);
        assert_eq!(quota.available(), expected);
    }
}

#[test]
fn an_empty_quota_stops_retries_and_successes_restart_them() {
    let mut quota = RetryQuota::new();
    let mut clock = ClockSkew::new();
    // 100 failing calls, each with one paid retry: 500 / 5 = 100 retries, then nothing.
    let config = RetryConfig::default().with_max_attempts(2);
    for _ in 0..100 {
        let mut state = RetryState::new(config, EVENT);
        let d = state.on_outcome(status(503), LOCAL_NOW, Jitter::HALF, &mut quota, &mut clock);
        assert!(is_retry(d));
        let d = state.on_outcome(status(503), LOCAL_NOW, Jitter::HALF, &mut quota, &mut clock);
        assert_eq!(d, give_up(GiveUpReason::AttemptsExhausted));
    }
    assert_eq!(quota.available(), 0);
    let mut state = RetryState::new(config, EVENT);
    let d = state.on_outcome(status(503), LOCAL_NOW, Jitter::HALF, &mut quota, &mut clock);
    assert_eq!(d, give_up(GiveUpReason::QuotaExhausted));
    // A later success returns nothing (the failed call holds nothing) ...
    assert_eq!(quota.available(), 0);

    // ... but five first-attempt successes pay for one more retry.
    for _ in 0..5 {
        let mut state = RetryState::new(config, EVENT);
        let d = state.on_outcome(ok(), LOCAL_NOW, Jitter::HALF, &mut quota, &mut clock);
        assert_eq!(d, Decision::Done);
    }
    assert_eq!(quota.available(), 5);
    let mut state = RetryState::new(config, EVENT);
    let d = state.on_outcome(status(503), LOCAL_NOW, Jitter::HALF, &mut quota, &mut clock);
    assert!(is_retry(d));
    // A timeout needs 10, and there are none left.
    let mut state = RetryState::new(config, EVENT);
    let d = state.on_outcome(
        AttemptOutcome::ConnectFailed { timed_out: true },
        LOCAL_NOW,
        Jitter::HALF,
        &mut quota,
        &mut clock,
    );
    assert_eq!(d, give_up(GiveUpReason::QuotaExhausted));
}

#[test]
fn quota_never_overfills_or_underflows() {
    let mut quota = RetryQuota::with_capacity(12);
    assert!(quota.try_acquire(5));
    assert!(quota.try_acquire(5));
    assert!(!quota.try_acquire(5));
    assert_eq!(quota.available(), 2);
    quota.release(u16::MAX);
    assert_eq!(quota.available(), 12);
    assert_eq!(quota.capacity(), 12);
    assert!(quota.try_acquire(12));
    assert!(!quota.try_acquire(1));
    assert!(quota.try_acquire(0));
    assert_eq!(RetryQuota::default(), RetryQuota::new());
}

// ---- what is retried ----

#[test]
fn request_response_is_not_resent_after_its_request_was_sent() {
    for timed_out in [false, true] {
        let lost = AttemptOutcome::ResponseLost { timed_out };
        let mut call = Call::standard(RR);
        assert_eq!(
            call.next(lost, Jitter::FULL),
            give_up(GiveUpReason::MayHaveRun)
        );
        // Nothing taken from the quota.
        assert_eq!(call.quota.available(), RetryQuota::CAPACITY);

        // Also on a later attempt.
        let mut call = Call::standard(RR);
        assert!(is_retry(call.next(status(503), Jitter::FULL)));
        assert_eq!(
            call.next(lost, Jitter::FULL),
            give_up(GiveUpReason::MayHaveRun)
        );
    }
}

#[test]
fn request_response_is_resent_when_the_caller_opts_in() {
    let config = RetryConfig::default().with_resend_request_response(true);
    for timed_out in [false, true] {
        let mut call = Call::new(config, RR);
        assert_eq!(
            call.next(AttemptOutcome::ResponseLost { timed_out }, Jitter::FULL),
            retry(1_000, RetryReason::Transport)
        );
    }
}

#[test]
fn event_and_dry_run_are_resent_after_a_lost_response() {
    for ty in [EVENT, DRY] {
        for timed_out in [false, true] {
            let mut call = Call::standard(ty);
            assert_eq!(
                call.next(AttemptOutcome::ResponseLost { timed_out }, Jitter::FULL),
                retry(1_000, RetryReason::Transport),
                "{ty:?}"
            );
        }
    }
}

#[test]
fn failures_before_the_request_was_sent_are_retried_for_every_type() {
    for ty in ALL_TYPES {
        for outcome in [
            AttemptOutcome::ConnectFailed { timed_out: false },
            AttemptOutcome::ConnectFailed { timed_out: true },
            AttemptOutcome::SendFailed { timed_out: false },
            AttemptOutcome::SendFailed { timed_out: true },
        ] {
            let mut call = Call::standard(ty);
            assert_eq!(
                call.next(outcome, Jitter::HALF),
                retry(500, RetryReason::Transport),
                "{ty:?} {outcome:?}"
            );
        }
    }
}

#[test]
fn statuses() {
    // (status, retried?)
    let cases = [
        (500, true),
        (502, true),
        (503, true),
        (504, true),
        (429, true),
        (400, false),
        (401, false),
        (403, false),
        (404, false),
        (408, false),
        (409, false),
        (413, false),
        (501, false),
        (505, false),
        (509, false),
    ];
    for ty in ALL_TYPES {
        for (code, retried) in cases {
            let mut call = Call::standard(ty);
            let d = call.next(status(code), Jitter::FULL);
            if retried {
                let reason = if code == 429 {
                    RetryReason::Throttling
                } else {
                    RetryReason::ServerError
                };
                assert_eq!(d, retry(1_000, reason), "{code}");
            } else {
                assert_eq!(d, give_up(GiveUpReason::NotRetryable), "{code}");
            }
        }
    }
}

const THROTTLING_CODES: [&str; 14] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

const CLOCK_SKEW_CODES: [&str; 6] = [
    "RequestTimeTooSkewed",
    "RequestExpired",
    "RequestInTheFuture",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
];

#[test]
fn error_code_classes() {
    for code in THROTTLING_CODES {
        assert_eq!(classify_error_code(code), ErrorClass::Throttling, "{code}");
    }
    for code in ["RequestTimeout", "RequestTimeoutException"] {
        assert_eq!(classify_error_code(code), ErrorClass::Transient, "{code}");
    }
    for code in CLOCK_SKEW_CODES {
        assert_eq!(classify_error_code(code), ErrorClass::ClockSkew, "{code}");
    }
    for code in [
        "",
        "throttling",
        "ThrottlingException ",
        "ResourceNotFoundException",
        "AccessDeniedException",
        "InvalidParameterValueException",
        "ServiceException",
    ] {
        assert_eq!(classify_error_code(code), ErrorClass::Other, "{code:?}");
    }
    assert_eq!(ErrorClass::ClockSkew.to_string(), "clock skew");
}

#[test]
fn throttling_and_transient_codes_are_retried_whatever_the_status() {
    for code in THROTTLING_CODES {
        for st in [400, 429, 502] {
            let mut call = Call::standard(RR);
            assert_eq!(
                call.next(coded(st, code), Jitter::FULL),
                retry(1_000, RetryReason::Throttling),
                "{st} {code}"
            );
        }
    }
    for code in ["RequestTimeout", "RequestTimeoutException"] {
        let mut call = Call::standard(RR);
        assert_eq!(
            call.next(coded(400, code), Jitter::FULL),
            retry(1_000, RetryReason::ServerError),
            "{code}"
        );
    }
}

#[test]
fn lambda_client_errors_are_not_retried() {
    for (st, code) in [
        (404, "ResourceNotFoundException"),
        (400, "InvalidParameterValueException"),
        (400, "InvalidRequestContentException"),
        (413, "RequestTooLargeException"),
        (403, "AccessDeniedException"),
        (403, "UnrecognizedClientException"),
        (403, "ExpiredTokenException"),
        (409, "ResourceConflictException"),
    ] {
        let mut call = Call::standard(EVENT);
        assert_eq!(
            call.next(coded(st, code), Jitter::FULL),
            give_up(GiveUpReason::NotRetryable),
            "{code}"
        );
    }
}

// ---- clock skew ----

fn rejected_for_time(status: u16, code: &str, server_time: u64) -> AttemptOutcome {
    AttemptOutcome::ServiceError(
        ServiceFailure::new(status, Some(code))
            .with_server_time(Some(Timestamp::from_unix_secs(server_time))),
    )
}

#[test]
fn a_device_starting_in_1970_succeeds_on_its_second_attempt() {
    let mut call = Call::standard(RR);
    // Three seconds after boot, the device thinks it is 1970-01-01T00:00:03Z.
    let boot = Timestamp::UNIX_EPOCH.offset_by(3);
    assert_eq!(call.clock.corrected(boot), boot);
    let d = call.next_at(
        rejected_for_time(403, "InvalidSignatureException", SERVER_NOW),
        boot,
    );
    assert_eq!(d, retry(0, RetryReason::ClockSkew));
    assert_eq!(
        call.clock.offset_secs(),
        i64::try_from(SERVER_NOW).unwrap() - 3
    );
    // Re-signed a moment later, the corrected time is within a second of the server's.
    let resign = boot.offset_by(1);
    let corrected = call.clock.corrected(resign).as_unix_secs();
    assert!(corrected.abs_diff(SERVER_NOW + 1) <= 1, "{corrected}");
    assert!(!call
        .clock
        .is_skewed(resign, Timestamp::from_unix_secs(SERVER_NOW + 1)));
    // The second attempt succeeds; the skew retry took nothing from the quota.
    let d = call.next_at(
        AttemptOutcome::Success {
            server_time: Some(Timestamp::from_unix_secs(SERVER_NOW + 1)),
        },
        resign,
    );
    assert_eq!(d, Decision::Done);
    assert_eq!(call.quota.available(), RetryQuota::CAPACITY);
}

#[test]
fn clock_skew_is_corrected_once_then_given_up() {
    let mut call = Call::standard(RR);
    let d = call.next_at(
        rejected_for_time(403, "InvalidSignatureException", SERVER_NOW),
        Timestamp::UNIX_EPOCH,
    );
    assert_eq!(d, retry(0, RetryReason::ClockSkew));
    // The server's clock jumps an hour (or a second endpoint disagrees): still skewed, but the
    // one corrected retry is spent.
    let d = call.next_at(
        rejected_for_time(403, "InvalidSignatureException", SERVER_NOW + 3_600),
        Timestamp::UNIX_EPOCH,
    );
    assert_eq!(d, give_up(GiveUpReason::ClockSkew));
    assert_eq!(call.quota.available(), RetryQuota::CAPACITY);
}

#[test]
fn a_signature_error_with_a_correct_clock_is_not_retried() {
    // A wrong secret key gets the same code as an expired signature; the Date says the clock
    // is fine, so re-signing would not help.
    for code in CLOCK_SKEW_CODES {
        let mut call = Call::standard(RR);
        let d = call.next(rejected_for_time(403, code, SERVER_NOW + 30), Jitter::FULL);
        assert_eq!(d, give_up(GiveUpReason::NotRetryable), "{code}");
    }
    // After a corrected retry, the same error again is given up as not retryable.
    let mut call = Call::standard(RR);
    let d = call.next_at(
        rejected_for_time(403, "SignatureDoesNotMatch", SERVER_NOW),
        Timestamp::UNIX_EPOCH,
    );
    assert_eq!(d, retry(0, RetryReason::ClockSkew));
    let d = call.next_at(
        rejected_for_time(403, "SignatureDoesNotMatch", SERVER_NOW),
        Timestamp::UNIX_EPOCH,
    );
    assert_eq!(d, give_up(GiveUpReason::NotRetryable));
}

#[test]
fn a_clock_skew_code_without_a_server_time_is_not_retried() {
    let mut call = Call::standard(RR);
    let d = call.next_at(coded(403, "RequestTimeTooSkewed"), Timestamp::UNIX_EPOCH);
    assert_eq!(d, give_up(GiveUpReason::NotRetryable));
}

#[test]
fn skew_threshold_is_four_minutes_either_way() {
    // (server − local seconds, retried?)
    for (skew, retried) in [
        (240i64, false),
        (-240, false),
        (241, true),
        (-241, true),
        (300, true),
        (-86_400, true),
    ] {
        for code in CLOCK_SKEW_CODES {
            let mut call = Call::standard(RR);
            let server = LOCAL_NOW.offset_by(skew).as_unix_secs();
            let d = call.next(rejected_for_time(400, code, server), Jitter::FULL);
            let expected = if retried {
                retry(0, RetryReason::ClockSkew)
            } else {
                give_up(GiveUpReason::NotRetryable)
            };
            assert_eq!(d, expected, "{skew} {code}");
        }
    }
}

#[test]
fn any_403_with_a_skewed_date_is_retried_once() {
    let mut call = Call::standard(RR);
    let d = call.next(
        rejected_for_time(403, "AccessDeniedException", SERVER_NOW + 600),
        Jitter::FULL,
    );
    assert_eq!(d, retry(0, RetryReason::ClockSkew));
    // A skewed 404 is not a time rejection.
    let mut call = Call::standard(RR);
    let d = call.next(
        rejected_for_time(404, "ResourceNotFoundException", SERVER_NOW + 600),
        Jitter::FULL,
    );
    assert_eq!(d, give_up(GiveUpReason::NotRetryable));
}

#[test]
fn the_clock_skew_retry_counts_as_an_attempt() {
    // Skew, then 503, then 503: three sends.
    let mut call = Call::standard(EVENT);
    let d = call.next_at(
        rejected_for_time(403, "InvalidSignatureException", SERVER_NOW),
        Timestamp::UNIX_EPOCH,
    );
    assert_eq!(d, retry(0, RetryReason::ClockSkew));
    // The backoff exponent follows the attempt number.
    assert_eq!(
        call.next_at(status(503), Timestamp::UNIX_EPOCH),
        retry(2_000, RetryReason::ServerError)
    );
    assert_eq!(
        call.next_at(status(503), Timestamp::UNIX_EPOCH),
        give_up(GiveUpReason::AttemptsExhausted)
    );
    // With one attempt allowed there is no corrected retry.
    let mut call = Call::new(RetryConfig::default().with_max_attempts(1), RR);
    let d = call.next_at(
        rejected_for_time(403, "InvalidSignatureException", SERVER_NOW),
        Timestamp::UNIX_EPOCH,
    );
    assert_eq!(d, give_up(GiveUpReason::AttemptsExhausted));
    // The offset was still learnt, for the next call.
    assert!(!call.clock.is_skewed(Timestamp::UNIX_EPOCH, LOCAL_NOW));
}

#[test]
fn the_clock_skew_retry_needs_no_quota() {
    let mut call = Call::standard(RR);
    call.quota = RetryQuota::with_capacity(0);
    let d = call.next_at(
        rejected_for_time(403, "InvalidSignatureException", SERVER_NOW),
        Timestamp::UNIX_EPOCH,
    );
    assert_eq!(d, retry(0, RetryReason::ClockSkew));
}

#[test]
fn clock_skew_observations() {
    let mut clock = ClockSkew::new();
    assert_eq!(clock.corrected(LOCAL_NOW), LOCAL_NOW);
    // Local clock ten minutes fast.
    let local = LOCAL_NOW.offset_by(600);
    assert!(clock.is_skewed(local, LOCAL_NOW));
    assert_eq!(clock.observe_server_date(local, LOCAL_NOW), -600);
    assert_eq!(clock.offset_secs(), -600);
    assert_eq!(clock.corrected(local), LOCAL_NOW);
    // A second observation reports what was left over.
    assert_eq!(clock.observe_server_date(local, LOCAL_NOW.offset_by(2)), 2);
    assert_eq!(clock.offset_secs(), -598);
    // Extremes saturate.
    let mut clock = ClockSkew::new();
    clock.observe_server_date(Timestamp::from_unix_secs(u64::MAX), Timestamp::UNIX_EPOCH);
    assert_eq!(clock.offset_secs(), i64::MIN);
    assert_eq!(
        clock.corrected(Timestamp::from_unix_secs(5)),
        Timestamp::UNIX_EPOCH
    );
    let clock = ClockSkew::with_offset_secs(42);
    assert_eq!(clock.corrected(Timestamp::UNIX_EPOCH).as_unix_secs(), 42);
}

#[test]
fn server_time_from_sigv4_messages() {
    let expired = "Signature expired: 19700101T000003Z is now earlier than 20240101T115500Z \
                   (20240101T120000Z - 5 min.)";
    assert_eq!(
        server_time_from_message(expired),
        Some(Timestamp::from_unix_secs(SERVER_NOW))
    );
    let future = "Signature not yet current: 20240101T130000Z is still later than \
                  20240101T120500Z (20240101T120000Z + 5 min.)";
    assert_eq!(
        server_time_from_message(future),
        Some(Timestamp::from_unix_secs(SERVER_NOW))
    );
    for other in [
        "",
        "The request signature we calculated does not match the signature you provided.",
        "Signature expired",
        "Signature expired: (2024)",
        "Signature expired: (20241301T120000Z - 5 min.)",
    ] {
        assert_eq!(server_time_from_message(other), None, "{other}");
    }
}

#[test]
fn from_a_parsed_service_error() {
    let body = br#"{"message":"Signature expired: 19700101T000003Z is now earlier than 20240101T115500Z (20240101T120000Z - 5 min.)"}"#;
    // From the message when there is no Date.
    let e = ServiceError::from_parts(403, Some("InvalidSignatureException"), body);
    let f = ServiceFailure::from_service_error(&e);
    assert_eq!(f.status, 403);
    assert_eq!(f.class, ErrorClass::ClockSkew);
    assert_eq!(f.server_time, Some(Timestamp::from_unix_secs(SERVER_NOW)));
    assert_eq!(f.retry_after_secs, None);
    let mut call = Call::standard(RR);
    assert_eq!(
        call.next_at(AttemptOutcome::ServiceError(f), Timestamp::UNIX_EPOCH),
        retry(0, RetryReason::ClockSkew)
    );

    // The Date header wins over the message.
    let mut e = ServiceError::from_parts(403, Some("InvalidSignatureException"), body);
    e.meta.date = Some(heapless::String::try_from("Mon, 01 Jan 2024 12:00:05 GMT").unwrap());
    let f = ServiceFailure::from_service_error(&e);
    assert_eq!(
        f.server_time,
        Some(Timestamp::from_unix_secs(SERVER_NOW + 5))
    );

    // Throttling with Retry-After.
    let mut e = ServiceError::from_parts(
        429,
        Some("TooManyRequestsException"),
        br#"{"Reason":"CallerRateLimitExceeded","message":"Rate Exceeded."}"#,
    );
    e.meta.retry_after = Some(heapless::String::try_from("3").unwrap());
    let f = ServiceFailure::from_service_error(&e);
    assert_eq!(f.class, ErrorClass::Throttling);
    assert_eq!(f.retry_after_secs, Some(3));
    assert_eq!(f.server_time, None);

    // No code at all: a bare 502 from a load balancer.
    let e = ServiceError::from_parts(502, None, b"<html>Bad Gateway</html>");
    let f = ServiceFailure::from_service_error(&e);
    assert_eq!(f.class, ErrorClass::Other);
    let mut call = Call::standard(RR);
    assert_eq!(
        call.next(AttemptOutcome::ServiceError(f), Jitter::FULL),
        retry(1_000, RetryReason::ServerError)
    );
}

#[test]
fn reasons_display_static_text() {
    assert_eq!(
        GiveUpReason::MayHaveRun.to_string(),
        "response lost after the request was sent; the function may have run"
    );
    assert_eq!(RetryReason::Throttling.to_string(), "throttled");
    assert_eq!(RetryConfig::default(), RetryConfig::STANDARD);
    assert_eq!(RetryConfig::STANDARD.max_delay_ms(), 20_000);
    assert_eq!(
        RetryConfig::STANDARD
            .with_retry_after_max_ms(60_000)
            .max_delay_ms(),
        60_000
    );
    assert_eq!(
        RetryState::new(RetryConfig::STANDARD, RR)
            .config()
            .max_attempts,
        3
    );
}

// ---- properties ----

fn any_outcome() -> impl Strategy<Value = AttemptOutcome> {
    let time = prop_oneof![
        Just(None),
        (0u64..4_000_000_000).prop_map(|s| Some(Timestamp::from_unix_secs(s))),
    ];
    let code = prop_oneof![
        Just(None),
        Just(Some("TooManyRequestsException")),
        Just(Some("RequestTimeout")),
        Just(Some("InvalidSignatureException")),
        Just(Some("RequestTimeTooSkewed")),
        Just(Some("ResourceNotFoundException")),
    ];
    let failure = (
        prop_oneof![
            Just(400u16),
            Just(403),
            Just(404),
            Just(429),
            Just(500),
            Just(503),
            100u16..600
        ],
        code,
        proptest::option::of(any::<u32>()),
        time.clone(),
    )
        .prop_map(|(st, code, after, time)| {
            ServiceFailure::new(st, code)
                .with_retry_after_secs(after)
                .with_server_time(time)
        });
    prop_oneof![
        time.prop_map(|server_time| AttemptOutcome::Success { server_time }),
        failure.prop_map(AttemptOutcome::ServiceError),
        any::<bool>().prop_map(|timed_out| AttemptOutcome::ConnectFailed { timed_out }),
        any::<bool>().prop_map(|timed_out| AttemptOutcome::SendFailed { timed_out }),
        any::<bool>().prop_map(|timed_out| AttemptOutcome::ResponseLost { timed_out }),
    ]
}

fn any_config() -> impl Strategy<Value = RetryConfig> {
    (
        0u8..12,
        prop_oneof![Just(1_000u32), any::<u32>()],
        prop_oneof![Just(20_000u32), any::<u32>()],
        prop_oneof![Just(20_000u32), any::<u32>()],
        any::<bool>(),
    )
        .prop_map(|(max, base, cap, after_cap, resend)| {
            RetryConfig::STANDARD
                .with_max_attempts(max)
                .with_base_delay_ms(base)
                .with_max_backoff_ms(cap)
                .with_retry_after_max_ms(after_cap)
                .with_resend_request_response(resend)
        })
}

proptest! {
    #[test]
    fn delays_and_attempts_stay_within_bounds(
        config in any_config(),
        ty in prop_oneof![Just(RR), Just(EVENT), Just(DRY)],
        outcomes in proptest::collection::vec(any_outcome(), 1..20),
        jitters in proptest::collection::vec(any::<u32>(), 20),
        local in 0u64..4_000_000_000,
        capacity in prop_oneof![Just(500u16), 0u16..40],
    ) {
        let mut state = RetryState::new(config, ty);
        let mut quota = RetryQuota::with_capacity(capacity);
        let mut clock = ClockSkew::new();
        let limit = usize::from(config.max_attempts.max(1));
        let mut sends = 0usize;
        let mut finished = None;
        let mut resends_after_lost: Vec<AttemptOutcome> = Vec::new();
        for (outcome, j) in outcomes.iter().zip(&jitters) {
            sends += 1;
            let d = state.on_outcome(
                *outcome,
                Timestamp::from_unix_secs(local),
                Jitter::from_random(*j),
                &mut quota,
                &mut clock,
            );
            prop_assert!(quota.available() <= capacity);
            match d {
                Decision::Retry { delay_ms, reason } => {
                    prop_assert!(sends < limit, "retry after attempt {} of {}", sends, limit);
                    prop_assert!(delay_ms <= config.max_delay_ms());
                    let has_retry_after = matches!(
                        outcome,
                        AttemptOutcome::ServiceError(f) if f.retry_after_secs.is_some()
                    );
                    if !has_retry_after {
                        prop_assert!(delay_ms <= config.max_backoff_ms);
                    }
                    if reason == RetryReason::ClockSkew {
                        prop_assert_eq!(delay_ms, 0);
                    }
                    if matches!(outcome, AttemptOutcome::ResponseLost { .. }) {
                        resends_after_lost.push(*outcome);
                    }
                }
                other => {
                    finished = Some(other);
                    break;
                }
            }
        }
        prop_assert!(sends <= limit);
        if ty == RR && !config.resend_request_response {
            prop_assert!(resends_after_lost.is_empty());
        }
        if let Some(f) = finished {
            // Finished calls stay finished.
            let again = state.on_outcome(ok(), LOCAL_NOW, Jitter::FULL, &mut quota, &mut clock);
            prop_assert_eq!(again, f);
        }
    }

    #[test]
    fn backoff_is_within_the_cap_and_monotonic_in_jitter(
        base in any::<u32>(),
        cap in any::<u32>(),
        attempt in any::<u8>(),
        a in any::<u32>(),
        b in any::<u32>(),
    ) {
        let config = RetryConfig::STANDARD.with_base_delay_ms(base).with_max_backoff_ms(cap);
        let (lo, hi) = (a.min(b), a.max(b));
        let d_lo = config.backoff_ms(attempt, Jitter::from_random(lo));
        let d_hi = config.backoff_ms(attempt, Jitter::from_random(hi));
        prop_assert!(d_lo <= d_hi);
        prop_assert!(d_hi <= cap);
        prop_assert!(config.backoff_ms(attempt, Jitter::FULL) <= cap);
    }
}

/// The classifier and the message reader as they were before they went byte by byte (a `match`
/// and `starts_with`, which call `memcmp` on firmware): the references for the ones in use.
mod reference {
    use super::super::{ErrorClass, Timestamp};

    pub(super) fn classify_error_code(code: &str) -> ErrorClass {
        match code {
            "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestThrottledException"
            | "TooManyRequestsException"
            | "ProvisionedThroughputExceededException"
            | "TransactionInProgressException"
            | "RequestLimitExceeded"
            | "BandwidthLimitExceeded"
            | "LimitExceededException"
            | "RequestThrottled"
            | "SlowDown"
            | "PriorRequestNotComplete"
            | "EC2ThrottledException" => ErrorClass::Throttling,
            "RequestTimeout" | "RequestTimeoutException" => ErrorClass::Transient,
            "RequestTimeTooSkewed"
            | "RequestExpired"
            | "RequestInTheFuture"
            | "InvalidSignatureException"
            | "SignatureDoesNotMatch"
            | "AuthFailure" => ErrorClass::ClockSkew,
            _ => ErrorClass::Other,
        }
    }

    pub(super) fn server_time_from_message(message: &str) -> Option<Timestamp> {
        if !(message.starts_with("Signature expired")
            || message.starts_with("Signature not yet current"))
        {
            return None;
        }
        let bytes = message.as_bytes();
        let open = bytes.iter().rposition(|&b| b == b'(')?;
        Timestamp::parse_amz_date(bytes.get(open + 1..)?.get(..16)?).ok()
    }
}

/// The codes in `RETRY_CODES`, in order.
fn retry_codes() -> Vec<&'static str> {
    core::str::from_utf8(RETRY_CODES)
        .unwrap()
        .split(' ')
        .filter(|c| !c.is_empty())
        .collect()
}

fn check_classify(code: &str) {
    assert_eq!(
        classify_error_code(code),
        reference::classify_error_code(code),
        "{code:?}"
    );
}

/// The classifier against the reference: every listed code (so every code the reference knows
/// is in `RETRY_CODES`, in its class), each with every byte replaced by a neighbour of its value
/// or a space, every prefix, and each lengthened.
#[test]
fn classify_matches_the_reference() {
    let codes = retry_codes();
    assert_eq!(codes.len(), 22);
    for (i, code) in codes.iter().enumerate() {
        let expected = match i {
            0..THROTTLING_COUNT => ErrorClass::Throttling,
            THROTTLING_COUNT..16 => ErrorClass::Transient,
            _ => ErrorClass::ClockSkew,
        };
        assert_eq!(reference::classify_error_code(code), expected, "{code}");
        check_classify(code);
        let bytes = code.as_bytes();
        for at in 0..bytes.len() {
            check_classify(&code[..at]);
            for b in [bytes[at] - 1, bytes[at] + 1, b' ', 0] {
                let mut changed = bytes.to_vec();
                changed[at] = b;
                check_classify(core::str::from_utf8(&changed).unwrap());
            }
        }
        for tail in [" ", "x", "Exception"] {
            check_classify(&[code, tail].concat());
        }
    }
    // Two listed codes as one, and the string's own pieces.
    for code in [
        "",
        " ",
        "Throttling Throttling",
        "Throttling ",
        " Throttling",
        "AuthFailure ",
        "InternalError",
        "ServiceUnavailable",
    ] {
        check_classify(code);
    }
}

fn check_server_time(message: &str) {
    assert_eq!(
        server_time_from_message(message),
        reference::server_time_from_message(message),
        "{message:?}"
    );
}

#[test]
fn server_time_matches_the_reference() {
    let messages = [
        "Signature expired: 20240101T000000Z is now earlier than 20240101T115500Z (20240101T120000Z - 5 min.)",
        "Signature not yet current: 20240101T130000Z is still later than 20240101T120500Z (20240101T120000Z + 5 min.)",
        "Signature expired (20240101T120000Z",
        "Signature expired (2024010",
        "Signature expired",
        "Signature not yet current (x)",
        "signature expired (20240101T120000Z - 5 min.)",
        "Signature expire (20240101T120000Z - 5 min.)",
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:f",
        "",
    ];
    for message in messages {
        check_server_time(message);
        for at in 0..message.len() {
            if message.is_char_boundary(at) {
                check_server_time(&message[..at]);
            }
        }
    }
}

proptest! {
    #[test]
    fn classify_and_server_time_match_the_reference_anywhere(
        code in "[A-Za-z0-9 ]{0,40}",
        pick in 0usize..22,
        cut in 0usize..40,
        message in "(Signature (expired|not yet current))?[ -~]{0,60}",
    ) {
        check_classify(&code);
        let listed = retry_codes()[pick];
        check_classify(&listed[..cut.min(listed.len())]);
        check_server_time(&message);
    }
}

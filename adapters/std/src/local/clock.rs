//! The server's clock (the host clock moved by the configured offset), the `Date` header and
//! request ids.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use picolambda::time::Timestamp;

/// The host clock moved by `offset` seconds: what the endpoint believes the time is. Tests set an
/// offset to play a server whose clock disagrees with the client's.
pub(crate) fn server_now(offset: i64) -> Timestamp {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Timestamp::from_unix_secs(secs).offset_by(offset)
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Formats `t` as an IMF-fixdate (RFC 9110 §5.6.7), the form the `Date` header must take:
///
/// ```text
/// IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT    ; Sun, 30 Aug 2015 12:36:00 GMT
/// ```
///
/// The calendar arithmetic is the core's (`to_amz_date`), so the two formats cannot disagree;
/// only the weekday is computed here (1970-01-01 was a Thursday). Times after year 9999 are
/// clamped to the last second of 9999.
pub(crate) fn imf_fixdate(t: Timestamp) -> String {
    let t = Timestamp::from_unix_secs(t.as_unix_secs().min(253_402_300_799));
    let amz = t
        .to_amz_date()
        .map(|d| *d.as_bytes())
        .unwrap_or(*b"99991231T235959Z");
    let text = |r: std::ops::Range<usize>| {
        amz.get(r)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("00")
            .to_owned()
    };
    let month: usize = text(4..6).parse().unwrap_or(1);
    let weekday = WEEKDAYS
        .get(((t.as_unix_secs() / 86_400 + 4) % 7) as usize)
        .copied()
        .unwrap_or("Thu");
    format!(
        "{weekday}, {} {} {} {}:{}:{} GMT",
        text(6..8),
        MONTHS.get(month.wrapping_sub(1)).copied().unwrap_or("Jan"),
        text(0..4),
        text(9..11),
        text(11..13),
        text(13..15),
    )
}

/// SplitMix64: a tiny mixing function, enough to make request ids look random and be unique
/// per (instance, counter) without an RNG crate.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Makes UUID-shaped request ids (version 4 layout, like Lambda's) from a per-instance seed and a
/// counter: unique within an instance, and different across instances and runs.
pub(crate) struct RequestIds {
    seed: u64,
    counter: AtomicU64,
}

impl RequestIds {
    pub(crate) fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        // The address of a fresh allocation separates instances created in the same nanosecond.
        let addr = Box::new(0u8);
        let seed = mix(nanos ^ mix(u64::from(std::process::id())) ^ (&*addr as *const u8 as u64));
        Self {
            seed,
            counter: AtomicU64::new(0),
        }
    }

    pub(crate) fn next(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // The high half is a bijection of the counter (unique); the low half adds noise.
        let hi = mix(self.seed ^ n);
        let lo = mix(hi ^ self.seed.rotate_left(17));
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0x0fff,
            ((lo >> 48) & 0x3fff) | 0x8000,
            lo & 0xffff_ffff_ffff,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_imf_fixdate_and_round_trips_through_the_core_parser() {
        let t = Timestamp::from_unix_secs(1_440_938_160);
        assert_eq!(imf_fixdate(t), "Sun, 30 Aug 2015 12:36:00 GMT");
        assert_eq!(
            imf_fixdate(Timestamp::UNIX_EPOCH),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
        for secs in (0..4_000_000_000u64).step_by(7_777_777) {
            let t = Timestamp::from_unix_secs(secs);
            let text = imf_fixdate(t);
            assert_eq!(Timestamp::parse_http_date(text.as_bytes()), Ok(t), "{text}");
        }
    }

    #[test]
    fn request_ids_are_uuid_shaped_and_distinct() {
        let ids = RequestIds::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let id = ids.next();
            assert_eq!(id.len(), 36);
            assert_eq!(id.as_bytes()[14], b'4');
            assert!(seen.insert(id));
        }
    }
}

//! Time as the caller gives it: seconds since the Unix epoch, UTC.
//!
//! The core never reads a clock. The caller passes a [`Timestamp`]; the core formats SigV4's
//! `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`) itself and parses HTTP's `Date` header (IMF-fixdate, RFC 9110
//! §5.6.7) so a driver can correct clock skew. No `core::fmt`, no calendar crate: the conversion
//! is Howard Hinnant's `civil_from_days` / `days_from_civil`, exact for the proleptic Gregorian
//! calendar.

use core::fmt;

/// Seconds since 1970-01-01T00:00:00Z, ignoring leap seconds (as Unix time does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Timestamp(u64);

/// Why a time could not be formatted or parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TimeError {
    /// After 9999-12-31T23:59:59Z: SigV4's four-digit year cannot express it.
    OutOfRange,
    /// The text is not a well-formed `YYYYMMDDTHHMMSSZ` or IMF-fixdate timestamp.
    Malformed,
}

impl TimeError {
    /// A short static description, also used by `Display`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OutOfRange => "timestamp after year 9999 cannot be formatted",
            Self::Malformed => "malformed timestamp",
        }
    }
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for TimeError {}

/// The largest timestamp with a four-digit year: 9999-12-31T23:59:59Z.
const MAX_SECS: u64 = 253_402_300_799;

const SECS_PER_DAY: u64 = 86_400;

/// A broken-down UTC time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Civil {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl Timestamp {
    /// The Unix epoch, where a device without a real-time clock starts.
    pub const UNIX_EPOCH: Self = Self(0);

    /// From seconds since the Unix epoch.
    pub const fn from_unix_secs(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn as_unix_secs(self) -> u64 {
        self.0
    }

    /// This time moved by `offset` seconds (negative: earlier), saturating at the epoch and at
    /// `u64::MAX`. Used to apply a clock-skew correction.
    pub const fn offset_by(self, offset: i64) -> Self {
        Self(self.0.saturating_add_signed(offset))
    }

    /// `X-Amz-Date` text, `YYYYMMDDTHHMMSSZ`.
    pub fn to_amz_date(self) -> Result<AmzDate, TimeError> {
        let mut out = AmzDate::BLANK;
        self.put_amz_date(&mut out)?;
        Ok(out)
    }

    /// [`Timestamp::to_amz_date`] written into `out` (where it fails, `out` is left as it was):
    /// a caller keeping the date inside a larger struct formats it in place, rather than
    /// copying it out of a returned `Result`.
    pub(crate) fn put_amz_date(self, out: &mut AmzDate) -> Result<(), TimeError> {
        if self.0 > MAX_SECS {
            return Err(TimeError::OutOfRange);
        }
        let c = civil(self.0);
        // Two numbers of digits, `YYYYMMDD` (at most 99,991,231) and `HHMMSS`, rather than six
        // fields: fewer calls of the digit writer. The `T` between them and the `Z` are put
        // here, so whatever `out` held is overwritten.
        let (date, time) = out.0.split_at_mut(8);
        put_digits(date, c.year * 10_000 + c.month * 100 + c.day);
        if let [t, time @ .., z] = time {
            *t = b'T';
            put_digits(time, c.hour * 10_000 + c.minute * 100 + c.second);
            *z = b'Z';
        }
        Ok(())
    }

    /// Parses `YYYYMMDDTHHMMSSZ` (the `X-Amz-Date` form).
    pub fn parse_amz_date(text: &[u8]) -> Result<Self, TimeError> {
        parse_amz_date(text)
    }

    /// Parses an HTTP `Date` value in IMF-fixdate form, the only form RFC 9110 lets servers send:
    ///
    /// ```text
    /// IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT
    /// date1       = day SP month SP year      ; e.g. 02 Jun 1982
    /// ```
    ///
    /// The day name is checked for shape only; the date itself decides the time.
    pub fn parse_http_date(text: &[u8]) -> Result<Self, TimeError> {
        parse_http_date(text)
    }
}

/// [`Timestamp::parse_amz_date`] on hosts: the text taken apart by one slice pattern.
#[cfg(any(test, not(target_os = "none")))]
fn parse_amz_date(text: &[u8]) -> Result<Timestamp, TimeError> {
    let [y0, y1, y2, y3, mo0, mo1, d0, d1, b'T', h0, h1, mi0, mi1, s0, s1, b'Z'] = *text else {
        return Err(TimeError::Malformed);
    };
    from_civil(Civil {
        year: digits(&[y0, y1, y2, y3])?,
        month: digits(&[mo0, mo1])?,
        day: digits(&[d0, d1])?,
        hour: digits(&[h0, h1])?,
        minute: digits(&[mi0, mi1])?,
        second: digits(&[s0, s1])?,
    })
}

/// [`Timestamp::parse_http_date`] on hosts: the text taken apart by one slice pattern.
#[cfg(any(test, not(target_os = "none")))]
fn parse_http_date(text: &[u8]) -> Result<Timestamp, TimeError> {
    let [_, _, _, b',', b' ', d0, d1, b' ', m0, m1, m2, b' ', y0, y1, y2, y3, b' ', h0, h1, b':', mi0, mi1, b':', s0, s1, b' ', b'G', b'M', b'T'] =
        *text
    else {
        return Err(TimeError::Malformed);
    };
    let month = MONTHS
        .iter()
        .position(|m| **m == [m0, m1, m2])
        .ok_or(TimeError::Malformed)?;
    from_civil(Civil {
        year: digits(&[y0, y1, y2, y3])?,
        // `position` is below 12, so the cast is exact.
        month: month as u32 + 1,
        day: digits(&[d0, d1])?,
        hour: digits(&[h0, h1])?,
        minute: digits(&[mi0, mi1])?,
        second: digits(&[s0, s1])?,
    })
}

/// [`Timestamp::parse_amz_date`] on bare-metal targets: the fixed bytes checked against a
/// template and each number read where it stands, by two small routines shared with
/// [`parse_http_date_small`] (smaller than the slice patterns, which take every byte apart).
/// The tests compare it with the host one.
#[cfg(any(test, target_os = "none"))]
fn parse_amz_date_small(text: &[u8]) -> Result<Timestamp, TimeError> {
    shaped(text, b"________T______Z")?;
    civil_at(text, [0, 4, 6, 9, 11, 13], None)
}

/// [`Timestamp::parse_http_date`] on bare-metal targets, as [`parse_amz_date_small`]. The tests
/// compare it with the host one.
#[cfg(any(test, target_os = "none"))]
fn parse_http_date_small(text: &[u8]) -> Result<Timestamp, TimeError> {
    shaped(text, b"___, __ ___ ____ __:__:__ GMT")?;
    let month = MONTHS
        .iter()
        // `bytes_eq`: `==` on the slices called `memcmp` on bare-metal targets.
        .position(|m| {
            text.get(8..11)
                .is_some_and(|t| crate::encode::bytes_eq(t, &m[..]))
        })
        .ok_or(TimeError::Malformed)?;
    // `position` is below 12, so the cast is exact.
    civil_at(text, [12, 0, 5, 17, 20, 23], Some(month as u32 + 1))
}

/// The time in `text` whose shape was checked: a year of four digits at `at[0]`, then month,
/// day, hour, minute and second of two digits each at `at[1..]`, the month's unless `month`
/// gives it. One routine for both parsers, and one call site of [`field`].
#[cfg(any(test, target_os = "none"))]
#[inline(never)]
fn civil_at(text: &[u8], at: [u8; 6], month: Option<u32>) -> Result<Timestamp, TimeError> {
    // Built by `from_fn`, not filled into a zeroed array, whose clearing was a call of `memclr`
    // on bare-metal targets. A field that is not digits reads as `u32::MAX`, which no valid time
    // has: `from_civil_small` rejects it (`Malformed`), as an early return did.
    let [year, month, day, hour, minute, second] = core::array::from_fn(|i| match (i, month) {
        (1, Some(m)) => m,
        _ => at
            .get(i)
            .and_then(|&pos| field(text, usize::from(pos), if i == 0 { 4 } else { 2 }).ok())
            .unwrap_or(u32::MAX),
    });
    from_civil_small(Civil {
        year,
        month,
        day,
        hour,
        minute,
        second,
    })
}

/// Whether `text` has the length of `template` and its bytes where `template` has no `_`.
#[cfg(any(test, target_os = "none"))]
fn shaped(text: &[u8], template: &[u8]) -> Result<(), TimeError> {
    if text.len() == template.len()
        && text
            .iter()
            .zip(template)
            .all(|(&c, &t)| t == b'_' || c == t)
    {
        Ok(())
    } else {
        Err(TimeError::Malformed)
    }
}

/// The decimal number of the `len` ASCII digits at `at` in `text` (at most four).
#[cfg(any(test, target_os = "none"))]
fn field(text: &[u8], at: usize, len: usize) -> Result<u32, TimeError> {
    text.get(at..at + len)
        .ok_or(TimeError::Malformed)
        .and_then(digits)
}

/// [`from_civil`] on bare-metal targets: the time is worked out whatever the fields (wrapping
/// where they are out of range), then converted back by [`civil`], which the `X-Amz-Date`
/// writer links anyway: the fields are valid exactly when they come back unchanged (`civil`
/// only gives valid ones, and is the inverse of this formula on them up to [`MAX_SECS`]). No
/// month lengths, leap years or range checks of its own. The tests compare it with
/// [`from_civil`].
#[cfg(any(test, target_os = "none"))]
fn from_civil_small(c: Civil) -> Result<Timestamp, TimeError> {
    let y = c.year.wrapping_sub(u32::from(c.month <= 2));
    let era = y / 400;
    let yoe = y.wrapping_sub(era.wrapping_mul(400));
    let m = c.month;
    let mp = if m > 2 {
        m.wrapping_sub(3)
    } else {
        m.wrapping_add(9)
    };
    let doy = (mp.wrapping_mul(153).wrapping_add(2) / 5)
        .wrapping_add(c.day)
        .wrapping_sub(1);
    let doe = yoe
        .wrapping_mul(365)
        .wrapping_add(yoe / 4)
        .wrapping_sub(yoe / 100)
        .wrapping_add(doy);
    let days = era
        .wrapping_mul(146_097)
        .wrapping_add(doe)
        .wrapping_sub(719_468);
    let time = c
        .hour
        .wrapping_mul(3600)
        .wrapping_add(c.minute.wrapping_mul(60))
        .wrapping_add(c.second);
    let secs = u64::from(days)
        .wrapping_mul(SECS_PER_DAY)
        .wrapping_add(u64::from(time));
    if secs <= MAX_SECS && civil(secs) == c {
        Ok(Timestamp(secs))
    } else {
        Err(TimeError::Malformed)
    }
}

#[cfg(target_os = "none")]
use {parse_amz_date_small as parse_amz_date, parse_http_date_small as parse_http_date};

/// The month names of IMF-fixdate.
const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// An `X-Amz-Date` value: 16 ASCII bytes, `YYYYMMDDTHHMMSSZ`.
// Aligned to 4: a value of 16 bytes so aligned can be moved with one load and one store of
// four registers, where unaligned every move of it is a call to a copying routine on
// bare-metal targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(align(4))]
pub struct AmzDate([u8; 16]);

impl AmzDate {
    /// A value to format into ([`Timestamp::put_amz_date`]); not a date itself.
    pub(crate) const BLANK: Self = Self([0; 16]);

    /// The whole value, `YYYYMMDDTHHMMSSZ`.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The whole value as text (always ASCII).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The date part, `YYYYMMDD`: the first element of a SigV4 credential scope.
    pub fn date(&self) -> [u8; 8] {
        let [a, b, c, d, e, f, g, h, ..] = self.0;
        [a, b, c, d, e, f, g, h]
    }
}

/// The value of the ASCII decimal digits `ds` (at most four here, so no overflow).
fn digits(ds: &[u8]) -> Result<u32, TimeError> {
    ds.iter().try_fold(0u32, |acc, &d| {
        if d.is_ascii_digit() {
            Ok(acc * 10 + u32::from(d - b'0'))
        } else {
            Err(TimeError::Malformed)
        }
    })
}

/// Writes the last `out.len()` decimal digits of `value` into `out`, zero-padded.
fn put_digits(out: &mut [u8], mut value: u32) {
    for d in out.iter_mut().rev() {
        // `value % 10` is below 10, so the cast cannot truncate.
        *d = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// Seconds since the epoch to a civil date and time, for non-negative days: Neri and
/// Schneider's `civil_from_days` ("Euclidean affine functions and their application to
/// calendar algorithms", 2022), which replaces most of Hinnant's divisions with multiplications
/// and shifts (three divisions instead of eight, fewer bytes in firmware). The tests check it
/// against Hinnant's form for every day up to [`MAX_SECS`].
///
/// `secs` is at most [`MAX_SECS`] (about 2^38), so the calendar math is done in `u32` (and one
/// `u32` × `u32` product): a `u64` division would pull the 64-bit division routine (about
/// 900 bytes) into firmware.
fn civil(secs: u64) -> Civil {
    // 86,400 = 128 × 675: the shift brings `secs` under 2^32 (MAX_SECS >> 7 < 1.98e9), and
    // `(secs >> 7) / 675` is `secs / 86,400` (floor of a floor is the floor of the whole).
    let days = u32::try_from(secs.min(MAX_SECS) >> 7).unwrap_or(u32::MAX) / 675;
    // Below 86,400 for every `secs` up to MAX_SECS, so the conversion is exact.
    let rem = u32::try_from(secs.wrapping_sub(u64::from(days) * SECS_PER_DAY)).unwrap_or(0);
    // Days since 0000-03-01, so leap days fall at the end of each year, century and era. At
    // most 3,652,364 (9999-12-31), so `4 * n + 3` fits `u32` with room to spare.
    let n = days + 719_468;
    // The century of the era and the day of that century.
    let n1 = 4 * n + 3;
    let century = n1 / 146_097;
    let day_of_century = n1 % 146_097 / 4;
    // The year of the century (high half of the product) and the day of that year (low half).
    let p2 = u64::from(4 * day_of_century + 3) * 2_939_745;
    // `p2 >> 32` is below 100 and the low half below 2^32, so both conversions are exact.
    let year_of_century = u32::try_from(p2 >> 32).unwrap_or(0);
    let day_of_year = (p2 as u32) / 11_758_980;
    // Month (from March, 3 to 14) and day, from one product.
    let n3 = 2_141 * day_of_year + 197_913;
    let month = n3 >> 16;
    let day = (n3 & 0xffff) / 2_141 + 1;
    // January and February belong to the next calendar year.
    let next = day_of_year >= 306;
    // 60 divides 3,600: the second is that of the minute within the hour (one division less).
    let in_hour = rem % 3600;
    Civil {
        year: 100 * century + year_of_century + u32::from(next),
        month: if next { month - 12 } else { month },
        day,
        hour: rem / 3600,
        minute: in_hour / 60,
        second: in_hour % 60,
    }
}

/// The time of a broken-down UTC time, checked: a month of the year, a day of the month, a
/// time of day (no leap second), from 1970 to 9999.
#[cfg(any(test, not(target_os = "none")))]
fn from_civil(c: Civil) -> Result<Timestamp, TimeError> {
    let leap = c.year % 4 == 0 && (c.year % 100 != 0 || c.year % 400 == 0);
    let days_in_month = match c.month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(TimeError::Malformed),
    };
    // Second 60 is a leap second; Unix time has none, and neither does SigV4.
    if c.year < 1970
        || c.day == 0
        || c.day > days_in_month
        || c.hour > 23
        || c.minute > 59
        || c.second > 59
    {
        return Err(TimeError::Malformed);
    }
    // Four-digit years only (the parsers read four digits): everything below fits `u32`, so no
    // 64-bit division is needed; only the final product is widened.
    if c.year > 9999 {
        return Err(TimeError::Malformed);
    }
    let y = c.year - u32::from(c.month <= 2);
    let era = y / 400;
    let yoe = y - era * 400;
    let m = c.month;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + c.day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(Timestamp(
        u64::from(days) * SECS_PER_DAY + u64::from(c.hour * 3600 + c.minute * 60 + c.second),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        let cases = [
            (0u64, "19700101T000000Z"),
            (1_440_938_160, "20150830T123600Z"),
            (951_782_400, "20000229T000000Z"),
            (4_107_542_399, "21000228T235959Z"),
            (4_107_542_400, "21000301T000000Z"),
            (MAX_SECS, "99991231T235959Z"),
        ];
        for (secs, text) in cases {
            let t = Timestamp::from_unix_secs(secs);
            assert_eq!(t.to_amz_date().unwrap().as_str(), text);
            assert_eq!(Timestamp::parse_amz_date(text.as_bytes()), Ok(t));
        }
        assert_eq!(
            Timestamp::from_unix_secs(MAX_SECS + 1).to_amz_date(),
            Err(TimeError::OutOfRange)
        );
    }

    /// `to_amz_date` as it was before it formatted through `put_amz_date`: the reference.
    fn to_amz_date_reference(t: Timestamp) -> Result<AmzDate, TimeError> {
        if t.0 > MAX_SECS {
            return Err(TimeError::OutOfRange);
        }
        let c = civil(t.0);
        let mut out = [b'T'; 16];
        let (date, time) = out.split_at_mut(8);
        put_digits(date, c.year * 10_000 + c.month * 100 + c.day);
        if let [_t, time @ .., z] = time {
            put_digits(time, c.hour * 10_000 + c.minute * 100 + c.second);
            *z = b'Z';
        }
        Ok(AmzDate(out))
    }

    /// `put_amz_date` overwrites every byte of what it is given (any previous text), and fails
    /// where the reference fails, leaving `out` as it was.
    fn check_put_amz_date(secs: u64) {
        let t = Timestamp::from_unix_secs(secs);
        let expected = to_amz_date_reference(t);
        assert_eq!(t.to_amz_date(), expected, "{secs}");
        for fill in [0u8, b'T', 0xff] {
            let mut out = AmzDate([fill; 16]);
            match (t.put_amz_date(&mut out), expected) {
                (Ok(()), Ok(date)) => assert_eq!(out, date, "{secs}"),
                (Err(e), Err(r)) => {
                    assert_eq!(e, r);
                    assert_eq!(out, AmzDate([fill; 16]));
                }
                (got, _) => panic!("{secs}: {got:?} against {expected:?}"),
            }
        }
    }

    /// The bare-metal `from_civil` (a round trip through `civil`) against the checks it
    /// replaced: every month and day number the parsers can read (0 to 99) in years around the
    /// range's ends and leap rules, at times in and out of range.
    #[test]
    fn small_from_civil_matches_the_checked_one() {
        let years = [
            0,
            1,
            1969,
            1970,
            1971,
            1972,
            1999,
            2000,
            2023,
            2024,
            2100,
            2400,
            9998,
            9999,
            10_000,
            u32::MAX,
        ];
        let times = [
            (0, 0, 0),
            (23, 59, 59),
            (24, 0, 0),
            (0, 60, 0),
            (0, 0, 60),
            (99, 99, 99),
            (12, 34, 56),
        ];
        for year in years {
            for month in 0..=99 {
                for day in 0..=99 {
                    for (hour, minute, second) in times {
                        let c = Civil {
                            year,
                            month,
                            day,
                            hour,
                            minute,
                            second,
                        };
                        assert_eq!(from_civil_small(c), from_civil(c), "{c:?}");
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn small_from_civil_matches_the_checked_one_anywhere(
            year in 1900u32..=9999,
            month in 0u32..=99,
            day in 0u32..=99,
            hour in 0u32..=99,
            minute in 0u32..=99,
            second in 0u32..=99,
        ) {
            let c = Civil { year, month, day, hour, minute, second };
            proptest::prop_assert_eq!(from_civil_small(c), from_civil(c));
        }
    }

    /// An IMF-fixdate text of `secs` (`Thu` for every day: the parsers check the name's shape
    /// only).
    fn http_date(secs: u64) -> std::string::String {
        let c = civil(secs);
        let month = core::str::from_utf8(MONTHS[c.month as usize - 1]).unwrap();
        std::format!(
            "Thu, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
            c.day,
            c.year,
            c.hour,
            c.minute,
            c.second
        )
    }

    /// [`civil_at`] as it was, filling a zeroed array and returning at the first field that is
    /// not digits: the reference for the one built by `from_fn`.
    fn civil_at_before(
        text: &[u8],
        at: [u8; 6],
        month: Option<u32>,
    ) -> Result<Timestamp, TimeError> {
        let mut v = [0u32; 6];
        for (i, (n, &pos)) in v.iter_mut().zip(&at).enumerate() {
            *n = match (i, month) {
                (1, Some(m)) => m,
                _ => field(text, usize::from(pos), if i == 0 { 4 } else { 2 })?,
            };
        }
        let [year, month, day, hour, minute, second] = v;
        from_civil_small(Civil {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }

    fn check_parsers(amz: &[u8], http: &[u8]) {
        let amz_at = [0, 4, 6, 9, 11, 13];
        assert_eq!(
            civil_at(amz, amz_at, None),
            civil_at_before(amz, amz_at, None),
            "{amz:?}"
        );
        for month in [None, Some(0), Some(1), Some(2), Some(12), Some(13)] {
            let http_at = [12, 0, 5, 17, 20, 23];
            assert_eq!(
                civil_at(http, http_at, month),
                civil_at_before(http, http_at, month),
                "{http:?} {month:?}"
            );
        }
        assert_eq!(parse_amz_date_small(amz), parse_amz_date(amz), "{amz:?}");
        assert_eq!(
            parse_http_date_small(http),
            parse_http_date(http),
            "{http:?}"
        );
    }

    /// The bare-metal parsers against the host ones: every fifth day to 9999 in both forms, and texts with each byte replaced by every value, shortened and lengthened.
    #[test]
    fn small_parsers_match_the_host_ones() {
        for day in (0..=MAX_SECS / SECS_PER_DAY + 1).step_by(5) {
            let secs = day * SECS_PER_DAY + (day * 7919) % SECS_PER_DAY;
            let amz = Timestamp(secs.min(MAX_SECS)).to_amz_date().unwrap();
            check_parsers(amz.as_bytes(), http_date(secs).as_bytes());
        }
        let amz_texts = [
            "20150830T123600Z",
            "19700101T000000Z",
            "99991231T235959Z",
            "20000229T000000Z",
        ];
        let http_texts = [
            "Sun, 30 Aug 2015 12:36:00 GMT",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Tue, 29 Feb 2000 00:00:00 GMT",
        ];
        for (amz, http) in amz_texts.iter().zip(http_texts) {
            let (amz, http) = (amz.as_bytes(), http.as_bytes());
            check_parsers(amz, http);
            for text in [amz, http] {
                for i in 0..text.len() {
                    for b in 0..=255u8 {
                        let mut t = text.to_vec();
                        t[i] = b;
                        check_parsers(&t, &t);
                    }
                    check_parsers(&text[..i], &text[..i]);
                }
                let mut longer = text.to_vec();
                longer.push(b'0');
                check_parsers(&longer, &longer);
            }
        }
    }

    #[test]
    fn put_amz_date_matches_the_reference() {
        for secs in [
            0,
            1,
            59,
            86_399,
            86_400,
            951_782_400,
            MAX_SECS,
            MAX_SECS + 1,
            u64::MAX,
        ] {
            check_put_amz_date(secs);
        }
        // Every day to 9999 at a varying time of day.
        for day in 0..=MAX_SECS / SECS_PER_DAY + 1 {
            check_put_amz_date(day * SECS_PER_DAY + (day * 7919) % SECS_PER_DAY);
        }
    }

    /// Hinnant's `civil_from_days` in `u32`, the form before Neri and Schneider's, as the
    /// reference: (year, month, day).
    fn civil_hinnant(days: u32) -> (u32, u32, u32) {
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        (yoe + era * 400 + u32::from(month <= 2), month, day)
    }

    #[test]
    fn civil_matches_hinnant_for_every_day() {
        let last_day = MAX_SECS / SECS_PER_DAY;
        for day in 0..=last_day {
            // A time of day that moves through every hour, minute and second over the range.
            let rem = (day * 7919) % SECS_PER_DAY;
            let c = civil(day * SECS_PER_DAY + rem);
            assert_eq!(
                (c.year, c.month, c.day),
                civil_hinnant(u32::try_from(day).unwrap()),
                "{day}"
            );
            let rem = u32::try_from(rem).unwrap();
            assert_eq!(
                (c.hour, c.minute, c.second),
                (rem / 3600, rem % 3600 / 60, rem % 60)
            );
        }
        let c = civil(MAX_SECS);
        assert_eq!((c.year, c.month, c.day), (9999, 12, 31));
    }

    #[test]
    fn round_trips_every_day_for_four_centuries() {
        // Every day from 1970 to 2370 plus a varying time of day.
        for day in 0..146_097u64 {
            let secs = day * SECS_PER_DAY + (day * 7919) % SECS_PER_DAY;
            let t = Timestamp::from_unix_secs(secs);
            let text = t.to_amz_date().unwrap();
            assert_eq!(Timestamp::parse_amz_date(text.as_bytes()), Ok(t));
        }
    }

    #[test]
    fn from_civil_inverts_civil_over_the_whole_range() {
        // (`civil` itself is checked against Hinnant's algorithm on every day, above.)
        let mut secs = 0u64;
        while secs <= MAX_SECS {
            assert_eq!(from_civil(civil(secs)), Ok(Timestamp(secs)), "{secs}");
            secs += 7_777_777; // about 90 days, prime-ish: every month and time of day come up
        }
        for secs in [MAX_SECS - 1, MAX_SECS, 86_399, 86_400] {
            assert_eq!(from_civil(civil(secs)), Ok(Timestamp(secs)));
        }
    }

    #[test]
    fn rejects_malformed_amz_dates() {
        for bad in [
            "",
            "20150830T123600",
            "20150830t123600Z",
            "20151330T123600Z",
            "20150230T123600Z",
            "20150830T243600Z",
            "20150830T126000Z",
            "20150830T123660Z",
            "19691231T235959Z",
            "2015083OT123600Z",
            "2015-08-30T12:36:00Z",
        ] {
            assert_eq!(
                Timestamp::parse_amz_date(bad.as_bytes()),
                Err(TimeError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn parses_imf_fixdate() {
        assert_eq!(
            Timestamp::parse_http_date(b"Sun, 30 Aug 2015 12:36:00 GMT"),
            Ok(Timestamp::from_unix_secs(1_440_938_160))
        );
        for bad in [
            &b"Sunday, 30-Aug-15 12:36:00 GMT"[..],
            b"Sun Aug 30 12:36:00 2015",
            b"Sun, 30 Aug 2015 12:36:00 UTC",
            b"Sun, 31 Sep 2015 12:36:00 GMT",
            b"Sun, 30 Foo 2015 12:36:00 GMT",
        ] {
            assert_eq!(Timestamp::parse_http_date(bad), Err(TimeError::Malformed));
        }
    }

    #[test]
    fn offsets_saturate() {
        let t = Timestamp::from_unix_secs(10);
        assert_eq!(t.offset_by(-20), Timestamp::UNIX_EPOCH);
        assert_eq!(t.offset_by(5).as_unix_secs(), 15);
    }
}

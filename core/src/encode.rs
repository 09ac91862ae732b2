//! Byte sinks and the small encoders every writer shares: hex, percent-encoding, decimal, base64.
//!
//! Everything that produces request bytes writes through [`Sink`], so one routine serves three
//! purposes: counting the exact size of a head before anything is written, writing it into the
//! caller's buffer, and feeding the canonical request straight into SHA-256 without a buffer.

/// Something that accepts bytes: a length counter, a hash, or a slice writer.
pub trait Sink {
    /// Accepts `bytes`, in order.
    fn put(&mut self, bytes: &[u8]);
}

/// A value that can write itself into a [`Sink`] without an intermediate buffer.
///
/// Header values and request paths are produced this way so the same bytes reach the hash, the
/// size counter and the output buffer.
pub trait Emit {
    /// Writes the value's bytes into `sink`.
    fn emit(&self, sink: &mut dyn Sink);
}

impl Emit for &str {
    fn emit(&self, sink: &mut dyn Sink) {
        sink.put(self.as_bytes());
    }
}

impl Emit for &[u8] {
    fn emit(&self, sink: &mut dyn Sink) {
        sink.put(self);
    }
}

/// Copies `min(dst.len(), src.len())` bytes from the front of `src` to the front of `dst` and
/// returns that count.
///
/// Used instead of `copy_from_slice` wherever the two lengths are equal by construction but the
/// optimiser cannot prove it: `copy_from_slice` keeps a length-mismatch panic path in the binary,
/// a zipped loop has none. (Hosts, optimised for speed, get a call to `memcpy` of the shorter
/// length from it; firmware, built for size, keeps the loop, so it links no `memcpy` for it.)
#[inline]
pub(crate) fn copy_prefix(dst: &mut [u8], src: &[u8]) -> usize {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
    dst.len().min(src.len())
}

/// `dst.copy_from_slice(src)` (same lengths) for the short pieces requests are made of: up to 16
/// bytes as two overlapping fixed-size copies, which compile to a few moves instead of a call to
/// `memcpy`. Longer pieces are copied with [`copy_prefix`]. No panic path whatever the lengths:
/// with unequal lengths the shorter prefix is copied.
///
/// On bare-metal targets (`target_os = "none"`), built for size, it is [`copy_prefix`]: the
/// unrolled cases cost about 240 bytes of flash for a speed-up no firmware needs.
#[cfg(target_os = "none")]
#[inline(always)]
pub(crate) fn copy_short(dst: &mut [u8], src: &[u8]) {
    copy_prefix(dst, src);
}

/// See the bare-metal variant above; this is the host one.
#[cfg(not(target_os = "none"))]
#[inline(always)]
pub(crate) fn copy_short(dst: &mut [u8], src: &[u8]) {
    /// `N` bytes at `at`: fixed-size array copies, so there is no length check to fail.
    fn fixed<const N: usize>(dst: &mut [u8], src: &[u8], at: usize) {
        let d = dst.get_mut(at..).and_then(|d| d.first_chunk_mut::<N>());
        let s = src.get(at..).and_then(|s| s.first_chunk::<N>());
        if let (Some(d), Some(s)) = (d, s) {
            *d = *s;
        }
    }
    let n = src.len();
    if n != dst.len() || n > 16 {
        copy_prefix(dst, src);
    } else if n >= 8 {
        fixed::<8>(dst, src, 0);
        fixed::<8>(dst, src, n - 8);
    } else if n >= 4 {
        fixed::<4>(dst, src, 0);
        fixed::<4>(dst, src, n - 4);
    } else if n > 0 {
        // 1 to 3 bytes: the first, the middle and the last.
        for i in [0, n / 2, n - 1] {
            if let (Some(d), Some(s)) = (dst.get_mut(i), src.get(i)) {
                *d = *s;
            }
        }
    }
}

/// Whether `a` and `b` hold the same bytes (`a == b`).
#[cfg(not(target_os = "none"))]
#[inline]
pub(crate) fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    a == b
}

/// The bare-metal [`bytes_eq`]: a byte loop, one copy for every comparison of the request side.
/// `==` on slices is a call to `memcmp`, which firmware would link (116 bytes) for a handful of
/// comparisons of a few bytes each. The tests check it against `==`.
#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
#[inline(never)]
pub(crate) fn bytes_eq_small(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

#[cfg(target_os = "none")]
pub(crate) use bytes_eq_small as bytes_eq;

/// The pieces of `s` between occurrences of the ASCII byte `sep`, like `s.split(sep as char)`.
///
/// `str::split` goes through `core::str::pattern`, whose searchers keep bounds-check panic paths
/// (and a few hundred bytes of code) in firmware; this only uses `position` and `str::get`.
pub(crate) fn split_byte(s: &str, sep: u8) -> SplitByte<'_> {
    SplitByte { rest: Some(s), sep }
}

/// Iterator of [`split_byte`].
pub(crate) struct SplitByte<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for SplitByte<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        match s.bytes().position(|b| b == self.sep) {
            Some(i) => {
                // An ASCII byte is a character boundary on both sides, so neither `get` fails.
                self.rest = s.get(i + 1..);
                s.get(..i)
            }
            None => {
                self.rest = None;
                Some(s)
            }
        }
    }
}

/// `s` split before byte `i`; `(s, "")` if `i` is not a character boundary inside `s`. For
/// indices found by a byte search, where it always is: `str::split_at` would keep a panic path.
pub(crate) fn split_str_at(s: &str, i: usize) -> (&str, &str) {
    s.split_at_checked(i).unwrap_or((s, ""))
}

/// Counts bytes: the sizing pass of a writer.
#[derive(Default)]
pub(crate) struct Counter(pub(crate) usize);

impl Sink for Counter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }
}

/// Writes into a slice that a sizing pass has already proven large enough.
///
/// If that proof were ever wrong the writer stops writing and records the overflow instead of
/// panicking; callers turn `overflowed` into an error.
pub(crate) struct SliceWriter<'a> {
    buf: &'a mut [u8],
    pub(crate) pos: usize,
    pub(crate) overflowed: bool,
}

impl<'a> SliceWriter<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            overflowed: false,
        }
    }
}

impl Sink for SliceWriter<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos.saturating_add(bytes.len());
        match self.buf.get_mut(self.pos..end) {
            Some(dst) if !self.overflowed => {
                copy_short(dst, bytes);
                self.pos = end;
            }
            _ => self.overflowed = true,
        }
    }
}

/// A sink borrowed mutably is a sink: lets generic code (`S: Sink + ?Sized`) hand its sink on as
/// `&mut dyn Sink`, by reborrowing it (`&mut &mut S`).
impl<S: Sink + ?Sized> Sink for &mut S {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        (**self).put(bytes);
    }
}

impl Sink for sha2::Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        sha2::Digest::update(self, bytes);
    }
}

/// The hex digit for the low nibble of `n`, upper or lower case (arithmetic: no table lookup
/// that could index out of bounds, no branch on the value).
pub(crate) const fn hex_digit(n: u8, upper: bool) -> u8 {
    let n = n & 0x0f;
    // `(n + 6) >> 4` is 1 for the nibbles 10..=15 and 0 below: it adds the gap between `'9' + 1`
    // and the first letter.
    let gap = if upper {
        b'A' - b'0' - 10
    } else {
        b'a' - b'0' - 10
    };
    b'0' + n + ((n + 6) >> 4) * gap
}

/// Lower-case hex of 32 bytes, as SigV4 writes hashes and signatures: a pair of digits a byte
/// (hosts: a loop the compiler vectorises; three hashes of every request go through it).
#[cfg(not(target_os = "none"))]
pub(crate) fn hex32(bytes: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        copy_prefix(pair, &[hex_digit(b >> 4, false), hex_digit(b, false)]);
    }
    out
}

/// The bare-metal [`hex32`]: digit by digit, each from its byte's high or low nibble, with no
/// zero-filled buffer first and no pairs to copy (smaller; about nine times the instructions on
/// a host). The tests check it against the host one.
#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
pub(crate) fn hex32_small(bytes: &[u8; 32]) -> [u8; 64] {
    core::array::from_fn(|i| {
        let b = bytes.get(i / 2).copied().unwrap_or(0);
        hex_digit(if i % 2 == 0 { b >> 4 } else { b }, false)
    })
}

#[cfg(target_os = "none")]
pub(crate) use hex32_small as hex32;

/// Puts the lower-case hex of 32 bytes (a hash written into a canonical request or a head):
/// hosts put it in one piece from [`hex32`].
#[cfg(not(target_os = "none"))]
pub(crate) fn put_hex32(bytes: &[u8; 32], sink: &mut dyn Sink) {
    sink.put(&hex32(bytes));
}

/// The bare-metal [`put_hex32`]: a `put` per digit, with no 64-byte array (which
/// is built apart and copied out by a call to a copying routine that firmware would link for
/// this alone). The tests check it against the host one.
#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
pub(crate) fn put_hex32_small(bytes: &[u8; 32], sink: &mut dyn Sink) {
    for i in 0..64 {
        let b = bytes.get(i / 2).copied().unwrap_or(0);
        sink.put(&[hex_digit(if i % 2 == 0 { b >> 4 } else { b }, false)]);
    }
}

#[cfg(target_os = "none")]
pub(crate) use put_hex32_small as put_hex32;

/// 32 bytes that emit as their lower-case hex ([`put_hex32`]).
#[cfg(any(test, target_os = "none"))]
pub(crate) struct Hex32<'a>(pub(crate) &'a [u8; 32]);

#[cfg(any(test, target_os = "none"))]
impl Emit for Hex32<'_> {
    fn emit(&self, sink: &mut dyn Sink) {
        put_hex32(self.0, sink);
    }
}

/// RFC 3986 unreserved characters: the only ones SigV4 and botocore leave unescaped.
pub(crate) const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// What [`percent_encode`] keeps of `b`: bit 0 for unreserved characters, bit 1 for `/` (kept
/// only when asked). A lookup in [`KEEP`] on hosts, where it is the per-byte test of the scan.
#[cfg(not(target_os = "none"))]
#[inline(always)]
fn keep_bits(b: u8) -> u8 {
    KEEP.get(usize::from(b)).copied().unwrap_or(0)
}

/// The bare-metal [`keep_bits`]: computed, not looked up, which saves the 256-byte table in
/// firmware built for size. The tests check it against the table for every byte.
#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
#[inline(always)]
fn keep_bits_small(b: u8) -> u8 {
    u8::from(is_unreserved(b)) | (u8::from(b == b'/') << 1)
}

#[cfg(target_os = "none")]
use keep_bits_small as keep_bits;

/// [`keep_bits`] of every byte.
#[cfg(any(test, not(target_os = "none")))]
const KEEP: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        // `b` < 256, so the cast is exact.
        let byte = b as u8;
        let unreserved = if is_unreserved(byte) { 1 } else { 0 };
        let slash = if byte == b'/' { 2 } else { 0 };
        #[allow(clippy::indexing_slicing)] // const evaluation, `b` < 256: cannot panic at run time
        {
            table[b] = unreserved | slash;
        }
        b += 1;
    }
    table
};

/// Percent-encodes `bytes` into `sink` with upper-case hex, keeping unreserved characters and,
/// when `keep_slash`, `/`. On hosts, runs of kept bytes go to the sink in one call.
///
/// Over `dyn Sink`: the request writers call it with two or three sink types, and a copy per type
/// costs about 160 bytes of flash each, against one indirect call per run. A writer generic over a
/// sized sink hands its sink on as it is (no `&mut &mut` adaptor between the encoder and the sink).
///
/// One scan: each escaped byte ends the run of kept bytes before it, and the run left at the end
/// goes out last (so a value with nothing to escape, the common case, is one put).
#[cfg(not(target_os = "none"))]
pub(crate) fn percent_encode(bytes: &[u8], keep_slash: bool, sink: &mut dyn Sink) {
    let mask = if keep_slash { 3 } else { 1 };
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if keep_bits(b) & mask == 0 {
            put_nonempty(bytes.get(start..i).unwrap_or_default(), sink);
            sink.put(&[b'%', hex_digit(b >> 4, true), hex_digit(b, true)]);
            start = i + 1;
        }
    }
    put_nonempty(bytes.get(start..).unwrap_or_default(), sink);
}

/// The bare-metal [`percent_encode`]: a `put` per byte, of the byte or its escape (no runs
/// to track: smaller; slower, for the few short names of a request). The tests check it
/// against the host one.
#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
pub(crate) fn percent_encode_small(bytes: &[u8], keep_slash: bool, sink: &mut dyn Sink) {
    let mask = if keep_slash { 3 } else { 1 };
    for &b in bytes {
        let escaped = [b'%', hex_digit(b >> 4, true), hex_digit(b, true)];
        let piece = if keep_bits(b) & mask == 0 {
            &escaped[..]
        } else {
            core::slice::from_ref(&b)
        };
        sink.put(piece);
    }
}

#[cfg(target_os = "none")]
pub(crate) use percent_encode_small as percent_encode;

/// Puts `run` unless it is empty (sinks are never handed empty pieces by the encoder).
#[cfg(not(target_os = "none"))]
fn put_nonempty(run: &[u8], sink: &mut dyn Sink) {
    if !run.is_empty() {
        sink.put(run);
    }
}

/// A sink adaptor that percent-encodes everything passing through it (SigV4's second encoding of
/// the path for services other than S3).
pub(crate) struct PercentEncoding<'s, S: Sink + ?Sized> {
    pub(crate) inner: &'s mut S,
    pub(crate) keep_slash: bool,
}

impl<S: Sink + ?Sized> Sink for PercentEncoding<'_, S> {
    fn put(&mut self, bytes: &[u8]) {
        percent_encode(bytes, self.keep_slash, &mut self.inner);
    }
}

/// Decimal digits of `n`; returns the buffer and the index where the digits start.
#[cfg(any(test, not(target_os = "none")))]
///
/// `u32`, not `u64`: the numbers written are a port and a `Content-Length` capped at Lambda's
/// 6 MB, and a 64-bit division on 32-bit targets is either a call into a large runtime routine
/// or a long division by hand (about 200 bytes more than this).
pub(crate) fn decimal(mut n: u32) -> ([u8; 10], usize) {
    let mut buf = [b'0'; 10];
    let mut start = buf.len();
    loop {
        start -= 1;
        if let Some(d) = buf.get_mut(start) {
            // `n % 10` is below 10, so the cast is exact.
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || start == 0 {
            break;
        }
    }
    (buf, start)
}

/// Writes `n` in decimal.
#[cfg(not(target_os = "none"))]
pub(crate) fn put_decimal(n: u32, sink: &mut dyn Sink) {
    let (buf, start) = decimal(n);
    sink.put(buf.get(start..).unwrap_or_default());
}

/// The bare-metal [`put_decimal`]: a digit at a time from the highest power of ten, each a
/// `put` of its own (no buffer to fill, return and slice: smaller, for the two short numbers
/// of a head). The tests check it against the host one.
#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
#[inline(never)] // one copy for the `Content-Length` and the `Host` port
pub(crate) fn put_decimal_small(n: u32, sink: &mut dyn Sink) {
    // The highest power of ten not above `n` (1 for 0 to 9); `p * 10` stays below `u32::MAX`
    // because `p <= n / 10`.
    let mut p = 1u32;
    while p <= n / 10 {
        p *= 10;
    }
    loop {
        // A digit: below 10, so the cast is exact.
        sink.put(&[b'0' + (n / p % 10) as u8]);
        if p < 10 {
            break;
        }
        p /= 10;
    }
}

#[cfg(target_os = "none")]
pub(crate) use put_decimal_small as put_decimal;

/// The base64 character for the low six bits of `n` (standard alphabet), by arithmetic: no table
/// to index, so no bounds check.
const fn base64_char(n: u8) -> u8 {
    let n = n & 63;
    match n {
        0..=25 => b'A' + n,
        26..=51 => b'a' + (n - 26),
        52..=61 => b'0' + (n - 52),
        62 => b'+',
        _ => b'/',
    }
}

/// The six bits a standard-alphabet base64 character stands for; `None` for any other byte
/// (`=` included).
pub(crate) const fn base64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Standard padded base64 of `bytes`, streamed: 48 input bytes at a time through a stack buffer.
///
/// Hand-written rather than `base64ct`: the encoder there indexes sub-slices it is handed and
/// keeps bounds-check panic paths in the binary; this one works on fixed-size arrays.
#[cfg(not(target_os = "none"))]
pub(crate) fn put_base64(bytes: &[u8], sink: &mut dyn Sink) {
    let mut buf = [0u8; 64];
    let out = &mut buf;
    for chunk in bytes.chunks(48) {
        // 48 bytes encode to exactly 64 characters; a shorter last chunk to fewer.
        let mut len = 0;
        // Not a `zip` with `out.chunks_exact_mut(4)`: its size hint divides by a run-time chunk
        // size, which keeps a division-by-zero panic path.
        for triple in chunk.chunks(3) {
            let mut t = [0u8; 3];
            let n = copy_prefix(&mut t, triple);
            let [a, b, c] = t;
            let mut q = [
                base64_char(a >> 2),
                base64_char((a << 4) | (b >> 4)),
                base64_char((b << 2) | (c >> 6)),
                base64_char(c),
            ];
            // One byte gives two characters and `==`, two give three and `=`.
            for (i, slot) in q.iter_mut().enumerate() {
                if i > n {
                    *slot = b'=';
                }
            }
            if let Some(quad) = out.get_mut(len..).and_then(|o| o.first_chunk_mut::<4>()) {
                *quad = q;
            }
            len += 4;
        }
        sink.put(out.get(..len).unwrap_or_default());
    }
}

/// The bare-metal [`put_base64`]: six bits at a time from a bit accumulator, each character a
/// `put` of its own (smaller: no buffer, no blocks; slower, for a client context of at most a
/// few kilobytes). The tests check it against the host one.
#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
pub(crate) fn put_base64_small(bytes: &[u8], sink: &mut dyn Sink) {
    let mut acc = 0u32;
    let mut bits = 0u32;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            // `base64_char` keeps the low six bits: the cast drops only bits it ignores.
            sink.put(&[base64_char((acc >> bits) as u8)]);
        }
    }
    if bits > 0 {
        // 2 or 4 bits left (one byte or two of a last group): one character of them, then
        // `==` or `=`.
        sink.put(&[base64_char((acc << (6 - bits)) as u8)]);
        sink.put(b"==".get(..((6 - bits) / 2) as usize).unwrap_or_default());
    }
}

#[cfg(target_os = "none")]
pub(crate) use put_base64_small as put_base64;

/// Length of standard padded base64 for `n` input bytes.
pub(crate) const fn base64_len(n: usize) -> usize {
    // `n / 3` rounded up, without `div_ceil` (whose generic form keeps a division-by-zero path).
    let groups = n / 3 + if n % 3 == 0 { 0 } else { 1 };
    groups.saturating_mul(4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    impl Sink for Vec<u8> {
        fn put(&mut self, bytes: &[u8]) {
            self.extend_from_slice(bytes);
        }
    }

    #[test]
    fn percent_encoding_matches_botocore_rules() {
        let mut out = Vec::new();
        percent_encode(b"arn:aws:lambda:$LATEST a/b~c", false, &mut out);
        assert_eq!(out, b"arn%3Aaws%3Alambda%3A%24LATEST%20a%2Fb~c");
        let mut out = Vec::new();
        percent_encode(b"/a b/%3A", true, &mut out);
        assert_eq!(out, b"/a%20b/%253A");
    }

    #[test]
    fn hex32_matches_per_nibble_hex() {
        let mut bytes = [0u8; 32];
        for round in 0..16u8 {
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = (i as u8)
                    .wrapping_mul(37)
                    .wrapping_add(round.wrapping_mul(101));
            }
            let want: Vec<u8> = bytes
                .iter()
                .flat_map(|&b| [hex_digit(b >> 4, false), hex_digit(b, false)])
                .collect();
            // The host's form and the firmware's alike.
            assert_eq!(hex32(&bytes).to_vec(), want);
            assert_eq!(hex32_small(&bytes).to_vec(), want);
            let (mut host, mut small) = (Vec::new(), Vec::new());
            put_hex32(&bytes, &mut host);
            put_hex32_small(&bytes, &mut small);
            assert_eq!((&host, &small), (&want, &want));
            assert_eq!(
                std::str::from_utf8(&hex32(&bytes)).unwrap(),
                hex::encode(bytes)
            );
        }
        for n in 0..16u8 {
            assert_eq!(hex_digit(n, false), b"0123456789abcdef"[usize::from(n)]);
            assert_eq!(hex_digit(n, true), b"0123456789ABCDEF"[usize::from(n)]);
        }
    }

    #[test]
    fn decimal_and_base64() {
        for n in [0u32, 7, 10, 65535, 6 * 1024 * 1024, u32::MAX] {
            let (buf, start) = decimal(n);
            assert_eq!(
                std::str::from_utf8(&buf[start..]).unwrap(),
                std::format!("{n}")
            );
        }
        for len in 0..200usize {
            let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let mut out = Vec::new();
            put_base64(&data, &mut out);
            assert_eq!(out.len(), base64_len(len));
            use base64ct::{Base64, Encoding};
            let mut back = [0u8; 200];
            assert_eq!(Base64::decode(&out, &mut back).unwrap(), &data[..]);
            // The bare-metal encoder writes the same characters.
            let mut small = Vec::new();
            put_base64_small(&data, &mut small);
            assert_eq!(small, out, "length {len}");
        }
    }

    #[test]
    fn both_percent_encoders_agree() {
        let check = |data: &[u8]| {
            for keep_slash in [false, true] {
                let (mut host, mut small) = (Vec::new(), Vec::new());
                percent_encode(data, keep_slash, &mut host);
                percent_encode_small(data, keep_slash, &mut small);
                assert_eq!(small, host, "{data:?} {keep_slash}");
            }
        };
        // Every byte alone and between kept ones, then random inputs.
        for b in 0..=255u8 {
            check(&[b]);
            check(&[b'a', b, b'/', b]);
        }
        check(b"");
        proptest::proptest!(|(data in proptest::collection::vec(proptest::num::u8::ANY, 0..200))| {
            check(&data);
        });
    }

    #[test]
    fn both_decimal_writers_agree() {
        let check = |n: u32| {
            let (mut host, mut small) = (Vec::new(), Vec::new());
            put_decimal(n, &mut host);
            put_decimal_small(n, &mut small);
            assert_eq!(host, std::format!("{n}").as_bytes());
            assert_eq!(small, host, "{n}");
        };
        // Every number below 200000, every power of ten and its neighbours, then random ones.
        (0..200_000).for_each(check);
        for p in (0..10).map(|e| 10u32.pow(e)) {
            [p - 1, p, p + 1, p.saturating_mul(10) - 1]
                .into_iter()
                .for_each(check);
        }
        [u32::MAX - 1, u32::MAX].into_iter().for_each(check);
        proptest::proptest!(|(n in proptest::num::u32::ANY)| check(n));
    }

    #[test]
    fn both_base64_encoders_agree_on_every_short_input() {
        // Every input of one and two bytes (every padded last group), then random ones.
        let check = |data: &[u8]| {
            let (mut host, mut small) = (Vec::new(), Vec::new());
            put_base64(data, &mut host);
            put_base64_small(data, &mut small);
            assert_eq!(small, host, "{data:?}");
        };
        for a in 0..=255u8 {
            check(&[a]);
            for b in 0..=255u8 {
                check(&[a, b]);
            }
        }
        proptest::proptest!(|(data in proptest::collection::vec(proptest::num::u8::ANY, 0..400))| {
            check(&data);
        });
    }

    #[test]
    fn computed_keep_bits_match_the_table() {
        for b in 0..=255u8 {
            assert_eq!(keep_bits_small(b), KEEP[usize::from(b)], "{b}");
        }
        assert_eq!(KEEP.iter().filter(|&&k| k == 1).count(), 66);
        assert_eq!(KEEP[usize::from(b'/')], 2);
    }

    #[test]
    fn copy_short_copies_every_length() {
        let src: Vec<u8> = (1..=40u8).collect();
        for n in 0..=src.len() {
            let mut dst = std::vec![0u8; n];
            copy_short(&mut dst, &src[..n]);
            assert_eq!(dst, src[..n]);
        }
    }

    #[test]
    fn both_byte_comparisons_agree() {
        let words: [&[u8]; 8] = [
            b"", b"a", b"b", b"ab", b"arn", b"arm", b"lambda", b"lambdas",
        ];
        for a in words {
            for b in words {
                assert_eq!(bytes_eq_small(a, b), a == b, "{a:?} {b:?}");
                assert_eq!(bytes_eq(a, b), a == b, "{a:?} {b:?}");
            }
        }
        proptest::proptest!(|(a in proptest::collection::vec(0..3u8, 0..6), b in proptest::collection::vec(0..3u8, 0..6))| {
            proptest::prop_assert_eq!(bytes_eq_small(&a, &b), a == b);
        });
    }

    #[test]
    fn split_byte_matches_str_split() {
        for s in [
            "",
            ":",
            "a",
            "a:b",
            ":a:",
            "::",
            "é:ü:",
            "arn:aws:lambda:us-east-1:1:function:f",
        ] {
            let ours: Vec<&str> = split_byte(s, b':').collect();
            let std: Vec<&str> = s.split(':').collect();
            assert_eq!(ours, std, "{s}");
        }
        assert_eq!(split_str_at("ab", 1), ("a", "b"));
        assert_eq!(split_str_at("é", 1), ("é", ""));
        assert_eq!(split_str_at("ab", 3), ("ab", ""));
    }

    #[test]
    fn copies_of_unequal_lengths_copy_the_shorter_prefix() {
        let mut dst = [0u8; 4];
        assert_eq!(copy_prefix(&mut dst, b"abcdef"), 4);
        assert_eq!(&dst, b"abcd");
        let mut dst = [0u8; 4];
        assert_eq!(copy_prefix(&mut dst, b"xy"), 2);
        assert_eq!(&dst, b"xy\0\0");
        let mut dst = [0u8; 3];
        copy_short(&mut dst, b"12345");
        assert_eq!(&dst, b"123");
    }

    #[test]
    fn slice_writer_never_writes_past_the_end() {
        let mut buf = [0u8; 4];
        let mut w = SliceWriter::new(&mut buf);
        w.put(b"abc");
        w.put(b"de");
        assert!(w.overflowed);
        assert_eq!(w.pos, 3);
        assert_eq!(&buf, b"abc\0");
    }
}

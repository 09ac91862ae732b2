//! HMAC-SHA256 (RFC 2104) over a SHA-256 compression function (`sha2`'s on hosts, a small rolled
//! one on bare-metal targets: see [`compress`]), with the pad states precomputed on hosts.
//!
//! Why not the `hmac` crate: a SigV4 signing key is used for one HMAC per request, and that HMAC's
//! first block on each side is always `key ⊕ ipad` / `key ⊕ opad`. Keeping the two SHA-256 chaining
//! values after those blocks (as [`HmacKey`] does on hosts) saves two of the four or five
//! compressions a request's signature costs, and keeping them as plain arrays lets us zeroize them
//! on drop, which `hmac` 0.12 / `sha2` 0.10 (the versions embedded-tls links) cannot do for their
//! internal states. Bare-metal targets keep the key block instead ([`BlockKey`]): two
//! compressions more per MAC, and no routine to compute pad states.

use zeroize::Zeroize;

const BLOCK: usize = 64;

/// A block of input, as the bytes of its sixteen words. Not `[u8; 64]`: a new array of bytes
/// starts as a fill of one byte (a call to a clearing routine on bare-metal targets), where an
/// array of 4-byte elements is stored from registers (see [`Sha256Stream::resume`]).
type Block = [[u8; 4]; BLOCK / 4];

/// Messages up to this many blocks (with padding) are MACed from one stack buffer (hosts).
#[cfg(not(target_os = "none"))]
const MAC_BLOCKS: usize = 4;

/// SHA-256's initial chaining value (FIPS 180-4 §5.3.3).
const H0: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// One SHA-256 compression (FIPS 180-4 §6.2.2).
///
/// With the `small-sha256` feature: [`compress_small`], a rolled loop of about 320 bytes with its
/// 16-word schedule (plus 256 bytes of round constants), where `sha2`'s unrolled software
/// compression is about 1.7 KB on a Cortex-M4. Without it `sha2` is used (and shared with `embedded-tls`), which also picks SHA
/// extensions at run time where the CPU has them.
#[cfg(feature = "small-sha256")]
fn compress(state: &mut [u32; 8], block: &[u8; BLOCK]) {
    compress_small(state, block);
}

/// One SHA-256 compression: `sha2`'s, with its run-time CPU feature detection.
#[cfg(not(feature = "small-sha256"))]
fn compress(state: &mut [u32; 8], block: &[u8; BLOCK]) {
    let block = sha2::digest::generic_array::GenericArray::from_slice(block);
    sha2::compress256(state, core::slice::from_ref(block));
}

/// SHA-256's round constants (FIPS 180-4 §4.2.2).
#[cfg(any(test, feature = "small-sha256"))]
#[rustfmt::skip]
const K: [u32; 64] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
    0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
    0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
    0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
    0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
    0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
    0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
    0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
    0xc671_78f2,
];

/// Zeroizes key material held in words: one routine for arrays of every length.
#[inline(never)]
fn wipe_words(words: &mut [u32]) {
    words.iter_mut().zeroize();
}

/// Zeroizes key material held in bytes: one routine for arrays of every length.
#[inline(never)]
pub(crate) fn wipe_bytes(bytes: &mut [u8]) {
    bytes.iter_mut().zeroize();
}

/// SHA-256 compression as one rolled loop over the 64 rounds, the message schedule kept as a
/// 16-word ring: small rather than fast (firmware signs a request, not megabytes). Every index is
/// masked to the ring and read with `get`, so there is no panic path.
#[cfg(any(test, feature = "small-sha256"))]
fn compress_small(state: &mut [u32; 8], block: &[u8; BLOCK]) {
    // The ring starts as copies of a state word, each overwritten before it is read: a
    // zero-filled array is a call to a clearing routine. The working variables are taken word
    // by word (a copy of the whole array is a call to a copying routine).
    let [a, b, c, d, e, f, g, h] = *state;
    let mut ring = [a; 16];
    let w = &mut ring;
    let mut v = [a, b, c, d, e, f, g, h];
    for (i, &k) in K.iter().enumerate() {
        // Word `i - n` of the schedule is at `(i - n) & 15` = `(i + 16 - n) & 15` in the ring.
        let at = |w: &[u32; 16], back: usize| w.get((i + 16 - back) & 15).copied().unwrap_or(0);
        // The first 16 words are the block's, read in the rounds that use them (one loop less
        // than reading them first).
        if i < 16 {
            if let (Some(slot), Some(bytes)) = (
                w.get_mut(i & 15),
                block.get(4 * i..).and_then(|b| b.first_chunk::<4>()),
            ) {
                *slot = u32::from_be_bytes(*bytes);
            }
        } else {
            let (w15, w2) = (at(w, 15), at(w, 2));
            let s0 = w15.rotate_right(7) ^ w15.rotate_right(18) ^ (w15 >> 3);
            let s1 = w2.rotate_right(17) ^ w2.rotate_right(19) ^ (w2 >> 10);
            let next = at(w, 16)
                .wrapping_add(s0)
                .wrapping_add(at(w, 7))
                .wrapping_add(s1);
            if let Some(slot) = w.get_mut(i & 15) {
                *slot = next;
            }
        }
        let [a, b, c, d, e, f, g, h] = v;
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(k)
            .wrapping_add(at(w, 16));
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        v = [
            t1.wrapping_add(s0.wrapping_add(maj)),
            a,
            b,
            c,
            d.wrapping_add(t1),
            e,
            f,
            g,
        ];
    }
    for (s, x) in state.iter_mut().zip(&v) {
        *s = s.wrapping_add(*x);
    }
    // The schedule and working variables of a key block are key material.
    wipe_words(w);
    wipe_words(&mut v);
}

/// A SHA-256 computation that can start from any chaining value (a precomputed pad state, on
/// hosts).
///
/// It does not zeroize itself: it hashes public data (the canonical request) as a [`Sink`] (hosts:
/// an inlined `put` that copies small pieces into its block; bare-metal targets: one out-of-line
/// `put` that takes a byte at a time). [`SecretSha256`] wraps it for data derived from keys.
#[derive(Clone)]
pub(crate) struct Sha256Stream {
    state: [u32; 8],
    block: Block,
    fill: usize,
    /// Whole blocks compressed so far, including any folded into the starting state. (Bytes
    /// hashed are `blocks * 64 + fill`: a 32-bit count covers 256 GiB, far beyond any `Invoke`
    /// payload, and needs no 64-bit addition per piece; the bit length is worked out once, in
    /// `finish`.)
    blocks: u32,
}

impl Sha256Stream {
    /// A plain SHA-256 (from the standard initial value).
    pub(crate) fn new() -> Self {
        Self::resume(&H0, 0)
    }

    /// A stream whose `state` already covers `blocks_hashed` whole blocks.
    // Not inlined: several streams are started on a request's path, and each inlined start
    // (store the state and the block, set the counts) is longer than a call.
    //
    // Built from the state's words, with no array copied or cleared whole (calls to routines
    // that firmware would link for this alone): the state word by word, and the block, which
    // is not read before it is written (`fill` is 0), as two copies of them (stored with the
    // same registers; a block of one repeated value is built apart and then copied). A secret
    // state's copies are wiped with the block (`SecretSha256`).
    #[inline(never)]
    fn resume(state: &[u32; 8], blocks_hashed: u32) -> Self {
        let [a, b, c, d, e, f, g, h] = *state;
        let x = u32::to_ne_bytes;
        #[rustfmt::skip]
        let block = [
            x(a), x(b), x(c), x(d), x(e), x(f), x(g), x(h),
            x(a), x(b), x(c), x(d), x(e), x(f), x(g), x(h),
        ];
        Self {
            state: [a, b, c, d, e, f, g, h],
            block,
            fill: 0,
            blocks: blocks_hashed,
        }
    }

    #[inline]
    pub(crate) fn update(&mut self, data: &[u8]) {
        // Bare-metal targets take the general path for every piece: the inlined fast path
        // costs about 150 bytes of flash, for a speed-up no firmware needs. (The tests run the
        // general path for every length too.)
        #[cfg(not(target_os = "none"))]
        {
            // Fast path: the piece fits in the current block (most pieces are a few bytes).
            let end = self.fill + data.len();
            if end < BLOCK {
                if let Some(dst) = self.block.as_flattened_mut().get_mut(self.fill..end) {
                    crate::encode::copy_short(dst, data);
                    self.fill = end;
                    return;
                }
            }
            self.update_general(data);
        }
        // Bare-metal targets: every `update` is a call to the stream's `Sink::put`, which its
        // vtable (the hex of a hash put into a string to sign) also calls, with no routine
        // between them.
        #[cfg(target_os = "none")]
        crate::encode::Sink::put(self, data);
    }

    /// The bare-metal general path: a byte at a time into the block, compressed when full (no
    /// copies of runs, no length arithmetic; slower, for the few kilobytes a firmware request
    /// hashes). The tests check it against [`Sha256Stream::update_general`].
    #[cfg(any(test, target_os = "none"))]
    #[inline(always)]
    fn update_bytewise(&mut self, data: &[u8]) {
        for &b in data {
            // `fill` is below a block here (it is reset when it reaches one), so the remainder
            // is `fill` itself: it only lets the compiler see that the slot is always there
            // (no test and branch around the store; 12 bytes of flash less).
            if let Some(slot) = self.block.as_flattened_mut().get_mut(self.fill % BLOCK) {
                *slot = b;
            }
            self.fill += 1;
            if self.fill >= BLOCK {
                compress(&mut self.state, block_bytes(&self.block));
                self.blocks = self.blocks.wrapping_add(1);
                self.fill = 0;
            }
        }
    }

    /// The general path of `update` on hosts. Not inlined: the rare path, kept out of every
    /// inlined `update`.
    #[cfg(not(target_os = "none"))]
    #[inline(never)]
    fn update_general(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            // Whole blocks of the input are compressed where they are, not copied first (large
            // payloads go through here).
            if self.fill == 0 {
                if let Some(block) = data.first_chunk::<BLOCK>() {
                    compress(&mut self.state, block);
                    self.blocks = self.blocks.wrapping_add(1);
                    data = data.get(BLOCK..).unwrap_or_default();
                    continue;
                }
            }
            // `copy_prefix` copies what fits in the block's free tail: no length check to fail.
            let free = self
                .block
                .as_flattened_mut()
                .get_mut(self.fill..)
                .unwrap_or_default();
            let take = crate::encode::copy_prefix(free, data);
            self.fill += take;
            data = data.get(take..).unwrap_or_default();
            if self.fill >= BLOCK {
                compress(&mut self.state, block_bytes(&self.block));
                self.blocks = self.blocks.wrapping_add(1);
                self.fill = 0;
            }
        }
    }

    /// Pads, compresses the last block(s) and returns the digest. The stream is left holding the
    /// final state (the digest) and the padded last block.
    pub(crate) fn finish(&mut self) -> [u8; 32] {
        let bit_len = (u64::from(self.blocks) * BLOCK as u64 + self.fill as u64) * 8;
        // Padding: 0x80, zeros up to 8 bytes before the end of a block, then the 64-bit
        // big-endian bit length, all through `update`.
        self.pad();
        self.update(&bit_len.to_be_bytes());
        state_bytes(&self.state)
    }

    /// 0x80, then zeros up to 8 bytes before the end of a block, in one piece from a static.
    /// (Not filled in place: a fill of variable length is a call to a byte-wise clearing
    /// routine that firmware would link for this alone.)
    #[cfg(not(target_os = "none"))]
    #[inline(always)]
    fn pad(&mut self) {
        self.update(&[0x80]);
        let zeros = (2 * BLOCK - 8 - self.fill) % BLOCK;
        self.update(ZEROS.get(..zeros).unwrap_or_default());
    }

    /// [`Sha256Stream::pad`] on bare-metal targets: a byte at a time, 0x80 first (at most 64
    /// calls of `update` per hash, from one call site), which saves the 64-byte static and the
    /// length arithmetic. The tests pad with both.
    #[cfg(any(test, target_os = "none"))]
    #[inline(always)]
    fn pad_small(&mut self) {
        let mut byte = 0x80;
        loop {
            self.update(&[byte]);
            byte = 0;
            if self.fill == BLOCK - 8 {
                break;
            }
        }
    }

    #[cfg(target_os = "none")]
    #[inline(always)]
    fn pad(&mut self) {
        self.pad_small();
    }
}

/// Padding for [`Sha256Stream::pad`].
#[cfg(not(target_os = "none"))]
static ZEROS: [u8; BLOCK] = [0; BLOCK];

impl crate::encode::Sink for Sha256Stream {
    #[cfg(not(target_os = "none"))]
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }

    // Not inlined: the one copy of `update` on bare-metal targets.
    #[cfg(target_os = "none")]
    #[inline(never)]
    fn put(&mut self, bytes: &[u8]) {
        self.update_bytewise(bytes);
    }
}

/// The digest bytes of a state: each word big-endian (hosts: word by word).
#[cfg(not(target_os = "none"))]
fn state_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (dst, word) in out.chunks_exact_mut(4).zip(state) {
        crate::encode::copy_prefix(dst, &word.to_be_bytes());
    }
    out
}

/// The bare-metal [`state_bytes`]: the digest written as one array of its 32 bytes, each
/// taken from its word, with no zero-filled buffer first. (Built with `array::from_fn`, or
/// filled in a loop, the array is made apart and then copied out by a call to a copying routine
/// that firmware would link for this alone; an array of separate values is stored where it is
/// returned, a word at a time.) The tests check it against the host one.
#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
fn state_bytes_small(state: &[u32; 8]) -> [u8; 32] {
    let [a, b, c, d, e, f, g, h] = *state;
    let [a0, a1, a2, a3] = a.to_be_bytes();
    let [b0, b1, b2, b3] = b.to_be_bytes();
    let [c0, c1, c2, c3] = c.to_be_bytes();
    let [d0, d1, d2, d3] = d.to_be_bytes();
    let [e0, e1, e2, e3] = e.to_be_bytes();
    let [f0, f1, f2, f3] = f.to_be_bytes();
    let [g0, g1, g2, g3] = g.to_be_bytes();
    let [h0, h1, h2, h3] = h.to_be_bytes();
    [
        a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, d0, d1, d2, d3, e0, e1, e2, e3, f0, f1, f2,
        f3, g0, g1, g2, g3, h0, h1, h2, h3,
    ]
}

#[cfg(target_os = "none")]
use state_bytes_small as state_bytes;

/// A borrowed [`Sha256Stream`] over data derived from a secret (a key longer than a block, an
/// HMAC state): zeroizes the stream's state and buffered input on drop.
///
/// A guard over a stream that stays in its own local, not a wrapper that owns it: a new stream
/// moved into a wrapper with a destructor is built and then copied (a call to an aligned-copy
/// routine that firmware would link for this alone); borrowed, it is built where it stays.
struct SecretSha256<'s>(&'s mut Sha256Stream);

impl Drop for SecretSha256<'_> {
    fn drop(&mut self) {
        wipe_words(&mut self.0.state);
        wipe_bytes(self.0.block.as_flattened_mut());
    }
}

/// An HMAC-SHA256 key reduced to its two pad states: each MAC then costs the message's blocks plus
/// one outer block. (Hosts: bare-metal targets keep the key block, [`BlockKey`].)
#[cfg(not(target_os = "none"))]
#[derive(Clone)]
pub(crate) struct HmacKey {
    /// The inner and outer pad states, side by side (cleared by one call).
    pads: [[u32; 8]; 2],
}

#[cfg(not(target_os = "none"))]
impl HmacKey {
    #[cfg(test)]
    pub(crate) fn new(key: &[u8]) -> Self {
        Self::from_parts(&[key])
    }

    /// The key that is the concatenation of `parts` (SigV4's `"AWS4" + secret`), without a
    /// buffer holding a copy of it: see [`HmacKey::rekey`].
    #[cfg(test)]
    pub(crate) fn from_parts(parts: &[&[u8]]) -> Self {
        let mut key = Self::blank(parts.len());
        key.rekey(parts);
        key
    }

    /// A key to [`HmacKey::rekey`] before use: its states are any value (here `H0`; `seed`,
    /// which [`BlockKey::blank`] uses to build its block word by word for firmware, is not
    /// needed on hosts).
    #[inline(always)]
    pub(crate) fn blank(_seed: usize) -> Self {
        Self { pads: [H0; 2] }
    }

    /// Makes this the key that is the concatenation of `parts`, in place (SigV4's derivation
    /// keys each step with the MAC of the one before: no new key is moved into the old one's
    /// place). A short key goes straight into the pad block, a long one (over a block) is
    /// hashed first, as RFC 2104 requires.
    pub(crate) fn rekey(&mut self, parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > BLOCK {
            let mut digest = sha256(parts);
            self.set_pads(&[&digest]);
            wipe_bytes(&mut digest);
        } else {
            self.set_pads(parts);
        }
    }

    /// Makes the MAC of `message` this key, in place (a step of SigV4's key derivation). The
    /// MAC is 32 bytes: no check for a key longer than a block.
    pub(crate) fn rekey_with_mac(&mut self, message: &[u8]) {
        let mut k = self.mac(&[message]);
        self.set_pads(&[&k]);
        wipe_bytes(&mut k);
    }

    /// Sets both pad states for the key that is the concatenation of `parts` (at most a block).
    // Not inlined: two call sites.
    #[inline(never)]
    fn set_pads(&mut self, parts: &[&[u8]]) {
        // (Any value: `key_block` writes every byte.)
        let mut block: Block = [[0; 4]; BLOCK / 4];
        key_block(parts, &mut block);
        let [inner, outer] = &mut self.pads;
        pad_state(&mut block, 0x36, inner);
        // ipad ^ opad = 0x36 ^ 0x5c = 0x6a turns the inner pad block into the outer one.
        pad_state(&mut block, 0x36 ^ 0x5c, outer);
        wipe_bytes(block.as_flattened_mut());
    }

    /// The MAC of the concatenation of `parts`.
    ///
    /// A message of up to [`MAC_BLOCKS`] blocks with its padding (every key-derivation step, and
    /// every string to sign whose region and service are not both near their 63-character
    /// limits) is laid out once in a stack buffer and compressed block by block; a longer one is
    /// streamed. The outer hash is always one block.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let buffered = len + 9 <= MAC_BLOCKS * BLOCK;
        let [inner, outer] = &self.pads;
        let mut inner_digest = if buffered {
            self.inner_hash_buffered(parts, len)
        } else {
            secret_hash(inner, 1, parts)
        };
        // Outer: `key ^ opad` (precomputed) then the inner digest, through the same stream code
        // as the inner hash rather than a block laid out by hand.
        let digest = secret_hash(outer, 1, &[&inner_digest]);
        wipe_bytes(&mut inner_digest);
        digest
    }

    /// The MAC of the concatenation of `parts` and, if given, the lower-case hex of `hex_tail`:
    /// [`BlockKey::mac_with_hex`]'s counterpart, for the tests that compare the two (hosts sign
    /// through [`HmacKey::mac`] over the hex, `SigningKey::signature_bytes`), as that MAC.
    #[cfg(test)]
    pub(crate) fn mac_with_hex(&self, parts: &[&[u8]], hex_tail: Option<&[u8; 32]>) -> [u8; 32] {
        let hex = hex_tail.map(crate::encode::hex32);
        let mut all: std::vec::Vec<&[u8]> = parts.to_vec();
        all.extend(hex.as_ref().map(|h| &h[..]));
        self.mac(&all)
    }

    /// The inner hash of a message of `len` bytes that fits [`MAC_BLOCKS`] blocks with padding.
    fn inner_hash_buffered(&self, parts: &[&[u8]], len: usize) -> [u8; 32] {
        let mut buf = [0u8; MAC_BLOCKS * BLOCK];
        let mut pos = 0;
        for part in parts {
            if let Some(dst) = buf.get_mut(pos..pos + part.len()) {
                crate::encode::copy_short(dst, part);
            }
            pos += part.len();
        }
        if let Some(b) = buf.get_mut(pos) {
            *b = 0x80;
        }
        // Whole blocks holding the message, 0x80 and the 8-byte length (`len + 9` rounded up).
        let end = (len + 9 + (BLOCK - 1)) & !(BLOCK - 1);
        let bit_len = ((BLOCK + len) as u64).wrapping_mul(8);
        if let Some(dst) = buf.get_mut(..end).and_then(|b| b.last_chunk_mut::<8>()) {
            *dst = bit_len.to_be_bytes();
        }
        let [inner, _] = &self.pads;
        let mut state = *inner;
        for block in buf.get(..end).unwrap_or_default().chunks_exact(BLOCK) {
            if let Ok(block) = <&[u8; BLOCK]>::try_from(block) {
                compress(&mut state, block);
            }
        }
        // The message itself is public (a string to sign, a date, a region…); the state is the
        // inner digest, derived from the key.
        let digest = state_bytes(&state);
        state.zeroize();
        digest
    }
}

/// XORs `pad` into every byte of `block` and sets `state` to the chaining value after
/// compressing it from the initial one: a pad state of [`HmacKey`]. One routine for both pads,
/// not inlined into each.
#[cfg(not(target_os = "none"))]
#[inline(never)]
fn pad_state(block: &mut Block, pad: u8, state: &mut [u32; 8]) {
    for b in block.as_flattened_mut() {
        *b ^= pad;
    }
    *state = H0;
    compress(state, block_bytes(block));
}

/// The bytes of a block, in order.
fn block_bytes(block: &Block) -> &[u8; BLOCK] {
    // Always 64 bytes: the fallback is never taken (and compiled out).
    block
        .as_flattened()
        .first_chunk::<BLOCK>()
        .unwrap_or(&[0; BLOCK])
}

/// Writes the concatenation of `parts` (at most a block) into `block`, zero-padded (hosts: the
/// block cleared, then each part copied).
#[cfg(not(target_os = "none"))]
fn key_block(parts: &[&[u8]], block: &mut Block) {
    let bytes = block.as_flattened_mut();
    bytes.fill(0);
    let mut pos = 0;
    for part in parts {
        let free = bytes.get_mut(pos..).unwrap_or_default();
        pos += crate::encode::copy_prefix(free, part);
    }
}

/// Byte `i` of the concatenation of `parts`, 0 past its end: the key block of
/// [`BlockKey::set_block`], a byte at a time (a copy of each part then a zero fill of the rest
/// is a call to a clearing routine on bare-metal targets).
#[cfg(any(test, target_os = "none"))]
fn key_byte(parts: &[&[u8]], mut i: usize) -> u8 {
    for part in parts {
        match part.get(i) {
            Some(&b) => return b,
            None => i -= part.len(),
        }
    }
    0
}

/// SHA-256 of the concatenation of `parts` (a key longer than a block, a payload).
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    #[cfg(not(target_os = "none"))]
    {
        secret_hash(&H0, 0, parts)
    }
    #[cfg(target_os = "none")]
    {
        keyed_hash(None, parts, None)
    }
}

/// The digest of the concatenation of `parts` hashed on from `state`, which covers
/// `blocks_hashed` blocks, through a stream zeroized after: the inner and outer hashes of a MAC
/// and the hash of a long key. Not inlined: one copy serves the three, and its hash state takes
/// stack only while it runs. (Hosts: bare-metal targets have [`keyed_hash`].)
#[cfg(not(target_os = "none"))]
#[inline(never)]
fn secret_hash(state: &[u32; 8], blocks_hashed: u32, parts: &[&[u8]]) -> [u8; 32] {
    let mut stream = Sha256Stream::resume(state, blocks_hashed);
    let secret = SecretSha256(&mut stream);
    for part in parts {
        secret.0.update(part);
    }
    secret.0.finish()
}

#[cfg(not(target_os = "none"))]
impl Drop for HmacKey {
    fn drop(&mut self) {
        wipe_words(self.pads.as_flattened_mut());
    }
}

/// An HMAC-SHA256 key as its key block (the key zero-padded to a block, or the hash of a key
/// longer than a block, zero-padded): the bare-metal [`HmacKey`], with the same methods. Each
/// MAC hashes its two pad blocks from it, a byte at a time: two compressions more per MAC than
/// from pad states, whose computation when the key is set takes a routine of its own, and
/// firmware spends the time rather than the flash. The tests compare the two.
#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
pub(crate) struct BlockKey {
    block: Block,
}

#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
impl BlockKey {
    #[cfg(test)]
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut k = Self::blank(key.len());
        k.rekey(&[key]);
        k
    }

    /// A key to [`BlockKey::rekey`] before use: its block is any value (`seed` and the number
    /// after it, in turn), stored word by word where the key is built (zeros or one repeated
    /// word make a whole array built apart and then copied, or cleared, by calls to routines
    /// firmware would link for this alone).
    #[inline(always)]
    pub(crate) fn blank(seed: usize) -> Self {
        // The seed is a length: the cast keeps its low bits, all that is needed.
        let x = (seed as u32).to_ne_bytes();
        let y = (seed as u32).wrapping_add(1).to_ne_bytes();
        Self {
            block: [x, y, x, y, x, y, x, y, x, y, x, y, x, y, x, y],
        }
    }

    /// Makes this the key that is the concatenation of `parts`, in place (SigV4's derivation
    /// keys each step with the MAC of the one before); a key over a block is hashed first, as
    /// RFC 2104 requires.
    pub(crate) fn rekey(&mut self, parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > BLOCK {
            let mut digest = sha256(parts);
            self.set_block(&[&digest]);
            wipe_bytes(&mut digest);
        } else {
            self.set_block(parts);
        }
    }

    /// Makes the MAC of `message` this key, in place (a step of SigV4's key derivation).
    pub(crate) fn rekey_with_mac(&mut self, message: &[u8]) {
        let mut k = self.mac(&[message]);
        self.set_block(&[&k]);
        wipe_bytes(&mut k);
    }

    /// Sets the block to the concatenation of `parts` (at most a block), zero-padded, a byte at
    /// a time (see [`key_byte`]). Not inlined: two call sites.
    #[inline(never)]
    fn set_block(&mut self, parts: &[&[u8]]) {
        for (i, b) in self.block.as_flattened_mut().iter_mut().enumerate() {
            *b = key_byte(parts, i);
        }
    }

    /// The MAC of the concatenation of `parts`.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        self.mac_with_hex(parts, None)
    }

    /// The MAC of the concatenation of `parts` and, if given, the lower-case hex of `hex_tail`
    /// (the canonical request's hash, last line of a string to sign), streamed.
    pub(crate) fn mac_with_hex(&self, parts: &[&[u8]], hex_tail: Option<&[u8; 32]>) -> [u8; 32] {
        let mut inner_digest = keyed_hash(Some((&self.block, 0x36)), parts, hex_tail);
        let digest = keyed_hash(Some((&self.block, 0x5c)), &[&inner_digest], None);
        wipe_bytes(&mut inner_digest);
        digest
    }
}

#[cfg(any(test, target_os = "none"))]
impl Drop for BlockKey {
    fn drop(&mut self) {
        wipe_bytes(self.block.as_flattened_mut());
    }
}

#[cfg(target_os = "none")]
pub(crate) use BlockKey as HmacKey;

/// The bare-metal [`secret_hash`]: the digest of `key ^ pad` (a key block and the pad byte, if
/// given: the first block of a MAC's inner or outer hash), the concatenation of `parts`, then
/// the lower-case hex of `hex_tail` if any, from the initial state, through a stream zeroized
/// after. Not inlined: one copy serves both hashes of a MAC and the hash of a long key or a
/// payload.
#[cfg(any(test, target_os = "none"))]
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
#[inline(never)]
fn keyed_hash(key: Option<(&Block, u8)>, parts: &[&[u8]], hex_tail: Option<&[u8; 32]>) -> [u8; 32] {
    let mut stream = Sha256Stream::new();
    let secret = SecretSha256(&mut stream);
    if let Some((block, pad)) = key {
        for &b in block.as_flattened() {
            secret.0.update(&[b ^ pad]);
        }
    }
    for part in parts {
        secret.0.update(part);
    }
    if let Some(tail) = hex_tail {
        crate::encode::put_hex32(tail, secret.0);
    }
    secret.0.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> std::string::String {
        hex::encode(b)
    }

    #[test]
    fn both_state_bytes_agree() {
        for seed in 0..64u32 {
            let state: [u32; 8] = core::array::from_fn(|i| {
                seed.wrapping_mul(0x9e37_79b9) ^ (i as u32) << (seed % 24)
            });
            let want: std::vec::Vec<u8> = state.iter().flat_map(|w| w.to_be_bytes()).collect();
            assert_eq!(&state_bytes(&state)[..], &want[..]);
            assert_eq!(&state_bytes_small(&state)[..], &want[..]);
        }
    }

    #[test]
    fn both_key_blocks_agree() {
        let data: std::vec::Vec<u8> = (1..=64u8).collect();
        for a in 0..=BLOCK {
            for b in (0..=BLOCK - a).step_by(7) {
                let parts: [&[u8]; 2] = [&data[..a], &data[64 - b..]];
                let mut host = [[0xAA; 4]; BLOCK / 4];
                key_block(&parts, &mut host);
                let small: std::vec::Vec<u8> = (0..BLOCK).map(|i| key_byte(&parts, i)).collect();
                assert_eq!(&small[..], host.as_flattened(), "{a} {b}");
                let want: std::vec::Vec<u8> = parts.concat();
                assert_eq!(&host.as_flattened()[..a + b], &want[..]);
                assert!(host.as_flattened()[a + b..].iter().all(|&x| x == 0));
            }
        }
    }

    #[test]
    fn both_key_forms_agree() {
        // Keys of every length up to past two blocks (those over a block are hashed first),
        // split in two parts every way up to a block, set from differing blank keys; MACs of
        // messages of several lengths, with and without a hex tail, and a chain of rekeys by
        // MAC as SigV4's key derivation makes.
        let data: std::vec::Vec<u8> = (0..200u32).map(|i| (i * 37 + 11) as u8).collect();
        let tail: [u8; 32] = core::array::from_fn(|i| (i * 29 + 3) as u8);
        for len in 0..=2 * BLOCK + 9 {
            let splits = if len <= BLOCK { len } else { 0 };
            for a in (0..=splits).step_by(5).chain([splits]) {
                let parts: [&[u8]; 2] = [&data[..a], &data[a..len]];
                let (mut host, mut small) = (HmacKey::blank(1), BlockKey::blank(2));
                host.rekey(&parts);
                small.rekey(&parts);
                for m in [0, 1, 55, 56, 64, 119, 120, 200] {
                    let msg = &data[..m];
                    assert_eq!(small.mac(&[msg]), host.mac(&[msg]), "{len} {a} {m}");
                    assert_eq!(
                        small.mac_with_hex(&[msg], Some(&tail)),
                        host.mac_with_hex(&[msg], Some(&tail)),
                        "{len} {a} {m}"
                    );
                }
                for step in [&b"20250601"[..], b"us-east-1", b"lambda", b"aws4_request"] {
                    host.rekey_with_mac(step);
                    small.rekey_with_mac(step);
                    assert_eq!(small.mac(&[step]), host.mac(&[step]), "{len} {a}");
                }
            }
        }
    }

    #[test]
    fn rfc4231_vectors() {
        // RFC 4231 test cases 1, 2, 6 (key longer than a block) and 7.
        let cases: [(&[u8], &[u8], &str); 4] = [
            (
                &[0x0b; 20],
                b"Hi There",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                &[0xaa; 131],
                b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];
        for (key, msg, want) in cases {
            assert_eq!(hex(&HmacKey::new(key).mac(&[msg])), want);
            assert_eq!(hex(&BlockKey::new(key).mac(&[msg])), want);
            // Split messages hash the same as whole ones.
            let (a, b) = msg.split_at(msg.len() / 3);
            assert_eq!(hex(&HmacKey::new(key).mac(&[a, b])), want);
            assert_eq!(hex(&BlockKey::new(key).mac(&[a, b])), want);
        }
    }

    #[test]
    fn long_messages_are_streamed_with_the_same_result() {
        use sha2::Digest;
        // HMAC by its definition, with sha2 alone.
        fn reference(key: &[u8], msg: &[u8]) -> [u8; 32] {
            let mut k = [0u8; 64];
            k[..key.len()].copy_from_slice(key);
            let pad = |x: u8| k.map(|b| b ^ x);
            let inner = sha2::Sha256::new()
                .chain_update(pad(0x36))
                .chain_update(msg)
                .finalize();
            sha2::Sha256::new()
                .chain_update(pad(0x5c))
                .chain_update(inner)
                .finalize()
                .into()
        }
        let key = b"a signing key of 32 bytes, say..";
        let msg: std::vec::Vec<u8> = (0..700u32).map(|i| (i * 13) as u8).collect();
        let mac = HmacKey::new(key);
        // Around the buffered/streamed boundary (MAC_BLOCKS * 64 - 9 bytes) and well past it.
        for len in (0..40)
            .chain(MAC_BLOCKS * BLOCK - 20..MAC_BLOCKS * BLOCK + 20)
            .chain([700])
        {
            let m = &msg[..len];
            let (a, b) = m.split_at(len / 2);
            assert_eq!(mac.mac(&[a, b]), reference(key, m), "length {len}");
        }
    }

    #[test]
    fn small_compression_matches_sha2() {
        let mut block = [0u8; BLOCK];
        let mut state = H0;
        let mut reference = H0;
        for round in 0..64u32 {
            for (i, b) in block.iter_mut().enumerate() {
                *b = (i as u32)
                    .wrapping_mul(97)
                    .wrapping_add(round.wrapping_mul(31)) as u8;
            }
            compress_small(&mut state, &block);
            let ga = sha2::digest::generic_array::GenericArray::from_slice(&block);
            sha2::compress256(&mut reference, core::slice::from_ref(ga));
            assert_eq!(state, reference, "round {round}");
        }
    }

    #[test]
    fn sha256_padding_at_every_length() {
        use sha2::Digest;
        let data: std::vec::Vec<u8> = (0..300u32).map(|i| (i * 31) as u8).collect();
        for len in 0..data.len() {
            let mut s = Sha256Stream::new();
            s.update(&data[..len]);
            let want: [u8; 32] = sha2::Sha256::digest(&data[..len]).into();
            assert_eq!(s.finish(), want, "length {len}");
            // The hosts' general path alone, in pieces of every size from 1 to 13 bytes.
            let mut s = Sha256Stream::new();
            let mut rest = &data[..len];
            let mut piece = 1;
            while !rest.is_empty() {
                let (a, b) = rest.split_at(piece.min(rest.len()));
                s.update_general(a);
                rest = b;
                piece = piece % 13 + 1;
            }
            assert_eq!(s.finish(), want, "pieces, length {len}");
            // Both forms of the general path (bare-metal targets' is a byte at a time), the data
            // whole and in pieces of 1 to 13 bytes then 70.
            for host in [false, true] {
                let update = |s: &mut Sha256Stream, d: &[u8]| match host {
                    true => s.update_general(d),
                    false => s.update_bytewise(d),
                };
                let mut whole = Sha256Stream::new();
                update(&mut whole, &data[..len]);
                assert_eq!(whole.finish(), want, "{host}, length {len}");
                let mut s = Sha256Stream::new();
                let mut rest = &data[..len];
                let mut piece = 1;
                while !rest.is_empty() {
                    let (a, b) = rest.split_at(piece.min(rest.len()));
                    update(&mut s, a);
                    rest = b;
                    piece = if piece == 13 { 70 } else { piece % 70 + 1 };
                }
                assert_eq!(s.finish(), want, "{host}, pieces, length {len}");
            }
            // Both ways of padding (0x80, then zeros) leave the same stream.
            let mut s = Sha256Stream::new();
            s.update(&data[..len]);
            let mut small = s.clone();
            s.pad();
            small.pad_small();
            assert_eq!(
                (small.fill, small.blocks),
                (s.fill, s.blocks),
                "length {len}"
            );
            assert_eq!(
                (small.state, small.block),
                (s.state, s.block),
                "length {len}"
            );
        }
    }
}

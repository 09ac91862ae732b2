//! HMAC-SHA256 (RFC 2104) over `sha2`'s compression function, with the pad states precomputed.
//!
//! Why not the `hmac` crate: a SigV4 signing key is used for one HMAC per request, and that HMAC's
//! first block on each side is always `key ⊕ ipad` / `key ⊕ opad`. Keeping the two SHA-256 chaining
//! values after those blocks (as [`HmacKey`] does) saves two of the four or five compressions a
//! request's signature costs, and keeping them as plain arrays lets us zeroize them on drop, which
//! `hmac` 0.12 / `sha2` 0.10 (the versions embedded-tls links) cannot do for their internal states.

use sha2::digest::generic_array::GenericArray;
use zeroize::Zeroize;

const BLOCK: usize = 64;

/// Messages up to this many blocks (with padding) are MACed from one stack buffer.
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

fn compress(state: &mut [u32; 8], block: &[u8; BLOCK]) {
    let block = GenericArray::from_slice(block);
    sha2::compress256(state, core::slice::from_ref(block));
}

/// A SHA-256 computation that can start from any chaining value (a precomputed pad state).
///
/// It does not zeroize itself: it hashes public data (the canonical request) as a [`Sink`], with
/// an inlined `put` that copies small pieces into its block. [`SecretSha256`] wraps it for data
/// derived from keys.
pub(crate) struct Sha256Stream {
    state: [u32; 8],
    block: [u8; BLOCK],
    fill: usize,
    /// Bytes hashed so far, including any blocks folded into the starting state.
    total: u64,
}

impl Sha256Stream {
    /// A plain SHA-256 (from the standard initial value).
    pub(crate) fn new() -> Self {
        Self::resume(H0, 0)
    }

    fn resume(state: [u32; 8], already_hashed: u64) -> Self {
        Self {
            state,
            block: [0; BLOCK],
            fill: 0,
            total: already_hashed,
        }
    }

    #[inline]
    pub(crate) fn update(&mut self, data: &[u8]) {
        // Fast path: the piece fits in the current block (most pieces are a few bytes).
        let end = self.fill + data.len();
        if end < BLOCK {
            if let Some(dst) = self.block.get_mut(self.fill..end) {
                crate::encode::copy_short(dst, data);
                self.fill = end;
                self.total = self.total.wrapping_add(data.len() as u64);
                return;
            }
        }
        self.update_slow(data);
    }

    fn update_slow(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        while !data.is_empty() {
            let take = (BLOCK - self.fill).min(data.len());
            let (head, rest) = data.split_at(take);
            if let Some(dst) = self.block.get_mut(self.fill..self.fill + take) {
                dst.copy_from_slice(head);
            }
            self.fill += take;
            data = rest;
            if self.fill == BLOCK {
                compress(&mut self.state, &self.block);
                self.fill = 0;
            }
        }
    }

    /// Pads, compresses the last block(s) and returns the digest. The stream is left holding the
    /// final state (the digest) and the padded last block.
    pub(crate) fn finish(&mut self) -> [u8; 32] {
        let bit_len = self.total.wrapping_mul(8);
        // Padding: 0x80, zeros, then the 64-bit big-endian bit length in the last 8 bytes.
        if let Some(b) = self.block.get_mut(self.fill) {
            *b = 0x80;
        }
        self.fill += 1;
        if self.fill > BLOCK - 8 {
            if let Some(tail) = self.block.get_mut(self.fill..) {
                tail.fill(0);
            }
            compress(&mut self.state, &self.block);
            self.fill = 0;
        }
        if let Some(zeros) = self.block.get_mut(self.fill..BLOCK - 8) {
            zeros.fill(0);
        }
        if let Some(len) = self.block.get_mut(BLOCK - 8..) {
            len.copy_from_slice(&bit_len.to_be_bytes());
        }
        compress(&mut self.state, &self.block);
        state_bytes(&self.state)
    }
}

impl crate::encode::Sink for Sha256Stream {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

fn state_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (dst, word) in out.chunks_exact_mut(4).zip(state) {
        dst.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// A [`Sha256Stream`] over data derived from a secret (a key longer than a block, an HMAC state):
/// zeroizes its state and buffered input on drop.
struct SecretSha256(Sha256Stream);

impl Drop for SecretSha256 {
    fn drop(&mut self) {
        self.0.state.zeroize();
        self.0.block.zeroize();
    }
}

/// An HMAC-SHA256 key reduced to its two pad states: each MAC then costs the message's blocks plus
/// one outer block.
#[derive(Clone)]
pub(crate) struct HmacKey {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl HmacKey {
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut padded = [0u8; BLOCK];
        if key.len() > BLOCK {
            let mut long = SecretSha256(Sha256Stream::new());
            long.0.update(key);
            let mut digest = long.0.finish();
            if let Some(dst) = padded.get_mut(..32) {
                dst.copy_from_slice(&digest);
            }
            digest.zeroize();
        } else if let Some(dst) = padded.get_mut(..key.len()) {
            dst.copy_from_slice(key);
        }
        for b in &mut padded {
            *b ^= 0x36;
        }
        let mut inner = H0;
        compress(&mut inner, &padded);
        // ipad ^ opad = 0x36 ^ 0x5c = 0x6a turns the inner pad block into the outer one.
        for b in &mut padded {
            *b ^= 0x36 ^ 0x5c;
        }
        let mut outer = H0;
        compress(&mut outer, &padded);
        padded.zeroize();
        Self { inner, outer }
    }

    /// The MAC of the concatenation of `parts`.
    ///
    /// A message of up to [`MAC_BLOCKS`] blocks with its padding (every key-derivation step, and
    /// every string to sign whose region and service are not both near their 63-character
    /// limits) is laid out once in a stack buffer and compressed block by block; a longer one is
    /// streamed. The outer hash is always one block.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let mut inner_digest = if len + 9 <= MAC_BLOCKS * BLOCK {
            self.inner_hash_buffered(parts, len)
        } else {
            let mut inner = SecretSha256(Sha256Stream::resume(self.inner, BLOCK as u64));
            for part in parts {
                inner.0.update(part);
            }
            inner.0.finish()
        };
        // Outer: `key ^ opad` (precomputed) then one block: the inner digest, 0x80, zeros and
        // the bit length of 64 + 32 bytes.
        let mut block = [0u8; BLOCK];
        if let Some(dst) = block.get_mut(..32) {
            dst.copy_from_slice(&inner_digest);
        }
        inner_digest.zeroize();
        if let Some(b) = block.get_mut(32) {
            *b = 0x80;
        }
        if let Some(dst) = block.get_mut(BLOCK - 8..) {
            dst.copy_from_slice(&(((BLOCK + 32) * 8) as u64).to_be_bytes());
        }
        let mut outer = self.outer;
        compress(&mut outer, &block);
        if let Some(digest) = block.get_mut(..32) {
            digest.zeroize();
        }
        let mac = state_bytes(&outer);
        outer.zeroize();
        mac
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
        let blocks = (len + 9).div_ceil(BLOCK);
        let end = blocks * BLOCK;
        let bit_len = ((BLOCK + len) as u64).wrapping_mul(8);
        if let Some(dst) = buf.get_mut(end - 8..end) {
            dst.copy_from_slice(&bit_len.to_be_bytes());
        }
        let mut state = self.inner;
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

impl Drop for HmacKey {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> std::string::String {
        hex::encode(b)
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
            // Split messages hash the same as whole ones.
            let (a, b) = msg.split_at(msg.len() / 3);
            assert_eq!(hex(&HmacKey::new(key).mac(&[a, b])), want);
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
    fn sha256_padding_at_every_length() {
        use sha2::Digest;
        let data: std::vec::Vec<u8> = (0..300u32).map(|i| (i * 31) as u8).collect();
        for len in 0..data.len() {
            let mut s = Sha256Stream::new();
            s.update(&data[..len]);
            let want: [u8; 32] = sha2::Sha256::digest(&data[..len]).into();
            assert_eq!(s.finish(), want, "length {len}");
        }
    }
}

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

/// A SHA-256 computation that can start from any chaining value (a precomputed pad state), and
/// that zeroizes its state and buffered input on drop (both derive from secret keys here).
struct Sha256Stream {
    state: [u32; 8],
    block: [u8; BLOCK],
    fill: usize,
    /// Bytes hashed so far, including any blocks folded into the starting state.
    total: u64,
}

impl Sha256Stream {
    fn resume(state: [u32; 8], already_hashed: u64) -> Self {
        Self {
            state,
            block: [0; BLOCK],
            fill: 0,
            total: already_hashed,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
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

    fn finish(mut self) -> [u8; 32] {
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
        let mut out = [0u8; 32];
        for (dst, word) in out.chunks_exact_mut(4).zip(self.state) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

impl Drop for Sha256Stream {
    fn drop(&mut self) {
        self.state.zeroize();
        self.block.zeroize();
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
            let mut long = Sha256Stream::resume(H0, 0);
            long.update(key);
            let mut digest = long.finish();
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
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut inner = Sha256Stream::resume(self.inner, BLOCK as u64);
        for part in parts {
            inner.update(part);
        }
        let mut inner_digest = inner.finish();
        let mut outer = Sha256Stream::resume(self.outer, BLOCK as u64);
        outer.update(&inner_digest);
        inner_digest.zeroize();
        outer.finish()
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
    fn sha256_padding_at_every_length() {
        use sha2::Digest;
        let data: std::vec::Vec<u8> = (0..300u32).map(|i| (i * 31) as u8).collect();
        for len in 0..data.len() {
            let mut s = Sha256Stream::resume(H0, 0);
            s.update(&data[..len]);
            let want: [u8; 32] = sha2::Sha256::digest(&data[..len]).into();
            assert_eq!(s.finish(), want, "length {len}");
        }
    }
}

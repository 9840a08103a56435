//! Checksums for lanes' own files under `.git/lanes/` (caches, see
//! [`cache::envelope`](super::cache::envelope)): damage to one (a disk
//! error, a cut-off copy, a stray edit) must mean "rebuild", never cards or
//! history shown wrong. Not cryptographic (whoever can write
//! `.git/` can do anything): fast, and sure to notice a changed word.

use std::io::{self, Write};

const K: u64 = 0x9e37_79b9_7f4a_7c15;

/// A running 64-bit checksum. Each 8-byte word goes through a bijective
/// step (xor, multiply by an odd constant, rotate), so changing any one
/// word always changes the result; the length is mixed in at the end.
#[derive(Clone)]
pub struct Sum {
    h: u64,
    tail: [u8; 8],
    tail_len: usize,
    len: u64,
}

impl Default for Sum {
    fn default() -> Self {
        Sum::new()
    }
}

impl Sum {
    pub fn new() -> Sum {
        Sum {
            h: 0x243f_6a88_85a3_08d3,
            tail: [0; 8],
            tail_len: 0,
            len: 0,
        }
    }

    fn word(&mut self, w: u64) {
        self.h = (self.h ^ w).wrapping_mul(K).rotate_left(29);
    }

    pub fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.tail_len > 0 {
            let take = (8 - self.tail_len).min(bytes.len());
            self.tail[self.tail_len..self.tail_len + take].copy_from_slice(&bytes[..take]);
            self.tail_len += take;
            bytes = &bytes[take..];
            if self.tail_len < 8 {
                return;
            }
            self.word(u64::from_le_bytes(self.tail));
            self.tail_len = 0;
        }
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.word(u64::from_le_bytes(w.try_into().unwrap_or_default()));
        }
        let rest = words.remainder();
        self.tail[..rest.len()].copy_from_slice(rest);
        self.tail_len = rest.len();
    }

    pub fn finish(&self) -> u64 {
        let mut s = self.clone();
        if s.tail_len > 0 {
            let mut last = [0u8; 8];
            last[..s.tail_len].copy_from_slice(&s.tail[..s.tail_len]);
            s.word(u64::from_le_bytes(last));
        }
        s.word(s.len);
        let mut h = s.h;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

/// The checksum of `bytes`.
pub fn sum(bytes: &[u8]) -> u64 {
    let mut s = Sum::new();
    s.update(bytes);
    s.finish()
}

/// A writer that sums what passes through it.
pub struct Summing<'a> {
    pub inner: &'a mut dyn Write,
    pub sum: Sum,
}

impl Write for Summing<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sum.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_change_is_seen_and_pieces_sum_as_a_whole() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = sum(&data);
        for cut in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let mut s = Sum::new();
            s.update(&data[..cut]);
            s.update(&data[cut..]);
            assert_eq!(s.finish(), whole, "cut at {cut}");
        }
        for i in 0..data.len() {
            for bit in [0, 3, 7] {
                let mut d = data.clone();
                d[i] ^= 1 << bit;
                assert_ne!(sum(&d), whole, "flip at {i}:{bit}");
            }
        }
        assert_ne!(sum(&data[..999]), whole);
        let mut zeros = data.clone();
        zeros.extend_from_slice(&[0; 8]);
        assert_ne!(sum(&zeros), whole);
    }
}

//! Card ids: short, lowercase base32 (Crockford alphabet without i, l, o, u),
//! random so that two clones minting cards offline never collide.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The characters an id is made of.
pub const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Length of a newly minted id: 50 random bits.
pub const ID_LEN: usize = 10;
/// Length of the short form shown to people and in commit subjects.
pub const SHORT_LEN: usize = 6;

/// Mint a new random id.
pub fn new_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // RandomState is seeded from the operating system's randomness; mixing in
    // the time and a counter keeps ids distinct within one process too.
    let mut h = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.write_u128(nanos);
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    let mut bits = h.finish();
    let mut out = String::with_capacity(ID_LEN);
    for _ in 0..ID_LEN {
        out.push(ALPHABET[(bits & 31) as usize] as char);
        bits >>= 5;
    }
    out
}

/// Whether `s` may be a card id (and so a file name): 1..=64 characters of the
/// id alphabet. Lowercase ascii letters and digits outside the alphabet are
/// accepted too, so that hand-made ids like `intro1` work, but nothing that
/// could build a path.
pub fn is_valid(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !s.starts_with('-')
}

/// The short form of an id.
pub fn short(id: &str) -> &str {
    match id.char_indices().nth(SHORT_LEN) {
        Some((i, _)) => &id[..i],
        None => id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_and_distinct() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|i| is_valid(i) && i.len() == ID_LEN));
    }

    #[test]
    fn path_like_ids_are_rejected() {
        for bad in ["", "../x", "a/b", "A", "x.yaml", "-rf", "a b", "é"] {
            assert!(!is_valid(bad), "{bad}");
        }
        assert!(is_valid("3fk2a9qx7m"));
        assert_eq!(short("3fk2a9qx7m"), "3fk2a9");
        assert_eq!(short("abc"), "abc");
    }
}

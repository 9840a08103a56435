//! Ranks order cards within a lane. A rank is a string of base-36 digits
//! (`0-9a-z`) compared as text; `between` finds a key strictly between two
//! others, so moving a card rewrites only that card. Equal ranks are broken
//! by card id wherever cards are sorted.

const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const BASE: u32 = 36;

fn digit(b: u8) -> u32 {
    match b {
        b'0'..=b'9' => (b - b'0') as u32,
        b'a'..=b'z' => (b - b'a') as u32 + 10,
        _ => 0,
    }
}

/// Whether `s` is a well-formed rank.
pub fn is_valid(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 1024
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        && !s.ends_with('0')
}

/// A rank strictly between `lo` and `hi` (either may be absent: the start or
/// the end of the lane). If `lo >= hi` (a tie in hand-edited files), the
/// result is just after `lo`.
pub fn between(lo: Option<&str>, hi: Option<&str>) -> String {
    match (lo, hi) {
        (None, None) => return "i".to_string(),
        (Some(l), None) if !l.is_empty() => return after_short(l),
        (None, Some(h)) if !h.is_empty() => return before_short(h),
        _ => {}
    }
    let lo = lo.unwrap_or("").as_bytes();
    let hi_bytes = hi.map(str::as_bytes);
    if let Some(h) = hi_bytes {
        if !lo.is_empty() && lo >= h {
            return after(lo);
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    // While hi is present, walk digit by digit.
    loop {
        let a = lo.get(i).map_or(0, |&b| digit(b));
        let b = match hi_bytes {
            Some(h) => match h.get(i) {
                Some(&c) => digit(c),
                None => BASE,
            },
            None => BASE,
        };
        if b > a + 1 {
            let mid = (a + b) / 2;
            out.push(DIGITS[mid as usize]);
            return String::from_utf8(out).unwrap_or_default();
        }
        // Not enough room at this digit: keep lo's digit and go deeper.
        out.push(DIGITS[a as usize]);
        if b == a + 1 {
            // From here on, hi no longer bounds us (we are below hi).
            return finish_after(out, lo, i + 1);
        }
        i += 1;
    }
}

/// Having fixed a prefix that is already below `hi`, extend it so the result is
/// greater than `lo`.
fn finish_after(mut out: Vec<u8>, lo: &[u8], mut i: usize) -> String {
    loop {
        let a = lo.get(i).map_or(0, |&b| digit(b));
        if a + 1 < BASE {
            let mid = (a + BASE).div_ceil(2);
            out.push(DIGITS[mid as usize]);
            return String::from_utf8(out).unwrap_or_default();
        }
        out.push(DIGITS[a as usize]);
        i += 1;
    }
}

/// A rank strictly between `lo` and `hi` that carries a few characters of
/// `salt` (the card's id) after the shortest one: two clones that place
/// different cards at the same spot while offline (both at the bottom of a
/// lane, say) mint different ranks, so their boards still validate once
/// merged. Falls back to [`between`] when the salted key would not fit.
pub fn between_unique(lo: Option<&str>, hi: Option<&str>, salt: &str) -> String {
    let r = between(lo, hi);
    let mut tail: String = salt
        .bytes()
        .filter(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        .take(SALT)
        .map(char::from)
        .collect();
    while tail.ends_with('0') {
        tail.pop();
    }
    if tail.is_empty() {
        return r;
    }
    let salted = format!("{r}{tail}");
    let fits = is_valid(&salted)
        && lo.is_none_or(|l| salted.as_str() > l)
        && hi.is_none_or(|h| salted.as_str() < h);
    if fits {
        salted
    } else {
        r
    }
}

/// How many characters of the card id a placed rank carries.
const SALT: usize = 4;

/// The shortest key above `lo`: bump its first digit that can be bumped.
/// Appending to a lane grows keys by one character per 35 cards.
fn after_short(lo: &str) -> String {
    let b = lo.as_bytes();
    match b.iter().position(|&c| c != b'z') {
        Some(p) => {
            let mut out = b[..p].to_vec();
            out.push(DIGITS[digit(b[p]) as usize + 1]);
            String::from_utf8(out).unwrap_or_default()
        }
        None => format!("{lo}1"),
    }
}

/// The shortest key below `hi`: lower its first digit that can be lowered
/// without ending in `0`.
fn before_short(hi: &str) -> String {
    let b = hi.as_bytes();
    match b.iter().position(|&c| c != b'0') {
        Some(p) if b[p] > b'1' => {
            let mut out = b[..p].to_vec();
            out.push(DIGITS[digit(b[p]) as usize - 1]);
            String::from_utf8(out).unwrap_or_default()
        }
        Some(p) => format!("{}0z", &hi[..p]),
        // All zeros (not a valid rank): anything below is fine.
        None => between(Some(""), Some(hi)),
    }
}

fn after(lo: &[u8]) -> String {
    finish_after(Vec::new(), lo, 0)
}

/// `n` evenly spread ranks, for seeding a lane (templates, demo, imports).
pub fn spread(n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    let mut prev: Option<String> = None;
    for _ in 0..n {
        let r = between(prev.as_deref(), None);
        prev = Some(r.clone());
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(lo: Option<&str>, hi: Option<&str>) -> String {
        let r = between(lo, hi);
        assert!(is_valid(&r), "{r:?} from {lo:?} {hi:?}");
        if let Some(l) = lo {
            assert!(r.as_str() > l, "{r} > {l}");
        }
        if let Some(h) = hi {
            assert!(r.as_str() < h, "{r} < {h}");
        }
        r
    }

    #[test]
    fn basic() {
        assert_eq!(between(None, None), "i");
        check(Some("i"), None);
        check(None, Some("i"));
        check(Some("a"), Some("b"));
        check(Some("a"), Some("a1"));
        check(Some("az"), Some("b"));
        check(Some("zz"), None);
        check(None, Some("01"));
        check(None, Some("001"));
    }

    #[test]
    fn repeated_inserts_stay_ordered() {
        // Always inserting at the top, at the bottom, and in one gap.
        let mut top: Option<String> = None;
        let mut bottom: Option<String> = None;
        for _ in 0..500 {
            top = Some(check(None, top.as_deref()));
            bottom = Some(check(bottom.as_deref(), None));
        }
        let (mut lo, hi) = ("a".to_string(), "b".to_string());
        for _ in 0..500 {
            lo = check(Some(&lo), Some(&hi));
        }
        assert!(lo.len() < 200);
    }

    #[test]
    fn long_lived_lanes_keep_short_ranks() {
        let mut last = between(None, None);
        for _ in 0..10_000 {
            last = check(Some(&last), None);
        }
        assert!(last.len() <= 300, "{}", last.len());
        let mut first = between(None, None);
        for _ in 0..10_000 {
            first = check(None, Some(&first));
        }
        assert!(first.len() <= 300, "{}", first.len());
        assert_eq!(between(Some("i"), None), "j");
        assert_eq!(between(None, Some("i")), "h");
        assert_eq!(between(None, Some("1")), "0z");
    }

    #[test]
    fn salted_ranks_differ_and_stay_in_bounds() {
        let a = between_unique(Some("i"), None, "3kf9qx");
        let b = between_unique(Some("i"), None, "7m2aab");
        assert_ne!(a, b);
        for (lo, hi) in [
            (None, None),
            (Some("i"), None),
            (None, Some("i")),
            (Some("a"), Some("b")),
            (Some("a"), Some("a1")),
            (Some("i"), Some("i1")),
            (Some("jzzz"), Some("k")),
        ] {
            for salt in ["zzzz", "0000", "1", "a-b_c", "9q"] {
                let r = between_unique(lo, hi, salt);
                assert!(is_valid(&r), "{r:?}");
                assert!(lo.is_none_or(|l| r.as_str() > l), "{r} > {lo:?}");
                assert!(hi.is_none_or(|h| r.as_str() < h), "{r} < {hi:?}");
            }
        }
        // Appending keeps ranks short: the salt is not carried forward.
        let mut last = between_unique(None, None, "abcd");
        for i in 0..1000 {
            last = between_unique(Some(&last), None, &format!("{i:04}x"));
        }
        assert!(last.len() < 60, "{}", last.len());
    }

    #[test]
    fn spread_is_sorted() {
        let s = spread(100);
        let mut sorted = s.clone();
        sorted.sort();
        assert_eq!(s, sorted);
    }
}

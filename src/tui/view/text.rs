//! Text that fits: untrusted text made visible, then cut to a display width
//! (CJK and emoji take two columns; tabs become spaces).

use crate::model::text::visible;
use unicode_width::UnicodeWidthChar;

/// Make `s` safe and at most `width` columns wide, ending in `…` if cut.
pub fn fit(s: &str, width: usize) -> String {
    let safe = visible(s, false);
    let mut out = String::new();
    let mut used = 0;
    let total: usize = safe.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return safe.into_owned();
    }
    let limit = width.saturating_sub(1);
    for c in safe.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > limit {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Display width of text (after making it visible).
pub fn width(s: &str) -> usize {
    visible(s, false)
        .chars()
        .map(|c| c.width().unwrap_or(0))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_by_columns() {
        assert_eq!(fit("hello", 10), "hello");
        assert_eq!(fit("hello world", 8), "hello w…");
        assert_eq!(fit("日本語テキスト", 7), "日本語…");
        assert_eq!(width(&fit("日本語テキスト", 7)), 7);
        assert_eq!(fit("a\x1b[2Jb", 20), "a^[[2Jb");
        assert_eq!(fit("a\tb", 20), "a    b");
    }
}

//! Text that fits: untrusted text made visible, then cut to a display width
//! (CJK and emoji take two columns; tabs become spaces).

pub use crate::model::text::{fit, width};

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthChar;

    #[test]
    fn fits_by_columns() {
        assert_eq!(fit("hello", 10), "hello");
        assert_eq!(fit("hello world", 8), "hello w…");
        assert_eq!(fit("日本語テキスト", 7), "日本語…");
        assert_eq!(width(&fit("日本語テキスト", 7)), 7);
        assert_eq!(fit("a\x1b[2Jb", 20), "a^[[2Jb");
        assert_eq!(fit("a\tb", 20), "a    b");
    }

    /// Ratatui lays a line out by grapheme widths, the terminal draws it
    /// by its own rules, and `fit` counts by characters: for joined emoji,
    /// skin tones, presentation selectors and combining marks all three
    /// must agree, or the borders after the text move.
    #[test]
    fn every_measure_of_width_agrees() {
        use unicode_width::UnicodeWidthStr;
        for s in [
            "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467} family",
            "thumbs \u{1f44d}\u{1f3fd} up",
            "heart \u{2764}\u{fe0f} and \u{2764}",
            "e\u{301}\u{301}\u{301}\u{301} marks",
            "\u{301} orphan mark",
            "\u{1b}\u{301} after a control",
            "\u{1f1e9}\u{1f1ea} flag",
            "\u{1f3f3}\u{fe0f}\u{200d}\u{1f308} rainbow",
        ] {
            for w in [3, 8, 12, 40] {
                let f = fit(s, w);
                assert!(width(&f) <= w, "{s:?} at {w}: {f:?}");
                assert_eq!(f.width(), width(&f), "{s:?} at {w}: {f:?}");
                assert_eq!(
                    f.width(),
                    f.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>(),
                    "{s:?} at {w}: {f:?}"
                );
            }
        }
    }
}

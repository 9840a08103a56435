//! Untrusted text made safe to show: card files come from teammates, and
//! control characters or escape sequences in them must never reach a
//! terminal raw.

use std::borrow::Cow;

/// Replace control characters with visible forms: `^[` for ESC, `^A`.. for
/// other C0 controls, `^?` for DEL, `\u{9b}` style for C1 controls. Tabs
/// become spaces; newlines are kept only when `keep_newlines`.
pub fn visible(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| c.is_control() && !(keep_newlines && c == '\n') || is_invisible_format(c))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\t' => out.push_str("    "),
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push((b'@' + c as u8) as char);
            }
            '\u{7f}' => out.push_str("^?"),
            c if c.is_control() || is_invisible_format(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Bidirectional overrides and similar format characters that can make text
/// display differently from what it is.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}' | '\u{feff}')
}

/// One line: like `visible`, with newlines shown as `⏎`.
pub fn one_line(s: &str) -> String {
    visible(s, true).replace('\n', " ⏎ ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_made_visible() {
        assert_eq!(visible("a\x1b[31mb\x07", false), "a^[[31mb^G");
        assert_eq!(visible("x\u{9b}2J", false), "x\\u{9b}2J");
        assert_eq!(visible("ok", false), "ok");
        assert_eq!(visible("a\nb", true), "a\nb");
        assert_eq!(visible("a\nb", false), "a^Jb");
        assert_eq!(one_line("a\nb"), "a ⏎ b");
        assert_eq!(visible("\u{202e}abc", false), "\\u{202e}abc");
    }
}

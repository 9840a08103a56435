//! The crate's one terminal gate: the command line, and the board screen
//! once it has closed, write text only through here. Everything printed to
//! stdout or stderr passes [`text::visible`](crate::model::text::visible), so an
//! escape sequence a teammate put in a lane title or a card reaches the
//! terminal as `^[…`, never as a command to it. JSON output is made safe
//! the same way, with `\u` escapes ([`json`]).
//!
//! `clippy.toml` forbids `println!`, `eprintln!`, `print!`, `eprint!` and
//! `std::io::stdout()` elsewhere in the crate, so nothing goes around it.
//! One exception: the answer to a shell's Tab, which clap_complete writes
//! (its separators are control characters); the candidates from the board
//! are made safe where they are made ([`crate::cli::complete`]).

use crate::model::text::{json_safe, visible};
use std::fmt;
use std::io::{self, Write};

/// A writer that makes what passes through it safe for a terminal. Text is
/// sanitized in whole characters: a character split between two writes is
/// held until it is complete; bytes that are not UTF-8 are shown as `\xNN`.
pub struct Safe<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Safe<W> {
    pub fn new(inner: W) -> Self {
        Safe {
            inner,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, s: &str) -> io::Result<()> {
        self.inner.write_all(visible(s, true).as_bytes())
    }

    fn drain(&mut self, end_of_input: bool) -> io::Result<()> {
        let bytes = std::mem::take(&mut self.pending);
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    self.emit(s)?;
                    rest = &[];
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    // Checked by from_utf8 just now.
                    self.emit(std::str::from_utf8(good).unwrap_or_default())?;
                    match e.error_len() {
                        Some(n) => {
                            for b in &bad[..n] {
                                write!(self.inner, "\\x{b:02x}")?;
                            }
                            rest = &bad[n..];
                        }
                        // A character cut off at the end of this write.
                        None if !end_of_input => {
                            self.pending = bad.to_vec();
                            rest = &[];
                        }
                        None => {
                            for b in bad {
                                write!(self.inner, "\\x{b:02x}")?;
                            }
                            rest = &[];
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl<W: Write> Write for Safe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.drain(false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Drop for Safe<W> {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            let _ = self.drain(true);
        }
        let _ = self.inner.flush();
    }
}

/// Standard output, buffered and made safe.
#[allow(clippy::disallowed_methods)]
pub fn stdout() -> Safe<io::BufWriter<io::StdoutLock<'static>>> {
    Safe::new(io::BufWriter::new(io::stdout().lock()))
}

/// Standard error, made safe.
#[allow(clippy::disallowed_methods)]
pub fn stderr() -> Safe<io::StderrLock<'static>> {
    Safe::new(io::stderr().lock())
}

/// Whether standard output is a terminal.
#[allow(clippy::disallowed_methods)]
pub fn stdout_is_terminal() -> bool {
    io::IsTerminal::is_terminal(&io::stdout())
}

/// How wide text output may be: `None` when standard output is not a
/// terminal (a file, a pipe: nothing is cut), else `COLUMNS` when it
/// holds a width, else the terminal's width, else 80.
#[allow(clippy::disallowed_methods)]
pub fn stdout_width() -> Option<usize> {
    if !stdout_is_terminal() {
        return None;
    }
    let columns = crate::env::Env::get()
        .text("COLUMNS")
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    Some(
        columns
            .or_else(|| {
                ratatui::crossterm::terminal::size()
                    .ok()
                    .map(|(w, _)| w as usize)
                    .filter(|&w| w > 0)
            })
            .unwrap_or(80),
    )
}

/// A line on standard error (what `eprintln!` would print), made safe.
pub fn say_line(args: fmt::Arguments<'_>) {
    let mut err = stderr();
    let _ = err.write_fmt(args);
    let _ = err.write_all(b"\n");
}

/// Text on standard error without a newline (a prompt), made safe.
pub fn say_partial(args: fmt::Arguments<'_>) {
    let mut err = stderr();
    let _ = err.write_fmt(args);
    let _ = err.flush();
}

/// `value` as pretty JSON, then a newline, with control, C1, DEL and
/// bidirectional characters as `\u` escapes inside its strings.
pub fn json(out: &mut impl Write, value: &impl serde::Serialize) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    out.write_all(json_safe(&text).as_bytes())?;
    out.write_all(b"\n")
}

/// `eprintln!` through [`say_line`].
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::term::say_line(format_args!($($arg)*))
    };
}
pub(crate) use say;

#[cfg(test)]
mod tests {
    use super::*;

    fn through(chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        {
            let mut w = Safe::new(&mut out);
            for c in chunks {
                w.write_all(c).unwrap();
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_never_pass() {
        assert_eq!(
            through(&[b"title \x1b]52;c;aGk=\x07 ok\r\n"]),
            "title ^[]52;c;aGk=^G ok^M\n"
        );
        // C1 CSI as UTF-8, and as a bare byte.
        assert_eq!(through(&["a\u{9b}2J".as_bytes()]), "a\\u{9b}2J");
        assert_eq!(through(&[b"a\x9b2J"]), "a\\x9b2J");
    }

    #[test]
    fn characters_split_between_writes_are_kept_whole() {
        let s = "é\u{202e}日".as_bytes();
        for cut in 0..s.len() {
            assert_eq!(through(&[&s[..cut], &s[cut..]]), "é\\u{202e}日", "{cut}");
        }
        // A character never completed.
        assert_eq!(through(&[b"x\xe6\x97"]), "x\\xe6\\x97");
    }
}

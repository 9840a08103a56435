//! Colours. With `NO_COLOR` set, meaning is carried by bold, reverse and
//! text alone.

use crate::model::Verdict;
use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub accent: Color,
    pub selected: Color,
    pub muted: Color,
    pub error: Color,
    pub ok: Color,
    pub warn: Color,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            color: true,
            accent: Color::Cyan,
            selected: Color::Blue,
            muted: Color::DarkGray,
            error: Color::Red,
            ok: Color::Green,
            warn: Color::Yellow,
        }
    }
}

/// A colour by name: the eight ANSI names, `gray`/`dark-gray`, `light-*`,
/// or `#rrggbb`.
pub fn parse_color(name: &str) -> Option<Color> {
    let n = name.trim().to_lowercase().replace(['_', ' '], "-");
    Some(match n.as_str() {
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "dark-gray" | "dark-grey" => Color::DarkGray,
        "white" => Color::White,
        "light-red" => Color::LightRed,
        "light-green" => Color::LightGreen,
        "light-yellow" => Color::LightYellow,
        "light-blue" => Color::LightBlue,
        "light-magenta" => Color::LightMagenta,
        "light-cyan" => Color::LightCyan,
        hex if hex.starts_with('#') && hex.len() == 7 => {
            let v = u32::from_str_radix(&hex[1..], 16).ok()?;
            Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
        }
        _ => return None,
    })
}

impl Theme {
    /// The theme for this environment: `NO_COLOR` (any non-empty value)
    /// turns colour off; `overrides` come from the config file.
    pub fn from_env(overrides: &BTreeMap<String, String>) -> (Theme, Vec<String>) {
        let mut t = Theme::default();
        let mut problems = Vec::new();
        for (k, v) in overrides {
            let Some(c) = parse_color(v) else {
                problems.push(format!("unknown colour {v:?} for theme.{k}"));
                continue;
            };
            match k.as_str() {
                "accent" => t.accent = c,
                "selected" => t.selected = c,
                "muted" => t.muted = c,
                "error" => t.error = c,
                "ok" => t.ok = c,
                "warn" => t.warn = c,
                _ => problems.push(format!("unknown theme entry {k:?}")),
            }
        }
        if crate::env::Env::get().os("NO_COLOR").is_some() {
            t.color = false;
        }
        (t, problems)
    }

    pub fn no_color() -> Theme {
        Theme {
            color: false,
            ..Theme::default()
        }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    pub fn accent(&self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }

    pub fn muted(&self) -> Style {
        if self.color {
            Style::default().fg(self.muted)
        } else {
            Style::default().add_modifier(Modifier::DIM)
        }
    }

    pub fn error(&self) -> Style {
        self.fg(self.error).add_modifier(Modifier::BOLD)
    }

    pub fn warn(&self) -> Style {
        self.fg(self.warn)
    }

    pub fn ok(&self) -> Style {
        self.fg(self.ok)
    }

    /// The selected card's background.
    pub fn selected(&self) -> Style {
        if self.color {
            Style::default().bg(self.selected).fg(Color::White)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }

    /// A label in its board colour.
    pub fn label(&self, color: Option<&str>) -> Style {
        match color.and_then(parse_color) {
            Some(c) if self.color => Style::default().fg(c),
            _ => Style::default(),
        }
    }

    pub fn verdict(&self, v: Verdict) -> Style {
        match v {
            Verdict::Open => self.muted(),
            Verdict::Supported => self.ok().add_modifier(Modifier::BOLD),
            Verdict::Refuted => self.error(),
            Verdict::Inconclusive => self.warn().add_modifier(Modifier::BOLD),
        }
    }
}

//! The user's config file (`<config dir>/config.yaml`): keymap and theme.
//!
//! ```yaml
//! keys:
//!   move-left: [H, Shift+Left]
//!   quit: [q]
//! theme:
//!   accent: magenta
//!   selected: "#334455"
//! sync_every_minutes: 10
//! ```

use super::keymap::Keymap;
use super::theme::Theme;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct File {
    keys: BTreeMap<String, OneOrMany>,
    theme: BTreeMap<String, String>,
    sync_every_minutes: Option<u64>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Where the config file lives.
pub fn path() -> Option<PathBuf> {
    crate::config_dir().map(|d| d.join("config.yaml"))
}

/// The user's auto-sync interval in minutes, if set.
pub fn sync_every_minutes() -> Option<u64> {
    let text = std::fs::read_to_string(path()?).ok()?;
    serde_yaml::from_str::<File>(&text).ok()?.sync_every_minutes
}

/// Keymap and theme from the config file, with any problems in it (which
/// the status bar shows; the defaults stand in).
pub fn load() -> (Keymap, Theme, Vec<String>) {
    let mut problems = Vec::new();
    let file = match path().map(|p| (std::fs::read_to_string(&p), p)) {
        Some((Ok(text), p)) => match serde_yaml::from_str::<File>(&text) {
            Ok(f) => f,
            Err(e) => {
                problems.push(format!("{}: {e}", p.display()));
                File::default()
            }
        },
        _ => File::default(),
    };
    let mut keymap = Keymap::default();
    let keys: BTreeMap<String, Vec<String>> = file
        .keys
        .into_iter()
        .map(|(k, v)| {
            let list = match v {
                OneOrMany::One(s) => vec![s],
                OneOrMany::Many(v) => v,
            };
            (k, list)
        })
        .collect();
    problems.extend(keymap.apply_overrides(&keys));
    let (theme, theme_problems) = Theme::from_env(&file.theme);
    problems.extend(theme_problems);
    (keymap, theme, problems)
}

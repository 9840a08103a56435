//! Board templates: embedded in the binary, plus the user's own under the
//! config folder (`<config dir>/templates/<name>.yaml`).

use crate::store;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// The templates that ship with lanes.
pub const BUILTIN: &[(&str, &str)] = &[
    ("crisp-dm", include_str!("../board-templates/crisp-dm.yaml")),
    (
        "research-kanban",
        include_str!("../board-templates/research-kanban.yaml"),
    ),
    ("mlops", include_str!("../board-templates/mlops.yaml")),
];

pub const DEFAULT: &str = "crisp-dm";

/// A template found by `list`.
#[derive(Debug, Clone)]
pub struct Template {
    pub name: String,
    pub text: String,
    /// Where it came from: `built-in` or the file path.
    pub source: String,
}

/// The folder for user templates.
pub fn user_dir() -> Option<PathBuf> {
    crate::config_dir().map(|d| d.join("templates"))
}

/// All templates: built-in first, then the user's (a user template with a
/// built-in's name replaces it).
pub fn list() -> Vec<Template> {
    let mut out: Vec<Template> = BUILTIN
        .iter()
        .map(|(n, t)| Template {
            name: n.to_string(),
            text: t.to_string(),
            source: "built-in".into(),
        })
        .collect();
    if let Some(dir) = user_dir() {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            files.sort();
            for path in files {
                let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                let Ok(text) = read_template(&path) else {
                    continue;
                };
                let t = Template {
                    name: name.to_string(),
                    text,
                    source: path.display().to_string(),
                };
                match out.iter_mut().find(|x| x.name == t.name) {
                    Some(slot) => *slot = t,
                    None => out.push(t),
                }
            }
        }
    }
    out
}

/// A template file the user keeps or names: a regular file (never a FIFO
/// or a device), at most a board file's size.
fn read_template(path: &Path) -> Result<String> {
    const TEMPLATES: store::read::Rules = store::read::Rules {
        what: "templates",
        ..store::read::BOARD_FILES
    };
    Ok(store::read::read_path(path, &TEMPLATES).and_then(store::read::Contents::into_text)?)
}

/// Find a template by name.
pub fn find(name: &str) -> Result<Template> {
    let all = list();
    if let Some(t) = all.iter().find(|t| t.name == name) {
        return Ok(t.clone());
    }
    // A path to a template file works too.
    let p = PathBuf::from(name);
    if p.exists() {
        let text = read_template(&p).context("cannot read the template")?;
        return Ok(Template {
            name: p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or(name)
                .to_string(),
            text,
            source: p.display().to_string(),
        });
    }
    bail!(
        "no template {name:?}; available: {} (see `lanes templates`)",
        all.iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_templates_are_valid_and_canonical() {
        for (name, text) in BUILTIN {
            let config = crate::store::parse_board(text.as_bytes())
                .unwrap_or_else(|p| panic!("{name}: {p}"));
            assert!(config.lanes.len() >= 5, "{name}");
            // Its saved views all read, on its own lanes and kinds.
            assert!(config.problems.is_empty(), "{name}: {:?}", config.problems);
            assert!(config.views.list.len() >= 4, "{name}");
            assert_eq!(
                crate::store::yaml::emit(&config.to_mapping()),
                *text,
                "{name} is not in canonical form"
            );
        }
    }
}

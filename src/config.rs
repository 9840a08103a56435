//! The user's own config file (`<config dir>/config.yaml`, the folder
//! `LANES_CONFIG_DIR` names): what the library reads of it, for the board
//! screen and the CLI alike. Its `views:` are the user's saved views,
//! beside the board's; `me:` names the user where git's identity does not
//! match how cards name them. Keys and theme are the board screen's
//! (`tui::config`).
//!
//! ```yaml
//! me: [mei, mei.lin]
//! views:
//!   mine: {filter: "@me -is:archived", sort: due}
//! ```

use crate::model::filter::Known;
use crate::model::value::{scalar_string, FieldError};
use crate::model::view::{Origin, Views};
use crate::model::BoardConfig;
use crate::store::{yaml, Problem};
use serde_yaml::Value;
use std::path::PathBuf;

/// Where the config file lives.
pub fn path() -> Option<PathBuf> {
    crate::config_dir().map(|d| d.join("config.yaml"))
}

/// The config file as read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Personal {
    /// The file's path, as messages name it.
    pub name: String,
    pub text: String,
}

/// The config file, if there is one. One that cannot be read is an error
/// naming it.
pub fn read() -> Result<Option<Personal>, String> {
    let Some(p) = path() else {
        return Ok(None);
    };
    match std::fs::read_to_string(&p) {
        Ok(text) => Ok(Some(Personal {
            name: p.display().to_string(),
            text,
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: cannot read: {e}", p.display())),
    }
}

impl Personal {
    fn value(&self) -> Option<Value> {
        if self.text.trim().is_empty() {
            return None;
        }
        // A file that does not parse is reported with the keys and theme
        // (tui::config); here it just has no views.
        yaml::parse(self.text.as_bytes()).ok()
    }

    /// The user's views, read against the board `config` (its lanes and
    /// kinds), with their problems placed as `path:line:column: message`
    /// ([`Views::problems`]).
    pub fn views(&self, config: &BoardConfig) -> Views {
        let value = self.value().and_then(|v| match v {
            Value::Mapping(mut m) => m.remove("views"),
            _ => None,
        });
        let lanes: Vec<String> = config.lanes.iter().map(|l| l.id.clone()).collect();
        let mut problems: Vec<FieldError> = Vec::new(); // kept in the views too
        let mut views = Views::read(
            value,
            "views",
            Origin::Personal,
            Known {
                lanes: &lanes,
                kinds: &config.kinds,
                fields: &config.fields,
            },
            &mut problems,
        );
        views.place(|e| Problem::from_field(&self.name, &self.text, e).to_string());
        views
    }

    /// The names `@me` stands for, if the file gives them (`me: mei` or
    /// `me: [mei, mei.lin]`), lowercase.
    pub fn me(&self) -> Option<Vec<String>> {
        let v = match self.value()? {
            Value::Mapping(mut m) => m.remove("me")?,
            _ => return None,
        };
        let items = match v {
            Value::Sequence(s) => s,
            other => vec![other],
        };
        let names: Vec<String> = items
            .into_iter()
            .filter_map(|i| scalar_string(i, "me").ok())
            .map(|s| s.trim().trim_start_matches('@').to_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        (!names.is_empty()).then_some(names)
    }
}

/// Who `@me` is on the board at `root`: the config file's `me:`, else
/// the names git's identity gives (see [`crate::git::identity::me`]).
pub fn me(personal: Option<&Personal>, root: &std::path::Path) -> Vec<String> {
    if let Some(names) = personal.and_then(Personal::me) {
        return names;
    }
    crate::git::open(root)
        .map(|repo| crate::git::me(&repo))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board() -> BoardConfig {
        let v: Value =
            serde_yaml::from_str("name: B\nlanes:\n  - id: modeling\n  - id: evaluation\n")
                .unwrap();
        BoardConfig::from_value(v).unwrap()
    }

    #[test]
    fn personal_views_are_placed_in_the_config_file() {
        let p = Personal {
            name: "cfg.yaml".into(),
            text: "keys:\n  quit: [q]\nme: '@Mei'\nviews:\n  mine: '@me'\n  bad:\n    lanes: [modelling]\n".into(),
        };
        let views = p.views(&board());
        assert_eq!(views.list.len(), 2);
        assert!(views.list[0].view.is_ok());
        assert_eq!(views.list[0].origin, Origin::Personal);
        let bad = views.list[1].view.as_ref().unwrap_err();
        assert_eq!(
            bad.describe(),
            "cfg.yaml:7:13: views.bad.lanes.0: unknown lane \"modelling\"; did you mean modeling? lanes are modeling, evaluation"
        );
        assert_eq!(views.problems(), [bad.describe()]);
        assert_eq!(p.me(), Some(vec!["mei".to_string()]));
        let none = Personal::default();
        assert!(none.views(&board()).is_empty() && none.me().is_none());
    }
}

//! The board definition: `.lanes/board.yaml`.

use super::value::{FieldError, FieldResult, Fields, MapBuilder};
use serde_yaml::{Mapping, Value};

pub const BOARD_KEYS: &[&str] = &[
    "name",
    "description",
    "lanes",
    "labels",
    "kinds",
    "settings",
];

/// Colours a label may have.
pub const COLORS: &[&str] = &[
    "red", "green", "yellow", "blue", "magenta", "cyan", "gray", "white",
];

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LaneDef {
    pub id: String,
    pub title: String,
    pub wip: Option<u32>,
    pub exit: Option<String>,
    /// Cards here are done (`done: true`): not work in progress, and
    /// reaching this lane is finishing (see [`super::done`]).
    pub done: bool,
    pub extra: Mapping,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelDef {
    pub name: String,
    pub color: Option<String>,
    pub extra: Mapping,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommitMode {
    /// Every change is committed at once (the default).
    #[default]
    Auto,
    /// Changes are written but left for `lanes commit`.
    Manual,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    pub commit: CommitMode,
    pub extra: Mapping,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoardConfig {
    pub name: String,
    pub description: Option<String>,
    pub lanes: Vec<LaneDef>,
    pub labels: Vec<LabelDef>,
    pub kinds: Vec<String>,
    pub settings: Settings,
    pub extra: Mapping,
}

/// Whether `s` can be a lane id: lowercase letters, digits and dashes.
pub fn is_valid_lane_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl BoardConfig {
    pub fn from_value(value: Value) -> FieldResult<Self> {
        let mut f = Fields::new(value, "")?;
        let name = f.string("name")?.unwrap_or_default();
        let description = f.string("description")?;
        let mut lanes = Vec::new();
        for (path, v) in f.list("lanes")? {
            let mut l = Fields::new(v, &path)?;
            let id = l.required_string("id")?;
            if !is_valid_lane_id(&id) {
                return Err(FieldError::new(
                    l.path("id"),
                    format!("{id:?} is not a valid lane id (lowercase letters, digits and -)"),
                ));
            }
            if lanes.iter().any(|x: &LaneDef| x.id == id) {
                return Err(FieldError::new(
                    l.path("id"),
                    format!("lane {id:?} is defined twice"),
                ));
            }
            lanes.push(LaneDef {
                title: l.string("title")?.unwrap_or_else(|| id.clone()),
                id,
                wip: l.u32("wip")?,
                exit: l.string("exit")?,
                done: l.bool("done")?.unwrap_or(false),
                extra: l.rest(),
            });
        }
        if lanes.is_empty() {
            return Err(FieldError::new("lanes", "a board needs at least one lane"));
        }
        let mut labels = Vec::new();
        for (path, v) in f.list("labels")? {
            let label = match v {
                Value::String(name) => LabelDef {
                    name,
                    ..Default::default()
                },
                v => {
                    let mut l = Fields::new(v, &path)?;
                    let name = l.required_string("name")?;
                    let color_path = l.path("color");
                    let color = l.string("color")?;
                    if let Some(c) = &color {
                        if !COLORS.contains(&c.as_str()) {
                            return Err(FieldError::new(
                                color_path,
                                format!("unknown colour {c:?}; use one of {}", COLORS.join(", ")),
                            ));
                        }
                    }
                    LabelDef {
                        name,
                        color,
                        extra: l.rest(),
                    }
                }
            };
            labels.push(label);
        }
        let mut kinds = f.strings("kinds")?;
        if kinds.is_empty() {
            kinds = vec!["task".into(), "hypothesis".into(), "experiment".into()];
        }
        let settings = match f.mapping("settings")? {
            None => Settings::default(),
            Some(mut s) => {
                let path = s.path("commit");
                let commit = match s.string("commit")?.as_deref() {
                    None | Some("auto") => CommitMode::Auto,
                    Some("manual") => CommitMode::Manual,
                    Some(other) => {
                        return Err(FieldError::new(
                            path,
                            format!("unknown commit mode {other:?}; expected auto or manual"),
                        ))
                    }
                };
                Settings {
                    commit,
                    extra: s.rest(),
                }
            }
        };
        Ok(BoardConfig {
            name,
            description,
            lanes,
            labels,
            kinds,
            settings,
            extra: f.rest(),
        })
    }

    pub fn to_mapping(&self) -> Mapping {
        let lanes = self
            .lanes
            .iter()
            .map(|l| {
                let mut b = MapBuilder::new();
                b.str("id", &l.id).str("title", &l.title);
                if let Some(w) = l.wip {
                    b.put("wip", Value::Number(w.into()));
                }
                b.opt_str("exit", &l.exit);
                if l.done {
                    b.put("done", Value::Bool(true));
                }
                Value::Mapping(b.extra(&l.extra).build())
            })
            .collect();
        let labels = self
            .labels
            .iter()
            .map(|l| {
                Value::Mapping(
                    MapBuilder::new()
                        .str("name", &l.name)
                        .opt_str("color", &l.color)
                        .extra(&l.extra)
                        .build(),
                )
            })
            .collect();
        let mut settings = MapBuilder::new();
        settings.str(
            "commit",
            match self.settings.commit {
                CommitMode::Auto => "auto",
                CommitMode::Manual => "manual",
            },
        );
        settings.extra(&self.settings.extra);
        MapBuilder::new()
            .str("name", &self.name)
            .opt_str("description", &self.description)
            .seq("lanes", lanes)
            .seq("labels", labels)
            .strings("kinds", &self.kinds)
            .put("settings", Value::Mapping(settings.build()))
            .extra(&self.extra)
            .build()
    }

    pub fn lane(&self, id: &str) -> Option<&LaneDef> {
        self.lanes.iter().find(|l| l.id == id)
    }

    /// Whether cards in lane `id` are done: the lane is marked `done:
    /// true`, or, on a board that marks no lane done, it is the last lane
    /// (where flow has always counted work as finished).
    pub fn is_done_lane(&self, id: &str) -> bool {
        match self.lanes.iter().any(|l| l.done) {
            true => self.lane(id).is_some_and(|l| l.done),
            false => self.lanes.last().is_some_and(|l| l.id == id),
        }
    }

    pub fn lane_index(&self, id: &str) -> Option<usize> {
        self.lanes.iter().position(|l| l.id == id)
    }

    pub fn label(&self, name: &str) -> Option<&LabelDef> {
        self.labels.iter().find(|l| l.name == name)
    }

    /// Find a lane by id, by title (any case), or by a unique prefix of either.
    pub fn resolve_lane(&self, query: &str) -> Result<&LaneDef, String> {
        if let Some(l) = self.lane(query) {
            return Ok(l);
        }
        let q = query.to_lowercase();
        let norm = |s: &str| s.to_lowercase().replace([' ', '_'], "-");
        if let Some(l) = self
            .lanes
            .iter()
            .find(|l| l.title.to_lowercase() == q || norm(&l.title) == norm(&q))
        {
            return Ok(l);
        }
        let hits: Vec<&LaneDef> = self
            .lanes
            .iter()
            .filter(|l| l.id.starts_with(&norm(&q)) || l.title.to_lowercase().starts_with(&q))
            .collect();
        match hits.as_slice() {
            [one] => Ok(one),
            [] => Err(format!(
                "unknown lane {query:?}; lanes are: {}",
                self.lanes
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            many => Err(format!(
                "lane {query:?} is ambiguous: {}",
                many.iter()
                    .map(|l| l.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

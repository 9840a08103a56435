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
    "agents",
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

/// How agents (and people) work on the board: `agents:` in board.yaml.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Agents {
    /// Whether a verdict must cite a run (`mlflow:ID`, `dvc:PATH#key`):
    /// `Some` as the board says, for everyone; `None` (unset): for agents
    /// only (writes through `lanes mcp`, or with `--as`).
    pub require_evidence: Option<bool>,
    /// How long a claim lasts when `lanes claim` names no time (`4h`).
    pub claim_for: Option<String>,
    pub extra: Mapping,
}

impl Agents {
    /// Whether a verdict given by an agent (`agent`) or a person must cite
    /// a run.
    pub fn evidence_required(&self, agent: bool) -> bool {
        self.require_evidence.unwrap_or(agent)
    }

    /// The board's default claim length, in seconds.
    pub fn claim_secs(&self) -> Option<i64> {
        self.claim_for
            .as_deref()
            .and_then(|s| super::claim::parse_duration(s).ok())
    }

    fn is_empty(&self) -> bool {
        self.require_evidence.is_none() && self.claim_for.is_none() && self.extra.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoardConfig {
    pub name: String,
    pub description: Option<String>,
    pub lanes: Vec<LaneDef>,
    pub labels: Vec<LabelDef>,
    pub kinds: Vec<String>,
    pub settings: Settings,
    pub agents: Agents,
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
        let agents = match f.mapping("agents")? {
            None => Agents::default(),
            Some(mut a) => {
                let require_evidence = a.bool("require_evidence")?;
                let path = a.path("claim_for");
                let claim_for = a.string("claim_for")?;
                if let Some(c) = &claim_for {
                    super::claim::parse_duration(c).map_err(|e| FieldError::new(path, e))?;
                }
                Agents {
                    require_evidence,
                    claim_for,
                    extra: a.rest(),
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
            agents,
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
        let mut b = MapBuilder::new();
        b.str("name", &self.name)
            .opt_str("description", &self.description)
            .seq("lanes", lanes)
            .seq("labels", labels)
            .strings("kinds", &self.kinds)
            .put("settings", Value::Mapping(settings.build()));
        if !self.agents.is_empty() {
            let mut a = MapBuilder::new();
            if let Some(r) = self.agents.require_evidence {
                a.put("require_evidence", Value::Bool(r));
            }
            a.opt_str("claim_for", &self.agents.claim_for)
                .extra(&self.agents.extra);
            b.put("agents", Value::Mapping(a.build()));
        }
        b.extra(&self.extra).build()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> FieldResult<BoardConfig> {
        BoardConfig::from_value(serde_yaml::from_str(text).expect("yaml"))
    }

    #[test]
    fn the_agents_settings_are_read_checked_and_written_back() {
        let text = "name: b\nlanes:\n  - id: a\nagents:\n  require_evidence: true\n  claim_for: 4h\n  mood: calm\n";
        let b = parse(text).expect("board");
        assert_eq!(b.agents.require_evidence, Some(true));
        assert_eq!(b.agents.claim_secs(), Some(4 * 3600));
        assert!(b.agents.evidence_required(false));
        let again = BoardConfig::from_value(Value::Mapping(b.to_mapping())).expect("again");
        assert_eq!(again, b);
        // Unset: agents only, and nothing written.
        let plain = parse("name: b\nlanes:\n  - id: a\n").expect("board");
        assert!(plain.agents.evidence_required(true));
        assert!(!plain.agents.evidence_required(false));
        assert!(plain.to_mapping().get("agents").is_none());
        let e = parse("name: b\nlanes:\n  - id: a\nagents: {claim_for: forever}\n").unwrap_err();
        assert_eq!(e.field, "agents.claim_for");
        let e =
            parse("name: b\nlanes:\n  - id: a\nagents: {require_evidence: maybe}\n").unwrap_err();
        assert_eq!(e.field, "agents.require_evidence");
    }
}

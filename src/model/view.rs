//! Saved views: named filters with a sort, the lanes to show and whether
//! archived cards show, in board.yaml (`views:`, the team's) and in the
//! user's config file (their own). Number keys on the board, the command
//! palette and `lanes list --view NAME` read them.
//!
//! ```yaml
//! views:
//!   open-hypotheses:
//!     filter: kind:hypothesis verdict:open
//!     sort: updated
//!   mine: {filter: "@me", lanes: [modeling, evaluation]}
//!   stale: is:stale        # just a filter
//! ```
//!
//! A view lanes cannot read (an unknown field, filter key, sort or lane)
//! is reported with its position and cannot be used; the other views and
//! the board work as ever. `views:` is written back exactly as it was
//! read: lanes never rewrites it.

use super::filter::{Filter, Known, Scope};
use super::value::{join, type_name, FieldError, Fields};
use super::{Card, Verdict};
use serde_yaml::Value;
use std::cmp::Ordering;

/// The fields of a view.
pub const FIELDS: &[&str] = &["filter", "sort", "lanes", "archived"];

/// What a view can sort by, as board.yaml names it.
pub const SORTS: &[&str] = &["rank", "created", "updated", "due", "title", "verdict"];

/// The order of a view's cards within each lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// The board's own order (the default).
    #[default]
    Rank,
    /// Newest first.
    Created,
    /// Newest first, by the latest date the card records: its newest
    /// journal entry, else its creation.
    Updated,
    /// Soonest first; cards without a due date last.
    Due,
    /// A to Z, ignoring case.
    Title,
    /// Open first, then supported, refuted, inconclusive; cards with no
    /// hypothesis last.
    Verdict,
}

impl SortKey {
    pub fn parse(s: &str) -> Option<SortKey> {
        Some(match s {
            "rank" => SortKey::Rank,
            "created" => SortKey::Created,
            "updated" => SortKey::Updated,
            "due" => SortKey::Due,
            "title" => SortKey::Title,
            "verdict" => SortKey::Verdict,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Rank => "rank",
            SortKey::Created => "created",
            SortKey::Updated => "updated",
            SortKey::Due => "due",
            SortKey::Title => "title",
            SortKey::Verdict => "verdict",
        }
    }
}

/// A sort key and its direction (`-due`: latest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub key: SortKey,
    pub reversed: bool,
}

impl Sort {
    /// Whether the cards keep the board's order (moving them up and down
    /// then means what it shows).
    pub fn is_board_order(self) -> bool {
        self.key == SortKey::Rank && !self.reversed
    }

    /// `a` before `b`? Equal keys are `Equal`: a stable sort keeps the
    /// board's order among them.
    pub fn compare(self, a: &Card, b: &Card) -> Ordering {
        let o = match self.key {
            SortKey::Rank => Ordering::Equal,
            SortKey::Created => b.created.cmp(&a.created),
            SortKey::Updated => updated(b).cmp(&updated(a)),
            SortKey::Due => match (&a.due, &b.due) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
            SortKey::Title => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
            SortKey::Verdict => verdict_rank(a).cmp(&verdict_rank(b)),
        };
        if self.reversed {
            o.reverse()
        } else {
            o
        }
    }
}

fn updated(c: &Card) -> Option<&str> {
    // ISO dates and RFC 3339 times compare as text.
    c.journal
        .iter()
        .map(|j| j.at.as_str())
        .chain(c.created.as_deref())
        .max()
}

fn verdict_rank(c: &Card) -> usize {
    match c.verdict() {
        Some(Verdict::Open) => 0,
        Some(Verdict::Supported) => 1,
        Some(Verdict::Refuted) => 2,
        Some(Verdict::Inconclusive) => 3,
        None => 4,
    }
}

/// A view lanes can use.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct View {
    pub filter: Filter,
    pub sort: Sort,
    /// The lanes it shows, by id, in the board's order; empty: every lane.
    pub lanes: Vec<String>,
    /// Archived cards show too.
    pub archived: bool,
}

impl View {
    /// Whether the view shows `card` (its lane aside).
    pub fn shows(&self, card: &Card, scope: &Scope) -> bool {
        (!card.archived || self.archived || self.filter.wants_archived())
            && self.filter.matches_in(card, scope)
    }

    /// Whether the view shows the lane `id`.
    pub fn shows_lane(&self, id: &str) -> bool {
        self.lanes.is_empty() || self.lanes.iter().any(|l| l == id)
    }

    /// Read one view at `path` (`views.mine`). `known` says which lanes
    /// and kinds the board has.
    pub fn from_value(value: Value, path: &str, known: Known) -> Result<View, FieldError> {
        // `mine: "@me"`: a filter alone.
        if let Value::String(text) = &value {
            return Ok(View {
                filter: strict_filter(text, &join(path, "filter"), known)?,
                ..View::default()
            });
        }
        let mut f = Fields::new(value, path).map_err(|e| {
            FieldError::new(
                e.field,
                "expected a view: a filter, or a mapping with filter, sort, lanes, archived",
            )
        })?;
        let filter = match f.string("filter")? {
            Some(text) => strict_filter(&text, &f.path("filter"), known)?,
            None => Filter::default(),
        };
        let sort_path = f.path("sort");
        let sort = match f.string("sort")? {
            None => Sort::default(),
            Some(s) => {
                let t = s.trim();
                let (reversed, name) = match t.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, t),
                };
                let key = SortKey::parse(name).ok_or_else(|| {
                    FieldError::new(
                        &sort_path,
                        format!(
                            "cannot sort by {t:?}; a view sorts by {} (a leading - reverses)",
                            SORTS.join(", ")
                        ),
                    )
                    .near(t)
                })?;
                Sort { key, reversed }
            }
        };
        let lanes_path = f.path("lanes");
        let mut lanes = Vec::new();
        for (i, lane) in f.strings("lanes")?.into_iter().enumerate() {
            if !known.lanes.contains(&lane) {
                let hint = super::text::did_you_mean(&lane, known.lanes.iter().map(String::as_str))
                    .map(|l| format!("did you mean {l}? "))
                    .unwrap_or_default();
                return Err(FieldError::new(
                    join(&lanes_path, &i.to_string()),
                    format!(
                        "unknown lane {lane:?}; {hint}lanes are {}",
                        known.lanes.join(", ")
                    ),
                )
                .near(lane));
            }
            lanes.push(lane);
        }
        let archived = f.bool("archived")?.unwrap_or(false);
        if let Some((key, _)) = f.rest().into_iter().next() {
            let name = match &key {
                Value::String(s) => s.clone(),
                other => format!("({})", type_name(other)),
            };
            return Err(FieldError::new(
                join(path, &name),
                format!(
                    "unknown field {name:?} in a view; a view has {}",
                    FIELDS.join(", ")
                ),
            ));
        }
        Ok(View {
            filter,
            sort,
            lanes,
            archived,
        })
    }
}

fn strict_filter(text: &str, path: &str, known: Known) -> Result<Filter, FieldError> {
    Filter::parse_strict(text, known).map_err(|e| FieldError::new(path, e.message).near(e.term))
}

/// Why a saved view cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewProblem {
    pub error: FieldError,
    /// The problem as `path:line:column: message`, once the store has
    /// placed it in its file.
    pub placed: Option<String>,
}

impl ViewProblem {
    pub fn describe(&self) -> String {
        self.placed
            .clone()
            .unwrap_or_else(|| self.error.to_string())
    }
}

/// Where a view is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// board.yaml: the team's.
    Board,
    /// The user's config file: their own.
    Personal,
}

/// A named view, or why it cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedView {
    pub name: String,
    pub origin: Origin,
    pub view: Result<View, ViewProblem>,
}

/// The views of one file, in the file's order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Views {
    pub list: Vec<SavedView>,
    /// Problems of `views:` itself (not a mapping, a name that is not
    /// text); each view's own are in [`SavedView::view`].
    pub own: Vec<ViewProblem>,
    /// `views:` as written (written back as it was).
    raw: Option<Value>,
}

impl Views {
    /// Read `views:` (at `path`), every problem also in `problems`.
    pub fn read(
        value: Option<Value>,
        path: &str,
        origin: Origin,
        known: Known,
        problems: &mut Vec<FieldError>,
    ) -> Views {
        let Some(value) = value else {
            return Views::default();
        };
        let mut list = Vec::new();
        let mut own: Vec<FieldError> = Vec::new();
        match &value {
            Value::Mapping(m) => {
                for (k, v) in m {
                    let Value::String(name) = k else {
                        own.push(FieldError::new(
                            path,
                            format!("a view's name must be text, found {}", type_name(k)),
                        ));
                        continue;
                    };
                    let at = join(path, name);
                    let view = View::from_value(v.clone(), &at, known).map_err(|error| {
                        problems.push(error.clone());
                        ViewProblem {
                            error,
                            placed: None,
                        }
                    });
                    list.push(SavedView {
                        name: name.clone(),
                        origin,
                        view,
                    });
                }
            }
            other => own.push(FieldError::new(
                path,
                format!(
                    "expected a mapping of named views such as {{mine: {{filter: \"@me\"}}}}, found {}",
                    type_name(other)
                ),
            )),
        }
        problems.extend(own.iter().cloned());
        let own = own
            .into_iter()
            .map(|error| ViewProblem {
                error,
                placed: None,
            })
            .collect();
        Views {
            list,
            own,
            raw: Some(value),
        }
    }

    /// `views:` as written, or `None` when there is none.
    pub fn to_value(&self) -> Option<Value> {
        self.raw.clone()
    }

    /// Give each problem its position: `place` turns a field's error into
    /// `path:line:column: message`.
    pub fn place(&mut self, place: impl Fn(&FieldError) -> String) {
        let broken = self.list.iter_mut().filter_map(|v| v.view.as_mut().err());
        for p in self.own.iter_mut().chain(broken) {
            p.placed = Some(place(&p.error));
        }
    }

    /// Every problem, `views:`'s own first, then each view's in order.
    pub fn problems(&self) -> Vec<String> {
        let broken = self.list.iter().filter_map(|v| v.view.as_ref().err());
        self.own
            .iter()
            .chain(broken)
            .map(ViewProblem::describe)
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// The views in force: the board's in its order, each replaced by the
/// user's own of the same name; then the user's other views in their
/// file's order. Number keys `1`-`9` go to the first nine.
pub fn catalog<'a>(board: &'a Views, personal: &'a Views) -> Vec<&'a SavedView> {
    let mut out: Vec<&SavedView> = board
        .list
        .iter()
        .map(|b| personal.list.iter().find(|p| p.name == b.name).unwrap_or(b))
        .collect();
    for p in &personal.list {
        if !board.list.iter().any(|b| b.name == p.name) {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> (Vec<String>, Vec<String>) {
        (
            vec!["data".into(), "modeling".into(), "evaluation".into()],
            vec!["task".into(), "hypothesis".into()],
        )
    }

    fn read(yaml: &str) -> (Views, Vec<FieldError>) {
        let (lanes, kinds) = known();
        let v: Value = serde_yaml::from_str(yaml).unwrap();
        let mut problems = Vec::new();
        let views = Views::read(
            Some(v),
            "views",
            Origin::Board,
            Known {
                lanes: &lanes,
                kinds: &kinds,
                fields: &crate::model::field::Schema::default(),
            },
            &mut problems,
        );
        (views, problems)
    }

    #[test]
    fn views_read_with_their_sort_lanes_and_archived() {
        let (views, problems) = read(
            "open: {filter: kind:hypothesis verdict:open, sort: -updated}\nmine:\n  filter: '@me'\n  lanes: [modeling, evaluation]\n  archived: true\nstale: is:stale\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let names: Vec<&str> = views.list.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["open", "mine", "stale"]);
        let open = views.list[0].view.as_ref().unwrap();
        assert_eq!(
            open.sort,
            Sort {
                key: SortKey::Updated,
                reversed: true
            }
        );
        let mine = views.list[1].view.as_ref().unwrap();
        assert_eq!(mine.lanes, ["modeling", "evaluation"]);
        assert!(mine.archived && mine.shows_lane("modeling") && !mine.shows_lane("data"));
        assert!(views.list[2].view.as_ref().unwrap().filter.needs_stale());
    }

    #[test]
    fn a_bad_view_is_reported_and_the_others_still_read() {
        for (yaml, field, near, says) in [
            (
                "{filter: asignee:me}",
                "views.bad.filter",
                Some("asignee:me"),
                "unknown filter key",
            ),
            (
                "{sort: priority}",
                "views.bad.sort",
                Some("priority"),
                "cannot sort by",
            ),
            (
                "{lanes: [modelling]}",
                "views.bad.lanes.0",
                Some("modelling"),
                "unknown lane",
            ),
            ("{filtr: '@me'}", "views.bad.filtr", None, "unknown field"),
            (
                "{archived: maybe}",
                "views.bad.archived",
                None,
                "true or false",
            ),
            ("[1, 2]", "views.bad", None, "expected a view"),
        ] {
            let (views, problems) = read(&format!(
                "good: {{filter: kind:task}}\nbad: {yaml}\nlast: '@me'\n"
            ));
            assert_eq!(problems.len(), 1, "{yaml}: {problems:?}");
            assert_eq!(problems[0].field, field, "{yaml}");
            assert_eq!(problems[0].near.as_deref(), near, "{yaml}");
            assert!(problems[0].message.contains(says), "{yaml}: {problems:?}");
            assert!(views.list[0].view.is_ok() && views.list[2].view.is_ok());
            assert!(views.list[1].view.is_err());
            // Written back exactly as read.
            let again: Value = serde_yaml::from_str(&format!(
                "good: {{filter: kind:task}}\nbad: {yaml}\nlast: '@me'\n"
            ))
            .unwrap();
            assert_eq!(views.to_value(), Some(again));
        }
        let (mut views, problems) = read("[a, b]");
        assert!(views.is_empty());
        assert_eq!(problems[0].field, "views");
        views.place(|e| format!("f:1:1: {e}"));
        assert_eq!(views.problems().len(), 1);
        assert!(views.problems()[0].starts_with("f:1:1: views: expected a mapping"));
    }

    #[test]
    fn the_users_views_replace_the_boards_of_the_same_name() {
        let (board, _) = read("a: kind:task\nmine: '@ana'\nb: kind:hypothesis\n");
        let (mut personal, _) = read("mine: '@me'\nextra: is:stale\n");
        for v in &mut personal.list {
            v.origin = Origin::Personal;
        }
        let all = catalog(&board, &personal);
        let names: Vec<(&str, Origin)> = all.iter().map(|v| (v.name.as_str(), v.origin)).collect();
        assert_eq!(
            names,
            [
                ("a", Origin::Board),
                ("mine", Origin::Personal),
                ("b", Origin::Board),
                ("extra", Origin::Personal)
            ]
        );
    }

    #[test]
    fn sorts_keep_the_board_order_among_equals() {
        let mut cards: Vec<Card> = ["b", "a", "c"]
            .iter()
            .map(|t| {
                Card::new(
                    format!("id{t}"),
                    t.to_string(),
                    "x".into(),
                    "i".into(),
                    "task".into(),
                )
            })
            .collect();
        cards[0].due = Some("2026-02-01".into());
        cards[2].due = Some("2026-01-01".into());
        cards[1].journal.push(crate::model::JournalEntry {
            at: "2026-03-01T10:00:00Z".into(),
            ..Default::default()
        });
        cards[0].created = Some("2026-02-15".into());
        let order = |s: &str| {
            let (reversed, name) = match s.strip_prefix('-') {
                Some(n) => (true, n),
                None => (false, s),
            };
            let sort = Sort {
                key: SortKey::parse(name).unwrap(),
                reversed,
            };
            let mut v: Vec<&Card> = cards.iter().collect();
            v.sort_by(|a, b| sort.compare(a, b));
            v.iter().map(|c| c.title.as_str()).collect::<String>()
        };
        assert_eq!(order("rank"), "bac");
        assert_eq!(order("title"), "abc");
        assert_eq!(order("-title"), "cba");
        assert_eq!(order("due"), "cba");
        assert_eq!(order("updated"), "abc");
    }
}

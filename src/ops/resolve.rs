//! Settling a conflict that a sync or the merge driver recorded on a card
//! (its `conflicts:` list): keep the value the merge kept, take the other
//! one, or give a new value. One commit; the entry leaves the list and the
//! journal says what was decided, over what, and by whom.
//!
//! `lanes resolve CARD FIELD --take kept|other|VALUE` comes here, and so
//! does the board screen's conflicts view, both through the one writer
//! (`ops::apply` with `Action::Resolve`, which calls [`resolve_in`]);
//! [`resolve`] is that in one call.

use super::{message, set, Base, Outcome, Said};
use crate::model::{date, Card, JournalEntry};
use crate::store::Index;
use anyhow::{anyhow, bail, Result};
use serde_yaml::{Mapping, Value};

/// Which value a conflict settles on.
#[derive(Debug, Clone, PartialEq)]
pub enum Take {
    /// The value the merge kept (the card's current value stays).
    Kept,
    /// The value the merge set aside.
    Other,
    /// A value given now (YAML).
    Value(Value),
}

impl Take {
    /// `kept`, `other`, or any other text as a YAML value (`0.24`,
    /// `"kept"` for the word itself).
    pub fn parse(s: &str) -> Result<Take> {
        Ok(match s {
            "kept" => Take::Kept,
            "other" => Take::Other,
            _ => Take::Value(crate::store::parse_value(s)?),
        })
    }
}

/// One side of a recorded conflict: its value and who made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub value: Value,
    /// The author of the commit that made this value (older entries: the
    /// name the merge knew, possibly `ours`/`theirs`).
    pub by: String,
    /// When that commit was made (RFC 3339), if recorded.
    pub at: Option<String>,
    /// That commit (abbreviated), if recorded.
    pub commit: Option<String>,
}

impl Side {
    /// `0.24 (Mei, 3 Dec)`.
    pub fn describe(&self) -> String {
        format!("{} ({})", message::brief(&self.value), self.who())
    }

    /// `Mei, 3 Dec` (`Mei` when no date was recorded).
    pub fn who(&self) -> String {
        let by = if self.by.is_empty() {
            "unknown"
        } else {
            self.by.as_str()
        };
        match self.at.as_deref().and_then(short_date) {
            Some(d) => format!("{by}, {d}"),
            None => by.to_string(),
        }
    }
}

/// A conflict recorded on a card.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The dotted field, or `placement` (lane and rank together).
    pub field: String,
    /// What the merge kept (the card's value then).
    pub kept: Side,
    /// What it set aside.
    pub other: Side,
    /// The entry as it is in the file.
    pub raw: Value,
}

/// The conflicts recorded on a card, in file order. Entries written
/// before authors and dates were recorded (only `kept_by`/`other_by`)
/// read too.
pub fn recorded(card: &Card) -> Vec<Recorded> {
    let Some(Value::Sequence(list)) = card.extra.get("conflicts") else {
        return Vec::new();
    };
    list.iter()
        .map(|raw| {
            let text = |k: &str| match raw.get(k) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Null) | None => None,
                Some(v) => Some(message::show_value(v)),
            };
            let side = |name: &str| Side {
                value: raw.get(name).cloned().unwrap_or(Value::Null),
                by: text(&format!("{name}_by")).unwrap_or_default(),
                at: text(&format!("{name}_at")),
                commit: text(&format!("{name}_commit")),
            };
            Recorded {
                field: text("field").unwrap_or_default(),
                kept: side("kept"),
                other: side("other"),
                raw: raw.clone(),
            }
        })
        .collect()
}

/// `3 Dec` for a timestamp this year, `3 Dec 2025` otherwise.
pub fn short_date(at: &str) -> Option<String> {
    let secs = date::parse_timestamp(at)?;
    let (y, m, d) = date::civil_from_days(secs.div_euclid(86_400));
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS[(m as usize).saturating_sub(1).min(11)];
    let (this_year, _, _) = date::civil_from_days(date::today());
    Some(if y == this_year {
        format!("{d} {month}")
    } else {
        format!("{d} {month} {y}")
    })
}

/// The card's value of `field` as a conflict records it (`placement`:
/// lane and rank together; `Null` when the card has no such field).
pub fn field_value(card: &Card, field: &str) -> Value {
    let v = card.to_value();
    if field == "placement" {
        let mut m = Mapping::new();
        m.insert("lane".into(), Value::from(card.lane.clone()));
        m.insert("rank".into(), Value::from(card.rank.clone()));
        return Value::Mapping(m);
    }
    set::get_field(&v, field).cloned().unwrap_or(Value::Null)
}

/// What settling does to a card: the card after, the commit's detail and
/// body. `by` and `now` make the journal line.
pub(super) fn settle(
    old: &Card,
    field: &str,
    take: &Take,
    by: &str,
    now: i64,
) -> Result<(Card, String, String)> {
    let all = recorded(old);
    if all.is_empty() {
        bail!("{} has no recorded conflicts", old.short_id());
    }
    let (mine, rest): (Vec<&Recorded>, Vec<&Recorded>) = all.iter().partition(|c| c.field == field);
    if mine.is_empty() {
        let fields: Vec<&str> = all.iter().map(|c| c.field.as_str()).collect();
        bail!(
            "{} has no conflict on {field:?}; its conflicts are on: {}",
            old.short_id(),
            fields.join(", ")
        );
    }
    let now_value = field_value(old, field);
    // Several syncs may have recorded the same field: settling it settles
    // them all, and "other" must then name one value.
    let last = mine[mine.len() - 1];
    let (value, decided) = match take {
        Take::Kept => {
            let over = others(&mine);
            let what = if now_value == last.kept.value {
                format!("kept {}", last.kept.describe())
            } else {
                format!("kept the current value {}", message::brief(&now_value))
            };
            (None, format!("{what} over {over}"))
        }
        Take::Other => {
            let distinct: Vec<&Recorded> = mine.iter().fold(Vec::new(), |mut acc, c| {
                if !acc
                    .iter()
                    .any(|a: &&Recorded| a.other.value == c.other.value)
                {
                    acc.push(c);
                }
                acc
            });
            if distinct.len() > 1 {
                let list: Vec<String> = distinct.iter().map(|c| c.other.describe()).collect();
                bail!(
                    "{field} has {} other values recorded ({}); give the one to keep with --take VALUE",
                    distinct.len(),
                    list.join(", ")
                );
            }
            let kept: Vec<String> =
                mine.iter()
                    .map(|c| c.kept.describe())
                    .fold(Vec::new(), |mut acc, d| {
                        if !acc.contains(&d) {
                            acc.push(d);
                        }
                        acc
                    });
            (
                Some(last.other.value.clone()),
                format!("took {} over {}", last.other.describe(), kept.join(" and ")),
            )
        }
        Take::Value(v) => {
            if field == "placement" {
                bail!("placement is a lane and rank together: take kept or other, then move the card with `lanes move` if neither is right");
            }
            (
                Some(v.clone()),
                format!(
                    "set {} over {} and {}",
                    message::brief(v),
                    last.kept.describe(),
                    others(&mine)
                ),
            )
        }
    };
    let mut value_now = old.to_value();
    if let Some(v) = value {
        if field == "placement" {
            for k in ["lane", "rank"] {
                let part = v.get(k).cloned().unwrap_or(Value::Null);
                if part.is_null() {
                    bail!("the other placement has no {k}; move the card with `lanes move`");
                }
                set::set_field(&mut value_now, k, part, old)?;
            }
        } else {
            set::set_field(&mut value_now, field, v, old)?;
        }
    }
    let mut card = Card::from_value(value_now).map_err(|e| anyhow!("{e}"))?;
    let left: Vec<Value> = rest.iter().map(|c| c.raw.clone()).collect();
    if left.is_empty() {
        card.extra.remove("conflicts");
    } else {
        card.extra.insert("conflicts".into(), Value::Sequence(left));
    }
    let line = format!("resolved {field}: {decided}");
    card.journal.push(JournalEntry {
        at: date::format_timestamp(now),
        by: by.to_string(),
        text: line.clone(),
        extra: Default::default(),
    });
    let detail = match take {
        Take::Kept => format!("{field}: kept"),
        Take::Other => format!("{field}: took the other value"),
        Take::Value(v) => format!("{field}: {}", message::brief(v)),
    };
    Ok((card, detail, line))
}

/// The set-aside values of `entries`, described, without repeats.
fn others(entries: &[&Recorded]) -> String {
    let mut out: Vec<String> = Vec::new();
    for c in entries {
        let d = c.other.describe();
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out.join(" and ")
}

/// Settle the conflict recorded on `card`'s `field` with `take`, in one
/// commit (`lanes: resolve <id> <title> (<field>: ...)`): the value set,
/// the `conflicts:` entry removed (the whole list once empty), and a
/// journal line by the user saying what was decided over what. Takes the
/// board lock, as every change does.
pub fn resolve(
    ctx: &super::Context,
    root: &std::path::Path,
    card: &str,
    field: &str,
    take: &Take,
) -> Result<Outcome> {
    let action = super::Action::Resolve {
        card: card.to_string(),
        field: field.to_string(),
        take: take.clone(),
    };
    Ok(super::apply(ctx, root, action)?)
}

/// [`resolve`] on a board already loaded (the lock held by the caller:
/// `ops::apply`).
pub fn resolve_in(
    ctx: &super::Context,
    board: &Index,
    card: &str,
    field: &str,
    take: &Take,
) -> Result<Outcome> {
    let old = super::lookup(board, card)?;
    let by = super::author_name(ctx, &board.root);
    let by = if by.is_empty() {
        "lanes".to_string()
    } else {
        by
    };
    let (new, detail, body) = settle(&old, field, take, &by, ctx.now())?;
    super::write_and_commit(
        ctx,
        board,
        Base::Card(&old),
        &new,
        None,
        Said {
            verb: "resolve",
            detail: &detail,
            body: &body,
            also: &[],
        },
    )
}

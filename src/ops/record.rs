//! Recording what a run gave a card (`lanes result`, `lanes run`): result,
//! verdict and evidence, the run in `experiment.runs`, its cost and a
//! journal entry, all in one commit.

use super::{author_name, lookup, message, Context};
use crate::history::report::{cost_of, unit_name};
use crate::model::{date, Card, Evidence, Experiment, JournalEntry, Verdict};
use crate::store::Index;
use anyhow::Result;
use serde_yaml::Value;

/// What a run gives a card.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub card: String,
    /// The new `hypothesis.result`.
    pub result: Option<Value>,
    /// The new verdict (None: left as it is).
    pub verdict: Option<Verdict>,
    /// The result's provenance (replaces the card's evidence).
    pub evidence: Option<Evidence>,
    /// A key to keep as `hypothesis.metric_key` (one the user named).
    pub metric_key: Option<String>,
    /// Why the verdict holds (`--because`): its `rationale`. Without one,
    /// a new result or verdict takes away the rationale given before.
    pub because: Option<String>,
    /// A run to add to `experiment.runs` (`mlflow:<id>`).
    pub run: Option<String>,
    /// A cost to add to `experiment.cost`: (amount, unit; "" for none).
    pub cost: Option<(f64, String)>,
    /// A journal entry.
    pub note: Option<String>,
    /// The commit's verb: `result` or `run`.
    pub verb: &'static str,
    /// The commit subject's detail.
    pub detail: String,
}

/// A cost as the card keeps it: a number, or `<amount> <unit>`.
pub fn cost_value(amount: f64, unit: &str) -> Value {
    let rounded = (amount * 10_000.0).round() / 10_000.0;
    let text = format!("{rounded}");
    match unit {
        "" => Value::Number(rounded.into()),
        "$" => Value::String(format!("${text}")),
        u => Value::String(format!("{text} {}", unit_name(u))),
    }
}

/// The card before and after, with the commit's body.
pub(super) fn build(ctx: &Context, board: &Index, rec: Record) -> Result<(Card, Card, String)> {
    let old = lookup(board, &rec.card)?;
    let mut card = old.clone();
    let mut body = Vec::new();
    if rec.result.is_some()
        || rec.verdict.is_some()
        || rec.evidence.is_some()
        || rec.metric_key.is_some()
        || rec.because.is_some()
    {
        let h = card.hypothesis.get_or_insert_with(Default::default);
        if let Some(k) = rec.metric_key {
            body.push(format!("hypothesis.metric_key: {k}"));
            h.metric_key = Some(k);
        }
        if let Some(r) = rec.result {
            body.push(format!("hypothesis.result: {}", message::show_value(&r)));
            h.result = Some(r);
        }
        if let Some(v) = rec.verdict {
            body.push(format!("hypothesis.verdict: {v}"));
            h.verdict = v;
        }
        match rec.because {
            Some(why) => {
                body.push(format!("hypothesis.rationale: {why}"));
                h.rationale = Some(why);
            }
            None if (rec.evidence.is_some() || rec.verdict.is_some())
                && h.rationale.take().is_some() =>
            {
                body.push("hypothesis.rationale: removed (it was about the verdict before)".into());
            }
            None => {}
        }
        if let Some(e) = &rec.evidence {
            body.push(format!("hypothesis.evidence: {}", e.source));
            h.set_evidence(Some(e));
        }
    }
    if rec.run.is_some() || rec.cost.is_some() {
        let e = card
            .experiment
            .get_or_insert_with(|| Box::new(Experiment::default()));
        if let Some(run) = rec.run {
            if !e.runs.contains(&run) {
                body.push(format!("experiment.runs: + {run}"));
                e.runs.push(run);
            }
        }
        if let Some((amount, unit)) = rec.cost {
            let total = match cost_of(&e.cost) {
                Some((was, u)) if unit_name(&u) == unit_name(&unit) => was + amount,
                _ => amount,
            };
            let v = cost_value(total, &unit);
            body.push(format!("experiment.cost: {}", message::show_value(&v)));
            e.cost = Some(v);
        }
    }
    if let Some(text) = rec.note {
        card.journal.push(JournalEntry {
            at: date::format_timestamp(ctx.now()),
            by: author_name(ctx, &board.root),
            text: text.clone(),
            extra: Default::default(),
        });
        body.push(String::new());
        body.push(text);
    }
    Ok((old, card, body.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_keep_their_unit_in_the_plural() {
        assert_eq!(
            cost_value(0.5, "GPU-hour"),
            Value::String("0.5 GPU-hours".into())
        );
        assert_eq!(cost_value(1.23456, ""), Value::from(1.2346));
        assert_eq!(cost_value(2.0, "$"), Value::String("$2".into()));
    }
}

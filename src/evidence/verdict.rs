//! The verdict a result gives a hypothesis: for `higher`, a result at or
//! above the target is `supported`, at or below the baseline `refuted`, in
//! between `inconclusive`; mirrored for `lower`.
//!
//! A verdict given by hand must agree with that rule, or say why it
//! holds anyway (its `rationale`): [`disagreement`], [`by_hand`].

use crate::model::{Direction, Hypothesis, Verdict};
use anyhow::{bail, Result};
use serde_yaml::Value;

/// A measure as a number: a number, numeric text, or (for a target) a
/// change relative to the baseline such as `+10%`.
fn number(v: &Value, relative_to: Option<f64>, name: &str) -> Result<f64> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let s = s.trim();
            match (s.strip_suffix('%'), relative_to) {
                (Some(p), Some(base)) => p
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .map(|pct| base * (1.0 + pct / 100.0)),
                _ => s.parse::<f64>().ok(),
            }
        }
        _ => None,
    };
    match n {
        Some(x) if x.is_finite() => Ok(x),
        _ => bail!(
            "hypothesis.{name} is {}, not a number, so lanes cannot give a verdict (set it to a number, or record with --no-verdict)",
            crate::ops::show_value(v)
        ),
    }
}

/// The verdict `result` gives `h`. The target is required; without a
/// baseline a result short of the target is `inconclusive`, never
/// `refuted`. Without a direction, it is the way from baseline to target
/// (higher when there is no baseline).
pub fn verdict(h: &Hypothesis, result: f64) -> Result<Verdict> {
    let Some(target) = &h.target else {
        bail!("the hypothesis has no target, so lanes cannot give a verdict (set hypothesis.target, or record with --no-verdict)");
    };
    let baseline = h
        .baseline
        .as_ref()
        .map(|b| number(b, None, "baseline"))
        .transpose()?;
    let target = number(target, baseline, "target")?;
    let direction = h.direction.unwrap_or(match baseline {
        Some(b) if target < b => Direction::Lower,
        _ => Direction::Higher,
    });
    // Compare in the "higher is better" frame.
    let sign = match direction {
        Direction::Higher => 1.0,
        Direction::Lower => -1.0,
    };
    let (r, t, b) = (sign * result, sign * target, baseline.map(|b| sign * b));
    Ok(if r >= t {
        Verdict::Supported
    } else if b.is_some_and(|b| r <= b) {
        Verdict::Refuted
    } else {
        Verdict::Inconclusive
    })
}

/// A verdict the numbers contradict: what they give instead, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagrees {
    /// The verdict given.
    pub given: Verdict,
    /// The verdict the numbers give.
    pub computed: Verdict,
    /// The numbers, in words: `result 0.25, target 0.2, baseline 0.18,
    /// higher is better`.
    pub numbers: String,
}

impl std::fmt::Display for Disagrees {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the numbers give {}, not {} ({})",
            self.computed, self.given, self.numbers
        )
    }
}

impl std::error::Error for Disagrees {}

fn show(v: &Value) -> String {
    crate::ops::show_value(v)
}

/// The verdict `h`'s own numbers give, when they give one: its result
/// must be a number, its target too.
pub fn computed(h: &Hypothesis) -> Option<Verdict> {
    let result = h
        .result
        .as_ref()
        .and_then(|r| number(r, None, "result").ok())?;
    verdict(h, result).ok()
}

/// Whether `h`'s verdict contradicts its numbers with no reason given:
/// `open` claims nothing, a verdict with a `rationale` says why it holds,
/// and numbers that give no verdict (no target, text) contradict nothing.
pub fn disagreement(h: &Hypothesis) -> Option<Disagrees> {
    if h.verdict == Verdict::Open || h.rationale.as_deref().is_some_and(|r| !r.trim().is_empty()) {
        return None;
    }
    let computed = computed(h)?;
    if computed == h.verdict {
        return None;
    }
    let direction = h.direction.map_or_else(
        || "direction from baseline to target".to_string(),
        |d| format!("{} is better", d.as_str()),
    );
    let mut numbers = vec![
        format!("result {}", h.result.as_ref().map(show).unwrap_or_default()),
        format!("target {}", h.target.as_ref().map(show).unwrap_or_default()),
    ];
    if let Some(b) = &h.baseline {
        numbers.push(format!("baseline {}", show(b)));
    }
    numbers.push(direction);
    Some(Disagrees {
        given: h.verdict,
        computed,
        numbers: numbers.join(", "),
    })
}

/// Whether giving `h` the verdict `verdict` by hand (with `result`, when
/// one is given) needs a reason: the disagreement the reason must answer.
/// A rationale given before stays only while verdict and result do.
pub fn needs_reason(h: &Hypothesis, verdict: Verdict, result: Option<&Value>) -> Option<Disagrees> {
    let mut new = h.clone();
    new.verdict = verdict;
    if let Some(r) = result {
        new.result = Some(r.clone());
    }
    change_needs_reason(h, &new)
}

/// Whether changing a hypothesis from `old` to `new` by hand (any of its
/// fields: a target, a baseline, the verdict) needs a reason, as
/// [`by_hand`] checks it: the disagreement the reason must answer. A
/// rationale given before stays only while verdict and result do.
pub fn change_needs_reason(old: &Hypothesis, new: &Hypothesis) -> Option<Disagrees> {
    let mut new = new.clone();
    if new.verdict != old.verdict || new.result != old.result {
        new.rationale = None;
    }
    disagreement(&new)
}

/// A reason as given (`--because`): trimmed; an empty one is an error.
pub fn reason(because: Option<&str>) -> Result<Option<String>> {
    match because.map(str::trim) {
        None => Ok(None),
        Some("") => bail!("the reason is empty; say why the verdict holds"),
        Some(r) => Ok(Some(r.to_string())),
    }
}

/// A verdict or result given by hand (`lanes verdict`, `lanes edit --set
/// hypothesis.verdict=...`), from `old` to `new`, checked and recorded:
///
/// - `because` becomes the `rationale`; without one, a rationale given for
///   an earlier verdict or result goes (it was about those);
/// - a verdict that contradicts the numbers with no rationale is an error
///   ([`Disagrees`]);
/// - the evidence is superseded: it describes the current result only, so
///   a result that is no longer its value moves it out of the card (git
///   keeps it: `lanes log`), and its `verdict` (what lanes gave from the
///   value) goes when the card's verdict is another.
///
/// Returns lines for the commit's body saying what else changed.
pub fn by_hand(
    old: Option<&Hypothesis>,
    new: &mut Hypothesis,
    because: Option<&str>,
) -> Result<Vec<String>> {
    let mut said = Vec::new();
    // As `needs_reason` has it.
    let changed = old.is_none_or(|o| o.verdict != new.verdict || o.result != new.result);
    match reason(because)? {
        Some(r) => new.rationale = Some(r),
        None if changed && new.rationale.take().is_some() => {
            said.push("hypothesis.rationale: removed (it was about the verdict before)".into());
        }
        None => {}
    }
    if let Some(d) = disagreement(new) {
        return Err(d.into());
    }
    if let Some(Ok(mut e)) = new.evidence() {
        let value_is_result = new
            .result
            .as_ref()
            .and_then(|r| number(r, None, "result").ok())
            .is_some_and(|r| r == e.value);
        if !value_is_result {
            new.set_evidence(None);
            said.push(format!(
                "hypothesis.evidence: moved out: the result is no longer its value {} from {} (lanes log shows it)",
                e.value, e.source
            ));
        } else if e.verdict.is_some_and(|v| v != new.verdict) {
            e.verdict = None;
            new.set_evidence(Some(&e));
            said.push(format!(
                "hypothesis.evidence.verdict: removed: the verdict is {} by hand, not what lanes gave from the value",
                new.verdict
            ));
        }
    }
    Ok(said)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(dir: Option<Direction>, baseline: Option<Value>, target: Value) -> Hypothesis {
        Hypothesis {
            direction: dir,
            baseline,
            target: Some(target),
            ..Default::default()
        }
    }

    #[test]
    fn higher_is_better() {
        let x = h(Some(Direction::Higher), Some(0.18.into()), 0.20.into());
        assert_eq!(verdict(&x, 0.232).unwrap(), Verdict::Supported);
        assert_eq!(verdict(&x, 0.20).unwrap(), Verdict::Supported);
        assert_eq!(verdict(&x, 0.19).unwrap(), Verdict::Inconclusive);
        assert_eq!(verdict(&x, 0.18).unwrap(), Verdict::Refuted);
        assert_eq!(verdict(&x, 0.1).unwrap(), Verdict::Refuted);
    }

    #[test]
    fn lower_is_better_mirrors_it() {
        let x = h(Some(Direction::Lower), Some(0.5.into()), 0.4.into());
        assert_eq!(verdict(&x, 0.35).unwrap(), Verdict::Supported);
        assert_eq!(verdict(&x, 0.45).unwrap(), Verdict::Inconclusive);
        assert_eq!(verdict(&x, 0.5).unwrap(), Verdict::Refuted);
        // No direction: from baseline to target.
        let y = h(None, Some(0.5.into()), 0.4.into());
        assert_eq!(verdict(&y, 0.35).unwrap(), Verdict::Supported);
    }

    #[test]
    fn relative_targets_and_text_that_is_not_a_number() {
        let x = h(None, Some(100.into()), Value::from("+10%"));
        assert_eq!(verdict(&x, 111.0).unwrap(), Verdict::Supported);
        assert_eq!(verdict(&x, 105.0).unwrap(), Verdict::Inconclusive);
        let y = h(None, Some(0.1.into()), Value::from("better"));
        assert!(verdict(&y, 0.2)
            .unwrap_err()
            .to_string()
            .contains("not a number"));
        let none = Hypothesis::default();
        assert!(verdict(&none, 0.2).is_err());
    }

    #[test]
    fn a_verdict_by_hand_agrees_with_its_numbers_or_says_why() {
        let mut x = h(Some(Direction::Higher), Some(0.18.into()), 0.2.into());
        x.result = Some(0.25.into());
        x.verdict = Verdict::Refuted;
        let d = disagreement(&x).expect("refuted at 0.25 contradicts a target of 0.2");
        assert_eq!(d.computed, Verdict::Supported);
        assert_eq!(
            d.to_string(),
            "the numbers give supported, not refuted (result 0.25, target 0.2, baseline 0.18, higher is better)"
        );
        x.verdict = Verdict::Open;
        assert_eq!(disagreement(&x), None);
        x.verdict = Verdict::Supported;
        assert_eq!(disagreement(&x), None);
        x.verdict = Verdict::Refuted;
        x.rationale = Some("leakage in the eval set".into());
        assert_eq!(disagreement(&x), None);
        // No numbers to contradict.
        let text = Hypothesis {
            result: Some("better".into()),
            target: Some(0.2.into()),
            verdict: Verdict::Refuted,
            ..Default::default()
        };
        assert_eq!(disagreement(&text), None);
        assert!(reason(Some("  ")).is_err());
    }

    #[test]
    fn a_verdict_by_hand_supersedes_the_evidence() {
        use crate::model::Evidence;
        let mut old = h(Some(Direction::Higher), Some(0.18.into()), 0.2.into());
        old.result = Some(0.25.into());
        old.verdict = Verdict::Supported;
        old.set_evidence(Some(&Evidence {
            source: "mlflow:abc".into(),
            metric: "p".into(),
            value: 0.25,
            verdict: Some(Verdict::Supported),
            ..Default::default()
        }));
        // The same result, another verdict with a reason: the evidence
        // stays (it is where 0.25 came from), without its verdict.
        let mut new = old.clone();
        new.verdict = Verdict::Refuted;
        assert!(by_hand(Some(&old), &mut new.clone(), None).is_err());
        let said = by_hand(Some(&old), &mut new, Some("leakage")).unwrap();
        assert_eq!(said.len(), 1, "{said:?}");
        let e = new.evidence().unwrap().unwrap();
        assert_eq!((e.value, e.verdict), (0.25, None));
        assert_eq!(new.rationale.as_deref(), Some("leakage"));
        // Another result by hand: the evidence moves out, the reason goes.
        let before = new.clone();
        new.result = Some(0.1.into());
        let said = by_hand(Some(&before), &mut new, None).unwrap();
        assert!(new.evidence().is_none());
        assert_eq!(new.rationale, None);
        assert_eq!(said.len(), 2, "{said:?}");
    }
}

//! The verdict a result gives a hypothesis: for `higher`, a result at or
//! above the target is `supported`, at or below the baseline `refuted`, in
//! between `inconclusive`; mirrored for `lower`.

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
}

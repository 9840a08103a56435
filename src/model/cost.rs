//! Costs as cards keep them (`experiment.cost`): a plain number, `$40`,
//! `2.5 GPU-hours`, `46 USD (spot CPU)`. One reading for the report's
//! totals, budgets and `lanes run`, so a unit is the same unit everywhere.

use serde_yaml::Value;

/// A cost as (amount, unit): `12.5` -> (12.5, ""), `2 GPU-hours` ->
/// (2, "GPU-hours"), `$40` -> (40, "$"). A comment in parentheses after
/// the unit is not part of it: `46 USD (spot CPU)` -> (46, "USD").
pub fn cost_of(v: &Option<Value>) -> Option<(f64, String)> {
    match v {
        Some(Value::Number(n)) => n.as_f64().map(|x| (x, String::new())),
        Some(Value::String(s)) => {
            let s = s.trim();
            let (prefix, rest) = match s.strip_prefix('$') {
                Some(r) => ("$", r),
                None => ("", s),
            };
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
                .unwrap_or(rest.len());
            let amount: f64 = rest[..end].replace(',', "").parse().ok()?;
            let unit = if prefix.is_empty() {
                unit_name(without_comment(&rest[end..]))
            } else {
                prefix.to_string()
            };
            Some((amount, unit))
        }
        _ => None,
    }
}

/// `USD (spot CPU)` -> `USD`: a trailing remark in parentheses is not
/// part of a unit.
fn without_comment(unit: &str) -> &str {
    let unit = unit.trim();
    match unit.find('(') {
        Some(i) if unit.ends_with(')') => unit[..i].trim(),
        _ => unit,
    }
}

/// One name per unit, so that `1 CPU-hour` and `4 CPU-hours` add up: the
/// plural, as a total is usually more than one (`hour`, `hours` ->
/// `hours`). Units that are not words (`$`, `kWh`) stay as written.
pub fn unit_name(unit: &str) -> String {
    let is_word = unit.chars().last().is_some_and(|c| c.is_ascii_alphabetic()) && unit.len() > 1;
    if !is_word || unit.ends_with('s') || unit.chars().any(|c| c.is_ascii_digit()) {
        return unit.to_string();
    }
    let last_upper = unit.chars().last().is_some_and(|c| c.is_ascii_uppercase());
    if last_upper {
        // An abbreviation (`USD`, `GPU`): no plural.
        return unit.to_string();
    }
    format!("{unit}s")
}

/// An amount as people read it: whole numbers without decimals, others
/// to at most four places (`12`, `12.5`, `0.3333`).
pub fn show_amount(x: f64) -> String {
    let r = round(x);
    if r.fract() == 0.0 && r.abs() < 1e15 {
        format!("{r:.0}")
    } else {
        let s = format!("{r:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// An amount rounded to four decimal places, as lanes records costs
/// (sums of recorded costs then add up as people expect: 0.1 + 0.2 is
/// 0.3).
pub fn round(x: f64) -> f64 {
    let r = (x * 10_000.0).round() / 10_000.0;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// `12 GPU-hours`, `$40`, `14.5` (no unit).
pub fn show_cost(amount: f64, unit: &str) -> String {
    let n = show_amount(amount);
    match unit {
        "" => n,
        "$" => format!("${n}"),
        u => format!("{n} {u}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(s: &str) -> Option<(f64, String)> {
        cost_of(&Some(Value::String(s.into())))
    }

    #[test]
    fn costs_read_their_unit() {
        assert_eq!(cost("2 GPU-hours"), Some((2.0, "GPU-hours".into())));
        assert_eq!(cost("1 GPU-hour"), Some((1.0, "GPU-hours".into())));
        assert_eq!(cost("$40"), Some((40.0, "$".into())));
        assert_eq!(cost("1,200 USD"), Some((1200.0, "USD".into())));
        // A remark is not part of the unit.
        assert_eq!(cost("46 USD (spot CPU)"), Some((46.0, "USD".into())));
        assert_eq!(cost("3 (estimate)"), Some((3.0, String::new())));
        assert_eq!(cost("lots"), None);
        assert_eq!(
            cost_of(&Some(Value::Number(12.5.into()))),
            Some((12.5, String::new()))
        );
    }

    #[test]
    fn amounts_read_as_people_write_them() {
        assert_eq!(show_amount(12.0), "12");
        assert_eq!(show_amount(0.1 + 0.2), "0.3");
        assert_eq!(show_amount(2.0 / 3.0), "0.6667");
        assert_eq!(show_cost(40.0, "$"), "$40");
        assert_eq!(show_cost(2.5, "GPU-hours"), "2.5 GPU-hours");
    }
}

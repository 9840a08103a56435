//! A claim: who is working on a card now, and until when. Kept on the card
//! as `claim: {by, at, until}` (one row of the field table), written by
//! `lanes claim` and `lanes release` (and the MCP tools of the same names),
//! so it travels with the card through git like every other field.
//!
//! A claim whose `until` has passed is expired: it is ignored everywhere
//! (listed as unclaimed, claimable again). When two clones claimed the
//! same card offline, the merge keeps one, the same in every clone and in
//! every merge order: the earlier `at`, then the smaller name
//! ([`Claim::order`], [`crate::merge`]). The time a claim is compared
//! with is always passed in (an `ops::Context`'s clock), never read here.

use super::date;
use super::value::{FieldError, FieldResult, Fields, MapBuilder};
use serde_yaml::{Mapping, Value};

/// The card field holding the claim.
pub const KEY: &str = "claim";

/// The longest claim one command may take: a claim is for work in
/// progress; a longer piece of work is renewed by claiming again.
pub const MAX_SECS: i64 = 30 * 86_400;

/// How long a claim lasts when the command names no time and the board
/// sets none (`agents.claim_for`).
pub const DEFAULT_SECS: i64 = 2 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Claim {
    /// Who holds it: a person, or a person's agent (`Ana via claude-code`).
    pub by: String,
    /// When it was taken, RFC 3339 UTC.
    pub at: String,
    /// When it lapses, RFC 3339 UTC; `None`: when it is released.
    pub until: Option<String>,
    /// Fields this version does not know.
    pub extra: Mapping,
}

impl Claim {
    /// A claim by `by`, taken at `at`, lasting until `until` (seconds since
    /// the epoch).
    pub fn new(by: &str, at: i64, until: i64) -> Claim {
        Claim {
            by: by.to_string(),
            at: date::format_timestamp(at),
            until: Some(date::format_timestamp(until)),
            extra: Mapping::new(),
        }
    }

    /// Read a claim; `path` names it in errors (`claim`).
    pub fn from_value(value: Value, path: &str) -> FieldResult<Claim> {
        let mut f = Fields::new(value, path)?;
        let by = f.required_string("by")?;
        if by.trim().is_empty() {
            return Err(FieldError::new(f.path("by"), "a claim names who holds it"));
        }
        let timestamp =
            |f: &mut Fields, key: &str, required: bool| -> FieldResult<Option<String>> {
                let p = f.path(key);
                let v = if required {
                    Some(f.required_string(key)?)
                } else {
                    f.string(key)?
                };
                match v {
                    Some(s) if date::parse_timestamp(&s).is_none() => Err(FieldError::new(
                        p,
                        format!("{s:?} is not a timestamp (expected e.g. 2026-11-27T10:00:00Z)"),
                    )),
                    v => Ok(v),
                }
            };
        let at = timestamp(&mut f, "at", true)?.unwrap_or_default();
        let until = timestamp(&mut f, "until", false)?;
        Ok(Claim {
            by,
            at,
            until,
            extra: f.rest(),
        })
    }

    /// The mapping in its fixed key order.
    pub fn to_value(&self) -> Value {
        Value::Mapping(
            MapBuilder::new()
                .str("by", &self.by)
                .str("at", &self.at)
                .opt_str("until", &self.until)
                .extra(&self.extra)
                .build(),
        )
    }

    /// When it was taken, in seconds since the epoch.
    pub fn at_secs(&self) -> i64 {
        date::parse_timestamp(&self.at).unwrap_or(0)
    }

    /// When it lapses, in seconds since the epoch (`None`: never).
    pub fn until_secs(&self) -> Option<i64> {
        self.until.as_deref().and_then(date::parse_timestamp)
    }

    /// Whether it still holds at `now`.
    pub fn is_live(&self, now: i64) -> bool {
        self.until_secs().is_none_or(|u| now < u)
    }

    /// Whether it was taken by `person` or by an agent acting for them.
    pub fn is_of_person(&self, person: &str) -> bool {
        !person.is_empty()
            && (self.by == person
                || self
                    .by
                    .strip_prefix(person)
                    .is_some_and(|rest| rest.starts_with(" via ")))
    }

    /// The same claim taken again (renewed): the same holder and moment.
    pub fn same_taking(&self, other: &Claim) -> bool {
        self.by == other.by && self.at_secs() == other.at_secs()
    }

    /// The order two competing claims are kept in: the earlier `at`, then
    /// the smaller name (then the rest, so that no two differ in it).
    pub fn order(&self) -> (i64, &str, Option<i64>, String) {
        (
            self.at_secs(),
            self.by.as_str(),
            self.until_secs(),
            serde_yaml::to_string(&self.to_value()).unwrap_or_default(),
        )
    }

    /// `Bo until 2026-05-01 14:00 UTC`.
    pub fn describe(&self) -> String {
        describe(&self.by, self.until_secs())
    }
}

/// As JSON: `{"by", "at", "until"}` (`until` null when the claim has no
/// end).
impl serde::Serialize for Claim {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("by", &self.by)?;
        m.serialize_entry("at", &self.at)?;
        m.serialize_entry("until", &self.until)?;
        m.end()
    }
}

/// A claim by `by` lasting `until` (seconds; `None`: no end), for people:
/// `Bo until 2026-05-01 14:00 UTC`.
pub fn describe(by: &str, until: Option<i64>) -> String {
    match until {
        Some(u) => format!("{by} until {}", minute(u)),
        None => format!("{by} (no end)"),
    }
}

/// A moment as people read it: `2026-05-01 14:00 UTC`.
pub fn minute(secs: i64) -> String {
    let t = date::format_timestamp(secs);
    format!("{} {} UTC", &t[..10], &t[11..16])
}

/// A claim's length as typed: `90m`, `2h`, `1h30m`, `3d`, `1w` (at least
/// a minute, at most [`MAX_SECS`]), in seconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let bad = || format!("{s:?} is not a length of time; give e.g. 30m, 2h, 1h30m or 3d");
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().map_err(|_| bad())?;
        num.clear();
        let unit = match c {
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        total = n
            .checked_mul(unit)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(bad)?;
    }
    if !num.is_empty() {
        return Err(bad());
    }
    if total < 60 {
        return Err(format!("{s:?}: a claim lasts at least a minute"));
    }
    if total > MAX_SECS {
        return Err(format!(
            "{s:?}: a claim lasts at most 30 days; claim again to renew it"
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_read_back_and_know_when_they_hold() {
        let c = Claim::new("Bo", 1_000, 8_200);
        assert_eq!(Claim::from_value(c.to_value(), "claim").unwrap(), c);
        assert!(c.is_live(8_199));
        assert!(!c.is_live(8_200));
        let open = Claim {
            until: None,
            ..c.clone()
        };
        assert!(open.is_live(i64::MAX));
        let e = Claim::from_value(serde_yaml::from_str("{by: Bo, at: soon}").unwrap(), "claim")
            .unwrap_err();
        assert_eq!(e.field, "claim.at");
        let e = Claim::from_value(
            serde_yaml::from_str("{at: 2026-01-01T00:00:00Z}").unwrap(),
            "claim",
        )
        .unwrap_err();
        assert_eq!(e.field, "claim.by");
    }

    #[test]
    fn an_agents_claim_is_its_persons() {
        let c = Claim::new("Ana Lytic via claude-code", 0, 60);
        assert!(c.is_of_person("Ana Lytic"));
        assert!(!c.is_of_person("Ana"));
        assert!(!c.is_of_person(""));
        assert!(Claim::new("Ana", 0, 60).is_of_person("Ana"));
    }

    #[test]
    fn durations_parse_and_are_bounded() {
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("3d"), Ok(3 * 86_400));
        assert_eq!(parse_duration("1w"), Ok(7 * 86_400));
        for bad in [
            "",
            "2",
            "h",
            "2x",
            "-1h",
            "30s",
            "31d",
            "99999999999999999999w",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}

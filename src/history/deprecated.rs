//! JSON names on their way out. A few early fields of `lanes hypotheses
//! --json`, `lanes report --format json` and `lanes flow --json` are text
//! where they hold numbers, bare tuples where they hold records, or a
//! second name for what a typed successor now says (issue 27). Each stays,
//! unchanged, for one more release beside its successor, so that a script
//! reading it keeps working and can move; docs/FORMAT.md ("Deprecated
//! names") lists them with the release that removes them.
//!
//! The list is checked by tests: every name is still printed beside its
//! successor and listed in docs/FORMAT.md, and once the crate's version
//! reaches [`REMOVED_IN`] the build's own test fails until they are gone.

/// The release that removes every name below (they were deprecated in
/// 0.1, kept through 0.2).
pub const REMOVED_IN: (u64, u64) = (0, 3);

/// One deprecated JSON name: where it is printed, what replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    /// The command whose JSON has it.
    pub output: &'static str,
    /// The old name (a path below each row or the top object: `a.b`).
    pub old: &'static str,
    /// The name to read instead.
    pub new: &'static str,
}

const fn alias(output: &'static str, old: &'static str, new: &'static str) -> Alias {
    Alias { output, old, new }
}

/// Every deprecated name.
pub const ALIASES: &[Alias] = &[
    alias("lanes hypotheses --json", "baseline", "values.baseline"),
    alias("lanes hypotheses --json", "target", "values.target"),
    alias("lanes hypotheses --json", "result", "values.result"),
    alias("lanes hypotheses --json", "cost", "experiment_cost"),
    alias("lanes hypotheses --json", "verdicts", "verdict_history"),
    alias("lanes hypotheses --json", "updated", "updated_at"),
    alias("lanes report --format json", "lanes", "lane_counts"),
    alias("lanes report --format json", "over_wip", "over_wip_lanes"),
    alias("lanes report --format json", "overdue", "overdue_cards"),
    alias(
        "lanes report --format json",
        "cost_in_period",
        "costs_in_period",
    ),
    alias("lanes report --format json", "cost_total", "costs_total"),
    alias("lanes flow --json", "cfd", "days"),
    alias("lanes flow --json", "throughput", "weeks"),
];

/// `REMOVED_IN` as people read it: `0.3`.
pub fn removed_in() -> String {
    format!("{}.{}", REMOVED_IN.0, REMOVED_IN.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deprecated_names_are_gone_by_the_release_that_removes_them() {
        let mut v = env!("CARGO_PKG_VERSION")
            .split('.')
            .map(|p| p.parse::<u64>().unwrap_or(0));
        let version = (v.next().unwrap_or(0), v.next().unwrap_or(0));
        assert!(
            version < REMOVED_IN || ALIASES.is_empty(),
            "version {version:?}: remove the deprecated JSON names of src/history/deprecated.rs (and their rows in docs/FORMAT.md)"
        );
    }
}

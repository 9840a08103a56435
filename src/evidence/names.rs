//! Metric names as trackers write them. MLflow accepts only letters,
//! digits, `_`, `-`, `.`, space, `:` and `/` in a key, so a hypothesis
//! about `precision@10` finds its value logged as `precision_at_10`.
//!
//! Which key of a run a hypothesis reads, in this order:
//! 1. the key named when recording (`--metric KEY`, `mlflow:RUN#KEY`, a
//!    key picked on the board);
//! 2. `hypothesis.metric_key`, exactly;
//! 3. `hypothesis.metric`, exactly;
//! 4. `hypothesis.metric` by MLflow's name rules ([`normal`]): `@` reads
//!    as `_at_`, letter case and the separators `_ - . space` do not
//!    count, and a character MLflow refuses in a key counts as a
//!    separator. A name that matches two keys of a run is ambiguous.

/// How the key read was chosen (`hypothesis.evidence.metric_from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFrom {
    /// Named when recording.
    Given,
    /// `hypothesis.metric_key`.
    MetricKey,
    /// `hypothesis.metric`, as written.
    Metric,
    /// `hypothesis.metric` by MLflow's name rules.
    Name,
}

impl KeyFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyFrom::Given => "given",
            KeyFrom::MetricKey => "metric_key",
            KeyFrom::Metric => "metric",
            KeyFrom::Name => "name",
        }
    }
}

/// Whether MLflow accepts `name` as a metric key.
pub fn mlflow_accepts(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_-. :/".contains(c))
}

/// A name as MLflow's name rules compare it: lower case, `@` as the word
/// `at`, runs of separators (`_ - . space`, and any character MLflow
/// refuses in a key) as one `_`, none at either end or beside `/` and `:`
/// (which keep their meaning: `eval/precision` is not `precision`).
pub fn normal(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut gap = false;
    let push_word = |out: &mut String, gap: &mut bool, s: &str| {
        if *gap && !out.is_empty() && !out.ends_with(['/', ':']) {
            out.push('_');
        }
        *gap = false;
        out.push_str(s);
    };
    for c in name.chars() {
        if c == '@' {
            gap = true;
            push_word(&mut out, &mut gap, "at");
            gap = true;
        } else if c == '/' || c == ':' {
            gap = false;
            out.push(c);
        } else if c.is_alphanumeric() {
            let lower: String = c.to_lowercase().collect();
            push_word(&mut out, &mut gap, &lower);
        } else {
            gap = true;
        }
    }
    out
}

/// What a reading asks for: the metric and how it was named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// A key named when recording.
    pub given: Option<String>,
    /// `hypothesis.metric_key`.
    pub metric_key: Option<String>,
    /// `hypothesis.metric`.
    pub metric: Option<String>,
}

/// The key a run's keys give for what is wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    Found(String, KeyFrom),
    /// More than one key matches by the name rules.
    Ambiguous(Vec<String>),
    None,
}

impl Wanted {
    /// What is wanted, for messages: `precision@10`, or
    /// `precision_at_10 (hypothesis.metric_key)`.
    pub fn describe(&self) -> String {
        match (&self.given, &self.metric_key, &self.metric) {
            (Some(g), ..) => g.clone(),
            (None, Some(k), _) => format!("{k} (hypothesis.metric_key)"),
            (None, None, Some(m)) => m.clone(),
            (None, None, None) => "the metric".to_string(),
        }
    }

    /// The name the rules compare: what is wanted, unless it must be
    /// found exactly (`metric_key`).
    fn by_name(&self) -> Option<&str> {
        match (&self.given, &self.metric_key) {
            (Some(g), _) => Some(g),
            (None, Some(_)) => None,
            (None, None) => self.metric.as_deref(),
        }
    }

    /// The key of `keys` to read.
    pub fn pick<S: AsRef<str>>(&self, keys: &[S]) -> Pick {
        let has = |k: &str| keys.iter().any(|x| x.as_ref() == k);
        let exact = match (&self.given, &self.metric_key, &self.metric) {
            (Some(g), ..) => Some((g, KeyFrom::Given)),
            (None, Some(k), _) => Some((k, KeyFrom::MetricKey)),
            (None, None, Some(m)) => Some((m, KeyFrom::Metric)),
            (None, None, None) => None,
        };
        if let Some((k, from)) = exact {
            if has(k) {
                return Pick::Found(k.clone(), from);
            }
        }
        let Some(name) = self.by_name() else {
            return Pick::None;
        };
        let want = normal(name);
        if want.is_empty() {
            return Pick::None;
        }
        let mut found: Vec<String> = keys
            .iter()
            .map(AsRef::as_ref)
            .filter(|k| normal(k) == want)
            .map(str::to_string)
            .collect();
        found.sort();
        found.dedup();
        let from = if self.given.is_some() {
            KeyFrom::Given
        } else {
            KeyFrom::Name
        };
        match found.len() {
            0 => Pick::None,
            1 => Pick::Found(found.remove(0), from),
            _ => Pick::Ambiguous(found),
        }
    }

    /// The key read as it is named, when one is: the one given, else the
    /// metric_key, else the metric.
    pub fn exact(&self) -> Option<&String> {
        self.given
            .as_ref()
            .or(self.metric_key.as_ref())
            .or(self.metric.as_ref())
    }

    /// The keys of `keys` that could be read, best first: for finding the
    /// runs that logged the metric.
    pub fn candidates<S: AsRef<str>>(&self, keys: &[S]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Some(k) = self.exact() {
            if keys.iter().any(|x| x.as_ref() == k) {
                out.push(k.clone());
            }
        }
        if let Some(name) = self.by_name() {
            let want = normal(name);
            if !want.is_empty() {
                let mut more: Vec<String> = keys
                    .iter()
                    .map(AsRef::as_ref)
                    .filter(|k| normal(k) == want && !out.iter().any(|o| o == k))
                    .map(str::to_string)
                    .collect();
                more.sort();
                more.dedup();
                out.extend(more);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(m: &str) -> Wanted {
        Wanted {
            metric: Some(m.into()),
            ..Default::default()
        }
    }

    #[test]
    fn names_compare_as_mlflow_would_write_them() {
        assert_eq!(normal("precision@10"), "precision_at_10");
        assert_eq!(normal("precision_at_10"), "precision_at_10");
        assert_eq!(normal("Precision-At-10"), "precision_at_10");
        assert_eq!(normal("recall@5"), "recall_at_5");
        assert_eq!(normal("recall.at.5"), "recall_at_5");
        assert_eq!(normal("add-to-cart rate"), "add_to_cart_rate");
        assert_eq!(normal("  precision @ 10  "), "precision_at_10");
        assert_eq!(normal("recall@10, new items"), "recall_at_10_new_items");
        assert_eq!(normal("eval/precision@10"), "eval/precision_at_10");
        assert_ne!(normal("eval/precision@10"), normal("precision@10"));
        assert_ne!(normal("precision@10"), normal("precision@1"));
        assert_ne!(normal("precision@10"), normal("precision10"));
        assert!(mlflow_accepts("precision_at_10"));
        assert!(mlflow_accepts("eval/precision at:10"));
        assert!(!mlflow_accepts("precision@10"));
        assert!(!mlflow_accepts("recall@10, new items"));
    }

    #[test]
    fn the_key_read_is_chosen_in_order() {
        let keys = ["loss", "precision_at_10", "recall_at_5"];
        assert_eq!(
            metric("precision@10").pick(&keys),
            Pick::Found("precision_at_10".into(), KeyFrom::Name)
        );
        assert_eq!(
            metric("precision_at_10").pick(&keys),
            Pick::Found("precision_at_10".into(), KeyFrom::Metric)
        );
        assert_eq!(metric("ndcg@10").pick(&keys), Pick::None);
        let keyed = Wanted {
            metric_key: Some("recall_at_5".into()),
            ..metric("precision@10")
        };
        assert_eq!(
            keyed.pick(&keys),
            Pick::Found("recall_at_5".into(), KeyFrom::MetricKey)
        );
        // metric_key is exact: it is not matched by the rules.
        let typo = Wanted {
            metric_key: Some("Recall@5".into()),
            ..metric("recall@5")
        };
        assert_eq!(typo.pick(&keys), Pick::None);
        let given = Wanted {
            given: Some("loss".into()),
            ..keyed
        };
        assert_eq!(
            given.pick(&keys),
            Pick::Found("loss".into(), KeyFrom::Given)
        );
        let two = ["precision_at_10", "Precision-At-10"];
        assert!(matches!(metric("precision@10").pick(&two), Pick::Ambiguous(k) if k.len() == 2));
        // An exact key is never ambiguous.
        assert_eq!(
            metric("precision_at_10").pick(&two),
            Pick::Found("precision_at_10".into(), KeyFrom::Metric)
        );
        assert_eq!(
            metric("precision_at_10").candidates(&two),
            ["precision_at_10", "Precision-At-10"]
        );
    }
}

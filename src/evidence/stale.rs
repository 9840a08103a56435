//! Stale verdicts: a verdict recorded from evidence no longer holds when
//! the data hashes recorded with it differ from `dvc.lock` now, or the
//! run's stored value changed. Each reason is a sentence for people.
//!
//! A store or metrics file that cannot be read here (a teammate's clone
//! without `mlflow.db`) proves nothing: only what can be compared counts.

use super::{dvc, mlflow, repo_root, show_number, store_of, Evidence};
use crate::model::Card;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Checks evidence against the repository as it is now, reading
/// `dvc.lock` once and opening each store once.
pub struct Checker {
    repo_root: PathBuf,
    lock: Option<Option<dvc::Lock>>,
    readers: HashMap<PathBuf, Option<mlflow::Reader>>,
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(8)]
}

impl Checker {
    pub fn new(root: &Path) -> Checker {
        Checker::at_repo(repo_root(root))
    }

    pub fn at_repo(repo_root: PathBuf) -> Checker {
        Checker {
            repo_root,
            lock: None,
            readers: HashMap::new(),
        }
    }

    fn lock(&mut self) -> Option<&dvc::Lock> {
        if self.lock.is_none() {
            // An unreadable dvc.lock is as good as none for comparing.
            self.lock = Some(dvc::Lock::load(&self.repo_root).ok().flatten());
        }
        self.lock.as_ref().and_then(Option::as_ref)
    }

    /// Why the verdict recorded with `e` is stale (empty: it is not).
    pub fn check(&mut self, e: &Evidence) -> Vec<String> {
        let mut why = Vec::new();
        if !e.data.is_empty() {
            match self.lock() {
                None => why.push(format!(
                    "dvc.lock is gone; the result was recorded with the hashes of {} file{}",
                    e.data.len(),
                    if e.data.len() == 1 { "" } else { "s" }
                )),
                Some(lock) => {
                    let now = lock.current();
                    for (path, hash) in &e.data {
                        match now.get(path.as_str()) {
                            None => why.push(format!("{path} is no longer in dvc.lock")),
                            Some(h) if h != hash => why.push(format!(
                                "{path} changed in dvc.lock ({} → {})",
                                short(hash),
                                short(h)
                            )),
                            Some(_) => {}
                        }
                    }
                }
            }
        }
        if let Some(id) = e.run_id() {
            if let Some(store) = store_of(&self.repo_root, e) {
                let reader = self
                    .readers
                    .entry(store.path().to_path_buf())
                    .or_insert_with(|| store.open().ok());
                if let Some(Ok(Some(f))) = reader.as_ref().map(|r| r.final_value(id, &e.metric)) {
                    if !same(f.value, e.value) {
                        why.push(format!(
                            "run {}'s {} is now {} (step {}), not {}",
                            &id[..id.len().min(8)],
                            e.metric,
                            show_number(f.value),
                            f.step,
                            show_number(e.value)
                        ));
                    }
                }
            }
        } else if let Some(rest) = e.source.strip_prefix("dvc:") {
            let (path, key) = rest.split_once('#').unwrap_or((rest, e.metric.as_str()));
            match dvc::read_file(&self.repo_root, path, key) {
                Ok((m, _)) if !same(m.value, e.value) => why.push(format!(
                    "{path} now has {key} = {}, not {}",
                    show_number(m.value),
                    show_number(e.value)
                )),
                _ => {}
            }
        }
        why
    }

    /// Why a card's verdict is stale (empty: it is not, or it has no
    /// evidence).
    pub fn card(&mut self, card: &Card) -> Vec<String> {
        match card.hypothesis.as_ref().and_then(|h| h.evidence()) {
            Some(Ok(e)) => self.check(&e),
            Some(Err(err)) => vec![format!("its evidence cannot be read ({err})")],
            None => Vec::new(),
        }
    }
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// Stale cards of a board: card id -> why.
pub fn check_cards<'a>(
    root: &Path,
    cards: impl IntoIterator<Item = &'a Card>,
) -> HashMap<String, Vec<String>> {
    let mut checker = Checker::new(root);
    let mut out = HashMap::new();
    for c in cards {
        let why = checker.card(c);
        if !why.is_empty() {
            out.insert(c.id.clone(), why);
        }
    }
    out
}

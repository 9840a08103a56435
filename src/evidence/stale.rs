//! Stale verdicts: a verdict recorded from evidence no longer holds when
//! the data hashes recorded with it differ from `dvc.lock` now, or the
//! run's stored value changed. Each reason is a sentence for people.
//!
//! A store or metrics file that is not here (a teammate's clone without
//! `mlflow.db`) proves nothing: only what can be compared counts. One
//! lanes refuses to read (a link out of the repository, a FIFO, a file
//! over its bound, a store outside the repository the user did not name)
//! is never read: a refused file is a reason, a store outside is skipped.

use super::{dvc, mlflow, repo_root, show_number, store_of, Evidence};
use crate::model::Card;
use crate::store::read::ReadError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Checks evidence against the repository as it is now, reading
/// `dvc.lock` once and opening each store once.
pub struct Checker {
    repo_root: PathBuf,
    /// `dvc.lock` once read: none, or why it cannot be.
    lock: Option<Result<Option<dvc::Lock>, String>>,
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

    fn lock(&mut self) -> &Result<Option<dvc::Lock>, String> {
        let root = &self.repo_root;
        self.lock
            .get_or_insert_with(|| dvc::Lock::load(root).map_err(|e| format!("{e:#}")))
    }

    /// Why the verdict recorded with `e` is stale (empty: it is not). A
    /// file lanes refuses to read (a link out of the repository, a FIFO,
    /// one over its bound) is a reason: what it would compare cannot be
    /// trusted.
    pub fn check(&mut self, e: &Evidence) -> Vec<String> {
        let mut why = Vec::new();
        if !e.data.is_empty() {
            match self.lock() {
                Ok(None) => why.push(format!(
                    "dvc.lock is gone; the result was recorded with the hashes of {} file{}",
                    e.data.len(),
                    if e.data.len() == 1 { "" } else { "s" }
                )),
                Err(cannot) => why.push(cannot.clone()),
                Ok(Some(lock)) => {
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
            match store_of(&self.repo_root, e) {
                Err(cannot) => why.push(cannot),
                Ok(None) => {}
                Ok(Some(store)) => {
                    let reader = self
                        .readers
                        .entry(store.path().to_path_buf())
                        .or_insert_with(|| store.open().ok());
                    match reader.as_ref().map(|r| r.final_value(id, &e.metric)) {
                        Some(Ok(Some(f))) if !same(f.value, e.value) => why.push(format!(
                            "run {}'s {} is now {} (step {}), not {}",
                            &id[..id.len().min(8)],
                            e.metric,
                            show_number(f.value),
                            f.step,
                            show_number(e.value)
                        )),
                        Some(Err(err)) => why.extend(refused(&err)),
                        _ => {}
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
                Ok(_) => {}
                Err(err) => why.extend(refused(&err)),
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

/// Why a file was refused, if it was (a file that is not there proves
/// nothing: a teammate's clone without the store).
fn refused(err: &anyhow::Error) -> Option<String> {
    err.downcast_ref::<ReadError>()
        .filter(|r| !r.is_not_found())
        .map(ReadError::to_string)
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

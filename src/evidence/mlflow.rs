//! MLflow's tracking stores, read-only: the SQLite database MLflow uses by
//! default (`mlflow.db`) and the older file store (`mlruns/`).
//!
//! The database is opened read-only, one short read transaction per
//! command: lanes never writes it and never holds it against MLflow. A
//! store MLflow is writing (locked, or a hot journal left by a killed
//! writer) is an error that says so, not a wait.

use super::names::Wanted;
use crate::store::read::{self, Links, Rules};
use anyhow::{anyhow, bail, Context as _, Result};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a read waits for MLflow to finish a write before giving up.
const BUSY_WAIT: Duration = Duration::from_millis(1500);

/// A store lanes finds in the repository (`mlflow.db`, `mlruns/`) or a
/// card names: inside the repository, not through a link out of it. (Only
/// located: SQLite reads the database.)
pub const IN_REPOSITORY: Rules = Rules {
    what: "MLflow stores",
    max_bytes: 0,
    links: Links::Inside,
    root: "the repository",
};

/// A run's `meta.yaml` in a file store.
const RUN_RECORD: Rules = Rules {
    what: "MLflow run records",
    max_bytes: 1 << 20,
    links: Links::Inside,
    root: "the MLflow store",
};

/// A param or tag of a file store run: one value (MLflow caps them at a
/// few thousand characters).
const KEY_VALUE: Rules = Rules {
    what: "MLflow params and tags",
    ..RUN_RECORD
};

/// A metric's history in a file store: a line per logged value.
const METRIC_HISTORY: Rules = Rules {
    what: "MLflow metric histories",
    max_bytes: 128 << 20,
    ..RUN_RECORD
};

/// Where an MLflow store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    /// A SQLite database (`sqlite:///mlflow.db`).
    Sqlite(PathBuf),
    /// A file store folder (`mlruns/`).
    Files(PathBuf),
}

impl Store {
    pub fn path(&self) -> &Path {
        match self {
            Store::Sqlite(p) | Store::Files(p) => p,
        }
    }

    /// A path the user named: a folder is a file store, anything else a
    /// database.
    pub fn at(path: PathBuf) -> Store {
        if path.is_dir() {
            Store::Files(path)
        } else {
            Store::Sqlite(path)
        }
    }
}

/// Find the store as MLflow does: `MLFLOW_TRACKING_URI` (`sqlite:///path`,
/// `file:///path` or a plain path, relative to the current folder), else
/// `mlflow.db` or `mlruns/` at the repository root. `explicit` (`--store`)
/// overrides both. A store the user names may be anywhere; one found in
/// the repository must be inside it (not a link out, not a FIFO).
pub fn find(repo_root: &Path, explicit: Option<&Path>) -> Result<Store> {
    if let Some(p) = explicit {
        let p = absolute(p);
        if !p.exists() {
            bail!("no MLflow store at {} (--store)", p.display());
        }
        return Ok(Store::at(p));
    }
    if let Some(store) = configured() {
        return store;
    }
    match read::locate(repo_root, "mlflow.db", &IN_REPOSITORY) {
        Ok(found) => return Ok(Store::Sqlite(found.file(&IN_REPOSITORY)?)),
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e.into()),
    }
    match read::locate(repo_root, "mlruns", &IN_REPOSITORY) {
        Ok(found) if found.meta.is_dir() => return Ok(Store::Files(found.path)),
        Ok(_) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e.into()),
    }
    Err(NoStore::NotFound {
        repo: repo_root.to_path_buf(),
    }
    .into())
}

/// Why there is no store to read. Its text names the command-line option
/// that gives one; [`NoStore::on_screen`] says it for the board screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoStore {
    /// No `MLFLOW_TRACKING_URI`, no `mlflow.db` or `mlruns/` in `repo`.
    NotFound { repo: PathBuf },
    /// `MLFLOW_TRACKING_URI` names a tracking server.
    Remote { uri: String },
}

impl NoStore {
    fn what(&self) -> String {
        match self {
            NoStore::NotFound { repo } => format!(
                "no MLflow store found: no MLFLOW_TRACKING_URI, and neither mlflow.db nor mlruns/ in {}",
                repo.display()
            ),
            NoStore::Remote { uri } => format!(
                "MLFLOW_TRACKING_URI {uri:?}: lanes reads local stores only (sqlite:///PATH, file:///PATH or a folder)"
            ),
        }
    }

    /// The reason as the board screen gives it: what the user can do
    /// there (no command-line option).
    pub fn on_screen(&self) -> String {
        format!(
            "{}. Type a run's metrics file as dvc:PATH#key, or start lanes where MLFLOW_TRACKING_URI names the store.",
            self.what()
        )
    }
}

impl std::fmt::Display for NoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}; give --store PATH", self.what())
    }
}

impl std::error::Error for NoStore {}

/// The store the user named in `MLFLOW_TRACKING_URI`, if any.
pub fn configured() -> Option<Result<Store>> {
    crate::env::Env::get()
        .text("MLFLOW_TRACKING_URI")
        .filter(|u| !u.trim().is_empty())
        .map(|u| from_uri(u.trim()))
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// The store a tracking URI names.
pub fn from_uri(uri: &str) -> Result<Store> {
    if let Some(rest) = uri.strip_prefix("sqlite://") {
        // sqlite:///rel/path is relative, sqlite:////abs/path absolute.
        let path = rest.strip_prefix('/').unwrap_or(rest);
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() || path == ":memory:" {
            bail!("MLFLOW_TRACKING_URI {uri:?} names no database file");
        }
        return Ok(Store::Sqlite(absolute(Path::new(path))));
    }
    if let Some(rest) = uri.strip_prefix("file://") {
        return Ok(Store::Files(absolute(Path::new(rest))));
    }
    if uri.contains("://") {
        return Err(NoStore::Remote {
            uri: uri.to_string(),
        }
        .into());
    }
    let p = absolute(Path::new(uri));
    if p.extension().is_some_and(|e| e == "db") {
        Ok(Store::Sqlite(p))
    } else {
        Ok(Store::Files(p))
    }
}

/// A run's record.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: String,
    /// RUNNING, SCHEDULED, FINISHED, FAILED or KILLED.
    pub status: String,
    pub deleted: bool,
    /// Milliseconds since the epoch.
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
}

/// The final value of a metric: the latest by step, then timestamp.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Final {
    pub value: f64,
    pub step: i64,
    pub timestamp: i64,
}

/// A recent run and its final value of a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Recent {
    pub id: String,
    pub start_ms: i64,
    pub value: f64,
    /// The key the value was logged under.
    pub key: String,
    /// Other keys of the run the metric's name matches as well as `key`
    /// (empty unless it is ambiguous: then `key` is only the first).
    pub also: Vec<String>,
}

/// An open store, for one command's reads.
pub enum Reader {
    Sqlite { conn: Connection, path: PathBuf },
    Files(PathBuf),
}

/// MLflow keeps infinities as the largest finite double.
fn from_db(value: f64, is_nan: bool) -> f64 {
    if is_nan {
        f64::NAN
    } else if value >= f64::MAX {
        f64::INFINITY
    } else if value <= -f64::MAX {
        f64::NEG_INFINITY
    } else {
        value
    }
}

fn sql_error(path: &Path, e: rusqlite::Error) -> anyhow::Error {
    let p = path.display();
    let code = e.sqlite_error_code();
    let ext = match &e {
        rusqlite::Error::SqliteFailure(f, _) => f.extended_code,
        _ => 0,
    };
    match code {
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => anyhow!(
            "the MLflow store {p} is locked: MLflow is writing to it; try again when the run has logged (lanes only reads it)"
        ),
        // SQLITE_READONLY_ROLLBACK: a hot journal a read-only reader may
        // not roll back.
        Some(ErrorCode::ReadOnly) if ext == 776 => anyhow!(
            "the MLflow store {p} is mid-write (a writer stopped with its journal open); the next MLflow command that opens it repairs it, lanes only reads it"
        ),
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
            anyhow!("{p} is not a readable MLflow database (corrupt?): {e}")
        }
        _ => anyhow!("cannot read the MLflow store {p}: {e}"),
    }
}

impl Store {
    /// Open the store for reading.
    pub fn open(&self) -> Result<Reader> {
        match self {
            Store::Files(p) => {
                if !p.is_dir() {
                    bail!("no MLflow file store at {}", p.display());
                }
                Ok(Reader::Files(p.clone()))
            }
            Store::Sqlite(p) => {
                if !p.is_file() {
                    bail!("no MLflow database at {}", p.display());
                }
                check_companions(p)?;
                let conn = Connection::open_with_flags(
                    p,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(|e| sql_error(p, e))?;
                conn.busy_timeout(BUSY_WAIT).map_err(|e| sql_error(p, e))?;
                // One read transaction: every read of this command sees
                // one state of the store.
                conn.execute_batch("BEGIN").map_err(|e| sql_error(p, e))?;
                let has_runs: bool = conn
                    .query_row(
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'metrics', 'latest_metrics', 'params', 'tags')",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                    .map(|n| n == 5)
                    .map_err(|e| sql_error(p, e))?;
                if !has_runs {
                    bail!(
                        "{} is a SQLite database but not an MLflow store (no runs/metrics tables)",
                        p.display()
                    );
                }
                Ok(Reader::Sqlite {
                    conn,
                    path: p.clone(),
                })
            }
        }
    }
}

/// SQLite opens the files beside a database with it (`-journal`, `-wal`,
/// `-shm`): one that is a link or a FIFO would lead it out of the store or
/// make it wait, so the store is not opened.
fn check_companions(db: &Path) -> Result<()> {
    for suffix in ["-journal", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        let side = PathBuf::from(name);
        if let Ok(m) = std::fs::symlink_metadata(&side) {
            if !m.is_file() {
                bail!(
                    "{} is a symbolic link or not a regular file; SQLite would open it with the MLflow store {}, so lanes does not",
                    side.display(),
                    db.display()
                );
            }
        }
    }
    Ok(())
}

/// Read a file of a file store (`rel` relative to its folder `root`),
/// shown with its full path.
fn read_entry(root: &Path, rel: &str, rules: &Rules) -> Result<String, read::ReadError> {
    read::read_within(root, rel, rules)
        .and_then(read::Contents::into_text)
        .map_err(|e| e.shown_as(root.join(rel).display().to_string()))
}

fn status_name(code: i64) -> &'static str {
    match code {
        1 => "RUNNING",
        2 => "SCHEDULED",
        3 => "FINISHED",
        4 => "FAILED",
        5 => "KILLED",
        _ => "UNKNOWN",
    }
}

impl Reader {
    fn path(&self) -> &Path {
        match self {
            Reader::Sqlite { path, .. } => path,
            Reader::Files(p) => p,
        }
    }

    /// The run with this id (or unique prefix of at least 6 characters).
    pub fn run(&self, query: &str) -> Result<Run> {
        let query = query.trim();
        if query.len() < 6 || !query.chars().all(|c| c.is_ascii_alphanumeric()) {
            bail!("{query:?} is not an MLflow run id (32 hex digits, or a unique prefix of 6 or more)");
        }
        let found = match self {
            Reader::Sqlite { conn, path } => {
                let mut st = conn
                    .prepare_cached(
                        "SELECT run_uuid, status, lifecycle_stage, start_time, end_time FROM runs WHERE run_uuid >= ?1 AND run_uuid < ?1 || 'g' ORDER BY run_uuid LIMIT 2",
                    )
                    .map_err(|e| sql_error(path, e))?;
                let rows = st
                    .query_map([query.to_ascii_lowercase()], |r| {
                        Ok(Run {
                            id: r.get(0)?,
                            status: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                            deleted: r.get::<_, Option<String>>(2)?.as_deref() == Some("deleted"),
                            start_ms: r.get(3)?,
                            end_ms: r.get(4)?,
                        })
                    })
                    .map_err(|e| sql_error(path, e))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(|e| sql_error(path, e))?
                    .into_iter()
                    .filter(|r| r.id.starts_with(&query.to_ascii_lowercase()))
                    .collect::<Vec<_>>()
            }
            Reader::Files(root) => file_runs(root, Some(query))?,
        };
        match found.len() {
            0 => bail!(
                "no run {query} in the MLflow store {}",
                self.path().display()
            ),
            1 => Ok(found.into_iter().next().unwrap_or_else(|| unreachable!())),
            _ => bail!(
                "{query} names more than one run in {}; give more of the id",
                self.path().display()
            ),
        }
    }

    /// The final value of `key` in a run, or `None` if it never logged it.
    pub fn final_value(&self, run: &str, key: &str) -> Result<Option<Final>> {
        match self {
            Reader::Sqlite { conn, path } => {
                let mut st = conn
                    .prepare_cached(
                        "SELECT value, is_nan, step, timestamp FROM metrics WHERE run_uuid = ?1 AND +key = ?2 ORDER BY step DESC, timestamp DESC LIMIT 1",
                    )
                    .map_err(|e| sql_error(path, e))?;
                st.query_row([run, key], |r| {
                    Ok(Final {
                        value: from_db(r.get(0)?, r.get::<_, Option<bool>>(1)?.unwrap_or(false)),
                        step: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                        timestamp: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
                    })
                })
                .optional()
                .map_err(|e| sql_error(path, e))
            }
            Reader::Files(root) => {
                let Some(dir) = run_dir(root, run)? else {
                    return Ok(None);
                };
                let rel = format!("{dir}/metrics/{key}");
                match read_entry(root, &rel, &METRIC_HISTORY) {
                    Ok(text) => parse_metric_history(&text, &root.join(&rel).display().to_string()),
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    /// Every metric key the run logged, sorted.
    pub fn metric_keys(&self, run: &str) -> Result<Vec<String>> {
        match self {
            Reader::Sqlite { conn, path } => {
                let mut st = conn
                    .prepare_cached(
                        "SELECT DISTINCT key FROM metrics WHERE run_uuid = ?1 ORDER BY key",
                    )
                    .map_err(|e| sql_error(path, e))?;
                let keys = st
                    .query_map([run], |r| r.get::<_, String>(0))
                    .map_err(|e| sql_error(path, e))?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(|e| sql_error(path, e))?;
                Ok(keys)
            }
            Reader::Files(root) => {
                let Some(dir) = run_dir(root, run)? else {
                    return Ok(Vec::new());
                };
                let mut keys = Vec::new();
                walk_keys(&root.join(&dir).join("metrics"), "", &mut keys);
                keys.sort();
                Ok(keys)
            }
        }
    }

    /// The run's parameters.
    pub fn params(&self, run: &str) -> Result<BTreeMap<String, String>> {
        self.key_values(run, "params")
    }

    /// One of the run's tags.
    pub fn tag(&self, run: &str, key: &str) -> Result<Option<String>> {
        Ok(self.key_values(run, "tags")?.remove(key))
    }

    fn key_values(&self, run: &str, table: &str) -> Result<BTreeMap<String, String>> {
        match self {
            Reader::Sqlite { conn, path } => {
                let sql = format!("SELECT key, value FROM {table} WHERE run_uuid = ?1");
                let mut st = conn.prepare_cached(&sql).map_err(|e| sql_error(path, e))?;
                let pairs = st
                    .query_map([run], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
                    })
                    .map_err(|e| sql_error(path, e))?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(|e| sql_error(path, e))?;
                Ok(pairs
                    .into_iter()
                    .map(|(k, v)| (k, v.unwrap_or_default()))
                    .collect())
            }
            Reader::Files(root) => {
                let mut out = BTreeMap::new();
                let Some(dir) = run_dir(root, run)? else {
                    return Ok(out);
                };
                let mut keys = Vec::new();
                walk_keys(&root.join(&dir).join(table), "", &mut keys);
                for k in keys {
                    let text = read_entry(root, &format!("{dir}/{table}/{k}"), &KEY_VALUE)?;
                    out.insert(k, text);
                }
                Ok(out)
            }
        }
    }

    /// The newest runs that logged a key `wanted` reads, newest first, at
    /// most `limit`, each with the key it reads; only those started at or
    /// after `since_ms` when given.
    pub fn recent(
        &self,
        wanted: &Wanted,
        since_ms: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Recent>> {
        match self {
            Reader::Sqlite { conn, path } => {
                let mut st = conn
                    .prepare_cached("SELECT DISTINCT key FROM latest_metrics")
                    .map_err(|e| sql_error(path, e))?;
                let keys = st
                    .query_map([], |r| r.get::<_, String>(0))
                    .map_err(|e| sql_error(path, e))?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(|e| sql_error(path, e))?;
                let mut st = conn
                    .prepare_cached(
                        "SELECT r.run_uuid, r.start_time, m.value, m.is_nan FROM runs r JOIN latest_metrics m ON m.run_uuid = r.run_uuid AND m.key = ?1 WHERE r.lifecycle_stage = 'active' AND r.start_time >= ?2 ORDER BY r.start_time DESC, r.run_uuid LIMIT ?3",
                    )
                    .map_err(|e| sql_error(path, e))?;
                let candidates = wanted.candidates(&keys);
                let exact = wanted.exact().filter(|k| candidates.first() == Some(k));
                let mut out: Vec<Recent> = Vec::new();
                // Best key first: a run that logged the key as named is
                // listed with it; one that logged two keys the name rules
                // match is ambiguous.
                for key in &candidates {
                    let rows = st
                        .query_map(
                            rusqlite::params![key, since_ms.unwrap_or(i64::MIN), limit as i64],
                            |r| {
                                Ok(Recent {
                                    id: r.get(0)?,
                                    start_ms: r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                                    value: from_db(
                                        r.get(2)?,
                                        r.get::<_, Option<bool>>(3)?.unwrap_or(false),
                                    ),
                                    key: key.clone(),
                                    also: Vec::new(),
                                })
                            },
                        )
                        .map_err(|e| sql_error(path, e))?
                        .collect::<rusqlite::Result<Vec<_>>>()
                        .map_err(|e| sql_error(path, e))?;
                    for r in rows {
                        match out.iter_mut().find(|o| o.id == r.id) {
                            Some(o) if Some(&o.key) != exact => o.also.push(r.key),
                            Some(_) => {}
                            None => out.push(r),
                        }
                    }
                }
                out.sort_by(|a, b| b.start_ms.cmp(&a.start_ms).then(a.id.cmp(&b.id)));
                out.truncate(limit);
                Ok(out)
            }
            Reader::Files(_) => {
                let mut out = Vec::new();
                for r in self.runs(since_ms, usize::MAX)? {
                    if out.len() >= limit {
                        break;
                    }
                    let keys = self.metric_keys(&r.id)?;
                    let (key, also) = match wanted.pick(&keys) {
                        super::names::Pick::Found(k, _) => (k, Vec::new()),
                        super::names::Pick::Ambiguous(mut ks) => {
                            let first = ks.remove(0);
                            (first, ks)
                        }
                        super::names::Pick::None => continue,
                    };
                    if let Ok(Some(f)) = self.final_value(&r.id, &key) {
                        out.push(Recent {
                            id: r.id,
                            start_ms: r.start_ms.unwrap_or(0),
                            value: f.value,
                            key,
                            also,
                        });
                    }
                }
                Ok(out)
            }
        }
    }

    /// The runs not deleted, newest first, at most `limit`; only those
    /// started at or after `since_ms` when given.
    pub fn runs(&self, since_ms: Option<i64>, limit: usize) -> Result<Vec<Run>> {
        match self {
            Reader::Sqlite { conn, path } => {
                let mut st = conn
                    .prepare_cached(
                        "SELECT run_uuid, status, lifecycle_stage, start_time, end_time FROM runs WHERE lifecycle_stage = 'active' AND start_time >= ?1 ORDER BY start_time DESC, run_uuid LIMIT ?2",
                    )
                    .map_err(|e| sql_error(path, e))?;
                let rows = st
                    .query_map(
                        rusqlite::params![
                            since_ms.unwrap_or(i64::MIN),
                            i64::try_from(limit).unwrap_or(i64::MAX)
                        ],
                        |r| {
                            Ok(Run {
                                id: r.get(0)?,
                                status: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                                deleted: r.get::<_, Option<String>>(2)?.as_deref()
                                    == Some("deleted"),
                                start_ms: r.get(3)?,
                                end_ms: r.get(4)?,
                            })
                        },
                    )
                    .map_err(|e| sql_error(path, e))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(|e| sql_error(path, e))
            }
            Reader::Files(root) => {
                let mut runs: Vec<Run> = file_runs(root, None)?
                    .into_iter()
                    .filter(|r| !r.deleted)
                    .filter(|r| since_ms.is_none_or(|s| r.start_ms.unwrap_or(0) >= s))
                    .collect();
                runs.sort_by(|a, b| b.start_ms.cmp(&a.start_ms).then(a.id.cmp(&b.id)));
                runs.truncate(limit);
                Ok(runs)
            }
        }
    }

    /// Every metric of a run with its final value, by key.
    pub fn finals(&self, run: &str) -> Result<Vec<(String, f64)>> {
        match self {
            Reader::Sqlite { conn, path } => {
                let mut st = conn
                    .prepare_cached(
                        "SELECT key, value, is_nan FROM latest_metrics WHERE run_uuid = ?1 ORDER BY key",
                    )
                    .map_err(|e| sql_error(path, e))?;
                let rows = st
                    .query_map([run], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            from_db(r.get(1)?, r.get::<_, Option<bool>>(2)?.unwrap_or(false)),
                        ))
                    })
                    .map_err(|e| sql_error(path, e))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(|e| sql_error(path, e))
            }
            Reader::Files(_) => {
                let mut out = Vec::new();
                for k in self.metric_keys(run)? {
                    if let Ok(Some(f)) = self.final_value(run, &k) {
                        out.push((k, f.value));
                    }
                }
                Ok(out)
            }
        }
    }
}

/// Whether `path` is there (a link counts: reading it says what is wrong
/// with it).
fn present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// The folders of a file store that hold experiments, by name.
fn experiment_dirs(root: &Path) -> Result<Vec<String>> {
    let entries = std::fs::read_dir(root)
        .with_context(|| format!("cannot read the MLflow file store {}", root.display()))?;
    let mut out = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "models" {
            continue;
        }
        if present(&e.path().join("meta.yaml")) {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

/// The folder of run `id`, relative to the store.
fn run_dir(root: &Path, id: &str) -> Result<Option<String>> {
    for exp in experiment_dirs(root)? {
        let d = format!("{exp}/{id}");
        if present(&root.join(&d).join("meta.yaml")) {
            return Ok(Some(d));
        }
    }
    Ok(None)
}

/// Runs of a file store, all or those whose id starts with `prefix`.
fn file_runs(root: &Path, prefix: Option<&str>) -> Result<Vec<Run>> {
    let mut out = Vec::new();
    for exp in experiment_dirs(root)? {
        let Ok(entries) = std::fs::read_dir(root.join(&exp)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if prefix.is_some_and(|p| !name.starts_with(&p.to_ascii_lowercase())) {
                continue;
            }
            if !present(&e.path().join("meta.yaml")) {
                continue;
            }
            out.push(read_run_meta(
                root,
                &format!("{exp}/{name}/meta.yaml"),
                &name,
            )?);
        }
    }
    Ok(out)
}

fn read_run_meta(root: &Path, rel: &str, id: &str) -> Result<Run> {
    let text = read_entry(root, rel, &RUN_RECORD)?;
    let v: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| {
        let (l, c) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        anyhow!(
            "{}:{l}:{c}: not a readable MLflow run record: {e}",
            root.join(rel).display()
        )
    })?;
    let int = |k: &str| v.get(k).and_then(serde_yaml::Value::as_i64);
    Ok(Run {
        id: v
            .get("run_id")
            .and_then(|x| x.as_str())
            .unwrap_or(id)
            .to_string(),
        status: status_name(int("status").unwrap_or(0)).to_string(),
        deleted: v.get("lifecycle_stage").and_then(|x| x.as_str()) == Some("deleted"),
        start_ms: int("start_time"),
        end_ms: int("end_time"),
    })
}

fn walk_keys(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let key = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        // A link is a key (reading it says what is wrong with it), never
        // a folder to walk: it may lead anywhere, or round in a loop.
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            walk_keys(&e.path(), &key, out);
        } else {
            out.push(key);
        }
    }
}

/// A file store metric (`shown`: its path): lines of `timestamp value
/// step`.
fn parse_metric_history(text: &str, shown: &str) -> Result<Option<Final>> {
    if !text.is_empty() && !text.ends_with('\n') {
        bail!(
            "{shown}:{}:1: the last line is cut off: MLflow is writing it (mid-write); try again in a moment",
            text.lines().count()
        );
    }
    let mut best: Option<Final> = None;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        let bad = |col: usize, what: &str| {
            anyhow!(
                "{shown}:{}:{col}: {what} (MLflow metric lines are `timestamp value step`)",
                i + 1
            )
        };
        if parts.len() < 2 || parts.len() > 3 {
            return Err(bad(1, "not a metric line"));
        }
        let col_of = |n: usize| line.find(parts[n]).map_or(1, |c| c + 1);
        let timestamp: i64 = parts[0]
            .parse()
            .map_err(|_| bad(col_of(0), "the timestamp is not a whole number"))?;
        let value: f64 = parts[1]
            .parse()
            .map_err(|_| bad(col_of(1), "the value is not a number"))?;
        let step: i64 = match parts.get(2) {
            Some(s) => s
                .parse()
                .map_err(|_| bad(col_of(2), "the step is not a whole number"))?,
            None => 0,
        };
        let f = Final {
            value,
            step,
            timestamp,
        };
        if best.is_none_or(|b| (f.step, f.timestamp) >= (b.step, b.timestamp)) {
            best = Some(f);
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_uris_name_stores_as_mlflow_reads_them() {
        assert_eq!(
            from_uri("sqlite:////abs/mlflow.db").unwrap(),
            Store::Sqlite("/abs/mlflow.db".into())
        );
        assert_eq!(
            from_uri("file:///abs/mlruns").unwrap(),
            Store::Files("/abs/mlruns".into())
        );
        assert!(from_uri("http://localhost:5000").is_err());
        let rel = from_uri("sqlite:///rel.db").unwrap();
        assert!(rel.path().is_absolute() && rel.path().ends_with("rel.db"));
    }

    #[test]
    fn the_final_value_is_the_last_step_then_the_last_time() {
        let got = parse_metric_history("10 0.3 5\n11 0.1 3\n12 0.35 5\n", "m")
            .unwrap()
            .unwrap();
        assert_eq!((got.value, got.step), (0.35, 5));
        let e = parse_metric_history("10 0.3 5\n11 0.1", "m")
            .unwrap_err()
            .to_string();
        assert!(e.contains("mid-write"), "{e}");
        let e = parse_metric_history("10 x 5\n", "m")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("m:1:4: the value is not a number"), "{e}");
    }

    #[test]
    fn mlflow_keeps_infinity_as_the_largest_double() {
        assert!(from_db(f64::MAX, false).is_infinite());
        assert!(from_db(-f64::MAX, false) < 0.0);
        assert!(from_db(0.0, true).is_nan());
        assert_eq!(from_db(0.5, false), 0.5);
    }
}

//! Every change lanes makes to the repository is a transaction with git's
//! own protocol:
//!
//! 1. record what is about to happen in `.git/lanes/transaction` (the
//!    journal), so that a process killed at any instant can be finished or
//!    rolled back by the next lanes command;
//! 2. take `index.lock` and hold it to the end: `git commit`, `git add` and
//!    every other index writer wait for us or fail, and never see a half
//!    change;
//! 3. write the objects (blobs, trees, the commit) and the new index into
//!    the lock file, then publish it as the real index while still holding
//!    the lock (`IndexLock::publish`): `git commit` reads `HEAD`, then the
//!    index without taking the lock, so whoever sees the moved branch must
//!    already see the index that goes with it;
//! 4. take the branch's own lock file (`refs/heads/<branch>.lock`, git's
//!    ref lock) before the index is published, and check under it that the
//!    branch is still at the commit the change was built on; if another
//!    process moved it meanwhile, rebuild the change on the new tip when it
//!    touched none of our paths, or refuse. Only then publish the index and
//!    move the branch (releasing its lock): a `git commit` that read `HEAD`
//!    before, and the published index after, cannot move the branch in
//!    between (git says "cannot lock ref") and so never commits lanes'
//!    change as its own;
//! 5. release the lock, and forget the journal.
//!
//! A failure at any step before 4 leaves index, refs and objects' meaning
//! as they were (objects nobody references are git's ordinary garbage).

use super::commit::{self, Staging};
use super::lock::{
    file_id, new_index_path, old_index_path, pid_alive, same_file, FileId, IndexLock,
};
use super::rules::{self, Hooks};
use super::{check_ready, identity, index_file, Signer};
use crate::store::cache::{Scratch, JOURNAL};
use anyhow::{anyhow, bail, Context, Result};
use git2::{Oid, Repository};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How many times a change is rebuilt on a branch that moved under it.
const REBUILDS: usize = 8;

/// The journal of the transaction in progress.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Journal {
    pub pid: u32,
    /// `commit` or `checkout`.
    pub kind: String,
    /// The commit subject or what the checkout is for.
    pub subject: String,
    pub branch: String,
    /// The branch tip the change is built on (`None`: unborn).
    pub old: Option<Oid>,
    /// The commit the branch is about to be moved to, once known.
    pub new: Option<Oid>,
    /// The `index.lock` this transaction created.
    pub lock: Option<FileId>,
    /// The branch's lock file (`refs/heads/<branch>.lock`) it holds.
    pub ref_lock: Option<FileId>,
    /// Work-tree files the transaction writes: the text before (kept as a
    /// blob; `None`: the file did not exist) and the hash of the text
    /// written (`None`: removed), and the path relative to the work tree.
    pub files: Vec<(Option<Oid>, Option<Oid>, String)>,
}

const MAGIC: &str = "lanes-transaction 1";

fn hex(o: Option<Oid>) -> String {
    o.map_or_else(|| "-".to_string(), |o| o.to_string())
}

fn unhex(s: &str) -> Option<Option<Oid>> {
    if s == "-" {
        Some(None)
    } else {
        Oid::from_str(s).ok().map(Some)
    }
}

impl Journal {
    fn render(&self) -> String {
        let mut s = format!(
            "{MAGIC}\npid {}\nkind {}\nsubject {}\nbranch {}\nold {}\nnew {}\n",
            self.pid,
            self.kind,
            self.subject.replace('\n', " "),
            self.branch,
            hex(self.old),
            hex(self.new)
        );
        if let Some((dev, ino)) = self.lock {
            s.push_str(&format!("lock {dev} {ino}\n"));
        }
        if let Some((dev, ino)) = self.ref_lock {
            s.push_str(&format!("reflock {dev} {ino}\n"));
        }
        for (pre, post, path) in &self.files {
            s.push_str(&format!("file {} {} {path}\n", hex(*pre), hex(*post)));
        }
        s
    }

    /// Read a journal: later lines override earlier ones (it is appended
    /// to as the transaction goes), `file` lines add up, and a last line
    /// cut short by a crash is ignored.
    fn parse(text: &str) -> Option<Journal> {
        let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        // The last transaction in the file.
        let last = match complete.rfind(&format!("\n{MAGIC}\n")) {
            Some(i) => &complete[i + 1..],
            None => complete,
        };
        let mut lines = last.lines();
        if lines.next()? != MAGIC {
            return None;
        }
        let mut j = Journal::default();
        for line in lines {
            let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
            match key {
                "pid" => j.pid = rest.parse().ok()?,
                "kind" => j.kind = rest.to_string(),
                "subject" => j.subject = rest.to_string(),
                "branch" => j.branch = rest.to_string(),
                "old" => j.old = unhex(rest)?,
                "new" => j.new = unhex(rest)?,
                "lock" => {
                    let (d, i) = rest.split_once(' ')?;
                    j.lock = Some((d.parse().ok()?, i.parse().ok()?));
                }
                "reflock" => {
                    let (d, i) = rest.split_once(' ')?;
                    j.ref_lock = Some((d.parse().ok()?, i.parse().ok()?));
                }
                "end" => return None,
                "file" => {
                    let mut parts = rest.splitn(3, ' ');
                    let pre = unhex(parts.next()?)?;
                    let post = unhex(parts.next()?)?;
                    j.files.push((pre, post, parts.next()?.to_string()));
                }
                _ => {}
            }
        }
        Some(j)
    }
}

/// Crash tests: a process whose `LANES_CRASH_AT` names this point aborts
/// here, as `kill -9` would stop it (no destructors, no cleanup). The
/// points are listed in docs/FORMAT.md; nothing else reads the variable.
pub fn crash_point(name: &str) {
    if crate::env::Env::get().text("LANES_CRASH_AT") == Some(name) {
        std::process::abort();
    }
}

/// The index file.
pub fn index_path(repo: &Repository) -> PathBuf {
    super::index_file(repo.path())
}

/// Where the journal lives.
pub fn journal_path(repo: &Repository) -> PathBuf {
    Scratch::in_git_dir(repo.path()).file(JOURNAL)
}

/// The journal file, kept open for appending. It is never removed: empty
/// means no transaction (creating and removing a file costs more than the
/// rest of a small commit's bookkeeping together).
struct JournalFile {
    file: std::fs::File,
    path: PathBuf,
}

impl JournalFile {
    fn open(repo: &Repository) -> Result<JournalFile> {
        let path = journal_path(repo);
        let dir = path.parent().unwrap_or(&path);
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        Ok(JournalFile { file, path })
    }

    fn append(&mut self, text: &str) -> Result<()> {
        use std::io::Write;
        self.file
            .write_all(text.as_bytes())
            .with_context(|| format!("cannot write {} (nothing was changed)", self.path.display()))
    }

    /// Mark the transaction over: an `end` line (cheaper than truncating,
    /// which is done only once the file has grown).
    fn clear(&mut self) {
        let _ = self.append("end\n");
    }

    /// Start afresh, dropping old transactions once the file has grown.
    fn start(&mut self) {
        if self.file.metadata().is_ok_and(|m| m.len() > 256 * 1024) {
            let _ = self.file.set_len(0);
        }
    }
}

fn read_journal(repo: &Repository) -> Option<Journal> {
    let text = std::fs::read_to_string(journal_path(repo)).ok()?;
    Journal::parse(&text)
}

/// Whether the journal in the folder `dir` (`.git/lanes`) holds an
/// unfinished transaction: its last line is not `end`. Cheap: one open and
/// a read of the last bytes.
pub fn pending_in(dir: &std::path::Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(dir.join(JOURNAL)) else {
        return false;
    };
    let len = f.metadata().map_or(0, |m| m.len());
    if len == 0 {
        return false;
    }
    let mut tail = [0u8; 5];
    let n = tail.len().min(len as usize);
    let ok =
        f.seek(SeekFrom::Start(len - n as u64)).is_ok() && f.read_exact(&mut tail[..n]).is_ok();
    !(ok && tail[..n].ends_with(b"\nend\n") || &tail[..n] == b"end\n")
}

/// The commit a branch points to (`None`: unborn).
pub fn branch_tip(repo: &Repository, branch: &str) -> Result<Option<Oid>> {
    match repo.refname_to_id(branch) {
        Ok(o) => Ok(Some(o)),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(anyhow!("cannot read {branch}: {}", e.message())),
    }
}

/// The lock file of the ref `branch` (`<common dir>/refs/heads/x.lock`).
pub fn ref_lock_path(repo: &Repository, branch: &str) -> PathBuf {
    repo.commondir().join(format!("{branch}.lock"))
}

/// The branch's own lock file, `refs/heads/<branch>.lock`, taken as git
/// takes it (created exclusively, through libgit2's ref transaction): while
/// it is held no git command moves the branch (git waits up to
/// `core.filesRefLockTimeout`, then fails with "cannot lock ref"), so the
/// branch read under it is the branch it will be moved from: a
/// compare-and-swap. Dropping it releases the lock, the branch unmoved.
pub struct BranchLock<'r> {
    repo: &'r Repository,
    tx: git2::Transaction<'r>,
    branch: String,
    id: FileId,
}

impl<'r> BranchLock<'r> {
    /// Take the lock, waiting up to [`super::LOCK_WAIT`] for another holder.
    pub fn acquire(repo: &'r Repository, branch: &str) -> Result<BranchLock<'r>> {
        let start = Instant::now();
        let path = ref_lock_path(repo, branch);
        loop {
            let mut tx = repo
                .transaction()
                .map_err(|e| anyhow!("cannot lock {branch}: {}", e.message()))?;
            match tx.lock_ref(branch) {
                Ok(()) => {
                    let id = std::fs::symlink_metadata(&path)
                        .map(|m| file_id(&m))
                        .unwrap_or((0, 0));
                    return Ok(BranchLock {
                        repo,
                        tx,
                        branch: branch.to_string(),
                        id,
                    });
                }
                Err(e) if e.code() == git2::ErrorCode::Locked => {
                    if start.elapsed() > super::LOCK_WAIT {
                        return Err(crate::error::busy(super::lock::held_message(&path, branch)));
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => bail!("cannot lock {branch}: {}", e.message()),
            }
        }
    }

    /// The lock file's identity (device, inode), for the journal.
    pub fn id(&self) -> FileId {
        self.id
    }

    /// Where the branch is (nobody else can move it while the lock is held).
    pub fn tip(&self) -> Result<Option<Oid>> {
        branch_tip(self.repo, &self.branch)
    }

    /// Move the branch to `new` (with its reflog and `HEAD`'s) and release
    /// the lock (also when the move fails: libgit2 frees the transaction).
    pub fn set(mut self, new: Oid, reflog: &str) -> Result<()> {
        let branch = self.branch.clone();
        self.tx
            .set_target(&branch, new, None, reflog)
            .and_then(|()| self.tx.commit())
            .map_err(|e| anyhow!("cannot move {branch}: {}", e.message()))
    }
}

/// One change to the repository under `index.lock`: a commit of board files,
/// or moving the branch to another commit with its checkout (sync).
pub struct Transaction<'r> {
    repo: &'r Repository,
    journal: Journal,
    log: JournalFile,
    lock: Option<IndexLock>,
    index_path: PathBuf,
    /// The index as read under the lock, and its mtime.
    index: Option<(Vec<u8>, index_file::Time)>,
    /// Whether commit hooks run (the board's `settings.git_hooks`).
    hooks: bool,
    /// Who signs the commit, and when.
    signer: Signer,
    done: bool,
}

impl<'r> Transaction<'r> {
    /// Start: check the repository can take a commit, record the intent,
    /// take `index.lock`, read the branch and the index.
    pub fn begin(repo: &'r Repository, kind: &str, subject: &str) -> Result<Transaction<'r>> {
        let branch = check_ready(repo)?;
        identity(repo)?;
        if pending_in(Scratch::in_git_dir(repo.path()).path()) {
            recover(repo)?;
        }
        let mut journal = Journal {
            pid: std::process::id(),
            kind: kind.to_string(),
            subject: subject.to_string(),
            branch: branch.clone(),
            ..Default::default()
        };
        // The intent first: a lock file found with this journal and no live
        // process is ours to clean up.
        let mut log = JournalFile::open(repo)?;
        log.start();
        // Objects a killed process was writing (ours are made from here).
        crate::git::tree::sweep_object_tmp(&crate::git::tree::object_tmp_path(repo));
        log.append(&journal.render())?;
        crash_point("journal");
        let index_path = index_path(repo);
        let lock = match IndexLock::acquire(&index_path) {
            Ok(l) => l,
            Err(e) => {
                log.clear();
                return Err(e);
            }
        };
        journal.lock = Some(lock.id());
        let (dev, ino) = lock.id();
        let mut tx = Transaction {
            repo,
            journal,
            log,
            lock: Some(lock),
            index_path,
            index: None,
            hooks: true,
            signer: Signer::default(),
            done: false,
        };
        tx.journal.old = branch_tip(repo, &branch)?;
        tx.log
            .append(&format!("lock {dev} {ino}\nold {}\n", hex(tx.journal.old)))?;
        crash_point("locked");
        tx.index = commit::read_index(&tx.index_path)?;
        Ok(tx)
    }

    /// Whether `commit` runs the repository's commit hooks (on by default,
    /// as in git; a board opts out with `settings.git_hooks: false`).
    pub fn run_hooks(&mut self, on: bool) {
        self.hooks = on;
    }

    /// Who signs the commit, and when (by default git's rules: config and
    /// the `GIT_*` variables).
    pub fn sign_as(&mut self, signer: Signer) {
        self.signer = signer;
    }

    /// The commit the change is built on.
    pub fn tip(&self) -> Option<Oid> {
        self.journal.old
    }

    /// The branch (`refs/heads/...`).
    pub fn branch(&self) -> &str {
        &self.journal.branch
    }

    /// Record that the work-tree file `path` (relative to the work tree) is
    /// about to change from `before` to `after` (`None`: absent), so that a
    /// crash before the commit lands puts it back.
    pub fn protect(
        &mut self,
        path: &str,
        before: Option<&[u8]>,
        after: Option<&[u8]>,
    ) -> Result<()> {
        let pre = before.map(|b| self.repo.blob(b)).transpose()?;
        let post = after
            .map(|a| Oid::hash_object(git2::ObjectType::Blob, a))
            .transpose()?;
        self.journal.files.push((pre, post, path.to_string()));
        self.log
            .append(&format!("file {} {} {path}\n", hex(pre), hex(post)))
    }

    /// Commit exactly `files` (relative to the work tree; `None` content:
    /// as the file is now, through its filters, a missing file being a
    /// removal; `Some`: exactly these bytes, the working file left as it
    /// is) on the branch, like `git commit --only`. On success the index
    /// is replaced and the transaction is over; on failure nothing changed
    /// and the caller puts its files back before dropping the transaction.
    pub fn commit(&mut self, files: &[(String, Option<Vec<u8>>)], message: &str) -> Result<Oid> {
        let repo = self.repo;
        crash_point("staging");
        let (author, committer) = self.signer.signatures(repo)?;
        let staged: Vec<Staging> = commit::hash_files(repo, files)?;
        // Board files a git command running beside lanes left staged at a
        // version older than HEAD's and the work tree's go back to HEAD's
        // in the same index write: nothing is committed for them.
        let index = self.index.take();
        let repairs = match &index {
            Some((bytes, _)) => {
                commit::stale_board_entries(repo, bytes, self.journal.old, &staged)?
            }
            None => Vec::new(),
        };
        let mut index = Some(index);
        let mut base = self.journal.old;
        let hooks = match self.hooks {
            true => Some(Hooks::of(repo)?).filter(Hooks::any),
            false => None,
        };
        let mut message = message.to_string();
        let mut hooks_ran = false;
        let mut tries = 0;
        let mut branch_lock: Option<BranchLock<'r>> = None;
        loop {
            let parent = base.map(|b| repo.find_commit(b)).transpose()?;
            let tree_id = commit::build_tree(repo, parent.as_ref(), &staged)?;
            if parent.as_ref().is_some_and(|c| c.tree_id() == tree_id) {
                bail!("nothing to commit: the board files are unchanged");
            }
            let tree = repo.find_tree(tree_id)?;
            if let (Some(h), false) = (&hooks, hooks_ran) {
                message = run_commit_hooks(repo, h, &tree, &message)?;
                hooks_ran = true;
            }
            let subject = message.lines().next().unwrap_or("").to_string();
            let parents: Vec<&git2::Commit> = parent.iter().collect();
            let oid = rules::create_commit(repo, &author, &committer, &message, &tree, &parents)?;
            self.journal.new = Some(oid);
            self.journal.old = base;
            self.log
                .append(&format!("old {}\nnew {oid}\n", hex(base)))?;
            let held = match branch_lock.take() {
                Some(l) => l,
                None => self.lock_branch()?,
            };
            // The compare-and-swap: under the branch's lock, nobody moves it.
            let now = held.tip()?;
            if now != base {
                tries += 1;
                let touched = commit::touched_between(repo, base, now, &staged)?;
                if !touched.is_empty() || tries > REBUILDS || now.is_none() {
                    self.journal.new = None;
                    let _ = self.log.append("new -\n");
                    return Err(crate::error::busy(format!(
                        "{} moved while lanes was committing (another process committed{}); nothing was changed, run the command again",
                        self.journal.branch.trim_start_matches("refs/heads/"),
                        if touched.is_empty() {
                            String::new()
                        } else {
                            format!(" to {}", touched.join(", "))
                        }
                    )));
                }
                // The other commit touched none of our files: the change is
                // rebuilt on top of it (the branch stays locked meanwhile).
                base = now;
                branch_lock = Some(held);
                continue;
            }
            // The new index, built now that the commit's parent and tree
            // are final: the cached ids of the folders it changed stay
            // valid, as after `git commit`.
            let trees = commit::tree_ids(repo, base, tree_id, &staged, &repairs)?;
            let bytes = commit::stage(
                repo,
                &self.index_path,
                index.take().flatten(),
                &[staged.as_slice(), repairs.as_slice()].concat(),
                &trees,
            )?;
            // The new index is the real one before the branch moves (see
            // `IndexLock::publish`), both under their locks.
            let lock = self
                .lock
                .as_mut()
                .ok_or_else(|| anyhow!("the transaction is over"))?;
            lock.write(&bytes)?;
            crash_point("index-written");
            lock.publish()?;
            crash_point("published");
            let reflog = if base.is_some() {
                format!("commit: {subject}")
            } else {
                format!("commit (initial): {subject}")
            };
            if let Err(e) = held.set(oid, &reflog) {
                // The old index goes back at once (the branch did not move).
                drop(self.lock.take());
                return Err(e);
            }
            crash_point("branch-moved");
            self.finish()?;
            if let Some(h) = &hooks {
                // As git: after the commit, and its verdict ignored.
                let _ = h.run("post-commit", &[], &self.index_path);
            }
            return Ok(oid);
        }
    }

    /// Take the branch's lock file and note it in the journal, so that a
    /// process killed while holding it leaves it to recovery.
    fn lock_branch(&mut self) -> Result<BranchLock<'r>> {
        let held = BranchLock::acquire(self.repo, &self.journal.branch)?;
        let (dev, ino) = held.id();
        self.journal.ref_lock = Some(held.id());
        self.log.append(&format!("reflock {dev} {ino}\n"))?;
        crash_point("ref-locked");
        Ok(held)
    }

    /// Check out `target` and move the branch to it from where the
    /// transaction started, refusing (nothing changed) if that would
    /// overwrite uncommitted work. `force_paths`: recovering an interrupted
    /// checkout, these paths are written whatever they hold.
    pub fn checkout(&mut self, target: Oid, reflog: &str, force_paths: &[String]) -> Result<()> {
        let repo = self.repo;
        let old = self.journal.old;
        self.journal.new = Some(target);
        self.log.append(&format!("new {target}\n"))?;
        let bytes = commit::checkout_into_index(repo, self.index.as_ref(), target, force_paths)?;
        let held = self.lock_branch()?;
        let now = held.tip()?;
        if now != old {
            // Someone moved the branch during the checkout: the files we
            // wrote are the target's; putting the work tree back as the
            // branch has it now is not ours to decide. Nothing is published
            // and the branch is not moved: refuse.
            bail!(
                "{} moved to {} while lanes was syncing (another process committed); run `lanes sync` again",
                self.journal.branch.trim_start_matches("refs/heads/"),
                now.map(|o| o.to_string()[..8].to_string())
                    .unwrap_or_else(|| "nothing".into())
            )
        }
        let lock = self
            .lock
            .as_mut()
            .ok_or_else(|| anyhow!("the transaction is over"))?;
        lock.write(&bytes)?;
        crash_point("index-written");
        lock.publish()?;
        crash_point("published");
        if let Err(e) = held.set(target, reflog) {
            drop(self.lock.take());
            return Err(e);
        }
        crash_point("branch-moved");
        self.finish()
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(lock) = self.lock.take() {
            lock.commit()?;
        }
        crash_point("renamed");
        self.done = true;
        self.log.clear();
        Ok(())
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            // The lock goes (index untouched); so does the journal: the
            // caller has put its files back.
            drop(self.lock.take());
            self.log.clear();
        }
    }
}

/// Run pre-commit, prepare-commit-msg and commit-msg as `git commit
/// --only` runs them: against a temporary index holding exactly the commit's
/// tree (`<gitdir>/next-index-<pid>.lock`, as git names it), with the message
/// in `COMMIT_EDITMSG`. Returns the message as the hooks left it.
fn run_commit_hooks(
    repo: &Repository,
    hooks: &Hooks,
    tree: &git2::Tree<'_>,
    message: &str,
) -> Result<String> {
    let index_file = repo
        .path()
        .join(format!("next-index-{}.lock", std::process::id()));
    struct Remove<'a>(&'a std::path::Path);
    impl Drop for Remove<'_> {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(self.0);
        }
    }
    let _remove = Remove(&index_file);
    let mut idx = git2::Index::open(&index_file)?;
    idx.read_tree(tree)?;
    idx.write()?;
    hooks.run("pre-commit", &[], &index_file)?;
    let msg_file = repo.path().join("COMMIT_EDITMSG");
    std::fs::write(&msg_file, message)
        .with_context(|| format!("cannot write {}", msg_file.display()))?;
    let msg_arg = msg_file.to_string_lossy().into_owned();
    hooks.run("prepare-commit-msg", &[&msg_arg, "message"], &index_file)?;
    hooks.run("commit-msg", &[&msg_arg], &index_file)?;
    let mut edited = std::fs::read_to_string(&msg_file)
        .with_context(|| format!("cannot read {}", msg_file.display()))?;
    // git's cleanup for a message not edited in an editor: whitespace.
    let trimmed = edited.trim_end().len();
    edited.truncate(trimmed);
    edited.push('\n');
    if edited.trim().is_empty() {
        bail!("the commit-msg hook left an empty message; nothing was changed");
    }
    Ok(edited)
}

/// Finish or roll back a transaction whose process died (killed, power
/// loss, full disk...). Returns what was done, for the user. Called with
/// the board lock held, before any other change.
pub fn recover(repo: &Repository) -> Result<Option<String>> {
    let path = journal_path(repo);
    if !pending_in(Scratch::in_git_dir(repo.path()).path()) {
        return Ok(None);
    }
    let clear = || {
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"end\n"))
    };
    let Some(j) = read_journal(repo) else {
        let _ = clear();
        return Ok(Some(format!(
            "removed an unreadable transaction journal {}",
            path.display()
        )));
    };
    if j.pid != std::process::id() && pid_alive(j.pid) {
        // Its owner is still at work (an older lanes without the board
        // lock?): leave it alone.
        return Ok(None);
    }
    // An object it was writing when it died.
    crate::git::tree::sweep_object_tmp(&crate::git::tree::object_tmp_path(repo));
    let lock_path = {
        let mut p = index_path(repo).into_os_string();
        p.push(".lock");
        PathBuf::from(p)
    };
    let lock_ours = match std::fs::symlink_metadata(&lock_path) {
        Ok(meta) => match j.lock {
            Some(id) => file_id(&meta) == id,
            // Killed between the journal and the lock: an empty lock file
            // made after the journal is ours.
            None => {
                meta.len() == 0
                    && std::fs::metadata(&path)
                        .and_then(|jm| Ok(meta.modified()? >= jm.modified()?))
                        .unwrap_or(false)
            }
        },
        Err(_) => false,
    };
    // The branch's lock file, held from before the index is published
    // until the branch has moved: ours when it is the file the journal
    // names; when it names none (killed between taking it and noting it),
    // one made after our last journal line, with our process dead.
    let mut notes = String::new();
    let ref_lock = ref_lock_path(repo, &j.branch);
    let ref_lock_ours = match std::fs::symlink_metadata(&ref_lock) {
        Ok(m) => match j.ref_lock {
            Some(id) => file_id(&m) == id,
            None => {
                j.new.is_some()
                    && std::fs::metadata(&path)
                        .and_then(|jm| Ok(m.modified()? >= jm.modified()?))
                        .unwrap_or(false)
            }
        },
        Err(_) => false,
    };
    if ref_lock_ours {
        std::fs::remove_file(&ref_lock)
            .with_context(|| format!("cannot remove {}", ref_lock.display()))?;
        notes = format!("; removed the {} it left", ref_lock.display());
    }
    let tip = branch_tip(repo, &j.branch)?;
    let what = if j.subject.is_empty() {
        j.kind.clone()
    } else {
        format!("`{}`", j.subject)
    };
    let landed = j.new.is_some() && tip == j.new;
    let index = index_path(repo);
    let message = if landed {
        // The branch moved: the lock holds the complete new index, which
        // may be the real index already (published).
        if lock_ours {
            if same_file(&lock_path, &index) {
                std::fs::remove_file(&lock_path)
                    .with_context(|| format!("cannot remove {}", lock_path.display()))?;
            } else {
                std::fs::rename(&lock_path, &index)
                    .with_context(|| format!("cannot replace {}", index.display()))?;
            }
        }
        format!(
            "finished an interrupted lanes command (process {}): {what} is committed",
            j.pid
        )
    } else if tip == j.old && j.kind == "checkout" {
        if lock_ours {
            unpublish(&index, &lock_path)?;
            std::fs::remove_file(&lock_path)
                .with_context(|| format!("cannot remove {}", lock_path.display()))?;
        }
        match j.new {
            Some(target) => {
                // The redo keeps its own journal.
                let _ = clear();
                let saved = finish_checkout(repo, &j, target)?;
                format!(
                    "finished an interrupted lanes sync (process {}): {what}{saved}",
                    j.pid
                )
            }
            None => format!(
                "cleaned up after an interrupted lanes sync (process {}); it had changed nothing",
                j.pid
            ),
        }
    } else {
        if lock_ours {
            unpublish(&index, &lock_path)?;
            std::fs::remove_file(&lock_path)
                .with_context(|| format!("cannot remove {}", lock_path.display()))?;
        }
        let kept = restore_files(repo, &j)?;
        if tip == j.old {
            format!(
                "rolled back an interrupted lanes command (process {}): {what} was not made{kept}",
                j.pid
            )
        } else {
            format!(
                "cleaned up after an interrupted lanes command (process {}): {what} was not made{kept}",
                j.pid
            )
        }
    };
    // What a publish left beside the index (ours: the board lock is held
    // and the journal's process is dead).
    let _ = std::fs::remove_file(new_index_path(&index));
    let _ = std::fs::remove_file(old_index_path(&index));
    let _ = clear();
    Ok(Some(format!("{message}{notes}")))
}

/// A change that did not land had published its index (the lock file and
/// the index are one file): put the index it replaced back.
fn unpublish(index: &std::path::Path, lock: &std::path::Path) -> Result<()> {
    if !same_file(lock, index) {
        return Ok(());
    }
    let old = old_index_path(index);
    if old.exists() {
        std::fs::rename(&old, index).with_context(|| format!("cannot put back {}", index.display()))
    } else {
        // There was no index before.
        std::fs::remove_file(index).with_context(|| format!("cannot remove {}", index.display()))
    }
}

/// Put back the files a rolled-back commit had written, where they still
/// hold what it wrote; say which were left because they changed since.
fn restore_files(repo: &Repository, j: &Journal) -> Result<String> {
    let Some(wd) = repo.workdir() else {
        return Ok(String::new());
    };
    let mut left = Vec::new();
    for (pre, post, rel) in &j.files {
        let full = wd.join(rel);
        // A temporary file the dead process was writing.
        if let (Some(dir), Some(name)) = (full.parent(), full.file_name()) {
            let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), j.pid));
            let _ = std::fs::remove_file(tmp);
        }
        let now = match std::fs::read(&full) {
            Ok(b) => Some(Oid::hash_object(git2::ObjectType::Blob, &b)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => bail!("cannot read {}: {e}", full.display()),
        };
        let before = pre
            .map(|o| repo.find_blob(o).map(|b| b.content().to_vec()))
            .transpose()
            .context("the journal names a blob that is missing")?;
        let before_hash = before
            .as_deref()
            .map(|b| Oid::hash_object(git2::ObjectType::Blob, b))
            .transpose()?;
        if now == before_hash {
            continue;
        }
        if now != *post {
            left.push(rel.clone());
            continue;
        }
        crate::store::check_no_links(wd, rel)?;
        match before {
            Some(b) => crate::store::write_atomic(&full, &b)?,
            None => std::fs::remove_file(&full)
                .with_context(|| format!("cannot remove {}", full.display()))?,
        }
    }
    Ok(if left.is_empty() {
        String::new()
    } else {
        format!(
            "; left as they are because they changed since: {}",
            left.join(", ")
        )
    })
}

/// Redo an interrupted checkout of `target` over the paths that differ
/// from the old tip, keeping a copy of any file that holds neither side.
fn finish_checkout(repo: &Repository, j: &Journal, target: Oid) -> Result<String> {
    let paths = commit::diff_paths(repo, j.old, target)?;
    let saved = commit::save_strays(repo, j.old, target, &paths)?;
    let mut tx = Transaction::begin(repo, "checkout", &j.subject)?;
    if tx.tip() != j.old {
        bail!("the branch moved while recovering; run the command again");
    }
    tx.checkout(target, &format!("{} (recovered)", j.subject), &paths)?;
    Ok(match saved {
        Some(dir) => format!(
            "; files that held neither version were saved under {}",
            dir.display()
        ),
        None => String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_round_trips() {
        let j = Journal {
            pid: 42,
            kind: "commit".into(),
            subject: "lanes: move abc (a -> b)".into(),
            branch: "refs/heads/main".into(),
            old: Some(Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap()),
            new: None,
            lock: Some((1, 2)),
            ref_lock: Some((3, 4)),
            files: vec![
                (None, Some(Oid::ZERO_SHA1), ".lanes/cards/a b.yaml".into()),
                (Some(Oid::ZERO_SHA1), None, "x".into()),
            ],
        };
        assert_eq!(Journal::parse(&j.render()), Some(j.clone()));
        assert_eq!(Journal::parse("something else"), None);
        // Appended: later values win, an ended transaction is none, a
        // torn last line is ignored.
        let two = format!("{}end\n{}new -\nold 01234", j.render(), j.render());
        assert_eq!(Journal::parse(&two), Some(j.clone()));
        assert_eq!(Journal::parse(&format!("{}end\n", j.render())), None);
        let dir = tempfile::tempdir().unwrap();
        assert!(!pending_in(dir.path()));
        std::fs::write(dir.path().join(JOURNAL), j.render()).unwrap();
        assert!(pending_in(dir.path()));
        std::fs::write(dir.path().join(JOURNAL), format!("{}end\n", j.render())).unwrap();
        assert!(!pending_in(dir.path()));
        std::fs::write(dir.path().join(JOURNAL), "end\n").unwrap();
        assert!(!pending_in(dir.path()));
    }
}

//! `lanes init`: a board from a template, in the git repository that
//! holds it (created if there is none), committed.

use super::{clean_line, git_hooks, message, Context};
use crate::git;
use crate::store;
use anyhow::{anyhow, bail, Context as _, Result};
use std::path::{Path, PathBuf};

/// `.gitattributes`, as `lanes init` reads it.
const ATTRIBUTES: store::read::Rules = store::read::Rules {
    what: "attribute files",
    max_bytes: 1 << 20,
    links: store::read::Links::Refuse,
    root: "the repository",
};

/// Create a board in `dir` from a template's text, inside the git
/// repository that holds `dir` (created if there is none), and commit it.
pub fn init_board(
    ctx: &Context,
    dir: &Path,
    template_text: &str,
    template_name: &str,
    name: Option<&str>,
) -> Result<(PathBuf, Option<git2::Oid>)> {
    let board_file = dir.join(store::BOARD_FILE);
    if board_file.exists() || dir.join(store::BOARD_DIR).exists() {
        bail!(
            "{} already holds a board (.lanes/); lanes init never overwrites one",
            dir.display()
        );
    }
    let mut config = store::parse_board(template_text.as_bytes())
        .map_err(|p| anyhow!("template {template_name} is invalid: {p}"))?;
    if let Some(n) = name {
        config.name = n.to_string();
    }
    let (repo, _created) = git::open_or_init(dir)?;
    git::check_ready(&repo)?;
    git::identity(&repo)?;
    // Read before anything is written: init adds its merge lines to it.
    // Like git (which ignores a linked .gitattributes), never through a
    // link, and only a regular file of sensible size.
    let workdir = git::workdir(&repo)?;
    let attributes = workdir.join(".gitattributes");
    let existing = match store::read::read_within(&workdir, ".gitattributes", &ATTRIBUTES)
        .and_then(store::read::Contents::into_text)
    {
        Ok(text) => text,
        Err(e) if e.is_not_found() => String::new(),
        Err(e) => bail!("{e} (lanes init adds its merge lines to it; nothing was changed)"),
    };
    let text = if name.is_some() {
        store::render_board(&config, Some(template_text))
    } else {
        template_text.to_string()
    };
    std::fs::create_dir_all(dir.join(store::CARDS_DIR))
        .with_context(|| format!("cannot create {}", dir.join(store::CARDS_DIR).display()))?;
    store::write_atomic(&board_file, text.as_bytes())?;
    let rel = git::repo_path(&repo, dir, store::BOARD_FILE)?;
    let line = format!("{}*.yaml merge=lanes", rel.trim_end_matches("board.yaml"));
    let line2 = format!(
        "{}cards/*.yaml merge=lanes",
        rel.trim_end_matches("board.yaml")
    );
    // Teammates on plain git merge board files with `lanes merge-driver`
    // once they run `lanes setup`. If the user is editing .gitattributes,
    // only our lines are committed; their edits stay theirs.
    let mut files: Vec<(String, Option<Vec<u8>>)> = vec![(rel.clone(), None)];
    // A deep board (git reads attribute lines of at most 2 KB, and remotes
    // with receive.fsckObjects reject longer ones) or one whose path needs
    // quoting gets its lines in its own folder, relative to it.
    let prefix = rel.trim_end_matches("board.yaml");
    let local = prefix.len() > 512
        || prefix
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"\\*?[]#!".contains(c));
    if local {
        let own = format!("{prefix}.gitattributes");
        let text = "*.yaml merge=lanes\ncards/*.yaml merge=lanes\n";
        store::write_atomic(
            &dir.join(store::BOARD_DIR).join(".gitattributes"),
            text.as_bytes(),
        )?;
        files.push((own, None));
    } else if !existing.lines().any(|l| l.trim() == line) {
        let ours = format!("{line}\n{line2}\n");
        let with = |text: &str| {
            let mut t = text.to_string();
            if !t.is_empty() && !t.ends_with('\n') {
                t.push('\n');
            }
            t.push_str(&ours);
            t
        };
        let dirty = git::changed_paths(&repo, ".gitattributes")
            .map(|p| !p.is_empty())
            .unwrap_or(false);
        let committed = if dirty {
            let head_text = repo
                .head()
                .ok()
                .and_then(|h| h.peel_to_tree().ok())
                .and_then(|t| t.get_path(Path::new(".gitattributes")).ok())
                .and_then(|e| repo.find_blob(e.id()).ok())
                .map(|b| String::from_utf8_lossy(b.content()).into_owned())
                .unwrap_or_default();
            Some(with(&head_text).into_bytes())
        } else {
            None
        };
        store::write_atomic(&attributes, with(&existing).as_bytes())?;
        files.push((".gitattributes".to_string(), committed));
    }
    let subject = format!(
        "lanes: init {} ({template_name})",
        clean_line(&config.name, 50)
    );
    let body = format!(
        "Lanes: {}",
        config
            .lanes
            .iter()
            .map(|l| l.title.as_str())
            .collect::<Vec<_>>()
            .join(" / ")
    );
    let msg = message::full(&subject, &body, "init", &[]);
    let oid = match git::commit_files(&repo, &ctx.signer(), &files, &msg, git_hooks(&config)) {
        Ok(o) => o,
        Err(e) => {
            let _ = std::fs::remove_dir_all(dir.join(store::BOARD_DIR));
            if files.len() > 1 && !local {
                let _ = if existing.is_empty() {
                    std::fs::remove_file(&attributes)
                } else {
                    std::fs::write(&attributes, &existing)
                };
            }
            return Err(e.context("the board was not created"));
        }
    };
    Ok((std::fs::canonicalize(dir)?, Some(oid)))
}

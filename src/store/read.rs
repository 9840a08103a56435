//! The one reader for files someone else may have put where lanes reads:
//! files a teammate commits (cards, `dvc.lock`, metrics files, an MLflow
//! file store's entries, `.gitattributes`), paths committed text names (a
//! card's evidence), and files the user names (`lanes edit --file`).
//!
//! Every read keeps three rules, each with a message that names the path:
//! - **only regular files**: a FIFO would wait for a writer forever and a
//!   device like `/dev/zero` never ends, so the type is checked before
//!   the file is opened and again on the opened descriptor (`fstat`), and
//!   it is opened non-blocking, so a file swapped for a FIFO in between
//!   does not wait either;
//! - **a size bound** fit for the kind of file ([`Rules::max_bytes`]),
//!   checked on the opened file and enforced while reading;
//! - **inside a root folder** ([`read_within`]): no absolute path, no
//!   `..`, and no symbolic link that leads out of it (or, for board files,
//!   no link at all).

use super::Problem;
use std::fmt;
use std::fs;
use std::io::{self, Read as _};
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

/// Which symbolic links a read may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// None, anywhere on the path (board files).
    Refuse,
    /// Those that stay inside the root folder (a DVC output linked into
    /// the repository's cache).
    Inside,
}

/// How one kind of file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// The kind of file, plural, for messages: `metrics files`.
    pub what: &'static str,
    /// The most lanes reads of it.
    pub max_bytes: u64,
    pub links: Links,
    /// The root folder, for messages: `the repository`.
    pub root: &'static str,
}

/// Board files: `.lanes/board.yaml` and the cards.
pub const BOARD_FILES: Rules = Rules {
    what: "board files",
    max_bytes: super::yaml::MAX_FILE_BYTES as u64,
    links: Links::Refuse,
    root: ".lanes/",
};

/// A file's bytes, and when it was last modified (from the descriptor
/// that was read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// The path as messages show it.
    pub path: String,
    pub bytes: Vec<u8>,
    pub modified: Option<SystemTime>,
}

impl Contents {
    /// The bytes as UTF-8 text.
    pub fn into_text(self) -> Result<String, ReadError> {
        let path = self.path;
        String::from_utf8(self.bytes).map_err(|e| ReadError {
            why: Why::NotUtf8 {
                offset: e.utf8_error().valid_up_to(),
            },
            path,
        })
    }
}

/// Why a file was not read.
#[derive(Debug)]
pub enum Why {
    NotFound,
    /// An absolute path where a path inside `root` was wanted.
    Absolute {
        root: &'static str,
    },
    /// A path with `..`.
    Parent {
        root: &'static str,
    },
    /// A symbolic link where none is followed; `at` is the folder on the
    /// way that is the link (None: the file itself is).
    Link {
        at: Option<String>,
        target: String,
        rules: Rules,
    },
    /// A symbolic link that leads out of the root folder.
    LinkOut {
        at: Option<String>,
        target: String,
        root: &'static str,
    },
    /// A FIFO, device, socket or folder.
    NotRegular {
        kind: &'static str,
        what: &'static str,
    },
    /// Over the bound (`size` unknown when the file grew while read).
    TooBig {
        size: Option<u64>,
        max: u64,
        what: &'static str,
    },
    NotUtf8 {
        offset: usize,
    },
    Io(io::Error),
}

/// A file lanes did not read, and why: `{path} {message}`.
#[derive(Debug)]
pub struct ReadError {
    /// The path as given (relative to the root folder), or as the caller
    /// chose to show it ([`ReadError::shown_as`]).
    pub path: String,
    pub why: Why,
}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self.why, Why::NotFound)
    }

    /// Show another path for the file (a longer one, for a file in a
    /// store outside the repository).
    pub fn shown_as(mut self, path: impl Into<String>) -> ReadError {
        self.path = path.into();
        self
    }

    /// What is wrong, without the path: a phrase that follows it.
    pub fn message(&self) -> String {
        match &self.why {
            Why::NotFound => "does not exist".to_string(),
            Why::Absolute { root } => format!(
                "is an absolute path; lanes reads only files inside {root} (give the path relative to its top folder)"
            ),
            Why::Parent { root } => format!(
                "leads out of {root} (`..`); lanes reads only files inside it"
            ),
            Why::Link { at, target, rules } => {
                let how = match at {
                    None => format!("is a symbolic link (to {target})"),
                    Some(at) => format!("goes through the symbolic link {at} (to {target})"),
                };
                format!(
                    "{how}; {} must be regular files inside {}, and lanes does not follow links",
                    rules.what, rules.root
                )
            }
            Why::LinkOut { at, target, root } => {
                let how = match at {
                    None => format!("is a symbolic link to {target}, outside {root}"),
                    Some(at) => format!(
                        "goes through the symbolic link {at} (to {target}), outside {root}"
                    ),
                };
                format!("{how}; lanes does not follow links out of it")
            }
            Why::NotRegular { kind, what } => {
                format!("is not a regular file ({kind}); lanes reads {what} only from regular files")
            }
            Why::TooBig { size, max, what } => match size {
                Some(size) => format!("is {size} bytes, over the {max} byte limit for {what}"),
                None => format!("is over the {max} byte limit for {what}"),
            },
            Why::NotUtf8 { offset } => {
                format!("is not UTF-8 text (invalid byte at offset {offset})")
            }
            Why::Io(e) => format!("cannot be read: {e}"),
        }
    }

    /// As a board file's problem: `path:1:1: message`.
    pub fn problem(&self) -> Problem {
        Problem::new(&self.path, 1, 1, self.message())
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.path, self.message())
    }
}

impl std::error::Error for ReadError {}

/// A path found inside a root folder: where it really is (links that stay
/// inside resolved) and what is there (not following a link).
#[derive(Debug)]
pub struct Located {
    /// The path as given, for messages.
    pub shown: String,
    pub path: PathBuf,
    pub meta: fs::Metadata,
}

impl Located {
    /// The path, if it is a regular file.
    pub fn file(self, rules: &Rules) -> Result<PathBuf, ReadError> {
        check_regular(&self.shown, &self.meta, rules)?;
        Ok(self.path)
    }
}

/// Find `rel` (relative to `root`, `/` separators) inside `root` without
/// opening it: refuses absolute paths, `..`, and the links `rules` does
/// not follow.
pub fn locate(root: &Path, rel: &str, rules: &Rules) -> Result<Located, ReadError> {
    let fail = |why| ReadError {
        path: rel.to_string(),
        why,
    };
    let mut parts = Vec::new();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(p) => parts.push(p),
            Component::CurDir => {}
            Component::ParentDir => return Err(fail(Why::Parent { root: rules.root })),
            Component::RootDir | Component::Prefix(_) => {
                return Err(fail(Why::Absolute { root: rules.root }))
            }
        }
    }
    if parts.is_empty() {
        return Err(fail(Why::NotFound));
    }
    let base = match rules.links {
        Links::Inside => fs::canonicalize(root).map_err(|e| fail(io_why(e)))?,
        Links::Refuse => root.to_path_buf(),
    };
    let mut at = base.clone();
    let mut shown = PathBuf::new();
    for (i, part) in parts.iter().enumerate() {
        at.push(part);
        shown.push(part);
        let last = i + 1 == parts.len();
        let mut meta = fs::symlink_metadata(&at).map_err(|e| fail(io_why(e)))?;
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&at)
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            let via = (!last).then(|| shown.display().to_string());
            if rules.links == Links::Refuse {
                return Err(fail(Why::Link {
                    at: via,
                    target,
                    rules: *rules,
                }));
            }
            let real = fs::canonicalize(&at).map_err(|e| fail(io_why(e)))?;
            if !real.starts_with(&base) {
                return Err(fail(Why::LinkOut {
                    at: via,
                    target,
                    root: rules.root,
                }));
            }
            meta = fs::symlink_metadata(&real).map_err(|e| fail(io_why(e)))?;
            at = real;
        }
        if last {
            return Ok(Located {
                shown: rel.to_string(),
                path: at,
                meta,
            });
        }
        if !meta.is_dir() {
            return Err(fail(Why::NotFound));
        }
    }
    Err(fail(Why::NotFound))
}

/// Read `rel` (relative to `root`, `/` separators): a regular file inside
/// `root`, at most `rules.max_bytes`.
pub fn read_within(root: &Path, rel: &str, rules: &Rules) -> Result<Contents, ReadError> {
    let found = locate(root, rel, rules)?;
    let shown = found.shown.clone();
    let path = found.file(rules)?;
    read_open(&path, shown, rules, true)
}

/// Read a file the user named (`lanes edit --file PATH`, a template): it
/// may be anywhere and may be a link, but must be a regular file of at
/// most `rules.max_bytes`.
pub fn read_path(path: &Path, rules: &Rules) -> Result<Contents, ReadError> {
    let shown = path.display().to_string();
    let meta = fs::metadata(path).map_err(|e| ReadError {
        path: shown.clone(),
        why: io_why(e),
    })?;
    check_regular(&shown, &meta, rules)?;
    read_open(path, shown, rules, false)
}

fn io_why(e: io::Error) -> Why {
    match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => Why::NotFound,
        _ => Why::Io(e),
    }
}

fn kind_of(meta: &fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a folder";
    }
    if t.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

fn check_regular(shown: &str, meta: &fs::Metadata, rules: &Rules) -> Result<(), ReadError> {
    if meta.is_file() {
        return Ok(());
    }
    Err(ReadError {
        path: shown.to_string(),
        why: Why::NotRegular {
            kind: kind_of(meta),
            what: rules.what,
        },
    })
}

/// Open `path` non-blocking (and, with `no_follow`, not through a link),
/// check the opened file is regular and within the bound, and read it.
fn read_open(
    path: &Path,
    shown: String,
    rules: &Rules,
    no_follow: bool,
) -> Result<Contents, ReadError> {
    let fail = |why| ReadError {
        path: shown.clone(),
        why,
    };
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Swapped for a FIFO since it was checked: do not wait for a
        // writer; for a link: do not follow it.
        let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
        if no_follow {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        #[cfg(unix)]
        Err(e) if no_follow && e.raw_os_error() == Some(libc::ELOOP) => {
            // Replaced by a link since it was checked.
            let target = fs::read_link(path)
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            return Err(fail(match rules.links {
                Links::Refuse => Why::Link {
                    at: None,
                    target,
                    rules: *rules,
                },
                Links::Inside => Why::LinkOut {
                    at: None,
                    target,
                    root: rules.root,
                },
            }));
        }
        Err(e) => return Err(fail(io_why(e))),
    };
    let meta = file.metadata().map_err(|e| fail(Why::Io(e)))?;
    if !meta.is_file() {
        return Err(fail(Why::NotRegular {
            kind: kind_of(&meta),
            what: rules.what,
        }));
    }
    let too_big = |size| {
        fail(Why::TooBig {
            size,
            max: rules.max_bytes,
            what: rules.what,
        })
    };
    if meta.len() > rules.max_bytes {
        return Err(too_big(Some(meta.len())));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(rules.max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(Why::Io(e)))?;
    if bytes.len() as u64 > rules.max_bytes {
        return Err(too_big(None));
    }
    Ok(Contents {
        modified: meta.modified().ok(),
        path: shown,
        bytes,
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    const EVIDENCE: Rules = Rules {
        what: "metrics files",
        max_bytes: 64,
        links: Links::Inside,
        root: "the repository",
    };

    fn err(root: &Path, rel: &str, rules: &Rules) -> String {
        read_within(root, rel, rules).unwrap_err().to_string()
    }

    #[test]
    fn only_regular_files_inside_the_root_within_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.json");
        std::fs::write(&outside, "{}").unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/m.json"), "{\"p\": 1}").unwrap();
        std::fs::write(root.join("big.json"), "x".repeat(65)).unwrap();
        symlink("sub/m.json", root.join("in.json")).unwrap();
        symlink("../outside.json", root.join("out.json")).unwrap();
        symlink("..", root.join("up")).unwrap();
        symlink("/dev/zero", root.join("zero")).unwrap();
        let got = read_within(&root, "./sub/m.json", &EVIDENCE).unwrap();
        assert_eq!(got.bytes, b"{\"p\": 1}");
        assert!(got.modified.is_some());
        let got = read_within(&root, "in.json", &EVIDENCE).unwrap();
        assert_eq!(got.into_text().unwrap(), "{\"p\": 1}");
        assert_eq!(
            err(&root, "out.json", &EVIDENCE),
            "out.json is a symbolic link to ../outside.json, outside the repository; lanes does not follow links out of it"
        );
        assert!(err(&root, "up/outside.json", &EVIDENCE).starts_with(
            "up/outside.json goes through the symbolic link up (to ..), outside the repository"
        ));
        assert!(err(&root, "zero", &EVIDENCE).contains("to /dev/zero, outside"));
        assert!(err(&root, "../outside.json", &EVIDENCE).contains("leads out of the repository"));
        let abs = outside.display().to_string();
        assert!(err(&root, &abs, &EVIDENCE).contains("is an absolute path"));
        assert_eq!(
            err(&root, "big.json", &EVIDENCE),
            "big.json is 65 bytes, over the 64 byte limit for metrics files"
        );
        assert!(err(&root, "sub", &EVIDENCE).contains("is not a regular file (a folder)"));
        assert!(read_within(&root, "none.json", &EVIDENCE)
            .unwrap_err()
            .is_not_found());
        assert!(read_within(&root, "big.json/x", &EVIDENCE)
            .unwrap_err()
            .is_not_found());
        // Board files follow no link at all, even one that stays inside.
        let board = Rules {
            links: Links::Refuse,
            ..EVIDENCE
        };
        assert!(
            err(&root, "in.json", &board).starts_with("in.json is a symbolic link (to sub/m.json)")
        );
        // A file the user names may be a link, but not a device.
        assert!(read_path(&root.join("in.json"), &EVIDENCE).is_ok());
        assert!(read_path(Path::new("/dev/zero"), &EVIDENCE)
            .unwrap_err()
            .to_string()
            .contains("/dev/zero is not a regular file (a character device)"));
    }

    #[test]
    fn a_fifo_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.json");
        let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        assert!(err(dir.path(), "fifo.json", &EVIDENCE)
            .starts_with("fifo.json is not a regular file (a FIFO)"));
        assert!(read_path(&fifo, &EVIDENCE).is_err());
        // Opened anyway (as if swapped in after the check): the descriptor
        // says what it is, and opening did not wait for a writer.
        let e = read_open(&fifo, "fifo.json".into(), &EVIDENCE, true).unwrap_err();
        assert!(e.to_string().contains("(a FIFO)"), "{e}");
    }
}

//! The options the examples share, declared once. Each example flattens
//! [`Common`] into its own `clap` options and parses with [`parse`], saying
//! which defaults suit it and which shared options it has no use for: those
//! are left out of its `--help` and refused when given, as any unknown
//! option is.

use anyhow::{bail, Result};
use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{ArgMatches, Command, Parser};
use std::fs;
use std::path::PathBuf;

/// What the benchmarks and stress runs have in common: how big, how many
/// times, from which seed, where the data goes, and which `lanes` binary.
#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// Cards on the generated board.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub cards: usize,
    /// Timed runs of each measured step, after one warm-up.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub runs: usize,
    /// Seed of everything generated (the same seed, the same data);
    /// `0x` for hexadecimal, `_` between digits allowed.
    #[arg(long, value_name = "N", default_value = "1", value_parser = number)]
    pub seed: u64,
    /// Generate into this folder, which is kept (default: a temporary
    /// folder, removed at the end).
    #[arg(long, value_name = "PATH")]
    pub dir: Option<PathBuf>,
    /// Measure what an earlier run generated in `--dir` again, without
    /// generating it anew.
    #[arg(long, requires = "dir")]
    pub reuse: bool,
    /// Keep the temporary folder (its path is printed).
    #[arg(long)]
    pub keep: bool,
    /// The `lanes` binary to run (default: the release build, built first).
    #[arg(long, value_name = "PATH")]
    pub lanes: Option<PathBuf>,
    /// Another `lanes` binary to measure beside it (one built from main,
    /// say), their runs alternating.
    #[arg(long, value_name = "PATH")]
    pub old: Option<PathBuf>,
}

impl Common {
    /// Where to generate: `--dir` (new or empty, or with `--reuse` holding
    /// a board generated there before), else a new temporary folder named
    /// `prefix...`, returned too: it is removed when dropped, unless kept.
    pub fn folder(&self, prefix: &str) -> Result<(PathBuf, Option<tempfile::TempDir>)> {
        let Some(d) = &self.dir else {
            let t = tempfile::Builder::new().prefix(prefix).tempdir()?;
            return Ok((fs::canonicalize(t.path())?, Some(t)));
        };
        if self.reuse && !d.join(lanes::store::BOARD_FILE).is_file() {
            bail!("--reuse: {} holds no generated board", d.display());
        }
        if !self.reuse && d.exists() && fs::read_dir(d)?.next().is_some() {
            bail!(
                "{} is not empty; give a new or empty folder (or --reuse to measure a board generated there before)",
                d.display()
            );
        }
        fs::create_dir_all(d)?;
        Ok((fs::canonicalize(d)?, None))
    }
}

/// How an example, or one of its subcommands, uses [`Common`].
#[derive(Default)]
pub struct Uses {
    /// `(option, value)`: its own defaults, where Common's do not suit.
    pub defaults: &'static [(&'static str, &'static str)],
    /// The shared options it has no use for.
    pub unused: &'static [&'static str],
    /// `(option, help)`: what an option means here, where Common's
    /// words do not say it.
    pub helps: &'static [(&'static str, &'static str)],
}

impl Uses {
    fn apply(&self, mut cmd: Command) -> Command {
        for (id, value) in self.defaults {
            cmd = cmd.mut_arg(*id, |a| a.default_value(*value));
        }
        for (id, help) in self.helps {
            cmd = cmd.mut_arg(*id, |a| a.help(*help));
        }
        for id in self.unused {
            cmd = cmd.mut_arg(*id, |a| a.hide(true));
        }
        cmd
    }

    fn check(&self, cmd: &mut Command, m: &ArgMatches) -> Result<(), clap::Error> {
        match self
            .unused
            .iter()
            .find(|id| m.value_source(id) == Some(ValueSource::CommandLine))
        {
            Some(id) => Err(cmd.error(
                ErrorKind::UnknownArgument,
                format!("--{id} is not an option of `{}`", cmd.get_name()),
            )),
            None => Ok(()),
        }
    }
}

/// The command line as `T`, whose options flatten [`Common`]: `top` says
/// how the command itself uses them, `subs` how each subcommand does.
/// Exits with clap's message (and `--help` with the help) as clap does.
pub fn parse<T: Parser>(top: Uses, subs: &[(&'static str, Uses)]) -> T {
    let mut cmd = top.apply(T::command());
    for (name, uses) in subs {
        cmd = cmd.mut_subcommand(*name, |s| uses.apply(s));
    }
    let m = cmd.clone().get_matches();
    // Names every subcommand's usage as its help does (`example sub`).
    cmd.build();
    let checked = top.check(&mut cmd, &m).and_then(|()| {
        for (name, uses) in subs {
            if let (Some(sm), Some(sub)) =
                (m.subcommand_matches(name), cmd.find_subcommand_mut(name))
            {
                uses.check(sub, sm)?;
            }
        }
        T::from_arg_matches(&m)
    });
    checked.unwrap_or_else(|e| e.exit())
}

/// A whole number: decimal or `0x` hexadecimal, `_` between digits
/// allowed (`1_000_000`, `0x5EED`).
pub fn number(s: &str) -> Result<u64, String> {
    let digits = s.replace('_', "");
    match digits.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => digits.parse(),
    }
    .map_err(|_| format!("not a number: {s}"))
}

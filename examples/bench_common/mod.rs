//! What the examples share: their common options (`opts`), the seeded
//! random source (`rng`), the board generator (`board`), finding (and
//! building) the release `lanes` binary, the machine's load, and running
//! and timing commands.
//! Included by each example with `#[path]`; an example may use only some
//! of it.

#![allow(dead_code)]

pub mod board;
mod opts;
mod rng;

// Not every example uses all of these.
#[allow(unused_imports)]
pub use opts::{number, parse, Common, Uses};
#[allow(unused_imports)]
pub use rng::Rng;

use anyhow::{anyhow, bail, Context, Result};
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `lanes` binary to measure: `explicit` (`--lanes PATH`), or the
/// release build next to this benchmark's target folder, built first (a
/// no-op when up to date) so it is never stale.
pub fn find_lanes(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return fs::canonicalize(p).with_context(|| format!("--lanes {}", p.display()));
    }
    let exe = env::current_exe()?;
    let name = exe
        .file_stem()
        .and_then(|n| n.to_str())
        .unwrap_or("bench")
        .to_string();
    // target/<profile>/examples/<name> -> target/<profile>/
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| anyhow!("cannot find the target folder from {}", exe.display()))?;
    if profile_dir.file_name().is_some_and(|n| n != "release") {
        eprintln!("warning: this benchmark was built without --release; its figures are not comparable (run it with `cargo run --release --example {name}`)");
    }
    let target = profile_dir
        .parent()
        .ok_or_else(|| anyhow!("cannot find the target folder"))?;
    let bin = target
        .join("release")
        .join(format!("lanes{}", env::consts::EXE_SUFFIX));
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let built = Command::new(cargo)
        .args(["build", "--release", "--quiet", "--bin", "lanes"])
        .arg("--manifest-path")
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target)
        .status();
    match built {
        Ok(s) if s.success() => {}
        _ if bin.is_file() => eprintln!(
            "warning: `cargo build --release --bin lanes` failed; measuring the existing {}",
            bin.display()
        ),
        _ => bail!(
            "no lanes binary at {} and `cargo build --release --bin lanes` failed",
            bin.display()
        ),
    }
    Ok(bin)
}

/// A benchmark's exit: success, or its error on stderr after its name.
pub fn finish(name: &str, result: Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The 1, 5 and 15 minute load averages, for the record.
pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

/// A YAML number rounded to three decimals.
pub fn num(x: f64) -> serde_yaml::Value {
    serde_yaml::Value::Number(serde_yaml::Number::from((x * 1000.0).round() / 1000.0))
}

/// Milliseconds: two decimals under 10 ms, one above.
pub fn ms(d: Duration) -> String {
    let m = d.as_secs_f64() * 1e3;
    if m < 10.0 {
        format!("{m:.2} ms")
    } else {
        format!("{m:.1} ms")
    }
}

/// Run a command, failing with its stderr if it fails; returns stdout.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Run git in `root`; returns stdout.
pub fn git(root: &Path, args: &[&str]) -> Result<String> {
    output(Command::new("git").args(args).current_dir(root))
}

/// Time one run of a command with stdout discarded; fails with its stderr.
pub fn time_cmd(cmd: &mut Command) -> Result<Duration> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    let took = start.elapsed();
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(took)
}

/// The median (zero for no samples); sorts `v`.
pub fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    let n = v.len();
    if n == 0 {
        Duration::ZERO
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

/// A measured step's figures.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub median: Duration,
    pub min: Duration,
    /// Median CPU time (user + system) of this process and its children
    /// during a run: unlike wall time, hardly affected by other jobs.
    pub cpu: Duration,
}

impl Stats {
    /// From wall and CPU times of the runs (both get sorted).
    pub fn of(wall: &mut [Duration], cpu: &mut [Duration]) -> Stats {
        Stats {
            median: median(wall),
            min: wall.first().copied().unwrap_or_default(),
            cpu: median(cpu),
        }
    }
}

/// CPU time used so far by this process and its waited-for children.
#[cfg(unix)]
pub fn cpu_now() -> Duration {
    let mut total = Duration::ZERO;
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        // SAFETY: getrusage only writes into the struct we pass.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: a valid `who` and a valid pointer to a rusage.
        if unsafe { libc::getrusage(who, &mut ru) } == 0 {
            for tv in [ru.ru_utime, ru.ru_stime] {
                total += Duration::from_secs(tv.tv_sec as u64)
                    + Duration::from_micros(tv.tv_usec as u64);
            }
        }
    }
    total
}

#[cfg(not(unix))]
pub fn cpu_now() -> Duration {
    Duration::ZERO
}

/// A timed step: called with the run number (0 is the warm-up).
pub type Step<'a> = Box<dyn FnMut(usize) -> Result<Duration> + 'a>;

/// One warm-up round, then `runs` timed rounds. Each round runs every step
/// once, in turn, so that a change in machine load (other jobs on a shared
/// machine) hits all of them alike and their ratios stay fair.
pub fn measure(runs: usize, mut steps: Vec<Step<'_>>) -> Result<Vec<Stats>> {
    let mut wall = vec![Vec::with_capacity(runs); steps.len()];
    let mut cpu = wall.clone();
    for i in 0..=runs {
        for (k, step) in steps.iter_mut().enumerate() {
            let c = cpu_now();
            let took = step(i)?;
            if i > 0 {
                wall[k].push(took);
                cpu[k].push(cpu_now().saturating_sub(c));
            }
        }
    }
    Ok(wall
        .iter_mut()
        .zip(&mut cpu)
        .map(|(w, c)| Stats::of(w, c))
        .collect())
}

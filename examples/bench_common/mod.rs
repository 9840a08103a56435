//! Helpers every benchmark uses: a seeded random source, finding (and
//! building) the release `lanes` binary, and the machine's load.
//! Included by each `examples/bench_*.rs` with `#[path]`; a benchmark may
//! use only some of it.

#![allow(dead_code)]

use anyhow::{anyhow, bail, Context, Result};
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// SplitMix64: a seed gives the same data every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    pub fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16)]))
            .collect()
    }
    pub fn float(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            xs.swap(i, self.below(i + 1));
        }
    }
}

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

/// The 1, 5 and 15 minute load averages, for the record.
pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

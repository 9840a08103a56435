//! The demo board: a recommendation-engine project told through cards.

use anyhow::Result;
use std::path::{Path, PathBuf};

/// A fresh temporary folder for the demo.
pub fn temp_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    let dir = base.join(format!("lanes-demo-{}", crate::model::id::new_id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Create the demo repository in `dir`; returns the board root.
pub fn create(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let t = crate::templates::find(crate::templates::DEFAULT)?;
    let (root, _) = crate::ops::init_board(dir, &t.text, &t.name, Some("Recommendation engine"))?;
    Ok(root)
}

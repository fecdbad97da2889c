//! Test helpers: C compilation (this file) and the in-process control plane (`plane`).
#![allow(dead_code)]

pub mod plane;

use std::path::PathBuf;
use std::process::Command;

/// `include/` of this crate.
pub fn include_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("include")
}

/// A fresh scratch directory under the target directory, named for the test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

/// Runs a compiler command and fails the test with its diagnostics when it fails.
pub fn compile(mut cmd: Command) {
    let out = cmd
        .output()
        .expect("run the C compiler (gcc/g++ must be installed)");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

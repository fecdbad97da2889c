//! Shared by the tests on the violating test driver (`tests/pe-host/violator`): where its `.sys`
//! is, loading it, and running a case in a child process when the host's report ends the process.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ipsecov2_pe_host::driver::DriverHost;

/// Env variable naming another violator `.sys` (its `.map` beside it).
pub const VIOLATOR_ENV: &str = "IPSECOV2_VIOLATOR_SYS";

/// `$IPSECOV2_VIOLATOR_SYS`, else `target/windows/ipsecov2_violator.sys` of this workspace.
pub fn violator_path() -> PathBuf {
    match std::env::var_os(VIOLATOR_ENV) {
        Some(p) => PathBuf::from(p),
        None => {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/windows/ipsecov2_violator.sys")
        }
    }
}

/// The violator loaded (its map beside it), `DriverEntry` run and successful.
pub fn load_violator() -> DriverHost {
    let path = violator_path();
    assert!(
        path.is_file(),
        "no violator at {}: build it with tests/pe-host/build-violator (or set {VIOLATOR_ENV})",
        path.display()
    );
    let mut h = DriverHost::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h.driver_entry().expect("DriverEntry"), 0, "DriverEntry");
    h
}

/// Runs the `child` test of this test binary with `env_key=case`; returns its exit status and
/// stderr (where the host's fault, bug-check and fatal reports go).
pub fn run_child(env_key: &str, case: &str, extra: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = Command::new(std::env::current_exe().expect("exe"));
    cmd.args([
        "child",
        "--exact",
        "--nocapture",
        "--include-ignored",
        "--test-threads=1",
    ])
    .env(env_key, case);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("spawn");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

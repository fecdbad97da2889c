//! The C example client (`examples/c/lifecycle.c`), compiled by gcc against our headers with
//! warnings as errors, linked against this crate's cdylib, runs the agreement's life cycle and
//! passes.

mod common;

use std::path::PathBuf;
use std::process::Command;

/// Where cargo put the cdylib: `target/<profile>/deps` when it was built as this test's
/// dependency (`cargo test`), `target/<profile>` when built as a root unit (`cargo build`).
fn cdylib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("deps directory");
    let name = if cfg!(windows) {
        "npf_ipsec_sapi.dll"
    } else {
        "libnpf_ipsec_sapi.so"
    };
    if deps.join(name).exists() {
        return deps.to_path_buf();
    }
    deps.parent().expect("profile directory").to_path_buf()
}

#[test]
fn c_example_client_runs_the_life_cycle() {
    let dir = common::scratch("c-example");
    let lib = cdylib_dir();
    let so = lib.join(if cfg!(windows) {
        "npf_ipsec_sapi.dll"
    } else {
        "libnpf_ipsec_sapi.so"
    });
    assert!(so.exists(), "cdylib {} not built", so.display());
    let exe = dir.join("lifecycle");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/c/lifecycle.c");
    let mut cmd = Command::new("gcc");
    cmd.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I"])
        .arg(common::include_dir())
        .arg(&src)
        .arg("-L")
        .arg(&lib)
        .arg("-lnpf_ipsec_sapi")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-o")
        .arg(&exe);
    common::compile(cmd);
    let out = Command::new(&exe).output().expect("run the C client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "C client failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(", 0 failures"), "{stdout}");
}

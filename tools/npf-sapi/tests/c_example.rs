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
    let stderr = run_c_example("c-example", &[]);
    assert!(!stderr.contains("mapped at"), "no driver binary: {stderr}");
}

/// The same client, unchanged, over the real driver binary: the cdylib (built with the
/// `pe-host` feature) loads `ipsecov2_lwf.sys` through the PE host in the client's process.
#[cfg(all(feature = "pe-host", target_arch = "x86_64", target_os = "linux"))]
#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn c_example_client_runs_the_life_cycle_over_the_driver_binary() {
    let sys = ipsecov2_pe_host::driver::sys_path();
    assert!(sys.exists(), "no driver binary at {}", sys.display());
    let sys = sys.to_string_lossy().into_owned();
    let stderr = run_c_example(
        "c-example-binary",
        &[
            (npf_ipsec_sapi::c_abi::TRANSPORT_ENV, "pe-host"),
            (ipsecov2_pe_host::driver::SYS_ENV, &sys),
        ],
    );
    // The PE host announces every load: the requests went to the binary.
    assert!(
        stderr.contains("ipsecov2_lwf.sys mapped at"),
        "the driver binary was not loaded: {stderr}"
    );
}

/// Builds and runs the client with `env`; it must pass. Returns its stderr.
fn run_c_example(name: &str, env: &[(&str, &str)]) -> String {
    let dir = common::scratch(name);
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
    // cargo's LD_LIBRARY_PATH names target/<profile> before deps/, where a cdylib of another
    // build (other features) may be: the one just checked is the one loaded.
    let out = Command::new(&exe)
        .env("LD_LIBRARY_PATH", &lib)
        .envs(env.iter().copied())
        .output()
        .expect("run the C client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "C client failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(", 0 failures"), "{stdout}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

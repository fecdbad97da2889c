//! Runs the built tool: default run, `--json`, `--list`, `--filter`, the failure path and the
//! unavailable device target.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::process::Command;

fn tool() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ipsecov2-hlk"))
}

/// Parses the closing `N passed, M failed` line.
fn closing(stdout: &str) -> (usize, usize) {
    let last = stdout.lines().last().unwrap();
    let (p, rest) = last.split_once(" passed, ").unwrap();
    let f = rest.strip_suffix(" failed").unwrap();
    (p.parse().unwrap(), f.parse().unwrap())
}

#[test]
fn default_run_passes_with_one_line_per_case() {
    let out = tool().output().unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{s}");
    let (p, f) = closing(&s);
    assert_eq!(f, 0);
    assert!(p > 250, "{p} cases");
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines.len(), p + 1);
    assert!(lines[..p].iter().all(|l| l.starts_with("PASS ")));
    for g in [
        "capabilities/",
        "oid-validity/",
        "capacity/",
        "delete-update/",
        "send/",
        "receive/",
        "combinations/",
    ] {
        assert!(s.contains(&format!("PASS {g}")), "group {g}");
    }
}

#[test]
fn json_report_is_valid_and_matches_the_counts() {
    let dir = std::env::temp_dir().join(format!("ipsecov2-hlk-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("report.json");
    let out = tool().arg("--json").arg(&path).output().unwrap();
    assert!(out.status.success());
    let (p, f) = closing(&String::from_utf8(out.stdout).unwrap());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["passed"].as_u64().unwrap() as usize, p);
    assert_eq!(v["failed"].as_u64().unwrap() as usize, f);
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), p + f);
    assert!(cases.iter().all(|c| c["result"] == "pass"));
    std::fs::remove_dir_all(&dir).unwrap();

    // To stdout: the JSON alone on stdout, the text lines on stderr.
    let out = tool()
        .args(["--json", "--filter", "capacity/"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (p, f) = closing(&String::from_utf8(out.stderr).unwrap());
    assert_eq!(v["passed"].as_u64().unwrap() as usize, p);
    assert_eq!((f, v["failed"].as_u64().unwrap()), (0, 0));
    assert!(p >= 5);
}

#[test]
fn list_and_filter_select_cases() {
    let out = tool()
        .args(["--list", "--filter", "oid-validity/"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    let n = s.lines().filter(|l| l.starts_with("oid-validity/")).count();
    assert!(n > 20);
    assert!(s.ends_with(&format!("{n} cases\n")));
    let out = tool()
        .args(["--filter", "nothing-matches-this"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "0 passed, 0 failed\n"
    );
}

#[test]
fn a_failing_case_makes_the_tool_fail() {
    let out = tool()
        .args([
            "--self-test-fail",
            "--filter",
            "selftest/",
            "--filter",
            "capabilities/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.contains("FAIL selftest/expect-wrong-status: ADD_SA: status NDIS_STATUS_INVALID_LENGTH"),
        "{s}"
    );
    let (p, f) = closing(&s);
    assert_eq!(f, 1);
    assert!(p >= 5);
}

#[test]
fn device_target_and_bad_arguments_exit_2() {
    let out = tool().args(["--target", "device"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("control device"));
    for args in [&["--bogus"][..], &["--filter"][..], &["--target", "x"][..]] {
        assert_eq!(tool().args(args).output().unwrap().status.code(), Some(2));
    }
    let help = tool().arg("--help").output().unwrap();
    assert!(help.status.success());
    let h = String::from_utf8(help.stdout).unwrap();
    for planned in ["pause-restart", "churn", "--pcap DIR"] {
        assert!(h.contains(planned));
    }
}

//! Runs the built tool: default run, `--json`, `--list`, `--filter`, the failure path and the
//! device target without its driver binary.
#![cfg(test)]

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
    let out = tool()
        .args(["--target", "device", "/nonexistent/ipsecov2_lwf.sys"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("--target device: no driver binary"));
    for args in [&["--bogus"][..], &["--filter"][..], &["--target", "x"][..]] {
        assert_eq!(tool().args(args).output().unwrap().status.code(), Some(2));
    }
    let help = tool().arg("--help").output().unwrap();
    assert!(help.status.success());
    let h = String::from_utf8(help.stdout).unwrap();
    for listed in [
        "two-hosts",
        "pause-restart",
        "offload-config",
        "churn",
        "--pcap DIR",
    ] {
        assert!(h.contains(listed), "{listed} missing from --help");
    }
}

#[test]
fn pcap_writes_captures_keys_and_sidecar() {
    let dir = std::env::temp_dir().join(format!("ipsecov2-hlk-pcap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = tool()
        .args([
            "--filter",
            "send/esp-aes128-sha1/",
            "--filter",
            "send/ah-sha1/",
        ])
        .arg("--pcap")
        .arg(&dir)
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{s}");
    assert_eq!(closing(&s), (8, 0));

    // One Ethernet pcap per case: 3 payload lengths x 2 NET_BUFFERs, each sent and received
    // once (the same wire frame, written once).
    let pcap = std::fs::read(dir.join("send/esp-aes128-sha1/tunnel/ipv6.pcap")).unwrap();
    assert_eq!(&pcap[..4], &0xa1b2_c3d4_u32.to_le_bytes());
    assert_eq!(u16::from_le_bytes([pcap[4], pcap[5]]), 2);
    assert_eq!(u32::from_le_bytes(pcap[20..24].try_into().unwrap()), 1);
    let (mut at, mut n) = (24, 0);
    while at < pcap.len() {
        let len = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        assert_eq!(&pcap[at + 12..at + 16], &pcap[at + 8..at + 12]);
        assert_eq!(&pcap[at + 16 + 12..at + 16 + 14], &[0x86, 0xdd]);
        at += 16 + len;
        n += 1;
    }
    assert_eq!((at, n), (pcap.len(), 6));

    // The keys files: Wireshark UAT rows of 8 quoted fields, ESP SAs only.
    let keys = std::fs::read_to_string(dir.join("esp_sa")).unwrap();
    let rows: Vec<&str> = keys.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(rows.len(), 4, "{keys}");
    for r in &rows {
        let f: Vec<&str> = r.split("\",\"").collect();
        assert_eq!(f.len(), 8, "{r}");
        assert!(f[0] == "\"IPv4" || f[0] == "\"IPv6", "{r}");
        assert!(f[3].starts_with("0x") && f[3].len() == 10, "{r}");
        assert_eq!(f[4], "AES-CBC [RFC3602]");
        assert_eq!(f[5].len(), 2 + 32);
        assert_eq!(f[6], "HMAC-SHA-1-96 [RFC2404]");
        assert_eq!(f[7].len(), 2 + 40 + 1);
    }
    let one =
        std::fs::read_to_string(dir.join("send/esp-aes128-sha1/transport/ipv4.esp_sa")).unwrap();
    assert_eq!(one.lines().filter(|l| !l.starts_with('#')).count(), 1);
    assert!(
        one.contains("\"IPv4\",\"192.0.2.1\",\"192.0.2.2\""),
        "{one}"
    );

    // The sidecar: every case, SA and frame.
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("sas.json")).unwrap()).unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for c in cases {
        assert!(dir.join(c["pcap"].as_str().unwrap()).is_file());
        let sas = c["sas"].as_array().unwrap();
        assert_eq!(sas.len(), 2, "outbound and inbound SA");
        assert_eq!(sas[0]["dir"], "out");
        assert_eq!(sas[1]["dir"], "in");
        assert_eq!(sas[0]["spi"], sas[1]["spi"]);
        let frames = c["frames"].as_array().unwrap();
        assert_eq!(frames.len(), 6);
        for f in frames {
            assert_eq!(f["dir"], "tx+rx");
            assert_eq!(f["rx"][0]["status_name"], "CRYPTO_SUCCESS");
            assert_eq!(
                f["plain"].as_str().unwrap().len(),
                2 * f["len"].as_u64().unwrap() as usize
            );
        }
    }
    let ah = cases
        .iter()
        .find(|c| c["id"] == "send/ah-sha1/transport/ipv4")
        .unwrap();
    assert_eq!(ah["sas"][0]["proto"], "ah");
    assert_eq!(ah["sas"][0]["auth"], "HMAC-SHA1-96");
    assert_eq!(ah["sas"][0]["wireshark_row"], serde_json::Value::Null);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pcap_of_gcm_esn_and_udp_sas() {
    let dir = std::env::temp_dir().join(format!("ipsecov2-hlk-pcap2-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = tool()
        .args(["--filter", "combinations/esn/gcm256-12/ipv4"])
        .args(["--filter", "combinations/udp-esp/gcm128-16/tunnel/ipv4"])
        .arg("--pcap")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let keys = std::fs::read_to_string(dir.join("esp_sa")).unwrap();
    assert!(
        keys.contains("\"AES-GCM with 12 octet ICV [RFC4106]\""),
        "{keys}"
    );
    assert!(
        keys.contains("\"AES-GCM with 16 octet ICV [RFC4106]\""),
        "{keys}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("sas.json")).unwrap()).unwrap();
    let by = |id: &str| {
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["sas"][0]
            .clone()
    };
    let esn = by("combinations/esn/gcm256-12/ipv4");
    assert_eq!(esn["esn"], true);
    assert_eq!(esn["esn_high"], 7);
    assert_eq!(esn["enc"], "AES-GCM-256");
    assert_eq!(esn["enc_key"].as_str().unwrap().len(), 64);
    assert_eq!(esn["salt"].as_str().unwrap().len(), 8);
    assert_eq!(esn["icv_len"], 12);
    assert_eq!(esn["wireshark_checks_icv"], false);
    let udp = by("combinations/udp-esp/gcm128-16/tunnel/ipv4");
    assert_eq!(udp["udp_encap"], "tunnel");
    assert_eq!(udp["udp_encap_port"], 4500);
    assert_eq!(udp["wireshark_checks_icv"], true);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn without_pcap_nothing_is_written_and_a_bad_dir_is_a_usage_error() {
    let out = tool().args(["--pcap"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let file = std::env::temp_dir().join(format!("ipsecov2-hlk-notadir-{}", std::process::id()));
    std::fs::write(&file, b"x").unwrap();
    let out = tool().arg("--pcap").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("--pcap"));
    std::fs::remove_file(&file).unwrap();
}

/// Issue 13, point 5: a filter that selects no case is a usage error, in a run and in `--list`,
/// and an option taken as a filter's value is refused.
#[test]
fn a_filter_that_selects_nothing_is_a_usage_error() {
    for args in [
        &["--filter", "nomatchxyz"][..],
        &["--filter", "SEND"][..],
        &["--list", "--filter", "nomatchxyz"][..],
        &["--filter", "--list"][..],
        &["--filter="][..],
    ] {
        let out = tool().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing ran");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("--filter"), "{args:?}: {err}");
    }
}

/// Issue 13, point 10: `--opt=value` works for every option with a value, and `--list --json`
/// writes the list as JSON.
#[test]
fn equals_forms_and_list_as_json() {
    let out = tool()
        .args(["--target=emulated", "--filter=capacity/"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let (p, f) = closing(&String::from_utf8(out.stdout).unwrap());
    assert!(p >= 5 && f == 0, "{p} {f}");
    let out = tool()
        .args(["--target=device", "/nonexistent/ipsecov2_lwf.sys"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = tool()
        .args(["--list", "--json", "--filter=capacity/"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(v["total"].as_u64().unwrap() as usize, cases.len());
    assert!(cases.len() >= 5);
    assert!(cases
        .iter()
        .all(|c| c["id"].as_str().unwrap().starts_with("capacity/")));
    let text = String::from_utf8(out.stderr).unwrap();
    assert!(
        text.ends_with(&format!("{} cases\n", cases.len())),
        "{text}"
    );

    let dir = temp("list-json");
    let path = dir.join("list.json");
    let out = tool()
        .arg("--list")
        .arg(format!("--json={}", path.display()))
        .arg("--filter=capacity/")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["total"].as_u64().unwrap() as usize, cases.len());
    std::fs::remove_dir_all(&dir).unwrap();
}

fn temp(what: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ipsecov2-hlk-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Issue 13, point 7: every output path is checked before the first case runs.
#[test]
fn output_paths_are_checked_before_any_case_runs() {
    let dir = temp("paths");
    for (args, says) in [
        (vec!["--json", "/nonexistent/dir/r.json"], "--json"),
        (vec!["--json", "capacity/delete"], "--filter"),
        (vec!["--json="], "--json"),
        (vec!["--pcap", ""], "--pcap"),
        (vec!["--pcap="], "--pcap"),
        (vec!["--pcap", "--list"], "--pcap"),
    ] {
        let out = tool().current_dir(&dir).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: a case ran");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // Nothing was created in the working directory (no `--list` directory, no capacity/).
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    // A usage error found after the JSON file was opened leaves no report file behind.
    let path = dir.join("r.json");
    let out = tool()
        .arg("--json")
        .arg(&path)
        .args(["--filter", "nomatchxyz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!path.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 13, point 7: when writing the captures fails at the end, the closing line and the
/// JSON report are still written, the error goes to stderr and the status is 2.
#[test]
fn a_capture_failure_keeps_the_closing_line_and_the_report() {
    let dir = temp("pcapfail");
    let pcap = dir.join("pcap");
    std::fs::create_dir_all(&pcap).unwrap();
    // A file where the `send` group's directory must go: creating it fails at the end.
    std::fs::write(pcap.join("send"), b"in the way").unwrap();
    let json = dir.join("r.json");
    let out = tool()
        .arg("--pcap")
        .arg(&pcap)
        .arg("--json")
        .arg(&json)
        .args(["--filter", "send/esp-gcm128-8/transport/ipv4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let s = String::from_utf8(out.stdout).unwrap();
    assert_eq!(closing(&s), (1, 0), "{s}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--pcap") && err.contains("send"), "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        (v["passed"].as_u64(), v["failed"].as_u64()),
        (Some(1), Some(0))
    );
    assert!(v["pcap_error"].as_str().unwrap().contains("send"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs the tool with standard output a pipe whose reading end is already closed.
fn with_closed_pipe(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    tool()
        .args(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
}

/// Issue 13, point 6: a broken pipe on stdout ends quietly with status 141 (128 + SIGPIPE).
#[test]
fn a_broken_pipe_ends_quietly() {
    for args in [
        &["--list"][..],
        &["--list", "--json"][..],
        &["--json", "--filter", "capacity/"][..],
        &["--filter", "capacity/"][..],
        &["--help"][..],
    ] {
        let out = with_closed_pipe(args);
        assert_eq!(out.status.code(), Some(141), "{args:?}");
        if args.contains(&"--json") {
            // The text lines went to stderr; nothing else may be said there.
            let err = String::from_utf8(out.stderr).unwrap();
            assert!(!err.contains("panicked") && !err.contains("error"), "{err}");
        } else {
            assert!(out.stderr.is_empty(), "{args:?}");
        }
    }
}

/// Issue 13, point 6: any other write error on stdout is reported and fails the run.
#[test]
fn a_full_disk_on_stdout_fails_the_run() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("SKIP a_full_disk_on_stdout_fails_the_run: no /dev/full on this machine");
        return;
    }
    for args in [
        &["--list"][..],
        &["--filter", "capacity/"][..],
        &["--json", "--filter", "capacity/"][..],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = tool().args(args).stdout(full).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("cannot write to standard output"),
            "{args:?}: {err}"
        );
    }
}

/// `--list --target device` tags every case with the device target or the reason it does not
/// apply: every case of `--target sys` is either `[device]` or `[sys only: why]`, and only
/// groups the test family cannot drive are sys-only (the binary is not loaded to list).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[test]
fn device_list_says_which_cases_apply_and_why() {
    let any_file = env!("CARGO_BIN_EXE_ipsecov2-hlk");
    let list = |target: &str| {
        let out = tool()
            .args(["--list", "--target", target, any_file])
            .output()
            .unwrap();
        assert!(out.status.success(), "{target}");
        String::from_utf8(out.stdout).unwrap()
    };
    let device = list("device");
    let sys = list("sys");
    let count = |s: &str, tag: &str| s.lines().filter(|l| l.ends_with(tag)).count();
    let sys_only = device.lines().filter(|l| l.contains("[sys only: ")).count();
    assert!(count(&device, "[device]") > 0);
    assert!(sys_only > 0);
    assert_eq!(count(&device, "[device]") + sys_only, count(&sys, "[sys]"));
    for l in device
        .lines()
        .filter(|l| !l.ends_with(" cases, ") && l.contains('['))
    {
        assert!(
            l.ends_with("[device]") || l.contains("[emulated only: ") || l.contains("[sys only: "),
            "{l}"
        );
    }
    // A case sys-only on the device target runs with --target sys.
    for l in device.lines().filter(|l| l.contains("[sys only: ")) {
        let id = l.split_whitespace().next().unwrap();
        assert!(
            sys.lines()
                .any(|s| s.split_whitespace().next() == Some(id) && s.ends_with("[sys]")),
            "{id}"
        );
    }
    // The groups the test family drives run there whole.
    for l in device.lines().filter(|l| l.contains("[sys only: ")) {
        let group = l.split('/').next().unwrap();
        assert!(
            [
                "pause-restart",
                "offload-config",
                "churn",
                "oid-validity",
                "send"
            ]
            .contains(&group),
            "{l}"
        );
    }
    let last = device.lines().last().unwrap();
    assert!(
        last.ends_with(&format!(
            "{} run with --target device",
            count(&device, "[device]")
        )),
        "{last}"
    );
}

//! End-to-end: the control commands through the built binary (`ipsecctl batch`, and the
//! single-command form), their text and `--json` output, and every error path naming its NPF
//! code.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use npf_ipsec_sapi::NpfError;
use serde_json::Value;

const SA: &str = "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel \
    enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
    auth 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1011121314 replay-window 64 \
    sel src 10.0.0.0/24 dst 10.0.1.0/24";

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ipsecctl"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn batch(script: &str) -> Run {
    run(&["batch", "-"], script)
}

fn batch_json(script: &str) -> (Run, Vec<Value>) {
    let r = run(&["batch", "--json", "-"], script);
    let docs = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    (r, docs)
}

/// One SPD per direction, a protect policy and an SA under it.
const SETUP: &str = "\
spd create --dir out --id 1 --if 1
spd create --dir in --id 2
policy add --id 10 --action protect --dir out --spd @1:5 --sel 'src 10.0.0.0/24 dst 10.0.1.0/24 proto tcp dport 80'
";

fn with_sa() -> String {
    format!("{SETUP}sa add --policy @10 --id 100 \"{SA}\"\n")
}

#[test]
fn every_command_in_text() {
    let script = format!(
        "{}\
# a comment, then an empty line

spd list
policy list @1
policy show @10
sa list @1
sa show --policy @10 @100
stats sa --policy @10 @100
stats policy @10
stats global
",
        with_sa()
    );
    let r = batch(&script);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let want = [
        "spd 65537",
        "spd 65538",
        "policy 65537",
        "sa 65537",
        "spd 65537 id 1 dir out if 1",
        "spd 65538 id 2 dir in if all",
        "policy 65537 id 10",
        "policy 65537 id 10 action protect spds 65537",
        "  sel src 10.0.0.0/24 dst 10.0.1.0/24 proto 6 dport 80",
        "sa 65537 id 100 policy 65537 dir out",
        "  src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel enc cbc(aes) auth hmac(sha1) replay-window 64",
        "policy 65537 id 10 spd-id 1 policy-errors 0 acquired-sas 0 exceptions 0",
        "active-outbound-sas 1",
        "spds 2",
    ];
    for w in want {
        assert!(
            r.stdout.lines().any(|l| l == w),
            "{w:?} not in\n{}",
            r.stdout
        );
    }
}

#[test]
fn unbind_and_bind_change_the_bindings() {
    let r = batch(
        "spd create --dir out --id 1 --if 1 --if 2\nspd unbind @1 --if 2\nspd list\n\
         spd bind @1 --if 2\nspd list\n",
    );
    if r.status != 0 && r.stderr.contains("INVALID_IF_HANDLE") {
        return; // a host with a single interface: covered by the error table
    }
    assert_eq!(r.status, 0, "{}", r.stderr);
    let lists: Vec<_> = r.stdout.lines().filter(|l| l.contains(" if ")).collect();
    assert_eq!(
        lists,
        [
            "spd 65537 id 1 dir out if 1",
            "spd 65537 id 1 dir out if 1,2"
        ]
    );
}

/// Two outbound SPDs (interfaces 1 and 2) and a bypass policy in the first; `None` on a host
/// with one interface (noted on stderr).
const TWO_SPDS: &str = "spd create --dir out --id 1 --if 1\nspd create --dir out --id 2 --if 2\n\
    policy add --id 10 --action bypass --dir out --spd @1 --sel 'src any dst any'\n";

fn two_spds(rest: &str) -> Option<Run> {
    let r = batch(&format!("{TWO_SPDS}{rest}"));
    if r.stderr
        .contains("line 2: spd create: NPF_IPSEC_E_INVALID_IF_HANDLE")
    {
        eprintln!("skipped: this host has no interface 2");
        return None;
    }
    Some(r)
}

#[test]
fn policy_bind_unbind_and_priority() {
    let Some(r) = two_spds(
        "policy bind @10 --spd @2:7\npolicy show @10\npolicy priority @10 --spd @2 9\n\
         policy unbind @10 --spd @1\npolicy show @10 --json\n",
    ) else {
        return;
    };
    assert_eq!(r.status, 0, "{}", r.stderr);
    let lines: Vec<_> = r.stdout.lines().collect();
    assert_eq!(
        lines[3..],
        [
            "bound",
            "policy 65537 id 10 action bypass spds 65537,65538",
            "  sel src 0.0.0.0/0 dst 0.0.0.0/0",
            "changed",
            "unbound",
            "{\"action\":\"bypass\",\"handle\":65537,\"id\":10,\
             \"selectors\":[\"src 0.0.0.0/0 dst 0.0.0.0/0\"],\"spds\":[65538]}",
        ]
    );
    for (rest, error) in [
        (
            "policy bind @10 --spd @1\n",
            NpfError::BindFailedAlreadyBound,
        ),
        (
            "policy unbind @10 --spd @1\n",
            NpfError::UnbindFailedLastBinding,
        ),
        ("policy unbind @10 --spd @2\n", NpfError::InvalidSpdHandle),
        (
            "policy priority @10 --spd @2 3\n",
            NpfError::InvalidSpdHandle,
        ),
    ] {
        fails_with(&format!("{TWO_SPDS}{rest}"), error);
    }
    let global = "policy add --id 11 --action bypass --dir out --sel 'src any dst any'\n\
                  policy bind @11 --spd @1\n";
    fails_with(
        &format!("{TWO_SPDS}{global}"),
        NpfError::BindFailedBoundToAll,
    );
}

#[test]
fn json_shapes() {
    let script = format!(
        "{}spd list\npolicy list @1\npolicy show @10\nsa list @1\nsa show --policy @10 @100\n\
         stats sa --policy @10 @100\nstats policy @10\nstats global\nsa del --policy @10 @100\n\
         policy del @10\nmonitor\nspd flush\nspd destroy\n",
        with_sa()
    );
    let (r, d) = batch_json(&script);
    assert_eq!(r.status, 0, "{}", r.stderr);
    // `monitor` finds no event (the SA went before its policy) and prints nothing.
    assert_eq!(d.len(), 16, "{}", r.stdout);
    assert_eq!(d[0]["handle"], 65537);
    assert_eq!(d[3]["handle"], 65537);
    let spds = d[4]["spds"].as_array().unwrap();
    assert_eq!(spds.len(), 2);
    assert_eq!(spds[0]["id"], 1);
    assert_eq!(spds[0]["dir"], "out");
    assert_eq!(spds[0]["interfaces"], serde_json::json!([1]));
    assert_eq!(spds[1]["interfaces"], "all");
    assert_eq!(d[5]["policies"][0]["id"], 10);
    assert_eq!(d[6]["action"], "protect");
    assert_eq!(d[6]["spds"], serde_json::json!([65537]));
    assert_eq!(
        d[6]["selectors"][0],
        "src 10.0.0.0/24 dst 10.0.1.0/24 proto 6 dport 80"
    );
    assert_eq!(d[7]["sas"][0]["id"], 100);
    let sa = &d[8]["sas"][0];
    assert_eq!(sa["proto"], "esp");
    assert_eq!(sa["spi"], 0x1000);
    assert_eq!(sa["mode"], "tunnel");
    assert_eq!(sa["tunnel"]["dst"], "192.0.2.2");
    assert_eq!(sa["enc"], "cbc(aes)");
    assert_eq!(sa["enc_key_bits"], 128);
    assert_eq!(sa["auth"], "hmac(sha1)");
    assert_eq!(sa["replay_window"], 64);
    assert_eq!(d[8]["dir"], "out");
    let st = &d[9]["stats"][0];
    for k in [
        "packets",
        "bytes",
        "sequence",
        "hmac_errors",
        "replay_bitmap",
    ] {
        assert!(!st[k].is_null(), "{k} missing in {st}");
    }
    assert_eq!(d[10]["spd_id"], 1);
    assert_eq!(d[11]["active_outbound_sas"], 1);
    assert_eq!(d[11]["drops_replay"], 0);
    assert_eq!(d[12]["ok"], true);
    assert_eq!(d[13]["ok"], true);
    assert_eq!(d[14]["ok"], true);
    assert_eq!(d[15]["ok"], true);
}

#[test]
fn monitor_reads_the_events_earlier_lines_caused() {
    let script = format!("{}policy del @10\nmonitor\nmonitor\n", with_sa());
    let (r, d) = batch_json(&script);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let events: Vec<_> = d.iter().filter(|v| !v["event"].is_null()).collect();
    assert_eq!(events.len(), 1, "each event once: {}", r.stdout);
    assert_eq!(events[0]["event"], "NPF_IPSEC_SA_PURGED");
    assert_eq!(events[0]["number"], 6);
    assert_eq!(events[0]["sa_id"], 100);
    let t = batch(&format!("{}policy del @10\nmonitor\n", with_sa()));
    assert!(t.stdout.contains("event NPF_IPSEC_SA_PURGED sa-id 100\n"));
}

#[test]
fn empty_lists_mean_every_spd() {
    let script = format!("{SETUP}spd flush\npolicy show @10\n");
    let r = batch(&script);
    assert_eq!(r.status, 2, "the flushed policy's ID is gone: {}", r.stderr);
    assert!(r
        .stderr
        .contains("line 5: policy show: no policy has the ID 10"));
    let r = batch(&format!("{SETUP}spd destroy\nspd list --json\n"));
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stdout.ends_with("{\"spds\":[]}\n"), "{}", r.stdout);
}

/// A script whose last line fails with `error`: exit 1, the line, the name and the code on
/// standard error, and the `--json` document.
fn fails_with(script: &str, error: NpfError) {
    let line = script.lines().count();
    let r = batch(script);
    assert_eq!(r.status, 1, "{script}\n{}", r.stderr);
    let named = format!("line {line}: ");
    let code = format!("{} ({})", error.name(), error.code());
    assert!(
        r.stderr.contains(&named) && r.stderr.contains(&code),
        "{code} at line {line} not in {:?}",
        r.stderr
    );
    let (r, d) = batch_json(script);
    assert_eq!(r.status, 1);
    let e = &d.last().unwrap()["error"];
    assert_eq!(e["code"], error.code(), "{e}");
    assert_eq!(e["name"], error.name());
    assert_eq!(e["line"], line);
    assert!(!e["hint"].as_str().unwrap().is_empty());
}

#[test]
fn every_error_names_its_npf_code() {
    use NpfError as E;
    let sa = |extra: &str| format!("{SETUP}sa add --policy @10 --id 100 {extra}\n");
    let cases: Vec<(String, NpfError)> = vec![
        (
            "spd create --dir out --id 1\nspd create --dir in --id 1\n".into(),
            E::SpdIdAlreadyRegistered,
        ),
        (
            "spd create --dir out --id 1\nspd create --dir out --id 2\n".into(),
            E::IfAlreadyBound,
        ),
        (
            "spd create --dir out --id 1 --if 4000000000\n".into(),
            E::InvalidIfHandle,
        ),
        (
            "spd create --dir out --id 1 --if 1 --if 1\n".into(),
            E::DuplicateIfHandle,
        ),
        ("spd destroy 7\n".into(), E::InvalidSpdHandle),
        (format!("{SETUP}spd flush @1 @1\n"), E::DuplicateSpdHandle),
        (format!("{SETUP}spd bind @2 --if 1\n"), E::IfAlreadyBound),
        (format!("{SETUP}spd unbind @1 --if 1\n"), E::UnbindFailedLastBinding),
        (format!("{SETUP}spd unbind @2 --if 1\n"), E::UnbindFailedBoundToAll),
        (
            format!("{SETUP}policy add --id 10 --action bypass --dir out --sel 'src any dst any'\n"),
            E::PolicyIdAlreadyRegistered,
        ),
        (
            format!(
                "{SETUP}policy add --id 11 --action bypass --dir out --sel 'src any dst any sport 90-80'\n"
            ),
            E::InvalidSelector,
        ),
        (
            format!(
                "{SETUP}policy add --id 11 --action bypass --dir out --sel 'src any dst any' \
                 --sel 'src any dst any'\n"
            ),
            E::DuplicateSelector,
        ),
        (
            format!(
                "{SETUP}policy add --id 11 --action bypass --dir out --spd @1 --spd @1 \
                 --sel 'src any dst any'\n"
            ),
            E::DuplicateSpdHandle,
        ),
        (
            format!("{SETUP}policy add --id 11 --action bypass --dir out --spd 9 --sel 'src any dst any'\n"),
            E::InvalidSpdHandle,
        ),
        (format!("{SETUP}policy del 99\n"), E::InvalidPolicyHandle),
        (format!("{SETUP}policy show 99\n"), E::InvalidPolicyHandle),
        (format!("{SETUP}stats policy 99\n"), E::InvalidPolicyHandle),
        (format!("{SETUP}policy list 99\n"), E::InvalidSpdHandle),
        (format!("{SETUP}sa list 99\n"), E::InvalidSpdHandle),
        (format!("{SETUP}sa show 99\n"), E::InvalidSaHandle),
        (format!("{SETUP}sa del --policy @10 99\n"), E::InvalidSaHandle),
        (format!("{SETUP}stats sa --policy @10 99\n"), E::InvalidSaHandle),
        (
            format!("{}sa add --policy @10 --id 100 \"{}\"\n", with_sa(), SA.replace("0x1000", "0x1001")),
            E::SaIdAlreadyRegistered,
        ),
        (
            sa("\"src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x10 mode tunnel \
                enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
                auth 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1011121314\""),
            E::BadSpi,
        ),
        (
            format!("{SETUP}sa add --policy 99 --id 100 \"{SA}\"\n"),
            E::InvalidPolicyHandle,
        ),
    ];
    for (script, error) in cases {
        fails_with(&script, error);
    }
}

#[test]
fn argument_errors_exit_2_and_nothing_runs_after() {
    for (script, says) in [
        (
            "spd create --dir sideways --id 1\n",
            "invalid value 'sideways'",
        ),
        ("frobnicate\n", "unrecognized subcommand"),
        ("spd destroy @x\n", "neither a handle nor @ID"),
        (
            "policy add --id 1 --action bypass --dir out --sel 'src 10.0.0.0/40'\n",
            "bad prefix length",
        ),
        (
            "policy add --id 1 --action bypass --dir out --sel 'colour blue'\n",
            "unknown word",
        ),
        ("sa show @5\n", "needs --policy"),
        (
            // The SPEC grammar refuses ESP without integrity already, so NULL_AUTH_NULL_ENC_ALGO
            // and NO_REPLAY cannot be reached from the command line.
            "sa add --policy 1 --id 1 \"src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 \
             enc 'ecb(cipher_null)' ''\"\n",
            "needs an auth",
        ),
        (
            "policy add --id 1 --action bypass --dir out --sel 'src 10.0.0.1 dst ::1'\n",
            "different IP versions",
        ),
        (
            "sa add --policy 1 --id 1 \"src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 \
             aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128\"\n",
            "not among the NPF agreement's algorithms",
        ),
        (
            "sa add --policy 1 --id 1 \"src 192.0.2.1\"\n",
            "SA \"src 192.0.2.1\"",
        ),
        ("spd list --device\n", "--device goes before the script"),
    ] {
        let r = batch(&format!("{script}spd create --dir out --id 77\n"));
        assert_eq!(r.status, 2, "{script}: {}", r.stderr);
        assert!(r.stderr.contains("line 1: "), "{}", r.stderr);
        assert!(r.stderr.contains(says), "{says:?} not in {}", r.stderr);
        assert!(!r.stdout.contains("spd "), "a later line ran: {}", r.stdout);
    }
}

#[test]
fn single_commands_and_the_device() {
    // One command is one process: a fresh in-process control plane.
    let r = run(&["spd", "list", "--json"], "");
    assert_eq!((r.status, r.stdout.as_str()), (0, "{\"spds\":[]}\n"));
    let r = run(&["spd", "create", "--dir", "out", "--id", "3"], "");
    assert_eq!((r.status, r.stdout.as_str()), (0, "spd 65537\n"));
    let r = run(&["policy", "show", "5", "--json"], "");
    assert_eq!(r.status, 1);
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["error"]["name"], "NPF_IPSEC_E_INVALID_POLICY_HANDLE");
    assert!(v["error"]["line"].is_null());
    #[cfg(not(windows))]
    for args in [
        &["spd", "list", "--device"][..],
        &["batch", "--device", "-"][..],
    ] {
        let r = run(args, "");
        assert_eq!(r.status, 2);
        assert!(
            r.stderr.contains("control device exists only on Windows"),
            "{}",
            r.stderr
        );
    }
    let r = run(&["batch", "/nonexistent/script"], "");
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("cannot open /nonexistent/script"));
}

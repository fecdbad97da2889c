//! Issue 13, point 2: an interrupted run leaves no temporary file, and OUT absent or unchanged.
//! The input is a FIFO fed by the test, so the signal lands while the tool is in the middle of
//! a capture, after it has written megabytes of output to its temporary file.
#![cfg(test)]

mod common;

use std::fs;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const SA: &str = "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 replay-window 64";

/// Polls `f` for up to 10 s.
fn eventually(what: &str, f: impl Fn() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < Duration::from_secs(10), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn temporaries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

fn interrupt(signal: &str, signo: i32, existing: Option<&[u8]>) {
    let dir = tempdir(&format!("interrupt-{signal}-{}", existing.is_some()));
    let fifo = dir.join("in.fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = dir.join("o.pcap");
    if let Some(b) = existing {
        fs::write(&out, b).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_ipsecctl"))
        .args(["pcap", "decrypt", "--sa", SA, "--in"])
        .arg(&fifo)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A large capture of plain frames (they pass through decrypt unchanged): 16 MiB written
    // through the FIFO, then the test holds it open, so the tool waits for more.
    let frame = ipv4(
        "10.0.0.1".parse().unwrap(),
        "10.0.1.1".parse().unwrap(),
        17,
        &udp(5000, 53, &payload(1, 1400)),
        1,
    );
    let one = pcap_bytes(101, &[frame], false, false);
    let (header, record) = one.split_at(24);
    let mut w = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    w.write_all(header).unwrap();
    let mut written = 0;
    while written < 16 << 20 {
        w.write_all(record).unwrap();
        written += record.len();
    }
    w.flush().unwrap();
    // The tool has written most of it to its temporary file by now.
    eventually("the temporary file", || {
        temporaries(&dir)
            .first()
            .and_then(|t| fs::metadata(dir.join(t)).ok())
            .is_some_and(|m| m.len() > 8 << 20)
    });
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    drop(w);
    assert_eq!(status.signal(), Some(signo), "{status:?}");
    eventually("the temporary file removed", || {
        temporaries(&dir).is_empty()
    });
    match existing {
        None => assert!(!out.exists(), "OUT appeared"),
        Some(b) => assert_eq!(fs::read(&out).unwrap(), b, "OUT changed"),
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn sigint_during_a_write_leaves_no_temporary_and_no_out() {
    interrupt("INT", 2, None);
}

#[test]
fn sigint_during_a_write_leaves_an_existing_out_unchanged() {
    interrupt("INT", 2, Some(b"the previous capture"));
}

#[test]
fn sigterm_and_sigkill_during_a_write_leave_no_temporary() {
    interrupt("TERM", 15, None);
    interrupt("KILL", 9, Some(b"the previous capture"));
}

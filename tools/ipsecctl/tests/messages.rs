//! Issue 13, points 9 and 11 at the command line: a capture cut short is read up to the cut
//! with a warning; a weak DES/3DES key names the key and the rule; unsupported link types are
//! named; byte/packet lifetimes follow Linux's `xfrm_state_check_expire` order.
#![cfg(test)]

mod common;

use std::path::Path;

use common::*;

const GCM: &str = "0x0102030405060708090a0b0c0d0e0f1011121314";

fn gcm(extra: &str) -> String {
    format!(
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' {GCM} 128 replay-window 64 {extra}"
    )
}

fn traffic(n: usize, len: impl Fn(usize) -> usize) -> Vec<Vec<u8>> {
    let (a, b) = ("10.0.0.1".parse().unwrap(), "10.0.1.1".parse().unwrap());
    (0..n)
        .map(|i| ipv4(a, b, 17, &udp(5000, 53, &payload(i, len(i))), i as u16))
        .collect()
}

fn frames(path: &Path) -> Vec<Vec<u8>> {
    read_capture(path)
        .packets
        .into_iter()
        .map(|p| p.data)
        .collect()
}

#[test]
fn a_capture_cut_short_is_read_up_to_the_cut_with_a_warning() {
    let dir = tempdir("msg-cut");
    let t = traffic(4, |i| 40 + i * 10);
    let whole = pcap_bytes(101, &t, false, false);
    let out = dir.join("out.pcap");
    let input = dir.join("in.pcap");
    // Cut inside the last record's data, and inside the last record's header.
    let last_len = 16 + t[3].len();
    for cut in [3, last_len - 5] {
        std::fs::write(&input, &whole[..whole.len() - cut]).unwrap();
        let o = run_pcap("encrypt", &[&gcm("")], &input, &out, true);
        let err = String::from_utf8(o.stderr.clone()).unwrap();
        assert!(o.status.success(), "{err}");
        assert!(
            err.contains("warning: the input was cut short, read up to the cut"),
            "{err}"
        );
        let r = json_report(&o);
        assert_eq!(r["packets"]["read"], 3);
        assert!(
            r["input_truncated"].as_str().unwrap().contains("record 4"),
            "{r}"
        );
        assert_eq!(frames(&out).len(), 3);
    }
    // pcapng cut inside its last block.
    let ng = ipsecctl::capture::encode_pcapng(
        false,
        &[(101, None)],
        &[(0, 1, &t[0], 60), (0, 2, &t[1], 70)],
    );
    std::fs::write(&input, &ng[..ng.len() - 6]).unwrap();
    let o = run_pcap("encrypt", &[&gcm("")], &input, &out, true);
    let r = json_report(&o);
    assert_eq!(r["packets"]["read"], 1);
    assert!(
        r["input_truncated"]
            .as_str()
            .unwrap()
            .contains("runs past the end"),
        "{r}"
    );
    // A file cut inside its header is still refused.
    std::fs::write(&input, &whole[..10]).unwrap();
    let o = run_pcap("encrypt", &[&gcm("")], &input, &out, true);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

fn setup_error(spec: &str) -> String {
    let dir = tempdir("msg-key");
    let input = dir.join("in.pcap");
    std::fs::write(&input, pcap_bytes(101, &traffic(1, |_| 40), false, false)).unwrap();
    let out = dir.join("out.pcap");
    let o = run_pcap("encrypt", &[spec], &input, &out, false);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(o.stderr).unwrap()
}

#[test]
fn weak_des_and_3des_keys_say_why_and_which_key() {
    let id = "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 auth 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1011121314";
    let k = "0123456789abcdef";
    let other = "fedcba9876543210";
    // K1 = K2 (also when only the parity bits differ).
    let e = setup_error(&format!("{id} enc 'cbc(des3_ede)' 0x{k}{k}{other}"));
    assert!(
        e.contains("K1 = K2") && e.contains("3DES") && e.contains("enc key"),
        "{e}"
    );
    let e = setup_error(&format!("{id} enc 'cbc(des3_ede)' 0x{k}{other}{other}"));
    assert!(e.contains("K2 = K3"), "{e}");
    let e = setup_error(&format!(
        "{id} enc 'cbc(des3_ede)' 0x{k}0123456789abcdee{other}"
    ));
    assert!(e.contains("K1 = K2") && e.contains("parity"), "{e}");
    // One third a DES weak key.
    let e = setup_error(&format!(
        "{id} enc 'cbc(des3_ede)' 0x0101010101010101{k}{other}"
    ));
    assert!(
        e.contains("weak or semi-weak") && e.contains("FIPS 74"),
        "{e}"
    );
    // The key itself is not printed.
    assert!(!e.contains(k), "{e}");
}

#[test]
fn unsupported_link_types_are_named() {
    let dir = tempdir("msg-link");
    let input = dir.join("in.pcap");
    let out = dir.join("out.pcap");
    std::fs::write(&input, pcap_bytes(105, &traffic(1, |_| 40), false, false)).unwrap();
    let o = run_pcap("encrypt", &[&gcm("")], &input, &out, false);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8(o.stderr).unwrap();
    assert!(
        e.contains("link type 105 (IEEE802_11) is not supported"),
        "{e}"
    );
    assert!(
        e.contains("113 (LINUX_SLL)") && e.contains("276 (LINUX_SLL2)"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Point 11. Linux (net/xfrm/xfrm_state.c, `xfrm_state_check_expire`) compares the counters
/// with the limits before the packet is counted (`curlft.bytes >= lft.hard_byte_limit` refuses,
/// `curlft.bytes >= lft.soft_byte_limit` fires soft); xfrm_output_one counts after the check.
/// With byte-soft 100 byte-hard 200 on 28-33 byte packets: 7 sent, soft at packet 5.
#[test]
fn byte_lifetimes_follow_linux_check_before_count() {
    let dir = tempdir("msg-life");
    // UDP payloads of 0..=5 bytes: IPv4 packets of 28..=33 bytes.
    let t = traffic(10, |i| i % 6);
    let sizes: Vec<usize> = t.iter().map(Vec::len).collect();
    assert!(sizes.iter().all(|s| (28..=33).contains(s)), "{sizes:?}");
    let input = dir.join("in.pcap");
    let out = dir.join("out.pcap");
    std::fs::write(&input, pcap_bytes(101, &t, false, false)).unwrap();
    let r = json_report(&run_pcap(
        "encrypt",
        &[&gcm("limit byte-soft 100 byte-hard 200")],
        &input,
        &out,
        true,
    ));
    // Linux's rule, computed: packet k goes out while the bytes before it are below 200.
    let mut before = 0;
    let (mut sent, mut soft) = (0, None);
    for (k, s) in sizes.iter().enumerate() {
        if before >= 200 {
            break;
        }
        if soft.is_none() && before >= 100 {
            soft = Some(k as u64 + 1);
        }
        before += s;
        sent += 1;
    }
    assert_eq!((sent, soft), (7, Some(5)));
    assert_eq!(r["packets"]["transformed"], sent);
    assert_eq!(r["sas"][0]["soft_expired"]["packet"], 5);
    assert_eq!(r["sas"][0]["soft_expired"]["limit"], "bytes");
    assert_eq!(r["drops"]["hard_lifetime_expired"], 3);
    assert_eq!(r["sas"][0]["hard_expired"], true);
    // Inbound: the same order on decrypt (xfrm_input checks, then counts after the transform).
    let enc = dir.join("enc.pcap");
    json_report(&run_pcap("encrypt", &[&gcm("")], &input, &enc, true));
    let r = json_report(&run_pcap(
        "decrypt",
        &[&gcm("limit packet-soft 2 packet-hard 3")],
        &enc,
        &out,
        true,
    ));
    assert_eq!(r["packets"]["transformed"], 3);
    assert_eq!(r["sas"][0]["soft_expired"]["packet"], 3);
    assert_eq!(r["drops"]["hard_lifetime_expired"], 7);
    let _ = std::fs::remove_dir_all(&dir);
}

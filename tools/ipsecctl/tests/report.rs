//! Report formatting (text and JSON) on a run with every per-SA field set.
#![cfg(test)]

mod common;

use common::*;
use ipsecctl::capture::{Capture, Format};
use ipsecctl::run::{parse_specs, process, Operation};

#[test]
fn text_and_json_show_bundles_encap_esn_lifetimes_and_ignored_options() {
    let frames: Vec<Vec<u8>> = (0..4)
        .map(|i| {
            ipv4(
                "10.0.0.1".parse().unwrap(),
                "10.0.1.1".parse().unwrap(),
                17,
                &udp(1, 2, &payload(i, 10)),
                1,
            )
        })
        .collect();
    let specs = parse_specs(&[
        "src 10.0.0.1 dst 10.0.1.1 proto esp spi 0x10 enc aes 0x00112233445566778899aabbccddeeff auth sha1 \
         0x0102030405060708090a0b0c0d0e0f1011121314 limit packet-soft 1 packet-hard 2 flag align4 mark 5"
            .to_string(),
        "src 10.0.0.1 dst 10.0.1.1 proto ah spi 0x11 auth md5 0x00112233445566778899aabbccddeeff \
         limit packet-soft 1 packet-hard 2"
            .to_string(),
        "src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x12 mode tunnel flag esn \
         aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 encap espinudp 4500 4501 0.0.0.0"
            .to_string(),
    ])
    .unwrap();
    let cap = Capture {
        format: Format::Pcap,
        big_endian: false,
        nanosecond: false,
        link_type: 101,
        snaplen: 65535,
        packets: packets(101, &frames),
    };
    let (out, report) = process(Operation::Encrypt, &specs, &cap).unwrap();
    assert_eq!(out.len(), 2);
    let text = report.to_text();
    let want = [
        "ipsecctl pcap encrypt: 4 packets read, 2 transformed, 0 passed unchanged, 2 dropped",
        "SA #1 out esp spi 0x00000010 10.0.0.1 -> 10.0.1.1 transport aes+sha1 (bundle with SA #2): 2 packets, 76 bytes",
        "  drop hard_lifetime_expired: 2",
        "  last sequence number: 2",
        // Linux's order: the soft limit of 1 packet is found reached when packet 2 is checked.
        "  soft lifetime (packets) reached at packet 2",
        "  hard lifetime reached",
        "  accepted without effect: align4, mark",
        "SA #2 out ah spi 0x00000011 10.0.0.1 -> 10.0.1.1 transport md5 (bundle with SA #1): 2 packets",
        "SA #3 out esp spi 0x00000012 192.0.2.1 -> 192.0.2.2 tunnel rfc4106(gcm(aes)) encap espinudp 4500 4501 esn: 0 packets, 0 bytes (0 bytes ESP/AH), 0 dropped",
        "drops:\n  hard_lifetime_expired: 2\n",
    ];
    for w in want {
        assert!(text.contains(w), "missing {w:?} in\n{text}");
    }
    let j: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    assert_eq!(j["sas"][0]["bundle_with"], 2);
    assert_eq!(j["sas"][0]["soft_expired"]["packet"], 2);
    // Packets 3 and 4 dropped against SA #1, as one entry of the list.
    assert!(
        text.contains(
            "dropped frames (input frame numbers):\n  frames 3-4: hard_lifetime_expired (SA #1)\n"
        ),
        "{text}"
    );
    assert_eq!(
        j["dropped_frames"],
        serde_json::json!([{"first": 3, "last": 4, "reason": "hard_lifetime_expired", "sa": 1}])
    );
    assert_eq!(j["sas"][1]["hard_expired"], true);
    assert_eq!(j["sas"][2]["encap"], "espinudp 4500 4501");
    assert_eq!(j["sas"][2]["esn"], true);
    assert_eq!(j["sas"][2]["last_seq"], serde_json::Value::Null);
    assert_eq!(
        j["sas"][0]["ignored"],
        serde_json::json!(["align4", "mark"])
    );
    // Every engine reason and the tool's own are present, zeros included.
    let drops = j["drops"].as_object().unwrap();
    for r in ipsec_engine::full::DropReason::ALL {
        assert!(drops.contains_key(r.as_str()), "{}", r.as_str());
    }
    for r in ipsecctl::report::TOOL_DROP_REASONS {
        assert_eq!(drops[*r], 0);
    }
    assert_eq!(drops["hard_lifetime_expired"], 2);
    // With no drops the text says so.
    let (_, clean) = process(Operation::Encrypt, &specs[2..], &cap).unwrap();
    assert!(clean.to_text().ends_with("drops: none\n"));
    assert!(clean.dropped_frames.is_empty());
}

//! End-to-end: pcapng input, lifetimes, selectors, tunnels changing family, odd captures,
//! inconsistent SA sets, unwritable output and nested tunnels.
#![cfg(test)]

mod common;
#[path = "common/e2e.rs"]
mod e2e_common;

use common::*;
use e2e_common::*;

#[test]
fn pcapng_input_round_trip_keeps_nanosecond_timestamps() {
    let dir = tempdir("pcapng");
    let frames: Vec<Vec<u8>> = v4_traffic().iter().map(|p| ether(p, None)).collect();
    let list: Vec<(u32, u64, &[u8], u32)> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                (i % 2) as u32,
                1_700_000_000_123_456_789 + i as u64,
                f.as_slice(),
                f.len() as u32,
            )
        })
        .collect();
    for be in [false, true] {
        let input = dir.join("in.pcapng");
        std::fs::write(
            &input,
            ipsecctl::capture::encode_pcapng(be, &[(1, Some(9)), (1, Some(9))], &list),
        )
        .unwrap();
        let enc = dir.join("enc.pcap");
        let dec = dir.join("dec.pcap");
        let sa = gcm_tunnel("");
        json_report(&run_pcap("encrypt", &[&sa], &input, &enc, true));
        json_report(&run_pcap("decrypt", &[&sa], &enc, &dec, true));
        let c = read_capture(&dec);
        assert!(c.nanosecond);
        assert_eq!(c.link_type, 1);
        let got: Vec<Vec<u8>> = c.packets.iter().map(|p| p.data.clone()).collect();
        assert_eq!(got, frames);
        for (i, p) in c.packets.iter().enumerate() {
            assert_eq!(
                (p.ts_sec, p.ts_nsec),
                (1_700_000_000, 123_456_789 + i as u32)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn packet_and_time_lifetimes() {
    let frames = v4_traffic();
    let (out, r) = run_on(
        "life-pkt",
        "encrypt",
        101,
        &frames,
        &[&gcm_tunnel("limit packet-soft 2 limit packet-hard 3")],
    );
    assert_eq!(out.len(), 3);
    assert_eq!(r["drops"]["hard_lifetime_expired"], 3);
    assert_eq!(r["sas"][0]["packets"], 3);
    // Linux's order (xfrm_state_check_expire before counting): packet 3 finds 2 counted.
    assert_eq!(r["sas"][0]["soft_expired"]["packet"], 3);
    assert_eq!(r["sas"][0]["soft_expired"]["limit"], "packets");
    assert_eq!(r["sas"][0]["hard_expired"], true);
    // Bytes: the first two packets are 48 and 85 bytes of plain IP.
    let sizes: Vec<usize> = frames.iter().map(Vec::len).collect();
    let hard = sizes[0] + sizes[1];
    let (out, r) = run_on(
        "life-bytes",
        "encrypt",
        101,
        &frames,
        &[&gcm_tunnel(&format!(
            "limit byte-soft {} byte-hard {hard}",
            sizes[0]
        ))],
    );
    assert_eq!(out.len(), 2);
    assert_eq!(r["sas"][0]["bytes"], hard);
    assert_eq!(r["sas"][0]["soft_expired"]["limit"], "bytes");
    assert_eq!(r["sas"][0]["soft_expired"]["packet"], 2);
    assert_eq!(r["drops"]["hard_lifetime_expired"], 4);
    // Time (capture timestamps are one second apart).
    let (out, r) = run_on(
        "life-time",
        "encrypt",
        101,
        &frames,
        &[&gcm_tunnel("limit time-soft 2 limit time-hard 3")],
    );
    assert_eq!(out.len(), 3);
    assert_eq!(r["sas"][0]["soft_expired"]["limit"], "time");
    assert_eq!(r["sas"][0]["soft_expired"]["packet"], 3);
    assert_eq!(r["drops"]["hard_lifetime_expired"], 3);
    assert_eq!(r["sas"][0]["hard_expired"], true);
    // Inbound hard limit on decrypt.
    let (enc, _) = run_on("life-in-enc", "encrypt", 101, &frames, &[&gcm_tunnel("")]);
    let (dec, r) = run_on(
        "life-in-dec",
        "decrypt",
        101,
        &enc,
        &[&gcm_tunnel("limit packet-hard 4")],
    );
    assert_eq!(dec, frames[..4].to_vec());
    assert_eq!(r["drops"]["hard_lifetime_expired"], 2);
}

#[test]
fn selector_ports_choose_packets() {
    let frames = v4_traffic();
    let sa = gcm_tunnel("sel src 10.0.0.0/24 dst 10.0.1.0/24 proto udp dport 53");
    let (out, r) = run_on("sel-ports", "encrypt", 101, &frames, &[&sa]);
    for (i, (o, p)) in out.iter().zip(&frames).enumerate() {
        if i % 3 == 0 {
            assert_eq!(o[9], 50, "UDP packet {i} encrypted");
        } else {
            assert_eq!(o, p, "packet {i} passes");
        }
    }
    assert_eq!(r["packets"]["transformed"], 2);
    assert_eq!(r["packets"]["passed"], 4);
    // First matching SA wins, in --sa order.
    let second = format!(
        "src 192.0.2.1 dst 192.0.2.3 proto esp spi 0x2000 mode tunnel aead 'rfc4106(gcm(aes))' {GCM_KEY} 128"
    );
    let (out, r) = run_on("sel-order", "encrypt", 101, &frames, &[&sa, &second]);
    assert!(out.iter().all(|o| o[9] == 50));
    assert_eq!(r["sas"][0]["packets"], 2);
    assert_eq!(r["sas"][1]["packets"], 4);
    assert_eq!(&out[1][16..20], &[192, 0, 2, 3]);
}

#[test]
fn ipv6_inner_in_ipv4_tunnel_fixes_ethertype() {
    let frames: Vec<Vec<u8>> = v6_traffic(4).iter().map(|p| ether(p, Some(3))).collect();
    let (enc, _, _) = round_trip("6in4", 1, &frames, &[&gcm_tunnel("")]);
    for e in &enc {
        assert_eq!(&e[16..18], &[0x08, 0x00]);
        assert_eq!(e[18] >> 4, 4);
        assert_eq!(e[18 + 9], 50);
    }
    // IPv4 inner in an IPv6 tunnel on LINUX_SLL.
    let sll: Vec<Vec<u8>> = v4_traffic()
        .iter()
        .map(|p| {
            let mut f = vec![0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
            f.extend_from_slice(p);
            f
        })
        .collect();
    let sa = format!(
        "src 2001:db8::a dst 2001:db8::b proto esp spi 9 mode tunnel enc 'cbc(aes)' {CBC_KEY} auth-trunc 'hmac(sha256)' {SHA256_KEY} 128"
    );
    let (enc, _, _) = round_trip("4in6-sll", 113, &sll, &[&sa]);
    for e in &enc {
        assert_eq!(&e[14..16], &[0x86, 0xdd]);
        assert_eq!(e[16 + 6], 50);
    }
}

#[test]
fn link_type_that_cannot_carry_the_new_family_drops() {
    let frames = v6_traffic(3);
    let (out, r) = run_on("lt229", "encrypt", 229, &frames, &[&gcm_tunnel("")]);
    assert!(out.is_empty());
    assert_eq!(r["drops"]["link_type_family"], 3);
    assert_eq!(r["sas"][0]["drops"]["link_type_family"], 3);
    // An IPv6 tunnel on the same link type works.
    let sa = format!("src 2001:db8::a dst 2001:db8::b proto esp spi 9 mode tunnel aead 'rfc4106(gcm(aes))' {GCM_KEY} 128");
    let (enc, _, _) = round_trip("lt229-ok", 229, &frames, &[&sa]);
    assert!(enc.iter().all(|e| e[6] == 50));
}

#[test]
fn wildrecv_selector_mismatch_and_protocol_mismatch() {
    let frames = v4_traffic();
    let (enc, _) = run_on("wild-enc", "encrypt", 101, &frames, &[&gcm_tunnel("")]);
    // Receiver SA with another destination: no SA without wildrecv.
    let other = format!(
        "src 192.0.2.1 dst 192.0.2.99 proto esp spi 0x1000 mode tunnel aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 64"
    );
    let (_, r) = run_on("wild-no", "decrypt", 101, &enc, &[&other]);
    assert_eq!(r["drops"]["no_sa"], 6);
    let (dec, r) = run_on(
        "wild-yes",
        "decrypt",
        101,
        &enc,
        &[&format!("{other} flag wildrecv")],
    );
    assert_eq!(dec, frames);
    assert_eq!(r["sas"][0]["packets"], 6);
    // The inner packets must match the SA's selector.
    let (dec, r) = run_on(
        "selmis",
        "decrypt",
        101,
        &enc,
        &[&gcm_tunnel("sel src 10.0.5.0/24")],
    );
    assert!(dec.is_empty());
    assert_eq!(r["drops"]["selector_mismatch"], 6);
    let (dec, _) = run_on(
        "selok",
        "decrypt",
        101,
        &enc,
        &[&gcm_tunnel("sel src 10.0.0.0/24")],
    );
    assert_eq!(dec, frames);
    // ESP in UDP for an SA without encap, and plain ESP for an SA with encap.
    let (udp_enc, _) = run_on(
        "pm-enc",
        "encrypt",
        101,
        &frames,
        &[&gcm_tunnel("encap espinudp 4500 4500 0.0.0.0")],
    );
    let (_, r) = run_on("pm-dec", "decrypt", 101, &udp_enc, &[&gcm_tunnel("")]);
    assert_eq!(r["drops"]["protocol_mismatch"], 6);
    let (_, r) = run_on(
        "pm-dec2",
        "decrypt",
        101,
        &enc,
        &[&gcm_tunnel("encap espinudp 4500 4500 0.0.0.0")],
    );
    assert_eq!(r["drops"]["protocol_mismatch"], 6);
    // A different encapsulation port.
    let (p_enc, _) = run_on(
        "port-enc",
        "encrypt",
        101,
        &frames,
        &[&gcm_tunnel("encap espinudp 4501 4501 0.0.0.0")],
    );
    let (dec, _) = run_on(
        "port-dec",
        "decrypt",
        101,
        &p_enc,
        &[&gcm_tunnel("encap espinudp 4501 4501 0.0.0.0")],
    );
    assert_eq!(dec, frames);
}

#[test]
fn truncated_captures_and_non_ip_frames() {
    let frames: Vec<Vec<u8>> = v4_traffic().iter().map(|p| ether(p, None)).collect();
    let mut arp = frames[0].clone();
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    let dir = tempdir("trunc");
    let input = dir.join("in.pcap");
    let out = dir.join("out.pcap");
    let mut pk = packets(1, &[frames[0].clone(), frames[1].clone(), arp.clone()]);
    // Frame 2 was cut by the snapshot length.
    pk[1].orig_len += 100;
    pk[1].data.truncate(40);
    let w = ipsecctl::capture::PcapWriter {
        big_endian: false,
        nanosecond: false,
        link_type: 1,
        snaplen: 65535,
    };
    std::fs::write(&input, w.encode(&pk).unwrap()).unwrap();
    let r = json_report(&run_pcap("encrypt", &[&gcm_tunnel("")], &input, &out, true));
    assert_eq!(r["drops"]["capture_truncated"], 1);
    assert_eq!(r["packets"]["transformed"], 1);
    assert_eq!(r["packets"]["passed"], 1);
    assert_eq!(frames_of(&out)[1], arp);
    // Truncated frames that need nothing pass unchanged (orig_len kept).
    let r = json_report(&run_pcap("decrypt", &[&gcm_tunnel("")], &input, &out, true));
    assert_eq!(r["packets"]["passed"], 3);
    assert_eq!(read_capture(&out).packets[1].orig_len, pk[1].orig_len);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inconsistent_sa_sets_exit_2() {
    let frames = v4_traffic();
    let err = run_fail("dir", "encrypt", &frames, &[&gcm_tunnel("dir in")]);
    assert!(err.contains("dir in"), "{err}");
    let err = run_fail(
        "dup",
        "decrypt",
        &frames,
        &[&gcm_tunnel(""), &gcm_tunnel("reqid 2")],
    );
    assert!(err.contains("ambiguous"), "{err}");
    let esp = format!("src 10.0.0.1 dst 10.0.1.1 proto esp spi 1 aead 'rfc4106(gcm(aes))' {GCM_KEY} 128 replay-window 64");
    let ah =
        format!("src 10.0.0.1 dst 10.0.1.1 proto ah spi 2 auth sha1 {SHA1_KEY} replay-window 32");
    let err = run_fail("bundle", "decrypt", &frames, &[&esp, &ah]);
    assert!(
        err.contains("bundle") && err.contains("replay-window"),
        "{err}"
    );
    let err = run_fail(
        "window",
        "decrypt",
        &frames,
        &[&gcm_tunnel("").replace("replay-window 64", "replay-window 16")],
    );
    assert!(err.contains("replay-window 16"), "{err}");
    let err = run_fail(
        "esnwin",
        "decrypt",
        &frames,
        &[&gcm_tunnel("flag esn").replace("replay-window 64", "")],
    );
    assert!(err.contains("esn"), "{err}");
    // The same window is fine for encrypt (outbound SAs have no window).
    let (out, _) = run_on(
        "window-out",
        "encrypt",
        101,
        &frames,
        &[&gcm_tunnel("").replace("replay-window 64", "replay-window 16")],
    );
    assert_eq!(out.len(), 6);
}

#[test]
fn unwritable_output_exits_2() {
    let dir = tempdir("unwritable");
    let input = dir.join("in.pcap");
    std::fs::write(&input, pcap_bytes(101, &v4_traffic(), false, false)).unwrap();
    let out = dir.join("no-such-dir").join("out.pcap");
    let o = run_pcap("encrypt", &[&gcm_tunnel("")], &input, &out, false);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stderr)
        .unwrap()
        .contains("cannot write output"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn nested_tunnels_decrypt_in_one_run() {
    let frames = v4_traffic();
    let inner = gcm_tunnel("");
    let outer = format!(
        "src 198.51.100.1 dst 198.51.100.2 proto esp spi 0x7777 mode tunnel enc 'cbc(aes)' {CBC_KEY} \
         auth-trunc 'hmac(sha256)' {SHA256_KEY} 128 replay-window 32"
    );
    let (once, _) = run_on("nest-1", "encrypt", 101, &frames, &[&inner]);
    let (twice, _) = run_on("nest-2", "encrypt", 101, &once, &[&outer]);
    assert!(twice.iter().all(|f| f[16..20] == [198, 51, 100, 2]));
    let (dec, r) = run_on("nest-dec", "decrypt", 101, &twice, &[&inner, &outer]);
    assert_eq!(dec, frames);
    assert_eq!(r["sas"][0]["packets"], 6);
    assert_eq!(r["sas"][1]["packets"], 6);
    assert_eq!(r["packets"]["transformed"], 6);
    // Only the outer SA: the inner ESP packets come out.
    let (dec, _) = run_on("nest-outer", "decrypt", 101, &twice, &[&outer]);
    assert_eq!(dec, once);
}

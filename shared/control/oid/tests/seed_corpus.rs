//! Writes the seed corpus of the fuzz target (fuzz/corpus/oid_set). Run on purpose with
//! `cargo test -p ipsecov2-oid --test seed_corpus -- --ignored`; the seeds are committed and
//! replayed by tests/corpus.rs on every test run.
#![cfg(test)]

mod common;

use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;

#[test]
#[ignore = "regenerates committed files"]
fn write_seed_corpus() {
    use IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1 as SHA1;
    use IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256 as SHA256;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/oid_set");
    std::fs::create_dir_all(&dir).unwrap();
    let mut seeds: Vec<(String, u8, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, elements: Vec<AddSa>| {
        seeds.push((format!("add_{name}"), 0, add_sa_list(&elements).0));
        seeds.push((format!("addex_{name}"), 1, add_sa_ex(&elements[0])));
    };
    add("gcm128", vec![esp_gcm(0x1001, 128, 16)]);
    add("gcm256_icv8", vec![esp_gcm(0x1002, 256, 8)]);
    add("gmac192", vec![esp_gmac(0x1003, 192)]);
    add(
        "cbc_sha1",
        vec![esp_cbc(
            0x1004,
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128,
            16,
            SHA1,
            20,
        )],
    );
    add(
        "3des_sha256",
        vec![esp_cbc(
            0x1005,
            IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC,
            24,
            SHA256,
            32,
        )],
    );
    add(
        "null_sha1",
        vec![esp_cbc(
            0x1006,
            IPSEC_OFFLOAD_V2_ENCRYPTION_NONE,
            0,
            SHA1,
            20,
        )],
    );
    add("ah_sha256", vec![ah(0x1007, SHA256, 32)]);
    add("esp_ah", vec![esp_ah(0x1008, 0x1009)]);
    let mut v6 = esp_gcm(0x100a, 128, 16);
    v6.flags = IPSEC_OFFLOAD_V2_IPv6 | IPSEC_OFFLOAD_V2_INBOUND;
    v6.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
    v6.udp_esp = IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT;
    add("v6_inbound_esn_udp", vec![v6]);
    add(
        "list3",
        vec![
            esp_gcm(0x1101, 128, 16),
            ah(0x1102, SHA1, 20),
            esp_ah(0x1103, 0x1104),
        ],
    );
    let mut bad = esp_gcm(0x1201, 128, 16);
    bad.num_ext_hdrs = 3;
    add("bad_num_ext_hdrs", vec![bad]);
    let mut bad = esp_gcm(0x1202, 128, 16);
    bad.sa[0].enc.additional = 4;
    add("bad_icv", vec![bad]);
    let mut bad = esp_gcm(0x1203, 128, 16);
    bad.sa[0].enc.key_off = 1_000;
    add("bad_key_offset", vec![bad]);
    let mut bad = esp_gcm(0x1204, 128, 16);
    bad.hdr_size = 4;
    add("bad_header_size", vec![bad]);
    // Structural faults.
    let (mut cyc, _) = add_sa_list(&[esp_gcm(0x1301, 128, 16)]);
    cyc[8..16].copy_from_slice(&BASE.to_le_bytes());
    seeds.push(("add_cycle".into(), 0, cyc));
    let (mut out, _) = add_sa_list(&[esp_gcm(0x1302, 128, 16)]);
    out[8..16].copy_from_slice(&(BASE + 0x10_0000).to_le_bytes());
    seeds.push(("add_next_out".into(), 0, out));
    seeds.push(("delete_three".into(), 2, delete_sa_list(&[1, 2, 3])));
    seeds.push(("delete_one".into(), 2, delete_sa_list(&[0x1_0000_0001])));
    seeds.push((
        "update_esp".into(),
        3,
        update_sa(0x1_0000_0001, IPsecOffloadV2Esp, 0x1001, 5),
    ));
    seeds.push((
        "update_ah".into(),
        3,
        update_sa(0x1_0000_0001, IPsecOffloadV2Ah, 0x1001, 5),
    ));
    seeds.push(("empty".into(), 0, Vec::new()));
    for (name, selector, bytes) in seeds {
        let mut data = vec![selector];
        data.extend_from_slice(&bytes);
        std::fs::write(dir.join(name), data).unwrap();
    }
}

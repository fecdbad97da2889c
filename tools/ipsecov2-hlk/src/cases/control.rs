//! Groups `capabilities`, `oid-validity`, `capacity` and `delete-update`.

use super::{case, ensure, eq, status};
use crate::tcpip::*;
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_filter_core::caps::{AUTHENTICATION_ALGORITHMS, ENCRYPTION_ALGORITHMS};
use ipsecov2_filter_core::{
    ipsec_v2_capabilities, with_ipsec_v2, CapabilityConfig, HostTxPool, SendDrop,
};
use ipsecov2_ndis_emu::oid_buffers::{self as build, AddSa, BASE};
use ipsecov2_ndis_emu::SplitMix64;
use ipsecov2_oid::layout::{add_sa, add_sa_ex, delete_sa};
use ipsecov2_oid::InfoBuffer;

const GARBAGE: u64 = 0x5a5a_5a5a_5a5a_5a5a;

// ---------------------------------------------------------------------------------------------
// capabilities
// ---------------------------------------------------------------------------------------------

fn expected_caps(capacity: u32) -> NDIS_IPSEC_OFFLOAD_V2 {
    NDIS_IPSEC_OFFLOAD_V2 {
        Encapsulation: NDIS_ENCAPSULATION_IEEE_802_3
            | NDIS_ENCAPSULATION_IEEE_802_3_P_AND_Q
            | NDIS_ENCAPSULATION_IEEE_802_3_P_AND_Q_IN_OOB,
        IPv6Supported: TRUE,
        IPv4Options: TRUE,
        IPv6NonIPsecExtensionHeaders: TRUE,
        Ah: TRUE,
        Esp: TRUE,
        AhEspCombined: TRUE,
        Transport: TRUE,
        Tunnel: TRUE,
        TransportTunnelCombined: TRUE,
        LsoSupported: FALSE,
        ExtendedSequenceNumbers: TRUE,
        UdpEsp: IPSEC_TPT_UDPESP_ENCAPTYPE_IKE
            | IPSEC_TUN_UDPESP_ENCAPTYPE_IKE
            | IPSEC_TPTOVERTUN_UDPESP_ENCAPTYPE_IKE
            | IPSEC_TPT_UDPESP_OVER_PURE_TUN_ENCAPTYPE_IKE,
        AuthenticationAlgorithms: 0x3f,
        EncryptionAlgorithms: 0x1ff,
        SaOffloadCapacity: capacity,
    }
}

fn emulated_nic(revision: u8, size: u16) -> NDIS_OFFLOAD {
    let mut o = NDIS_OFFLOAD {
        Header: NDIS_OBJECT_HEADER {
            Type: NDIS_OBJECT_TYPE_OFFLOAD,
            Revision: revision,
            Size: size,
        },
        ..NDIS_OFFLOAD::default()
    };
    o.Checksum.IPv4Transmit.Encapsulation = NDIS_ENCAPSULATION_IEEE_802_3;
    o.Checksum.IPv4Transmit.set_ip_checksum(1);
    o.Checksum.IPv4Receive.Encapsulation = NDIS_ENCAPSULATION_IEEE_802_3;
    o.Checksum.IPv6Transmit.Encapsulation = NDIS_ENCAPSULATION_IEEE_802_3;
    o.LsoV2.IPv4.Encapsulation = NDIS_ENCAPSULATION_IEEE_802_3;
    o.LsoV2.IPv4.MaxOffLoadSize = 65536;
    o.LsoV2.IPv4.MinSegmentCount = 2;
    o.LsoV2.IPv6.Encapsulation = NDIS_ENCAPSULATION_IEEE_802_3;
    o.LsoV2.IPv6.MaxOffLoadSize = 62000;
    o.LsoV2.IPv6.MinSegmentCount = 3;
    o.Flags = 0x5;
    o.EncapsulationTypes = 0x3;
    o.UdpSegmentation.IPv4.MaxOffLoadSize = 1234;
    o
}

pub fn capabilities(v: &mut Vec<Case>) {
    const G: &str = "capabilities";
    for cap in [16u32, 1024] {
        v.push(case(
            G,
            format!("ipsec-v2-fields/capacity-{cap}"),
            "every NDIS_IPSEC_OFFLOAD_V2 field, masks and SaOffloadCapacity exact",
            move || {
                let c = ipsec_v2_capabilities(&CapabilityConfig {
                    sa_offload_capacity: cap,
                });
                let e = expected_caps(cap);
                eq("Encapsulation", c.Encapsulation, e.Encapsulation)?;
                eq("IPv6Supported", c.IPv6Supported, e.IPv6Supported)?;
                eq("IPv4Options", c.IPv4Options, e.IPv4Options)?;
                eq(
                    "IPv6NonIPsecExtensionHeaders",
                    c.IPv6NonIPsecExtensionHeaders,
                    e.IPv6NonIPsecExtensionHeaders,
                )?;
                eq("Ah", c.Ah, e.Ah)?;
                eq("Esp", c.Esp, e.Esp)?;
                eq("AhEspCombined", c.AhEspCombined, e.AhEspCombined)?;
                eq("Transport", c.Transport, e.Transport)?;
                eq("Tunnel", c.Tunnel, e.Tunnel)?;
                eq(
                    "TransportTunnelCombined",
                    c.TransportTunnelCombined,
                    e.TransportTunnelCombined,
                )?;
                eq("LsoSupported", c.LsoSupported, e.LsoSupported)?;
                eq(
                    "ExtendedSequenceNumbers",
                    c.ExtendedSequenceNumbers,
                    e.ExtendedSequenceNumbers,
                )?;
                eq("UdpEsp", c.UdpEsp, e.UdpEsp)?;
                eq(
                    "AuthenticationAlgorithms",
                    c.AuthenticationAlgorithms,
                    e.AuthenticationAlgorithms,
                )?;
                eq(
                    "EncryptionAlgorithms",
                    c.EncryptionAlgorithms,
                    e.EncryptionAlgorithms,
                )?;
                eq("SaOffloadCapacity", c.SaOffloadCapacity, cap)?;
                eq("whole structure", c, e)
            },
        ));
    }
    v.push(case(
        G,
        "algorithm-masks-accepted",
        "an ADD_SA for every offered transform succeeds; union of bits == advertised masks",
        || {
            let m = core()?;
            let (mut enc, mut auth) = (0u32, 0u32);
            for (i, e) in esp_algs().iter().enumerate() {
                let sa = bundle(BundleSpec::esp(e, 0x100 + i as u32));
                enc |= sa.sa[0].enc.id;
                auth |= sa.sa[0].auth.id;
                add(&m, &sa).map_err(|x| format!("ESP {}: {x}", e.name))?;
            }
            for (i, a) in ah_algs().iter().enumerate() {
                let sa = bundle(BundleSpec::ah(a, 0x200 + i as u32).v6().inbound().esn());
                auth |= sa.sa[0].auth.id;
                add(&m, &sa).map_err(|x| format!("AH {}: {x}", a.name))?;
            }
            let c = ipsec_v2_capabilities(&CapabilityConfig {
                sa_offload_capacity: 1,
            });
            eq("encryption union", enc, c.EncryptionAlgorithms)?;
            eq("authentication union", auth, c.AuthenticationAlgorithms)?;
            eq("ENCRYPTION_ALGORITHMS", ENCRYPTION_ALGORITHMS, enc)?;
            eq("AUTHENTICATION_ALGORITHMS", AUTHENTICATION_ALGORITHMS, auth)
        },
    ));
    for (rev, size) in [
        (NDIS_OFFLOAD_REVISION_2, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2),
        (NDIS_OFFLOAD_REVISION_4, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_4),
        (NDIS_OFFLOAD_REVISION_6, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_6),
        (NDIS_OFFLOAD_REVISION_7, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_7),
    ] {
        v.push(case(
            G,
            format!("with-ipsec-v2-keeps-offloads/revision-{rev}"),
            "checksum, LSOv2 and the rest of the emulated NIC's NDIS_OFFLOAD unchanged",
            move || {
                let cfg = CapabilityConfig {
                    sa_offload_capacity: 16,
                };
                let nic = emulated_nic(rev, size);
                let out = with_ipsec_v2(&nic, &cfg);
                eq("Header", out.Header, nic.Header)?;
                eq("Checksum", out.Checksum, nic.Checksum)?;
                eq("LsoV2", out.LsoV2, nic.LsoV2)?;
                eq(
                    "LsoV2.IPv4.MaxOffLoadSize",
                    out.LsoV2.IPv4.MaxOffLoadSize,
                    65536,
                )?;
                eq(
                    "LsoV2.IPv6.MaxOffLoadSize",
                    out.LsoV2.IPv6.MaxOffLoadSize,
                    62000,
                )?;
                eq(
                    "LsoV2.IPv6.MinSegmentCount",
                    out.LsoV2.IPv6.MinSegmentCount,
                    3,
                )?;
                eq("Flags", out.Flags, nic.Flags)?;
                eq("IPsecV2", out.IPsecV2, expected_caps(16))?;
                let mut expect = nic;
                if size < NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_4 {
                    expect.EncapsulationTypes = 0;
                }
                if size < NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_6 {
                    expect.UdpSegmentation = Default::default();
                }
                expect.IPsecV2 = out.IPsecV2;
                eq("whole NDIS_OFFLOAD", out, expect)
            },
        ));
    }
    v.push(case(
        G,
        "with-ipsec-v2-keeps-offloads/revision-1-upgraded",
        "revision-1 NDIS_OFFLOAD upgraded to revision 2 / 0x90, checksum and LSOv2 kept",
        || {
            let cfg = CapabilityConfig {
                sa_offload_capacity: 16,
            };
            let nic = emulated_nic(NDIS_OFFLOAD_REVISION_1, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1);
            let out = with_ipsec_v2(&nic, &cfg);
            eq("Revision", out.Header.Revision, NDIS_OFFLOAD_REVISION_2)?;
            eq("Size", out.Header.Size, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2)?;
            eq("Size value", out.Header.Size, 0x90)?;
            eq("Checksum", out.Checksum, nic.Checksum)?;
            eq("LsoV2", out.LsoV2, nic.LsoV2)?;
            eq("Flags", out.Flags, nic.Flags)?;
            eq("EncapsulationTypes", out.EncapsulationTypes, 0)?;
            eq("IPsecV2", out.IPsecV2, expected_caps(16))
        },
    ));
}

// ---------------------------------------------------------------------------------------------
// oid-validity
// ---------------------------------------------------------------------------------------------

fn gcm(spi: u32) -> AddSa {
    build::esp_gcm(spi, 256, 16)
}

/// ADD_SA of `list` (after `tweak` on the bytes) and the exact outcome: status, BytesNeeded
/// (when `needed` is Some) and which elements got a handle (`true`), NULL (`false`) or were
/// left as written (`None` in `handles` = nothing written: the garbage stays).
fn add_expect(
    list: &[AddSa],
    tweak: impl Fn(&mut Vec<u8>, &[usize]),
    want_status: i32,
    needed: Option<u32>,
    handles: Option<&[bool]>,
) -> Outcome {
    let m = core()?;
    let (mut bytes, offs) = build::add_sa_list(list);
    tweak(&mut bytes, &offs);
    let len = bytes.len();
    let c = set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA, &mut bytes)?;
    status("ADD_SA", c.status, want_status)?;
    if let Some(n) = needed {
        eq("BytesNeeded", c.bytes_needed, n)?;
    }
    if want_status == NDIS_STATUS_SUCCESS {
        eq("BytesRead", c.bytes_read as usize, len)?;
    }
    match handles {
        Some(want) => {
            for (i, (&o, &w)) in offs.iter().zip(want).enumerate() {
                let h = build::handle_at(&bytes, o);
                ensure!(h != GARBAGE, "element {i}: OffloadHandle not written");
                ensure!(
                    (h != 0) == w,
                    "element {i}: handle {h:#x}, expected {}",
                    if w { "a handle" } else { "NULL" }
                );
            }
        }
        None => {
            for (i, &o) in offs.iter().enumerate() {
                if o + add_sa::OFFLOAD_HANDLE + 8 <= bytes.len() {
                    eq(
                        &format!("element {i} OffloadHandle (request refused: untouched)"),
                        build::handle_at(&bytes, o),
                        GARBAGE,
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn put_u64(b: &mut [u8], at: usize, v: u64) {
    if let Some(d) = b.get_mut(at..at + 8) {
        d.copy_from_slice(&v.to_le_bytes());
    }
}

pub fn self_test_fail() -> Outcome {
    let mut one = gcm(0x1000);
    one.keys.truncate(36);
    add_expect(
        &[one],
        |b, _| b.truncate(100),
        NDIS_STATUS_SUCCESS,
        None,
        Some(&[true]),
    )
}

#[allow(clippy::too_many_lines)]
pub fn oid_validity(v: &mut Vec<Case>) {
    const G: &str = "oid-validity";
    let ok = NDIS_STATUS_SUCCESS;
    let inval = NDIS_STATUS_INVALID_DATA;
    v.push(case(
        G,
        "add-sa/valid-single",
        "one ADD_SA: SUCCESS, BytesRead = length, handle written",
        move || add_expect(&[gcm(0x1000)], |_, _| {}, ok, None, Some(&[true])),
    ));
    v.push(case(
        G,
        "add-sa/valid-list",
        "ADD_SA list of ESP-GCM, ESP-CBC, AH, ESP+AH: every element gets a handle",
        move || {
            let list = [
                gcm(0x1000),
                build::esp_cbc(
                    0x1001,
                    IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128,
                    16,
                    IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
                    20,
                ),
                build::ah(0x1002, IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256, 32),
                build::esp_ah(0x1003, 0x1004),
                build::esp_gmac(0x1005, 128),
            ];
            add_expect(&list, |_, _| {}, ok, None, Some(&[true; 5]))
        },
    ));
    v.push(case(
        G,
        "add-sa-ex/valid",
        "ADD_SA_EX: SUCCESS and a handle that names an SA in the table",
        || {
            let m = core()?;
            let mut ex = build::add_sa_ex(&build::ah(
                0x3333,
                IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256,
                32,
            ));
            let c = set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX, &mut ex)?;
            status("ADD_SA_EX", c.status, NDIS_STATUS_SUCCESS)?;
            let h = ex
                .get(add_sa_ex::OFFLOAD_HANDLE..add_sa_ex::OFFLOAD_HANDLE + 8)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u64::from_le_bytes);
            ensure!(h != 0, "NULL handle");
            let found = ipsecov2_satable::OffloadHandle::from_u64(h)
                .and_then(|oh| m.sas().table().get(oh))
                .is_some();
            ensure!(found, "handle {h:#x} not in the SA table");
            Ok(())
        },
    ));
    v.push(case(
        G,
        "add-sa-ex/short",
        "ADD_SA_EX of 169 bytes: INVALID_LENGTH, BytesNeeded 170",
        || {
            let m = core()?;
            let mut ex = build::add_sa_ex(&gcm(0x1000));
            ex.truncate(169);
            let c = set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX, &mut ex)?;
            status("ADD_SA_EX", c.status, NDIS_STATUS_INVALID_LENGTH)?;
            eq("BytesNeeded", c.bytes_needed, 170)
        },
    ));
    v.push(case(
        G,
        "add-sa/short",
        "ADD_SA of 100 bytes: INVALID_LENGTH, BytesNeeded 169",
        move || {
            add_expect(
                &[gcm(0x1000)],
                |b, _| b.truncate(100),
                NDIS_STATUS_INVALID_LENGTH,
                Some(169),
                None,
            )
        },
    ));
    v.push(case(
        G,
        "add-sa/key-data-past-end",
        "key data runs past the buffer: INVALID_LENGTH, BytesNeeded = element end",
        move || {
            let e = gcm(0x1000);
            let end = (add_sa::KEY_DATA + e.keys.len()) as u32;
            add_expect(
                &[e],
                move |b, _| b.truncate(end as usize - 1),
                NDIS_STATUS_INVALID_LENGTH,
                Some(end),
                None,
            )
        },
    ));
    v.push(case(
        G,
        "add-sa/next-element-does-not-fit",
        "Next names an element whose fixed part does not fit: INVALID_DATA, nothing installed",
        move || {
            add_expect(
                &[gcm(0x1000), gcm(0x1001)],
                |b, o| b.truncate(o[1] + 100),
                inval,
                None,
                None,
            )
        },
    ));
    v.push(case(G, "add-sa/second-key-data-past-end", "second element's key data cut by one byte: INVALID_LENGTH, BytesNeeded = its end, nothing installed", move || {
        let e = gcm(0x1001);
        let first = gcm(0x1000).stride();
        let end = first + add_sa::KEY_DATA + e.keys.len();
        add_expect(&[gcm(0x1000), e], move |b, _| b.truncate(end - 1), NDIS_STATUS_INVALID_LENGTH, Some(end as u32), None)
    }));
    for (name, what, f) in [
        (
            "bad-header-type",
            "Header.Type != NDIS_OBJECT_TYPE_DEFAULT: INVALID_DATA, nothing written",
            (|a: &mut AddSa| a.hdr_type = 0x81) as fn(&mut AddSa),
        ),
        (
            "bad-header-revision",
            "Header.Revision 0: INVALID_DATA, nothing written",
            |a: &mut AddSa| a.hdr_revision = 0,
        ),
        (
            "bad-header-size",
            "Header.Size below revision 1: INVALID_DATA, nothing written",
            |a: &mut AddSa| a.hdr_size = 100,
        ),
    ] {
        v.push(case(G, format!("add-sa/{name}"), what, move || {
            let mut b = gcm(0x1001);
            f(&mut b);
            add_expect(&[gcm(0x1000), b], |_, _| {}, inval, None, None)
        }));
    }
    v.push(case(
        G,
        "add-sa/next-misaligned",
        "Next not 8-byte aligned: INVALID_DATA",
        move || {
            add_expect(
                &[gcm(0x1000), gcm(0x1001)],
                |b, o| put_u64(b, add_sa::NEXT, BASE + o[1] as u64 + 4),
                inval,
                None,
                None,
            )
        },
    ));
    v.push(case(
        G,
        "add-sa/next-before-buffer",
        "Next below the buffer's address: INVALID_DATA",
        move || {
            add_expect(
                &[gcm(0x1000), gcm(0x1001)],
                |b, _| put_u64(b, add_sa::NEXT, BASE - 0x100),
                inval,
                None,
                None,
            )
        },
    ));
    v.push(case(
        G,
        "add-sa/next-past-end",
        "Next beyond the buffer: INVALID_DATA",
        move || {
            add_expect(
                &[gcm(0x1000), gcm(0x1001)],
                |b, _| {
                    let l = b.len() as u64;
                    put_u64(b, add_sa::NEXT, BASE + l + 8)
                },
                inval,
                None,
                None,
            )
        },
    ));
    v.push(case(
        G,
        "add-sa/next-cycle",
        "element 3's Next points back to element 1: INVALID_DATA",
        move || {
            add_expect(
                &[gcm(0x1000), gcm(0x1001), gcm(0x1002)],
                |b, o| put_u64(b, o[2] + add_sa::NEXT, BASE),
                inval,
                None,
                None,
            )
        },
    ));
    v.push(case(
        G,
        "add-sa/next-self",
        "element's Next points to itself: INVALID_DATA",
        move || {
            add_expect(
                &[gcm(0x1000)],
                |b, _| put_u64(b, add_sa::NEXT, BASE),
                inval,
                None,
                None,
            )
        },
    ));
    v.push(case(
        G,
        "add-sa/next-overlap",
        "Next points inside the previous element: INVALID_DATA",
        move || {
            add_expect(
                &[gcm(0x1000), gcm(0x1001), gcm(0x1002)],
                |b, o| put_u64(b, o[1] + add_sa::NEXT, BASE + o[1] as u64 + 8),
                inval,
                None,
                None,
            )
        },
    ));
    // Content errors: the element gets NULL, the others go on.
    type Bad = fn(&mut AddSa);
    let content: [(&str, &str, Bad); 14] = [
        ("num-ext-hdrs-0", "NumExtHdrs 0", |a| a.num_ext_hdrs = 0),
        ("num-ext-hdrs-3", "NumExtHdrs 3", |a| a.num_ext_hdrs = 3),
        ("bad-flags", "Flags with an undefined bit", |a| {
            a.flags |= 0x4
        }),
        ("bad-operation", "Operation 3", |a| a.sa[0].operation = 3),
        ("spi-zero", "SPI 0", |a| a.sa[0].spi = 0),
        ("spi-reserved", "SPI 255 (IANA reserved)", |a| {
            a.sa[0].spi = 255
        }),
        ("bad-algorithm", "unknown encryption bit 0x400", |a| {
            a.sa[0].enc.id = 0x400
        }),
        ("two-algorithm-bits", "two encryption bits at once", |a| {
            a.sa[0].enc.id |= IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128
        }),
        (
            "bad-key-length",
            "AES-GCM-256 key length 32 (no salt)",
            |a| a.sa[0].enc.key_len = 32,
        ),
        ("key-offset-outside", "key offset past the key data", |a| {
            a.sa[0].enc.key_off = 8
        }),
        ("bad-icv-length", "AES-GCM ICV length 0", |a| {
            a.sa[0].enc.additional = 0
        }),
        ("bad-sa-flags", "SecAssoc Flags undefined bit", |a| {
            a.sa[0].flags = 0x2
        }),
        ("udp-esp-bad-type", "UdpEspEncapsulation 0x10", |a| {
            a.udp_esp = 0x10
        }),
        ("esp-then-esp", "NumExtHdrs 2 with ESP twice", |a| {
            a.num_ext_hdrs = 2;
            a.sa[1] = a.sa[0];
            a.sa[1].spi += 1;
        }),
    ];
    for (name, what, f) in content {
        v.push(case(
            G,
            format!("add-sa/{name}"),
            format!("middle element of 3 with {what}: SUCCESS, only it gets a NULL handle"),
            move || {
                let mut b = gcm(0x1001);
                f(&mut b);
                add_expect(
                    &[gcm(0x1000), b, gcm(0x1002)],
                    |_, _| {},
                    ok,
                    None,
                    Some(&[true, false, true]),
                )
            },
        ));
    }
    v.push(case(
        G,
        "add-sa/all-refused",
        "every element malformed: INVALID_DATA, all NULL",
        move || {
            let mut a = gcm(0x1000);
            a.sa[0].enc.key_len = 16;
            let mut b = gcm(0x1001);
            b.num_ext_hdrs = 0;
            add_expect(&[a, b], |_, _| {}, inval, None, Some(&[false, false]))
        },
    ));
    v.push(case(
        G,
        "add-sa/confidentiality-only-esp",
        "AES-CBC without integrity: NULL handle, INVALID_DATA",
        move || {
            add_expect(
                &[build::esp_cbc(
                    0x1000,
                    IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128,
                    16,
                    0,
                    0,
                )],
                |_, _| {},
                inval,
                None,
                Some(&[false]),
            )
        },
    ));
    v.push(case(
        G,
        "add-sa/udp-esp-on-ah",
        "UDP-ESP encapsulation on an AH bundle: NULL handle",
        move || {
            let mut a = build::ah(0x1000, IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1, 20);
            a.udp_esp = IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT;
            add_expect(&[a, gcm(0x1001)], |_, _| {}, ok, None, Some(&[false, true]))
        },
    ));
    v.push(case(
        G,
        "add-sa/duplicate-inbound",
        "second inbound SA with the same SPI/destination: NULL",
        move || {
            let mut a = gcm(0x1000);
            a.flags = IPSEC_OFFLOAD_V2_INBOUND;
            add_expect(&[a.clone(), a], |_, _| {}, ok, None, Some(&[true, false]))
        },
    ));
    v.push(case(
        G,
        "add-sa/weak-des-key",
        "DES weak key 0101010101010101: NULL handle",
        move || {
            let mut a = build::esp_cbc(
                0x1000,
                IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC,
                8,
                IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
                20,
            );
            for k in &mut a.keys[..8] {
                *k = 1;
            }
            add_expect(&[a, gcm(0x1001)], |_, _| {}, ok, None, Some(&[false, true]))
        },
    ));
    for (oid, name, min) in [
        (
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
            "delete-sa/short",
            24u32,
        ),
        (
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA,
            "update-sa/short",
            28,
        ),
    ] {
        v.push(case(
            G,
            name,
            "buffer below the revision-1 size: INVALID_LENGTH with BytesNeeded",
            move || {
                let m = core()?;
                let mut b = vec![0u8; min as usize - 1];
                let c = set(&m, oid, &mut b)?;
                status(name, c.status, NDIS_STATUS_INVALID_LENGTH)?;
                eq("BytesNeeded", c.bytes_needed, min)
            },
        ));
    }
    v.push(case(
        G,
        "delete-sa/valid",
        "DELETE_SA list of two handles: SUCCESS, both gone from the table",
        || {
            let m = core()?;
            let h1 = add(&m, &gcm(0x1000))?;
            let h2 = add(&m, &gcm(0x1001))?;
            status("DELETE_SA", delete(&m, &[h1, h2])?, NDIS_STATUS_SUCCESS)?;
            for h in [h1, h2] {
                let found = ipsecov2_satable::OffloadHandle::from_u64(h)
                    .and_then(|oh| m.sas().table().get(oh))
                    .is_some();
                ensure!(!found, "handle {h:#x} still in the table");
            }
            Ok(())
        },
    ));
    v.push(case(
        G,
        "delete-sa/cycle",
        "DELETE_SA list whose second Next points to the first: INVALID_DATA, nothing deleted",
        || {
            let m = core()?;
            let h1 = add(&m, &gcm(0x1000))?;
            let mut d = build::delete_sa_list(&[h1, h1]);
            put_u64(&mut d, delete_sa::SIZE_REVISION_1 + delete_sa::NEXT, BASE);
            status(
                "DELETE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA, &mut d)?.status,
                NDIS_STATUS_INVALID_DATA,
            )?;
            let found = ipsecov2_satable::OffloadHandle::from_u64(h1)
                .and_then(|oh| m.sas().table().get(oh))
                .is_some();
            ensure!(found, "SA deleted by a refused request");
            Ok(())
        },
    ));
    v.push(case(
        G,
        "delete-sa/bad-header",
        "DELETE_SA with Header.Type wrong: INVALID_DATA",
        || {
            let m = core()?;
            let h1 = add(&m, &gcm(0x1000))?;
            let mut d = build::delete_sa_list(&[h1]);
            d[0] = 0x81;
            status(
                "DELETE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA, &mut d)?.status,
                NDIS_STATUS_INVALID_DATA,
            )
        },
    ));
    v.push(case(
        G,
        "update-sa/valid-esn",
        "UPDATE_SA on an ESN SA: SUCCESS",
        || {
            let m = core()?;
            let mut a = gcm(0x1000);
            a.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
            let h = add(&m, &a)?;
            let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x1000, 9);
            status(
                "UPDATE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_SUCCESS,
            )
        },
    ));
    v.push(case(
        G,
        "update-sa/bad-operation",
        "UPDATE_SA Operation 7: INVALID_DATA",
        || {
            let m = core()?;
            let mut a = gcm(0x1000);
            a.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
            let h = add(&m, &a)?;
            let mut u = build::update_sa(h, 7, 0x1000, 9);
            status(
                "UPDATE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_DATA,
            )
        },
    ));
    v.push(case(
        G,
        "query-not-supported",
        "query requests for the four OIDs: NOT_SUPPORTED",
        || {
            let m = core()?;
            for oid in [
                OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
                OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX,
                OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
                OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA,
            ] {
                let mut b = vec![0u8; 256];
                let c = m
                    .oid(
                        oid,
                        NdisRequestQueryInformation,
                        &mut InfoBuffer::new(&mut b, BASE),
                    )
                    .ok_or_else(|| format!("query of {oid:#x} passed down"))?;
                status(
                    &format!("query {oid:#x}"),
                    c.status,
                    NDIS_STATUS_NOT_SUPPORTED,
                )?;
            }
            Ok(())
        },
    ));
    v.push(case(
        G,
        "other-oids-passed-down",
        "other OIDs are not answered by the filter (passed down)",
        || {
            let m = core()?;
            for oid in [OID_TCP_OFFLOAD_CURRENT_CONFIG, 0x0001_0101, 0] {
                let mut b = vec![0u8; 64];
                ensure!(
                    m.oid(
                        oid,
                        NdisRequestSetInformation,
                        &mut InfoBuffer::new(&mut b, BASE)
                    )
                    .is_none(),
                    "OID {oid:#x} answered"
                );
            }
            Ok(())
        },
    ));
}

// ---------------------------------------------------------------------------------------------
// capacity
// ---------------------------------------------------------------------------------------------

const CAP: usize = 16;

fn filled(n: usize) -> Result<(Core, Vec<u64>), String> {
    let m = core_with(CAP)?;
    let mut hs = Vec::new();
    for i in 0..n {
        hs.push(add(&m, &gcm(0x2000 + i as u32)).map_err(|e| format!("SA {i} of {n}: {e}"))?);
    }
    Ok((m, hs))
}

pub fn capacity(v: &mut Vec<Case>) {
    const G: &str = "capacity";
    v.push(case(
        G,
        "fill-to-capacity",
        "SaOffloadCapacity 16: 16 single ADD_SA succeed, the 17th gets RESOURCES",
        || {
            let (m, hs) = filled(CAP)?;
            let mut uniq = hs.clone();
            uniq.sort_unstable();
            uniq.dedup();
            eq("distinct handles", uniq.len(), CAP)?;
            let (c, h) = add_list(&m, &[gcm(0x3000)])?;
            status("ADD_SA on a full table", c.status, NDIS_STATUS_RESOURCES)?;
            eq("handle", h, vec![0])
        },
    ));
    v.push(case(
        G,
        "partial-list",
        "14 used + list of 4: SUCCESS, first 2 handles, last 2 NULL",
        || {
            let (m, _) = filled(CAP - 2)?;
            let list: Vec<AddSa> = (0..4).map(|i| gcm(0x3000 + i)).collect();
            let (c, h) = add_list(&m, &list)?;
            status("ADD_SA", c.status, NDIS_STATUS_SUCCESS)?;
            let got: Vec<bool> = h.iter().map(|&x| x != 0).collect();
            eq(
                "handles (true = offloaded)",
                got,
                vec![true, true, false, false],
            )
        },
    ));
    v.push(case(
        G,
        "list-with-bundles",
        "15 used + [ESP+AH bundle, ESP]: one bundle counts once",
        || {
            let (m, _) = filled(CAP - 1)?;
            let (c, h) = add_list(&m, &[build::esp_ah(0x3000, 0x3001), gcm(0x3002)])?;
            status("ADD_SA", c.status, NDIS_STATUS_SUCCESS)?;
            let got: Vec<bool> = h.iter().map(|&x| x != 0).collect();
            eq("handles", got, vec![true, false])
        },
    ));
    v.push(case(
        G,
        "nothing-fits",
        "full table + list of 3: RESOURCES, all NULL",
        || {
            let (m, _) = filled(CAP)?;
            let list: Vec<AddSa> = (0..3).map(|i| gcm(0x3000 + i)).collect();
            let (c, h) = add_list(&m, &list)?;
            status("ADD_SA", c.status, NDIS_STATUS_RESOURCES)?;
            eq("handles", h, vec![0, 0, 0])
        },
    ));
    v.push(case(
        G,
        "delete-frees-room",
        "full table, delete 2: exactly 2 more fit, old handles stay valid",
        || {
            let (m, hs) = filled(CAP)?;
            status("DELETE_SA", delete(&m, &hs[3..5])?, NDIS_STATUS_SUCCESS)?;
            let list: Vec<AddSa> = (0..3).map(|i| gcm(0x3000 + i)).collect();
            let (c, h) = add_list(&m, &list)?;
            status("ADD_SA", c.status, NDIS_STATUS_SUCCESS)?;
            let got: Vec<bool> = h.iter().map(|&x| x != 0).collect();
            eq("handles", got, vec![true, true, false])?;
            for (i, &old) in hs.iter().enumerate() {
                let found = ipsecov2_satable::OffloadHandle::from_u64(old)
                    .and_then(|oh| m.sas().table().get(oh))
                    .is_some();
                ensure!(found != (3..5).contains(&i), "handle {i} presence {found}");
            }
            for &n in &h[..2] {
                ensure!(
                    !hs[3..5].contains(&n),
                    "a deleted handle value was reused as is"
                );
            }
            Ok(())
        },
    ));
    v.push(case(
        G,
        "reported-capacity-matches",
        "SaOffloadCapacity reported for the table == bundles that fit",
        || {
            let c = ipsec_v2_capabilities(&CapabilityConfig {
                sa_offload_capacity: CAP as u32,
            });
            let (m, _) = filled(CAP)?;
            let (r, _) = add_list(&m, &[gcm(0x3000)])?;
            status("ADD_SA past capacity", r.status, NDIS_STATUS_RESOURCES)?;
            eq("SaOffloadCapacity", c.SaOffloadCapacity as usize, CAP)
        },
    ));
}

// ---------------------------------------------------------------------------------------------
// delete-update
// ---------------------------------------------------------------------------------------------

const V4: Ip = Ip {
    v6: false,
    extras: false,
};

fn cbc() -> Result<EspAlg, String> {
    esp_algs()
        .into_iter()
        .find(|a| a.name == "aes128+sha1")
        .ok_or_else(|| "no aes128+sha1".to_string())
}

/// Direction of an SA in the delete/update cases.
#[derive(Clone, Copy)]
enum Dir {
    In,
    Out,
}

/// Whether an SA uses extended sequence numbers.
#[derive(Clone, Copy)]
enum Esn {
    On,
    Off,
}

/// An IPv4 ESP-only ADD_SA element for transform `e` under `spi`.
fn esp_v4_sa(e: &EspAlg, spi: u32, dir: Dir, esn: Esn) -> AddSa {
    bundle(BundleSpec {
        esp: Some((e, spi)),
        inbound: matches!(dir, Dir::In),
        esn: matches!(esn, Esn::On),
        ..BundleSpec::default()
    })
}

/// An IPv4 transport frame protected by ESP transform `e` under `spi`, sequence 1, 40 random
/// bytes of TCP payload.
fn esp_v4_frame(e: &EspAlg, spi: u32, rng: &mut SplitMix64) -> Framed {
    let layer = Layer {
        esp: Some((e.shape, spi)),
        ah: None,
        udp: false,
    };
    frame(&V4, &layer, 1, &rng.bytes(40), 6)
}

fn send_one(core: &Core, rng: &mut SplitMix64, f: &Framed, h: u64) -> Result<Sent, String> {
    let pool = HostTxPool::new(1, 4096);
    let (sent, _o) = send_through(
        core,
        &[send_nbl(rng, &[&f.frame], h, 0, f.header_info)],
        &pool,
    )?;
    sent.into_iter()
        .next()
        .ok_or_else(|| "nothing reported".into())
}

pub fn delete_update(v: &mut Vec<Case>) {
    const G: &str = "delete-update";
    v.push(case(
        G,
        "delete-known-stops-send",
        "send works, DELETE_SA, the same send completes with NDIS_STATUS_FAILURE",
        || {
            let mut rng = SplitMix64::new(40);
            let e = cbc()?;
            let tx = core()?;
            let h = add(&tx, &esp_v4_sa(&e, 0x4000, Dir::Out, Esn::Off))?;
            let f = esp_v4_frame(&e, 0x4000, &mut rng);
            ensure!(
                matches!(send_one(&tx, &mut rng, &f, h)?, Sent::Protected(_)),
                "not protected before delete"
            );
            status("DELETE_SA", delete(&tx, &[h])?, NDIS_STATUS_SUCCESS)?;
            eq(
                "after delete",
                send_one(&tx, &mut rng, &f, h)?,
                Sent::Completed(NDIS_STATUS_FAILURE, SendDrop::UnknownHandle),
            )
        },
    ));
    v.push(case(
        G,
        "delete-unknown",
        "DELETE_SA of unknown handles (0x42 and a deleted one): SUCCESS, other SA unaffected",
        || {
            let mut rng = SplitMix64::new(41);
            let e = cbc()?;
            let tx = core()?;
            let keep = add(&tx, &esp_v4_sa(&e, 0x4000, Dir::Out, Esn::Off))?;
            let gone = add(&tx, &gcm(0x4001))?;
            status("DELETE_SA", delete(&tx, &[gone])?, NDIS_STATUS_SUCCESS)?;
            status(
                "DELETE_SA unknown",
                delete(&tx, &[0x42, gone])?,
                NDIS_STATUS_SUCCESS,
            )?;
            let f = esp_v4_frame(&e, 0x4000, &mut rng);
            ensure!(
                matches!(send_one(&tx, &mut rng, &f, keep)?, Sent::Protected(_)),
                "kept SA no longer sends"
            );
            Ok(())
        },
    ));
    v.push(case(
        G,
        "never-added-handle-send",
        "send with a handle never added: FAILURE",
        || {
            let mut rng = SplitMix64::new(42);
            let e = cbc()?;
            let tx = core()?;
            let f = esp_v4_frame(&e, 0x4000, &mut rng);
            eq(
                "send",
                send_one(&tx, &mut rng, &f, 0x1234_5678)?,
                Sent::Completed(NDIS_STATUS_FAILURE, SendDrop::UnknownHandle),
            )
        },
    ));
    v.push(case(
        G,
        "inbound-handle-send",
        "send with an inbound SA's handle: FAILURE",
        || {
            let mut rng = SplitMix64::new(43);
            let e = cbc()?;
            let tx = core()?;
            let h = add(&tx, &esp_v4_sa(&e, 0x4000, Dir::In, Esn::Off))?;
            let f = esp_v4_frame(&e, 0x4000, &mut rng);
            eq(
                "send",
                send_one(&tx, &mut rng, &f, h)?,
                Sent::Completed(NDIS_STATUS_FAILURE, SendDrop::InboundSa),
            )
        },
    ));
    v.push(case(
        G,
        "update-esn-high-bits-on-wire",
        "UPDATE_SA on the sender changes the ESN high bits in the ICV; peer needs the same update",
        || {
            let mut rng = SplitMix64::new(44);
            let e = cbc()?;
            let tx = core()?;
            let rx = core()?;
            let h = add(&tx, &esp_v4_sa(&e, 0x4100, Dir::Out, Esn::On))?;
            let ih = add(&rx, &esp_v4_sa(&e, 0x4100, Dir::In, Esn::On))?;
            let layer = Layer {
                esp: Some((e.shape, 0x4100)),
                ah: None,
                udp: false,
            };
            let f = frame(&V4, &layer, 1, &rng.bytes(30), 6);
            let w = protect(&tx, &mut rng, &[&f], h, 0)?;
            eq(
                "before update",
                receive_through(&rx, &mut rng, &w, 0)?[0].0.status,
                CRYPTO_SUCCESS,
            )?;
            let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x4100, 8);
            status(
                "UPDATE_SA outbound",
                set(&tx, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_SUCCESS,
            )?;
            let w2 = protect(&tx, &mut rng, &[&f], h, 0)?;
            let r = receive_through(&rx, &mut rng, &w2, 0)?;
            ensure!(r[0].0.crypto_done, "CryptoDone clear");
            eq(
                "peer with old high bits",
                r[0].0.status,
                CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
            )?;
            let mut u = build::update_sa(ih, IPsecOffloadV2Esp, 0x4100, 8);
            status(
                "UPDATE_SA inbound",
                set(&rx, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_SUCCESS,
            )?;
            eq(
                "peer updated",
                receive_through(&rx, &mut rng, &w2, 0)?[0].0.status,
                CRYPTO_SUCCESS,
            )?;
            eq(
                "old packet after update",
                receive_through(&rx, &mut rng, &w, 0)?[0].0.status,
                CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
            )
        },
    ));
    v.push(case(
        G,
        "update-unknown-handle",
        "UPDATE_SA of an unknown handle: INVALID_PARAMETER",
        || {
            let m = core()?;
            let mut u = build::update_sa(0x4242, IPsecOffloadV2Esp, 0x4100, 8);
            status(
                "UPDATE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )
        },
    ));
    v.push(case(
        G,
        "update-deleted-handle",
        "UPDATE_SA of a deleted ESN SA: INVALID_PARAMETER",
        || {
            let m = core()?;
            let mut a = gcm(0x4100);
            a.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
            let h = add(&m, &a)?;
            status("DELETE_SA", delete(&m, &[h])?, NDIS_STATUS_SUCCESS)?;
            let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x4100, 8);
            status(
                "UPDATE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )
        },
    ));
    v.push(case(
        G,
        "update-non-esn",
        "UPDATE_SA on a non-ESN SA: INVALID_PARAMETER",
        || {
            let m = core()?;
            let h = add(&m, &gcm(0x4100))?;
            let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x4100, 8);
            status(
                "UPDATE_SA",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )
        },
    ));
    v.push(case(
        G,
        "update-wrong-spi-or-operation",
        "UPDATE_SA naming an SPI / operation not in the bundle: INVALID_PARAMETER",
        || {
            let m = core()?;
            let mut a = gcm(0x4100);
            a.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
            let h = add(&m, &a)?;
            let mut u = build::update_sa(h, IPsecOffloadV2Esp, 0x4101, 8);
            status(
                "UPDATE_SA wrong SPI",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )?;
            let mut u = build::update_sa(h, IPsecOffloadV2Ah, 0x4100, 8);
            status(
                "UPDATE_SA AH on ESP",
                set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA, &mut u)?.status,
                NDIS_STATUS_INVALID_PARAMETER,
            )
        },
    ));
}

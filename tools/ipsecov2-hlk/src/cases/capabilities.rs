//! Group `capabilities`: the NDIS_IPSEC_OFFLOAD_V2 the filter reports (every field, at two
//! capacities), every offered transform accepted, and the NDIS_OFFLOAD of the NIC below kept
//! with IPsecOV2 added, for every NDIS_OFFLOAD revision.

use super::{eq, module_case};
use crate::module_oids::{add, module, offload_indicated, sa_count};
use crate::tcpip::{ah_algs, bundle, esp_algs, BundleSpec};
use crate::Case;
use ipsecov2_abi::*;
use ipsecov2_filter_core::caps::{AUTHENTICATION_ALGORITHMS, ENCRYPTION_ALGORITHMS};

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
        v.push(module_case(
            G,
            format!("ipsec-v2-fields/capacity-{cap}"),
            "every NDIS_IPSEC_OFFLOAD_V2 field, masks and SaOffloadCapacity exact",
            move || {
                let c = crate::target::advertised_caps(cap)?;
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
    v.push(module_case(
        G,
        "algorithm-masks-accepted",
        "an ADD_SA for every offered transform succeeds; union of bits == advertised masks",
        || {
            let m = module()?;
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
            eq(
                "SA bundles in the table",
                sa_count(&m)?,
                esp_algs().len() + ah_algs().len(),
            )?;
            m.finish()?;
            let c = crate::target::advertised_caps(16)?;
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
        v.push(module_case(
            G,
            format!("with-ipsec-v2-keeps-offloads/revision-{rev}"),
            "checksum, LSOv2 and the rest of the emulated NIC's NDIS_OFFLOAD unchanged",
            move || {
                let nic = emulated_nic(rev, size);
                let out = offload_indicated(&nic, 16)?;
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
                eq("Flags", out.Flags, with_coexistence(nic.Flags))?;
                eq("IPsecV2", out.IPsecV2, expected_caps(16))?;
                let mut expect = nic;
                expect.Flags = with_coexistence(nic.Flags);
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
    v.push(module_case(
        G,
        "with-ipsec-v2-keeps-offloads/revision-1-upgraded",
        "revision-1 NDIS_OFFLOAD upgraded to revision 2 / 0x90, checksum and LSOv2 kept",
        || {
            let nic = emulated_nic(NDIS_OFFLOAD_REVISION_1, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1);
            let out = offload_indicated(&nic, 16)?;
            eq("Revision", out.Header.Revision, NDIS_OFFLOAD_REVISION_2)?;
            eq("Size", out.Header.Size, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2)?;
            eq("Size value", out.Header.Size, 0x90)?;
            eq("Checksum", out.Checksum, nic.Checksum)?;
            eq("LsoV2", out.LsoV2, nic.LsoV2)?;
            eq("Flags", out.Flags, with_coexistence(nic.Flags))?;
            eq("EncapsulationTypes", out.EncapsulationTypes, 0)?;
            eq("IPsecV2", out.IPsecV2, expected_caps(16))
        },
    ));
}

/// The miniport's `NDIS_OFFLOAD::Flags` as the filter reports them with IPsecOV2: both checksum
/// coexistence flags set (the filter computes the checksums TCP/IP asks for on protected sends;
/// `send/checksum/...`), the other flags the miniport's.
fn with_coexistence(miniport: ULONG) -> ULONG {
    miniport
        | IPSEC_OFFLOAD_V2_AND_TCP_CHECKSUM_COEXISTENCE
        | IPSEC_OFFLOAD_V2_AND_UDP_CHECKSUM_COEXISTENCE
}

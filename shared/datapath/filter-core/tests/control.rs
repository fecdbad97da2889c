//! Capabilities and the IPsecOV2 OID dispatch over real buffers.
#![cfg(test)]

mod common;

use common::build::{self, BASE};
use common::*;
use ipsecov2_abi::*;
use ipsecov2_filter_core::caps::{AUTHENTICATION_ALGORITHMS, ENCRYPTION_ALGORITHMS};
use ipsecov2_filter_core::{ipsec_v2_capabilities, with_ipsec_v2, CapabilityConfig};
use ipsecov2_oid::InfoBuffer;

const CFG: CapabilityConfig = CapabilityConfig {
    sa_offload_capacity: 1024,
};

#[test]
fn capabilities_are_what_is_implemented() {
    let c = ipsec_v2_capabilities(&CFG);
    assert_ne!(c.Encapsulation & NDIS_ENCAPSULATION_IEEE_802_3, 0);
    for b in [
        c.IPv6Supported,
        c.IPv4Options,
        c.IPv6NonIPsecExtensionHeaders,
        c.Ah,
        c.Esp,
        c.AhEspCombined,
        c.Transport,
        c.Tunnel,
        c.TransportTunnelCombined,
        c.ExtendedSequenceNumbers,
    ] {
        assert_eq!(b, TRUE);
    }
    assert_eq!(c.LsoSupported, FALSE);
    assert_eq!(c.SaOffloadCapacity, 1024);
    assert_eq!(
        c.UdpEsp,
        IPSEC_TPT_UDPESP_ENCAPTYPE_IKE
            | IPSEC_TUN_UDPESP_ENCAPTYPE_IKE
            | IPSEC_TPTOVERTUN_UDPESP_ENCAPTYPE_IKE
            | IPSEC_TPT_UDPESP_OVER_PURE_TUN_ENCAPTYPE_IKE
    );
    assert_eq!(c.AuthenticationAlgorithms, 0x3f);
    assert_eq!(c.EncryptionAlgorithms, 0x1ff);
}

/// Every algorithm bit advertised is accepted by an ADD_SA, and the two sets agree: every
/// ESP/AH transform the tests use maps to advertised bits.
#[test]
fn advertised_algorithms_are_accepted() {
    let m = core();
    let mut enc_seen = 0;
    let mut auth_seen = 0;
    for (i, e) in esp_algs().iter().enumerate() {
        let sa = bundle(BundleSpec::esp(e, 0x100 + i as u32));
        enc_seen |= sa.sa[0].enc.id;
        auth_seen |= sa.sa[0].auth.id;
        assert_ne!(add(&m, &sa), 0, "{}", e.name);
    }
    for (i, a) in ah_algs().iter().enumerate() {
        let sa = bundle(BundleSpec::ah(a, 0x200 + i as u32).v6().inbound().esn());
        auth_seen |= sa.sa[0].auth.id;
        assert_ne!(add(&m, &sa), 0, "{}", a.name);
    }
    assert_eq!(enc_seen, ENCRYPTION_ALGORITHMS);
    assert_eq!(auth_seen, AUTHENTICATION_ALGORITHMS);
    // Confidentiality-only ESP is not offered: NULL handle, INVALID_DATA for the request.
    let conf_only = build::esp_cbc(0x300, IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128, 16, 0, 0);
    assert_eq!(add(&m, &conf_only), 0);
}

fn offload(revision: u8, size: u16) -> NDIS_OFFLOAD {
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
    o.LsoV2.IPv4.MaxOffLoadSize = 65536;
    o.Flags = 0x5;
    o.EncapsulationTypes = 0x3;
    o.UdpSegmentation.IPv4.MaxOffLoadSize = 1234;
    o
}

#[test]
fn miniport_offload_keeps_everything_but_ipsec_v2() {
    for (rev, size) in [
        (NDIS_OFFLOAD_REVISION_2, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2),
        (NDIS_OFFLOAD_REVISION_4, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_4),
        (NDIS_OFFLOAD_REVISION_6, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_6),
        (NDIS_OFFLOAD_REVISION_7, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_7),
    ] {
        let m = offload(rev, size);
        let mut expect = m;
        if size < NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_4 {
            expect.EncapsulationTypes = 0;
        }
        if size < NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_6 {
            expect.UdpSegmentation = Default::default();
        }
        let out = with_ipsec_v2(&m, &CFG);
        assert_eq!(out.IPsecV2, ipsec_v2_capabilities(&CFG));
        expect.IPsecV2 = out.IPsecV2;
        // The checksum coexistence flags are the filter's (it computes the checksums of
        // protected sends), the other flags the miniport's.
        expect.Flags = 0x1 | COEXISTENCE;
        assert_eq!(out, expect, "revision {rev}");
    }
    // Revision 1 (no IPsecV2 member): upgraded to revision 2, the rest kept.
    let m = offload(NDIS_OFFLOAD_REVISION_1, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1);
    let out = with_ipsec_v2(&m, &CFG);
    assert_eq!(out.Header.Revision, NDIS_OFFLOAD_REVISION_2);
    assert_eq!(out.Header.Size, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2);
    assert_eq!(out.Checksum, m.Checksum);
    assert_eq!(out.LsoV2, m.LsoV2);
    assert_eq!(out.Flags, 0x1 | COEXISTENCE);
    assert_eq!(out.EncapsulationTypes, 0);
    assert_eq!(out.IPsecV2.Esp, TRUE);
}

const COEXISTENCE: ULONG =
    IPSEC_OFFLOAD_V2_AND_TCP_CHECKSUM_COEXISTENCE | IPSEC_OFFLOAD_V2_AND_UDP_CHECKSUM_COEXISTENCE;

#[test]
fn coexistence_flags_only_with_ipsec_v2_reported() {
    let m = offload(NDIS_OFFLOAD_REVISION_7, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_7);
    let none = NDIS_IPSEC_OFFLOAD_V2::default();
    let out = ipsecov2_filter_core::caps::with_capabilities(&m, &none);
    assert_eq!(
        out.Flags & COEXISTENCE,
        0,
        "no IPsecOV2 reported: no coexistence promised"
    );
    assert_eq!(out.Flags, 0x1);
    let mut esp_only = ipsec_v2_capabilities(&CFG);
    esp_only.Ah = FALSE;
    let out = ipsecov2_filter_core::caps::with_capabilities(&m, &esp_only);
    assert_eq!(out.Flags & COEXISTENCE, COEXISTENCE);
    // The same on the bytes of a completed query.
    let mut bytes = vec![0u8; core::mem::size_of::<NDIS_OFFLOAD>()];
    // The header of the structure, then its Flags.
    bytes[..4].copy_from_slice(&[
        m.Header.Type,
        m.Header.Revision,
        m.Header.Size as u8,
        (m.Header.Size >> 8) as u8,
    ]);
    let at = core::mem::offset_of!(NDIS_OFFLOAD, Flags);
    bytes[at..at + 4].copy_from_slice(&0x5u32.to_le_bytes());
    let written = bytes.len() as u32;
    ipsecov2_filter_core::caps::patch_offload_bytes(&mut bytes, written, &none).unwrap();
    assert_eq!(
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()),
        0x1
    );
    ipsecov2_filter_core::caps::patch_offload_bytes(&mut bytes, written, &esp_only).unwrap();
    assert_eq!(
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()),
        0x1 | COEXISTENCE
    );
}

#[test]
fn oid_dispatch_answers_the_four_oids_only() {
    let m = core();
    let mut other = vec![0u8; 64];
    for oid in [OID_TCP_OFFLOAD_CURRENT_CONFIG, 0x0001_0101, 0] {
        assert_eq!(
            m.oid(
                oid,
                NdisRequestSetInformation,
                &mut InfoBuffer::new(&mut other, BASE)
            ),
            None
        );
    }
    for oid in [
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX,
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA,
    ] {
        let c = m
            .oid(
                oid,
                NdisRequestQueryInformation,
                &mut InfoBuffer::new(&mut other, BASE),
            )
            .unwrap();
        assert_eq!(c.status, NDIS_STATUS_NOT_SUPPORTED);
    }
    // ADD_SA list of two, the second refused.
    let good = build::esp_gcm(0x1111, 256, 16);
    let bad = build::esp_cbc(0x2222, IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128, 16, 0, 0);
    let (mut bytes, offs) = build::add_sa_list(&[good.clone(), bad]);
    let len = bytes.len();
    let c = m
        .oid(
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
            NdisRequestSetInformation,
            &mut InfoBuffer::new(&mut bytes, BASE),
        )
        .unwrap();
    assert_eq!(c.status, NDIS_STATUS_SUCCESS);
    assert_eq!(c.bytes_read as usize, len);
    let h1 = build::handle_at(&bytes, offs[0]);
    assert_ne!(h1, 0);
    assert_eq!(build::handle_at(&bytes, offs[1]), 0);
    // Too short: INVALID_LENGTH with BytesNeeded.
    let mut short = bytes[..100].to_vec();
    let c = m
        .oid(
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
            NdisRequestSetInformation,
            &mut InfoBuffer::new(&mut short, BASE),
        )
        .unwrap();
    assert_eq!(c.status, NDIS_STATUS_INVALID_LENGTH);
    assert_eq!(c.bytes_needed, 169);
    // ADD_SA_EX.
    let mut ex = build::add_sa_ex(&build::ah(
        0x3333,
        IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256,
        32,
    ));
    let c = m
        .oid(
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX,
            NdisRequestSetInformation,
            &mut InfoBuffer::new(&mut ex, BASE),
        )
        .unwrap();
    assert_eq!(c.status, NDIS_STATUS_SUCCESS);
    let h2 = u64::from_le_bytes(
        ex[ipsecov2_oid::layout::add_sa_ex::OFFLOAD_HANDLE..][..8]
            .try_into()
            .unwrap(),
    );
    assert_ne!(h2, 0);
    assert!(m
        .sas()
        .table()
        .get(ipsecov2_satable::OffloadHandle::from_u64(h2).unwrap())
        .is_some());
    // UPDATE_SA on a non-ESN SA: INVALID_PARAMETER.
    let mut u = build::update_sa(h1, IPsecOffloadV2Esp, 0x1111, 5);
    let c = m
        .oid(
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA,
            NdisRequestSetInformation,
            &mut InfoBuffer::new(&mut u, BASE),
        )
        .unwrap();
    assert_eq!(c.status, NDIS_STATUS_INVALID_PARAMETER);
    // DELETE_SA of both (and an unknown one): success, both gone.
    let mut d = build::delete_sa_list(&[h1, h2, 0x42]);
    let c = m
        .oid(
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
            NdisRequestSetInformation,
            &mut InfoBuffer::new(&mut d, BASE),
        )
        .unwrap();
    assert_eq!(c.status, NDIS_STATUS_SUCCESS);
    for h in [h1, h2] {
        assert!(m
            .sas()
            .table()
            .get(ipsecov2_satable::OffloadHandle::from_u64(h).unwrap())
            .is_none());
    }
}

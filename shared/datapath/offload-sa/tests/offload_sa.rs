//! The prepared SA: every algorithm the decoder accepts prepares, lands in the real table, and
//! protects a packet that the matching inbound SA opens; UPDATE_SA and delete semantics; the
//! per-SA memory budget.
#![cfg(test)]

use ipsecov2_offload_sa::{bytes_per_sa, OffloadSa, OffloadSas};
use ipsecov2_oid::{
    Address, AesKeySize, BackendError, Bundle, Encryption, Integrity, IpVersion, IpsecProtocol,
    SaBackend, SaSpec, SecAssocSpec, UdpEspEncapsulation, UpdateError,
};
use ipsecov2_satable::{HostSaTable, InboundKey, IpAddress, OffloadHandle, TableSeed};

fn v4(a: [u8; 4]) -> Address {
    let mut bytes = [0u8; 16];
    bytes[..4].copy_from_slice(&a);
    Address {
        version: IpVersion::V4,
        bytes,
    }
}

fn sa<'a>(
    protocol: IpsecProtocol,
    spi: u32,
    encryption: Encryption,
    ek: &'a [u8],
    integrity: Integrity,
    ik: &'a [u8],
    esn: bool,
) -> SecAssocSpec<'a> {
    SecAssocSpec {
        protocol,
        spi,
        esn,
        seq_high: 0,
        encryption,
        encryption_key: ek,
        integrity,
        integrity_key: ik,
    }
}

fn spec(inbound: bool, bundle: Bundle<'_>) -> SaSpec<'_> {
    SaSpec {
        inbound,
        source: v4([192, 0, 2, 1]),
        destination: v4([192, 0, 2, 2]),
        udp_esp: UdpEspEncapsulation(0),
        bundle,
        switch: None,
    }
}

fn backend(
    capacity: usize,
) -> OffloadSas<ipsecov2_satable::StdRwLock<ipsecov2_satable::TableState<OffloadSa>>> {
    OffloadSas::new(
        HostSaTable::with_capacity(capacity, TableSeed::from_words([9, 8, 7, 6])).unwrap(),
    )
}

const KEY: [u8; 64] = {
    let mut k = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        k[i] = (i as u8).wrapping_mul(37).wrapping_add(11);
        i += 1;
    }
    k
};

/// Every ESP transform the decoder can produce.
fn esp_transforms() -> Vec<(Encryption, usize, Integrity, usize)> {
    let mut v = Vec::new();
    for k in [AesKeySize::Aes128, AesKeySize::Aes192, AesKeySize::Aes256] {
        for icv in [8, 12, 16] {
            v.push((
                Encryption::AesGcm {
                    key: k,
                    icv_len: icv,
                },
                k.key_bytes() + 4,
                Integrity::None,
                0,
            ));
        }
        v.push((
            Encryption::Null,
            0,
            Integrity::AesGmac(k),
            k.key_bytes() + 4,
        ));
    }
    let ciphers = [
        (Encryption::Null, 0),
        (Encryption::DesCbc, 8),
        (Encryption::TripleDesCbc, 24),
        (Encryption::AesCbc(AesKeySize::Aes128), 16),
        (Encryption::AesCbc(AesKeySize::Aes192), 24),
        (Encryption::AesCbc(AesKeySize::Aes256), 32),
    ];
    for (e, el) in ciphers {
        for (i, il) in [
            (Integrity::HmacMd5_96, 16),
            (Integrity::HmacSha1_96, 20),
            (Integrity::HmacSha256_128, 32),
        ] {
            v.push((e, el, i, il));
        }
    }
    v
}

/// A well-formed ESP region (header, payload, trailer, ICV room) for `sa`, sized for its block.
fn esp_region(sa: &OffloadSa, seq: u32, payload: &[u8]) -> Vec<u8> {
    let esp = sa.esp.as_ref().unwrap();
    let cfg = esp.sa.config();
    let block = cfg.encryption.block_size().max(4);
    let body = payload.len() + 2;
    let pad = (block - body % block) % block;
    let mut v = Vec::new();
    v.extend_from_slice(&esp.spi.to_be_bytes());
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend(std::iter::repeat_n(0u8, cfg.iv_len()));
    v.extend_from_slice(payload);
    v.extend((1..=pad as u8).collect::<Vec<_>>());
    v.push(pad as u8);
    v.push(4); // next header: IPv4 (tunnel)
    v.extend(std::iter::repeat_n(0u8, cfg.icv_len()));
    v
}

#[test]
fn every_esp_transform_prepares_and_round_trips_through_the_table() {
    let transforms = esp_transforms();
    let b = backend(2 * transforms.len());
    for (n, (e, el, i, il)) in transforms.into_iter().enumerate() {
        let spi = 0x1000 + n as u32;
        let ek = &KEY[..el];
        let ik = &KEY[20..20 + il];
        let out = spec(
            false,
            Bundle::Esp(sa(IpsecProtocol::Esp, spi, e, ek, i, ik, false)),
        );
        let inb = spec(
            true,
            Bundle::Esp(sa(IpsecProtocol::Esp, spi, e, ek, i, ik, false)),
        );
        let ho = b
            .add(&out)
            .unwrap_or_else(|err| panic!("{e:?}/{i:?}: {err:?}"));
        let hi = b.add(&inb).unwrap();
        let out_sa = b.table().get(OffloadHandle::from(ho)).unwrap();
        let (found, in_sa) = b
            .table()
            .get_inbound(&InboundKey::new(
                spi,
                IpAddress::v4([192, 0, 2, 2]),
                ipsecov2_satable::IpsecProtocol::Esp,
            ))
            .unwrap();
        assert_eq!(found.get(), hi.get());
        let payload: Vec<u8> = (0..100u8).collect();
        let mut region = esp_region(&out_sa, 1, &payload);
        let esp = out_sa.esp.as_ref().unwrap();
        esp.sa.seal(&mut region, esp.seq_high()).unwrap();
        if e != Encryption::Null {
            assert!(
                !region.windows(payload.len()).any(|w| w == payload),
                "{e:?}: payload encrypted"
            );
        }
        let opened = in_sa.esp.as_ref().unwrap().sa.open(&mut region, 0).unwrap();
        let _ = opened;
        assert!(
            region.windows(payload.len()).any(|w| w == payload),
            "{e:?}/{i:?}: decrypted in place"
        );
    }
}

#[test]
fn ah_and_esp_ah_bundles_prepare() {
    let b = backend(8);
    for (n, (i, il)) in [
        (Integrity::HmacMd5_96, 16),
        (Integrity::HmacSha1_96, 20),
        (Integrity::HmacSha256_128, 32),
        (Integrity::AesGmac(AesKeySize::Aes128), 20),
        (Integrity::AesGmac(AesKeySize::Aes256), 36),
    ]
    .into_iter()
    .enumerate()
    {
        let s = spec(
            true,
            Bundle::Ah(sa(
                IpsecProtocol::Ah,
                0x2000 + n as u32,
                Encryption::Null,
                &[],
                i,
                &KEY[..il],
                false,
            )),
        );
        b.add(&s).unwrap();
    }
    let esp = sa(
        IpsecProtocol::Esp,
        0x3001,
        Encryption::AesCbc(AesKeySize::Aes128),
        &KEY[..16],
        Integrity::HmacSha1_96,
        &KEY[16..36],
        false,
    );
    let ah = sa(
        IpsecProtocol::Ah,
        0x3002,
        Encryption::Null,
        &[],
        Integrity::HmacSha256_128,
        &KEY[..32],
        true,
    );
    let h = b.add(&spec(true, Bundle::EspAh { esp, ah })).unwrap();
    let bundle = b.table().get(OffloadHandle::from(h)).unwrap();
    assert!(bundle.esp.is_some() && bundle.ah.is_some());
    for (spi, p) in [
        (0x3001, ipsecov2_satable::IpsecProtocol::Esp),
        (0x3002, ipsecov2_satable::IpsecProtocol::Ah),
    ] {
        let (found, _) = b
            .table()
            .get_inbound(&InboundKey::new(spi, IpAddress::v4([192, 0, 2, 2]), p))
            .unwrap();
        assert_eq!(found.get(), h.get());
    }
}

#[test]
fn confidentiality_only_esp_is_not_offered() {
    let b = backend(4);
    for (e, el) in [
        (Encryption::AesCbc(AesKeySize::Aes128), 16),
        (Encryption::TripleDesCbc, 24),
    ] {
        let s = spec(
            false,
            Bundle::Esp(sa(
                IpsecProtocol::Esp,
                0x4101,
                e,
                &KEY[..el],
                Integrity::None,
                &[],
                false,
            )),
        );
        assert_eq!(b.add(&s), Err(BackendError::Unsupported));
    }
    assert_eq!(b.table().len(), 0);
}

#[test]
fn weak_des_key_is_refused_with_no_trace() {
    let b = backend(4);
    let weak = [0x01u8; 8];
    let s = spec(
        false,
        Bundle::Esp(sa(
            IpsecProtocol::Esp,
            0x4001,
            Encryption::DesCbc,
            &weak,
            Integrity::HmacSha1_96,
            &KEY[..20],
            false,
        )),
    );
    assert_eq!(b.add(&s), Err(BackendError::BadKey));
    assert_eq!(b.table().len(), 0);
}

#[test]
fn full_table_and_duplicate_inbound_are_reported() {
    let b = backend(1);
    let gcm = Encryption::AesGcm {
        key: AesKeySize::Aes128,
        icv_len: 16,
    };
    let s = spec(
        true,
        Bundle::Esp(sa(
            IpsecProtocol::Esp,
            0x5001,
            gcm,
            &KEY[..20],
            Integrity::None,
            &[],
            false,
        )),
    );
    b.add(&s).unwrap();
    assert_eq!(b.add(&s), Err(BackendError::Full));
    let b = backend(4);
    b.add(&s).unwrap();
    assert_eq!(b.add(&s), Err(BackendError::DuplicateInbound));
    assert_eq!(b.table().len(), 1);
}

#[test]
fn update_sets_esn_high_bits_only_on_esn_sas() {
    let b = backend(4);
    let gcm = Encryption::AesGcm {
        key: AesKeySize::Aes256,
        icv_len: 16,
    };
    let esp = sa(
        IpsecProtocol::Esp,
        0x6001,
        gcm,
        &KEY[..36],
        Integrity::None,
        &[],
        true,
    );
    let ah = sa(
        IpsecProtocol::Ah,
        0x6002,
        Encryption::Null,
        &[],
        Integrity::HmacSha1_96,
        &KEY[..20],
        false,
    );
    let h = b
        .add(&spec(false, Bundle::EspAh { esp, ah }))
        .unwrap()
        .get();
    b.update_sequence_high(h, IpsecProtocol::Esp, 0x6001, 42)
        .unwrap();
    assert_eq!(
        b.table()
            .get(OffloadHandle::from_u64(h).unwrap())
            .unwrap()
            .esp
            .as_ref()
            .unwrap()
            .seq_high(),
        42
    );
    assert_eq!(
        b.update_sequence_high(h, IpsecProtocol::Ah, 0x6002, 1),
        Err(UpdateError::NotEsn)
    );
    assert_eq!(
        b.update_sequence_high(h, IpsecProtocol::Esp, 0x6002, 1),
        Err(UpdateError::NoSuchSa)
    );
    assert_eq!(
        b.update_sequence_high(h ^ (1 << 40), IpsecProtocol::Esp, 0x6001, 1),
        Err(UpdateError::UnknownHandle)
    );
    assert!(b.delete(h));
    assert_eq!(
        b.update_sequence_high(h, IpsecProtocol::Esp, 0x6001, 1),
        Err(UpdateError::UnknownHandle)
    );
    assert!(!b.delete(h));
}

#[test]
fn an_sa_in_use_outlives_its_delete() {
    let b = backend(4);
    let gcm = Encryption::AesGcm {
        key: AesKeySize::Aes128,
        icv_len: 16,
    };
    let s = spec(
        false,
        Bundle::Esp(sa(
            IpsecProtocol::Esp,
            0x7001,
            gcm,
            &KEY[..20],
            Integrity::None,
            &[],
            false,
        )),
    );
    let h = b.add(&s).unwrap();
    let in_flight = b.table().get(OffloadHandle::from(h)).unwrap();
    assert!(b.delete(h.get()));
    // The packet that looked it up before the delete still has a usable SA.
    let mut region = esp_region(&in_flight, 1, &[1, 2, 3, 4]);
    in_flight
        .esp
        .as_ref()
        .unwrap()
        .sa
        .seal(&mut region, 0)
        .unwrap();
    assert!(b.table().get(OffloadHandle::from(h)).is_none());
}

#[test]
fn an_sa_bundle_reports_its_size() {
    // The per-SA budget: the Arc allocation with every key schedule, for the largest bundle.
    let b = backend(1);
    let gcm = Encryption::AesGcm {
        key: AesKeySize::Aes128,
        icv_len: 16,
    };
    let h = b
        .add(&spec(
            false,
            Bundle::Esp(sa(
                IpsecProtocol::Esp,
                0x7101,
                gcm,
                &KEY[..20],
                Integrity::None,
                &[],
                false,
            )),
        ))
        .unwrap();
    let bytes = bytes_per_sa(&b.table().get(OffloadHandle::from(h)).unwrap());
    println!("bytes per offloaded SA (Arc + OffloadSa with engine state): {bytes}");
    assert!(bytes <= 1024, "{bytes} bytes per SA");
}

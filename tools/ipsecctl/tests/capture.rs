//! pcap/pcapng reader and writer: round trips, hand-made files, malformed input.
#![cfg(test)]

use ipsecctl::capture::{encode_pcapng, parse, CaptureError, Format, Packet, PcapWriter};

fn pkt(i: usize, len: usize) -> Packet {
    Packet {
        ts_sec: 1_600_000_000 + i as i64,
        ts_nsec: 123_456_789 - i as u32 * 1000,
        orig_len: len as u32 + (i % 2) as u32 * 10,
        link_type: 101,
        data: (0..len).map(|b| (b + i) as u8).collect(),
    }
}

#[test]
fn pcap_round_trip_all_byte_orders_and_precisions() {
    let packets: Vec<Packet> = (0..5).map(|i| pkt(i, 20 + i * 30)).collect();
    for big_endian in [false, true] {
        for nanosecond in [false, true] {
            let w = PcapWriter {
                big_endian,
                nanosecond,
                link_type: 101,
                snaplen: 65535,
            };
            let bytes = w.encode(&packets).unwrap();
            let c = parse(&bytes).unwrap();
            assert_eq!(c.format, Format::Pcap);
            assert_eq!(
                (c.big_endian, c.nanosecond, c.link_type, c.snaplen),
                (big_endian, nanosecond, 101, 65535)
            );
            assert_eq!(c.packets.len(), 5);
            for (a, b) in packets.iter().zip(&c.packets) {
                assert_eq!(a.data, b.data);
                assert_eq!(a.orig_len, b.orig_len);
                assert_eq!(a.ts_sec, b.ts_sec);
                let want = if nanosecond {
                    a.ts_nsec
                } else {
                    a.ts_nsec / 1000 * 1000
                };
                assert_eq!(b.ts_nsec, want);
            }
            // Writing what was read gives the same bytes.
            assert_eq!(
                PcapWriter::for_capture(&c).encode(&c.packets).unwrap(),
                bytes
            );
        }
    }
}

#[test]
fn hand_made_big_endian_microsecond_pcap() {
    let mut f = vec![
        0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0xdc, 0, 0, 0, 1,
    ];
    f.extend_from_slice(&[
        0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 60, 0xaa, 0xbb, 0xcc,
    ]);
    let c = parse(&f).unwrap();
    assert!(c.big_endian && !c.nanosecond);
    assert_eq!((c.link_type, c.snaplen), (1, 1500));
    assert_eq!(c.packets.len(), 1);
    let p = &c.packets[0];
    assert_eq!(
        (p.ts_sec, p.ts_nsec, p.orig_len, p.data.as_slice()),
        (10, 20_000, 60, &[0xaa, 0xbb, 0xcc][..])
    );
    // The snaplen grows to the largest packet when needed.
    let mut big = c.clone();
    big.packets[0].data = vec![0; 2000];
    let out = PcapWriter::for_capture(&big).encode(&big.packets).unwrap();
    assert_eq!(&out[16..20], &2000u32.to_be_bytes());
}

#[test]
fn pcapng_both_byte_orders_resolutions_and_interfaces() {
    let d1: &[u8] = &[0x45, 1, 2, 3, 4];
    let d2: &[u8] = &[0x60, 9, 9];
    for be in [false, true] {
        // Interface 0: default microseconds; interface 1: nanoseconds.
        let f = encode_pcapng(
            be,
            &[(101, None), (101, Some(9))],
            &[
                (0, 1_500_000_000_250_000, d1, 5),
                (1, 1_500_000_000_123_456_789, d2, 70),
            ],
        );
        let c = parse(&f).unwrap();
        assert_eq!(c.format, Format::PcapNg);
        assert!(c.nanosecond, "an interface with 10^-9 needs nanoseconds");
        assert_eq!(c.link_type, 101);
        assert_eq!(c.packets.len(), 2);
        assert_eq!(
            (c.packets[0].ts_sec, c.packets[0].ts_nsec),
            (1_500_000_000, 250_000_000)
        );
        assert_eq!(
            (c.packets[1].ts_sec, c.packets[1].ts_nsec),
            (1_500_000_000, 123_456_789)
        );
        assert_eq!(c.packets[0].data, d1);
        assert_eq!(c.packets[1].data, d2);
        assert_eq!(c.packets[1].orig_len, 70);
        // Written as pcap: little-endian, nanosecond magic, same packets.
        let out = PcapWriter::for_capture(&c).encode(&c.packets).unwrap();
        assert_eq!(&out[..4], &[0x4d, 0x3c, 0xb2, 0xa1]);
        assert_eq!(parse(&out).unwrap().packets, c.packets);
    }
    // Only microsecond (or coarser decimal) interfaces: microsecond pcap.
    let f = encode_pcapng(
        false,
        &[(1, Some(3)), (1, None)],
        &[(0, 1500, &[1], 1), (1, 7, &[2], 1)],
    );
    let c = parse(&f).unwrap();
    assert!(!c.nanosecond);
    assert_eq!(
        (c.packets[0].ts_sec, c.packets[0].ts_nsec),
        (1, 500_000_000)
    );
    assert_eq!((c.packets[1].ts_sec, c.packets[1].ts_nsec), (0, 7_000));
    // Binary resolution 2^-10: 1536 units = 1.5 s.
    let f = encode_pcapng(false, &[(1, Some(0x8a))], &[(0, 1536, &[1], 1)]);
    let c = parse(&f).unwrap();
    assert!(c.nanosecond);
    assert_eq!(
        (c.packets[0].ts_sec, c.packets[0].ts_nsec),
        (1, 500_000_000)
    );
}

fn block(be: bool, t: u32, body: &[u8]) -> Vec<u8> {
    let u = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
    let len = 12 + body.len() as u32;
    let mut b = Vec::new();
    b.extend_from_slice(&u(t));
    b.extend_from_slice(&u(len));
    b.extend_from_slice(body);
    b.extend_from_slice(&u(len));
    b
}

#[test]
fn pcapng_simple_obsolete_unknown_blocks_and_sections() {
    // Section 1, little-endian: IDB (snaplen 4), SPB, unknown block, OPB, ISB.
    let mut f = encode_pcapng(false, &[(228, None)], &[]);
    // Set the IDB snaplen to 4 (offset: SHB 28 bytes, IDB body starts at 28 + 8).
    f[28 + 8 + 4..28 + 8 + 8].copy_from_slice(&4u32.to_le_bytes());
    f.extend(block(false, 3, &[10, 0, 0, 0, 0x45, 1, 2, 3, 4, 5, 0, 0]));
    f.extend(block(false, 0x0bad_0bad, &[1, 2, 3, 4]));
    let mut opb = vec![0, 0, 0, 0];
    opb.extend_from_slice(&0u32.to_le_bytes());
    opb.extend_from_slice(&2_000_000u32.to_le_bytes());
    opb.extend_from_slice(&2u32.to_le_bytes());
    opb.extend_from_slice(&2u32.to_le_bytes());
    opb.extend_from_slice(&[0x45, 9, 0, 0]);
    f.extend(block(false, 2, &opb));
    f.extend(block(false, 5, &[0; 8]));
    // Section 2, big-endian, new interface numbering.
    f.extend(encode_pcapng(
        true,
        &[(228, None)],
        &[(0, 3_000_000, &[0x45, 7], 2)],
    ));
    let c = parse(&f).unwrap();
    assert_eq!(c.link_type, 228);
    assert_eq!(c.packets.len(), 3);
    // SPB: cut to the interface snaplen, no timestamp.
    assert_eq!(c.packets[0].data, vec![0x45, 1, 2, 3]);
    assert_eq!((c.packets[0].orig_len, c.packets[0].ts_sec), (10, 0));
    assert_eq!(c.packets[1].data, vec![0x45, 9]);
    assert_eq!(c.packets[1].ts_sec, 2);
    assert_eq!(c.packets[2].data, vec![0x45, 7]);
    assert_eq!(c.packets[2].ts_sec, 3);
}

#[test]
fn pcapng_tsoffset_and_mixed_link_types() {
    // IDB with if_tsoffset = 100 s.
    let mut idb = vec![1, 0, 0, 0, 0, 0, 0, 0];
    idb.extend_from_slice(&[14, 0, 8, 0]);
    idb.extend_from_slice(&100u64.to_le_bytes());
    idb.extend_from_slice(&[0, 0, 0, 0]);
    let mut f = encode_pcapng(false, &[], &[]);
    f.extend(block(false, 1, &idb));
    let epb = encode_pcapng(false, &[(1, None)], &[(0, 5_000_000, &[1, 2, 3, 4], 4)]);
    // Take the EPB from the second file (skip its SHB and IDB).
    f.extend_from_slice(&epb[28 + 20..]);
    let c = parse(&f).unwrap();
    assert_eq!(c.packets[0].ts_sec, 105);

    let f = encode_pcapng(
        false,
        &[(1, None), (101, None)],
        &[(0, 1, &[1], 1), (1, 2, &[2], 1)],
    );
    assert_eq!(parse(&f).unwrap_err(), CaptureError::MixedLinkTypes(1, 101));
    // An unused interface of another type is fine.
    let f = encode_pcapng(false, &[(1, None), (101, None)], &[(0, 1, &[1], 1)]);
    assert_eq!(parse(&f).unwrap().link_type, 1);
}

#[test]
fn malformed_pcap() {
    let good = PcapWriter {
        big_endian: false,
        nanosecond: false,
        link_type: 1,
        snaplen: 65535,
    }
    .encode(&[pkt(0, 40), pkt(1, 50)])
    .unwrap();
    assert_eq!(parse(&[]).unwrap_err(), CaptureError::TooShort);
    assert_eq!(parse(&good[..3]).unwrap_err(), CaptureError::TooShort);
    assert_eq!(parse(&good[..20]).unwrap_err(), CaptureError::TooShort);
    assert_eq!(
        parse(b"GIF89a......").unwrap_err(),
        CaptureError::UnknownMagic(0x4749_4638)
    );
    let mut v = good.clone();
    v[4] = 3;
    assert_eq!(parse(&v).unwrap_err(), CaptureError::Version(3, 4));
    let mut v = good.clone();
    v[20..24].copy_from_slice(&(1u32 | 1 << 26 | 4 << 28).to_le_bytes());
    assert_eq!(parse(&v).unwrap_err(), CaptureError::FcsPresent);
    assert_eq!(
        parse(&good[..24 + 10]).unwrap_err(),
        CaptureError::TruncatedRecordHeader {
            record: 1,
            offset: 24
        }
    );
    assert_eq!(
        parse(&good[..24 + 16 + 39]).unwrap_err(),
        CaptureError::TruncatedRecord {
            record: 1,
            offset: 40,
            claimed: 40,
            available: 39
        }
    );
    let mut v = good.clone();
    v[24 + 8..24 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = parse(&v).unwrap_err();
    assert!(
        matches!(
            e,
            CaptureError::TruncatedRecord {
                claimed: u32::MAX,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("claims 4294967295 bytes"), "{e}");
    let mut v = good.clone();
    v[24 + 4..24 + 8].copy_from_slice(&1_000_000u32.to_le_bytes());
    assert_eq!(
        parse(&v).unwrap_err(),
        CaptureError::BadTimestamp { record: 1 }
    );
    // A header alone is a valid empty capture.
    assert!(parse(&good[..24]).unwrap().packets.is_empty());
}

#[test]
fn malformed_pcapng() {
    let good = encode_pcapng(false, &[(1, Some(6))], &[(0, 1, &[1, 2, 3], 3)]);
    // Offsets: SHB 0..28, IDB 28..60 (with the tsresol option), EPB 60..
    assert_eq!(
        parse(&good[..6]).unwrap_err(),
        CaptureError::TruncatedBlockHeader { offset: 0 }
    );
    assert_eq!(
        parse(&good[..28 + 5]).unwrap_err(),
        CaptureError::TruncatedBlockHeader { offset: 28 }
    );
    let with_len = |at: usize, len: u32| {
        let mut v = good.clone();
        v[at + 4..at + 8].copy_from_slice(&len.to_le_bytes());
        v
    };
    for len in [0u32, 8, 13, 4096, u32::MAX] {
        let e = parse(&with_len(28, len)).unwrap_err();
        assert!(
            matches!(e, CaptureError::BadBlockLength { offset: 28, length, .. } if length == len),
            "{len}: {e}"
        );
    }
    assert_eq!(
        parse(&good[..good.len() - 4]).unwrap_err(),
        CaptureError::BadBlockLength {
            offset: 60,
            length: 36,
            available: 32
        }
    );
    let mut v = good.clone();
    let n = v.len();
    v[n - 4] ^= 4;
    assert_eq!(
        parse(&v).unwrap_err(),
        CaptureError::BlockLengthMismatch { offset: 60 }
    );
    let mut v = good.clone();
    v[8] = 0x99;
    assert_eq!(
        parse(&v).unwrap_err(),
        CaptureError::BadSectionHeader { offset: 0 }
    );
    let mut v = good.clone();
    v[12] = 2;
    assert_eq!(
        parse(&v).unwrap_err(),
        CaptureError::BadSectionHeader { offset: 0 }
    );
    // IDB with a body too short for its fixed fields.
    let mut v = good[..28].to_vec();
    v.extend(block(false, 1, &[1, 0, 0, 0]));
    assert_eq!(
        parse(&v).unwrap_err(),
        CaptureError::BlockTooShort {
            offset: 28,
            block_type: 1
        }
    );
    // EPB whose captured length exceeds the block.
    let mut v = good.clone();
    v[60 + 8 + 12..60 + 8 + 16].copy_from_slice(&1000u32.to_le_bytes());
    assert_eq!(
        parse(&v).unwrap_err(),
        CaptureError::PacketLength { offset: 60 }
    );
    // EPB for an interface that does not exist; SPB without interface.
    let mut v = good.clone();
    v[60 + 8] = 1;
    assert_eq!(
        parse(&v).unwrap_err(),
        CaptureError::UnknownInterface {
            offset: 60,
            interface: 1
        }
    );
    let mut v = good[..28].to_vec();
    v.extend(block(false, 3, &[1, 0, 0, 0, 9, 0, 0, 0]));
    assert_eq!(
        parse(&v).unwrap_err(),
        CaptureError::UnknownInterface {
            offset: 28,
            interface: 0
        }
    );
    // Option running past the block; tsresol of the wrong size; absurd resolutions.
    let opt = |o: &[u8]| {
        let mut body = vec![1, 0, 0, 0, 0, 0, 0, 0];
        body.extend_from_slice(o);
        let mut v = good[..28].to_vec();
        v.extend(block(false, 1, &body));
        parse(&v)
    };
    assert_eq!(
        opt(&[9, 0, 40, 0, 1, 2, 3, 4]).unwrap_err(),
        CaptureError::BadOption { offset: 28 }
    );
    assert_eq!(
        opt(&[9, 0, 2, 0, 6, 6, 0, 0]).unwrap_err(),
        CaptureError::BadOption { offset: 28 }
    );
    assert_eq!(
        opt(&[14, 0, 4, 0, 1, 2, 3, 4]).unwrap_err(),
        CaptureError::BadOption { offset: 28 }
    );
    assert_eq!(
        opt(&[9, 0, 0, 0]).unwrap_err(),
        CaptureError::BadOption { offset: 28 }
    );
    assert_eq!(
        opt(&[9, 0, 1, 0, 20, 0, 0, 0]).unwrap_err(),
        CaptureError::BadResolution {
            offset: 28,
            value: 20
        }
    );
    assert_eq!(
        opt(&[9, 0, 1, 0, 0xc0, 0, 0, 0]).unwrap_err(),
        CaptureError::BadResolution {
            offset: 28,
            value: 0xc0
        }
    );
    assert!(opt(&[9, 0, 1, 0, 19, 0, 0, 0]).is_ok());
    assert!(opt(&[9, 0, 1, 0, 0xbf, 0, 0, 0]).is_ok());
    // A timestamp offset that overflows.
    let mut body = vec![1, 0, 0, 0, 0, 0, 0, 0, 14, 0, 8, 0];
    body.extend_from_slice(&i64::MAX.to_le_bytes());
    let mut v = good[..28].to_vec();
    v.extend(block(false, 1, &body));
    let later = encode_pcapng(false, &[(1, Some(6))], &[(0, 5_000_000, &[1, 2, 3], 3)]);
    v.extend_from_slice(&later[60..]);
    let e = parse(&v).unwrap_err();
    assert!(matches!(e, CaptureError::TimestampOverflow { .. }), "{e}");
}

#[test]
fn write_errors() {
    let w = PcapWriter {
        big_endian: false,
        nanosecond: false,
        link_type: 1,
        snaplen: 100,
    };
    let mut p = pkt(0, 10);
    p.ts_sec = -1;
    assert!(w
        .encode(&[pkt(1, 1), p.clone()])
        .unwrap_err()
        .to_string()
        .contains("packet 2"));
    p.ts_sec = 1 << 32;
    assert!(w.encode(&[p]).is_err());
}

/// Deterministic pseudo-random bytes.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

#[test]
fn no_panic_on_truncations_and_corruptions() {
    let pcap = PcapWriter {
        big_endian: true,
        nanosecond: true,
        link_type: 1,
        snaplen: 65535,
    }
    .encode(&[pkt(0, 33), pkt(1, 64), pkt(2, 1)])
    .unwrap();
    let ng = encode_pcapng(
        true,
        &[(1, Some(9)), (1, Some(0x85))],
        &[(0, 99, &[1; 33], 33), (1, 1 << 40, &[2; 7], 9)],
    );
    let mut seed = 7u64;
    for file in [&pcap, &ng] {
        for n in 0..file.len() {
            let _ = parse(&file[..n]);
        }
        for _ in 0..5000 {
            let mut v = file.to_vec();
            for _ in 0..1 + lcg(&mut seed) % 4 {
                let at = (lcg(&mut seed) as usize) % v.len();
                v[at] = lcg(&mut seed) as u8;
            }
            if let Ok(c) = parse(&v) {
                // Whatever parses can be written.
                let _ = PcapWriter::for_capture(&c).encode(&c.packets);
            }
        }
    }
}

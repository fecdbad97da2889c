//! `receive`: input bytes → a chain of 1..8 received frames (raw bytes, valid protected frames
//! of the catalogue's SAs sealed by a matching outbound core, the same mutated or truncated,
//! transport over tunnel) with random MDL segmentation, through `FilterCore::receive` of a core
//! with the catalogue's SAs inbound.
//!
//! Input: `n`, segmentation, scratch size, seed (u64), then per frame a control byte and its
//! fields (see [`Frame::decode`]).
//!
//! Invariants: the chain is indicated whole (same count, same order); nothing outside a
//! NET_BUFFER's data changes; lengths never change; a frame with `CryptoDone` = 0 has both
//! IPsecOV2 slots cleared and is byte-for-byte unchanged, and so is every frame without
//! `HeaderInfoSet` (bytes are written back only after an ESP layer verified); `CryptoStatus`
//! is one of the `CRYPTO_*` codes (0 without `CryptoDone`); read-only and multi-NET_BUFFER
//! NBLs are never processed; an unmodified protected frame decrypts (`CRYPTO_SUCCESS`, the
//! framer's bytes back, its trailer in slot 12; transport over tunnel also `NextCryptoDone`);
//! the module counters add up (packets + failures + untouched + not processed = frames,
//! `CryptoDone` frames = packets + failures, successes = packets).

use ipsecov2_abi::*;
use ipsecov2_filter_core::DatapathCounters;
use ipsecov2_nbl::SystemVaMapper;
use ipsecov2_ndis_emu::tcpip::{self, Framed};
use ipsecov2_ndis_emu::{OwnedNblChain, SplitMix64};

use super::input::Input;
use super::world::{self, SAS};

const CRYPTO_CODES: [u16; 8] = [
    CRYPTO_SUCCESS,
    CRYPTO_GENERIC_ERROR,
    CRYPTO_TRANSPORT_AH_AUTH_FAILED,
    CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
    CRYPTO_TUNNEL_AH_AUTH_FAILED,
    CRYPTO_TUNNEL_ESP_AUTH_FAILED,
    CRYPTO_INVALID_PACKET_SYNTAX,
    CRYPTO_INVALID_PROTOCOL,
];

/// Scratch buffer sizes: a full jumbo frame, or small enough that most frames are left to
/// TCP/IP.
const BIG_SCRATCH: usize = 9216;
const SMALL_SCRATCH: usize = 200;

/// Frame kinds (low 2 bits of the control byte).
pub const RAW: u8 = 0;
pub const SEALED: u8 = 1;
pub const MUTATED: u8 = 2;
pub const TUNNEL: u8 = 3;
/// Control bits.
pub const EXTRAS: u8 = 0x04;
pub const STALE_SLOTS: u8 = 0x08;
pub const TUNNEL_MUTATE: u8 = 0x20;
pub const READ_ONLY: u8 = 0x40;
pub const TWO_NBS: u8 = 0x80;
pub const PADDING: u8 = 0xC0;

/// What the check expects of one frame.
#[derive(Debug)]
enum Expect {
    /// Anything the invariants allow.
    Any,
    /// Valid single-layer protection: decrypts to the framer's bytes.
    Decrypts { framed: Framed, padding: usize },
    /// Valid protection with a tunnel-mode next header: checked, nothing more.
    Checked,
    /// Valid transport over tunnel: both layers verify.
    BothLayers,
}

struct Frame {
    nbs: Vec<Vec<u8>>,
    nbl_flags: u32,
    stale: Option<(usize, usize)>,
    expect: Expect,
}

fn mutate(inp: &mut Input<'_>, f: &mut Vec<u8>) {
    let m = 1 + inp.below(4);
    for _ in 0..m {
        let op = inp.u8();
        let at = usize::from(inp.u16());
        if op.is_multiple_of(4) {
            f.truncate(at % (f.len() + 1));
        } else if !f.is_empty() {
            let i = at % f.len();
            f[i] ^= (op >> 2).max(1);
        }
    }
}

impl Frame {
    fn decode(inp: &mut Input<'_>, tx: &world::Core, out: &[u64], big_scratch: bool) -> Self {
        let ctl = inp.u8();
        let stale = (ctl & STALE_SLOTS != 0).then(|| {
            (
                usize::try_from(inp.u64()).unwrap_or(0),
                usize::try_from(inp.u64()).unwrap_or(0),
            )
        });
        let (mut frame, mut expect) = match ctl & 3 {
            RAW => {
                let len = usize::from(inp.u16()) % 4096;
                (inp.bytes(len).to_vec(), Expect::Any)
            }
            SEALED | MUTATED => {
                let sa = inp.below(SAS.len());
                let proto = inp.u8();
                let seq = inp.u32();
                let len = usize::from(inp.u16()) % 1600;
                let payload = inp.bytes(len);
                let f = world::framed(sa, ctl & EXTRAS != 0, seq, payload, proto);
                let mut sealed = if world::header_proto(proto) {
                    match world::try_seal(tx, &f, out[sa], 0) {
                        Some(p) => p,
                        None => f.frame.clone(),
                    }
                } else {
                    world::seal(tx, &f, out[sa], 0)
                };
                if ctl & 3 == MUTATED || world::header_proto(proto) {
                    mutate(inp, &mut sealed);
                    (sealed, Expect::Any)
                } else if proto == 4 || proto == 41 {
                    (sealed, Expect::Checked)
                } else {
                    (
                        sealed,
                        Expect::Decrypts {
                            framed: f,
                            padding: 0,
                        },
                    )
                }
            }
            _ => {
                let outer = inp.below(SAS.len());
                let inner = inp.below(SAS.len());
                let seq = inp.u32();
                let len = usize::from(inp.u16()) % 1400;
                let payload = inp.bytes(len);
                let f = world::framed_tunnel(outer, inner, seq, payload);
                let mut sealed = world::seal(tx, &f, out[inner], out[outer]);
                if ctl & TUNNEL_MUTATE != 0 {
                    mutate(inp, &mut sealed);
                    (sealed, Expect::Any)
                } else {
                    (sealed, Expect::BothLayers)
                }
            }
        };
        let mut nbl_flags = 0;
        let mut nbs = 1;
        match ctl & PADDING {
            READ_ONLY => nbl_flags = NDIS_NBL_FLAGS_RECV_READ_ONLY,
            TWO_NBS => nbs = 2,
            PADDING => {
                // Ethernet padding behind the datagram: not part of it.
                let n = inp.below(64);
                frame.extend_from_slice(inp.bytes(n));
                let pad = frame.len();
                if let Expect::Decrypts { padding, framed } = &mut expect {
                    *padding = pad - framed.frame.len();
                }
            }
            _ => {}
        }
        if nbl_flags != 0 || nbs != 1 || !big_scratch {
            expect = Expect::Any;
        }
        Self {
            nbs: vec![frame; nbs],
            nbl_flags,
            stale,
            expect,
        }
    }
}

/// Runs one input; panics when an invariant does not hold.
pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let n = 1 + inp.below(8);
    let seg = world::segmentation(inp.u8());
    let big_scratch = inp.u8() % 8 != 7;
    let mut rng = SplitMix64::new(inp.u64());
    let (tx, out, _) = world::sender(false);
    let (rx, _) = world::receiver();
    let frames: Vec<Frame> = (0..n)
        .map(|_| Frame::decode(&mut inp, &tx, &out, big_scratch))
        .collect();

    let specs: Vec<_> = frames
        .iter()
        .map(|f| {
            let mut s = world::nbl_spec(&mut rng, &f.nbs, &seg);
            s.nbl_flags = f.nbl_flags;
            if let Some((a, b)) = f.stale {
                s.info.push((IPsecOffloadV2NetBufferListInfo, a));
                s.info.push((IPsecOffloadV2HeaderNetBufferListInfo, b));
            }
            s
        })
        .collect();
    let mut owned = OwnedNblChain::build(&specs).unwrap();
    let ptrs: Vec<usize> = (0..n).map(|i| owned.nbl_ptr(i).unwrap() as usize).collect();
    let mut scratch = vec![
        0u8;
        if big_scratch {
            BIG_SCRATCH
        } else {
            SMALL_SCRATCH
        }
    ];
    {
        let mut chain = owned.chain();
        rx.receive(&mut chain, &SystemVaMapper, &mut scratch);
        assert_eq!(chain.count(), n, "the chain is indicated whole");
        let mut order = Vec::new();
        while let Some(one) = chain.pop_front() {
            order.push(one.as_raw() as usize);
        }
        assert_eq!(order, ptrs, "same NBLs, same order");
    }
    owned.relink();
    check(&rx, &owned, &frames);
}

fn check(rx: &world::Core, owned: &OwnedNblChain, frames: &[Frame]) {
    let c = &rx.counters;
    let (mut done, mut ok, mut delete) = (0u64, 0u64, 0u64);
    for (i, f) in frames.iter().enumerate() {
        let v = tcpip::recv_view(owned, i);
        let slot1 = owned.info(i, IPsecOffloadV2NetBufferListInfo).unwrap();
        let slot12 = owned
            .info(i, IPsecOffloadV2HeaderNetBufferListInfo)
            .unwrap();
        let got: Vec<Vec<u8>> = (0..f.nbs.len())
            .map(|j| {
                assert!(
                    owned.outside_data_intact(i, j).unwrap(),
                    "frame {i}: bytes outside the NET_BUFFER data changed"
                );
                owned.read_nb(i, j).unwrap()
            })
            .collect();
        for (g, o) in got.iter().zip(&f.nbs) {
            assert_eq!(g.len(), o.len(), "frame {i}: length changed");
        }
        assert!(
            CRYPTO_CODES.contains(&v.status),
            "frame {i}: CryptoStatus {} is no CRYPTO_* code",
            v.status
        );
        if v.crypto_done {
            done += 1;
            ok += u64::from(v.status == CRYPTO_SUCCESS);
            delete += u64::from(v.delete_req);
            assert!(
                f.nbl_flags & NDIS_NBL_FLAGS_RECV_READ_ONLY == 0 && f.nbs.len() == 1,
                "frame {i}: a read-only or multi-NET_BUFFER NBL was processed"
            );
        } else {
            assert_eq!(slot1, 0, "frame {i}: slot 1 not cleared without CryptoDone");
            assert_eq!(
                slot12, 0,
                "frame {i}: slot 12 not cleared without CryptoDone"
            );
        }
        if !v.crypto_done || !v.header_set {
            assert_eq!(
                got, f.nbs,
                "frame {i}: bytes changed without a decrypted ESP layer"
            );
        }
        match &f.expect {
            Expect::Any => {}
            Expect::Checked => assert!(v.crypto_done, "frame {i}: valid protection not checked"),
            Expect::BothLayers => {
                assert!(
                    v.crypto_done && v.status == CRYPTO_SUCCESS && v.next_crypto_done,
                    "frame {i}: valid transport over tunnel: {v:?}"
                );
            }
            Expect::Decrypts { framed, padding } => {
                assert!(
                    v.crypto_done && v.status == CRYPTO_SUCCESS && !v.next_crypto_done,
                    "frame {i}: valid protection did not verify: {v:?}"
                );
                let g = &got[0];
                let body = &g[..g.len() - padding];
                assert_eq!(
                    tcpip::masked(body, &framed.written),
                    tcpip::masked(&framed.frame, &framed.written),
                    "frame {i}: decrypted bytes differ from what was sealed"
                );
                assert_eq!(&g[g.len() - padding..], &f.nbs[0][g.len() - padding..]);
                match framed.trailer {
                    Some((nh, pad)) => assert!(
                        v.header_set && v.next_header == nh && v.pad == pad,
                        "frame {i}: slot 12 {v:?} against trailer {nh}/{pad}"
                    ),
                    None => assert!(!v.header_set, "frame {i}: AH-only with HeaderInfoSet"),
                }
            }
        }
    }
    let n = frames.len() as u64;
    let packets = DatapathCounters::get(&c.recv_packets);
    let failures: u64 = c.recv_failures.iter().map(DatapathCounters::get).sum();
    let untouched = DatapathCounters::get(&c.recv_untouched);
    let not_processed = DatapathCounters::get(&c.recv_not_processed);
    assert_eq!(
        packets + failures + untouched + not_processed,
        n,
        "counters: {packets} packets + {failures} failures + {untouched} untouched + \
         {not_processed} not processed != {n} frames"
    );
    assert_eq!(packets + failures, done, "counters: CryptoDone frames");
    assert_eq!(packets, ok, "counters: CRYPTO_SUCCESS frames");
    assert_eq!(
        DatapathCounters::get(&c.recv_delete_requests),
        delete,
        "counters: SaDeleteReq"
    );
}

// ---------------------------------------------------------------------------------------------
// Seeds.
// ---------------------------------------------------------------------------------------------

/// Input header: `n` frames, segmentation, big scratch, seed.
fn header(n: usize, seg: u8, seed: u64) -> Vec<u8> {
    let mut v = vec![(n - 1) as u8, seg, 0];
    v.extend_from_slice(&seed.to_le_bytes());
    v
}

fn sealed(ctl: u8, sa: usize, proto: u8, seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![ctl, sa as u8, proto];
    v.extend_from_slice(&seq.to_le_bytes());
    v.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    v.extend_from_slice(payload);
    v
}

fn tunnel(ctl: u8, outer: usize, inner: usize, seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![ctl | TUNNEL, outer as u8, inner as u8];
    v.extend_from_slice(&seq.to_le_bytes());
    v.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    v.extend_from_slice(payload);
    v
}

fn raw(frame: &[u8]) -> Vec<u8> {
    let mut v = vec![RAW];
    v.extend_from_slice(&(frame.len() as u16).to_le_bytes());
    v.extend_from_slice(frame);
    v
}

/// The seed corpus: every catalogue SA sealed (with and without IP options, as one chain),
/// truncations and flips, transport over tunnel, read-only / two-NET_BUFFER / padded /
/// stale-slot NBLs, raw frames (the protected frames themselves as raw input).
pub fn seeds() -> Vec<Vec<u8>> {
    let payload: Vec<u8> = (0..48u8).collect();
    let mut out = Vec::new();
    for (sa, def) in SAS.iter().enumerate() {
        for extras in [0, EXTRAS] {
            let mut v = header(2, sa as u8, sa as u64);
            v.extend(sealed(SEALED | extras, sa, 6, 1, &payload));
            v.extend(sealed(SEALED | extras, sa, 17, 2, &payload[..7]));
            out.push(v);
        }
        // Truncations at several points, and flips.
        let mut v = header(4, 0, 100 + sa as u64);
        for (k, at) in [14u16, 30, 60, 90].iter().enumerate() {
            v.extend(sealed(MUTATED, sa, 6, k as u32, &payload));
            v.extend_from_slice(&[0, 0]); // one mutation: truncate
            v.extend_from_slice(&at.to_le_bytes());
        }
        out.push(v);
        let mut v = header(2, 1, 200 + sa as u64);
        v.extend(sealed(MUTATED, sa, 6, 9, &payload));
        v.extend_from_slice(&[0, 0x05]);
        v.extend_from_slice(&70u16.to_le_bytes());
        v.extend(sealed(SEALED | PADDING, sa, 6, 10, &payload));
        v.extend_from_slice(&[6, 0, 0, 0, 0, 0, 0]);
        out.push(v);
        // Tunnel mode (next header IPv4 / IPv6 of a garbage inner packet).
        let mut v = header(1, 2, 300 + sa as u64);
        v.extend(sealed(SEALED, sa, if def.v6 { 41 } else { 4 }, 3, &payload));
        out.push(v);
    }
    for (outer, inner) in [
        (0, 1),
        (0, 3),
        (5, 0),
        (4, 1),
        (6, 2),
        (0, 6),
        (8, 9),
        (3, 0),
    ] {
        let mut v = header(1, 0, 400 + outer as u64);
        v.extend(tunnel(0, outer, inner, 5, &payload));
        out.push(v);
    }
    // Read-only, two NET_BUFFERs, stale slots, small scratch.
    let mut v = header(3, 0, 500);
    v.extend(sealed(SEALED | READ_ONLY, 0, 6, 1, &payload));
    v.extend(sealed(SEALED | TWO_NBS, 1, 6, 1, &payload));
    let mut s = sealed(SEALED | STALE_SLOTS, 2, 6, 1, &payload);
    s.splice(1..1, [0xffu8; 16]);
    v.extend(s);
    out.push(v);
    let mut v = header(1, 0, 501);
    v[2] = 7;
    v.extend(sealed(SEALED, 0, 6, 1, &payload));
    out.push(v);
    // Raw frames: the protected frames themselves, and not-IP / short ones.
    let (tx, handles, _) = world::sender(false);
    for sa in [0, 3, 5, 8] {
        let f = world::framed(sa, false, 1, &payload, 6);
        let p = world::seal(&tx, &f, handles[sa], 0);
        let mut v = header(1, 3, 600 + sa as u64);
        v.extend(raw(&p));
        out.push(v);
    }
    let mut v = header(2, 0, 700);
    v.extend(raw(&[0u8; 10]));
    v.extend(raw(&[
        0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x81, 0, 0, 1, 0x08, 0, 0x45,
    ]));
    out.push(v);
    out
}

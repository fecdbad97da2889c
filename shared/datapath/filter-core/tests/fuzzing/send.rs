//! `send`: input bytes → a chain of 1..8 NBLs with arbitrary slot 1 / 11 / 12 values (valid
//! handles of outbound SAs, handles of inbound SAs, garbage), arbitrary or validly framed
//! frames, 1..3 NET_BUFFERs, random MDL layouts (sometimes malformed), LSO information,
//! through `FilterCore::send` with a `HostTxPool` (sometimes too small or too few buffers) and
//! a recording `SendSink`.
//!
//! Invariants: every NBL is reported exactly once, in chain order; passed down exactly when
//! both handles are 0, with slots 1 / 11 / 12 cleared; a completed NBL's `Status` is the
//! status reported, which is its `SendDrop`'s; LSO with IPsec is refused; a protected NBL has
//! one copy per NET_BUFFER of the same length; TCP/IP's memory (data, backfill, slack) is
//! never modified; every pool buffer is back after the sink is gone; the counters add up
//! (passed + protected + drops = NBLs, per reason, packets = staged copies); a validly framed
//! NBL is protected (unless the pool cannot hold it) and every copy decrypts on a matching
//! inbound core to the framer's bytes.

use ipsecov2_abi::*;
use ipsecov2_filter_core::{DatapathCounters, HostTxPool, SendDrop};
use ipsecov2_nbl::SystemVaMapper;
use ipsecov2_ndis_emu::tcpip::{self, Framed};
use ipsecov2_ndis_emu::{OwnedNblChain, SplitMix64};

use super::input::Input;
use super::world::{self, Recorder, Sent, SAS};

/// NBL kinds (low 3 bits of the control byte).
pub const RAW: u8 = 0;
pub const FRAMED: u8 = 2;
pub const FRAMED_ANY_SLOTS: u8 = 5;
pub const TUNNEL: u8 = 6;
pub const RAW_VALID_HANDLE: u8 = 7;
/// Control bits.
pub const LSO: u8 = 0x08;
pub const MALFORM: u8 = 0x10;
pub const EXTRAS: u8 = 0x20;

/// What a validly framed copy does on the matching inbound core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// Verifies and decrypts to the framer's bytes.
    Exact,
    /// A tunnel-mode next header over arbitrary inner bytes: checked (the inner bytes may
    /// look like IPsec of another SA and fail).
    Checked,
    /// Transport over tunnel: both layers verify.
    BothLayers,
}

struct Nbl {
    frames: Vec<Vec<u8>>,
    handle: u64,
    tunnel: u64,
    header: u32,
    lso: usize,
    malform: Option<(u8, u8)>,
    /// Validly framed: the framer's output for each NET_BUFFER and what its copy must do on
    /// the inbound core.
    valid: Option<Vec<(Framed, Want)>>,
}

fn slot(inp: &mut Input<'_>, choice: u8, out: &[u64], inb: &[u64]) -> u64 {
    match choice % 4 {
        0 => 0,
        1 => out[inp.below(out.len())],
        2 => inb[inp.below(inb.len())],
        _ => inp.u64(),
    }
}

impl Nbl {
    fn decode(inp: &mut Input<'_>, out: &[u64], inb: &[u64]) -> Self {
        let ctl = inp.u8();
        let nbs = 1 + inp.below(3);
        let extras = ctl & EXTRAS != 0;
        let mut n = Self {
            frames: Vec::new(),
            handle: 0,
            tunnel: 0,
            header: 0,
            lso: 0,
            malform: None,
            valid: None,
        };
        match ctl & 7 {
            FRAMED..=4 | FRAMED_ANY_SLOTS => {
                let sa = inp.below(SAS.len());
                let mut fs = Vec::new();
                let mut valid = true;
                for k in 0..nbs {
                    let proto = inp.u8();
                    let len = usize::from(inp.u16()) % 1600;
                    let f = world::framed(sa, extras, k as u32 + 1, inp.bytes(len), proto);
                    n.frames.push(f.frame.clone());
                    valid &= !world::header_proto(proto);
                    let want = if proto == 4 || proto == 41 {
                        Want::Checked
                    } else {
                        Want::Exact
                    };
                    fs.push((f, want));
                }
                n.header = fs[0].0.header_info;
                if ctl & 7 == FRAMED_ANY_SLOTS {
                    let s = inp.u8();
                    n.handle = slot(inp, s, out, inb);
                    n.tunnel = slot(inp, s >> 2, out, inb);
                    if s & 0x10 != 0 {
                        n.header = inp.u32();
                    }
                } else {
                    n.handle = out[sa];
                    // Slot 12 is per NBL: valid only when every NET_BUFFER's trailer agrees.
                    if valid && fs.iter().all(|(f, _)| f.header_info == n.header) {
                        n.valid = Some(fs);
                    }
                }
            }
            TUNNEL => {
                let outer = inp.below(SAS.len());
                let inner = inp.below(SAS.len());
                let mut fs = Vec::new();
                for k in 0..nbs {
                    let len = usize::from(inp.u16()) % 1400;
                    let f = world::framed_tunnel(outer, inner, k as u32 + 1, inp.bytes(len));
                    n.frames.push(f.frame.clone());
                    fs.push((f, Want::BothLayers));
                }
                n.header = fs[0].0.header_info;
                n.handle = out[inner];
                n.tunnel = out[outer];
                if fs.iter().all(|(f, _)| f.header_info == n.header) {
                    n.valid = Some(fs);
                }
            }
            kind => {
                for _ in 0..nbs {
                    let len = usize::from(inp.u16()) % 2048;
                    n.frames.push(inp.bytes(len).to_vec());
                }
                let s = inp.u8();
                if kind == RAW_VALID_HANDLE {
                    n.handle = out[inp.below(out.len())];
                } else {
                    n.handle = slot(inp, s, out, inb);
                    n.tunnel = slot(inp, s >> 2, out, inb);
                }
                n.header = inp.u32();
            }
        }
        if ctl & LSO != 0 {
            n.lso = usize::from(inp.u16()) | 1;
            n.valid = None;
        }
        if ctl & MALFORM != 0 {
            n.malform = Some((inp.u8(), inp.u8()));
            n.valid = None;
        }
        n
    }
}

/// Runs one input; panics when an invariant does not hold.
pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let n = 1 + inp.below(8);
    let seg = world::segmentation(inp.u8());
    let p = inp.u8();
    let pool_count = usize::from(p % 16);
    let capacity = [9216, 4096, 1500, 100][usize::from(p >> 4) % 4];
    let mut rng = SplitMix64::new(inp.u64());
    let (tx, out, inb) = world::sender(true);
    let nbls: Vec<Nbl> = (0..n).map(|_| Nbl::decode(&mut inp, &out, &inb)).collect();

    let specs: Vec<_> = nbls
        .iter()
        .map(|b| {
            let mut s = world::nbl_spec(&mut rng, &b.frames, &seg);
            for (id, v) in [
                (IPsecOffloadV2NetBufferListInfo, b.handle as usize),
                (IPsecOffloadV2TunnelNetBufferListInfo, b.tunnel as usize),
                (IPsecOffloadV2HeaderNetBufferListInfo, b.header as usize),
                (TcpLargeSendNetBufferListInfo, b.lso),
            ] {
                if v != 0 {
                    s.info.push((id, v));
                }
            }
            s
        })
        .collect();
    let mut owned = OwnedNblChain::build(&specs).unwrap();
    for (i, b) in nbls.iter().enumerate() {
        if let Some((what, at)) = b.malform {
            let j = usize::from(at) % b.frames.len();
            let mdls = owned.mdl_count(i, j).unwrap().max(1);
            let len = u32::try_from(b.frames[j].len()).unwrap();
            let _ = match what % 4 {
                0 => owned.set_data_length(i, j, len.saturating_add(u32::from(at) + 1)),
                1 => owned.unmap_mdl(i, j, usize::from(what >> 2) % mdls),
                2 => owned.truncate_mdl_chain(i, j, usize::from(at) % mdls),
                _ => owned.set_current_mdl_offset(i, j, 0x10_0000),
            };
        }
    }
    let ptrs: Vec<usize> = (0..n).map(|i| owned.nbl_ptr(i).unwrap() as usize).collect();
    let before: Vec<Vec<Vec<u8>>> = nbls
        .iter()
        .enumerate()
        .map(|(i, b)| {
            (0..b.frames.len())
                .map(|j| owned.raw_bytes(i, j).unwrap())
                .collect()
        })
        .collect();
    let pool = HostTxPool::new(pool_count, capacity);
    let mut sink = Recorder::default();
    tx.send(owned.chain(), &SystemVaMapper, &pool, &mut sink);
    assert!(
        sink.errors.is_empty(),
        "send sink contract: {:?}",
        sink.errors
    );
    owned.relink();

    let order: Vec<usize> = sink.events.iter().map(|(p, _)| *p).collect();
    assert_eq!(order, ptrs, "every NBL reported exactly once, in order");
    assert!(sink.staged.is_empty(), "copies left staged after the chain");
    let stages = sink.stages;
    let events: Vec<Sent> = sink.events.drain(..).map(|(_, s)| s).collect();
    drop(sink);
    assert_eq!(
        pool.free_count(),
        pool.count(),
        "a pool buffer was not returned"
    );

    let statuses: Vec<NDIS_STATUS> = {
        let mut chain = owned.chain();
        let mut cursor = chain.cursor();
        let mut v = Vec::new();
        while let Some(nbl) = cursor.next_nbl() {
            v.push(nbl.status());
        }
        v
    };
    assert_eq!(statuses.len(), n);
    let c = &tx.counters;
    let mut drops = [0u64; SendDrop::BUCKETS];
    let (mut passed, mut protected) = (0u64, 0u64);
    let (rx, _) = world::receiver();
    for (i, (b, e)) in nbls.iter().zip(&events).enumerate() {
        for (j, raw) in before[i].iter().enumerate() {
            assert_eq!(
                &owned.raw_bytes(i, j).unwrap(),
                raw,
                "NBL {i}: TCP/IP's memory of NET_BUFFER {j} changed"
            );
        }
        let nbl_status = statuses[i];
        let info = |id| owned.info(i, id).unwrap();
        if b.lso != 0 && (b.handle != 0 || b.tunnel != 0) {
            assert!(
                matches!(e, Sent::Completed(_, SendDrop::LsoNotSupported)),
                "NBL {i}: LSO with IPsec: {e:?}"
            );
        }
        match e {
            Sent::Passed => {
                passed += 1;
                assert!(
                    b.handle == 0 && b.tunnel == 0,
                    "NBL {i}: passed down with handles {:#x}/{:#x}",
                    b.handle,
                    b.tunnel
                );
                for id in [
                    IPsecOffloadV2NetBufferListInfo,
                    IPsecOffloadV2TunnelNetBufferListInfo,
                    IPsecOffloadV2HeaderNetBufferListInfo,
                ] {
                    assert_eq!(info(id), 0, "NBL {i}: slot {id} not cleared");
                }
                assert_eq!(nbl_status, 0, "NBL {i}: Status set on a passed NBL");
            }
            Sent::Protected(copies) => {
                protected += 1;
                assert!(
                    b.handle != 0 || b.tunnel != 0,
                    "NBL {i}: protected without handles"
                );
                assert_eq!(
                    copies.len(),
                    b.frames.len(),
                    "NBL {i}: one copy per NET_BUFFER"
                );
                if b.malform.is_none() {
                    for (cp, f) in copies.iter().zip(&b.frames) {
                        assert_eq!(cp.len(), f.len(), "NBL {i}: copy length");
                    }
                }
                assert_eq!(nbl_status, 0, "NBL {i}: Status set on a protected NBL");
                if let Some(fs) = &b.valid {
                    decrypts(&rx, i, copies, fs);
                }
            }
            Sent::Completed(status, reason) => {
                drops[reason.bucket()] += 1;
                assert_eq!(
                    *status,
                    reason.ndis_status(),
                    "NBL {i}: status of {reason:?}"
                );
                assert_eq!(nbl_status, *status, "NBL {i}: Status field");
                assert!(
                    b.handle != 0 || b.tunnel != 0,
                    "NBL {i}: completed without handles"
                );
                if b.valid.is_some() {
                    assert_eq!(
                        *reason,
                        SendDrop::PoolExhausted,
                        "NBL {i}: validly framed NBL refused"
                    );
                }
            }
        }
    }
    assert_eq!(
        DatapathCounters::get(&c.send_passed),
        passed,
        "counters: passed"
    );
    assert_eq!(
        DatapathCounters::get(&c.send_protected_nbls),
        protected,
        "counters: protected"
    );
    for (k, d) in drops.iter().enumerate() {
        assert_eq!(
            DatapathCounters::get(&c.send_drops[k]),
            *d,
            "counters: drops of {}",
            SendDrop::bucket_name(k)
        );
    }
    assert_eq!(
        DatapathCounters::get(&c.send_packets),
        stages as u64,
        "counters: packets = copies staged"
    );
}

/// Every protected copy of a validly framed NBL verifies on the inbound core and decrypts to
/// what the framer produced (except the fields the engine writes).
fn decrypts(rx: &world::Core, i: usize, copies: &[Vec<u8>], fs: &[(Framed, Want)]) {
    let mut rng = SplitMix64::new(i as u64);
    let specs: Vec<_> = copies
        .iter()
        .map(|c| tcpip::recv_nbl(&mut rng, c, 0))
        .collect();
    let mut owned = OwnedNblChain::build(&specs).unwrap();
    let mut scratch = vec![0u8; 9216];
    rx.receive(&mut owned.chain(), &SystemVaMapper, &mut scratch);
    for (k, (f, want)) in fs.iter().enumerate() {
        let v = tcpip::recv_view(&owned, k);
        assert!(
            v.crypto_done,
            "NBL {i} copy {k}: not checked on the inbound core: {v:?}"
        );
        if *want == Want::Checked {
            continue;
        }
        assert!(
            v.status == CRYPTO_SUCCESS && v.next_crypto_done == (*want == Want::BothLayers),
            "NBL {i} copy {k}: does not verify on the inbound core: {v:?}"
        );
        let got = owned.read_nb(k, 0).unwrap();
        if *want == Want::Exact {
            assert_eq!(
                tcpip::masked(&got, &f.written),
                tcpip::masked(&f.frame, &f.written),
                "NBL {i} copy {k}: decrypts to other bytes"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Seeds.
// ---------------------------------------------------------------------------------------------

fn header(n: usize, seg: u8, pool: u8, seed: u64) -> Vec<u8> {
    let mut v = vec![(n - 1) as u8, seg, pool];
    v.extend_from_slice(&seed.to_le_bytes());
    v
}

fn framed(ctl: u8, nbs: usize, sa: usize, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![ctl, (nbs - 1) as u8, sa as u8];
    for _ in 0..nbs {
        v.push(6);
        v.extend_from_slice(&(payload.len() as u16).to_le_bytes());
        v.extend_from_slice(payload);
    }
    v
}

/// The seed corpus: every catalogue SA validly framed (1-3 NET_BUFFERs, with IP options),
/// transport over tunnel, wrong / garbage / inbound handles, slot 12 mismatches, LSO,
/// malformed MDL chains, raw frames, pool exhaustion.
pub fn seeds() -> Vec<Vec<u8>> {
    let payload: Vec<u8> = (0..40u8).collect();
    let mut out = Vec::new();
    for sa in 0..SAS.len() {
        let mut v = header(3, sa as u8, 0x0f, sa as u64);
        v.extend(framed(FRAMED, 1, sa, &payload));
        v.extend(framed(FRAMED | EXTRAS, 2, sa, &payload));
        v.extend(framed(FRAMED, 3, sa, &payload[..3]));
        out.push(v);
        // Any slots: an inbound handle, garbage, a slot 12 mismatch.
        let mut v = header(3, 1, 0x0f, 50 + sa as u64);
        let mut f = framed(FRAMED_ANY_SLOTS, 1, sa, &payload);
        f.extend_from_slice(&[0x02, 0]);
        v.extend(f);
        let mut f = framed(FRAMED_ANY_SLOTS, 1, sa, &payload);
        f.push(0x03);
        f.extend_from_slice(&0x1234_5678_9abc_def0u64.to_le_bytes());
        v.extend(f);
        let mut f = framed(FRAMED_ANY_SLOTS, 1, sa, &payload);
        f.extend_from_slice(&[0x11, (sa as u8 + 1) % 10]);
        f.extend_from_slice(&0x0000_0606u32.to_le_bytes());
        v.extend(f);
        out.push(v);
    }
    for (outer, inner) in [(0, 1), (0, 3), (5, 0), (4, 1), (6, 2), (8, 9), (3, 0)] {
        let mut v = header(1, 0, 0x0f, 100 + outer as u64);
        v.extend_from_slice(&[TUNNEL, 1, outer as u8, inner as u8]);
        for _ in 0..2 {
            v.extend_from_slice(&(payload.len() as u16).to_le_bytes());
            v.extend_from_slice(&payload);
        }
        out.push(v);
    }
    // LSO, malformed chains, pool exhaustion, a too-small pool.
    let mut v = header(4, 0, 0x0f, 200);
    let mut f = framed(FRAMED | LSO, 1, 0, &payload);
    f.extend_from_slice(&[0x40, 0]);
    v.extend(f);
    for m in 0..3u8 {
        let mut f = framed(FRAMED | MALFORM, 1, 1, &payload);
        f.extend_from_slice(&[m | 0x0c, 3]);
        v.extend(f);
    }
    out.push(v);
    let mut v = header(3, 0, 0x01, 201);
    for _ in 0..3 {
        v.extend(framed(FRAMED, 1, 0, &payload));
    }
    out.push(v);
    let mut v = header(1, 0, 0x3f, 202);
    v.extend(framed(FRAMED, 1, 0, &payload));
    out.push(v);
    // Raw frames: passed down, garbage handles, a valid handle over garbage.
    let mut v = header(3, 2, 0x0f, 300);
    for (kind, s) in [(RAW, 0u8), (RAW, 1), (RAW_VALID_HANDLE, 0)] {
        v.extend_from_slice(&[kind, 0]);
        v.extend_from_slice(&(payload.len() as u16).to_le_bytes());
        v.extend_from_slice(&payload);
        v.push(s);
        if kind == RAW_VALID_HANDLE || s == 1 {
            v.push(0);
        }
        v.extend_from_slice(&0u32.to_le_bytes());
    }
    out.push(v);
    out
}

//! The send and receive paths allocate nothing per packet (a counting global allocator), for
//! ESP, AH, ESP+AH, UDP-ESP and transport over tunnel, successes and failures; and neither does
//! the module layer around them (gating, send completion, receive, return).
#![cfg(test)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::*;
use ipsecov2_abi::*;
use ipsecov2_filter_core::module::{
    HostModule, ModuleConfig, NdisPort, OidRequest, Reclaimed, StatusIndication,
};
use ipsecov2_filter_core::state::PauseStart;
use ipsecov2_filter_core::{
    CapabilityConfig, HostTxBuffer, HostTxPool, OffloadEnable, SendDrop, SendSink, TxBuffer,
};
use ipsecov2_nbl::{NblChain, SystemVaMapper};
use ipsecov2_ndis_emu::{NblSpec, OwnedNblChain, SplitMix64};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

/// A sink that copies protected packets into preallocated storage.
struct FixedSink {
    out: Vec<Vec<u8>>,
    n: usize,
    completed: usize,
}

impl<'a> SendSink<'a, HostTxBuffer> for FixedSink {
    fn pass_down(&mut self, _nbl: NblChain<'a>) {}
    fn stage(&mut self, packet: HostTxBuffer) {
        let dst = &mut self.out[self.n];
        dst.clear();
        dst.extend_from_slice(packet.bytes());
        self.n += 1;
    }
    fn protected(&mut self, _original: NblChain<'a>) {}
    fn complete(&mut self, _original: NblChain<'a>, _status: NDIS_STATUS, _reason: SendDrop) {
        self.completed += 1;
    }
}

#[test]
fn zero_allocations_per_packet() {
    let mut rng = SplitMix64::new(30);
    let esps = esp_algs();
    let ahs = ah_algs();
    let tx = core();
    let rx = core();
    let mut specs: Vec<NblSpec> = Vec::new();
    let mut n = 0u32;
    for (i, e) in esps.iter().enumerate() {
        for (a, udp) in [
            (None, false),
            (Some(&ahs[i % ahs.len()]), false),
            (None, true),
        ] {
            let v6 = i % 2 == 1;
            let (se, sa) = (0x1000 + n, 0x2000 + n);
            n += 1;
            let u = if udp {
                IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT
            } else {
                0
            };
            let h = add(
                &tx,
                &bundle(BundleSpec {
                    esp: Some((e, se)),
                    ah: a.map(|a| (a, sa)),
                    v6,
                    esn: true,
                    udp: u,
                    ..BundleSpec::default()
                }),
            );
            add(
                &rx,
                &bundle(BundleSpec {
                    esp: Some((e, se)),
                    ah: a.map(|a| (a, sa)),
                    v6,
                    inbound: true,
                    esn: true,
                    udp: u,
                }),
            );
            let f = frame(
                &Ip { v6, extras: true },
                &Layer {
                    esp: Some((e.shape, se)),
                    ah: a.map(|a| (a.shape, sa)),
                    udp,
                },
                1,
                &rng.bytes(100),
                6,
            );
            specs.push(send_nbl(&mut rng, &[&f.frame], h, 0, f.header_info));
        }
    }
    // Transport over tunnel.
    let (t, p) = (&esps[2], &esps[22]);
    let th = add(&tx, &bundle(BundleSpec::esp(t, 0x9000)));
    let ph = add(&tx, &bundle(BundleSpec::esp(p, 0x9001).v6()));
    add(&rx, &bundle(BundleSpec::esp(t, 0x9000).inbound()));
    add(&rx, &bundle(BundleSpec::esp(p, 0x9001).v6().inbound()));
    let f = frame_tunnel(
        &Ip {
            v6: false,
            extras: false,
        },
        &Layer {
            esp: Some((t.shape, 0x9000)),
            ah: None,
            udp: false,
        },
        &Ip {
            v6: true,
            extras: false,
        },
        &Layer {
            esp: Some((p.shape, 0x9001)),
            ah: None,
            udp: false,
        },
        3,
        &rng.bytes(50),
    );
    specs.push(send_nbl(&mut rng, &[&f.frame], ph, th, f.header_info));
    // An unknown handle.
    specs.push(send_nbl(&mut rng, &[&f.frame], 0x77, 0, f.header_info));
    let count = specs.len();

    // The counter does count.
    let b = allocs();
    let probe = std::hint::black_box(Box::new(1u8));
    assert!(allocs() > b && *probe == 1);

    let pool = HostTxPool::new(4, 2048);
    let mut owned = OwnedNblChain::build(&specs).unwrap();
    let mut sink = FixedSink {
        out: (0..count).map(|_| Vec::with_capacity(2048)).collect(),
        n: 0,
        completed: 0,
    };
    let before = allocs();
    tx.send(owned.chain(), &SystemVaMapper, &pool, &mut sink);
    assert_eq!(allocs() - before, 0, "send allocated");
    owned.relink();
    assert_eq!(sink.n, count - 1);
    assert_eq!(sink.completed, 1);

    // Receive all of them, plus a tampered copy of each.
    let mut frames: Vec<Vec<u8>> = sink.out[..sink.n].to_vec();
    for k in 0..sink.n {
        let mut t = sink.out[k].clone();
        let last = t.len() - 1;
        t[last] ^= 1;
        frames.push(t);
    }
    let rspecs: Vec<NblSpec> = frames
        .iter()
        .map(|fr| {
            NblSpec::new(vec![ipsecov2_ndis_emu::NbSpec::new(
                fr.clone(),
                ipsecov2_ndis_emu::MdlLayout::random(&mut rng, fr.len() as u32, &seg()),
            )])
        })
        .collect();
    let mut rowned = OwnedNblChain::build(&rspecs).unwrap();
    let mut scratch = vec![0u8; 4096];
    let before = allocs();
    {
        let mut chain = rowned.chain();
        rx.receive(&mut chain, &SystemVaMapper, &mut scratch);
    }
    assert_eq!(allocs() - before, 0, "receive allocated");
    for i in 0..frames.len() {
        let v = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO(
            rowned.info(i, IPsecOffloadV2NetBufferListInfo).unwrap(),
        );
        assert!(v.receive_crypto_done());
        assert_eq!(
            v.receive_crypto_status() == CRYPTO_SUCCESS,
            i < sink.n,
            "{i}"
        );
    }
}

/// An `NdisPort` that records into storage allocated up front (the emulation's port allocates).
/// Like the driver's port, it keeps each staged transmit buffer until the copy's send completion
/// (`reclaim_copy`), which gives it back to the pool: the completion path returns buffers.
struct FixedPort {
    out: Vec<Vec<u8>>,
    n: usize,
    /// Transmit buffers in flight, by the original they stand for (slots reserved up front).
    held: Vec<Option<(usize, HostTxBuffer)>>,
    staged: Option<HostTxBuffer>,
    down: Vec<usize>,
    copies: Vec<usize>,
    up: usize,
    indicated: Vec<usize>,
    returned: usize,
    pauses: usize,
}

impl<'a> NdisPort<'a> for FixedPort {
    type Buffer = HostTxBuffer;
    type Oid = usize;
    fn send_down(&mut self, nbl: NblChain<'a>) {
        self.down.push(nbl.into_raw() as usize);
    }
    fn stage_copy(&mut self, copy: HostTxBuffer) {
        let dst = &mut self.out[self.n];
        dst.clear();
        dst.extend_from_slice(copy.bytes());
        self.n += 1;
        self.staged = Some(copy);
    }
    fn send_copy_down(&mut self, original: NblChain<'a>) {
        let p = original.into_raw() as usize;
        self.copies.push(p);
        self.down.push(p);
        if let Some(buf) = self.staged.take() {
            let slot = self.held.iter_mut().find(|s| s.is_none()).unwrap();
            *slot = Some((p, buf));
        }
    }
    fn discard_staged(&mut self) {
        self.staged = None;
    }
    fn reclaim_copy(&mut self, nbl: NblChain<'a>) -> Reclaimed<'a> {
        let p = nbl.as_raw() as usize;
        if self.copies.contains(&p) {
            // The copy is freed: its buffer goes back to the pool.
            for slot in &mut self.held {
                if slot.as_ref().is_some_and(|(o, _)| *o == p) {
                    *slot = None;
                }
            }
            Reclaimed::Original(nbl)
        } else {
            Reclaimed::NotACopy(nbl)
        }
    }
    fn complete_send_up(&mut self, nbls: NblChain<'a>) {
        self.up += nbls.count();
    }
    fn indicate_receive_up(&mut self, nbls: NblChain<'a>, _flags: ULONG) {
        self.indicated.push(nbls.into_raw() as usize);
    }
    fn return_receive_down(&mut self, nbls: NblChain<'a>) {
        self.returned += nbls.count();
    }
    fn with_oid<R>(&mut self, _r: usize, f: impl FnOnce(&mut OidRequest<'_>) -> R) -> R {
        f(&mut OidRequest {
            request_type: 0,
            oid: 0,
            buffer: &mut [],
            buffer_address: 0,
            bytes_written: 0,
            bytes_read: 0,
            bytes_needed: 0,
        })
    }
    fn pass_oid_down(&mut self, _r: usize) -> NDIS_STATUS {
        NDIS_STATUS_SUCCESS
    }
    fn complete_oid_up(&mut self, _r: usize, _s: NDIS_STATUS) {}
    fn indicate_status_up(&mut self, _i: &StatusIndication<'_>) {}
    fn pause_complete(&mut self) {
        self.pauses += 1;
    }
}

/// The module layer (state gating, sink, send completion, receive, return) allocates nothing
/// per packet either.
#[test]
fn module_paths_allocate_nothing() {
    let mut rng = SplitMix64::new(31);
    let esps = esp_algs();
    let ahs = ah_algs();
    let tx = core();
    let rx = core();
    let mut specs = Vec::new();
    for (i, e) in esps.iter().enumerate().step_by(5) {
        let spi = 0x3000 + i as u32;
        let a = (i % 2 == 0).then(|| &ahs[i % ahs.len()]);
        let h = add(
            &tx,
            &bundle(BundleSpec {
                esp: Some((e, spi)),
                ah: a.map(|a| (a, spi + 0x100)),
                ..BundleSpec::default()
            }),
        );
        add(
            &rx,
            &bundle(BundleSpec {
                esp: Some((e, spi)),
                ah: a.map(|a| (a, spi + 0x100)),
                inbound: true,
                ..BundleSpec::default()
            }),
        );
        let layer = Layer {
            esp: Some((e.shape, spi)),
            ah: a.map(|a| (a.shape, spi + 0x100)),
            udp: false,
        };
        let f = frame(
            &Ip {
                v6: false,
                extras: false,
            },
            &layer,
            1,
            &rng.bytes(80),
            6,
        );
        specs.push(send_nbl(&mut rng, &[&f.frame], h, 0, f.header_info));
    }
    let plain = specs[0].nbs[0].data.clone();
    specs.push(send_nbl(&mut rng, &[&plain], 0x99, 0, 0x0102_0304));
    let count = specs.len();
    let cfg = ModuleConfig {
        caps: CapabilityConfig {
            sa_offload_capacity: 256,
        },
        enable: OffloadEnable::ALL,
    };
    let off = NDIS_OFFLOAD::default();
    let txm = HostModule::attach(tx, &cfg, &off, &off);
    let rxm = HostModule::attach(rx, &cfg, &off, &off);
    let mut port = FixedPort {
        out: (0..count).map(|_| Vec::with_capacity(2048)).collect(),
        n: 0,
        held: (0..count).map(|_| None).collect(),
        staged: None,
        down: Vec::with_capacity(count),
        copies: Vec::with_capacity(count),
        up: 0,
        indicated: Vec::with_capacity(4),
        returned: 0,
        pauses: 0,
    };
    txm.restart(&mut port).unwrap();
    rxm.restart(&mut port).unwrap();
    let pool = HostTxPool::new(count, 2048);
    let mut owned = OwnedNblChain::build(&specs).unwrap();

    let before = allocs();
    txm.send(&mut port, owned.chain(), &SystemVaMapper, &pool);
    assert_eq!(allocs() - before, 0, "module send allocated");
    assert_eq!(port.n, count - 1);
    assert_eq!(pool.free_count(), 1, "the copies' buffers are in flight");
    assert_eq!(port.up, 1);
    assert_eq!(txm.pause(), Ok(PauseStart::Pending));
    let down = port.down.clone();
    let before = allocs();
    for &p in &down {
        // SAFETY: `p` is an NBL of `owned` the module passed down and the port kept (as a raw
        // pointer); `owned` outlives the chain and nothing else accesses it meanwhile.
        let chain = unsafe { NblChain::from_raw(p as *mut NET_BUFFER_LIST) };
        txm.send_complete(&mut port, chain);
    }
    assert_eq!(allocs() - before, 0, "module send completion allocated");
    assert_eq!(
        pool.free_count(),
        count,
        "send completion gave every buffer back"
    );
    assert_eq!((port.up, port.pauses), (count, 1));

    let rspecs: Vec<NblSpec> = port.out[..port.n]
        .iter()
        .map(|fr| {
            NblSpec::new(vec![ipsecov2_ndis_emu::NbSpec::new(
                fr.clone(),
                ipsecov2_ndis_emu::MdlLayout::random(&mut rng, fr.len() as u32, &seg()),
            )])
        })
        .collect();
    let mut rowned = OwnedNblChain::build(&rspecs).unwrap();
    let mut scratch = vec![0u8; 4096];
    let before = allocs();
    rxm.receive(&mut port, rowned.chain(), 0, &SystemVaMapper, &mut scratch);
    let head = port.indicated[0];
    // SAFETY: the chain the module indicated (the whole of `rowned`, which outlives it).
    let chain = unsafe { NblChain::from_raw(head as *mut NET_BUFFER_LIST) };
    rxm.return_receives(&mut port, chain);
    assert_eq!(allocs() - before, 0, "module receive allocated");
    assert_eq!(port.returned, port.n);
    for i in 0..port.n {
        let v = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO(
            rowned.info(i, IPsecOffloadV2NetBufferListInfo).unwrap(),
        );
        assert!(v.receive_crypto_done() && v.receive_crypto_status() == CRYPTO_SUCCESS);
    }
    drop(owned);
}

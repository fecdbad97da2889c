//! What both modes share: the constants of the measurement, the two filter cores (sender and
//! receiver) with one ESP transport SA each, installed through the filter's OID dispatch, and
//! the untimed send that produces the sealed frames the receive side opens.

use ipsec_engine::EspSa;
use ipsecov2_abi::*;
use ipsecov2_filter_core::{HostTxPool, TxBuffer};
use ipsecov2_nbl::{NblChain, SystemVaMapper};
use ipsecov2_ndis_emu::direct;
use ipsecov2_ndis_emu::oid_buffers::AddSa;
use ipsecov2_ndis_emu::tcpip::{self, bundle, BundleSpec, EspAlg};
use ipsecov2_ndis_emu::{MdlLayout, NblSpec, OwnedNblChain};
use ipsecov2_offload_sa::OffloadSa;
use ipsecov2_satable::{Arc, OffloadHandle};

use crate::frames::{frames, nbl_spec, Seg};
use crate::sink::DownSink;

/// The filter core under test, over the host lock.
pub type Core = direct::HostCore;

/// Ethernet (14) + IPv4 without options (20): where the ESP header starts in the frame.
pub const ESP_AT: usize = tcpip::ETH + 20;
/// IP datagram sizes.
pub const SIZES: [usize; 2] = [64, 1400];
/// NBLs per chain.
pub const CHAINS: [usize; 3] = [1, 16, 64];
/// Buffers of the filter's transmit pool.
pub const POOL_BUFFERS: usize = 128;
/// Bytes of each transmit buffer (and of each of the engine's seal buffers).
pub const POOL_BUFFER_LEN: usize = 2048;
/// Bytes of the receive scratch buffer.
pub const SCRATCH_LEN: usize = 9216;
/// SPI of both SAs (and of the frames).
pub const SPI: u32 = 0x0100_0001;

/// One ESP algorithm of the bench.
pub struct Alg {
    /// Bench group name part.
    pub name: &'static str,
    /// Name in `tcpip::esp_algs()`.
    pub emu: &'static str,
}

/// The algorithms measured: AES-GCM-128 and AES-CBC-128 with HMAC-SHA1-96.
pub const ALGS: [Alg; 2] = [
    Alg {
        name: "aes128gcm16",
        emu: "gcm128/16",
    },
    Alg {
        name: "aes128cbc-hmac-sha1",
        emu: "aes128+sha1",
    },
];

impl Alg {
    /// The emulation's description of this algorithm, among `emu_algs` (`tcpip::esp_algs()`).
    pub fn emu<'e>(&self, emu_algs: &'e [EspAlg]) -> &'e EspAlg {
        emu_algs
            .iter()
            .find(|a| a.name == self.emu)
            .expect("an emulation algorithm of that name")
    }

    /// The NET_BUFFER segmentations measured for chains of `n`: the multi-MDL variants only
    /// for AES-GCM at N = 16.
    pub fn segs(&self, n: usize) -> &'static [Seg] {
        if self.name == "aes128gcm16" && n == 16 {
            &[Seg::Flat, Seg::Mdl3, Seg::Mdl64]
        } else {
            &[Seg::Flat]
        }
    }
}

fn core() -> Core {
    direct::host_core(256).expect("host filter core")
}

/// ADD_SA through the filter's OID dispatch; returns the handle.
fn add(core: &Core, sa: &AddSa) -> u64 {
    let (c, h) = direct::add_sa_list(core, std::slice::from_ref(sa)).expect("ADD_SA of a valid SA");
    assert_eq!(c.status, NDIS_STATUS_SUCCESS);
    assert_ne!(h[0], 0, "SA offloaded");
    h[0]
}

/// The offloaded SA of handle `h` in `core`'s table.
pub fn sa_of(core: &Core, h: u64) -> Arc<OffloadSa> {
    core.sas()
        .table()
        .get(OffloadHandle::from_u64(h).expect("non-zero handle"))
        .expect("the SA just added")
}

/// The sending and the receiving filter core of one algorithm.
pub struct Setup {
    /// Holds the outbound SA.
    pub tx: Core,
    /// Holds the inbound SA.
    pub rx: Core,
    /// Handle of the outbound SA in `tx`.
    pub out_h: u64,
    /// Handle of the inbound SA in `rx`.
    pub in_h: u64,
    /// IV bytes after the ESP header.
    pub iv: usize,
    /// ICV bytes at the end of the frame.
    pub icv: usize,
    /// Bytes of the last MDL of `Seg::Mdl3`.
    pub tail: usize,
}

/// The engine's SA inside an outbound offloaded SA: the one the filter seals with.
pub fn seal_sa(out_sa: &OffloadSa) -> &EspSa {
    &out_sa.esp.as_ref().expect("an outbound ESP SA").sa
}

/// The engine's SA inside an inbound offloaded SA: the one the filter opens with.
pub fn open_sa(in_sa: &OffloadSa) -> &EspSa {
    &in_sa.esp.as_ref().expect("an inbound ESP SA").sa
}

/// Two filter cores with one ESP transport SA of `alg` each (outbound in `tx`, inbound in
/// `rx`).
pub fn setup(alg: &EspAlg) -> Setup {
    let tx = core();
    let rx = core();
    let out_h = add(&tx, &bundle(BundleSpec::esp(alg, SPI)));
    let in_h = add(&rx, &bundle(BundleSpec::esp(alg, SPI).inbound()));
    Setup {
        tx,
        rx,
        out_h,
        in_h,
        iv: alg.shape.iv,
        icv: alg.shape.icv,
        // Padding is at most block - 1, plus pad length, next header and ICV: the last MDL of
        // `Seg::Mdl3` holds the last `block + 1 + icv` bytes.
        tail: alg.shape.block + 1 + alg.shape.icv,
    }
}

/// The packets of one configuration (algorithm, size, chain length).
#[derive(Clone)]
pub struct Packets {
    /// The IP datagram size asked for (the AES-CBC "64" datagram is 72 bytes).
    pub size: usize,
    /// The framed plaintext packets TCP/IP hands down.
    pub plain: Vec<Vec<u8>>,
    /// Their slot 12 value.
    pub header: u32,
    /// Bytes of each frame.
    pub len: usize,
    /// The same packets as the filter sends them (sealed by `s.tx`'s SA, once, untimed).
    pub sealed: Vec<Vec<u8>>,
}

/// `n` packets of `alg` of IP datagram size `size`, and the filter's sealed versions of them.
pub fn packets(s: &Setup, alg: &EspAlg, size: usize, n: usize) -> Packets {
    let (plain, header) = frames(alg, SPI, size, n);
    let len = plain[0].len();
    let flat_specs: Vec<NblSpec> = plain
        .iter()
        .map(|f| nbl_spec(f, MdlLayout::single(len as u32), s.out_h, header))
        .collect();
    let sealed = send_once(s, &flat_specs, &plain);
    Packets {
        size,
        plain,
        header,
        len,
        sealed,
    }
}

/// Sends `frames` once through the filter as one chain and returns the protected frames;
/// checks that TCP/IP's bytes are unchanged and every NBL was protected.
pub fn send_once(s: &Setup, specs: &[NblSpec], frames: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let pool = HostTxPool::new(POOL_BUFFERS, POOL_BUFFER_LEN);
    let mut owned = OwnedNblChain::build(specs).expect("chain of valid NBL specs");
    let mut sink = DownSink::new(NblChain::empty());
    s.tx.send(owned.chain(), &SystemVaMapper, &pool, &mut sink);
    assert_eq!(sink.not_protected, 0);
    assert_eq!(sink.down.count(), frames.len());
    let out: Vec<Vec<u8>> = sink.in_flight.iter().map(|b| b.bytes().to_vec()).collect();
    drop(sink);
    assert_unchanged(&owned, frames);
    for (o, f) in out.iter().zip(frames) {
        assert_ne!(o, f, "protected");
    }
    out
}

/// Checks that the NET_BUFFERs of a sent chain still hold `frames`: the send path never writes
/// TCP/IP's memory.
pub fn assert_unchanged(owned: &OwnedNblChain, frames: &[Vec<u8>]) {
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(
            &owned.read_nb(i, 0).expect("read back a sent NET_BUFFER"),
            f,
            "TCP/IP's bytes unchanged"
        );
    }
}

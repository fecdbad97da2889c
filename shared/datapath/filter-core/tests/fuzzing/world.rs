//! What every target shares: the SA catalogue with fixed SPIs (so the fuzzer can hit them),
//! cores with those SAs installed through the OID path, a sealer that produces valid protected
//! frames, and a recording send sink.

use ipsecov2_abi::*;
use ipsecov2_filter_core::HostTxPool;
use ipsecov2_nbl::SystemVaMapper;
use ipsecov2_ndis_emu::direct;
use ipsecov2_ndis_emu::oid_buffers::AddSa;
use ipsecov2_ndis_emu::tcpip::{self, ah_algs, esp_algs, BundleSpec, Framed, Ip, Layer};
use ipsecov2_ndis_emu::{MdlLayout, NbSpec, NblSpec, OwnedNblChain, Segmentation, SplitMix64};

pub use ipsecov2_ndis_emu::direct::HostCore as Core;

/// One SA bundle of the catalogue: indices into `esp_algs()` / `ah_algs()` and the SPIs.
#[derive(Clone, Copy, Debug)]
pub struct SaDef {
    pub esp: Option<(usize, u32)>,
    pub ah: Option<(usize, u32)>,
    pub v6: bool,
    pub udp: bool,
    /// Extended sequence numbers (high bits 7 from ADD_SA, in every ICV).
    pub esn: bool,
}

const GCM128: usize = 2; // gcm128/16
const NULL_SHA256: usize = 14;
const AES128_SHA1: usize = 22;
const AH_SHA1: usize = 1;
const AH_SHA256: usize = 2;

/// The SAs every target installs (inbound and/or outbound), with fixed SPIs `0x1001..`.
pub const SAS: [SaDef; 12] = [
    SaDef {
        esp: Some((GCM128, 0x1001)),
        ah: None,
        v6: false,
        udp: false,
        esn: false,
    },
    SaDef {
        esp: Some((AES128_SHA1, 0x1002)),
        ah: None,
        v6: false,
        udp: false,
        esn: false,
    },
    SaDef {
        esp: Some((NULL_SHA256, 0x1003)),
        ah: None,
        v6: true,
        udp: false,
        esn: false,
    },
    SaDef {
        esp: None,
        ah: Some((AH_SHA256, 0x1004)),
        v6: false,
        udp: false,
        esn: false,
    },
    SaDef {
        esp: Some((GCM128, 0x1005)),
        ah: Some((AH_SHA256, 0x1006)),
        v6: false,
        udp: false,
        esn: false,
    },
    SaDef {
        esp: Some((GCM128, 0x1007)),
        ah: None,
        v6: false,
        udp: true,
        esn: false,
    },
    SaDef {
        esp: Some((GCM128, 0x1008)),
        ah: None,
        v6: true,
        udp: false,
        esn: false,
    },
    SaDef {
        esp: None,
        ah: Some((AH_SHA1, 0x1009)),
        v6: true,
        udp: false,
        esn: false,
    },
    SaDef {
        esp: Some((AES128_SHA1, 0x100A)),
        ah: Some((AH_SHA256, 0x100B)),
        v6: true,
        udp: false,
        esn: false,
    },
    SaDef {
        esp: Some((AES128_SHA1, 0x100C)),
        ah: None,
        v6: true,
        udp: true,
        esn: false,
    },
    SaDef {
        esp: Some((GCM128, 0x100D)),
        ah: None,
        v6: false,
        udp: false,
        esn: true,
    },
    SaDef {
        esp: Some((AES128_SHA1, 0x100E)),
        ah: Some((AH_SHA256, 0x100F)),
        v6: true,
        udp: false,
        esn: true,
    },
];

/// The ADD_SA element of catalogue entry `i`.
pub fn add_sa(i: usize, inbound: bool) -> AddSa {
    let d = SAS[i];
    let esps = esp_algs();
    let ahs = ah_algs();
    tcpip::bundle(BundleSpec {
        esp: d.esp.map(|(a, spi)| (&esps[a], spi)),
        ah: d.ah.map(|(a, spi)| (&ahs[a], spi)),
        v6: d.v6,
        inbound,
        esn: d.esn,
        udp: if d.udp {
            IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT
        } else {
            0
        },
    })
}

/// The framer's layer of catalogue entry `i`.
pub fn layer(i: usize) -> Layer {
    let d = SAS[i];
    let esps = esp_algs();
    let ahs = ah_algs();
    Layer {
        esp: d.esp.map(|(a, spi)| (esps[a].shape, spi)),
        ah: d.ah.map(|(a, spi)| (ahs[a].shape, spi)),
        udp: d.udp,
    }
}

/// An empty core over a fresh SA table.
pub fn core() -> Core {
    direct::host_core(64).unwrap()
}

/// ADD_SA of the whole catalogue (one direction) through the OID dispatch; the handles.
pub fn install(core: &Core, inbound: bool) -> Vec<u64> {
    let elements: Vec<AddSa> = (0..SAS.len()).map(|i| add_sa(i, inbound)).collect();
    let (c, handles) = direct::add_sa_list(core, &elements).expect("ADD_SA is ours");
    assert_eq!(c.status, NDIS_STATUS_SUCCESS, "ADD_SA of the catalogue");
    assert!(
        handles.iter().all(|&h| h != 0),
        "every catalogue SA offloaded"
    );
    handles
}

/// A core receiving with every catalogue SA inbound.
pub fn receiver() -> (Core, Vec<u64>) {
    let c = core();
    let h = install(&c, true);
    (c, h)
}

/// A core sending with every catalogue SA outbound (and, when `both`, inbound too: their
/// handles are valid handles of the wrong direction for the send path).
pub fn sender(both: bool) -> (Core, Vec<u64>, Vec<u64>) {
    let c = core();
    let out = install(&c, false);
    let inb = if both { install(&c, true) } else { Vec::new() };
    (c, out, inb)
}

pub use ipsecov2_ndis_emu::sink::{RecordingSink as Recorder, Sent};

/// Segmentation drawn from the input: the framer's usual one, or a harsher one (many 1-byte
/// MDLs, no backfill or slack).
pub fn segmentation(choice: u8) -> Segmentation {
    match choice % 4 {
        0 => tcpip::seg(),
        1 => Segmentation {
            max_backfill: 0,
            max_slack: 0,
            max_mdl_size: 4,
            one_byte_percent: 60,
        },
        2 => Segmentation::default(),
        _ => Segmentation {
            max_backfill: 200,
            max_slack: 64,
            max_mdl_size: 2048,
            one_byte_percent: 0,
        },
    }
}

/// A single-layer frame of catalogue SA `sa` framed by the TCP/IP-like framer.
pub fn framed(sa: usize, extras: bool, seq: u32, payload: &[u8], proto: u8) -> Framed {
    tcpip::frame(
        &Ip {
            v6: SAS[sa].v6,
            extras,
        },
        &layer(sa),
        seq,
        payload,
        proto,
    )
}

/// Transport over tunnel: inner catalogue SA `inner` inside outer catalogue SA `outer`.
pub fn framed_tunnel(outer: usize, inner: usize, seq: u32, payload: &[u8]) -> Framed {
    tcpip::frame_tunnel(
        &Ip {
            v6: SAS[outer].v6,
            extras: false,
        },
        &layer(outer),
        &Ip {
            v6: SAS[inner].v6,
            extras: false,
        },
        &layer(inner),
        seq,
        payload,
    )
}

/// Next-header values that are IPv6 extension headers or IPsec themselves: as the upper-layer
/// protocol of a frame they make the framer's payload a (usually malformed) header, which the
/// AH transforms walk, so such frames are not validly framed.
pub fn header_proto(proto: u8) -> bool {
    matches!(
        proto,
        0 | 43 | 44 | 50 | 51 | 60 | 135 | 139 | 140 | 253 | 254
    )
}

/// Sends one framed frame through `tx` with the given handles and returns the protected
/// bytes, or `None` if it was refused.
pub fn try_seal(tx: &Core, f: &Framed, handle: u64, tunnel: u64) -> Option<Vec<u8>> {
    let mut rng = SplitMix64::new(7);
    let spec = tcpip::send_nbl(&mut rng, &[&f.frame], handle, tunnel, f.header_info);
    let mut owned = OwnedNblChain::build(&[spec]).unwrap();
    let pool = HostTxPool::new(1, 9216);
    let mut sink = Recorder::default();
    tx.send(owned.chain(), &SystemVaMapper, &pool, &mut sink);
    assert!(
        sink.errors.is_empty(),
        "send sink contract: {:?}",
        sink.errors
    );
    match sink.events.pop() {
        Some((_, Sent::Protected(mut p))) if p.len() == 1 => p.pop(),
        _ => None,
    }
}

/// Sends one framed frame through `tx` with the given handles and returns the protected
/// bytes; a validly framed frame must be protected.
pub fn seal(tx: &Core, f: &Framed, handle: u64, tunnel: u64) -> Vec<u8> {
    let mut rng = SplitMix64::new(7);
    let spec = tcpip::send_nbl(&mut rng, &[&f.frame], handle, tunnel, f.header_info);
    let mut owned = OwnedNblChain::build(&[spec]).unwrap();
    let pool = HostTxPool::new(1, 9216);
    let mut sink = Recorder::default();
    tx.send(owned.chain(), &SystemVaMapper, &pool, &mut sink);
    assert!(
        sink.errors.is_empty(),
        "send sink contract: {:?}",
        sink.errors
    );
    match sink.events.pop() {
        Some((_, Sent::Protected(mut p))) if p.len() == 1 => p.pop().unwrap(),
        other => panic!("a validly framed frame was not protected: {other:?}"),
    }
}

/// One received NBL of one NET_BUFFER per frame in `nbs`, laid out from `rng`.
pub fn nbl_spec(rng: &mut SplitMix64, nbs: &[Vec<u8>], seg: &Segmentation) -> NblSpec {
    NblSpec::new(
        nbs.iter()
            .map(|d| {
                NbSpec::new(
                    d.clone(),
                    MdlLayout::random(rng, u32::try_from(d.len()).unwrap(), seg),
                )
            })
            .collect(),
    )
}

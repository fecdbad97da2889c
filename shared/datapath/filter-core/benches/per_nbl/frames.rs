//! The packets: framed ESP transport frames over IPv4 of a given IP datagram size, the NBL
//! specifications that carry them (with TCP/IP's slots 1 and 12 on the send side), and the
//! NET_BUFFER segmentations measured.

use ipsecov2_abi::*;
use ipsecov2_ndis_emu::tcpip::{self, frame, EspAlg, Ip, Layer};
use ipsecov2_ndis_emu::{MdlLayout, NbSpec, NblSpec, SplitMix64};

use crate::setup::ESP_AT;

/// How each NET_BUFFER is cut into MDLs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Seg {
    /// One MDL holding exactly the frame.
    Flat,
    /// Headers | payload | trailer + ICV, with backfill.
    Mdl3,
    /// The test suite's random segmentation (`tcpip::seg()`).
    Mdl64,
}

impl Seg {
    /// Suffix of the criterion benchmark name (none for `Flat`).
    pub fn suffix(self) -> &'static str {
        match self {
            Seg::Flat => "",
            Seg::Mdl3 => "-mdl3",
            Seg::Mdl64 => "-mdl64",
        }
    }

    /// Name in the paired mode's lines.
    pub fn name(self) -> &'static str {
        match self {
            Seg::Flat => "flat",
            Seg::Mdl3 => "mdl3",
            Seg::Mdl64 => "mdl64",
        }
    }

    /// The MDLs of a frame of `len` bytes whose ESP IV is `iv` bytes and whose last `tail`
    /// bytes hold padding, trailer and ICV.
    pub fn layout(self, rng: &mut SplitMix64, len: usize, iv: usize, tail: usize) -> MdlLayout {
        match self {
            Seg::Flat => MdlLayout::single(len as u32),
            Seg::Mdl3 => {
                let head = ESP_AT + 8 + iv;
                MdlLayout::new(
                    vec![32 + head as u32, (len - head - tail) as u32, tail as u32],
                    32,
                )
            }
            Seg::Mdl64 => MdlLayout::random(rng, len as u32, &tcpip::seg()),
        }
    }
}

/// `n` framed ESP transport frames whose IP datagram is `size` bytes (or the smallest larger
/// one the cipher's block size allows), sequence numbers 1..=n; slot 12 value.
pub fn frames(alg: &EspAlg, spi: u32, size: usize, n: usize) -> (Vec<Vec<u8>>, u32) {
    let layer = Layer {
        esp: Some((alg.shape, spi)),
        ah: None,
        udp: false,
    };
    let ip = Ip {
        v6: false,
        extras: false,
    };
    let mut payload_len = 1;
    loop {
        let f = frame(&ip, &layer, 1, &vec![0xa5; payload_len], 6);
        if f.frame.len() >= tcpip::ETH + size {
            break;
        }
        payload_len += 1;
    }
    let mut header = 0;
    let out = (0..n)
        .map(|i| {
            let payload: Vec<u8> = (0..payload_len).map(|j| (i + j) as u8).collect();
            let f = frame(&ip, &layer, 1 + i as u32, &payload, 6);
            header = f.header_info;
            f.frame
        })
        .collect();
    (out, header)
}

/// One NBL of one NET_BUFFER holding `frame`; with slots 1 (`handle`) and 12 (`header`) set
/// unless `handle` is 0 (a received frame).
pub fn nbl_spec(frame: &[u8], layout: MdlLayout, handle: u64, header: u32) -> NblSpec {
    let mut s = NblSpec::new(vec![NbSpec::new(frame.to_vec(), layout)]);
    if handle != 0 {
        s.info
            .push((IPsecOffloadV2NetBufferListInfo, handle as usize));
        s.info
            .push((IPsecOffloadV2HeaderNetBufferListInfo, header as usize));
    }
    s
}

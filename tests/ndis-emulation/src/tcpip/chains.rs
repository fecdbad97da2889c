//! NBL specs for send (slots 1 / 11 / 12) and receive, and the receive slots read back.

use crate::{MdlLayout, NbSpec, NblSpec, OwnedNblChain, Segmentation, SplitMix64};
use ipsecov2_abi::*;

/// The segmentation every emulated NBL uses: backfill, slack, MDLs up to 64 bytes, 20 % one-byte MDLs.
pub fn seg() -> Segmentation {
    Segmentation {
        max_backfill: 48,
        max_slack: 16,
        max_mdl_size: 64,
        one_byte_percent: 20,
    }
}

/// An NBL spec of one NET_BUFFER per frame, randomly segmented, with the given send slots.
pub fn send_nbl(
    rng: &mut SplitMix64,
    frames: &[&[u8]],
    handle: u64,
    tunnel: u64,
    header: u32,
) -> NblSpec {
    let mut s = NblSpec::new(
        frames
            .iter()
            .map(|f| NbSpec::new(f.to_vec(), MdlLayout::random(rng, f.len() as u32, &seg())))
            .collect(),
    );
    if handle != 0 {
        s.info
            .push((IPsecOffloadV2NetBufferListInfo, handle as usize));
    }
    if tunnel != 0 {
        s.info
            .push((IPsecOffloadV2TunnelNetBufferListInfo, tunnel as usize));
    }
    if header != 0 {
        s.info
            .push((IPsecOffloadV2HeaderNetBufferListInfo, header as usize));
    }
    s
}

/// The receive view of one indicated NBL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvView {
    /// `CryptoDone`.
    pub crypto_done: bool,
    /// `NextCryptoDone`.
    pub next_crypto_done: bool,
    /// `CryptoStatus`.
    pub status: u16,
    /// `SaDeleteReq`.
    pub delete_req: bool,
    /// `HeaderInfoSet` (slot 12).
    pub header_set: bool,
    /// Slot 12 `NextHeader`.
    pub next_header: u8,
    /// Slot 12 `PadLength`.
    pub pad: u8,
}

/// The IPsecOV2 receive slots of NBL `nbl` of `owned` (after the filter's receive).
pub fn recv_view(owned: &OwnedNblChain, nbl: usize) -> RecvView {
    let v = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO(
        owned
            .info(nbl, IPsecOffloadV2NetBufferListInfo)
            .unwrap_or(0),
    );
    let h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(
        owned
            .info(nbl, IPsecOffloadV2HeaderNetBufferListInfo)
            .unwrap_or(0) as u32,
    );
    RecvView::from_slots(v, h)
}

impl RecvView {
    /// The view of a received NBL's slot 1 and slot 12 values.
    #[must_use]
    pub fn from_slots(
        v: NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO,
        h: NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO,
    ) -> Self {
        Self {
            crypto_done: v.receive_crypto_done(),
            next_crypto_done: v.receive_next_crypto_done(),
            status: v.receive_crypto_status(),
            delete_req: v.receive_sa_delete_req(),
            header_set: h.receive_header_info_set(),
            next_header: h.receive_next_header(),
            pad: h.receive_pad_length(),
        }
    }
}

/// A receive NBL spec: one NET_BUFFER holding `frame`, randomly segmented, with `nbl_flags`.
pub fn recv_nbl(rng: &mut SplitMix64, frame: &[u8], nbl_flags: u32) -> NblSpec {
    let mut s = NblSpec::new(vec![NbSpec::new(
        frame.to_vec(),
        MdlLayout::random(rng, frame.len() as u32, &seg()),
    )]);
    s.nbl_flags = nbl_flags;
    s
}

/// What an untouched receive indication looks like.
pub const UNTOUCHED: RecvView = RecvView {
    crypto_done: false,
    next_crypto_done: false,
    status: 0,
    delete_req: false,
    header_set: false,
    next_header: 0,
    pad: 0,
};

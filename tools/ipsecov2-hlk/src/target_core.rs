//! `--target emulated` for the datapath groups: a [`DatapathPair`] of two filter cores driven
//! directly (`HostCore`), with the sender's transmit pool and the miniport's checksum offer of a
//! [`PairAdapter`]; sends through a recording sink that plays the miniport (it puts each copy on
//! the wire with the checksums it offers done), receives through `FilterCore::receive`.

use crate::target;
use ipsecov2_abi::*;
use ipsecov2_filter_core::checksum::MiniportChecksum;
use ipsecov2_filter_core::{HostTxBuffer, HostTxPool, SendDrop, SendSink};
use ipsecov2_nbl::NblChain;
use ipsecov2_ndis_emu::oid_buffers::AddSa;
use ipsecov2_ndis_emu::sink::RecordingSink;
use ipsecov2_ndis_emu::{NblSpec, OwnedNblChain, SplitMix64};

use crate::target::{DatapathPair, PairAdapter, WireFrame};
use crate::tcpip::{add, core, delete, receive_through, Core, RecvView, Sent};

/// Two filter cores of the emulated target, driven directly (`HostCore`).
pub struct CorePair {
    tx: Core,
    rx: Core,
    pool: HostTxPool,
    offload: Option<NDIS_OFFLOAD>,
}

/// A send sink that also records the checksum request each protected copy carries down.
#[derive(Default)]
struct MiniportSink {
    inner: RecordingSink,
    checksum: Vec<usize>,
}

impl<'a> SendSink<'a, HostTxBuffer> for MiniportSink {
    fn pass_down(&mut self, nbl: NblChain<'a>) {
        self.inner.pass_down(nbl);
    }
    fn stage(&mut self, packet: HostTxBuffer) {
        self.inner.stage(packet);
    }
    fn protected(&mut self, original: NblChain<'a>) {
        self.checksum.push(0);
        self.inner.protected(original);
    }
    fn protected_with_checksum(&mut self, original: NblChain<'a>, checksum_info: usize) {
        self.checksum.push(checksum_info);
        self.inner.protected(original);
    }
    fn complete(&mut self, original: NblChain<'a>, status: NDIS_STATUS, reason: SendDrop) {
        self.inner.complete(original, status, reason);
    }
}

impl DatapathPair for CorePair {
    fn open(adapter: &PairAdapter) -> Result<Self, String> {
        Ok(Self {
            tx: core()?,
            rx: core()?,
            pool: HostTxPool::new(adapter.tx_buffers as usize, adapter.tx_buffer_size as usize),
            offload: adapter.offload,
        })
    }

    fn add_tx(&mut self, sa: &AddSa) -> Result<u64, String> {
        add(&self.tx, sa)
    }

    fn add_rx(&mut self, sa: &AddSa) -> Result<u64, String> {
        add(&self.rx, sa)
    }

    fn delete_tx(&mut self, handles: &[u64]) -> Result<NDIS_STATUS, String> {
        delete(&self.tx, handles)
    }

    fn send(
        &mut self,
        specs: Vec<NblSpec>,
    ) -> Result<(Vec<Option<NDIS_STATUS>>, Vec<WireFrame>), String> {
        let mut owned = OwnedNblChain::build(&specs).map_err(|e| format!("emulation: {e:?}"))?;
        let mut sink = MiniportSink::default();
        let offer = self.offload.map_or_else(MiniportChecksum::default, |o| {
            MiniportChecksum::from_offload(&o.Checksum)
        });
        self.tx.send_offloading(
            owned.chain(),
            &ipsecov2_nbl::SystemVaMapper,
            &self.pool,
            &mut sink,
            offer,
        );
        if let Some(e) = sink.inner.errors.first() {
            return Err(e.clone());
        }
        let ptrs: Vec<usize> = (0..specs.len())
            .map(|i| owned.nbl_ptr(i).map_or(0, |p| p as usize))
            .collect();
        let order: Vec<usize> = sink.inner.events.iter().map(|(p, _)| *p).collect();
        if order != ptrs {
            return Err("send: not every NBL reported once, in order".into());
        }
        owned.relink();
        for (i, spec) in specs.iter().enumerate() {
            for (j, nb) in spec.nbs.iter().enumerate() {
                if owned.read_nb(i, j).ok().as_ref() != Some(&nb.data) {
                    return Err("send modified TCP/IP's buffer".into());
                }
            }
        }
        let mut statuses = Vec::new();
        let mut wire = Vec::new();
        let mut checksum = sink.checksum.into_iter();
        for ((_, sent), spec) in sink.inner.events.into_iter().zip(&specs) {
            match sent {
                Sent::Passed => {
                    statuses.push(Some(NDIS_STATUS_SUCCESS));
                    let info = spec
                        .info
                        .iter()
                        .find(|(k, _)| *k == TcpIpChecksumNetBufferListInfo)
                        .map_or(0, |&(_, v)| v);
                    wire.extend(spec.nbs.iter().map(|nb| (nb.data.clone(), Some(info))));
                }
                Sent::Protected(packets) => {
                    statuses.push(Some(NDIS_STATUS_SUCCESS));
                    let info = checksum.next().unwrap_or(0);
                    wire.extend(packets.into_iter().map(|p| (p, Some(info))));
                }
                Sent::Completed(status, _) => statuses.push(Some(status)),
            }
        }
        target::miniport_checksums(&mut wire, self.offload.as_ref());
        if self.pool.free_count() != self.pool.count() {
            return Err("transmit buffers not returned to the pool".into());
        }
        Ok((statuses, wire))
    }

    fn receive_flagged(
        &mut self,
        rng: &mut SplitMix64,
        packets: &[Vec<u8>],
        nbl_flags: u32,
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String> {
        receive_through(&self.rx, rng, packets, nbl_flags)
    }

    fn finish(self) -> Result<(), String> {
        if self.pool.free_count() == self.pool.count() {
            Ok(())
        } else {
            Err("transmit buffers not returned to the pool".into())
        }
    }
}

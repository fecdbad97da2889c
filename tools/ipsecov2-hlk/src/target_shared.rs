//! A sender module and a receiver module driven from several threads at once
//! ([`SharedPair`], [`SharedCalls`]): SA OIDs on a control thread while sender threads push
//! traffic through one and a receiver thread takes it through the other, as NDIS makes the
//! calls on many processors (the `churn` group). The emulated target drives two filter cores
//! here; the driver binary's modules are in `target_sys_shared`.

use std::time::Duration;

use ipsecov2_abi::*;
use ipsecov2_filter_core::HostTxPool;
use ipsecov2_ndis_emu::oid_buffers::{update_sa, AddSa};
use ipsecov2_ndis_emu::{NblSpec, SplitMix64};

use crate::tcpip::{self as tc, Core, RecvView, Sent};

/// How long a thread waits for NBLs it handed over to come back before it fails the case.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Which module of the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The sender.
    Tx,
    /// The receiver.
    Rx,
}

/// The calls any thread may make on a [`SharedPair`].
pub trait SharedCalls: Sync {
    /// Prepares the calling thread (once, before its first call).
    fn enter_thread(&self) -> Result<(), String>;
    /// ADD_SA of one element on `side`; the handle (an error when refused).
    fn add(&self, side: Side, sa: &AddSa) -> Result<u64, String>;
    /// DELETE_SA of `handles` on `side`; the status.
    fn delete(&self, side: Side, handles: &[u64]) -> Result<NDIS_STATUS, String>;
    /// UPDATE_SA of ESP SA `handle` (`spi`) on `side` to ESN high bits `high`; the status.
    fn update(&self, side: Side, handle: u64, spi: u32, high: u32) -> Result<NDIS_STATUS, String>;
    /// TCP/IP sends `spec` through the sender: its completion status, and the frames the
    /// miniport put on the wire during the call (this NBL's, or other threads').
    fn send(&self, spec: NblSpec) -> Result<(NDIS_STATUS, Vec<Vec<u8>>), String>;
    /// The receiver's miniport indicates `frames` (one NBL each): what TCP/IP got of each.
    fn receive(
        &self,
        rng: &mut SplitMix64,
        frames: &[Vec<u8>],
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String>;
}

/// A sender and a receiver whose [`SharedCalls`] threads share.
pub trait SharedPair: Sized {
    /// What the threads call.
    type Calls: SharedCalls;
    /// Both running, no SA.
    fn open() -> Result<Self, String>;
    /// The calls, for the threads.
    fn calls(&self) -> &Self::Calls;
    /// SAs installed on (sender, receiver).
    fn sas_left(&mut self) -> Result<(u64, u64), String>;
    /// Ends both: nothing outstanding, nothing leaked.
    fn finish(self) -> Result<(), String>;
}

/// Two filter cores of the emulated target with one transmit pool.
pub struct CoreShared {
    tx: Core,
    rx: Core,
    pool: HostTxPool,
}

impl CoreShared {
    fn core(&self, side: Side) -> &Core {
        match side {
            Side::Tx => &self.tx,
            Side::Rx => &self.rx,
        }
    }
}

impl SharedCalls for CoreShared {
    fn enter_thread(&self) -> Result<(), String> {
        Ok(())
    }

    fn add(&self, side: Side, sa: &AddSa) -> Result<u64, String> {
        tc::add(self.core(side), sa)
    }

    fn delete(&self, side: Side, handles: &[u64]) -> Result<NDIS_STATUS, String> {
        tc::delete(self.core(side), handles)
    }

    fn update(&self, side: Side, handle: u64, spi: u32, high: u32) -> Result<NDIS_STATUS, String> {
        let mut u = update_sa(handle, IPsecOffloadV2Esp, spi, high);
        Ok(tc::set(
            self.core(side),
            OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA,
            &mut u,
        )?
        .status)
    }

    fn send(&self, spec: NblSpec) -> Result<(NDIS_STATUS, Vec<Vec<u8>>), String> {
        let plain: Vec<Vec<u8>> = spec.nbs.iter().map(|nb| nb.data.clone()).collect();
        let (sent, _owned) = tc::send_through(&self.tx, &[spec], &self.pool)?;
        match sent.into_iter().next() {
            Some(Sent::Protected(p)) => Ok((NDIS_STATUS_SUCCESS, p)),
            Some(Sent::Passed) => Ok((NDIS_STATUS_SUCCESS, plain)),
            Some(Sent::Completed(status, _)) => Ok((status, Vec::new())),
            None => Err("send: nothing reported".into()),
        }
    }

    fn receive(
        &self,
        rng: &mut SplitMix64,
        frames: &[Vec<u8>],
    ) -> Result<Vec<(RecvView, Vec<u8>)>, String> {
        tc::receive_through(&self.rx, rng, frames, 0)
    }
}

impl SharedPair for CoreShared {
    type Calls = Self;

    fn open() -> Result<Self, String> {
        Ok(Self {
            tx: tc::core_with(256)?,
            rx: tc::core_with(256)?,
            pool: HostTxPool::new(16, 2048),
        })
    }

    fn calls(&self) -> &Self {
        self
    }

    fn sas_left(&mut self) -> Result<(u64, u64), String> {
        Ok((
            self.tx.sas().table().len() as u64,
            self.rx.sas().table().len() as u64,
        ))
    }

    fn finish(self) -> Result<(), String> {
        if self.pool.free_count() == self.pool.count() {
            Ok(())
        } else {
            Err("transmit buffers not returned to the pool".into())
        }
    }
}

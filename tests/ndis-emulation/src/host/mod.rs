//! Emulated hosts: a TCP/IP-like protocol above, the filter module
//! (`ipsecov2_filter_core::module`) in the middle and a miniport below, all in-process, joined by
//! [`Port`], this emulation's implementation of [`NdisPort`](ipsecov2_filter_core::module::NdisPort); and a [`Wire`] between two hosts.
//!
//! * The **miniport** records every frame sent (the wire), completes sends at once or holds them
//!   ([`Miniport::hold_sends`]) so that a pause must wait; it indicates received frames as real
//!   NBL chains with random MDL segmentation, with or without `NDIS_RECEIVE_FLAGS_RESOURCES`;
//!   reports a NIC's usual offloads (checksum, LSOv2, no IPsec) in its `NDIS_OFFLOAD`; answers the
//!   OIDs passed down (offload queries, `OID_TCP_OFFLOAD_PARAMETERS`, a few general ones), at
//!   once or pending ([`Miniport::hold_oids`]).
//! * The **protocol** issues OIDs (ADD_SA etc. built with [`crate::oid_buffers`]), sends NBLs
//!   framed by [`crate::tcpip`], records send completions (each exactly once), received packets
//!   with their IPsecOV2 receive information, status indications and pause completions, and
//!   returns receive NBLs (at once or held: [`Protocol::hold_receives`]).
//! * **Filter-owned copies**: the port turns the filter's staged [`HostTxBuffer`](ipsecov2_filter_core::HostTxBuffer)s into NBLs of
//!   its own and reclaims them on completion.
//!
//! Nothing calls back into the module from inside a port call: completions and returns are
//! queued and delivered by [`Host::run`], as NDIS would deliver them later.
//!
//! ```
//! use ipsecov2_ndis_emu::host::{Host, HostConfig, Wire};
//! use ipsecov2_ndis_emu::tcpip::{bundle, BundleSpec, esp_algs, frame, send_nbl, Ip, Layer};
//!
//! let mut a = Host::new(HostConfig::default());
//! let mut b = Host::new(HostConfig { seed: 2, ..HostConfig::default() });
//! for h in [&mut a, &mut b] {
//!     h.attach().unwrap();
//!     h.restart().unwrap();
//! }
//! let gcm = &esp_algs()[2];
//! let out = a.add_sa(&bundle(BundleSpec::esp(gcm, 0x100))).unwrap();
//! b.add_sa(&bundle(BundleSpec::esp(gcm, 0x100).inbound())).unwrap();
//! let layer = Layer { esp: Some((gcm.shape, 0x100)), ah: None, udp: false };
//! let f = frame(&Ip { v6: false, extras: false }, &layer, 1, b"hello", 17);
//! let spec = send_nbl(a.rng(), &[&f.frame], out, 0, f.header_info);
//! let id = a.send(vec![spec]).unwrap()[0];
//! Wire::pump(&mut a, &mut b).unwrap();
//! assert_eq!(a.protocol().send_status(id), Some(0));
//! let got = &b.protocol().received[0];
//! assert!(got.view.crypto_done && got.view.status == 0);
//! ```

use std::fmt;

use ipsecov2_abi::*;
use ipsecov2_filter_core::module::{HostModule, ModuleConfig, StatusIndication};
use ipsecov2_filter_core::state::{FilterState, PauseStart};
use ipsecov2_filter_core::{CapabilityConfig, FilterCore, HostTxPool, ModuleStats, OffloadEnable};
use ipsecov2_nbl::SystemVaMapper;
use ipsecov2_offload_sa::OffloadSas;
use ipsecov2_satable::{HostSaTable, TableSeed};

use crate::tcpip::recv_nbl;
use crate::{NblSpec, OwnedNblChain, SplitMix64};

/// Why a host operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError(pub String);

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HostError {}

fn err<T>(msg: impl Into<String>) -> Result<T, HostError> {
    Err(HostError(msg.into()))
}

/// How a host is built.
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// Seed of the host's random segmentation.
    pub seed: u64,
    /// `SaOffloadCapacity` (the SA table's capacity).
    pub sa_capacity: u32,
    /// `*IPsecOffloadV2` as read from the registry (`None`: absent).
    pub ipsec_offload_v2: Option<u32>,
    /// `*IPsecOffloadV2IPv4` as read from the registry (`None`: absent).
    pub ipsec_offload_v2_ipv4: Option<u32>,
    /// Filter-owned transmit buffers.
    pub pool_buffers: usize,
    /// Their size.
    pub pool_buffer_size: usize,
    /// The receive scratch buffer's size.
    pub scratch_size: usize,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            sa_capacity: 64,
            ipsec_offload_v2: None,
            ipsec_offload_v2_ipv4: None,
            pool_buffers: 64,
            pool_buffer_size: 9216,
            scratch_size: 9216,
        }
    }
}

mod miniport;
mod oids;
mod port;
mod protocol;
mod wire;

pub use miniport::*;
// Named so that it wins over the constant of the same name in `ipsecov2_abi`.
pub use miniport::OID_GEN_MAXIMUM_FRAME_SIZE;
pub use oids::*;
pub use port::*;
pub use protocol::*;
pub use wire::*;

/// One emulated host: protocol + filter module + miniport.
#[derive(Debug)]
pub struct Host {
    config: HostConfig,
    module: Option<HostModule>,
    port: Port,
    pool: HostTxPool,
    scratch: Vec<u8>,
    rng: SplitMix64,
}

impl Host {
    /// A host whose filter is not attached yet.
    #[must_use]
    pub fn new(config: HostConfig) -> Self {
        Self {
            pool: HostTxPool::new(config.pool_buffers, config.pool_buffer_size),
            scratch: vec![0u8; config.scratch_size],
            rng: SplitMix64::new(config.seed),
            port: Port::new(),
            module: None,
            config,
        }
    }

    /// The host's random source (segmentation of the NBLs it builds).
    pub fn rng(&mut self) -> &mut SplitMix64 {
        &mut self.rng
    }

    /// The filter module.
    ///
    /// # Errors
    ///
    /// Not attached.
    pub fn module(&self) -> Result<&HostModule, HostError> {
        match &self.module {
            Some(m) => Ok(m),
            None => err("filter not attached"),
        }
    }

    /// The miniport.
    #[must_use]
    pub fn miniport(&self) -> &Miniport {
        &self.port.miniport
    }

    /// The miniport, to configure it.
    pub fn miniport_mut(&mut self) -> &mut Miniport {
        &mut self.port.miniport
    }

    /// The protocol.
    #[must_use]
    pub fn protocol(&self) -> &Protocol {
        &self.port.protocol
    }

    /// The protocol, to configure it.
    pub fn protocol_mut(&mut self) -> &mut Protocol {
        &mut self.port.protocol
    }

    /// The port (miniport, protocol, copies).
    #[must_use]
    pub fn port(&self) -> &Port {
        &self.port
    }

    /// The transmit pool.
    #[must_use]
    pub fn pool(&self) -> &HostTxPool {
        &self.pool
    }

    /// `FilterAttach`: the SA table, the filter core and the module, configured from the
    /// keywords of [`HostConfig`] and the miniport's offloads.
    ///
    /// # Errors
    ///
    /// Already attached, or the SA table cannot be created.
    pub fn attach(&mut self) -> Result<(), HostError> {
        if self.module.is_some() {
            return err("already attached");
        }
        let cap = usize::try_from(self.config.sa_capacity).unwrap_or(0);
        let table =
            HostSaTable::with_capacity(cap, TableSeed::from_words([1, 2, 3, self.config.seed]))
                .map_err(|e| HostError(format!("SA table: {e:?}")))?;
        let config = ModuleConfig {
            caps: CapabilityConfig {
                sa_offload_capacity: self.config.sa_capacity,
            },
            enable: OffloadEnable::from_keywords(
                self.config.ipsec_offload_v2,
                self.config.ipsec_offload_v2_ipv4,
            ),
        };
        let m = &self.port.miniport;
        self.module = Some(HostModule::attach(
            FilterCore::new(OffloadSas::new(table)),
            &config,
            &m.offload,
            &m.hardware,
        ));
        Ok(())
    }

    /// `FilterRestart`.
    ///
    /// # Errors
    ///
    /// Not attached, or the module refuses the transition.
    pub fn restart(&mut self) -> Result<(), HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        m.restart(&mut self.port)
            .map_err(|e| HostError(format!("restart: {e}")))
    }

    /// `FilterPause` (then [`Host::run`]); `Pending` until every outstanding NBL is back.
    ///
    /// # Errors
    ///
    /// Not attached, or the module refuses the transition.
    pub fn pause(&mut self) -> Result<PauseStart, HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        let r = m.pause().map_err(|e| HostError(format!("pause: {e}")))?;
        self.run()?;
        Ok(r)
    }

    /// `FilterDetach`: the module detaches (its SAs are removed) and is dropped. Returns how
    /// many SAs were removed.
    ///
    /// # Errors
    ///
    /// Not attached, or not paused.
    pub fn detach(&mut self) -> Result<usize, HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        let n = m.detach().map_err(|e| HostError(format!("detach: {e}")))?;
        self.module = None;
        Ok(n)
    }

    /// The module's state (`Detached` when not attached).
    #[must_use]
    pub fn state(&self) -> FilterState {
        self.module
            .as_ref()
            .map_or(FilterState::Detached, HostModule::state)
    }

    /// The module's counters.
    ///
    /// # Errors
    ///
    /// Not attached.
    pub fn snapshot(&self) -> Result<ModuleStats, HostError> {
        Ok(self.module()?.snapshot())
    }

    /// Delivers what NDIS would deliver later: send completions the miniport does not hold
    /// and receive NBLs the protocol returns, until nothing is left.
    ///
    /// # Errors
    ///
    /// Not attached while something is pending.
    pub fn run(&mut self) -> Result<(), HostError> {
        loop {
            let completions = std::mem::take(&mut self.port.miniport.completions);
            let returns = std::mem::take(&mut self.port.protocol.to_return);
            if completions.is_empty() && returns.is_empty() {
                return Ok(());
            }
            let m = self
                .module
                .as_ref()
                .ok_or_else(|| HostError("not attached".into()))?;
            for p in completions {
                m.send_complete(&mut self.port, chain_of(p));
            }
            for p in returns {
                m.return_receives(&mut self.port, chain_of(p));
            }
        }
    }

    /// Completes every held send, then [`Host::run`].
    ///
    /// # Errors
    ///
    /// See [`Host::run`].
    pub fn release_sends(&mut self) -> Result<(), HostError> {
        let held = std::mem::take(&mut self.port.miniport.held_sends);
        self.port.miniport.completions.extend(held);
        self.run()
    }

    /// Returns every held receive, then [`Host::run`].
    ///
    /// # Errors
    ///
    /// See [`Host::run`].
    pub fn release_receives(&mut self) -> Result<(), HostError> {
        let held = std::mem::take(&mut self.port.protocol.held_rx);
        self.port.protocol.to_return.extend(held);
        self.run()
    }

    /// Completes every held OID (`FilterOidRequestComplete`).
    ///
    /// # Errors
    ///
    /// Not attached.
    pub fn release_oids(&mut self) -> Result<(), HostError> {
        let held = std::mem::take(&mut self.port.miniport.held_oids);
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        for h in held {
            let status = self
                .port
                .oids
                .get(h)
                .and_then(|e| e.outcome)
                .unwrap_or(NDIS_STATUS_FAILURE);
            let status = match self.port.finish_clone(h) {
                Some(_) => status,
                None => NDIS_STATUS_FAILURE,
            };
            m.oid_request_complete(&mut self.port, h, status);
        }
        Ok(())
    }

    /// The protocol sends one chain of NBLs (`FilterSendNetBufferLists`), then [`Host::run`].
    /// Returns the id of each NBL.
    ///
    /// # Errors
    ///
    /// Not attached, or a spec cannot be built.
    pub fn send(&mut self, specs: Vec<NblSpec>) -> Result<Vec<SendId>, HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        let mut owned =
            OwnedNblChain::build(&specs).map_err(|e| HostError(format!("send chain: {e}")))?;
        let proto = &mut self.port.protocol;
        let group = proto.next_id;
        let mut ids = Vec::new();
        for i in 0..owned.nbl_count() {
            let p = owned.nbl_ptr(i).ok_or_else(|| HostError("nbl".into()))? as usize;
            let id = proto.next_id;
            proto.next_id += 1;
            proto.sends.insert(p, (id, group));
            ids.push(id);
        }
        let head = owned.chain().into_raw() as usize;
        proto.groups.insert(group, (owned, ids.len()));
        // User mode: the OS saves the YMM state, so chains may run the crypto core's wide tier.
        m.send_in(
            &mut self.port,
            chain_of(head),
            &SystemVaMapper,
            &self.pool,
            &ipsec_engine::UserModeState,
        );
        self.run()?;
        Ok(ids)
    }

    /// The miniport indicates `frames` as one chain of NBLs (one NET_BUFFER each, random MDL
    /// segmentation), with `NDIS_RECEIVE_FLAGS_RESOURCES` when [`Miniport::resources`] is set;
    /// then [`Host::run`].
    ///
    /// # Errors
    ///
    /// Not attached, or a frame cannot be built.
    pub fn receive(&mut self, frames: &[Vec<u8>]) -> Result<(), HostError> {
        if frames.is_empty() {
            return Ok(());
        }
        let specs: Vec<NblSpec> = frames
            .iter()
            .map(|f| recv_nbl(&mut self.rng, f, 0))
            .collect();
        let resources = self.port.miniport.resources;
        self.receive_specs(
            specs,
            if resources {
                NDIS_RECEIVE_FLAGS_RESOURCES
            } else {
                0
            },
        )
    }

    /// The miniport indicates these NBLs with `flags`; then [`Host::run`].
    ///
    /// # Errors
    ///
    /// Not attached, or a spec cannot be built.
    pub fn receive_specs(&mut self, specs: Vec<NblSpec>, flags: ULONG) -> Result<(), HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        let mut owned =
            OwnedNblChain::build(&specs).map_err(|e| HostError(format!("receive chain: {e}")))?;
        let mp = &mut self.port.miniport;
        let group = mp.next_group;
        mp.next_group += 1;
        for i in 0..owned.nbl_count() {
            if let Some(p) = owned.nbl_ptr(i) {
                mp.rx.insert(p as usize, group);
            }
        }
        let n = owned.nbl_count();
        mp.receives_outstanding += n;
        let head = owned.chain().into_raw() as usize;
        mp.rx_groups.insert(group, (owned, n));
        m.receive_in(
            &mut self.port,
            chain_of(head),
            flags,
            &SystemVaMapper,
            &mut self.scratch,
            &ipsec_engine::UserModeState,
        );
        if !NDIS_TEST_RECEIVE_CAN_PEND(flags) {
            // The indication cannot pend: the NBLs are the miniport's again.
            let mp = &mut self.port.miniport;
            if let Some((owned, _)) = mp.rx_groups.remove(&group) {
                for i in 0..owned.nbl_count() {
                    if let Some(p) = owned.nbl_ptr(i) {
                        if mp.rx.remove(&(p as usize)).is_some() {
                            mp.receives_outstanding = mp.receives_outstanding.saturating_sub(1);
                        }
                    }
                }
            }
        }
        self.run()
    }

    /// The miniport indicates a status (`FilterStatus`).
    ///
    /// # Errors
    ///
    /// Not attached.
    pub fn miniport_status(&mut self, indication: &StatusIndication<'_>) -> Result<(), HostError> {
        let m = self
            .module
            .as_ref()
            .ok_or_else(|| HostError("not attached".into()))?;
        m.status(&mut self.port, indication);
        Ok(())
    }
}

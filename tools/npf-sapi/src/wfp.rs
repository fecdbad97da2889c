//! A thin convenience layer in the shape of the Windows Filtering Platform's SA-context life
//! cycle (seed 000: `IPsecSaContextCreate0`, `IPsecSaContextGetSpi0`,
//! `IPsecSaContextAddInbound0`, `IPsecSaContextAddOutbound0`, `IPsecSaContextExpire0`,
//! `IPsecSaContextDeleteById0`, `IPsecSaContextEnum0`, `IPsecSaContextGetById0`, and
//! `IPsecGetStatistics0` of seed 001), for people who
//! know that API, over the NPF client.
//!
//! An SA context is a pair of protecting policies (inbound and outbound) for one traffic
//! description, in an inbound and an outbound SPD bound to all interfaces; its SAs are the
//! policies' SA bundles. Deleting the context destroys the policies and with them the SAs.

use std::collections::BTreeMap;

use crate::client::{CallError, Client};
use crate::model::{
    Action, Direction, IpAddr, Policy, PolicyHandle, PortRange, SaAdd, SaHandle, SaParams,
    Selector, SelectorAddr, SpdHandle, UdpPorts,
};
use crate::transport::Transport;

/// The traffic an SA context protects (`IPSEC_TRAFFIC0`): addresses of this host and the peer,
/// and optionally one protocol and its ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Traffic {
    /// This host's address.
    pub local: IpAddr,
    /// The peer's address.
    pub remote: IpAddr,
    /// IP protocol, 0 for any.
    pub protocol: u8,
    /// Local port, 0 for any.
    pub local_port: u16,
    /// Remote port, 0 for any.
    pub remote_port: u16,
}

impl Traffic {
    fn selector(&self, direction: Direction) -> Selector {
        let host = |a: IpAddr| {
            let len = if a.version() == 6 { 128 } else { 32 };
            SelectorAddr::Prefix(a, len)
        };
        let port = |p: u16| {
            if p == 0 {
                PortRange::ANY
            } else {
                PortRange::one(p)
            }
        };
        let (src, dst, sp, dp) = match direction {
            Direction::Outbound => (self.local, self.remote, self.local_port, self.remote_port),
            Direction::Inbound => (self.remote, self.local, self.remote_port, self.local_port),
        };
        Selector {
            rule_flags: 0,
            ip_version: self.local.version(),
            protocol: self.protocol,
            src: host(src),
            dst: host(dst),
            src_port: port(sp),
            dst_port: port(dp),
        }
    }
}

/// One SA context (`IPSEC_SA_CONTEXT0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaContext {
    /// Its ID (`saContextId`).
    pub id: u64,
    /// The traffic.
    pub traffic: Traffic,
    /// The inbound policy.
    pub inbound_policy: PolicyHandle,
    /// The outbound policy.
    pub outbound_policy: PolicyHandle,
    /// The inbound SPI from [`SaContexts::get_spi`].
    pub spi: Option<u32>,
    /// The inbound SA bundle.
    pub inbound: Option<SaHandle>,
    /// The outbound SA bundle.
    pub outbound: Option<SaHandle>,
}

/// Why a context operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WfpError {
    /// No context with this ID (`FWP_E_SA_CONTEXT_NOT_FOUND`... in WFP's words).
    UnknownContext(u64),
    /// `add_inbound` before `get_spi`.
    NoSpi,
    /// The SA for that direction is already there.
    AlreadyAdded,
    /// The NPF call failed.
    Call(CallError),
}

impl From<CallError> for WfpError {
    fn from(e: CallError) -> Self {
        Self::Call(e)
    }
}

impl core::fmt::Display for WfpError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::UnknownContext(id) => write!(f, "no SA context {id}"),
            Self::NoSpi => f.write_str("get the inbound SPI first"),
            Self::AlreadyAdded => f.write_str("that direction already has its SA"),
            Self::Call(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for WfpError {}

/// The SA contexts of one client.
#[derive(Debug)]
pub struct SaContexts<T> {
    client: Client<T>,
    spd_in: SpdHandle,
    spd_out: SpdHandle,
    contexts: BTreeMap<u64, SaContext>,
    next_id: u64,
    /// Policy and SA IDs are drawn from here (the NPF side wants caller IDs).
    id_base: u32,
}

impl<T: Transport> SaContexts<T> {
    /// Creates an inbound and an outbound SPD bound to all interfaces, with IDs `spd_id` and
    /// `spd_id + 1`; policy and SA IDs of the contexts start at `spd_id << 16`.
    pub fn new(mut client: Client<T>, spd_id: u32) -> Result<Self, WfpError> {
        let spd_in = client.spd_create(Direction::Inbound, &[], spd_id)?;
        let spd_out = client.spd_create(Direction::Outbound, &[], spd_id.wrapping_add(1))?;
        Ok(Self {
            client,
            spd_in,
            spd_out,
            contexts: BTreeMap::new(),
            next_id: 1,
            id_base: spd_id << 16,
        })
    }

    /// The NPF client underneath.
    pub fn client(&mut self) -> &mut Client<T> {
        &mut self.client
    }

    fn caller_id(&self, id: u64, slot: u32) -> u32 {
        let low = u32::try_from(id & 0x3FFF).unwrap_or(0);
        self.id_base | (low << 2) | slot
    }

    fn context(&mut self, id: u64) -> Result<&mut SaContext, WfpError> {
        self.contexts
            .get_mut(&id)
            .ok_or(WfpError::UnknownContext(id))
    }

    /// `IPsecSaContextCreate0`: a context for `traffic`; its ID.
    pub fn create(&mut self, traffic: Traffic) -> Result<u64, WfpError> {
        let id = self.next_id;
        let policy = |pid: u32, d: Direction| Policy {
            id: pid,
            action: Action::Protect,
            selectors: vec![traffic.selector(d)],
        };
        let pin = self.caller_id(id, 0);
        let pout = self.caller_id(id, 1);
        let inbound_policy = self.client.policy_create(
            &policy(pin, Direction::Inbound),
            &[(self.spd_in, 100)],
            Direction::Inbound,
        )?;
        let outbound_policy = match self.client.policy_create(
            &policy(pout, Direction::Outbound),
            &[(self.spd_out, 100)],
            Direction::Outbound,
        ) {
            Ok(p) => p,
            Err(e) => {
                // Leave nothing half made.
                let _ = self.client.policy_destroy(inbound_policy);
                return Err(e.into());
            }
        };
        self.next_id += 1;
        self.contexts.insert(
            id,
            SaContext {
                id,
                traffic,
                inbound_policy,
                outbound_policy,
                spi: None,
                inbound: None,
                outbound: None,
            },
        );
        Ok(id)
    }

    /// `IPsecSaContextGetSpi0`: reserves the inbound SPI (the same one on a second call).
    pub fn get_spi(&mut self, id: u64) -> Result<u32, WfpError> {
        let ctx = self.context(id)?;
        if let Some(spi) = ctx.spi {
            return Ok(spi);
        }
        let (policy, sel) = (ctx.inbound_policy, ctx.traffic.selector(Direction::Inbound));
        let spi = self.client.reserve_spi(policy, &[sel])?;
        self.context(id)?.spi = Some(spi);
        Ok(spi)
    }

    fn add(
        &mut self,
        id: u64,
        direction: Direction,
        mut bundle: Vec<SaParams>,
        udp: UdpPorts,
    ) -> Result<SaHandle, WfpError> {
        let sa_id = self.caller_id(
            id,
            if direction == Direction::Inbound {
                2
            } else {
                3
            },
        );
        let ctx = self.context(id)?;
        let (policy, already) = match direction {
            Direction::Inbound => (ctx.inbound_policy, ctx.inbound.is_some()),
            Direction::Outbound => (ctx.outbound_policy, ctx.outbound.is_some()),
        };
        if already {
            return Err(WfpError::AlreadyAdded);
        }
        if direction == Direction::Inbound {
            let spi = ctx.spi.ok_or(WfpError::NoSpi)?;
            // The reserved SPI is the outermost SA's (6.6.18).
            if let Some(outer) = bundle.last_mut() {
                outer.spi = spi;
            }
        }
        let add = SaAdd {
            policy,
            sa_id,
            sas: bundle,
            udp,
            selectors: vec![ctx.traffic.selector(direction)],
            previous: SaHandle::INVALID,
            direction,
            acquire_context: 0,
            vendor_hint: 0,
        };
        let h = self.client.sa_add(&add)?;
        let ctx = self.context(id)?;
        match direction {
            Direction::Inbound => ctx.inbound = Some(h),
            Direction::Outbound => ctx.outbound = Some(h),
        }
        Ok(h)
    }

    /// `IPsecSaContextAddInbound0`: the inbound bundle, its outermost SA on the reserved SPI.
    pub fn add_inbound(
        &mut self,
        id: u64,
        bundle: Vec<SaParams>,
        udp: UdpPorts,
    ) -> Result<SaHandle, WfpError> {
        self.add(id, Direction::Inbound, bundle, udp)
    }

    /// `IPsecSaContextAddOutbound0`.
    pub fn add_outbound(
        &mut self,
        id: u64,
        bundle: Vec<SaParams>,
        udp: UdpPorts,
    ) -> Result<SaHandle, WfpError> {
        self.add(id, Direction::Outbound, bundle, udp)
    }

    /// `IPsecSaContextExpire0`: the outbound SA goes now; the inbound one stays until the
    /// context is deleted (packets still in flight).
    pub fn expire(&mut self, id: u64) -> Result<(), WfpError> {
        let ctx = self.context(id)?;
        let (policy, sa) = (ctx.outbound_policy, ctx.outbound.take());
        if let Some(sa) = sa {
            self.client.sa_remove(policy, sa)?;
        }
        Ok(())
    }

    /// `IPsecSaContextDeleteById0`: the context's policies, and with them its SAs.
    pub fn delete(&mut self, id: u64) -> Result<(), WfpError> {
        let ctx = self
            .contexts
            .get(&id)
            .ok_or(WfpError::UnknownContext(id))?
            .clone();
        self.client
            .policy_batch_destroy(&[ctx.inbound_policy, ctx.outbound_policy])?;
        self.contexts.remove(&id);
        Ok(())
    }

    /// `IPsecSaContextGetById0`.
    pub fn get(&self, id: u64) -> Result<&SaContext, WfpError> {
        self.contexts.get(&id).ok_or(WfpError::UnknownContext(id))
    }

    /// `IPsecGetStatistics0`: the global totals.
    pub fn statistics(&mut self) -> Result<crate::transport::GlobalStats, WfpError> {
        Ok(self.client.global_stats()?)
    }

    /// `IPsecSaContextEnum0`: every context, by ID.
    pub fn enumerate(&self) -> impl Iterator<Item = &SaContext> {
        self.contexts.values()
    }
}

//! SA functions (6.6.16, 6.6.17): an NPF SA bundle checked against the agreement's rules,
//! translated into the OID path's [`SaSpec`] and installed through the same backend
//! ([`SaStore`], i.e. `OffloadSas`: `OffloadSa::prepare` then `SaTable::add`); rekey through
//! `previousSA`; removal.

use alloc::vec::Vec;

use ipsecov2_oid::{
    Address, AesKeySize, BackendError, Bundle, Encryption, Integrity, IpVersion, IpsecProtocol,
    SaSpec, SecAssocSpec, UdpEspEncapsulation,
};

use crate::datapath::SaStore;
use crate::error::PlaneError;
use crate::events::{Event, EventKind};
use crate::plane::{try_vec, ControlPlane, SaMeta, SaRec};
use crate::selector;
use crate::stats::DatapathCounters;
use crate::types::{
    algo, sa_flags, Action, Direction, IpAddr, PolicyHandle, SaHandle, SaId, SaParams, Selector,
    UdpPorts,
};

/// `NPF_IPSecSA_Add`'s parameters (6.6.16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaAddRequest<'a> {
    /// The protecting policy the bundle belongs to.
    pub policy: PolicyHandle,
    /// Caller's SA ID (unique across the control plane: expiry events name the SA by it alone).
    pub sa_id: SaId,
    /// The bundle: one SA, or ESP and AH in transport adjacency.
    pub sas: &'a [SaParams<'a>],
    /// UDP encapsulation ports (zero = none).
    pub udp: UdpPorts,
    /// The bundle's selectors (may be empty: the policy's selectors apply).
    pub selectors: &'a [Selector],
    /// The SA this one replaces (rekey), or `SaHandle::INVALID`.
    pub previous: SaHandle,
    /// Direction as given; the policy's direction is authoritative (6.6.16: "deduced from the
    /// policy").
    pub direction: Direction,
    /// From the acquire event this SA answers, or 0.
    pub acquire_context: u32,
    /// Vendor hint (not interpreted).
    pub vendor_hint: u32,
}

/// The lowest SPI an SA may use (RFC 4303 §2.1: 1..=255 are reserved, 0 is not an SPI).
pub const MIN_SPI: u32 = 256;

fn integrity(p: &SaParams<'_>) -> Result<Integrity, PlaneError> {
    let (alg, bits) = match p.auth_algo {
        algo::AALG_NONE => (Integrity::None, 0),
        algo::AALG_MD5HMAC => (Integrity::HmacMd5_96, 128),
        algo::AALG_SHA1HMAC => (Integrity::HmacSha1_96, 160),
        algo::AALG_AESXCBC => return Err(PlaneError::NotSupported),
        _ => return Err(PlaneError::InvalidAuthAlgo),
    };
    if p.auth_key_bits != bits || p.auth_key.len() * 8 != usize::from(bits) {
        return Err(PlaneError::InvalidAuthKeyLen);
    }
    Ok(alg)
}

fn encryption(p: &SaParams<'_>) -> Result<Encryption, PlaneError> {
    let alg = match (p.enc_algo, p.enc_key_bits) {
        (algo::EALG_DESCBC, 64) => Encryption::DesCbc,
        (algo::EALG_3DESCBC, 192) => Encryption::TripleDesCbc,
        (algo::EALG_NULL, 0) => Encryption::Null,
        (algo::EALG_AES, 128) => Encryption::AesCbc(AesKeySize::Aes128),
        (algo::EALG_AES, 192) => Encryption::AesCbc(AesKeySize::Aes192),
        (algo::EALG_AES, 256) => Encryption::AesCbc(AesKeySize::Aes256),
        (algo::EALG_DESCBC | algo::EALG_3DESCBC | algo::EALG_NULL | algo::EALG_AES, _) => {
            return Err(PlaneError::InvalidEncKeyLen)
        }
        _ => return Err(PlaneError::InvalidEncAlgo),
    };
    if p.enc_key.len() * 8 != usize::from(p.enc_key_bits) {
        return Err(PlaneError::InvalidEncKeyLen);
    }
    Ok(alg)
}

fn protocol(p: &SaParams<'_>) -> Result<IpsecProtocol, PlaneError> {
    if p.flags & !sa_flags::KNOWN != 0 {
        return Err(PlaneError::NotSupported);
    }
    match (p.flags & sa_flags::PROTO_MASK) >> sa_flags::PROTO_SHIFT {
        sa_flags::PROTOCOL_ESP => Ok(IpsecProtocol::Esp),
        sa_flags::PROTOCOL_AH => Ok(IpsecProtocol::Ah),
        sa_flags::PROTOCOL_IPCOMP => Err(PlaneError::InvalidCompressAlgo),
        _ => Err(PlaneError::NotSupported),
    }
}

/// Checks one SA of a bundle against 6.6.16's rules and gives its OID-path form.
pub fn check_sa<'a>(p: &SaParams<'a>) -> Result<SecAssocSpec<'a>, PlaneError> {
    let proto = protocol(p)?;
    if p.spi < MIN_SPI {
        return Err(PlaneError::BadSpi);
    }
    let replay_on = p.flags & sa_flags::REPLAY_OFF == 0;
    let (enc, int) = match proto {
        IpsecProtocol::Esp => {
            let enc = encryption(p)?;
            let int = integrity(p)?;
            if enc == Encryption::Null && int == Integrity::None {
                return Err(PlaneError::NullAuthNullEnc);
            }
            (enc, int)
        }
        IpsecProtocol::Ah => {
            if p.enc_algo != algo::EALG_NONE || p.enc_key_bits != 0 {
                return Err(PlaneError::InvalidEncAlgo);
            }
            let int = integrity(p)?;
            if int == Integrity::None {
                return Err(PlaneError::InvalidAuthAlgo);
            }
            (Encryption::Null, int)
        }
    };
    if replay_on && int == Integrity::None {
        return Err(PlaneError::NoReplay);
    }
    if usize::from(p.replay_window) > crate::stats::MAX_SIZE_REPLAY_WINDOW * 4 {
        return Err(PlaneError::NotSupported);
    }
    Ok(SecAssocSpec {
        protocol: proto,
        spi: p.spi,
        esn: false,
        seq_high: 0,
        encryption: enc,
        encryption_key: p.enc_key,
        integrity: int,
        integrity_key: p.auth_key,
    })
}

fn address(a: &IpAddr) -> Address {
    let mut bytes = [0u8; 16];
    for (d, s) in bytes.iter_mut().zip(a.octets()) {
        *d = *s;
    }
    Address {
        version: if a.version() == 6 {
            IpVersion::V6
        } else {
            IpVersion::V4
        },
        bytes,
    }
}

fn wildcard(version: u8) -> Address {
    Address {
        version: if version == 6 {
            IpVersion::V6
        } else {
            IpVersion::V4
        },
        bytes: [0; 16],
    }
}

/// Checks a whole bundle and gives the SA table's form of it. `ip_version` is the traffic's (from
/// the selectors) for transport mode, whose endpoints are wildcards.
pub fn bundle_spec<'a>(
    sas: &[SaParams<'a>],
    udp: UdpPorts,
    inbound: bool,
    ip_version: u8,
) -> Result<SaSpec<'a>, PlaneError> {
    let (first, second) = match sas {
        [a] => (a, None),
        [a, b] => (a, Some(b)),
        _ => return Err(PlaneError::NotSupported),
    };
    let a = check_sa(first)?;
    let b = second.map(check_sa).transpose()?;
    let bundle = match (a.protocol, b) {
        (IpsecProtocol::Esp, None) => Bundle::Esp(a),
        (IpsecProtocol::Ah, None) => Bundle::Ah(a),
        (IpsecProtocol::Esp, Some(ah)) if ah.protocol == IpsecProtocol::Ah => {
            Bundle::EspAh { esp: a, ah }
        }
        (IpsecProtocol::Ah, Some(esp)) if esp.protocol == IpsecProtocol::Esp => {
            Bundle::EspAh { esp, ah: a }
        }
        _ => return Err(PlaneError::NotSupported),
    };
    let transport = first.flags & sa_flags::MODE_TRANSPORT != 0;
    if let Some(s) = second {
        // Transport adjacency only (6.6.16): same mode, same endpoints.
        if s.flags & sa_flags::MODE_TRANSPORT == 0 || !transport || s.tunnel != first.tunnel {
            return Err(PlaneError::NotSupported);
        }
    }
    let (source, destination) = if transport {
        (wildcard(ip_version), wildcard(ip_version))
    } else {
        let t = &first.tunnel;
        if t.src.version() != t.dst.version() || t.dst.is_unspecified() {
            return Err(PlaneError::InvalidSelector);
        }
        (address(&t.src), address(&t.dst))
    };
    let udp_esp = if udp.is_used() {
        if !matches!(bundle, Bundle::Esp(_)) {
            return Err(PlaneError::NotSupported);
        }
        UdpEspEncapsulation(if transport {
            ipsecov2_abi::IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT
        } else {
            ipsecov2_abi::IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TUNNEL
        })
    } else {
        UdpEspEncapsulation(0)
    };
    Ok(SaSpec {
        inbound,
        source,
        destination,
        udp_esp,
        bundle,
        switch: None,
    })
}

fn backend_error(e: BackendError) -> PlaneError {
    match e {
        BackendError::Full | BackendError::NoMemory => PlaneError::NoMemory,
        BackendError::DuplicateInbound => PlaneError::BadSpi,
        BackendError::Unsupported => PlaneError::NotSupported,
        BackendError::BadKey => PlaneError::InvalidEncKeyLen,
    }
}

fn meta(p: &SaParams<'_>) -> SaMeta {
    SaMeta {
        params: SaParams {
            spi: p.spi,
            flow_label: p.flow_label,
            flags: p.flags,
            auth_algo: p.auth_algo,
            enc_algo: p.enc_algo,
            soft_kbytes: p.soft_kbytes,
            hard_kbytes: p.hard_kbytes,
            soft_secs: p.soft_secs,
            hard_secs: p.hard_secs,
            tunnel: p.tunnel,
            auth_key: &[],
            auth_key_bits: p.auth_key_bits,
            enc_key: &[],
            enc_key_bits: p.enc_key_bits,
            replay_window: p.replay_window,
        },
    }
}

impl<S: SaStore> ControlPlane<S> {
    /// `NPF_IPSecSA_Add` (6.6.16): checks the bundle, installs it in the datapath's SA table and
    /// links it to its policy. With `previous`, a rekey: an outbound predecessor is removed at
    /// once, an inbound one after the grace period (then `NPF_IPSEC_SA_EXPIRE_SECS_HARD`).
    pub fn sa_add(&mut self, req: &SaAddRequest<'_>) -> Result<SaHandle, PlaneError> {
        if !req.selectors.is_empty() {
            selector::validate_all(req.selectors)?;
        }
        if req.selectors.len() > self.limits.selectors {
            return Err(PlaneError::NoMemory);
        }
        let policy = self.policy(req.policy)?;
        if policy.action != Action::Protect {
            return Err(PlaneError::InvalidPolicyAction);
        }
        let direction = policy.direction;
        let ip_version = req
            .selectors
            .first()
            .or(policy.selectors.first())
            .map_or(4, |s| s.ip_version);
        if self.sas.iter().any(|(_, sa)| sa.id == req.sa_id) {
            return Err(PlaneError::SaIdAlreadyRegistered);
        }
        if !req.previous.is_invalid() {
            let prev = self.sa_of(req.policy, req.previous)?;
            if prev.retire_at.is_some() {
                return Err(PlaneError::InvalidSaHandle);
            }
        }
        let inbound = direction == Direction::Inbound;
        let spec = bundle_spec(req.sas, req.udp, inbound, ip_version)?;
        // The outermost SA's SPI: reserved for this policy, or free (6.6.18, 6.6.19).
        let outer_spi = spec.bundle.sas().last().map_or(0, |s| s.spi);
        let reservation = self.spis.iter().position(|r| r.spi == outer_spi);
        if inbound {
            if let Some(i) = reservation {
                if self.spis.get(i).map(|r| r.policy) != Some(req.policy) {
                    return Err(PlaneError::BadSpi);
                }
            }
        }
        if !self.sas.has_room(1) {
            return Err(PlaneError::NoMemory);
        }
        let mut metas = Vec::new();
        metas.try_reserve_exact(req.sas.len())?;
        metas.extend(req.sas.iter().map(meta));
        let selectors = try_vec(req.selectors)?;
        let offload = self.store.add(&spec).map_err(backend_error)?.get();
        let rec = SaRec {
            id: req.sa_id,
            policy: req.policy,
            direction,
            sas: metas,
            udp: req.udp,
            selectors,
            offload,
            added_at: self.now,
            acquire_context: req.acquire_context,
            base: DatapathCounters::default(),
            exceptions: 0,
            selector_errors: 0,
            replay_errors: 0,
            decrypt_errors: 0,
            soft_kb_done: false,
            soft_secs_done: false,
            retire_at: None,
        };
        let handle = match self.sas.insert(rec) {
            Ok(h) => SaHandle(h),
            Err(e) => {
                self.store.delete(offload);
                return Err(e);
            }
        };
        if inbound {
            if let Some(i) = reservation {
                self.spis.swap_remove(i);
            }
        }
        if req.acquire_context != 0 {
            if let Some(p) = self.policies.get_mut(req.policy.0) {
                p.stats.acquired_sas = p.stats.acquired_sas.saturating_add(1);
            }
        }
        if !req.previous.is_invalid() {
            if inbound {
                let at = self
                    .now
                    .saturating_add(u64::from(self.limits.rekey_grace_secs));
                if let Some(prev) = self.sas.get_mut(req.previous.0) {
                    prev.retire_at = Some(at);
                }
            } else {
                self.remove_sa(req.previous.0, None);
            }
        }
        Ok(handle)
    }

    /// `NPF_IPSecSA_Remove` (6.6.17).
    pub fn sa_remove(&mut self, policy: PolicyHandle, sa: SaHandle) -> Result<(), PlaneError> {
        self.sa_of(policy, sa)?;
        self.remove_sa(sa.0, None);
        Ok(())
    }

    /// Removes an SA record and its datapath bundle, raising `event` (purged, hard expiry).
    pub(crate) fn remove_sa(&mut self, handle: u32, event: Option<EventKind>) {
        if let Some(rec) = self.sas.remove(handle) {
            self.store.delete(rec.offload);
            if let Some(kind) = event {
                self.raise(
                    Event::Expire {
                        kind,
                        sa_id: rec.id,
                    },
                    Some(rec.policy),
                );
            }
        }
    }
}

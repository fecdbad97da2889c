//! An offloaded IPsecOV2 SA bundle, prepared once for the datapath, and the backend that turns a
//! decoded ADD_SA into one and installs it in the SA table.
//!
//! [`OffloadSa::prepare`] runs on the OID path, outside every lock: it expands the key schedules
//! and keys the HMAC states (in `ipsec-engine`), so the send and receive paths only look the SA up
//! and use it. The table holds it in an `Arc`; the last holder to drop it (the table on delete, or
//! a packet still in flight) drops the engine state, which zeroizes its keys.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::boxed::Box;

use core::num::NonZeroU64;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use ipsec_engine::{
    AesKeySize as EngineAes, AhIntegrity, AhSa, Direction, EspConfig, EspEncryption, EspIntegrity,
    EspSa, GcmIcvLen, SetupError,
};
use ipsecov2_oid::{
    AesKeySize, BackendError, Bundle, Encryption, Integrity, IpVersion, IpsecProtocol, SaBackend,
    SaSpec, SecAssocSpec, UpdateError,
};
use ipsecov2_satable::{
    AddError, Arc, InboundKey, InboundKeys, IpAddress, OffloadHandle, SaEntry, SaLock, SaTable,
    TableState,
};

/// Per-SA counters, updated by the datapath with relaxed atomics.
#[derive(Debug, Default)]
pub struct SaCounters {
    /// Packets processed successfully.
    pub packets: AtomicU64,
    /// Bytes of those packets (as seen on the wire).
    pub octets: AtomicU64,
    /// Packets dropped because their ICV did not verify.
    pub auth_failures: AtomicU64,
    /// Packets dropped for any other reason (malformed, replayed, exhausted…).
    pub other_drops: AtomicU64,
}

impl SaCounters {
    /// Counts one packet of `octets` bytes processed successfully.
    pub fn count_ok(&self, octets: usize) {
        self.packets.fetch_add(1, Ordering::Relaxed);
        self.octets
            .fetch_add(u64::try_from(octets).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// The ESP SA of a bundle.
#[derive(Debug)]
pub struct EspPart {
    /// SPI (host order).
    pub spi: u32,
    seq_high: AtomicU32,
    /// Prepared engine state (key schedules, keyed HMAC, IV counter).
    pub sa: EspSa,
}

/// The AH SA of a bundle.
#[derive(Debug)]
pub struct AhPart {
    /// SPI (host order).
    pub spi: u32,
    seq_high: AtomicU32,
    /// Prepared engine state (keyed HMAC or GMAC key).
    pub sa: AhSa,
}

impl EspPart {
    /// Extended sequence numbers (kept once, in the prepared SA).
    pub fn esn(&self) -> bool {
        self.sa.config().esn
    }

    /// The current high-order 32 bits of the sequence number (ESN), from ADD_SA or UPDATE_SA.
    pub fn seq_high(&self) -> u32 {
        self.seq_high.load(Ordering::Acquire)
    }
}

impl AhPart {
    /// Extended sequence numbers (kept once, in the prepared SA).
    pub fn esn(&self) -> bool {
        self.sa.esn()
    }

    /// The current high-order 32 bits of the sequence number (ESN), from ADD_SA or UPDATE_SA.
    pub fn seq_high(&self) -> u32 {
        self.seq_high.load(Ordering::Acquire)
    }
}

/// One offloaded SA bundle (what one OffloadHandle names): ESP, AH, or ESP followed by AH.
#[derive(Debug)]
pub struct OffloadSa {
    /// Inbound (received packets are verified and decrypted with it) or outbound.
    pub inbound: bool,
    /// Source endpoint (all-zero = any).
    pub source: IpAddress,
    /// Destination endpoint (all-zero = any).
    pub destination: IpAddress,
    /// IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_* bits.
    pub udp_esp: u32,
    /// The ESP SA, if the bundle has one (boxed: a bundle pays only for the SAs it has).
    pub esp: Option<Box<EspPart>>,
    /// The AH SA, if the bundle has one.
    pub ah: Option<Box<AhPart>>,
    /// Counters for the control plane.
    pub counters: SaCounters,
}

fn address(a: &ipsecov2_oid::Address) -> IpAddress {
    match a.version {
        IpVersion::V4 => {
            let [b0, b1, b2, b3, ..] = a.bytes;
            IpAddress::v4([b0, b1, b2, b3])
        }
        IpVersion::V6 => IpAddress::v6(a.bytes),
    }
}

fn aes(size: AesKeySize) -> EngineAes {
    match size {
        AesKeySize::Aes128 => EngineAes::Aes128,
        AesKeySize::Aes192 => EngineAes::Aes192,
        AesKeySize::Aes256 => EngineAes::Aes256,
    }
}

/// Boxes one prepared SA; no memory is an error, never an abort.
fn boxed<T>(value: T) -> Result<Box<T>, BackendError> {
    ipsecov2_fallible::try_box(value).map_err(|_| BackendError::NoMemory)
}

fn setup_error(e: SetupError) -> BackendError {
    match e {
        SetupError::WeakKey => BackendError::BadKey,
        SetupError::NoMemory => BackendError::NoMemory,
        // The decoder has already checked lengths and combinations: anything else means this
        // filter does not offer what was asked.
        _ => BackendError::Unsupported,
    }
}

/// `under_ah`: the ESP of an ESP+AH bundle, where NULL ESP without integrity is offered (AH
/// authenticates the packet before ESP is opened; docs/tcpip-reading.md, point 6).
fn prepare_esp(
    sa: &SecAssocSpec<'_>,
    under_ah: bool,
    dir: Direction,
) -> Result<EspPart, BackendError> {
    let integrity = match sa.integrity {
        Integrity::None | Integrity::AesGmac(_) => EspIntegrity::None,
        Integrity::HmacMd5_96 => EspIntegrity::HmacMd5_96,
        Integrity::HmacSha1_96 => EspIntegrity::HmacSha1_96,
        Integrity::HmacSha256_128 => EspIntegrity::HmacSha256_128,
    };
    // ESP-GMAC: the engine treats GMAC as a combined-mode transform keyed like GCM.
    let (encryption, enc_key) = match (sa.encryption, sa.integrity) {
        (Encryption::Null, Integrity::AesGmac(k)) => {
            (EspEncryption::AesGmac(aes(k)), sa.integrity_key)
        }
        (Encryption::Null, _) => (EspEncryption::Null, sa.encryption_key),
        (Encryption::DesCbc, _) => (EspEncryption::DesCbc, sa.encryption_key),
        (Encryption::TripleDesCbc, _) => (EspEncryption::TripleDesCbc, sa.encryption_key),
        (Encryption::AesCbc(k), _) => (EspEncryption::AesCbc(aes(k)), sa.encryption_key),
        (Encryption::AesGcm { key, icv_len }, _) => {
            let icv = match icv_len {
                8 => GcmIcvLen::Icv8,
                12 => GcmIcvLen::Icv12,
                16 => GcmIcvLen::Icv16,
                _ => return Err(BackendError::Unsupported),
            };
            (EspEncryption::AesGcm(aes(key), icv), sa.encryption_key)
        }
    };
    let cfg = EspConfig {
        encryption,
        integrity,
        esn: sa.esn,
    };
    // Confidentiality-only ESP (a CBC or NULL cipher without integrity) is well formed per the
    // IPsecOV2 docs but not offered: without an ICV, CBC padding checks are an oracle (RFC 4303
    // §3.2 discourages it). The element gets a NULL handle and TCP/IP keeps that SA in software.
    if integrity == EspIntegrity::None && !encryption.is_combined() {
        if under_ah && encryption == EspEncryption::Null {
            return Ok(EspPart {
                spi: sa.spi,
                seq_high: AtomicU32::new(sa.seq_high),
                sa: EspSa::new_null_under_ah(sa.esn),
            });
        }
        return Err(BackendError::Unsupported);
    }
    let integrity_key = if encryption.is_combined() {
        &[][..]
    } else {
        sa.integrity_key
    };
    let prepared = EspSa::with_direction(cfg, dir, enc_key, integrity_key).map_err(setup_error)?;
    Ok(EspPart {
        spi: sa.spi,
        seq_high: AtomicU32::new(sa.seq_high),
        sa: prepared,
    })
}

fn prepare_ah(sa: &SecAssocSpec<'_>) -> Result<AhPart, BackendError> {
    let alg = match sa.integrity {
        Integrity::HmacMd5_96 => AhIntegrity::HmacMd5_96,
        Integrity::HmacSha1_96 => AhIntegrity::HmacSha1_96,
        Integrity::HmacSha256_128 => AhIntegrity::HmacSha256_128,
        Integrity::AesGmac(k) => AhIntegrity::AesGmac(aes(k)),
        Integrity::None => return Err(BackendError::Unsupported),
    };
    Ok(AhPart {
        spi: sa.spi,
        seq_high: AtomicU32::new(sa.seq_high),
        sa: AhSa::new(alg, sa.esn, sa.integrity_key).map_err(setup_error)?,
    })
}

impl OffloadSa {
    /// Prepares a decoded SA bundle: expands keys, keys HMACs. Allocates; call outside locks.
    pub fn prepare(spec: &SaSpec<'_>) -> Result<Self, BackendError> {
        // An offloaded SA serves one direction: AES-CBC keeps only the schedule it uses.
        let dir = if spec.inbound {
            Direction::Inbound
        } else {
            Direction::Outbound
        };
        let (esp, ah) = match &spec.bundle {
            Bundle::Esp(e) => (Some(boxed(prepare_esp(e, false, dir)?)?), None),
            Bundle::Ah(a) => (None, Some(boxed(prepare_ah(a)?)?)),
            Bundle::EspAh { esp, ah } => (
                Some(boxed(prepare_esp(esp, true, dir)?)?),
                Some(boxed(prepare_ah(ah)?)?),
            ),
        };
        Ok(Self {
            inbound: spec.inbound,
            source: address(&spec.source),
            destination: address(&spec.destination),
            udp_esp: spec.udp_esp.0,
            esp,
            ah,
            counters: SaCounters::default(),
        })
    }

    /// Sets the ESN high-order bits of the SA `protocol`/`spi` (OID UPDATE_SA).
    pub fn update_sequence_high(
        &self,
        protocol: IpsecProtocol,
        spi: u32,
        seq_high: u32,
    ) -> Result<(), UpdateError> {
        let (esn, cell) = match protocol {
            IpsecProtocol::Esp => self
                .esp
                .as_ref()
                .filter(|p| p.spi == spi)
                .map(|p| (p.esn(), &p.seq_high)),
            IpsecProtocol::Ah => self
                .ah
                .as_ref()
                .filter(|p| p.spi == spi)
                .map(|p| (p.esn(), &p.seq_high)),
        }
        .ok_or(UpdateError::NoSuchSa)?;
        if !esn {
            return Err(UpdateError::NotEsn);
        }
        cell.store(seq_high, Ordering::Release);
        Ok(())
    }
}

impl SaEntry for OffloadSa {
    fn inbound_keys(&self) -> InboundKeys {
        if !self.inbound {
            return InboundKeys::NONE;
        }
        let esp = self.esp.as_ref().map(|p| {
            InboundKey::new(
                p.spi,
                self.destination,
                ipsecov2_satable::IpsecProtocol::Esp,
            )
        });
        let ah = self
            .ah
            .as_ref()
            .map(|p| InboundKey::new(p.spi, self.destination, ipsecov2_satable::IpsecProtocol::Ah));
        match (esp, ah) {
            (Some(e), Some(a)) => InboundKeys::two(e, a),
            (Some(k), None) | (None, Some(k)) => InboundKeys::one(k),
            (None, None) => InboundKeys::NONE,
        }
    }

    /// What the receive path reads after the lookup: each boxed part (the ESP and the AH SA
    /// with their engine state) and the engine's key schedules behind them.
    fn touch(&self) -> u32 {
        let esp = self.esp.as_ref().map_or(0, |p| p.spi ^ p.sa.touch());
        let ah = self.ah.as_ref().map_or(0, |p| p.spi ^ p.sa.touch());
        esp ^ ah
    }
}

/// The offload SA table of one filter module, as the OID handlers see it.
pub struct OffloadSas<L> {
    table: SaTable<OffloadSa, L>,
}

impl<L> core::fmt::Debug for OffloadSas<L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OffloadSas").finish_non_exhaustive()
    }
}

impl<L: SaLock<TableState<OffloadSa>>> OffloadSas<L> {
    /// Wraps a table created at attach.
    pub fn new(table: SaTable<OffloadSa, L>) -> Self {
        Self { table }
    }

    /// The table, for the datapath's lookups and the control plane's enumeration.
    pub fn table(&self) -> &SaTable<OffloadSa, L> {
        &self.table
    }
}

impl<L: SaLock<TableState<OffloadSa>>> SaBackend for OffloadSas<L> {
    fn add(&self, spec: &SaSpec<'_>) -> Result<NonZeroU64, BackendError> {
        // Everything that allocates or computes happens here, before the table's lock.
        let sa = Arc::try_new(OffloadSa::prepare(spec)?).map_err(|_| BackendError::NoMemory)?;
        match self.table.add(sa) {
            Ok(handle) => Ok(handle.into()),
            // The rejected SA is dropped here, after the table released its lock.
            Err(rejected) => Err(match rejected.error {
                AddError::Full => BackendError::Full,
                AddError::DuplicateInboundKey(_) => BackendError::DuplicateInbound,
                // One destination per SA bundle: cannot happen for a decoded ADD_SA element.
                AddError::MixedDestinations => BackendError::Unsupported,
            }),
        }
    }

    fn delete(&self, handle: u64) -> bool {
        // The removed SA (if any) is dropped after the table's lock is released; if a packet still
        // holds it, that packet's drop frees and zeroizes it.
        OffloadHandle::from_u64(handle).is_some_and(|h| self.table.delete(h).is_some())
    }

    fn update_sequence_high(
        &self,
        handle: u64,
        protocol: IpsecProtocol,
        spi: u32,
        seq_high: u32,
    ) -> Result<(), UpdateError> {
        let handle = OffloadHandle::from_u64(handle).ok_or(UpdateError::UnknownHandle)?;
        self.table
            .with_sa(handle, |sa| {
                sa.update_sequence_high(protocol, spi, seq_high)
            })
            .ok_or(UpdateError::UnknownHandle)?
    }
}

/// Heap bytes one offloaded SA bundle costs, beyond the table's own per-slot memory: the `Arc`
/// allocation (two reference counts and the bundle), the boxed part of each SA it has, and the key
/// schedules the engine boxed for exactly its algorithms. (The offload face keeps no replay
/// window: TCP/IP does anti-replay above us.)
pub fn bytes_per_sa(sa: &OffloadSa) -> usize {
    let word = core::mem::size_of::<usize>();
    2 * word
        + core::mem::size_of::<OffloadSa>()
        + sa.esp
            .as_ref()
            .map_or(0, |p| core::mem::size_of::<EspPart>() + p.sa.heap_bytes())
        + sa.ah
            .as_ref()
            .map_or(0, |p| core::mem::size_of::<AhPart>() + p.sa.heap_bytes())
}

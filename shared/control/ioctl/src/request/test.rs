//! The test family: OID requests to a filter module, injected NBL chains, a module's statistics
//! and its offload indications.
//!
//! `TestOid` body (words): name count, name offset, OID, kind (0 set, 1 query, 2 method),
//! InformationBuffer input count, its offset, InformationBufferLength, the client's base address
//! of the buffer (low, high word), path (0 `FilterOidRequest`, 1 `FilterDirectOidRequest`).
//! The base address is where the client built the buffer: the `Next` links of an ADD_SA or
//! DELETE_SA list in it are absolute addresses, which the driver rebases onto its own copy
//! (`ipsecov2_oid::rebase`).
//!
//! `TestInject` body (words): name count, name offset, path (0 send, 1 receive), NBL count,
//! records length in bytes, records offset; the records are [`InjectNbls`].
//!
//! `TestOffload` body (words): name count, name offset, which (0 the current offload
//! configuration, 1 the hardware capabilities, as the module indicates them up).
//!
//! `TestModuleStats` body (words): name count, name offset; answered with a
//! [`crate::module_stats::ModuleStatsRecord`].

use crate::codes::Ioctl;
use crate::error::{Fault, Field};
use crate::wire::Region;

use super::body::Body;
use super::inject::InjectNbls;
use super::{Request, MAX_MODULE_NAME, MAX_TEST_PAYLOAD};

/// What a test OID request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OidKind {
    /// NdisRequestSetInformation.
    Set,
    /// NdisRequestQueryInformation.
    Query,
    /// NdisRequestMethod.
    Method,
}

/// Where a test NBL chain is injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectPath {
    /// As if TCP/IP sent it (the filter's send path).
    Send,
    /// As if the miniport received it (the filter's receive path).
    Receive,
}

/// A test-family request, for the driver (or the emulation) to carry out on a filter module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestRequest<'a> {
    /// An OID request to the named filter module.
    Oid {
        /// The module's name (UTF-8, as the driver names its modules).
        module: &'a [u8],
        /// The OID.
        oid: u32,
        /// Set, query or method.
        kind: OidKind,
        /// The InformationBuffer's input bytes.
        info: &'a [u8],
        /// The InformationBuffer's length (at least `info.len()`).
        info_len: u32,
        /// The address the client built the buffer at (its list's `Next` links are relative
        /// to it).
        base: u64,
        /// On the direct OID path (`FilterDirectOidRequest`, as TCP/IP sends the IPsecOV2
        /// OIDs), else the regular one.
        direct: bool,
    },
    /// An NBL chain injected on the named module's send or receive path.
    Inject {
        /// The module's name.
        module: &'a [u8],
        /// Which path.
        path: InjectPath,
        /// The NBLs (checked).
        nbls: InjectNbls<'a>,
    },
    /// The named module's state, SA count and counters (answered with a
    /// [`crate::module_stats::ModuleStatsRecord`]).
    ModuleStats {
        /// The module's name.
        module: &'a [u8],
    },
    /// The `NDIS_OFFLOAD` the named module indicates up.
    Offload {
        /// The module's name.
        module: &'a [u8],
        /// Its hardware capabilities (`NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES`), else
        /// its current configuration (`NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG`).
        hardware: bool,
    },
}

impl<'a> TestRequest<'a> {
    /// The name of the module the request is for.
    #[must_use]
    pub fn module(&self) -> &'a [u8] {
        match *self {
            Self::Oid { module, .. }
            | Self::Inject { module, .. }
            | Self::ModuleStats { module }
            | Self::Offload { module, .. } => module,
        }
    }
}

/// A byte array of a test request: aligned, after the fixed part, inside the message, at most
/// `max` bytes (the protocol's [`crate::wire::MAX_ARRAY`] counts elements, not bytes).
fn bytes(b: &Body<'_>, len_word: usize, off_word: usize, max: u32) -> Result<Region, Fault> {
    let len = b.w(len_word)?;
    let off = b.w(off_word)?;
    if len > max {
        return Err(Fault::CountTooLarge(Field::Payload));
    }
    let (len, off) = (len as usize, off as usize);
    if len == 0 {
        return if off == 0 {
            Ok(Region::EMPTY)
        } else {
            Err(Fault::OffsetOutOfBounds(Field::Payload))
        };
    }
    if !off.is_multiple_of(4) {
        return Err(Fault::Misaligned(Field::Payload));
    }
    let end = off
        .checked_add(len)
        .ok_or(Fault::OffsetOutOfBounds(Field::Payload))?;
    if off < b.fixed_end || end > b.msg.len() {
        return Err(Fault::OffsetOutOfBounds(Field::Payload));
    }
    Ok(Region {
        offset: off,
        count: len,
        stride: 1,
    })
}

fn slice<'a>(msg: &'a [u8], r: &Region) -> &'a [u8] {
    msg.get(r.offset..r.offset + r.len()).unwrap_or(&[])
}

pub(super) fn decode(ioctl: Ioctl, msg: &[u8]) -> Result<Request<'_>, Fault> {
    match ioctl {
        Ioctl::TestOid => {
            let b = Body::new(msg, 40)?;
            let name = b.region(0, 1, 1, MAX_MODULE_NAME, Field::ModuleName)?;
            let kind = match b.w(3)? {
                0 => OidKind::Set,
                1 => OidKind::Query,
                2 => OidKind::Method,
                _ => return Err(Fault::BadEnum(Field::TestKind)),
            };
            let info = bytes(&b, 4, 5, MAX_TEST_PAYLOAD)?;
            let info_len = b.w(6)?;
            if info_len > MAX_TEST_PAYLOAD || usize::try_from(info_len).unwrap_or(0) < info.len() {
                return Err(Fault::CountMismatch(Field::Payload));
            }
            let base = u64::from(b.w(7)?) | (u64::from(b.w(8)?) << 32);
            let direct = match b.w(9)? {
                0 => false,
                1 => true,
                _ => return Err(Fault::BadEnum(Field::TestKind)),
            };
            if name.is_empty() {
                return Err(Fault::CountTooLarge(Field::ModuleName));
            }
            b.done(&[name, info])?;
            Ok(Request::Test(TestRequest::Oid {
                module: slice(msg, &name),
                oid: b.w(2)?,
                kind,
                info: slice(msg, &info),
                info_len,
                base,
                direct,
            }))
        }
        Ioctl::TestOffload => {
            let b = Body::new(msg, 12)?;
            let name = b.region(0, 1, 1, MAX_MODULE_NAME, Field::ModuleName)?;
            let hardware = match b.w(2)? {
                0 => false,
                1 => true,
                _ => return Err(Fault::BadEnum(Field::TestKind)),
            };
            if name.is_empty() {
                return Err(Fault::CountTooLarge(Field::ModuleName));
            }
            b.done(&[name])?;
            Ok(Request::Test(TestRequest::Offload {
                module: slice(msg, &name),
                hardware,
            }))
        }
        Ioctl::TestModuleStats => {
            let b = Body::new(msg, 8)?;
            let name = b.region(0, 1, 1, MAX_MODULE_NAME, Field::ModuleName)?;
            if name.is_empty() {
                return Err(Fault::CountTooLarge(Field::ModuleName));
            }
            b.done(&[name])?;
            Ok(Request::Test(TestRequest::ModuleStats {
                module: slice(msg, &name),
            }))
        }
        _ => {
            let b = Body::new(msg, 24)?;
            let name = b.region(0, 1, 1, MAX_MODULE_NAME, Field::ModuleName)?;
            let path = match b.w(2)? {
                0 => InjectPath::Send,
                1 => InjectPath::Receive,
                _ => return Err(Fault::BadEnum(Field::TestKind)),
            };
            let records = bytes(&b, 4, 5, MAX_TEST_PAYLOAD)?;
            if name.is_empty() {
                return Err(Fault::CountTooLarge(Field::ModuleName));
            }
            b.done(&[name, records])?;
            let nbls = InjectNbls::checked(slice(msg, &records), b.w(3)?)?;
            Ok(Request::Test(TestRequest::Inject {
                module: slice(msg, &name),
                path,
                nbls,
            }))
        }
    }
}

//! The test family: OID requests to a filter module, injected frames, a module's statistics.

use crate::codes::Ioctl;
use crate::error::{Fault, Field};

use super::body::Body;
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

/// Where a test frame is injected.
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
    },
    /// A frame injected on the named module's send or receive path.
    Inject {
        /// The module's name.
        module: &'a [u8],
        /// Which path.
        path: InjectPath,
        /// The Ethernet frame.
        frame: &'a [u8],
    },
    /// The named module's state, SA count and counters (answered with a
    /// [`crate::module_stats::ModuleStatsRecord`]).
    ModuleStats {
        /// The module's name.
        module: &'a [u8],
    },
}

impl<'a> TestRequest<'a> {
    /// The name of the module the request is for.
    #[must_use]
    pub const fn module(&self) -> &'a [u8] {
        match *self {
            Self::Oid { module, .. }
            | Self::Inject { module, .. }
            | Self::ModuleStats { module } => module,
        }
    }
}

pub(super) fn decode(ioctl: Ioctl, msg: &[u8]) -> Result<Request<'_>, Fault> {
    match ioctl {
        Ioctl::TestOid => {
            let b = Body::new(msg, 28)?;
            let name = b.region(0, 1, 1, MAX_MODULE_NAME, Field::ModuleName)?;
            let kind = match b.w(3)? {
                0 => OidKind::Set,
                1 => OidKind::Query,
                2 => OidKind::Method,
                _ => return Err(Fault::BadEnum(Field::TestKind)),
            };
            let info = b.region(4, 5, 1, MAX_TEST_PAYLOAD, Field::Payload)?;
            let info_len = b.w(6)?;
            if info_len > MAX_TEST_PAYLOAD || usize::try_from(info_len).unwrap_or(0) < info.len() {
                return Err(Fault::CountMismatch(Field::Payload));
            }
            if name.is_empty() {
                return Err(Fault::CountTooLarge(Field::ModuleName));
            }
            b.done(&[name, info])?;
            Ok(Request::Test(TestRequest::Oid {
                module: msg
                    .get(name.offset..name.offset + name.len())
                    .unwrap_or(&[]),
                oid: b.w(2)?,
                kind,
                info: msg
                    .get(info.offset..info.offset + info.len())
                    .unwrap_or(&[]),
                info_len,
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
                module: msg
                    .get(name.offset..name.offset + name.len())
                    .unwrap_or(&[]),
            }))
        }
        _ => {
            let b = Body::new(msg, 20)?;
            let name = b.region(0, 1, 1, MAX_MODULE_NAME, Field::ModuleName)?;
            let path = match b.w(2)? {
                0 => InjectPath::Send,
                1 => InjectPath::Receive,
                _ => return Err(Fault::BadEnum(Field::TestKind)),
            };
            let frame = b.region(3, 4, 1, MAX_TEST_PAYLOAD, Field::Payload)?;
            if name.is_empty() {
                return Err(Fault::CountTooLarge(Field::ModuleName));
            }
            b.done(&[name, frame])?;
            Ok(Request::Test(TestRequest::Inject {
                module: msg
                    .get(name.offset..name.offset + name.len())
                    .unwrap_or(&[]),
                path,
                frame: msg
                    .get(frame.offset..frame.offset + frame.len())
                    .unwrap_or(&[]),
            }))
        }
    }
}

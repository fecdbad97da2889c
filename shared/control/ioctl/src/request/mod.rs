//! The decoder: one input buffer and its IOCTL into a typed request borrowing the buffer, every
//! field validated (header, lengths, counts, nested offsets, enumerations, reserved fields).
//! It never allocates: arrays stay views over the input, checked whole before they are handed
//! out, so iterating them cannot fail.

mod body;
mod events;
mod fields;
mod message;
mod policy;
mod queries;
mod sa;
mod spd;
mod spi;
mod stats;
mod test;

pub use events::EventLimits;
pub use fields::{selector_at, Selectors, U32s};
pub use message::Request;
pub use policy::PolicyRecords;
pub use sa::{sa_at, Sas};
pub use test::{InjectPath, OidKind, TestRequest};

use crate::codes::Ioctl;
use crate::error::{DispatchError, Fault, Field};
use crate::wire::read_header;

use body::Body;

/// Most SAs in one bundle on the wire (ESP + AH + IPCOMP, 6.6.16).
pub const MAX_BUNDLE: u32 = 3;
/// Most bytes of a test request's module name.
pub const MAX_MODULE_NAME: u32 = 256;
/// Most bytes of a test request's payload.
pub const MAX_TEST_PAYLOAD: u32 = 65_536;

fn handshake(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::exact(msg, 8)?;
    let min = b.r.u16(8)?;
    let max = b.r.u16(10)?;
    b.r.reserved(12, 4, Field::Body)?;
    Ok(Request::Handshake { min, max })
}

fn body(ioctl: Ioctl, msg: &[u8]) -> Result<Request<'_>, Fault> {
    match ioctl {
        Ioctl::Handshake => handshake(msg),
        Ioctl::SpdCreate => spd::create(msg),
        Ioctl::SpdDestroy | Ioctl::SpdFlush => spd::destroy_or_flush(ioctl, msg),
        Ioctl::SpdBind | Ioctl::SpdUnbind => spd::bind_or_unbind(ioctl, msg),
        Ioctl::PolicyCreate => policy::create(msg),
        Ioctl::PolicyDestroy => policy::destroy(msg),
        Ioctl::PolicyBatchCreate => policy::batch_create(msg),
        Ioctl::PolicyBatchDestroy => policy::batch_destroy(msg),
        Ioctl::PolicyBind => policy::bind(msg),
        Ioctl::PolicyUnbind => policy::unbind(msg),
        Ioctl::PolicyBatchBind => policy::batch_bind(msg),
        Ioctl::PolicyBatchUnbind => policy::batch_unbind(msg),
        Ioctl::PolicyChangePriority => policy::change_priority(msg),
        Ioctl::SaAdd => sa::add(msg),
        Ioctl::SaRemove => sa::remove(msg),
        Ioctl::SpiReserve => spi::reserve(msg),
        Ioctl::SpiRelease => spi::release(msg),
        Ioctl::PolicyStats => stats::policy(msg),
        Ioctl::SaStats => stats::sa(msg),
        Ioctl::GlobalStats => stats::global(msg),
        Ioctl::QueryAllSpds => queries::all_spds(msg),
        Ioctl::QuerySpdBindings
        | Ioctl::QueryAllPolicies
        | Ioctl::QueryAllSas
        | Ioctl::QueryPolicyBindings
        | Ioctl::QueryPolicyData
        | Ioctl::QuerySaData => queries::by_handle(ioctl, msg),
        Ioctl::QuerySpdHandle | Ioctl::QueryPolicyHandle => queries::spd_or_policy_ids(ioctl, msg),
        Ioctl::QuerySaHandle => queries::sa_ids(msg),
        Ioctl::EventSetMask => events::set_mask(msg),
        Ioctl::EventRateLimit => events::rate_limit(msg),
        Ioctl::EventWait => events::wait(msg),
        Ioctl::TestOid | Ioctl::TestInject | Ioctl::TestModuleStats => test::decode(ioctl, msg),
    }
}

/// Decodes and validates the request of `code` in `input`. Never allocates.
pub fn decode(code: u32, input: &[u8]) -> Result<(Ioctl, Request<'_>), DispatchError> {
    let ioctl = Ioctl::from_code(code).ok_or(DispatchError::UnknownIoctl(code))?;
    read_header(input)?;
    Ok((ioctl, body(ioctl, input)?))
}

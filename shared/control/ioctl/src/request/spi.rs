//! The SPI family (6.6.18-6.6.19): reserve and release.

use crate::error::Fault;

use super::body::Body;
use super::Request;

/// `SpiReserve`.
pub(super) fn reserve(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 12)?;
    let (selectors, r) = b.selectors(1, 2)?;
    b.done(&[r])?;
    Ok(Request::SpiReserve {
        policy: b.w(0)?,
        selectors,
    })
}

/// `SpiRelease`.
pub(super) fn release(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::exact(msg, 8)?;
    Ok(Request::SpiRelease {
        policy: b.w(0)?,
        spi: b.w(1)?,
    })
}

//! Helpers of every family: the response of a control-plane result, output size checks, and
//! the fallible collection of a request's arrays.

use alloc::vec::Vec;

use ipsecov2_control_plane::{PlaneError, Selector, NPF_NO_ERROR};

use crate::error::DispatchError;
use crate::request::{Selectors, U32s};
use crate::response::{begin, finish};
use crate::wire::Writer;

pub(super) fn too_small(needed: usize) -> DispatchError {
    DispatchError::OutputTooSmall { needed }
}

pub(super) fn vec_of<T>(src: impl Iterator<Item = T>, n: usize) -> Result<Vec<T>, PlaneError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)?;
    v.extend(src);
    Ok(v)
}

pub(super) fn selectors(s: &Selectors<'_>) -> Result<Vec<Selector>, PlaneError> {
    vec_of(s.iter(), s.len())
}

pub(super) fn u32s<T>(a: &U32s<'_>, f: impl Fn(u32) -> T) -> Result<Vec<T>, PlaneError> {
    vec_of(a.iter().map(f), a.len())
}

/// Writes a plane result: Ok with a body writer, or the error's status.
pub(super) fn respond<T>(
    out: &mut [u8],
    result: Result<T, (PlaneError, u32)>,
    body: impl FnOnce(&mut Writer<'_>, T) -> Result<(), usize>,
) -> Result<usize, DispatchError> {
    let mut w = Writer::new(out);
    match result {
        Ok(v) => {
            begin(&mut w, NPF_NO_ERROR, 0).map_err(too_small)?;
            body(&mut w, v).map_err(too_small)?;
        }
        Err((e, index)) => begin(&mut w, e.code(), index).map_err(too_small)?,
    }
    Ok(finish(&mut w))
}

pub(super) fn plain<T>(r: Result<T, PlaneError>) -> Result<T, (PlaneError, u32)> {
    r.map_err(|e| (e, 0))
}

/// Checks the output can hold `needed` bytes before anything runs.
pub(super) fn need(out: &[u8], needed: usize) -> Result<(), DispatchError> {
    if out.len() < needed {
        Err(too_small(needed))
    } else {
        Ok(())
    }
}

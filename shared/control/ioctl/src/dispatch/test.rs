//! The test family: the response to a test request the driver carried out.

use ipsecov2_control_plane::NPF_NO_ERROR;

use crate::error::DispatchError;
use crate::response::{begin, finish, with_header};
use crate::wire::Writer;

use super::respond::too_small;
use super::Dispatcher;

impl Dispatcher {
    /// Encodes the result of a test request the driver carried out: its NTSTATUS, then the
    /// bytes it produced (an OID's InformationBuffer, or nothing).
    pub fn complete_test(
        out: &mut [u8],
        ntstatus: u32,
        data: &[u8],
    ) -> Result<usize, DispatchError> {
        let needed = with_header(8 + data.len());
        if out.len() < needed {
            return Err(too_small(needed));
        }
        let mut w = Writer::new(out);
        begin(&mut w, NPF_NO_ERROR, 0).map_err(too_small)?;
        w.u32(ntstatus).map_err(too_small)?;
        w.u32(u32::try_from(data.len()).unwrap_or(u32::MAX))
            .map_err(too_small)?;
        w.put(data).map_err(too_small)?;
        Ok(finish(&mut w))
    }
}

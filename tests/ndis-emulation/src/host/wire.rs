//! Two hosts back to back.

use super::*;

/// Two hosts back to back: what one miniport sends the other receives.
#[derive(Debug)]
pub struct Wire;

impl Wire {
    /// Delivers every frame waiting in either miniport's outbox to the other host (repeatedly,
    /// until both are empty). Returns how many frames were delivered.
    ///
    /// # Errors
    ///
    /// A host is not attached.
    pub fn pump(a: &mut Host, b: &mut Host) -> Result<usize, HostError> {
        let mut n = 0;
        loop {
            let ab = std::mem::take(&mut a.port.miniport.outbox);
            let ba = std::mem::take(&mut b.port.miniport.outbox);
            if ab.is_empty() && ba.is_empty() {
                return Ok(n);
            }
            n += ab.len() + ba.len();
            b.receive(&ab)?;
            a.receive(&ba)?;
        }
    }
}

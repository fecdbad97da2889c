//! IRPs sent to the driver's control device: each tracked from dispatch until it is completed,
//! exactly once, with `IofCompleteRequest` (a second completion, or completing an IRP the host
//! never sent, is a violation).

use std::sync::Mutex;

use super::irql::{at_most, DISPATCH_LEVEL};
use super::verifier::violation;
use crate::abi::structs::IRP;

/// (IRP address, completions, priority boost of the last completion)
static IRPS: Mutex<Vec<(usize, u32, i8)>> = Mutex::new(Vec::new());

/// Starts tracking an IRP being dispatched.
pub fn issue(irp: usize) {
    if let Ok(mut v) = IRPS.lock() {
        v.push((irp, 0, 0));
    }
}

/// Stops tracking an IRP; returns its completion count.
pub fn finish(irp: usize) -> u32 {
    let Ok(mut v) = IRPS.lock() else { return 0 };
    match v.iter().position(|e| e.0 == irp) {
        Some(i) => v.remove(i).1,
        None => 0,
    }
}

/// `VOID IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost)` — ≤ DISPATCH_LEVEL.
pub extern "win64" fn iof_complete_request(irp: *mut IRP, boost: i8) {
    at_most("IofCompleteRequest", DISPATCH_LEVEL);
    let Ok(mut v) = IRPS.lock() else { return };
    match v.iter_mut().find(|e| e.0 == irp as usize) {
        Some(e) => {
            e.1 += 1;
            e.2 = boost;
            if e.1 > 1 {
                violation(format!(
                    "IofCompleteRequest: IRP {irp:p} completed {} times",
                    e.1
                ));
            }
        }
        None => violation(format!(
            "IofCompleteRequest: {irp:p} is not an IRP sent to the driver"
        )),
    }
}

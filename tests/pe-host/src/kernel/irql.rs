//! IRQL, tracked per thread, and the bound of each import.

use core::cell::Cell;

use super::verifier::violation;

/// `PASSIVE_LEVEL`.
pub const PASSIVE_LEVEL: u8 = 0;
/// `APC_LEVEL`.
pub const APC_LEVEL: u8 = 1;
/// `DISPATCH_LEVEL`.
pub const DISPATCH_LEVEL: u8 = 2;
/// Highest IRQL on x64.
pub const HIGH_LEVEL: u8 = 15;

thread_local! {
    static IRQL: Cell<u8> = const { Cell::new(PASSIVE_LEVEL) };
}

/// The calling thread's IRQL.
pub fn current() -> u8 {
    IRQL.with(Cell::get)
}

/// Sets the calling thread's IRQL (the host entering a callback at a given level, or an import
/// raising/lowering it).
pub fn set(level: u8) {
    IRQL.with(|c| c.set(level));
}

/// Records a violation unless the IRQL is at most `max` when `import` is called.
pub fn at_most(import: &str, max: u8) {
    let now = current();
    if now > max {
        violation(format!(
            "{import} called at IRQL {now}, above its bound {max}"
        ));
    }
}

/// Records a violation unless the IRQL is exactly `level` when `import` is called.
pub fn exactly(import: &str, level: u8) {
    let now = current();
    if now != level {
        violation(format!("{import} called at IRQL {now}, must be {level}"));
    }
}

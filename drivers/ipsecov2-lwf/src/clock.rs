//! The control plane's clock, portable and without `unsafe`: the lifetime timer
//! (`shell::timer`) fires every [`TICK_PERIOD_MS`] and hands `ControlPlane::tick` the whole
//! seconds since the driver started ([`seconds_since`]), read from the interrupt time
//! (`KeQueryInterruptTimePrecise`: 100 ns units, monotonic, sleep included — an SA's lifetime
//! in seconds is wall time, so time asleep counts).
#![forbid(unsafe_code)]

/// Period of the lifetime timer: lifetimes are in whole seconds, so once a second is enough
/// for an expiry to be seen within a second of its time.
pub const TICK_PERIOD_MS: u32 = 1000;

/// Interrupt-time units (100 ns) per second.
pub const UNITS_PER_SECOND: u64 = 10_000_000;

/// The first due time of the timer, relative (negative, 100 ns units): one period from now.
pub const FIRST_DUE: i64 = -(TICK_PERIOD_MS as i64) * 10_000;

// Relative (negative) and exactly one period.
const _: () = assert!(FIRST_DUE < 0);
const _: () = assert!(FIRST_DUE.unsigned_abs() == TICK_PERIOD_MS as u64 * UNITS_PER_SECOND / 1000);

/// Whole seconds from `start` to `now` (interrupt times); 0 if `now` is before `start`.
#[must_use]
pub const fn seconds_since(start: u64, now: u64) -> u64 {
    now.saturating_sub(start) / UNITS_PER_SECOND
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_round_down_and_never_go_back() {
        assert_eq!(seconds_since(5, 5), 0);
        assert_eq!(seconds_since(5, 5 + UNITS_PER_SECOND - 1), 0);
        assert_eq!(seconds_since(5, 5 + UNITS_PER_SECOND), 1);
        assert_eq!(seconds_since(0, 3_600 * UNITS_PER_SECOND + 7), 3_600);
        assert_eq!(seconds_since(100, 99), 0);
        assert_eq!(seconds_since(0, u64::MAX), u64::MAX / UNITS_PER_SECOND);
    }
}

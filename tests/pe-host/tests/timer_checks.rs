//! The host's NDIS timer objects and clock, each check shown to fire (the host functions called
//! as the driver calls them, with a timer function of this test registered as if it were in the
//! driver's image): the characteristics checked, IRQL bounds, a timer freed while set, and at
//! unload a timer still set or never freed. Firing the driver's own timer is in
//! `tests/lifetime_timer.rs`. One test: the host's state is process-wide.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use core::ffi::c_void;

use ipsecov2_pe_host::kernel::timer::{self, NdisTimerCharacteristics};
use ipsecov2_pe_host::kernel::{image, irql, pool, verifier};

const TAG: u32 = u32::from_le_bytes(*b"IOv2");
const NDIS_STATUS_BAD_CHARACTERISTICS: i32 = 0xC001_0005_u32 as i32;

extern "win64" fn timer_function(_: *mut c_void, _: *mut c_void, _: *mut c_void, _: *mut c_void) {}

fn chars(header: [u8; 4]) -> NdisTimerCharacteristics {
    NdisTimerCharacteristics {
        header,
        allocation_tag: TAG,
        timer_function: timer_function as *const () as usize,
        function_context: 0x1234,
    }
}

fn allocate(c: &NdisTimerCharacteristics) -> (i32, usize) {
    let mut handle = 0usize;
    // SAFETY: the characteristics and the out location live across the call.
    let status = unsafe { timer::ndis_allocate_timer_object(0x4000, c, &mut handle) };
    (status, handle)
}

fn has(v: &[String], what: &str) -> bool {
    v.iter().any(|s| s.contains(what))
}

#[test]
fn timer_objects_are_checked_and_a_timer_left_at_unload_is_reported() {
    verifier::take();
    irql::set(irql::PASSIVE_LEVEL);
    let f = timer_function as *const () as usize;
    image::set(f & !0xFFF, 0x2000);
    let good = chars([0x97, 1, 0x18, 0]);

    // A wrong header is refused.
    assert_eq!(
        allocate(&chars([0x98, 1, 0x18, 0])).0,
        NDIS_STATUS_BAD_CHARACTERISTICS
    );
    assert!(has(&verifier::take(), "bad header"));

    // Allocated with the caller's tag; set, cancelled, freed: nothing to report.
    let (status, t) = allocate(&good);
    assert_eq!(status, 0);
    assert!(pool::live().iter().any(|(a, b)| *a == t && b.tag == TAG));
    assert_eq!(timer::ndis_set_timer_object(t, -10_000_000, 1000, 0), 0);
    assert_eq!(timer::set_count(), 1);
    assert_eq!(
        timer::ndis_set_timer_object(t, -10_000_000, 1000, 0),
        1,
        "already set"
    );
    assert_eq!(timer::ndis_cancel_timer_object(t), 1);
    assert_eq!(timer::ndis_cancel_timer_object(t), 0, "no longer set");
    timer::ndis_free_timer_object(t);
    assert_eq!(timer::live(), 0);
    assert_eq!(verifier::take(), Vec::<String>::new());

    // Freed while still set.
    let (_, t) = allocate(&good);
    timer::ndis_set_timer_object(t, -1, 0, 0);
    timer::ndis_free_timer_object(t);
    assert!(has(&verifier::take(), "freed while still set"));

    // Above DISPATCH_LEVEL; an unknown handle.
    let (_, t) = allocate(&good);
    irql::set(irql::HIGH_LEVEL);
    timer::ndis_set_timer_object(t, -1, 0, 0);
    irql::set(irql::PASSIVE_LEVEL);
    assert!(has(
        &verifier::take(),
        "NdisSetTimerObject called at IRQL 15"
    ));
    timer::ndis_cancel_timer_object(0xdead);
    assert!(has(&verifier::take(), "not a live timer object"));

    // KeFlushQueuedDpcs only at PASSIVE_LEVEL.
    irql::set(irql::DISPATCH_LEVEL);
    timer::ke_flush_queued_dpcs();
    irql::set(irql::PASSIVE_LEVEL);
    assert!(has(&verifier::take(), "KeFlushQueuedDpcs called at IRQL 2"));

    // Left set and never freed at unload: both reported, and the host forgets it.
    timer::check_released();
    let v = verifier::take();
    assert!(has(&v, "still set at unload"), "{v:?}");
    assert!(has(&v, "never freed"), "{v:?}");
    assert_eq!(timer::live(), 0);

    // The clock: monotonic, written to the QPC location too.
    let mut qpc = 0u64;
    // SAFETY: `qpc` is a valid out location.
    let a = unsafe { timer::ke_query_interrupt_time_precise(&mut qpc) };
    assert_eq!(a, qpc);
    assert!(a > 0);
    assert_eq!(verifier::take(), Vec::<String>::new());
}

//! No memory on the OID path: with the k-th allocation of a request failed (for every k the
//! request makes), ADD_SA, ADD_SA_EX and DELETE_SA complete with NDIS_STATUS_RESOURCES and leave
//! the table as it was (nothing installed or deleted, only NULL handles written), never abort.
//!
//! A global allocator of this test binary fails the armed allocation of the armed thread; the
//! backend's own allocations (the test table's bundles) are not counted, so that the failures
//! land in the handlers and the decoder.
#![cfg(test)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::num::NonZeroU64;

use common::backend::TableBackend;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;
use ipsecov2_oid::*;

thread_local! {
    /// The allocation to fail on this thread (1 = the next one), 0 = none.
    static ARMED: Cell<u64> = const { Cell::new(0) };
    /// Allocations counted on this thread since arming.
    static SEEN: Cell<u64> = const { Cell::new(0) };
    /// Whether the armed allocation was reached and failed.
    static FAILED: Cell<bool> = const { Cell::new(false) };
    /// Counting paused (inside the backend).
    static PAUSED: Cell<bool> = const { Cell::new(false) };
}

struct FailingAlloc;

impl FailingAlloc {
    fn fails(&self) -> bool {
        let armed = ARMED.with(Cell::get);
        if armed == 0 || PAUSED.with(Cell::get) {
            return false;
        }
        let n = SEEN.with(|s| {
            s.set(s.get() + 1);
            s.get()
        });
        if n == armed {
            FAILED.with(|f| f.set(true));
            true
        } else {
            false
        }
    }
}

// SAFETY: every call forwards to `System` with the caller's layout, or returns null (allowed for
// an allocation failure).
unsafe impl GlobalAlloc for FailingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if self.fails() {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's contract for `layout` is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if self.fails() {
            return std::ptr::null_mut();
        }
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if self.fails() {
            return std::ptr::null_mut();
        }
        // SAFETY: `ptr` was allocated by `System` (every allocation here is) with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: FailingAlloc = FailingAlloc;

/// Runs `f` with the k-th allocation of this thread failed; returns its result and whether the
/// failure happened (false: `f` made fewer than k allocations).
fn with_failing<R>(k: u64, f: impl FnOnce() -> R) -> (R, bool) {
    SEEN.with(|s| s.set(0));
    FAILED.with(|x| x.set(false));
    ARMED.with(|a| a.set(k));
    let r = f();
    ARMED.with(|a| a.set(0));
    (r, FAILED.with(Cell::get))
}

/// The real table, its allocations left out of the count.
struct Uncounted<'a>(&'a TableBackend);

fn uncounted<R>(f: impl FnOnce() -> R) -> R {
    PAUSED.with(|p| p.set(true));
    let r = f();
    PAUSED.with(|p| p.set(false));
    r
}

impl SaBackend for Uncounted<'_> {
    fn add(&self, sa: &SaSpec<'_>) -> Result<NonZeroU64, BackendError> {
        uncounted(|| self.0.add(sa))
    }

    fn delete(&self, handle: u64) -> bool {
        uncounted(|| self.0.delete(handle))
    }

    fn update_sequence_high(
        &self,
        handle: u64,
        protocol: IpsecProtocol,
        spi: u32,
        seq_high: u32,
    ) -> Result<(), UpdateError> {
        uncounted(|| self.0.update_sequence_high(handle, protocol, spi, seq_high))
    }
}

fn three() -> [AddSa; 3] {
    [
        esp_gcm(0x2001, 128, 16),
        esp_gcm(0x2002, 256, 16),
        esp_gcm(0x2003, 192, 12),
    ]
}

#[test]
fn add_sa_without_memory_is_refused_with_resources_and_installs_nothing() {
    let mut points = 0;
    for k in 1.. {
        let backend = TableBackend::new(8);
        let (mut bytes, offsets) = add_sa_list(&three());
        let (report, failed) = with_failing(k, || {
            set_add_sa(&mut InfoBuffer::new(&mut bytes, BASE), &Uncounted(&backend))
        });
        if !failed {
            assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS, "{report:?}");
            assert_eq!(report.offloaded(), 3);
            assert_eq!(backend.table.len(), 3);
            break;
        }
        points += 1;
        assert_eq!(report.completion.status, NDIS_STATUS_RESOURCES, "k={k}");
        assert_eq!(report.request_error, Some(RequestError::NoMemory), "k={k}");
        assert_eq!(backend.table.len(), 0, "k={k}: nothing installed");
        for &o in &offsets {
            assert_eq!(handle_at(&bytes, o), 0, "k={k}: NULL handles written back");
        }
    }
    assert!(points >= 3, "the request made only {points} allocations");
}

#[test]
fn add_sa_ex_without_memory_is_refused_with_resources() {
    let mut points = 0;
    for k in 1.. {
        let backend = TableBackend::new(8);
        let mut bytes = add_sa_ex(&esp_gcm(0x3001, 128, 16));
        let (report, failed) = with_failing(k, || {
            set_add_sa_ex(&mut InfoBuffer::new(&mut bytes, BASE), &Uncounted(&backend))
        });
        if !failed {
            assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS, "{report:?}");
            assert_eq!(backend.table.len(), 1);
            break;
        }
        points += 1;
        assert_eq!(report.completion.status, NDIS_STATUS_RESOURCES, "k={k}");
        assert_eq!(backend.table.len(), 0, "k={k}: nothing installed");
        assert_eq!(handle_at(&bytes, layout::add_sa_ex::OFFLOAD_HANDLE), 0);
    }
    assert!(points >= 1, "the request made no allocation");
}

#[test]
fn delete_sa_without_memory_is_refused_with_resources_and_deletes_nothing() {
    let mut points = 0;
    for k in 1.. {
        let backend = TableBackend::new(8);
        let (mut bytes, offsets) = add_sa_list(&three());
        let added = set_add_sa(&mut InfoBuffer::new(&mut bytes, BASE), &backend);
        assert_eq!(added.offloaded(), 3);
        let mut handles: Vec<u64> = offsets.iter().map(|&o| handle_at(&bytes, o)).collect();
        handles.push(0xdead_0000); // an unknown handle, reported as such
        let mut del = delete_sa_list(&handles);
        let (report, failed) = with_failing(k, || {
            set_delete_sa(&mut InfoBuffer::new(&mut del, BASE), &Uncounted(&backend))
        });
        if !failed {
            assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS, "{report:?}");
            assert_eq!(report.deleted, handles[..3]);
            assert_eq!(report.unknown, [0xdead_0000]);
            assert_eq!(backend.table.len(), 0);
            break;
        }
        points += 1;
        assert_eq!(report.completion.status, NDIS_STATUS_RESOURCES, "k={k}");
        assert_eq!(report.request_error, Some(RequestError::NoMemory), "k={k}");
        assert_eq!(backend.table.len(), 3, "k={k}: nothing deleted");
    }
    assert!(points >= 3, "the request made only {points} allocations");
}

//! After construction, no table operation allocates or frees: proved with a counting global
//! allocator. (SA payloads are allocated by the caller before `add`, and freed by the caller
//! after `delete`, outside the measured region or explicitly.)
#![cfg(test)]
#![cfg(not(loom))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use ipsecov2_satable::{
    Arc, HostSaTable, InboundKey, InboundKeys, IpAddress, IpsecProtocol, OffloadHandle, SaEntry,
    TableSeed,
};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static FREES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees are ours; the counters have no effect on the memory returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged; our caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        FREES.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged; `ptr` came from `System.alloc` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged; our caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

struct Sa(InboundKeys);

impl SaEntry for Sa {
    fn inbound_keys(&self) -> InboundKeys {
        self.0
    }
}

fn key(spi: u32, proto: IpsecProtocol) -> InboundKey {
    InboundKey::new(spi, IpAddress::v4([198, 51, 100, 9]), proto)
}

fn counts() -> (usize, usize) {
    (ALLOCS.load(Ordering::SeqCst), FREES.load(Ordering::SeqCst))
}

#[test]
fn operations_do_not_allocate() {
    let table = HostSaTable::<Sa>::with_capacity(64, TableSeed::from_bytes([3; 32])).unwrap();
    // Payloads are built (allocated) up front, as the control plane does before `add`.
    let payloads: Vec<Arc<Sa>> = (0..64u32)
        .map(|i| {
            Arc::new(Sa(if i % 2 == 0 {
                InboundKeys::two(key(i, IpsecProtocol::Esp), key(i, IpsecProtocol::Ah))
            } else {
                InboundKeys::one(key(i, IpsecProtocol::Esp))
            }))
        })
        .collect();
    let spare = Arc::new(Sa(InboundKeys::NONE));
    let mut handles = [None; 64];
    let mut removed: [Option<Arc<Sa>>; 64] = [const { None }; 64];

    let before = counts();
    for (slot, sa) in handles.iter_mut().zip(&payloads) {
        *slot = Some(table.add(sa.clone()).unwrap_or_else(|_| panic!("add")));
    }
    let rejected = table.add(spare.clone()).unwrap_err(); // Full: handed back, not freed
    drop(rejected); // not the last reference: no free
    let mut hits = 0usize;
    for round in 0..4u32 {
        for (i, h) in handles.iter().enumerate() {
            let h = h.unwrap();
            hits += usize::from(table.get(h).is_some());
            hits += table.with_sa(h, |_| 1).unwrap_or(0);
            let spi = (i as u32 + round) % 64;
            hits += usize::from(table.get_inbound(&key(spi, IpsecProtocol::Esp)).is_some());
            hits += table
                .with_inbound(&key(spi, IpsecProtocol::Ah), |_, _| 1)
                .unwrap_or(0);
        }
    }
    // Bulk lookups into a caller-owned array on the stack.
    let bulk_keys: [InboundKey; 20] =
        core::array::from_fn(|i| key(i as u32 * 3 % 64, IpsecProtocol::Esp));
    let mut bulk_out: [Option<(OffloadHandle, Arc<Sa>)>; 20] = Default::default();
    table.get_inbound_many(&bulk_keys, &mut bulk_out);
    std::hint::black_box(table.warm_inbound(&bulk_keys));
    let bulk_hits = bulk_out.iter().filter(|o| o.is_some()).count();
    drop(bulk_out);
    let mut seen = 0usize;
    table.for_each(|_, _| seen += 1);
    let h0 = handles[1].unwrap();
    let old = table
        .replace(h0, payloads[1].clone())
        .unwrap_or_else(|_| panic!("replace"));
    drop(old);
    for (h, out) in handles.iter().zip(removed.iter_mut()).step_by(2) {
        *out = table.delete(h.unwrap());
    }
    let drained = table.drain(|_, sa| drop(sa));
    let after = counts();

    assert_eq!(after, before, "table operations allocated or freed");
    assert_eq!(hits, 4 * (64 + 64 + 64 + 32));
    assert_eq!(seen, 64);
    assert_eq!(bulk_hits, 20);
    assert_eq!(drained, 32);
    assert!(removed.iter().step_by(2).all(Option::is_some));
    assert!(table.is_empty());
    // The counter does see allocations.
    let probe = std::hint::black_box(Box::new(7u64));
    assert!(counts().0 > after.0);
    drop(probe);
}

//! Behaviour of the SA table through its public API (host lock).
#![cfg(test)]
#![cfg(not(loom))]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;

use ipsecov2_satable::{
    table_bytes, table_bytes_per_sa, AddError, Arc, HostSaTable, InboundKey, InboundKeys,
    IpAddress, IpsecProtocol, OffloadHandle, ReplaceError, SaEntry, TableError, TableSeed,
    DEFAULT_CAPACITY, MAX_CAPACITY, SCAN_CHUNK,
};

/// Test payload: an id, its inbound keys, and drop accounting.
#[derive(Debug)]
struct TestSa {
    id: u64,
    keys: InboundKeys,
    dropped: Option<std::sync::Arc<AtomicBool>>,
    drops: Option<std::sync::Arc<AtomicUsize>>,
}

impl TestSa {
    fn new(id: u64, keys: InboundKeys) -> Arc<Self> {
        Arc::new(Self {
            id,
            keys,
            dropped: None,
            drops: None,
        })
    }
}

impl SaEntry for TestSa {
    fn inbound_keys(&self) -> InboundKeys {
        self.keys
    }
}

impl Drop for TestSa {
    fn drop(&mut self) {
        if let Some(flag) = &self.dropped {
            flag.store(true, Ordering::SeqCst);
        }
        if let Some(count) = &self.drops {
            count.fetch_add(1, Ordering::SeqCst);
        }
    }
}

type Table = HostSaTable<TestSa>;

fn seed() -> TableSeed {
    TableSeed::from_words([0x0123_4567, 0x89ab_cdef, 0xfeed_face, 0xcafe_f00d])
}

fn table(capacity: usize) -> Table {
    Table::with_capacity(capacity, seed()).unwrap()
}

fn esp(spi: u32) -> InboundKey {
    InboundKey::new(spi, IpAddress::v4([192, 0, 2, 1]), IpsecProtocol::Esp)
}

fn ah(spi: u32) -> InboundKey {
    InboundKey::new(spi, IpAddress::v4([192, 0, 2, 1]), IpsecProtocol::Ah)
}

fn esp6(spi: u32) -> InboundKey {
    let mut a = [0u8; 16];
    a[0] = 0x20;
    a[1] = 0x01;
    a[2] = 0x0d;
    a[3] = 0xb8;
    a[15] = 1;
    InboundKey::new(spi, IpAddress::v6(a), IpsecProtocol::Esp)
}

#[test]
fn capacity_limits() {
    assert_eq!(
        Table::with_capacity(0, seed()).unwrap_err(),
        TableError::ZeroCapacity
    );
    assert_eq!(
        Table::with_capacity(MAX_CAPACITY + 1, seed()).unwrap_err(),
        TableError::CapacityTooLarge {
            requested: MAX_CAPACITY + 1,
            max: MAX_CAPACITY
        }
    );
    let t = Table::new(seed()).unwrap();
    assert_eq!(t.capacity(), DEFAULT_CAPACITY);
    assert_eq!(t.len(), 0);
    assert!(t.is_empty());
    assert_eq!(table(1000).capacity(), 1000);
}

#[test]
fn handles_are_non_zero_and_distinct() {
    let t = table(64);
    let mut seen = std::collections::HashSet::new();
    for i in 0..64 {
        let h = t.add(TestSa::new(i, InboundKeys::NONE)).unwrap();
        assert_ne!(h.get(), 0);
        assert_eq!(OffloadHandle::from_usize(h.to_usize().unwrap()), Some(h));
        assert!(seen.insert(h));
        assert_eq!(t.get(h).unwrap().id, i);
    }
    assert_eq!(t.len(), 64);
}

#[test]
fn tables_with_different_seeds_issue_different_handles() {
    let a = Table::with_capacity(4, TableSeed::from_bytes([1; 32])).unwrap();
    let b = Table::with_capacity(4, TableSeed::from_bytes([2; 32])).unwrap();
    let ha = a.add(TestSa::new(1, InboundKeys::NONE)).unwrap();
    let hb = b.add(TestSa::new(1, InboundKeys::NONE)).unwrap();
    assert_ne!(ha, hb);
    assert_eq!(a.get(hb).map(|s| s.id), None);
}

#[test]
fn stale_handle_after_delete() {
    let t = table(4);
    let h = t.add(TestSa::new(7, InboundKeys::one(esp(1)))).unwrap();
    let removed = t.delete(h).unwrap();
    assert_eq!(removed.id, 7);
    assert!(t.get(h).is_none());
    assert!(!t.contains(h));
    assert!(t.with_sa(h, |sa| sa.id).is_none());
    assert!(t.delete(h).is_none());
    assert!(t.get_inbound(&esp(1)).is_none());
    assert_eq!(t.len(), 0);
    t.verify_invariants().unwrap();
}

#[test]
fn reused_slot_gets_a_new_handle() {
    let t = table(1);
    let old = t.add(TestSa::new(1, InboundKeys::one(esp(1)))).unwrap();
    t.delete(old).unwrap();
    let new = t.add(TestSa::new(2, InboundKeys::one(esp(1)))).unwrap();
    assert_ne!(old, new);
    // Same slot (low half), different generation (high half).
    assert_eq!(old.get() & 0xffff_ffff, new.get() & 0xffff_ffff);
    assert!(t.get(old).is_none());
    assert!(t.delete(old).is_none());
    assert_eq!(t.get(new).unwrap().id, 2);
    // Many reuses of the one slot: every handle is fresh and only the latest works.
    let mut all = std::collections::HashSet::new();
    let mut prev = new;
    for i in 3..1000 {
        t.delete(prev).unwrap();
        let h = t.add(TestSa::new(i, InboundKeys::NONE)).unwrap();
        assert!(all.insert(h));
        assert!(t.get(prev).is_none());
        prev = h;
    }
}

#[test]
fn forged_handles_never_reach_an_sa() {
    let t = table(16);
    let mut live = Vec::new();
    for i in 0..8 {
        live.push(t.add(TestSa::new(i, InboundKeys::NONE)).unwrap());
    }
    let real: std::collections::HashSet<u64> = live.iter().map(|h| h.get()).collect();
    // Zero is not a handle at all.
    assert!(OffloadHandle::from_u64(0).is_none());
    // Index part zero, or out of range.
    for raw in [
        1u64 << 32,
        u64::MAX << 32,
        17,
        18,
        u64::from(u32::MAX),
        u64::MAX,
    ] {
        let h = OffloadHandle::from_u64(raw).unwrap();
        assert!(t.get(h).is_none(), "{raw:#x}");
        assert!(t.delete(h).is_none());
    }
    // Right index, wrong generation.
    for h in &live {
        for flip in [1u64 << 32, 1 << 63, 0xffff_ffff_0000_0000] {
            let forged = OffloadHandle::from_u64(h.get() ^ flip).unwrap();
            assert!(t.get(forged).is_none());
            assert!(t.delete(forged).is_none());
        }
    }
    // Free slots (index 9..16) at every plausible generation we try.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..100_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        if let Some(h) = OffloadHandle::from_u64(state) {
            if !real.contains(&h.get()) {
                assert!(t.get(h).is_none());
                assert!(t.delete(h).is_none());
            }
        }
    }
    assert_eq!(t.len(), 8);
    for (i, h) in live.iter().enumerate() {
        assert_eq!(t.get(*h).unwrap().id, i as u64);
    }
    t.verify_invariants().unwrap();
}

#[test]
fn full_table_leaves_no_trace() {
    let t = table(3);
    for i in 0..3 {
        t.add(TestSa::new(i, InboundKeys::one(esp(i as u32))))
            .unwrap();
    }
    let drops = std::sync::Arc::new(AtomicUsize::new(0));
    let extra = Arc::new(TestSa {
        id: 99,
        keys: InboundKeys::two(esp(100), ah(100)),
        dropped: None,
        drops: Some(drops.clone()),
    });
    let rejected = t.add(extra).unwrap_err();
    assert_eq!(rejected.error, AddError::Full);
    assert_eq!(rejected.sa.id, 99);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(rejected);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(t.len(), 3);
    assert!(t.get_inbound(&esp(100)).is_none());
    assert!(t.get_inbound(&ah(100)).is_none());
    t.verify_invariants().unwrap();
    let mut ids = Vec::new();
    t.for_each(|_, sa| ids.push(sa.id));
    assert_eq!(ids, vec![0, 1, 2]);
}

#[test]
fn duplicate_inbound_key_leaves_no_trace() {
    let t = table(8);
    let h = t.add(TestSa::new(1, InboundKeys::one(esp(5)))).unwrap();
    // Second key duplicates an existing one: the first (new) key must not be registered.
    let r = t
        .add(TestSa::new(2, InboundKeys::two(ah(5), esp(5))))
        .unwrap_err();
    assert_eq!(r.error, AddError::DuplicateInboundKey(esp(5)));
    assert_eq!(r.sa.id, 2);
    assert!(t.get_inbound(&ah(5)).is_none());
    assert_eq!(t.len(), 1);
    // An SA listing the same key twice.
    let r = t
        .add(TestSa::new(3, InboundKeys::two(ah(6), ah(6))))
        .unwrap_err();
    assert_eq!(r.error, AddError::DuplicateInboundKey(ah(6)));
    assert!(t.get_inbound(&ah(6)).is_none());
    t.verify_invariants().unwrap();
    // The refused adds consumed no slot: capacity - 1 more adds still fit.
    for i in 0..7 {
        t.add(TestSa::new(10 + i, InboundKeys::NONE)).unwrap();
    }
    assert_eq!(
        t.add(TestSa::new(20, InboundKeys::NONE)).unwrap_err().error,
        AddError::Full
    );
    assert_eq!(t.get_inbound(&esp(5)).unwrap().0, h);
    // Same SPI on another protocol, address or family is a different key.
    t.delete(h).unwrap();
    // The keys of one SA share its destination.
    assert_eq!(
        t.add(TestSa::new(30, InboundKeys::two(esp(5), esp6(5))))
            .unwrap_err()
            .error,
        AddError::MixedDestinations
    );
    let h2 = t.add(TestSa::new(31, InboundKeys::one(esp6(5)))).unwrap();
    assert_eq!(t.get_inbound(&esp6(5)).unwrap().0, h2);
    assert!(t.get_inbound(&esp(5)).is_none());
    t.verify_invariants().unwrap();
}

#[test]
fn bundle_registers_both_keys_and_delete_removes_both() {
    let t = table(8);
    let h = t
        .add(TestSa::new(1, InboundKeys::two(esp(0x100), ah(0x200))))
        .unwrap();
    let out = t.add(TestSa::new(2, InboundKeys::NONE)).unwrap();
    assert_eq!(t.get_inbound(&esp(0x100)).unwrap().0, h);
    assert_eq!(t.get_inbound(&ah(0x200)).unwrap().1.id, 1);
    assert_eq!(
        t.with_inbound(&ah(0x200), |hh, sa| (hh, sa.id)),
        Some((h, 1))
    );
    assert!(t.get_inbound(&esp(0x200)).is_none());
    assert!(t.get_inbound(&ah(0x100)).is_none());
    t.verify_invariants().unwrap();
    assert_eq!(t.delete(h).unwrap().id, 1);
    assert!(t.get_inbound(&esp(0x100)).is_none());
    assert!(t.get_inbound(&ah(0x200)).is_none());
    assert_eq!(t.get(out).unwrap().id, 2);
    t.verify_invariants().unwrap();
    // Both keys are free again.
    t.add(TestSa::new(3, InboundKeys::one(ah(0x200)))).unwrap();
    t.add(TestSa::new(4, InboundKeys::one(esp(0x100)))).unwrap();
}

#[test]
fn delete_while_reader_holds_the_sa() {
    let t = table(4);
    let dropped = std::sync::Arc::new(AtomicBool::new(false));
    let h = t
        .add(Arc::new(TestSa {
            id: 1,
            keys: InboundKeys::one(esp(1)),
            dropped: Some(dropped.clone()),
            drops: None,
        }))
        .unwrap();
    let (_, reader) = t.get_inbound(&esp(1)).unwrap();
    let removed = t.delete(h).unwrap();
    drop(removed);
    assert!(
        !dropped.load(Ordering::SeqCst),
        "freed while a packet uses it"
    );
    assert_eq!(reader.id, 1);
    drop(reader);
    assert!(dropped.load(Ordering::SeqCst));
}

#[test]
fn concurrent_readers_and_writer() {
    let t = std::sync::Arc::new(table(256));
    let drops = std::sync::Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for i in 0..128u32 {
        handles.push(
            t.add(Arc::new(TestSa {
                id: u64::from(i),
                keys: InboundKeys::one(esp(i)),
                dropped: None,
                drops: Some(drops.clone()),
            }))
            .unwrap(),
        );
    }
    let handles = std::sync::Arc::new(handles);
    let barrier = std::sync::Arc::new(Barrier::new(3));
    let mut joins = Vec::new();
    for r in 0..2u32 {
        let (t, handles, barrier) = (t.clone(), handles.clone(), barrier.clone());
        joins.push(std::thread::spawn(move || {
            barrier.wait();
            for round in 0..200u32 {
                for (i, h) in handles.iter().enumerate() {
                    if let Some(sa) = t.get(*h) {
                        assert_eq!(sa.id, i as u64);
                    }
                    let spi = (i as u32 + round + r) % 128;
                    if let Some((hh, sa)) = t.get_inbound(&esp(spi)) {
                        assert_eq!(sa.id, u64::from(spi));
                        assert_eq!(hh, handles[spi as usize]);
                    }
                }
            }
        }));
    }
    barrier.wait();
    for h in handles.iter().step_by(2) {
        drop(t.delete(*h).unwrap());
    }
    for j in joins {
        j.join().unwrap();
    }
    assert_eq!(drops.load(Ordering::SeqCst), 64);
    assert_eq!(t.len(), 64);
    assert_eq!(t.clear(), 64);
    assert_eq!(drops.load(Ordering::SeqCst), 128);
}

#[test]
fn replace_keeps_handle_and_requires_same_keys() {
    let t = table(4);
    let h = t
        .add(TestSa::new(1, InboundKeys::two(esp(1), ah(1))))
        .unwrap();
    let old = t
        .replace(h, TestSa::new(2, InboundKeys::two(ah(1), esp(1))))
        .unwrap();
    assert_eq!(old.id, 1);
    assert_eq!(t.get(h).unwrap().id, 2);
    assert_eq!(t.get_inbound(&esp(1)).unwrap().1.id, 2);
    let r = t
        .replace(h, TestSa::new(3, InboundKeys::one(esp(1))))
        .unwrap_err();
    assert_eq!(r.error, ReplaceError::InboundKeysChanged);
    t.delete(h).unwrap();
    let r = t.replace(h, TestSa::new(4, InboundKeys::NONE)).unwrap_err();
    assert_eq!(r.error, ReplaceError::NotFound);
    t.verify_invariants().unwrap();
}

#[test]
fn drain_and_for_each() {
    let t = table(3000);
    let mut expected = std::collections::HashMap::new();
    for i in 0..2500u32 {
        let h = t
            .add(TestSa::new(u64::from(i), InboundKeys::one(esp(i))))
            .unwrap();
        expected.insert(h, u64::from(i));
    }
    let mut seen = 0;
    t.for_each(|h, sa| {
        assert_eq!(expected.get(&h), Some(&sa.id));
        seen += 1;
    });
    assert_eq!(seen, 2500);
    // The same walk, chunk by chunk, with the lock released in between.
    let mut cursor = Some(0);
    let mut starts = Vec::new();
    let mut chunked = 0;
    while let Some(start) = cursor {
        starts.push(start);
        cursor = t.for_each_chunk(start, |_, _| chunked += 1);
    }
    assert_eq!(starts, vec![0, SCAN_CHUNK, 2 * SCAN_CHUNK]);
    assert_eq!(chunked, 2500);
    assert_eq!(t.for_each_chunk(5000, |_, _| panic!("past the end")), None);
    let mut drained = std::collections::HashMap::new();
    let n = t.drain(|h, sa| {
        drained.insert(h, sa.id);
    });
    assert_eq!(n, 2500);
    assert_eq!(drained, expected);
    assert!(t.is_empty());
    assert!(t.get_inbound(&esp(7)).is_none());
    t.verify_invariants().unwrap();
    assert_eq!(t.clear(), 0);
}

#[test]
fn capacity_one() {
    let t = table(1);
    let h = t
        .add(TestSa::new(1, InboundKeys::two(esp(1), ah(1))))
        .unwrap();
    assert_eq!(
        t.add(TestSa::new(2, InboundKeys::NONE)).unwrap_err().error,
        AddError::Full
    );
    assert_eq!(t.get_inbound(&ah(1)).unwrap().0, h);
    t.verify_invariants().unwrap();
    t.delete(h).unwrap();
    let h2 = t
        .add(TestSa::new(3, InboundKeys::two(esp(1), ah(1))))
        .unwrap();
    assert_ne!(h, h2);
    assert_eq!(t.get_inbound(&esp(1)).unwrap().1.id, 3);
    t.verify_invariants().unwrap();
}

/// Fill a 1,048,576-SA table completely (ESP+AH bundles: 2M inbound keys), delete all,
/// refill. A few seconds in debug builds.
#[test]
fn capacity_max_fill_delete_refill() {
    let t = table(MAX_CAPACITY);
    let mut handles = Vec::with_capacity(MAX_CAPACITY);
    for round in 0..2u32 {
        handles.clear();
        for i in 0..MAX_CAPACITY as u32 {
            let keys = InboundKeys::two(esp(i ^ round), ah(i));
            handles.push(t.add(TestSa::new(u64::from(i), keys)).unwrap());
        }
        assert_eq!(t.len(), MAX_CAPACITY);
        let r = t.add(TestSa::new(0, InboundKeys::NONE)).unwrap_err();
        assert_eq!(r.error, AddError::Full);
        for i in (0..MAX_CAPACITY as u32).step_by(997) {
            assert_eq!(t.get(handles[i as usize]).unwrap().id, u64::from(i));
            assert_eq!(
                t.get_inbound(&esp(i ^ round)).unwrap().0,
                handles[i as usize]
            );
            assert_eq!(t.get_inbound(&ah(i)).unwrap().0, handles[i as usize]);
        }
        for (i, h) in handles.iter().enumerate() {
            assert_eq!(t.delete(*h).unwrap().id, i as u64);
        }
        assert!(t.is_empty());
        assert!(t.get_inbound(&ah(12345)).is_none());
        assert!(handles.iter().step_by(4099).all(|h| t.get(*h).is_none()));
    }
    assert_eq!(t.retired_slots(), 0);
    t.verify_invariants().unwrap();
}

#[test]
fn memory_per_sa() {
    let per_sa = table_bytes_per_sa(MAX_CAPACITY).unwrap();
    // 32-byte slot (SA pointer, generation, free-list link, destination) + 4 index entries of
    // 8 bytes.
    assert!(per_sa < 65.0, "{per_sa}");
    assert_eq!(
        table(MAX_CAPACITY).memory_bytes(),
        table_bytes(MAX_CAPACITY).unwrap()
    );
    assert_eq!(table_bytes(0), Err(TableError::ZeroCapacity));
}

//! Loom models of the table's concurrency. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p ipsecov2-satable --release --test loom`.
#![cfg(loom)]
#![allow(clippy::unwrap_used, clippy::panic)]

use ipsecov2_satable::sync::atomic::{AtomicUsize, Ordering};
use ipsecov2_satable::{
    Arc, InboundKey, InboundKeys, IpAddress, IpsecProtocol, LoomSaTable, OffloadHandle, SaEntry,
    TableSeed,
};
use loom::thread;

/// Payload that counts its drops in a shared loom atomic.
struct Sa {
    id: u64,
    keys: InboundKeys,
    drops: Arc<AtomicUsize>,
}

impl SaEntry for Sa {
    fn inbound_keys(&self) -> InboundKeys {
        self.keys
    }
}

impl Drop for Sa {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

type Table = LoomSaTable<Sa>;

fn key() -> InboundKey {
    InboundKey::new(0x1000, IpAddress::v4([192, 0, 2, 7]), IpsecProtocol::Esp)
}

fn table(capacity: usize) -> Arc<Table> {
    Arc::new(Table::with_capacity(capacity, TableSeed::from_words([1, 2, 3, 4])).unwrap())
}

fn sa(id: u64, keys: InboundKeys, drops: &Arc<AtomicUsize>) -> Arc<Sa> {
    Arc::new(Sa {
        id,
        keys,
        drops: drops.clone(),
    })
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

/// (1) A lookup racing a delete either sees the SA, which then stays alive until the reader
/// drops it, or sees nothing. The payload is dropped exactly once.
#[test]
fn lookup_vs_delete() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let t = table(2);
        let h = t.add(sa(1, InboundKeys::one(key()), &drops)).unwrap();

        let reader = {
            let (t, drops) = (t.clone(), drops.clone());
            thread::spawn(move || {
                if let Some(got) = t.get(h) {
                    assert_eq!(got.id, 1);
                    assert_eq!(drops.load(Ordering::SeqCst), 0, "freed while in use");
                    thread::yield_now();
                    assert_eq!(drops.load(Ordering::SeqCst), 0, "freed while in use");
                    drop(got);
                }
                if let Some((hh, got)) = t.get_inbound(&key()) {
                    assert_eq!(hh, h);
                    assert_eq!(drops.load(Ordering::SeqCst), 0, "freed while in use");
                    drop(got);
                }
            })
        };
        let removed = t.delete(h).unwrap();
        assert_eq!(removed.id, 1);
        drop(removed);
        reader.join().unwrap();
        assert!(t.get(h).is_none());
        assert!(t.get_inbound(&key()).is_none());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

/// (2) A lookup by inbound key racing the add of that key sees nothing or the complete SA.
#[test]
fn add_vs_inbound_lookup() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let t = table(2);
        let reader = {
            let t = t.clone();
            thread::spawn(move || t.get_inbound(&key()).map(|(h, s)| (h, s.id)))
        };
        let h = t.add(sa(7, InboundKeys::one(key()), &drops)).unwrap();
        if let Some((seen_h, seen_id)) = reader.join().unwrap() {
            assert_eq!(seen_h, h);
            assert_eq!(seen_id, 7);
        }
        assert_eq!(t.get_inbound(&key()).map(|(_, s)| s.id), Some(7));
        assert_eq!(t.clear(), 1);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

/// (3) Two deletes of the same handle: exactly one gets the SA; it is dropped once.
#[test]
fn two_deleters() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let t = table(1);
        let h = t.add(sa(3, InboundKeys::one(key()), &drops)).unwrap();
        let other = {
            let t = t.clone();
            thread::spawn(move || t.delete(h).map(|s| s.id))
        };
        let mine = t.delete(h).map(|s| s.id);
        let theirs = other.join().unwrap();
        assert!(
            matches!((mine, theirs), (Some(3), None) | (None, Some(3))),
            "{mine:?} {theirs:?}"
        );
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert!(t.is_empty());
    });
}

/// (4) Delete and re-add into the same slot (capacity 1) racing a lookup with the old handle:
/// the old handle yields the old SA or nothing, never the new one.
#[test]
fn stale_handle_vs_slot_reuse() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let t = table(1);
        let old = t.add(sa(1, InboundKeys::one(key()), &drops)).unwrap();
        let reader = {
            let t = t.clone();
            thread::spawn(move || {
                let by_handle = t.get(old).map(|s| s.id);
                let by_key = t.with_inbound(&key(), |h, s| (h, s.id));
                (by_handle, by_key)
            })
        };
        drop(t.delete(old).unwrap());
        let new = t.add(sa(2, InboundKeys::one(key()), &drops)).unwrap();
        assert_ne!(new, old);
        let (by_handle, by_key) = reader.join().unwrap();
        assert!(matches!(by_handle, None | Some(1)), "{by_handle:?}");
        // By key, the reader sees whichever SA holds the key, always with its own handle.
        assert!(
            matches!(by_key, None) || by_key == Some((old, 1)) || by_key == Some((new, 2)),
            "{by_key:?}"
        );
        assert!(t.get(old).is_none());
        assert_eq!(t.get(new).map(|s| s.id), Some(2));
        assert_eq!(OffloadHandle::from_u64(old.get()), Some(old));
        assert_eq!(t.clear(), 1);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
}

/// Sanity check of the harness: loom must find the interleaving where the lookup runs after
/// the delete, so asserting that the reader always sees the SA has to fail.
#[test]
#[should_panic]
fn harness_explores_both_orders() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let t = table(1);
        let h = t.add(sa(1, InboundKeys::NONE, &drops)).unwrap();
        let reader = {
            let t = t.clone();
            thread::spawn(move || t.get(h).is_some())
        };
        drop(t.delete(h));
        assert!(reader.join().unwrap(), "lookup after delete");
    });
}

//! Loom models of the table's concurrency. Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p ipsecov2-satable --release --test loom`.
#![cfg(test)]
#![cfg(loom)]

use ipsecov2_satable::sync::atomic::{AtomicUsize, Ordering};
use ipsecov2_satable::{
    AddError, Arc, InboundKey, InboundKeys, IpAddress, IpsecProtocol, LoomSaTable, SaEntry,
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

/// Explores every interleaving of `f` (no preemption bound: the models are small enough to
/// be checked exhaustively in well under a second) and returns how many executions loom ran.
fn model(f: impl Fn() + Sync + Send + 'static) -> usize {
    let executions = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = executions.clone();
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = None;
    builder.check(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f();
    });
    let n = executions.load(std::sync::atomic::Ordering::Relaxed);
    println!("explored {n} interleavings");
    assert!(n > 1, "loom explored a single interleaving");
    n
}

/// (1) A lookup racing a delete either sees the SA, which then stays alive until the reader
/// drops it, or sees nothing. The payload is dropped exactly once.
#[test]
fn lookup_vs_delete() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let t = table(2);
        let h = t.add(sa(1, InboundKeys::one(key()), &drops)).unwrap();

        // Reader by handle, holding the SA across a scheduling point.
        let by_handle = {
            let (t, drops) = (t.clone(), drops.clone());
            thread::spawn(move || {
                if let Some(got) = t.get(h) {
                    assert_eq!(got.id, 1);
                    assert_eq!(drops.load(Ordering::SeqCst), 0, "freed while in use");
                    thread::yield_now();
                    assert_eq!(drops.load(Ordering::SeqCst), 0, "freed while in use");
                    drop(got);
                }
            })
        };
        // Reader by inbound key, with an `Arc` and with a closure under the shared lock.
        let by_key = {
            let (t, drops) = (t.clone(), drops.clone());
            thread::spawn(move || {
                if let Some((hh, got)) = t.get_inbound(&key()) {
                    assert_eq!((hh, got.id), (h, 1));
                    thread::yield_now();
                    assert_eq!(drops.load(Ordering::SeqCst), 0, "freed while in use");
                    drop(got);
                }
                t.with_inbound(&key(), |hh, sa| {
                    assert_eq!((hh, sa.id), (h, 1));
                    assert_eq!(drops.load(Ordering::SeqCst), 0, "freed while in use");
                });
            })
        };
        let removed = t.delete(h).unwrap();
        assert_eq!(removed.id, 1);
        drop(removed);
        by_handle.join().unwrap();
        by_key.join().unwrap();
        assert!(t.get(h).is_none());
        assert!(t.get_inbound(&key()).is_none());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

fn ah_key() -> InboundKey {
    InboundKey::new(0x2000, IpAddress::v4([192, 0, 2, 7]), IpsecProtocol::Ah)
}

/// (2) Adds racing lookups by inbound key: an ESP+AH bundle (id 7) and a conflicting ESP SA
/// (id 8, same ESP key) are added concurrently while a reader looks both keys up. Exactly one
/// add wins; the reader sees nothing or a complete SA, and once it has seen the bundle by one
/// key it also finds it by the other.
#[test]
fn add_vs_inbound_lookup() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let t = table(2);
        let reader = {
            let t = t.clone();
            thread::spawn(move || {
                let esp = t.get_inbound(&key()).map(|(h, s)| (h, s.id));
                let ah = t.with_inbound(&ah_key(), |h, s| (h, s.id));
                (esp, ah)
            })
        };
        let rival = {
            let (t, drops) = (t.clone(), drops.clone());
            thread::spawn(move || {
                t.add(sa(8, InboundKeys::one(key()), &drops))
                    .map_err(|rejected| rejected.error)
            })
        };
        let bundle = t.add(sa(7, InboundKeys::two(key(), ah_key()), &drops));
        let rival = rival.join().unwrap();
        let (esp, ah) = reader.join().unwrap();
        let winner = match (&bundle, &rival) {
            (Ok(h), Err(AddError::DuplicateInboundKey(k))) if *k == key() => (*h, 7),
            (Err(r), Ok(h)) if r.error == AddError::DuplicateInboundKey(key()) => (*h, 8),
            _ => panic!("exactly one add must win"),
        };
        drop(bundle);
        if let Some(seen) = esp {
            assert_eq!(seen, winner);
            if seen.1 == 7 {
                assert_eq!(ah, Some(seen), "bundle seen by ESP key but not by AH key");
            }
        }
        if let Some(seen) = ah {
            assert_eq!(seen, (winner.0, 7));
        }
        assert_eq!(t.get_inbound(&key()).map(|(h, s)| (h, s.id)), Some(winner));
        assert_eq!(t.len(), 1);
        assert_eq!(t.clear(), 1);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
}

/// (3) Two deletes of the same handle, with a reader by key: exactly one delete gets the SA;
/// it is dropped once, never while the reader uses it.
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
        let reader = {
            let (t, drops) = (t.clone(), drops.clone());
            thread::spawn(move || {
                t.with_inbound(&key(), |hh, s| {
                    assert_eq!((hh, s.id), (h, 3));
                    assert_eq!(drops.load(Ordering::SeqCst), 0, "freed while in use");
                })
            })
        };
        let mine = t.delete(h).map(|s| s.id);
        let theirs = other.join().unwrap();
        reader.join().unwrap();
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
        // A second, late delete of the old handle (e.g. a retried DELETE_SA OID).
        let stale_deleter = {
            let t = t.clone();
            thread::spawn(move || t.delete(old).map(|s| s.id))
        };
        let mine = t.delete(old).map(|s| s.id);
        let new = t.add(sa(2, InboundKeys::one(key()), &drops)).unwrap();
        assert_ne!(new, old);
        let (by_handle, by_key) = reader.join().unwrap();
        let theirs = stale_deleter.join().unwrap();
        // Exactly one delete of the old handle got the old SA; the new SA was never touched.
        assert!(
            matches!((mine, theirs), (Some(1), None) | (None, Some(1))),
            "{mine:?} {theirs:?}"
        );
        assert!(matches!(by_handle, None | Some(1)), "{by_handle:?}");
        // By key, the reader sees whichever SA holds the key, always with its own handle.
        assert!(
            by_key.is_none() || by_key == Some((old, 1)) || by_key == Some((new, 2)),
            "{by_key:?}"
        );
        assert!(t.get(old).is_none());
        assert_eq!(t.get(new).map(|s| s.id), Some(2));
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

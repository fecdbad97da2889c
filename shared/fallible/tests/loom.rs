//! Loom models of `TryArc`'s reference counting: every interleaving of clones, drops,
//! downgrades and upgrades on two threads drops the value exactly once, never while a strong
//! reference can still reach it, and frees the allocation (loom reports leaks).
//! Run: `RUSTFLAGS="--cfg loom" cargo test -p ipsecov2-fallible --release --test loom`.
#![cfg(loom)]
#![cfg(test)]

use ipsecov2_fallible::TryArc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc as LoomArc;
use loom::thread;

struct Counted(LoomArc<AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn concurrent_drops_drop_once() {
    loom::model(|| {
        let drops = LoomArc::new(AtomicUsize::new(0));
        let a = TryArc::try_new(Counted(drops.clone())).unwrap();
        let b = a.clone();
        let t = thread::spawn(move || {
            // The value is readable until this thread's reference is gone.
            assert_eq!(b.0.load(Ordering::Relaxed), 0);
            drop(b);
        });
        drop(a);
        t.join().unwrap();
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    });
}

#[test]
fn upgrade_races_the_last_drop() {
    loom::model(|| {
        let drops = LoomArc::new(AtomicUsize::new(0));
        let a = TryArc::try_new(Counted(drops.clone())).unwrap();
        let w = TryArc::downgrade(&a);
        let t = thread::spawn(move || {
            if let Some(s) = w.upgrade() {
                // An upgraded reference always sees the live value.
                assert_eq!(s.0.load(Ordering::Relaxed), 0);
            }
            drop(w);
        });
        drop(a);
        t.join().unwrap();
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    });
}

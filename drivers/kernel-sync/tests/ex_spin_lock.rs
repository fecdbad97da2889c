//! The EX_SPIN_LOCK wrapper against the emulated ntoskrnl routines: IRQL discipline, reader
//! sharing, writer exclusion, and the SA table running on it from several threads.
#![cfg(test)]
#![cfg(not(target_os = "windows"))]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc as StdArc, Barrier};
use std::thread;
use std::time::Duration;

use ipsecov2_kernel_sync::emulation::KeGetCurrentIrql;
use ipsecov2_kernel_sync::{ExSpinRwLock, KernelSaTable, DISPATCH_LEVEL, PASSIVE_LEVEL};
use ipsecov2_satable::{
    Arc, InboundKey, InboundKeys, IpAddress, IpsecProtocol, SaEntry, SaLock, TableSeed,
};

#[test]
fn guards_raise_to_dispatch_and_restore() {
    let lock = ExSpinRwLock::new(5u32);
    assert_eq!(KeGetCurrentIrql(), PASSIVE_LEVEL);
    {
        let r = lock.read();
        assert_eq!(*r, 5);
        assert_eq!(KeGetCurrentIrql(), DISPATCH_LEVEL);
        // A second lock taken at DISPATCH returns DISPATCH as the old IRQL and restores it.
        let other = ExSpinRwLock::new(1u8);
        {
            let _w = other.write();
            assert_eq!(KeGetCurrentIrql(), DISPATCH_LEVEL);
        }
        assert_eq!(KeGetCurrentIrql(), DISPATCH_LEVEL);
    }
    assert_eq!(KeGetCurrentIrql(), PASSIVE_LEVEL);
    *lock.write() += 1;
    assert_eq!(KeGetCurrentIrql(), PASSIVE_LEVEL);
    assert_eq!(*lock.read(), 6);
}

#[test]
fn readers_share_the_lock() {
    let lock = StdArc::new(ExSpinRwLock::new(0u32));
    let both_inside = StdArc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (lock, both_inside) = (lock.clone(), both_inside.clone());
            // Each thread holds the shared side while waiting for the other to hold it too:
            // this only completes if two shared holders can coexist.
            thread::spawn(move || {
                let _g = lock.read();
                both_inside.wait();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn a_writer_excludes_readers_and_is_not_starved() {
    let lock = StdArc::new(ExSpinRwLock::new(0u32));
    let entered = StdArc::new(AtomicBool::new(false));
    let w = lock.write();
    let t = {
        let (lock, entered) = (lock.clone(), entered.clone());
        thread::spawn(move || {
            let g = lock.read();
            entered.store(true, Ordering::SeqCst);
            *g
        })
    };
    thread::sleep(Duration::from_millis(50));
    assert!(
        !entered.load(Ordering::SeqCst),
        "a reader got in while the writer held the lock"
    );
    drop(w);
    t.join().unwrap();
    assert!(entered.load(Ordering::SeqCst));

    // Writer preference: with readers streaming in, a writer still gets the lock.
    let stop = StdArc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (lock, stop) = (lock.clone(), stop.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let _g = lock.read();
                }
            })
        })
        .collect();
    for _ in 0..100 {
        *lock.write() += 1;
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(*lock.read(), 100);
}

#[test]
fn readers_never_see_a_torn_write() {
    let lock = StdArc::new(ExSpinRwLock::new((0u64, 0u64)));
    let torn = StdArc::new(AtomicU64::new(0));
    let mut threads = Vec::new();
    for w in 0..2u64 {
        let lock = lock.clone();
        threads.push(thread::spawn(move || {
            for i in 0..2_000 {
                let mut g = lock.write();
                g.0 = w * 1_000_000 + i;
                std::hint::black_box(&mut *g);
                g.1 = w * 1_000_000 + i;
            }
        }));
    }
    for _ in 0..2 {
        let (lock, torn) = (lock.clone(), torn.clone());
        threads.push(thread::spawn(move || {
            for _ in 0..5_000 {
                let g = lock.read();
                if g.0 != g.1 {
                    torn.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(torn.load(Ordering::Relaxed), 0);
}

#[derive(Debug)]
struct Sa {
    spi: u32,
    alive: StdArc<AtomicU64>,
}

impl Drop for Sa {
    fn drop(&mut self) {
        self.alive.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SaEntry for Sa {
    fn inbound_keys(&self) -> InboundKeys {
        InboundKeys::one(InboundKey::new(
            self.spi,
            IpAddress::v4([10, 0, 0, 1]),
            IpsecProtocol::Esp,
        ))
    }
}

#[test]
fn the_sa_table_runs_on_the_kernel_lock_from_several_threads() {
    let table: StdArc<KernelSaTable<Sa>> =
        StdArc::new(KernelSaTable::with_capacity(64, TableSeed::from_words([5, 6, 7, 8])).unwrap());
    let alive = StdArc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..4u32)
        .map(|t| {
            let (table, alive) = (table.clone(), alive.clone());
            thread::spawn(move || {
                for i in 0..500u32 {
                    let spi = 0x1000 + t * 10_000 + i;
                    alive.fetch_add(1, Ordering::SeqCst);
                    let h = table
                        .add(Arc::new(Sa {
                            spi,
                            alive: alive.clone(),
                        }))
                        .unwrap();
                    let key =
                        InboundKey::new(spi, IpAddress::v4([10, 0, 0, 1]), IpsecProtocol::Esp);
                    let (found, sa) = table.get_inbound(&key).unwrap();
                    assert_eq!(found, h);
                    assert_eq!(sa.spi, spi);
                    assert!(table.delete(h).is_some());
                    assert!(table.get(h).is_none());
                    assert_eq!(KeGetCurrentIrql(), PASSIVE_LEVEL);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(table.len(), 0);
    assert!(table.verify_invariants().is_ok());
    assert_eq!(
        alive.load(Ordering::SeqCst),
        0,
        "every SA was dropped exactly once"
    );
}

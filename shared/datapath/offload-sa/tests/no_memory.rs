//! No memory while preparing an SA: with the k-th allocation of `OffloadSas::add` failed (for
//! every k it makes), the add is refused with `BackendError::NoMemory`, the table is unchanged
//! and every byte allocated on the way is freed again; then the same SA adds and deletes cleanly.
#![cfg(test)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_oid::{
    Address, AesKeySize, BackendError, Bundle, Encryption, Integrity, IpVersion, IpsecProtocol,
    SaBackend, SaSpec, SecAssocSpec, UdpEspEncapsulation,
};
use ipsecov2_satable::{HostSaTable, TableSeed};

thread_local! {
    /// The allocation to fail on this thread (1 = the next one), 0 = none.
    static ARMED: Cell<u64> = const { Cell::new(0) };
    /// Allocations on this thread since arming.
    static SEEN: Cell<u64> = const { Cell::new(0) };
    /// Whether the armed allocation was reached and failed.
    static FAILED: Cell<bool> = const { Cell::new(false) };
    /// Bytes live on this thread's count (allocated minus freed).
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

struct FailingAlloc;

impl FailingAlloc {
    fn fails(&self, layout: Layout) -> bool {
        let armed = ARMED.with(Cell::get);
        if armed != 0 {
            let n = SEEN.with(|s| {
                s.set(s.get() + 1);
                s.get()
            });
            if n == armed {
                FAILED.with(|f| f.set(true));
                return true;
            }
        }
        LIVE.with(|l| l.set(l.get() + layout.size() as isize));
        false
    }
}

// SAFETY: every call forwards to `System` with the caller's layout, or returns null (allowed for
// an allocation failure).
unsafe impl GlobalAlloc for FailingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if self.fails(layout) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's contract for `layout` is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.with(|l| l.set(l.get() - layout.size() as isize));
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: FailingAlloc = FailingAlloc;

const KEY: [u8; 64] = {
    let mut k = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        k[i] = (i as u8).wrapping_mul(29).wrapping_add(3);
        i += 1;
    }
    k
};

fn v4(last: u8) -> Address {
    let mut bytes = [0u8; 16];
    bytes[..4].copy_from_slice(&[192, 0, 2, last]);
    Address {
        version: IpVersion::V4,
        bytes,
    }
}

fn sec(
    protocol: IpsecProtocol,
    encryption: Encryption,
    el: usize,
    integrity: Integrity,
    il: usize,
) -> SecAssocSpec<'static> {
    SecAssocSpec {
        protocol,
        spi: 0x4000,
        esn: true,
        seq_high: 0,
        encryption,
        encryption_key: &KEY[..el],
        integrity,
        integrity_key: &KEY[32..32 + il],
    }
}

fn bundles() -> Vec<(&'static str, Bundle<'static>)> {
    let gcm = sec(
        IpsecProtocol::Esp,
        Encryption::AesGcm {
            key: AesKeySize::Aes128,
            icv_len: 16,
        },
        20,
        Integrity::None,
        0,
    );
    let cbc = sec(
        IpsecProtocol::Esp,
        Encryption::AesCbc(AesKeySize::Aes256),
        32,
        Integrity::HmacSha256_128,
        32,
    );
    let ah = sec(
        IpsecProtocol::Ah,
        Encryption::Null,
        0,
        Integrity::HmacSha1_96,
        20,
    );
    vec![
        ("esp-gcm128", Bundle::Esp(gcm)),
        ("esp-aes256cbc-sha256", Bundle::Esp(cbc)),
        ("ah-sha1", Bundle::Ah(ah)),
        ("esp-ah", Bundle::EspAh { esp: cbc, ah }),
    ]
}

#[test]
fn every_allocation_of_an_add_can_fail_without_trace() {
    for inbound in [false, true] {
        for (name, bundle) in bundles() {
            let spec = SaSpec {
                inbound,
                source: v4(1),
                destination: v4(2),
                udp_esp: UdpEspEncapsulation(0),
                bundle,
                switch: None,
            };
            let sas = OffloadSas::new(
                HostSaTable::<OffloadSa>::with_capacity(4, TableSeed::from_words([5, 6, 7, 8]))
                    .unwrap(),
            );
            let mut points = 0;
            for k in 1.. {
                let before = LIVE.with(Cell::get);
                SEEN.with(|s| s.set(0));
                FAILED.with(|f| f.set(false));
                ARMED.with(|a| a.set(k));
                let added = sas.add(&spec);
                ARMED.with(|a| a.set(0));
                if !FAILED.with(Cell::get) {
                    let handle = added.unwrap_or_else(|e| panic!("{name}: {e:?}"));
                    assert!(sas.delete(handle.get()), "{name}");
                    assert_eq!(LIVE.with(Cell::get), before, "{name}: delete frees it all");
                    break;
                }
                points += 1;
                assert_eq!(added, Err(BackendError::NoMemory), "{name} k={k}");
                assert_eq!(sas.table().len(), 0, "{name} k={k}: table unchanged");
                assert_eq!(
                    LIVE.with(Cell::get),
                    before,
                    "{name} k={k} inbound={inbound}: every byte freed"
                );
            }
            assert!(points >= 2, "{name}: only {points} allocations");
        }
    }
}

//! The host kernel's checks, each shown to fire: pool (wrong tag, double free, leaks), IRQL
//! bounds, spin-lock discipline, DbgPrintEx formatting, traps. The host functions are called as
//! the driver calls them (Windows x64 convention). Tests share the process-wide host state, so
//! they run one at a time.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use std::process::Command;
use std::sync::Mutex;

use ipsecov2_pe_host::fault::{handler, VERIFIER_EXIT};
use ipsecov2_pe_host::kernel::{debug, irql, pool, spinlock, trap, verifier};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    let g = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    verifier::take();
    irql::set(irql::PASSIVE_LEVEL);
    g
}

const TAG: u32 = u32::from_le_bytes(*b"IOv2");

#[test]
fn pool_blocks_are_tracked_by_tag_and_misuse_is_reported() {
    let _g = serial();
    let p = pool::ex_allocate_pool2(pool::POOL_FLAG_NON_PAGED, 100, TAG);
    assert!(!p.is_null());
    // SAFETY: a fresh 100-byte block, zeroed by default.
    assert!(unsafe { core::slice::from_raw_parts(p.cast::<u8>(), 100) }
        .iter()
        .all(|&b| b == 0));
    assert!(pool::live()
        .iter()
        .any(|(a, b)| *a == p as usize && b.tag == TAG && b.size == 100));
    pool::ex_free_pool_with_tag(p, u32::from_le_bytes(*b"XXXX"));
    pool::ex_free_pool_with_tag(p, TAG);
    let v = verifier::take();
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(
        v[0].contains("allocated with tag 'IOv2' freed with tag 'XXXX'"),
        "{v:?}"
    );
    assert!(
        v[1].contains("is not a live pool block (double free or foreign pointer)"),
        "{v:?}"
    );
    // Uninitialized blocks are filled, not zero.
    let q = pool::ex_allocate_pool2(
        pool::POOL_FLAG_NON_PAGED | pool::POOL_FLAG_UNINITIALIZED,
        8,
        TAG,
    );
    // SAFETY: a fresh 8-byte block.
    assert_eq!(unsafe { q.cast::<u64>().read() }, 0xA5A5_A5A5_A5A5_A5A5);
    pool::ex_free_pool_with_tag(q, TAG);
    assert!(verifier::take().is_empty());
}

#[test]
fn pool_bounds_on_irql_and_flags() {
    let _g = serial();
    irql::set(irql::DISPATCH_LEVEL);
    let p = pool::ex_allocate_pool2(pool::POOL_FLAG_PAGED, 8, TAG);
    pool::ex_free_pool_with_tag(p, TAG);
    irql::set(irql::PASSIVE_LEVEL);
    let none = pool::ex_allocate_pool2(0, 8, TAG);
    assert!(none.is_null());
    let v = verifier::take();
    assert!(
        v.iter()
            .any(|s| s == "ExAllocatePool2 called at IRQL 2, above its bound 1"),
        "{v:?}"
    );
    assert!(v.iter().any(|s| s.contains("name no pool type")), "{v:?}");
}

#[test]
fn spin_locks_raise_irql_and_check_the_releasing_thread_and_level() {
    let _g = serial();
    let mut lock: usize = 0;
    // SAFETY: `lock` is a KSPIN_LOCK on this stack frame for the whole test.
    let old = unsafe { spinlock::ke_acquire_spin_lock_raise_to_dpc(&mut lock) };
    assert_eq!(
        (old, irql::current()),
        (irql::PASSIVE_LEVEL, irql::DISPATCH_LEVEL)
    );
    assert_eq!(spinlock::held_count(), 1);
    // Released from another thread: a violation, the lock stays held.
    let addr = &mut lock as *mut usize as usize;
    std::thread::spawn(move || {
        irql::set(irql::DISPATCH_LEVEL);
        // SAFETY: the lock outlives the thread (joined below).
        unsafe { spinlock::ke_release_spin_lock(addr as *mut usize, irql::PASSIVE_LEVEL) };
    })
    .join()
    .expect("thread");
    let v = verifier::take();
    assert!(
        v.iter()
            .any(|s| s.contains("released by a thread that does not hold it")),
        "{v:?}"
    );
    // Released at the wrong IRQL.
    irql::set(irql::PASSIVE_LEVEL);
    // SAFETY: as above.
    unsafe { spinlock::ke_release_spin_lock(&mut lock, irql::PASSIVE_LEVEL) };
    let v = verifier::take();
    assert!(
        v.iter().any(
            |s| s.contains("KeReleaseSpinLock at IRQL 0, the lock was taken at DISPATCH_LEVEL")
        ),
        "{v:?}"
    );
    assert_eq!((lock, spinlock::held_count()), (0, 0));

    let mut ex: i32 = 0;
    // SAFETY: `ex` is an EX_SPIN_LOCK on this frame.
    let old = unsafe { spinlock::ex_acquire_spin_lock_shared(&mut ex) };
    assert_eq!(ex, 1);
    // SAFETY: as above.
    unsafe { spinlock::ex_release_spin_lock_shared(&mut ex, old) };
    // SAFETY: as above.
    let old = unsafe { spinlock::ex_acquire_spin_lock_exclusive(&mut ex) };
    assert_eq!(ex, i32::MIN);
    // Released as shared while held exclusive: a violation.
    // SAFETY: as above.
    unsafe { spinlock::ex_release_spin_lock_shared(&mut ex, old) };
    // SAFETY: as above.
    unsafe { spinlock::ex_release_spin_lock_exclusive(&mut ex, old) };
    assert_eq!((ex, irql::current()), (0, irql::PASSIVE_LEVEL));
    let v = verifier::take();
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].contains("not held shared by this thread"), "{v:?}");
}

#[test]
fn dbg_print_ex_formats_like_the_kernel() {
    let _g = serial();
    debug::take_log();
    let s = c"text";
    // SAFETY: the format's two conversions match a string and an integer.
    unsafe {
        debug::dbg_print_ex(
            0x50,
            3,
            c"%s 0x%08X %d|%-4u|%5x %%\n".as_ptr(),
            s.as_ptr() as u64,
            0xC000_009A,
            (-5i32) as u32 as u64,
            7,
            0xab,
            0,
        )
    };
    assert_eq!(
        debug::take_log(),
        ["[0x50/3] text 0xC000009A -5|7   |   ab %\n"]
    );
}

/// Child side of the trap and deadlock cases (run with `PE_HOST_KERNEL_CASE` set).
#[test]
fn child() {
    let Ok(case) = std::env::var("PE_HOST_KERNEL_CASE") else {
        return;
    };
    handler::arm_thread().expect("arm");
    match case.as_str() {
        "trap" => {
            let t = trap::trap("ndis.sys", "NdisFSendNetBufferLists").expect("trap");
            // SAFETY: a trap takes no meaningful arguments and never returns.
            let f: extern "win64" fn() = unsafe { core::mem::transmute(t) };
            f();
        }
        "recursive" => {
            let mut lock = 0usize;
            // SAFETY: `lock` is a KSPIN_LOCK on this frame.
            unsafe { spinlock::ke_acquire_spin_lock_raise_to_dpc(&mut lock) };
            // SAFETY: as above.
            unsafe { spinlock::ke_acquire_spin_lock_raise_to_dpc(&mut lock) };
        }
        _ => {}
    }
}

fn run_child(case: &str) -> (Option<i32>, String) {
    let out = Command::new(std::env::current_exe().expect("exe"))
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env("PE_HOST_KERNEL_CASE", case)
        .output()
        .expect("spawn");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_trap_ends_the_run_naming_the_import() {
    let (code, err) = run_child("trap");
    assert_eq!(code, Some(VERIFIER_EXIT), "{err}");
    assert!(
        err.contains("pe-host: UNIMPLEMENTED: the driver called ndis.sys!NdisFSendNetBufferLists, which the host does not implement yet, from "),
        "{err}"
    );
}

#[test]
fn a_recursive_spin_lock_acquisition_ends_the_run_instead_of_hanging() {
    let (code, err) = run_child("recursive");
    assert_eq!(code, Some(VERIFIER_EXIT), "{err}");
    assert!(
        err.contains(
            "pe-host: VERIFIER: KeAcquireSpinLockRaiseToDpc: recursive acquisition of KSPIN_LOCK"
        ),
        "{err}"
    );
}

#[test]
fn nbl_ownership_oid_and_pause_checks_fire() {
    use ipsecov2_pe_host::abi::structs::{NDIS_OID_REQUEST, NET_BUFFER_LIST};
    use ipsecov2_pe_host::kernel::{datapath, module, oid};
    let _g = serial();
    let m = module::create(0x1234, Vec::new());
    module::with(m, |r| r.state = module::NdisState::Running);
    // SAFETY: an all-zero NBL is a valid value.
    let mut a: Box<NET_BUFFER_LIST> = Box::new(unsafe { core::mem::zeroed() });
    // SAFETY: as above.
    let mut b: Box<NET_BUFFER_LIST> = Box::new(unsafe { core::mem::zeroed() });
    let pa: *mut NET_BUFFER_LIST = &mut *a;
    let pb: *mut NET_BUFFER_LIST = &mut *b;
    datapath::with(m, |l| l.sends_in_filter.push(pa as usize));
    // SAFETY: `pa` is a valid NBL for the whole test.
    unsafe { datapath::ndis_f_send_net_buffer_lists_complete(m, pa, 0) };
    a.Next = core::ptr::null_mut();
    // SAFETY: as above (its header was poisoned by the first completion; Next reset).
    unsafe { datapath::ndis_f_send_net_buffer_lists_complete(m, pa, 0) };
    // SAFETY: `pb` is valid; never sent in.
    unsafe { datapath::ndis_f_send_net_buffer_lists_complete(m, pb, 0) };
    let v = verifier::take();
    assert!(v.iter().any(|s| s.contains("completed twice")), "{v:?}");
    assert!(
        v.iter()
            .any(|s| s.contains("was not sent into this filter")),
        "{v:?}"
    );

    datapath::with(m, |l| l.receives_in_filter.push(pb as usize));
    b.Next = core::ptr::null_mut();
    // SAFETY: as above.
    unsafe { datapath::ndis_f_return_net_buffer_lists(m, pb, 0) };
    b.Next = core::ptr::null_mut();
    // SAFETY: as above.
    unsafe { datapath::ndis_f_return_net_buffer_lists(m, pb, 0) };
    // Indicated with a wrong count, and with the DISPATCH flag at PASSIVE_LEVEL.
    b.Next = core::ptr::null_mut();
    // SAFETY: as above.
    unsafe { datapath::ndis_f_indicate_receive_net_buffer_lists(m, pb, 0, 2, 1) };
    let v = verifier::take();
    assert!(v.iter().any(|s| s.contains("returned twice")), "{v:?}");
    assert!(
        v.iter()
            .any(|s| s.contains("NumberOfNetBufferLists 2, chain of 1")),
        "{v:?}"
    );
    assert!(
        v.iter()
            .any(|s| s.contains("the DISPATCH_LEVEL flag says 1 but the IRQL is 0")),
        "{v:?}"
    );

    // SAFETY: an all-zero request is a valid value.
    let mut r: Box<NDIS_OID_REQUEST> = Box::new(unsafe { core::mem::zeroed() });
    let pr: *mut NDIS_OID_REQUEST = &mut *r;
    oid::issue(m, pr as usize, false);
    oid::ndis_f_oid_request_complete(m, pr, 0);
    oid::ndis_f_oid_request_complete(m, pr, 0);
    oid::ndis_f_direct_oid_request_complete(m, pr, 0);
    oid::finish(pr as usize);
    oid::ndis_f_oid_request_complete(m, pr, 0);
    let v = verifier::take();
    assert!(v.iter().any(|s| s.contains("completed 2 times")), "{v:?}");
    assert!(
        v.iter()
            .any(|s| s.contains("was issued on the regular path")),
        "{v:?}"
    );
    assert!(
        v.iter()
            .any(|s| s.contains("is not a request given to the filter")),
        "{v:?}"
    );

    module::ndis_f_pause_complete(m);
    let v = verifier::take();
    assert!(
        v.iter().any(
            |s| s.contains("NdisFPauseComplete while the module is Running (no pause pending)")
        ),
        "{v:?}"
    );
    module::with(m, |r| r.state = module::NdisState::Pausing);
    datapath::with(m, |l| l.sends_in_filter.push(0x1000));
    module::ndis_f_pause_complete(m);
    let v = verifier::take();
    assert!(
        v.iter()
            .any(|s| s.contains("NdisFPauseComplete with 1 NBL(s) still in the filter")),
        "{v:?}"
    );
    datapath::forget(m);
    module::remove(m);
}

#[test]
fn extended_state_saves_are_restored_lifo_on_the_same_irql() {
    use ipsecov2_pe_host::kernel::xstate;
    let _g = serial();
    let mut a = [0u64; 7];
    let mut b = [0u64; 7];
    let (pa, pb) = (a.as_mut_ptr().cast::<u8>(), b.as_mut_ptr().cast::<u8>());
    // Nested, restored in order: no violation; the buffers are filled as the kernel fills them.
    // SAFETY: two writable 0x38-byte buffers, as the driver passes its XSTATE_SAVE.
    let r = unsafe { xstate::ke_save_extended_processor_state(4, pa) };
    assert_eq!(r, 0);
    // SAFETY: as above.
    let r = unsafe { xstate::ke_save_extended_processor_state(4, pb) };
    assert_eq!(r, 0);
    assert_eq!(b[0], pa as u64, "Prev of the nested save");
    assert_eq!(b[2] & 0xff, 1, "Level of the nested save");
    assert_eq!(xstate::open_count(), 2);
    // SAFETY: the buffers saved above.
    unsafe { xstate::ke_restore_extended_processor_state(pb) };
    // SAFETY: as above.
    unsafe { xstate::ke_restore_extended_processor_state(pa) };
    assert!(verifier::take().is_empty());
    // Out of order, at another IRQL, and never saved: each named.
    // SAFETY: as above.
    unsafe { xstate::ke_save_extended_processor_state(4, pa) };
    // SAFETY: as above.
    unsafe { xstate::ke_save_extended_processor_state(4, pb) };
    irql::set(irql::DISPATCH_LEVEL);
    // SAFETY: as above.
    unsafe { xstate::ke_restore_extended_processor_state(pa) };
    irql::set(irql::PASSIVE_LEVEL);
    // SAFETY: as above.
    unsafe { xstate::ke_restore_extended_processor_state(pb) };
    // SAFETY: as above.
    unsafe { xstate::ke_restore_extended_processor_state(pb) };
    let v = verifier::take();
    assert_eq!(v.len(), 3, "{v:?}");
    assert!(v[0].contains("out of LIFO order"), "{v:?}");
    assert!(v[1].contains("at IRQL 2, saved at 0"), "{v:?}");
    assert!(v[2].contains("which this thread did not save"), "{v:?}");
    assert_eq!(xstate::open_count(), 0);
}

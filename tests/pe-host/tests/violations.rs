//! The violating test driver (`ipsecov2_violator.sys`, tests/pe-host/violator: a `no_std` NDIS
//! filter driver built and linked like the real one) commits each verifier violation once,
//! through real calls, and the host reports each, naming the rule and the driver function (from
//! the map file: the functions on the stack when the import saw it). Faults and bug checks, which
//! end the process: tests/faults.rs. Ignored in the plain `cargo test` (the `.sys` is linked by
//! `tests/pe-host/build-violator`, which `tests/pe-host/run` runs first).
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]
// In a test a panic is the failure report.
#![allow(clippy::panic)]

mod violator_support;

use ipsecov2_ndis_emu::{tcpip, OwnedNblChain, SplitMix64};
use ipsecov2_pe_host::driver::DriverHost;
use ipsecov2_pe_host::filter_module::Miniport;
use ipsecov2_pe_host::kernel::verifier::{self, Violation};
use ipsecov2_pe_host::kernel::{datapath, pool};
use ipsecov2_pe_host::oid_request::NDIS_REQUEST_QUERY_INFORMATION;
use ipsecov2_violator::cases::{Export, ModuleViolation, KEYWORD};
use violator_support::load_violator;

/// Runs export `e` after `DriverEntry`, then unloads; returns every violation recorded. On a
/// thread of its own: IRQL and held locks are per thread, like the kernel's, so a case's
/// leftovers cannot reach the next one. What the case leaked is freed afterwards.
fn commit(e: Export) -> Vec<Violation> {
    std::thread::spawn(move || {
        let mut h = load_violator();
        verifier::take();
        h.call_export(e.symbol()).expect("the export exists");
        h.unload();
        let v = verifier::take_located();
        for (p, _) in pool::live() {
            pool::free("cleanup", p as *mut core::ffi::c_void, None);
        }
        verifier::take();
        v
    })
    .join()
    .expect("case thread")
}

/// The violation whose text contains `needle` (the test fails listing all of them if none).
fn find<'a>(v: &'a [Violation], needle: &str) -> &'a Violation {
    v.iter()
        .find(|x| x.text.contains(needle))
        .unwrap_or_else(|| panic!("no violation containing {needle:?} in {v:#?}"))
}

/// Asserts that the innermost driver function named for `v` contains `function`.
fn named_in(v: &Violation, function: &str) {
    assert!(
        v.frames.first().is_some_and(|f| f.contains(function)),
        "{v} is not named in {function}"
    );
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn a_pool_leak_is_reported_at_unload_with_size_and_tag() {
    let v = commit(Export::PoolLeak);
    find(&v, "pool leak at unload: 64 bytes tag 'VLek'");
    assert_eq!(v.len(), 1, "{v:#?}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn a_double_free_is_reported_in_the_freeing_function() {
    let v = commit(Export::DoubleFree);
    let x = find(
        &v,
        "is not a live pool block (double free or foreign pointer)",
    );
    assert!(x.text.starts_with("ExFreePoolWithTag: "), "{x}");
    named_in(x, "ViolateDoubleFree");
    assert_eq!(v.len(), 1, "{v:#?}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn a_free_with_the_wrong_tag_is_reported_with_both_tags() {
    let v = commit(Export::WrongTag);
    let x = find(&v, "allocated with tag 'VTag' freed with tag 'Oops'");
    named_in(x, "ViolateWrongTag");
    assert_eq!(v.len(), 1, "{v:#?}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn an_import_called_above_its_irql_bound_is_reported() {
    let v = commit(Export::PagedPoolAtDispatch);
    let x = find(&v, "ExAllocatePool2 called at IRQL 2, above its bound 1");
    named_in(x, "ViolatePagedPoolAtDispatch");
    assert_eq!(v.len(), 1, "{v:#?}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn a_lock_released_at_another_irql_and_the_wrong_return_irql_are_reported() {
    let v = commit(Export::LockReleasedAtWrongIrql);
    let x = find(
        &v,
        "KeReleaseSpinLock at IRQL 0, the lock was taken at DISPATCH_LEVEL",
    );
    named_in(x, "ViolateLockReleasedAtWrongIrql");
    find(
        &v,
        "ViolateLockReleasedAtWrongIrql returned at IRQL 2, called at 0",
    );
    assert_eq!(v.len(), 2, "{v:#?}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn a_return_holding_a_spin_lock_is_reported_with_the_irql() {
    let v = commit(Export::ReturnHoldingLock);
    find(
        &v,
        "ViolateReturnHoldingLock returned at IRQL 2, called at 0",
    );
    find(
        &v,
        "ViolateReturnHoldingLock returned holding 1 spin lock(s)",
    );
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn a_shared_release_of_an_exclusive_lock_is_reported() {
    let v = commit(Export::SharedReleaseOfExclusive);
    let x = find(&v, "not held shared by this thread");
    assert!(x.text.starts_with("ExReleaseSpinLockShared: "), "{x}");
    named_in(x, "ViolateSharedReleaseOfExclusive");
    assert_eq!(v.len(), 1, "{v:#?}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn a_stack_over_the_budget_is_reported_with_its_depth() {
    let v = commit(Export::DeepStack);
    let x = find(&v, "ViolateDeepStack used ");
    assert!(x.text.ends_with("bytes of stack (budget 12288)"), "{x}");
    let depth: usize = x.text["ViolateDeepStack used ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a depth");
    assert!((16 * 1024..20 * 1024).contains(&depth), "{x}");
    assert_eq!(v.len(), 1, "{v:#?}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn the_violator_is_clean_without_a_violation() {
    // DriverEntry, a module passing traffic and an OID through, detach, unload: nothing to
    // report, so every report of the other tests comes from the case alone.
    let v = with_module(ModuleViolation::None, |h, m| {
        receive_and_return(h, m);
        send_and_complete(h, m);
        query_and_complete(h, m);
    });
    assert_eq!(v, Vec::<Violation>::new());
}

fn adapter(case: ModuleViolation) -> Miniport {
    Miniport {
        keywords: vec![(KEYWORD.into(), case as u32)],
        ..Miniport::default()
    }
}

/// A running module of the violator committing `case` while `drive` runs; then pause, detach,
/// unload. Returns every violation recorded on the way.
fn with_module(case: ModuleViolation, drive: fn(&mut DriverHost, usize)) -> Vec<Violation> {
    std::thread::spawn(move || {
        let mut h = load_violator();
        let (m, status) = h.attach(&adapter(case)).expect("attach");
        assert_eq!(status, 0, "FilterAttach");
        assert_eq!(h.restart(m).expect("restart"), 0, "FilterRestart");
        verifier::take();
        drive(&mut h, m);
        assert_eq!(h.pause(m).expect("pause"), 0, "FilterPause");
        h.detach(m).expect("detach");
        h.unload();
        let v = verifier::take_located();
        datapath::forget(m);
        v
    })
    .join()
    .expect("case thread")
}

fn plain_frame() -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    f.extend_from_slice(&[
        0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    f.extend_from_slice(&[0, 53, 0, 53, 0, 8, 0, 0]);
    f
}

/// The miniport indicates one NBL; TCP/IP returns it (the filter then returns it down). The
/// chain is kept alive to the end of the process: a violating filter may still hold it.
fn receive_and_return(h: &mut DriverHost, m: usize) {
    let mut rng = SplitMix64::new(3);
    let owned =
        OwnedNblChain::build(&[tcpip::recv_nbl(&mut rng, &plain_frame(), 0)]).expect("chain");
    let head = owned.nbl_ptr(0).expect("an NBL").cast();
    // SAFETY: `owned` is leaked below: it outlives the receive and the return.
    unsafe { h.receive(m, head, 1, true) }.expect("receive");
    let up = h.return_above(m, true).expect("return");
    assert_eq!(up.len(), 1, "indicated up once");
    std::mem::forget(owned);
}

/// TCP/IP sends one NBL; the miniport completes it (the filter then completes it up).
fn send_and_complete(h: &mut DriverHost, m: usize) {
    let mut rng = SplitMix64::new(5);
    let owned = OwnedNblChain::build(&[tcpip::send_nbl(&mut rng, &[&plain_frame()], 0, 0, 0)])
        .expect("chain");
    let head = owned.nbl_ptr(0).expect("an NBL").cast();
    // SAFETY: `owned` is leaked below: it outlives the send and the completion.
    unsafe { h.send(m, head, true) }.expect("send");
    let frames = h.complete_below(m, 0, true).expect("complete");
    assert_eq!(frames.len(), 1, "sent down once");
    std::mem::forget(owned);
}

/// `OID_GEN_MAXIMUM_FRAME_SIZE`.
const OID_GEN_MAXIMUM_FRAME_SIZE: u32 = 0x0001_0106;

/// A query on the regular path, passed down as a clone; the miniport answers it.
fn query_and_complete(h: &mut DriverHost, m: usize) {
    let mut buf = Box::new([0u8; 4]);
    let r = h
        .oid_request(
            m,
            false,
            NDIS_REQUEST_QUERY_INFORMATION,
            OID_GEN_MAXIMUM_FRAME_SIZE,
            &mut buf[..],
        )
        .expect("query");
    assert_eq!(r.status, None, "pended: the clone is below");
    let n = h
        .complete_oids_below(m, |_, _, b| {
            b.copy_from_slice(&1500u32.to_le_bytes());
            (0, 4, 0)
        })
        .expect("answer");
    assert_eq!(n, 1);
    let done = h.oid_result(r.request).expect("completed");
    assert_eq!(done.status, Some(0));
    std::mem::forget(buf);
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn a_received_nbl_returned_twice_is_reported() {
    let v = with_module(ModuleViolation::ReturnTwice, receive_and_return);
    let x = find(&v, "returned twice");
    assert!(x.text.starts_with("NdisFReturnNetBufferLists: NBL "), "{x}");
    named_in(x, "filter_return_net_buffer_lists");
    assert_eq!(v.len(), 1, "{v:#?}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn a_sent_nbl_completed_twice_is_reported() {
    let v = with_module(ModuleViolation::CompleteTwice, send_and_complete);
    let x = find(&v, "completed twice");
    assert!(
        x.text.starts_with("NdisFSendNetBufferListsComplete: NBL "),
        "{x}"
    );
    named_in(x, "filter_send_net_buffer_lists_complete");
    assert_eq!(v.len(), 1, "{v:#?}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn an_oid_request_completed_twice_is_reported() {
    let v = with_module(ModuleViolation::OidCompleteTwice, query_and_complete);
    let x = find(&v, "NdisFOidRequestComplete: ");
    named_in(x, "filter_oid_request_complete");
    assert_eq!(v.len(), 1, "{v:#?}");
}

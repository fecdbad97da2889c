//! Faults and bug checks inside the violating test driver (`ipsecov2_violator.sys`,
//! tests/pe-host/violator) become reports naming `image!function+offset` (from the map file) and
//! a distinct exit status: a null read, `ud2`, `hlt`, `KeBugCheckEx`, and an NBL touched after
//! the filter returned it (the host poisons it). Each case runs in a child process (this test
//! binary, re-run with `PE_HOST_FAULT_CASE` set) since the report ends the process. Ignored in
//! the plain `cargo test` (the `.sys` is linked by `tests/pe-host/build-violator`).
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]
// In a test a panic is the failure report.
#![allow(clippy::panic)]

mod violator_support;

use ipsecov2_ndis_emu::{tcpip, OwnedNblChain, SplitMix64};
use ipsecov2_pe_host::fault::{BUGCHECK_EXIT, FAULT_EXIT};
use ipsecov2_pe_host::filter_module::Miniport;
use ipsecov2_violator::cases::{Export, ModuleViolation, KEYWORD};
use violator_support::{load_violator, run_child, violator_path, VIOLATOR_ENV};

const CASE_ENV: &str = "PE_HOST_FAULT_CASE";
/// The module case: a receive whose NBL the filter reads after returning it.
const USE_AFTER_RETURN: &str = "UseAfterReturn";

/// The child side: runs one case when `PE_HOST_FAULT_CASE` is set, else does nothing.
#[test]
fn child() {
    let Ok(case) = std::env::var(CASE_ENV) else {
        return;
    };
    let mut h = load_violator();
    if case == USE_AFTER_RETURN {
        let adapter = Miniport {
            keywords: vec![(KEYWORD.into(), ModuleViolation::UseAfterReturn as u32)],
            ..Miniport::default()
        };
        let (m, status) = h.attach(&adapter).expect("attach");
        assert_eq!(status, 0);
        assert_eq!(h.restart(m).expect("restart"), 0);
        let mut rng = SplitMix64::new(1);
        let frame = [0x5Au8; 60];
        let owned = OwnedNblChain::build(&[tcpip::recv_nbl(&mut rng, &frame, 0)]).expect("chain");
        let head = owned.nbl_ptr(0).expect("an NBL").cast();
        // SAFETY: `owned` outlives the receive and the return (the process ends in the return).
        unsafe { h.receive(m, head, 1, true) }.expect("receive");
        let _ = h.return_above(m, true);
    } else {
        h.call_export(&case).expect("the export exists");
    }
    unreachable!("case {case} returned");
}

fn run(case: &str) -> (Option<i32>, String) {
    run_child(CASE_ENV, case, &[])
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn a_null_read_names_the_function_and_offset() {
    let (code, err) = run(Export::NullRead.symbol());
    assert_eq!(code, Some(FAULT_EXIT), "{err}");
    assert!(
        err.contains(
            "pe-host: FAULT: SIGSEGV (address not mapped) at ipsecov2_violator.sys!ViolateNullRead+0x"
        ),
        "{err}"
    );
    assert!(err.contains("fault address 0x0)"), "{err}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn an_invalid_opcode_names_the_function_and_offset() {
    let (code, err) = run(Export::InvalidOpcode.symbol());
    assert_eq!(code, Some(FAULT_EXIT), "{err}");
    assert!(
        err.contains("pe-host: FAULT: SIGILL (invalid instruction) at ipsecov2_violator.sys!ViolateInvalidOpcode+0x0 ("),
        "{err}"
    );
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn a_privileged_instruction_names_the_function_and_offset() {
    let (code, err) = run(Export::Privileged.symbol());
    assert_eq!(code, Some(FAULT_EXIT), "{err}");
    assert!(err.contains("pe-host: FAULT: SIGSEGV (general protection: a privileged instruction or a non-canonical address) at ipsecov2_violator.sys!ViolatePrivileged+0x0 ("), "{err}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn a_bug_check_names_code_parameters_and_caller() {
    let (code, err) = run(Export::BugCheck.symbol());
    assert_eq!(code, Some(BUGCHECK_EXIT), "{err}");
    assert!(
        err.contains("pe-host: BUG CHECK 0x0000dead (0x1, 0x2, 0x3, 0x4) called from ipsecov2_violator.sys!ViolateBugCheck+0x"),
        "{err}"
    );
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn an_nbl_touched_after_its_return_faults_in_the_returning_function() {
    let (code, err) = run(USE_AFTER_RETURN);
    assert_eq!(code, Some(FAULT_EXIT), "{err}");
    assert!(
        err.contains("pe-host: FAULT: SIGSEGV (general protection: a privileged instruction or a non-canonical address) at ipsecov2_violator.sys!"),
        "{err}"
    );
    assert!(err.contains("filter_return_net_buffer_lists+0x"), "{err}");
}

#[test]
#[ignore = "needs target/windows/ipsecov2_violator.sys: run tests/pe-host/run"]
fn without_a_map_the_fault_is_named_by_the_export_table() {
    // The .sys alone (no .map beside it): functions are named from its exports.
    let dir = std::env::temp_dir().join(format!("pe-host-violator-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sys = dir.join("ipsecov2_violator.sys");
    std::fs::copy(violator_path(), &sys).expect("copy the .sys");
    let path = sys.to_string_lossy().into_owned();
    let (code, err) = run_child(
        CASE_ENV,
        Export::InvalidOpcode.symbol(),
        &[(VIOLATOR_ENV, path.as_str())],
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, Some(FAULT_EXIT), "{err}");
    assert!(
        err.contains(
            "SIGILL (invalid instruction) at ipsecov2_violator.sys!ViolateInvalidOpcode+0x0 ("
        ),
        "{err}"
    );
}

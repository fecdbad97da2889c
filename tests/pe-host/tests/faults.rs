//! Faults and bug checks inside a loaded image become reports naming function+offset and a
//! distinct exit status. Each case runs in a child process (this test binary, re-run with
//! `PE_HOST_FAULT_CASE` set) since the report ends the process.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use std::process::Command;

use ipsecov2_pe_host::fault::{bugcheck, handler, BUGCHECK_EXIT, FAULT_EXIT};
use ipsecov2_pe_host::load::{HostTable, LoadedImage};
use ipsecov2_pe_host::pe::build::PeBuilder;

const CASE_ENV: &str = "PE_HOST_FAULT_CASE";

fn image() -> LoadedImage {
    let mut b = PeBuilder::new();
    let bug = b.import("ntoskrnl.exe", "KeBugCheckEx");
    // Segv: mov rax, [0]; ret
    let at = b.code(&[0x48, 0x8B, 0x04, 0x25, 0, 0, 0, 0, 0xC3]);
    b.export("Segv", at);
    // Ill: nop; nop; ud2
    let at = b.code(&[0x90, 0x90, 0x0F, 0x0B]);
    b.export("Ill", at);
    // Priv: nop; hlt
    let at = b.code(&[0x90, 0xF4]);
    b.export("Priv", at);
    // BugCheck: KeBugCheckEx(0xDEAD, 1, 2, 3, 4)
    let at = b.next_code_rva();
    let mut code = vec![0x48, 0x83, 0xEC, 0x38];
    code.extend_from_slice(&[0xB9, 0xAD, 0xDE, 0, 0]);
    code.extend_from_slice(&[0xBA, 1, 0, 0, 0]);
    code.extend_from_slice(&[0x41, 0xB8, 2, 0, 0, 0]);
    code.extend_from_slice(&[0x41, 0xB9, 3, 0, 0, 0]);
    code.extend_from_slice(&[0x48, 0xC7, 0x44, 0x24, 0x20, 4, 0, 0, 0]);
    let call_end = at + code.len() as u32 + 6;
    code.extend_from_slice(&[0xFF, 0x15]);
    code.extend_from_slice(&PeBuilder::rel32(call_end, bug));
    code.push(0xCC);
    b.code(&code);
    b.export("BugCheck", at);
    let mut host = HostTable::new();
    host.add("ntoskrnl.exe", "KeBugCheckEx", bugcheck::entry());
    let img = LoadedImage::load(&b.build(), &host).expect("load");
    assert!(img.register_symbols("faults.pe", None));
    img
}

/// The child side: runs one case when `PE_HOST_FAULT_CASE` is set, else does nothing.
#[test]
fn child() {
    let Ok(case) = std::env::var(CASE_ENV) else {
        return;
    };
    handler::arm_thread().expect("arm");
    let img = image();
    let f = img.export(&case).expect("case export");
    // SAFETY: each case export is a no-argument function of the image above (it faults or
    // bug-checks and never returns).
    let f: extern "win64" fn() = unsafe { core::mem::transmute(f) };
    f();
    unreachable!("case {case} returned");
}

fn run(case: &str) -> (Option<i32>, String) {
    let out = Command::new(std::env::current_exe().expect("exe"))
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CASE_ENV, case)
        .output()
        .expect("spawn");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn sigsegv_names_the_function_and_offset() {
    let (code, err) = run("Segv");
    assert_eq!(code, Some(FAULT_EXIT), "{err}");
    assert!(
        err.contains("pe-host: FAULT: SIGSEGV (address not mapped) at faults.pe!Segv+0x0 ("),
        "{err}"
    );
    assert!(err.contains("fault address 0x0)"), "{err}");
}

#[test]
fn sigill_names_the_function_and_offset() {
    let (code, err) = run("Ill");
    assert_eq!(code, Some(FAULT_EXIT), "{err}");
    assert!(
        err.contains("pe-host: FAULT: SIGILL (invalid instruction) at faults.pe!Ill+0x2 ("),
        "{err}"
    );
}

#[test]
fn a_privileged_instruction_names_the_function_and_offset() {
    let (code, err) = run("Priv");
    assert_eq!(code, Some(FAULT_EXIT), "{err}");
    assert!(err.contains("pe-host: FAULT: SIGSEGV (general protection: a privileged instruction or a non-canonical address) at faults.pe!Priv+0x1 ("), "{err}");
}

#[test]
fn a_bug_check_names_code_parameters_and_caller() {
    let (code, err) = run("BugCheck");
    assert_eq!(code, Some(BUGCHECK_EXIT), "{err}");
    assert!(
        err.contains("pe-host: BUG CHECK 0x0000dead (0x1, 0x2, 0x3, 0x4) called from faults.pe!BugCheck+0x29"),
        "{err}"
    );
}

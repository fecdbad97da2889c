//! A purpose-built test image commits each violation once, through its import table like a
//! driver, and the host reports each by name: a leak, a double free, a free with the wrong tag,
//! a return holding a spin lock (at the wrong IRQL), a lock released as shared while held
//! exclusive, an import called above its IRQL bound, a stack deeper than the budget. (Faults and
//! bug checks: tests/faults.rs.) The image is written here with `PeBuilder` (machine code
//! assembled by hand), loaded from a file by the same `DriverHost` that runs the real driver.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]
// In a test a panic is the failure report.
#![allow(clippy::panic)]

use ipsecov2_pe_host::driver::DriverHost;
use ipsecov2_pe_host::kernel::{pool, verifier};
use ipsecov2_pe_host::pe::build::PeBuilder;

const TAG: u32 = u32::from_le_bytes(*b"Test");
const OTHER: u32 = u32::from_le_bytes(*b"Oops");

/// Code of one routine, assembled at a known RVA.
struct Code {
    at: u32,
    bytes: Vec<u8>,
}

impl Code {
    fn new(b: &PeBuilder) -> Self {
        // push rbx; sub rsp, 0x20 (keeps RSP 16-aligned at calls)
        Self {
            at: b.next_code_rva(),
            bytes: vec![0x53, 0x48, 0x83, 0xEC, 0x20],
        }
    }
    fn mov_imm(&mut self, reg: [u8; 2], v: u64) -> &mut Self {
        self.bytes.extend_from_slice(&reg);
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn rcx(&mut self, v: u64) -> &mut Self {
        self.mov_imm([0x48, 0xB9], v)
    }
    fn rdx(&mut self, v: u64) -> &mut Self {
        self.mov_imm([0x48, 0xBA], v)
    }
    fn r8(&mut self, v: u64) -> &mut Self {
        self.mov_imm([0x49, 0xB8], v)
    }
    fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(b);
        self
    }
    /// lea rcx, [rip + target]
    fn lea_rcx(&mut self, target: u32) -> &mut Self {
        let next = self.at + self.bytes.len() as u32 + 7;
        self.raw(&[0x48, 0x8D, 0x0D])
            .raw(&PeBuilder::rel32(next, target))
    }
    /// call [rip + iat]
    fn call(&mut self, iat: u32) -> &mut Self {
        let next = self.at + self.bytes.len() as u32 + 6;
        self.raw(&[0xFF, 0x15]).raw(&PeBuilder::rel32(next, iat))
    }
    /// add rsp, 0x20; pop rbx; ret
    fn done(&mut self, b: &mut PeBuilder, name: &str) {
        self.raw(&[0x48, 0x83, 0xC4, 0x20, 0x5B, 0xC3]);
        let at = b.code(&self.bytes);
        assert_eq!(at, self.at);
        b.export(name, at);
    }
}

const MOV_RBX_RAX: [u8; 3] = [0x48, 0x89, 0xC3];
const MOV_RCX_RBX: [u8; 3] = [0x48, 0x89, 0xD9];
const MOV_RCX_RAX: [u8; 3] = [0x48, 0x89, 0xC1];
const MOV_RDX_RBX: [u8; 3] = [0x48, 0x89, 0xDA];

fn image() -> Vec<u8> {
    let mut b = PeBuilder::new();
    let alloc = b.import("ntoskrnl.exe", "ExAllocatePool2");
    let free = b.import("ntoskrnl.exe", "ExFreePoolWithTag");
    let acquire = b.import("ntoskrnl.exe", "KeAcquireSpinLockRaiseToDpc");
    let release = b.import("ntoskrnl.exe", "KeReleaseSpinLock");
    let ex_acquire = b.import("ntoskrnl.exe", "ExAcquireSpinLockExclusive");
    let ex_release_shared = b.import("ntoskrnl.exe", "ExReleaseSpinLockShared");
    let ex_release = b.import("ntoskrnl.exe", "ExReleaseSpinLockExclusive");
    let lock = b.data(&[0; 8]);
    let ex_lock = b.data(&[0; 8]);

    let mut c = Code::new(&b);
    c.rcx(0x40).rdx(64).r8(TAG.into()).call(alloc);
    c.done(&mut b, "Leak");

    let mut c = Code::new(&b);
    c.rcx(0x40)
        .rdx(64)
        .r8(TAG.into())
        .call(alloc)
        .raw(&MOV_RBX_RAX);
    c.raw(&MOV_RCX_RBX).rdx(TAG.into()).call(free);
    c.raw(&MOV_RCX_RBX).rdx(TAG.into()).call(free);
    c.done(&mut b, "DoubleFree");

    let mut c = Code::new(&b);
    c.rcx(0x40)
        .rdx(64)
        .r8(TAG.into())
        .call(alloc)
        .raw(&MOV_RBX_RAX);
    c.raw(&MOV_RCX_RBX).rdx(OTHER.into()).call(free);
    c.done(&mut b, "WrongTag");

    let mut c = Code::new(&b);
    c.lea_rcx(lock).call(acquire);
    c.done(&mut b, "ReturnHoldingLock");

    let mut c = Code::new(&b);
    c.lea_rcx(ex_lock).call(ex_acquire).raw(&MOV_RBX_RAX);
    c.lea_rcx(ex_lock).raw(&MOV_RDX_RBX).call(ex_release_shared);
    c.lea_rcx(ex_lock).raw(&MOV_RDX_RBX).call(ex_release);
    c.done(&mut b, "MismatchedRelease");

    let mut c = Code::new(&b);
    c.lea_rcx(lock).call(acquire).raw(&MOV_RBX_RAX);
    c.rcx(0x100).rdx(64).r8(TAG.into()).call(alloc);
    c.raw(&MOV_RCX_RAX).rdx(TAG.into()).call(free);
    c.lea_rcx(lock).raw(&MOV_RDX_RBX).call(release);
    c.done(&mut b, "PagedPoolAtDispatch");

    // DeepStack: sub rsp, 0x4000; mov [rsp], rax; add rsp, 0x4000; ret
    let at = b.code(&[
        0x48, 0x81, 0xEC, 0x00, 0x40, 0x00, 0x00, 0x48, 0x89, 0x04, 0x24, 0x48, 0x81, 0xC4, 0x00,
        0x40, 0x00, 0x00, 0xC3,
    ]);
    b.export("DeepStack", at);
    b.build()
}

/// Runs export `name` of the test image in a fresh host; returns the violations it caused
/// (cleaning up what it leaked so that the next case starts clean).
/// Each case runs on a thread of its own: IRQL and held locks are per thread, like the
/// kernel's, so one case's leftovers cannot leak into the next.
fn commit(name: &str) -> Vec<String> {
    let name = name.to_owned();
    std::thread::spawn(move || {
        let path =
            std::env::temp_dir().join(format!("pe-host-violations-{}.sys", std::process::id()));
        std::fs::write(&path, image()).expect("write the test image");
        let mut h = DriverHost::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_file(&path);
        h.call_export(&name).expect("export");
        h.check_released();
        let v = verifier::take();
        for (p, _) in pool::live() {
            pool::free("cleanup", p as *mut core::ffi::c_void, None);
        }
        verifier::take();
        v
    })
    .join()
    .expect("case thread")
}

fn has(v: &[String], needle: &str) -> bool {
    v.iter().any(|s| s.contains(needle))
}

#[test]
fn each_violation_is_reported_by_name() {
    let v = commit("Leak");
    assert!(has(&v, "pool leak at unload: 64 bytes tag 'Test'"), "{v:?}");
    let v = commit("DoubleFree");
    assert!(
        has(&v, "ExFreePoolWithTag: ")
            && has(
                &v,
                "is not a live pool block (double free or foreign pointer)"
            ),
        "{v:?}"
    );
    let v = commit("WrongTag");
    assert!(
        has(&v, "allocated with tag 'Test' freed with tag 'Oops'"),
        "{v:?}"
    );
    let v = commit("ReturnHoldingLock");
    assert!(
        has(&v, "ReturnHoldingLock returned at IRQL 2, called at 0"),
        "{v:?}"
    );
    assert!(
        has(&v, "ReturnHoldingLock returned holding 1 spin lock(s)"),
        "{v:?}"
    );
    let v = commit("MismatchedRelease");
    assert!(
        has(&v, "ExReleaseSpinLockShared: ") && has(&v, "not held shared by this thread"),
        "{v:?}"
    );
    assert_eq!(v.len(), 1, "{v:?}");
    let v = commit("PagedPoolAtDispatch");
    assert_eq!(v, ["ExAllocatePool2 called at IRQL 2, above its bound 1"]);
    let v = commit("DeepStack");
    assert!(
        v.iter()
            .any(|s| s.starts_with("DeepStack used ")
                && s.ends_with("bytes of stack (budget 12288)")),
        "{v:?}"
    );
}

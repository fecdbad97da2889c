//! Proof that AddressSanitizer really instruments the NBL walking code in the ASan build.
//!
//! `deliberate_out_of_bounds_read` breaks the `NblChain::from_raw` contract on purpose (an MDL
//! whose `ByteCount` is one byte larger than its buffer) and copies the NET_BUFFER out through
//! `ipsecov2-nbl`, reading one byte past a heap allocation. It is `#[ignore]`d: run on its own it
//! is undefined behaviour. In the ASan build (`cfg(ipsecov2_asan)`, set by the build script when
//! compiling with `-Zsanitizer=address`), `asan_is_active` runs it in a child process and
//! requires ASan to abort it with a heap-buffer-overflow report.
#![cfg(test)]

use ipsecov2_nbl::SystemVaMapper;
use ipsecov2_ndis_emu::{MdlLayout, NbSpec, NblSpec, OwnedNblChain};

#[test]
#[ignore = "reads one byte past a heap buffer on purpose; run by `asan_is_active` under ASan"]
fn deliberate_out_of_bounds_read() {
    let mut owned = OwnedNblChain::build(&[NblSpec::new(vec![NbSpec::new(
        vec![7; 8],
        MdlLayout::single(8),
    )])])
    .unwrap();
    let mdl = owned.mdl_ptr(0, 0, 0).unwrap();
    // SAFETY: deliberately NOT sound: the MDL's buffer has 8 bytes, so a `ByteCount` of 9 breaks
    // the memory guarantee of `NblChain::from_raw`. This is the out-of-bounds access ASan must
    // catch; the test only runs (in a child process) under ASan.
    unsafe { (*mdl).ByteCount = 9 };
    owned.set_data_length(0, 0, 9).unwrap();
    let mut chain = owned.chain();
    let mut nbls = chain.cursor();
    let mut nbl = nbls.next_nbl().unwrap();
    let mut nbs = nbl.net_buffers();
    let mut nb = nbs.next_nb().unwrap();
    let view = nb.data(&SystemVaMapper).unwrap();
    let mut out = [0u8; 9];
    view.copy_out(0, &mut out).unwrap();
    std::hint::black_box(out);
}

#[cfg(ipsecov2_asan)]
#[test]
fn asan_is_active() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            "deliberate_out_of_bounds_read",
            "--test-threads=1",
        ])
        .env("ASAN_OPTIONS", "detect_leaks=0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the out-of-bounds read was not caught:\n{stderr}"
    );
    assert!(
        stderr.contains("ERROR: AddressSanitizer: heap-buffer-overflow"),
        "no ASan report:\n{stderr}"
    );
}

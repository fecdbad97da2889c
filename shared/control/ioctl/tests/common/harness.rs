//! The fuzz harness, shared by the cargo-fuzz target and the corpus replay: byte 0 picks the
//! IOCTL, byte 1 the output size, the rest is the input. Whatever the bytes, the dispatcher must
//! not panic, must never report more output than the buffer holds, and a refused request must
//! leave the control plane unchanged.

use super::Rig;
use ipsecov2_ioctl::{Completion, Ioctl};

pub fn run(data: &[u8]) {
    let [sel, size, input @ ..] = data else {
        return;
    };
    let ioctl = Ioctl::ALL[usize::from(*sel) % Ioctl::ALL.len()];
    let out_len = match size % 4 {
        0 => 0,
        1 => 16,
        2 => 100,
        _ => 4096,
    };
    let mut rig = Rig::new(size & 0x80 != 0);
    rig.populate();
    let before = rig.snapshot();
    let mut out = vec![0u8; out_len];
    let r = rig
        .disp
        .dispatch(&mut rig.plane, ioctl.code(), 7, input, &mut out);
    match r {
        Ok(Completion::Done(n)) => {
            assert!(n <= out_len);
            let resp = ipsecov2_ioctl::client::parse(&out[..n]).unwrap();
            if resp.status != 0 {
                assert_eq!(
                    rig.snapshot(),
                    before,
                    "{ioctl:?} failed with {} but changed",
                    resp.status
                );
            }
        }
        Ok(Completion::Pending) => assert_eq!(ioctl, Ioctl::EventWait),
        Ok(Completion::Test(_)) => assert_eq!(ioctl.family(), ipsecov2_ioctl::Family::Test),
        Err(_) => assert_eq!(rig.snapshot(), before, "{ioctl:?} refused but changed"),
    }
}

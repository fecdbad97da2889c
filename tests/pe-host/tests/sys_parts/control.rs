//! The control device: every IRP completed once with the right status.
#![cfg(test)]

use super::*;

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn the_control_device_completes_every_irp_once_with_the_right_status() {
    use ipsecov2_pe_host::device_io::{
        IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL, IRP_MJ_READ,
    };
    const STATUS_INVALID_DEVICE_REQUEST: i32 = 0xC000_0010_u32 as i32;
    let mut h = host();
    assert_eq!(h.driver_entry().expect("DriverEntry"), 0);
    for major in [IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE] {
        let r = h.device_request(major, 0, &mut [], 0).expect("dispatch");
        assert_eq!(
            (r.returned, r.status, r.completions),
            (0, 0, 1),
            "major {major:#x}"
        );
    }
    let r = h
        .device_request(IRP_MJ_READ, 0, &mut [], 0)
        .expect("dispatch");
    assert_eq!(
        (r.returned, r.status),
        (STATUS_INVALID_DEVICE_REQUEST, STATUS_INVALID_DEVICE_REQUEST)
    );
    // No IOCTL is defined yet: every code is refused, and the IRP still completed once.
    let mut buf = [0u8; 16];
    let r = h
        .device_request(IRP_MJ_DEVICE_CONTROL, 0x0012_2000, &mut buf, 16)
        .expect("dispatch");
    assert_eq!(
        (r.status, r.information, r.completions),
        (STATUS_INVALID_DEVICE_REQUEST, 0, 1)
    );
    assert_eq!(verifier::take(), Vec::<String>::new());
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

//! The inverted call: EventWait completes at once when events wait, otherwise pends in a bounded
//! queue (refusals counted) until the control plane has events.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{CryptoDropped, Direction, Event, EventKind, PacketFields};
use ipsecov2_ioctl::client;
use ipsecov2_ioctl::{Completion, DispatchError, Dispatcher, Ioctl};

fn wrong_spi(spi: u32) -> Event {
    Event::Crypto {
        kind: EventKind::WrongSpi,
        info: CryptoDropped {
            src: v4(1, 1, 1, 1),
            dst: v4(2, 2, 2, 2),
            protocol: 50,
            spi,
            flow_label: 0,
            seq_no: 3,
            count: 1,
        },
    }
}

#[test]
fn pend_then_complete_as_events_arrive() {
    let mut rig = Rig::new(false);
    rig.call(Ioctl::EventSetMask, &client::words(&[u32::MAX, 0]))
        .unwrap();
    let wait = client::words(&[0, 0]);
    let mut out = vec![0u8; 256];
    for token in [1, 2] {
        let c = rig.disp.dispatch(
            &mut rig.plane,
            Ioctl::EventWait.code(),
            token,
            &wait,
            &mut out,
        );
        assert_eq!(c, Ok(Completion::Pending));
    }
    // The queue holds two: the third is refused and counted.
    let c = rig
        .disp
        .dispatch(&mut rig.plane, Ioctl::EventWait.code(), 3, &wait, &mut out);
    assert_eq!(c, Err(DispatchError::PendingQueueFull));
    assert_eq!(rig.disp.refused(), 1);
    assert!(rig.disp.ready(&rig.plane).is_none(), "no event yet");
    assert!(rig.disp.cancel(2));
    assert!(!rig.disp.cancel(2));
    // Events arrive (the datapath reports them, a lookup raises an acquire).
    rig.plane.report(wrong_spi(0x77));
    let spd = rig.plane.spd_create(Direction::Outbound, &[], 5).unwrap();
    let sel = [any_sel()];
    let pol = rig
        .plane
        .policy_create(
            &ipsecov2_control_plane::PolicySpec {
                id: 6,
                action: ipsecov2_control_plane::Action::Protect,
                selectors: &sel,
            },
            &[spd],
            &[1],
            Direction::Outbound,
        )
        .unwrap();
    let pkt = PacketFields {
        protocol: 6,
        src: v4(10, 0, 0, 1),
        dst: v4(192, 168, 1, 9),
        src_port: 1,
        dst_port: 2,
    };
    rig.plane.match_packet(Direction::Outbound, &pkt).unwrap();
    let (token, max) = rig.disp.ready(&rig.plane).unwrap();
    assert_eq!((token, max), (1, 0));
    let n = Dispatcher::complete_events(&mut rig.plane, max, &mut out).unwrap();
    let r = client::parse(&out[..n]).unwrap();
    assert_eq!(r.body.u32(0).unwrap(), 2);
    assert_eq!(r.body.u32(16).unwrap(), 10, "WRONG_SPI");
    assert_eq!(r.body.u32(16 + 8 + 36).unwrap(), 0x77, "its SPI");
    assert_eq!(r.body.u32(16 + 64).unwrap(), 1, "SA_ACQUIRE");
    assert_eq!(r.body.u32(16 + 64 + 12).unwrap(), 6, "policy ID");
    assert!(rig.plane.events().is_empty());
    assert!(rig.disp.ready(&rig.plane).is_none());
    let _ = pol;
}

#[test]
fn completes_at_once_and_only_what_fits() {
    let mut rig = Rig::new(false);
    rig.plane.events_mut().set_mask(u32::MAX);
    for i in 0..5 {
        rig.plane.report(wrong_spi(i));
    }
    let mut out = vec![0u8; 16 + 16 + 2 * 64 + 10];
    let (all, one) = (client::words(&[0, 0]), client::words(&[1, 0]));
    let c = rig
        .disp
        .dispatch(&mut rig.plane, Ioctl::EventWait.code(), 1, &all, &mut out)
        .unwrap();
    let Completion::Done(n) = c else { panic!() };
    assert_eq!(n, 16 + 16 + 2 * 64);
    assert_eq!(rig.plane.events().len(), 3);
    let c = rig
        .disp
        .dispatch(&mut rig.plane, Ioctl::EventWait.code(), 1, &one, &mut out)
        .unwrap();
    assert_eq!(c, Completion::Done(16 + 16 + 64));
    // Too small for one event: refused before anything is taken.
    let mut tiny = [0u8; 40];
    let c = rig
        .disp
        .dispatch(&mut rig.plane, Ioctl::EventWait.code(), 1, &all, &mut tiny);
    assert_eq!(c, Err(DispatchError::OutputTooSmall { needed: 96 }));
    assert_eq!(rig.plane.events().len(), 2);
}

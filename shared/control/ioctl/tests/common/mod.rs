//! Fixtures: a control plane over a real SA table behind a dispatcher, requests built with the
//! crate's client builders, a snapshot of everything observable.
#![allow(dead_code)]

pub mod harness;
pub mod seeds;

use ipsecov2_control_plane::{
    ControlPlane, Direction, Interface, IpAddr, Limits, PortRange, Selector, SelectorAddr,
};
use ipsecov2_ioctl::client::{self, Response};
pub use ipsecov2_ioctl::testing::{esp, sa_add_message as sa_add};
use ipsecov2_ioctl::{Completion, DispatchError, Dispatcher, DispatcherConfig, Ioctl};
use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_satable::{HostSaTable, StdRwLock, TableSeed, TableState};

pub type Store = OffloadSas<StdRwLock<TableState<OffloadSa>>>;
pub type Plane = ControlPlane<Store>;

pub const IF1: u32 = 11;
pub const IF2: u32 = 12;

pub struct Rig {
    pub plane: Plane,
    pub disp: Dispatcher,
    pub out: Vec<u8>,
}

impl Rig {
    pub fn new(test_family: bool) -> Self {
        let store = OffloadSas::new(
            HostSaTable::with_capacity(64, TableSeed::from_words([5, 6, 7, 8])).unwrap(),
        );
        let mut plane = ControlPlane::new(store, Limits::default()).unwrap();
        plane
            .attach_interface(Interface {
                luid: 0x100,
                index: IF1,
            })
            .unwrap();
        plane
            .attach_interface(Interface {
                luid: 0x200,
                index: IF2,
            })
            .unwrap();
        let disp = Dispatcher::new(DispatcherConfig {
            test_family,
            max_pending: 2,
        })
        .unwrap();
        Self {
            plane,
            disp,
            out: vec![0; 4096],
        }
    }

    /// Dispatches with the rig's 4 KiB output buffer.
    pub fn call(
        &mut self,
        ioctl: Ioctl,
        input: &[u8],
    ) -> Result<Completion<'static>, DispatchError> {
        self.call_with(ioctl, input, 4096)
    }

    pub fn call_with(
        &mut self,
        ioctl: Ioctl,
        input: &[u8],
        out_len: usize,
    ) -> Result<Completion<'static>, DispatchError> {
        self.out = vec![0; out_len];
        let c = self
            .disp
            .dispatch(&mut self.plane, ioctl.code(), 1, input, &mut self.out)?;
        Ok(match c {
            Completion::Done(n) => Completion::Done(n),
            Completion::Pending => Completion::Pending,
            // Tests of the test family look at the request themselves.
            Completion::Test(_) => Completion::Done(usize::MAX),
        })
    }

    /// Dispatches and parses a completed response.
    pub fn ok(&mut self, ioctl: Ioctl, input: &[u8]) -> Response<'_> {
        match self.call(ioctl, input) {
            Ok(Completion::Done(n)) => {
                let r = client::parse(&self.out).unwrap();
                assert_eq!(r.body.bytes().len() + 16, n);
                r
            }
            other => panic!("{ioctl:?}: {other:?}"),
        }
    }

    /// The NPF status of a completed request.
    pub fn status(&mut self, ioctl: Ioctl, input: &[u8]) -> u32 {
        self.ok(ioctl, input).status
    }

    /// A u32 from a successful response's body.
    pub fn handle(&mut self, ioctl: Ioctl, input: &[u8]) -> u32 {
        let r = self.ok(ioctl, input);
        assert_eq!(r.status, 0, "{ioctl:?} failed with {}", r.status);
        r.body.u32(0).unwrap()
    }

    /// SPD (outbound, IF1), protecting policy, ESP SA: returns (spd, policy, sa).
    pub fn populate(&mut self) -> (u32, u32, u32) {
        let spd = self.handle(
            Ioctl::SpdCreate,
            &client::spd_create(Direction::Outbound, 1, &[IF1]),
        );
        let pol = self.handle(
            Ioctl::PolicyCreate,
            &client::policy_create(
                10,
                ipsecov2_control_plane::Action::Protect,
                Direction::Outbound,
                &[any_sel()],
                &[spd],
                &[1],
            ),
        );
        let sas = [esp(0x1000)];
        let sa = self.handle(Ioctl::SaAdd, &sa_add(pol, 100, &sas));
        (spd, pol, sa)
    }

    pub fn snapshot(&self) -> String {
        format!(
            "{} table {} pending {}\n",
            ipsecov2_ioctl::testing::snapshot(&self.plane),
            self.plane.store().table().len(),
            self.disp.pending()
        )
    }
}

pub fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4([a, b, c, d])
}

pub fn any_sel() -> Selector {
    Selector {
        rule_flags: 0,
        ip_version: 4,
        protocol: 0,
        src: SelectorAddr::Prefix {
            addr: v4(10, 0, 0, 0),
            len: 8,
        },
        dst: SelectorAddr::Range {
            start: v4(192, 168, 1, 0),
            end: v4(192, 168, 1, 255),
        },
        src_port: PortRange::ANY,
        dst_port: PortRange::ANY,
    }
}

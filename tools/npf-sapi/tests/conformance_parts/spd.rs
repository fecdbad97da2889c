//! Sections 6.6.2-6.6.6: the SPD functions, and SPD creation's first-use and limits.

use crate::common::plane::{policy, sa_add, IFS};
use ipsecov2_control_plane as cp;
use npf_ipsec_sapi::abi::*;
use npf_ipsec_sapi::model::{Direction, PolicyHandle, SaHandle, SpdHandle};
use npf_ipsec_sapi::transport::in_process::InProcess;
use npf_ipsec_sapi::{Done, Request};

use crate::agreement::record;
use crate::harness::{generic_sync, Harness, Via};

pub fn spd_functions(via: Via) {
    let mut h = Harness::new(via);
    let f = "SPD_Create";
    let spd = h.spd(Direction::Inbound, &IFS[..1], 1);
    generic_sync(
        &mut h,
        f,
        Request::SpdCreate {
            direction: Direction::Inbound,
            ifs: vec![],
            id: 9,
        },
    );
    h.expect_sync(
        f,
        Request::SpdCreate {
            direction: Direction::Inbound,
            ifs: vec![2, 2],
            id: 9,
        },
        NPF_IPSEC_E_DUPLICATE_IF_HANDLE,
    );
    h.expect_plane(
        f,
        &Request::SpdCreate {
            direction: Direction::Inbound,
            ifs: vec![2, 2],
            id: 9,
        },
        NPF_IPSEC_E_DUPLICATE_IF_HANDLE,
    );
    h.expect(
        f,
        Request::SpdCreate {
            direction: Direction::Inbound,
            ifs: vec![77],
            id: 9,
        },
        NPF_IPSEC_E_INVALID_IF_HANDLE,
    );
    h.expect(
        f,
        Request::SpdCreate {
            direction: Direction::Outbound,
            ifs: vec![2],
            id: 1,
        },
        NPF_IPSEC_E_SPD_ID_ALREADY_REGISTERED,
    );

    let f = "SPD_Bind";
    generic_sync(&mut h, f, Request::SpdBind { spd, ifs: vec![2] });
    h.expect_sync(
        f,
        Request::SpdBind {
            spd,
            ifs: vec![2, 2],
        },
        NPF_IPSEC_E_DUPLICATE_IF_HANDLE,
    );
    h.expect_plane(
        f,
        &Request::SpdBind {
            spd,
            ifs: vec![2, 2],
        },
        NPF_IPSEC_E_DUPLICATE_IF_HANDLE,
    );
    h.ok(f, Request::SpdBind { spd, ifs: vec![2] });
    h.expect(
        f,
        Request::SpdBind { spd, ifs: vec![78] },
        NPF_IPSEC_E_INVALID_IF_HANDLE,
    );
    h.expect(
        f,
        Request::SpdBind {
            spd: SpdHandle(999),
            ifs: vec![3],
        },
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    let other = h.spd(Direction::Inbound, &[3], 2);
    h.expect(
        f,
        Request::SpdBind {
            spd: other,
            ifs: vec![2],
        },
        NPF_IPSEC_E_IF_ALREADY_BOUND,
    );

    let f = "SPD_UnBind";
    generic_sync(&mut h, f, Request::SpdUnbind { spd, ifs: vec![2] });
    h.expect_sync(f, Request::SpdUnbind { spd, ifs: vec![] }, NPF_E_UNKNOWN);
    h.expect_sync(
        f,
        Request::SpdUnbind {
            spd,
            ifs: vec![2, 2],
        },
        NPF_IPSEC_E_DUPLICATE_IF_HANDLE,
    );
    h.expect_plane(
        f,
        &Request::SpdUnbind {
            spd,
            ifs: vec![2, 2],
        },
        NPF_IPSEC_E_DUPLICATE_IF_HANDLE,
    );
    h.ok(f, Request::SpdUnbind { spd, ifs: vec![2] });
    h.expect(
        f,
        Request::SpdUnbind { spd, ifs: vec![79] },
        NPF_IPSEC_E_INVALID_IF_HANDLE,
    );
    h.expect(
        f,
        Request::SpdUnbind {
            spd: SpdHandle(999),
            ifs: vec![1],
        },
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    h.expect(
        f,
        Request::SpdUnbind { spd, ifs: vec![1] },
        NPF_IPSEC_E_UNBIND_FAILED_LASTBINDING,
    );
    let global = h.spd(Direction::Outbound, &[], 3);
    h.expect(
        f,
        Request::SpdUnbind {
            spd: global,
            ifs: vec![1],
        },
        NPF_IPSEC_E_UNBIND_FAILED_BOUNDTOALL,
    );

    let f = "SPD_Flush";
    generic_sync(&mut h, f, Request::SpdFlush(vec![]));
    h.expect_sync(
        f,
        Request::SpdFlush(vec![spd, spd]),
        NPF_IPSEC_E_DUPLICATE_SPD_HANDLE,
    );
    h.expect_plane(
        f,
        &Request::SpdFlush(vec![spd, spd]),
        NPF_IPSEC_E_DUPLICATE_SPD_HANDLE,
    );
    let p = h.policy(10, 1, spd, Direction::Inbound);
    h.ok(f, Request::SpdFlush(vec![spd]));
    h.expect(
        "Policy_Destroy",
        Request::PolicyDestroy(p),
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    h.expect(
        f,
        Request::SpdFlush(vec![SpdHandle(999)]),
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    h.ok(f, Request::SpdFlush(vec![]));

    let f = "SPD_Destroy";
    generic_sync(&mut h, f, Request::SpdDestroy(vec![]));
    h.expect_sync(
        f,
        Request::SpdDestroy(vec![spd, spd]),
        NPF_IPSEC_E_DUPLICATE_SPD_HANDLE,
    );
    h.expect_plane(
        f,
        &Request::SpdDestroy(vec![spd, spd]),
        NPF_IPSEC_E_DUPLICATE_SPD_HANDLE,
    );
    // All or nothing: one bad handle, nothing destroyed.
    h.expect(
        f,
        Request::SpdDestroy(vec![spd, SpdHandle(999)]),
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    let seen = h.ok(f, Request::SpdDestroy(vec![spd]));
    assert_eq!(seen, Done::Spds(vec![spd]));
    h.ok(f, Request::SpdDestroy(vec![]));
    assert_eq!(
        h.ok("Query_AllSPDs", Request::QueryAllSpds),
        Done::SpdIdentities(vec![])
    );
    record(h.via, std::mem::take(&mut h.covered));
}

/// How far each table goes before NOMEMORY.
struct Maxima {
    /// `None`: no sequence of calls reaches it.
    spds: Option<u32>,
    policies: u32,
    spis: u32,
}

/// A harness whose tables are small: in process, a plane with one SPD, one policy, one SA
/// bundle and one reserved SPI; over the binary, the driver's own maxima (its plane's
/// `Limits`: the test fills them) with modules whose SA tables hold one SA (the datapath's
/// "full" is NOMEMORY too).
fn limited(via: Via) -> (Harness, Maxima) {
    let ifaces: Vec<cp::Interface> = IFS
        .iter()
        .map(|&index| cp::Interface {
            luid: u64::from(index) << 24,
            index,
        })
        .collect();
    match via {
        Via::Direct | Via::Ioctl => {
            let limits = cp::Limits {
                spds: 1,
                policies: 1,
                sas: 1,
                reserved_spis: 1,
                ..cp::Limits::default()
            };
            let plane = InProcess::new(limits, &ifaces).expect("plane");
            let max = Maxima {
                spds: Some(1),
                policies: 1,
                spis: 1,
            };
            (Harness::with(plane, via), max)
        }
        #[cfg(feature = "pe-host")]
        Via::Binary => {
            let config = npf_ipsec_sapi::transport::pe_host::PeHostConfig {
                sa_capacity: 1,
                ..Default::default()
            };
            let d = cp::Limits::default();
            let n = |v: usize| u32::try_from(v).expect("limit");
            let max = Maxima {
                spds: None,
                policies: n(d.policies),
                spis: n(d.reserved_spis),
            };
            let plane = crate::harness::Plane::Binary(crate::harness::binary(config));
            (Harness::over(plane, via), max)
        }
    }
}

pub fn spd_create_first_and_limits(via: Via) {
    // 6.5: before SPD_Create nothing exists; every handle is invalid.
    let mut h = Harness::new(via);
    h.expect(
        "Policy_Destroy",
        Request::PolicyDestroy(PolicyHandle(1)),
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    h.expect(
        "SA_Remove",
        Request::SaRemove {
            policy: PolicyHandle(1),
            sa: SaHandle(1),
        },
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    h.expect(
        "Query_AllSAs",
        Request::QueryAllSas(SpdHandle(1)),
        NPF_IPSEC_E_INVALID_SPD_HANDLE,
    );
    // One driver at a time in the PE host: this harness goes before the next one starts.
    record(h.via, std::mem::take(&mut h.covered));
    drop(h);
    // NOMEMORY: every table stops at its configured maximum.
    let (mut h, max) = limited(via);
    let spd_in = h.spd(Direction::Inbound, &[1], 1);
    // Over the binary the SPD table cannot fill: see `agreement::not_producible_over_the_binary`.
    if let Some(spds) = max.spds {
        for id in 2..=spds {
            h.spd(Direction::Outbound, &[], 1000 + id);
        }
        h.expect(
            "SPD_Create",
            Request::SpdCreate {
                direction: Direction::Outbound,
                ifs: vec![2],
                id: 2,
            },
            NPF_IPSEC_E_NOMEMORY,
        );
    }
    let p = h.policy(1, 1, spd_in, Direction::Inbound);
    let mut next = 10_000;
    let mut left = max.policies - 1;
    while left > 0 {
        let n = left.min(256);
        let policies = (0..n).map(|i| (policy(next + i, 1), 1)).collect();
        h.ok(
            "Policy_BatchCreate",
            Request::PolicyBatchCreate {
                policies,
                spd: spd_in,
                direction: Direction::Inbound,
            },
        );
        next += n;
        left -= n;
    }
    h.expect(
        "Policy_Create",
        Request::PolicyCreate {
            policy: policy(2, 2),
            spds: vec![(spd_in, 1)],
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_NOMEMORY,
    );
    h.expect(
        "Policy_BatchCreate",
        Request::PolicyBatchCreate {
            policies: vec![(policy(3, 3), 1)],
            spd: spd_in,
            direction: Direction::Inbound,
        },
        NPF_IPSEC_E_NOMEMORY,
    );
    let mut spis = Vec::new();
    for _ in 0..max.spis {
        match h.ok(
            "InSA_ReserveSPI",
            Request::ReserveSpi {
                policy: p,
                selectors: vec![],
            },
        ) {
            Done::Spi(s) => spis.push(s),
            other => panic!("{other:?}"),
        }
    }
    let spi = spis[0];
    // E-NOSPI: no SPI left to reserve completes with NOMEMORY.
    h.expect(
        "InSA_ReserveSPI",
        Request::ReserveSpi {
            policy: p,
            selectors: vec![],
        },
        NPF_IPSEC_E_NOMEMORY,
    );
    h.ok(
        "SA_Add",
        Request::SaAdd(sa_add(p, 1, spi, Direction::Inbound, 1)),
    );
    h.expect(
        "SA_Add",
        Request::SaAdd(sa_add(p, 2, 0x3000, Direction::Inbound, 1)),
        NPF_IPSEC_E_NOMEMORY,
    );
    record(h.via, std::mem::take(&mut h.covered));
}

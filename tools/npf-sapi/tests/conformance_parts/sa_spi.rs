//! Sections 6.6.16-6.6.19: the SA functions and SPI reservation.

use crate::common::plane::{sa_add, selector};
use npf_ipsec_sapi::abi::*;
use npf_ipsec_sapi::model::{Direction, PolicyHandle, SaFlags};
use npf_ipsec_sapi::{Done, Request};

use crate::agreement::record;
use crate::harness::{generic_sync, Harness, Via};

pub fn sa_and_spi_functions(via: Via) {
    let mut h = Harness::new(via);
    let spd_in = h.spd(Direction::Inbound, &[1], 1);
    let spd_out = h.spd(Direction::Outbound, &[1], 2);
    let p_in = h.policy(1, 1, spd_in, Direction::Inbound);
    let p_out = h.policy(2, 1, spd_out, Direction::Outbound);

    let f = "InSA_ReserveSPI";
    generic_sync(
        &mut h,
        f,
        Request::ReserveSpi {
            policy: p_in,
            selectors: vec![],
        },
    );
    let spi = match h.ok(
        f,
        Request::ReserveSpi {
            policy: p_in,
            selectors: vec![selector(1)],
        },
    ) {
        Done::Spi(s) => s,
        other => panic!("{other:?}"),
    };
    h.expect(
        f,
        Request::ReserveSpi {
            policy: PolicyHandle(999),
            selectors: vec![],
        },
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    let mut bad = selector(1);
    bad.src_port = npf_ipsec_sapi::model::PortRange { start: 9, end: 1 };
    h.expect(
        f,
        Request::ReserveSpi {
            policy: p_in,
            selectors: vec![bad],
        },
        NPF_IPSEC_E_INVALID_SELECTOR,
    );
    let req = Request::ReserveSpi {
        policy: p_in,
        selectors: vec![selector(1), selector(1)],
    };
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_DUPLICATE_SELECTOR);
    h.expect_plane(f, &req, NPF_IPSEC_E_DUPLICATE_SELECTOR);
    let mut rf = selector(1);
    rf.rule_flags = 4;
    let req = Request::ReserveSpi {
        policy: p_in,
        selectors: vec![rf],
    };
    h.expect_sync(f, req.clone(), NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED);
    h.expect_plane(f, &req, NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED);

    let f = "SA_Add";
    generic_sync(
        &mut h,
        f,
        Request::SaAdd(sa_add(p_in, 1, spi, Direction::Inbound, 1)),
    );
    // E-RESERVESPI-MODE: an inbound SPI reserved for another policy is not acceptable.
    let p_in2 = h.policy(3, 2, spd_in, Direction::Inbound);
    h.expect(
        f,
        Request::SaAdd(sa_add(p_in2, 9, spi, Direction::Inbound, 2)),
        NPF_IPSEC_E_BAD_SPI,
    );
    let sa_in = match h.ok(
        f,
        Request::SaAdd(sa_add(p_in, 1, spi, Direction::Inbound, 1)),
    ) {
        Done::Sa(s) => s,
        other => panic!("{other:?}"),
    };
    let sa_out = match h.ok(
        f,
        Request::SaAdd(sa_add(p_out, 2, 0x5000, Direction::Outbound, 1)),
    ) {
        Done::Sa(s) => s,
        other => panic!("{other:?}"),
    };
    h.expect(
        f,
        Request::SaAdd(sa_add(p_out, 2, 0x5001, Direction::Outbound, 1)),
        NPF_IPSEC_E_SA_ID_ALREADY_REGISTERED,
    );
    h.expect(
        f,
        Request::SaAdd(sa_add(PolicyHandle(999), 3, 0x5002, Direction::Outbound, 1)),
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    let with = |f: &dyn Fn(&mut npf_ipsec_sapi::model::SaParams)| {
        let mut add = sa_add(p_out, 3, 0x5003, Direction::Outbound, 1);
        f(&mut add.sas[0]);
        Request::SaAdd(add)
    };
    h.expect(f, with(&|s| s.enc_algo = 99), NPF_IPSEC_E_INVALID_ENC_ALGO);
    h.expect(
        f,
        with(&|s| s.auth_algo = 99),
        NPF_IPSEC_E_INVALID_AUTH_ALGO,
    );
    h.expect(
        f,
        with(&|s| s.flags = SaFlags::new(NPF_IPSEC_PROTOCOL_IPCOMP)),
        NPF_IPSEC_E_INVALID_COMPRESS_ALGO,
    );
    h.expect(
        f,
        with(&|s| {
            s.auth_algo = NPF_IPSEC_AALG_NONE;
            s.auth_key.clear();
            s.auth_key_bits = 0;
            s.enc_algo = NPF_IPSEC_EALG_NULL;
            s.enc_key.clear();
            s.enc_key_bits = 0;
            s.flags = s.flags.replay_off();
        }),
        NPF_IPSEC_E_NULL_AUTH_NULL_ENC_ALGO,
    );
    h.expect(
        f,
        with(&|s| s.enc_key_bits = 100),
        NPF_IPSEC_E_INVALID_ENC_ALGO_KEYLEN,
    );
    h.expect(
        f,
        with(&|s| s.auth_key_bits = 64),
        NPF_IPSEC_E_INVALID_AUTH_ALGO_KEYLEN,
    );
    h.expect(
        f,
        with(&|s| {
            s.auth_algo = NPF_IPSEC_AALG_NONE;
            s.auth_key.clear();
            s.auth_key_bits = 0;
        }),
        NPF_IPSEC_E_NO_REPLAY,
    );
    h.expect(f, with(&|s| s.spi = 5), NPF_IPSEC_E_BAD_SPI);
    h.expect(
        f,
        with(&|s| s.auth_algo = NPF_IPSEC_AALG_AESXCBC),
        NPF_IPSEC_E_OPTIONAL_FEATURE_NOT_SUPPORTED,
    );
    let mut bad = sa_add(p_out, 3, 0x5003, Direction::Outbound, 1);
    bad.selectors[0].ip_version = 9;
    h.expect(f, Request::SaAdd(bad), NPF_IPSEC_E_INVALID_SELECTOR);
    let mut dup = sa_add(p_out, 3, 0x5003, Direction::Outbound, 1);
    dup.selectors.push(dup.selectors[0]);
    h.expect_sync(
        f,
        Request::SaAdd(dup.clone()),
        NPF_IPSEC_E_DUPLICATE_SELECTOR,
    );
    h.expect_plane(f, &Request::SaAdd(dup), NPF_IPSEC_E_DUPLICATE_SELECTOR);
    let mut rf = sa_add(p_out, 3, 0x5003, Direction::Outbound, 1);
    rf.selectors[0].rule_flags = 0x10;
    h.expect_sync(
        f,
        Request::SaAdd(rf.clone()),
        NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED,
    );
    h.expect_plane(
        f,
        &Request::SaAdd(rf),
        NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED,
    );
    let mut empty = sa_add(p_out, 3, 0x5003, Direction::Outbound, 1);
    empty.sas.clear();
    h.expect_sync(f, Request::SaAdd(empty), NPF_E_UNKNOWN);

    let f = "InSA_ReleaseSPI";
    generic_sync(&mut h, f, Request::ReleaseSpi { policy: p_in, spi });
    h.expect(
        f,
        Request::ReleaseSpi { policy: p_in, spi },
        NPF_IPSEC_E_SPIINUSE,
    );
    h.expect(
        f,
        Request::ReleaseSpi {
            policy: p_in,
            spi: 0x7777,
        },
        NPF_IPSEC_E_BAD_SPI,
    );
    h.expect(
        f,
        Request::ReleaseSpi {
            policy: PolicyHandle(999),
            spi,
        },
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    let spare = match h.ok(
        "InSA_ReserveSPI",
        Request::ReserveSpi {
            policy: p_in,
            selectors: vec![],
        },
    ) {
        Done::Spi(s) => s,
        other => panic!("{other:?}"),
    };
    h.ok(
        f,
        Request::ReleaseSpi {
            policy: p_in,
            spi: spare,
        },
    );

    let f = "SA_GetStats";
    generic_sync(
        &mut h,
        f,
        Request::SaGetStats {
            policy: p_in,
            sa: sa_in,
            reset: false,
        },
    );
    match h.ok(
        f,
        Request::SaGetStats {
            policy: p_in,
            sa: sa_in,
            reset: true,
        },
    ) {
        Done::SaStats(s) => assert_eq!((s.sa_id, s.stats.len()), (1, 1)),
        other => panic!("{other:?}"),
    }
    h.expect(
        f,
        Request::SaGetStats {
            policy: PolicyHandle(999),
            sa: sa_in,
            reset: false,
        },
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    h.expect(
        f,
        Request::SaGetStats {
            policy: p_out,
            sa: sa_in,
            reset: false,
        },
        NPF_IPSEC_E_INVALID_SA_HANDLE,
    );

    let f = "Policy_GetStats";
    generic_sync(
        &mut h,
        f,
        Request::PolicyGetStats {
            policy: p_in,
            reset: false,
        },
    );
    match h.ok(
        f,
        Request::PolicyGetStats {
            policy: p_in,
            reset: false,
        },
    ) {
        Done::PolicyStats(s) => assert_eq!((s.spdID, s.policyID), (1, 1)),
        other => panic!("{other:?}"),
    }
    h.expect(
        f,
        Request::PolicyGetStats {
            policy: PolicyHandle(999),
            reset: false,
        },
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );

    let f = "SA_Remove";
    generic_sync(
        &mut h,
        f,
        Request::SaRemove {
            policy: p_out,
            sa: sa_out,
        },
    );
    h.expect(
        f,
        Request::SaRemove {
            policy: p_out,
            sa: sa_in,
        },
        NPF_IPSEC_E_INVALID_SA_HANDLE,
    );
    h.expect(
        f,
        Request::SaRemove {
            policy: PolicyHandle(999),
            sa: sa_out,
        },
        NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    );
    h.ok(
        f,
        Request::SaRemove {
            policy: p_out,
            sa: sa_out,
        },
    );
    record(h.via, std::mem::take(&mut h.covered));
}

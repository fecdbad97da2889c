//! SA functions (6.6.16, 6.6.17): bundles checked against the agreement, installed in the same
//! SA table the OID path uses, rekeyed, removed, purged with their policy.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
use common::*;
use ipsecov2_control_plane::{
    algo, sa_flags, Action, Direction, Event, EventKind, PlaneError, PolicySpec, SaHandle,
    SaParams, TunnelEndpoints, UdpPorts, EVENT_ALL_ENABLE,
};
use ipsecov2_satable::{InboundKey, IpAddress, IpsecProtocol};

#[test]
fn an_inbound_bundle_lands_in_the_datapath_table() {
    let mut p = plane();
    let s = inbound_spd(&mut p, 1, &[IF1]);
    let pol = protect(&mut p, s, 1, 1);
    let sas = [esp(0x1000), ah(0x1001)];
    let h = p.sa_add(&add_req(pol, 42, &sas)).unwrap();
    assert!(!h.is_invalid());
    let view = p.query_sa_data(h).unwrap();
    assert_eq!(view.direction, Direction::Inbound);
    assert!(view
        .sas
        .iter()
        .all(|m| m.params.auth_key.is_empty() && m.params.enc_key.is_empty()));
    let table = p.store().table();
    assert_eq!(table.len(), 1);
    // The datapath finds it by (SPI, wildcard destination, protocol), as for an OID-added SA.
    let key = InboundKey::new(0x1000, IpAddress::v4([0; 4]), IpsecProtocol::Esp);
    let (_, sa) = table.get_inbound(&key).unwrap();
    assert!(sa.inbound && sa.esp.is_some() && sa.ah.is_some());
    assert_eq!(p.query_sa_handle(pol, 42), Ok(h));
    assert_eq!(p.query_sa_handle(pol, 43), Err(PlaneError::InvalidSaId));
    p.sa_remove(pol, h).unwrap();
    assert_eq!(p.store().table().len(), 0);
    assert_eq!(p.sa_remove(pol, h), Err(PlaneError::InvalidSaHandle));
}

#[test]
fn tunnel_mode_and_udp_encapsulation() {
    let mut p = plane();
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let pol = protect(&mut p, s, 1, 1);
    let mut t = esp(0x2000);
    t.flags = sa_flags::PROTOCOL_ESP;
    t.tunnel = TunnelEndpoints {
        src: v4(1, 1, 1, 1),
        dst: v4(2, 2, 2, 2),
    };
    let sas = [t];
    let mut req = add_req(pol, 1, &sas);
    req.udp = UdpPorts {
        src: 4500,
        dst: 4500,
    };
    let h = p.sa_add(&req).unwrap();
    let off = p.query_sa_data(h).unwrap().offload;
    let sa = p
        .store()
        .table()
        .get(ipsecov2_satable::OffloadHandle::from_u64(off).unwrap())
        .unwrap();
    assert_eq!(sa.destination, IpAddress::v4([2, 2, 2, 2]));
    assert_eq!(
        sa.udp_esp,
        ipsecov2_abi::IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TUNNEL
    );
    // AH cannot be UDP-encapsulated.
    let sas = [ah(0x2001)];
    let mut req = add_req(pol, 2, &sas);
    req.udp = UdpPorts {
        src: 4500,
        dst: 4500,
    };
    assert_eq!(p.sa_add(&req), Err(PlaneError::NotSupported));
}

fn refuse(
    p: &mut Plane,
    pol: ipsecov2_control_plane::PolicyHandle,
    sa: SaParams<'_>,
    err: PlaneError,
) {
    let before = snapshot(p);
    let sas = [sa];
    assert_eq!(p.sa_add(&add_req(pol, 99, &sas)), Err(err), "{sa:?}");
    assert_eq!(snapshot(p), before);
}

#[test]
fn every_sa_rule_has_its_code() {
    let mut p = plane();
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let pol = protect(&mut p, s, 1, 1);
    let e = esp(0x3000);
    refuse(
        &mut p,
        pol,
        SaParams { enc_algo: 99, ..e },
        PlaneError::InvalidEncAlgo,
    );
    refuse(
        &mut p,
        pol,
        SaParams { auth_algo: 99, ..e },
        PlaneError::InvalidAuthAlgo,
    );
    refuse(
        &mut p,
        pol,
        SaParams {
            auth_algo: algo::AALG_AESXCBC,
            ..e
        },
        PlaneError::NotSupported,
    );
    refuse(
        &mut p,
        pol,
        SaParams {
            flags: sa_flags::PROTOCOL_IPCOMP | sa_flags::MODE_TRANSPORT,
            ..e
        },
        PlaneError::InvalidCompressAlgo,
    );
    refuse(
        &mut p,
        pol,
        SaParams {
            enc_algo: algo::EALG_NULL,
            enc_key: &[],
            enc_key_bits: 0,
            auth_algo: algo::AALG_NONE,
            auth_key: &[],
            auth_key_bits: 0,
            ..e
        },
        PlaneError::NullAuthNullEnc,
    );
    refuse(
        &mut p,
        pol,
        SaParams {
            enc_key_bits: 192,
            ..e
        },
        PlaneError::InvalidEncKeyLen,
    );
    refuse(
        &mut p,
        pol,
        SaParams {
            enc_key: &[1; 8],
            ..e
        },
        PlaneError::InvalidEncKeyLen,
    );
    refuse(
        &mut p,
        pol,
        SaParams {
            auth_key_bits: 128,
            ..e
        },
        PlaneError::InvalidAuthKeyLen,
    );
    refuse(
        &mut p,
        pol,
        SaParams {
            auth_algo: algo::AALG_NONE,
            auth_key: &[],
            auth_key_bits: 0,
            ..e
        },
        PlaneError::NoReplay,
    );
    // Replay off and no authentication: confidentiality-only ESP, which the engine refuses.
    refuse(
        &mut p,
        pol,
        SaParams {
            auth_algo: algo::AALG_NONE,
            auth_key: &[],
            auth_key_bits: 0,
            flags: e.flags | sa_flags::REPLAY_OFF,
            ..e
        },
        PlaneError::NotSupported,
    );
    refuse(&mut p, pol, SaParams { spi: 255, ..e }, PlaneError::BadSpi);
    refuse(
        &mut p,
        pol,
        SaParams {
            flags: e.flags | (1 << 30),
            ..e
        },
        PlaneError::NotSupported,
    );
    // A DES weak key is refused by the engine.
    refuse(
        &mut p,
        pol,
        SaParams {
            enc_algo: algo::EALG_DESCBC,
            enc_key: &[1; 8],
            enc_key_bits: 64,
            ..e
        },
        PlaneError::InvalidEncKeyLen,
    );
}

#[test]
fn policy_and_id_rules() {
    let mut p = plane();
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let pol = protect(&mut p, s, 1, 1);
    let sel = [any_sel()];
    let bypass = p
        .policy_create(
            &PolicySpec {
                id: 2,
                action: Action::Bypass,
                selectors: &sel,
            },
            &[s],
            &[1],
            Direction::Outbound,
        )
        .unwrap();
    let sas = [esp(0x4000)];
    assert_eq!(
        p.sa_add(&add_req(bypass, 1, &sas)),
        Err(PlaneError::InvalidPolicyAction)
    );
    assert_eq!(
        p.sa_add(&add_req(ipsecov2_control_plane::PolicyHandle(77), 1, &sas)),
        Err(PlaneError::InvalidPolicyHandle)
    );
    p.sa_add(&add_req(pol, 1, &sas)).unwrap();
    assert_eq!(
        p.sa_add(&add_req(pol, 1, &sas)),
        Err(PlaneError::SaIdAlreadyRegistered)
    );
    let mut req = add_req(pol, 2, &sas);
    req.previous = SaHandle(12345);
    assert_eq!(p.sa_add(&req), Err(PlaneError::InvalidSaHandle));
    let mut bad = any_sel();
    bad.rule_flags = 4;
    let bads = [bad];
    let mut req = add_req(pol, 2, &sas);
    req.selectors = &bads;
    assert_eq!(p.sa_add(&req), Err(PlaneError::RuleFlagUnsupported));
    let dup = [any_sel(), any_sel()];
    req.selectors = &dup;
    assert_eq!(p.sa_add(&req), Err(PlaneError::DuplicateSelector));
}

#[test]
fn outbound_rekey_replaces_at_once_inbound_after_grace() {
    let mut p = plane();
    p.events_mut().set_mask(EVENT_ALL_ENABLE);
    let o = outbound_spd(&mut p, 1, &[IF1]);
    let i = inbound_spd(&mut p, 2, &[IF1]);
    let po = protect(&mut p, o, 1, 1);
    let pi = protect(&mut p, i, 2, 1);
    let (a, b) = ([esp(0x5000)], [esp(0x5001)]);
    let old_out = p.sa_add(&add_req(po, 1, &a)).unwrap();
    let mut req = add_req(po, 2, &b);
    req.previous = old_out;
    let new_out = p.sa_add(&req).unwrap();
    assert_eq!(
        p.query_sa_data(old_out).err(),
        Some(PlaneError::InvalidSaHandle)
    );
    assert!(p.query_sa_data(new_out).is_ok());
    let (c, d) = ([esp(0x6000)], [esp(0x6001)]);
    let old_in = p.sa_add(&add_req(pi, 3, &c)).unwrap();
    let mut req = add_req(pi, 4, &d);
    req.previous = old_in;
    let new_in = p.sa_add(&req).unwrap();
    assert!(p.query_sa_data(old_in).unwrap().retiring);
    let pkt = packet(v4(10, 0, 0, 1), v4(192, 168, 1, 1), 6, 1, 2);
    assert_eq!(p.lookup_sa(pi, &pkt).map(|s| s.0), Some(new_in));
    assert_eq!(
        p.store().table().len(),
        3,
        "the old inbound SA still decrypts"
    );
    let grace = u64::from(p.limits().rekey_grace_secs);
    p.tick(grace - 1);
    assert!(p.query_sa_data(old_in).is_ok());
    p.tick(grace);
    assert!(p.query_sa_data(old_in).is_err());
    assert_eq!(p.store().table().len(), 2);
    assert_eq!(
        p.pop_event(),
        Some(Event::Expire {
            kind: EventKind::ExpireSecsHard,
            sa_id: 3
        })
    );
}

#[test]
fn destroying_a_policy_purges_its_sas() {
    let mut p = plane();
    p.events_mut().set_mask(EVENT_ALL_ENABLE);
    let s = outbound_spd(&mut p, 1, &[IF1]);
    let pol = protect(&mut p, s, 1, 1);
    let sas = [esp(0x7000)];
    p.sa_add(&add_req(pol, 5, &sas)).unwrap();
    p.policy_destroy(pol).unwrap();
    assert_eq!(p.store().table().len(), 0);
    assert_eq!(
        p.pop_event(),
        Some(Event::Expire {
            kind: EventKind::SaPurged,
            sa_id: 5
        })
    );
    assert_eq!(p.policy_destroy(pol), Err(PlaneError::InvalidPolicyHandle));
}

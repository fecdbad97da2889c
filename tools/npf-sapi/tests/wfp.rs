//! The WFP-style SA-context life cycle over the in-process control plane.

mod common;

use common::plane::{client, esp_sa};
use npf_ipsec_sapi::model::{Direction, IpAddr, UdpPorts};
use npf_ipsec_sapi::wfp::{SaContexts, Traffic, WfpError};
use npf_ipsec_sapi::NpfError;

#[test]
fn sa_context_life_cycle() {
    let mut ctxs = SaContexts::new(client(), 40).expect("SPDs");
    let traffic = Traffic {
        local: IpAddr::V4([192, 0, 2, 1]),
        remote: IpAddr::V4([198, 51, 100, 7]),
        protocol: 17,
        local_port: 500,
        remote_port: 0,
    };
    let id = ctxs.create(traffic).expect("create");
    assert_eq!(
        ctxs.add_inbound(id, vec![esp_sa(0)], UdpPorts::default()),
        Err(WfpError::NoSpi)
    );
    let spi = ctxs.get_spi(id).expect("spi");
    assert_eq!(ctxs.get_spi(id), Ok(spi), "the same SPI twice");
    let inbound = ctxs
        .add_inbound(id, vec![esp_sa(0)], UdpPorts::default())
        .expect("inbound");
    let outbound = ctxs
        .add_outbound(id, vec![esp_sa(0x9000)], UdpPorts::default())
        .expect("outbound");
    assert_eq!(
        ctxs.add_outbound(id, vec![esp_sa(0x9001)], UdpPorts::default()),
        Err(WfpError::AlreadyAdded)
    );
    let c = ctxs.get(id).expect("get").clone();
    assert_eq!(
        (c.spi, c.inbound, c.outbound),
        (Some(spi), Some(inbound), Some(outbound))
    );
    let data = ctxs.client().query_sa_data(inbound).expect("sa data");
    assert_eq!((data.direction, data.sas[0].spi), (Direction::Inbound, spi));
    assert_eq!(ctxs.enumerate().count(), 1);
    let g = ctxs.statistics().expect("statistics");
    assert_eq!(
        (
            g.active_inbound_sas,
            g.active_outbound_sas,
            g.spds,
            g.policies
        ),
        (1, 1, 2, 2)
    );

    ctxs.expire(id).expect("expire");
    let err = ctxs
        .client()
        .query_sa_data(outbound)
        .expect_err("outbound gone");
    assert_eq!(err.npf(), Some(NpfError::InvalidSaHandle));
    assert!(ctxs.client().query_sa_data(inbound).is_ok(), "inbound kept");

    ctxs.delete(id).expect("delete");
    assert_eq!(ctxs.get(id), Err(WfpError::UnknownContext(id)));
    assert!(
        ctxs.client().query_sa_data(inbound).is_err(),
        "inbound gone with the context"
    );
    assert_eq!(ctxs.enumerate().count(), 0);
    let spds = ctxs.client().query_all_spds().expect("spds");
    assert_eq!(spds.len(), 2);
    for spd in spds {
        let left = ctxs
            .client()
            .query_all_policies(spd.handle)
            .expect("policies");
        assert!(left.is_empty());
    }
}

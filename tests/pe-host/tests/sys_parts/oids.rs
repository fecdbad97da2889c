//! OID requests through the binary: ADD_SA and DELETE_SA, other OIDs passed down as clones,
//! status indications, cancels and PnP events, the miniport's offloads kept under IPsecOV2.
#![cfg(test)]

use super::*;

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn add_sa_and_delete_sa_through_the_oid_request_path() {
    let mut h = host();
    let m = running_module(&mut h);
    for direct in [true, false] {
        let sas = [
            oid_buffers::esp_gcm(0x1001, 128, 16),
            oid_buffers::esp_gcm(0x1002, 256, 16),
        ];
        let (mut buf, offsets) = oid_buffers::add_sa_list(&sas);
        relink(&mut buf, &offsets);
        let r = h
            .oid_request(
                m,
                direct,
                NDIS_REQUEST_SET_INFORMATION,
                OID_ADD_SA,
                &mut buf,
            )
            .expect("ADD_SA");
        assert_eq!(
            r.status,
            Some(0),
            "ADD_SA (direct {direct}) status {:x?}",
            r.status
        );
        assert_eq!(r.bytes_done as usize, buf.len());
        let handles: Vec<u64> = offsets
            .iter()
            .map(|&o| oid_buffers::handle_at(&buf, o))
            .collect();
        assert!(
            handles
                .iter()
                .all(|&x| x != 0 && x != 0x5a5a_5a5a_5a5a_5a5a),
            "{handles:x?}"
        );
        assert_ne!(handles[0], handles[1]);

        let mut del = oid_buffers::delete_sa_list(&handles);
        let offsets: Vec<usize> = (0..handles.len())
            .map(|i| i * (del.len() / handles.len()))
            .collect();
        relink(&mut del, &offsets);
        let r = h
            .oid_request(
                m,
                direct,
                NDIS_REQUEST_SET_INFORMATION,
                OID_DELETE_SA,
                &mut del,
            )
            .expect("DELETE_SA");
        assert_eq!(r.status, Some(0), "DELETE_SA status {:x?}", r.status);
        // A malformed ADD_SA (truncated) fails with a status, never a crash.
        let (mut bad, _) = oid_buffers::add_sa_list(&sas[..1]);
        bad.truncate(20);
        let r = h
            .oid_request(
                m,
                direct,
                NDIS_REQUEST_SET_INFORMATION,
                OID_ADD_SA,
                &mut bad,
            )
            .expect("bad ADD_SA");
        assert!(
            r.status.is_some_and(|s| s != 0),
            "truncated ADD_SA accepted: {:x?}",
            r.status
        );
    }
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn other_oids_pass_down_as_clones_and_complete_once_with_the_miniports_answer() {
    use ipsecov2_pe_host::oid_request::NDIS_REQUEST_QUERY_INFORMATION;
    const OID_GEN_MAXIMUM_FRAME_SIZE: u32 = 0x0001_0106;
    let mut h = host();
    let m = running_module(&mut h);
    for direct in [false, true] {
        let mut buf = [0u8; 4];
        let r = h
            .oid_request(
                m,
                direct,
                NDIS_REQUEST_QUERY_INFORMATION,
                OID_GEN_MAXIMUM_FRAME_SIZE,
                &mut buf,
            )
            .expect("query");
        assert_eq!(
            r.status, None,
            "the filter must pend while the miniport answers"
        );
        let mut seen = Vec::new();
        let n = h
            .complete_oids_below(m, |oid, kind, b| {
                seen.push((oid, kind, b.len()));
                b.copy_from_slice(&1500u32.to_le_bytes());
                (0, 4, 0)
            })
            .expect("answer");
        assert_eq!(n, 1);
        assert_eq!(
            seen,
            [(
                OID_GEN_MAXIMUM_FRAME_SIZE,
                NDIS_REQUEST_QUERY_INFORMATION,
                4
            )]
        );
        let done = h.oid_result(r.request).expect("completed");
        assert_eq!(
            (done.status, done.bytes_done),
            (Some(0), 4),
            "direct {direct}"
        );
        assert_eq!(u32::from_le_bytes(buf), 1500);
        // A failure below is passed up with its BytesNeeded.
        let r = h
            .oid_request(
                m,
                direct,
                NDIS_REQUEST_QUERY_INFORMATION,
                OID_GEN_MAXIMUM_FRAME_SIZE,
                &mut buf[..2],
            )
            .expect("query");
        h.complete_oids_below(m, |_, _, _| (0xC001_0016_u32 as i32, 0, 4))
            .expect("answer");
        let done = h.oid_result(r.request).expect("completed");
        assert_eq!(
            (done.status, done.bytes_needed),
            (Some(0xC001_0016_u32 as i32), 4)
        );
    }
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn status_indications_cancels_and_pnp_events_pass_through_the_binary() {
    use ipsecov2_pe_host::kernel::forward;
    const NDIS_STATUS_LINK_STATE: i32 = 0x4001_0017;
    let mut h = host();
    let m = running_module(&mut h);
    let before = module::get(m).expect("module").indications.len();
    let mut link = [1u8, 2, 3, 4, 5, 6, 7, 8];
    h.status_from_below(m, NDIS_STATUS_LINK_STATE, &mut link)
        .expect("status");
    let rec = module::get(m).expect("module");
    assert_eq!(rec.indications.len(), before + 1);
    let last = rec.indications.last().expect("indication");
    assert_eq!(
        (last.status, last.buffer.as_slice()),
        (NDIS_STATUS_LINK_STATE, &link[..])
    );
    forward::take();
    h.cancel_send(m, 0xCA11).expect("cancel send");
    h.cancel_oid(m, 0x1D01, false).expect("cancel oid");
    h.cancel_oid(m, 0x1D02, true).expect("cancel direct oid");
    let mut pnp = [0u8; 64];
    assert_eq!(h.net_pnp_event(m, pnp.as_mut_ptr().cast()).expect("pnp"), 0);
    let mut dev = [0u8; 64];
    h.device_pnp_event(m, dev.as_mut_ptr().cast())
        .expect("device pnp");
    assert_eq!(
        forward::take(),
        [
            (m, "NdisFCancelSendNetBufferLists", 0xCA11),
            (m, "NdisFCancelOidRequest", 0x1D01),
            (m, "NdisFCancelDirectOidRequest", 0x1D02),
            (m, "NdisFNetPnPEvent", pnp.as_ptr() as usize),
            (m, "NdisFDevicePnPEventNotify", dev.as_ptr() as usize),
        ]
    );
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn the_miniports_offloads_are_kept_and_ipsecov2_is_added_above_them() {
    use ipsecov2_pe_host::filter_module::checksum_nic_offload;
    let mut h = host();
    assert_eq!(h.driver_entry().expect("DriverEntry"), 0);
    let nic = checksum_nic_offload();
    let adapter = Miniport {
        offload: Some(nic),
        ..small_adapter()
    };
    let (m, status) = h.attach(&adapter).expect("attach");
    assert_eq!(status, 0);
    assert_eq!(h.restart(m).expect("restart"), 0);
    let rec = module::get(m).expect("module");
    let config = rec
        .indications
        .iter()
        .rev()
        .find(|i| i.status == TASK_OFFLOAD_CURRENT_CONFIG)
        .expect("current config indicated");
    let b = &config.buffer;
    assert!(b.len() >= 0x90, "{} bytes", b.len());
    assert_eq!(b[0], 0xA7, "NDIS_OFFLOAD header type");
    let words = |from: usize, n: usize| -> Vec<u32> {
        (0..n)
            .map(|i| u32::from_le_bytes(b[from + 4 * i..from + 4 * i + 4].try_into().expect("4")))
            .collect()
    };
    assert_eq!(
        words(4, 8),
        nic.Checksum,
        "checksum offloads of the miniport must be kept"
    );
    assert!(
        words(0x70, 8).iter().any(|&w| w != 0),
        "IPsecV2 not advertised: {:x?}",
        words(0x70, 8)
    );
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert_eq!(h.pause(m).expect("pause"), 0);
    h.detach(m).expect("detach");
    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
}

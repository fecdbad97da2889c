//! Failures on the send path: unknown and inbound handles, mixed chains, pool exhaustion, LSO and
//! slot 12 mismatches, and IV exhaustion (which asks TCP/IP to delete the SA).
#![cfg(test)]

mod common;

use common::pair::*;
use common::*;
use ipsecov2_abi::*;
use ipsecov2_filter_core::{DatapathCounters, FrameError, HostTxPool, SendDrop};
use ipsecov2_ndis_emu::SplitMix64;

#[test]
fn unknown_and_inbound_handles_complete_with_failure() {
    let mut rng = SplitMix64::new(18);
    let e = esp_gcm();
    let p = pair(Some(&e), None, false);
    let inbound = add(&p.tx, &bundle(BundleSpec::esp(&e, 0x7777).inbound()));
    let f = frame(&V4, &p.layer, 1, &rng.bytes(10), 6);
    let pool = HostTxPool::new(4, 512);
    let specs = vec![
        send_nbl(&mut rng, &[&f.frame], 0xdead_beef, 0, f.header_info),
        send_nbl(&mut rng, &[&f.frame], p.handle, 0x1234_5678, f.header_info),
        send_nbl(&mut rng, &[&f.frame], inbound, 0, f.header_info),
    ];
    let (sent, owned) = send_through(&p.tx, &specs, &pool);
    assert_eq!(
        sent[0],
        Sent::Completed(NDIS_STATUS_FAILURE, SendDrop::UnknownHandle)
    );
    assert_eq!(
        sent[1],
        Sent::Completed(NDIS_STATUS_FAILURE, SendDrop::UnknownHandle)
    );
    assert_eq!(
        sent[2],
        Sent::Completed(NDIS_STATUS_FAILURE, SendDrop::InboundSa)
    );
    for i in 0..3 {
        assert_eq!(owned.read_nb(i, 0).unwrap(), f.frame);
    }
    let mut owned = owned;
    let mut chain = owned.chain();
    let mut cursor = chain.cursor();
    while let Some(nbl) = cursor.next_nbl() {
        assert_eq!(nbl.status(), NDIS_STATUS_FAILURE);
    }
    assert_eq!(DatapathCounters::get(&p.tx.counters.send_drops[0]), 2);
    // After DELETE_SA the handle is unknown.
    let mut del = build::delete_sa_list(&[p.handle]);
    p.tx.oid(
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
        NdisRequestSetInformation,
        &mut ipsecov2_oid::InfoBuffer::new(&mut del, build::BASE),
    )
    .unwrap();
    let sent = send_one(
        &p.tx,
        send_nbl(&mut rng, &[&f.frame], p.handle, 0, f.header_info),
        &pool,
    );
    assert_eq!(
        sent,
        Sent::Completed(NDIS_STATUS_FAILURE, SendDrop::UnknownHandle)
    );
}

/// A chain mixing plain, protected and failing NBLs keeps its order; plain NBLs have their
/// IPsecOV2 slots cleared; random chains of many shapes.
#[test]
fn mixed_chains_keep_order() {
    let mut rng = SplitMix64::new(19);
    let e = esp_cbc();
    let p = pair(Some(&e), None, false);
    let pool = HostTxPool::new(64, 1024);
    for round in 0..40 {
        let mut specs = Vec::new();
        let mut expect = Vec::new();
        let n = 1 + (rng.next_u64() % 8) as usize;
        for _ in 0..n {
            match rng.next_u64() % 3 {
                0 => {
                    let plain = frame(&V4, &PLAIN, 1, &rng.bytes(30), 17);
                    // Stale header info with no handle must not reach the NIC.
                    specs.push(send_nbl(
                        &mut rng,
                        &[&plain.frame, &plain.frame],
                        0,
                        0,
                        0x0101_0101,
                    ));
                    expect.push(0);
                }
                1 => {
                    let f = frame(&V4, &p.layer, round, &rng.bytes(30), 6);
                    specs.push(send_nbl(&mut rng, &[&f.frame], p.handle, 0, f.header_info));
                    expect.push(1);
                }
                _ => {
                    let f = frame(&V4, &p.layer, round, &rng.bytes(30), 6);
                    specs.push(send_nbl(&mut rng, &[&f.frame], 0x99, 0, f.header_info));
                    expect.push(2);
                }
            }
        }
        let (sent, owned) = send_through(&p.tx, &specs, &pool);
        for (i, (s, k)) in sent.iter().zip(&expect).enumerate() {
            match (s, k) {
                (Sent::Passed, 0) => {
                    assert_eq!(
                        owned.info(i, IPsecOffloadV2HeaderNetBufferListInfo),
                        Some(0)
                    );
                }
                (Sent::Protected(v), 1) => assert_eq!(v.len(), 1),
                (Sent::Completed(st, SendDrop::UnknownHandle), 2) => {
                    assert_eq!(*st, NDIS_STATUS_FAILURE)
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(pool.free_count(), pool.count());
    }
}

#[test]
fn pool_exhaustion_lso_and_header_info_mismatch() {
    let mut rng = SplitMix64::new(20);
    let e = esp_cbc();
    let p = pair(Some(&e), None, false);
    let f = frame(&V4, &p.layer, 1, &rng.bytes(30), 6);
    let pool = HostTxPool::new(1, 1024);
    // One NBL of one NET_BUFFER on the pair's SA.
    let send = |rng: &mut SplitMix64, frame: &[u8], header_info: u32, pool: &HostTxPool| {
        send_one(
            &p.tx,
            send_nbl(rng, &[frame], p.handle, 0, header_info),
            pool,
        )
    };
    let sent = send_one(
        &p.tx,
        send_nbl(&mut rng, &[&f.frame, &f.frame], p.handle, 0, f.header_info),
        &pool,
    );
    assert_eq!(
        sent,
        Sent::Completed(NDIS_STATUS_RESOURCES, SendDrop::PoolExhausted)
    );
    assert_eq!(pool.free_count(), 1, "the staged buffer went back");
    // Too large for the buffers.
    let small = HostTxPool::new(4, 32);
    assert_eq!(
        send(&mut rng, &f.frame, f.header_info, &small),
        Sent::Completed(NDIS_STATUS_RESOURCES, SendDrop::PoolExhausted)
    );
    // Slot 12 disagreeing with the framed trailer.
    let mut h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(f.header_info);
    h.set_transmit_next_header(17);
    assert_eq!(
        send(&mut rng, &f.frame, h.0, &pool),
        Sent::Completed(NDIS_STATUS_INVALID_DATA, SendDrop::HeaderInfoMismatch)
    );
    // No ESP offset: the header is found by parsing (docs/tcpip-reading.md, point 4).
    let mut h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(f.header_info);
    h.set_transmit_esp_header_offset(0);
    let sent = send(&mut rng, &f.frame, h.0, &pool);
    assert!(matches!(sent, Sent::Protected(_)), "{sent:?}");
    // An ESP header carrying another SPI than the SA's.
    let mut other = f.frame.clone();
    // IPv4 without options: ESP right after the 20-byte header.
    other[ETH + 20] ^= 0x40;
    assert_eq!(
        send(&mut rng, &other, f.header_info, &pool),
        Sent::Completed(NDIS_STATUS_INVALID_DATA, SendDrop::SpiMismatch)
    );
    // LSO requested together with IPsec.
    let mut spec = send_nbl(&mut rng, &[&f.frame], p.handle, 0, f.header_info);
    spec.info.push((TcpLargeSendNetBufferListInfo, 1460 << 8));
    let sent = send_one(&p.tx, spec, &pool);
    assert_eq!(
        sent,
        Sent::Completed(NDIS_STATUS_NOT_SUPPORTED, SendDrop::LsoNotSupported)
    );
    // Not an IP frame.
    let mut arp = f.frame.clone();
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    assert_eq!(
        send(&mut rng, &arp, f.header_info, &pool),
        Sent::Completed(NDIS_STATUS_INVALID_DATA, SendDrop::Frame(FrameError::NotIp))
    );
}

/// An outbound SA whose IV counter is exhausted refuses to seal; the next packet received on
/// the paired inbound SA carries SaDeleteReq, until the outbound SA is deleted.
#[test]
fn iv_exhaustion_requests_sa_deletion() {
    let mut rng = SplitMix64::new(21);
    let e = esp_gcm();
    // One module holds both directions of the pair, as a host does.
    let m = core();
    let out = add(&m, &bundle(BundleSpec::esp(&e, 0x8100)));
    let mut inbound = bundle(BundleSpec::esp(&e, 0x8200).inbound());
    inbound.src[..4].copy_from_slice(&V4_DST);
    inbound.dst[..4].copy_from_slice(&V4_SRC);
    assert_ne!(add(&m, &inbound), 0);
    let peer = core();
    let mut peer_out = bundle(BundleSpec::esp(&e, 0x8200));
    peer_out.src[..4].copy_from_slice(&V4_DST);
    peer_out.dst[..4].copy_from_slice(&V4_SRC);
    let ph = add(&peer, &peer_out);
    let sa = m
        .sas()
        .table()
        .get(ipsecov2_satable::OffloadHandle::from_u64(out).unwrap())
        .unwrap();
    sa.esp.as_ref().unwrap().sa.set_iv_counter(u64::MAX);
    let layer = esp_layer(e.shape, 0x8100);
    let f = frame(&V4, &layer, 1, &rng.bytes(10), 6);
    let pool = HostTxPool::new(1, 512);
    let sent = send_one(
        &m,
        send_nbl(&mut rng, &[&f.frame], out, 0, f.header_info),
        &pool,
    );
    assert_eq!(
        sent,
        Sent::Completed(
            NDIS_STATUS_RESOURCES,
            SendDrop::Crypto(ipsec_engine::PacketError::IvExhausted)
        )
    );
    assert_eq!(m.delete_requests.pending().collect::<Vec<_>>(), vec![out]);
    // The peer's packet to us, with addresses swapped.
    let mut g = frame(&V4, &esp_layer(e.shape, 0x8200), 1, &rng.bytes(10), 6);
    let ip = ETH;
    let (a, b) = (
        g.frame[ip + 12..ip + 16].to_vec(),
        g.frame[ip + 16..ip + 20].to_vec(),
    );
    g.frame[ip + 12..ip + 16].copy_from_slice(&b);
    g.frame[ip + 16..ip + 20].copy_from_slice(&a);
    let w = &protected(&peer, &mut rng, &g, (ph, 0), &pool);
    let got = receive_through(&m, &mut rng, w, 0);
    assert_eq!(got[0].0.status, CRYPTO_SUCCESS);
    assert!(got[0].0.delete_req);
    // TCP/IP deletes the outbound SA: no more requests.
    let mut del = build::delete_sa_list(&[out]);
    m.oid(
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
        NdisRequestSetInformation,
        &mut ipsecov2_oid::InfoBuffer::new(&mut del, build::BASE),
    )
    .unwrap();
    let got = receive_through(&m, &mut rng, w, 0);
    assert!(!got[0].0.delete_req);
    assert_eq!(m.delete_requests.pending().count(), 0);
}

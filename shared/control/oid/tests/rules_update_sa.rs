//! UPDATE_SA: the high-order sequence bits of an ESN SA, unknown handles and malformed buffers.
#![cfg(test)]

mod common;

use common::backend::TableBackend;
use common::rules::*;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;
use ipsecov2_oid::*;

#[test]
fn update_sa_sets_the_high_order_bits_of_an_esn_sa() {
    let backend = TableBackend::new(4);
    let mut e = esp_ah(0xb001, 0xb002);
    e.sa[0].flags = IPSEC_OFFLOAD_V2_ESN_SA;
    let (_, bytes, offsets) = run_add(&[e], &backend);
    let h = handle_at(&bytes, offsets[0]);
    let mut u = update_sa(h, IPsecOffloadV2Esp, 0xb001, 0x1234);
    let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
    assert_eq!(r.completion.status, NDIS_STATUS_SUCCESS);
    let stored = backend.get(h).unwrap();
    assert_eq!(
        stored.sas[0]
            .seq_high
            .load(std::sync::atomic::Ordering::Acquire),
        0x1234
    );
    // The AH SA of the bundle is not ESN: INVALID_PARAMETER.
    let mut u = update_sa(h, IPsecOffloadV2Ah, 0xb002, 1);
    let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
    assert_eq!(r.completion.status, NDIS_STATUS_INVALID_PARAMETER);
    assert_eq!(r.error, Some(UpdateFailure::Update(UpdateError::NotEsn)));
    // Wrong SPI for the operation.
    let mut u = update_sa(h, IPsecOffloadV2Esp, 0xb002, 1);
    let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
    assert_eq!(r.error, Some(UpdateFailure::Update(UpdateError::NoSuchSa)));
    assert_eq!(r.completion.status, NDIS_STATUS_INVALID_PARAMETER);
}

#[test]
fn update_sa_unknown_handle_is_invalid_parameter() {
    let backend = TableBackend::new(4);
    for h in [0u64, 1, 0xffff_ffff_ffff_ffff] {
        let mut u = update_sa(h, IPsecOffloadV2Esp, 0x1000, 1);
        let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
        assert_eq!(r.completion.status, NDIS_STATUS_INVALID_PARAMETER);
        assert_eq!(
            r.error,
            Some(UpdateFailure::Update(UpdateError::UnknownHandle))
        );
    }
}

#[test]
fn update_sa_short_or_malformed_buffers() {
    let backend = TableBackend::new(4);
    let mut u = update_sa(1, IPsecOffloadV2Esp, 0x1000, 1);
    u.truncate(0x1b);
    let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
    assert_eq!(r.completion.status, NDIS_STATUS_INVALID_LENGTH);
    assert_eq!(r.completion.bytes_needed, 0x1c);
    let mut u = update_sa(1, 7, 0x1000, 1);
    let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
    assert_eq!(r.completion.status, NDIS_STATUS_INVALID_DATA);
    let mut u = update_sa(1, IPsecOffloadV2Esp, 0x1000, 1);
    u[0] = 0;
    let r = set_update_sa(&mut InfoBuffer::new(&mut u, BASE), &backend);
    assert_eq!(r.completion.status, NDIS_STATUS_INVALID_DATA);
}

//! One fuzz/regression input through every OID handler against a real SA table, checking the
//! invariants that must hold for any bytes. Shared by the cargo-fuzz target and the corpus
//! replay test.

use ipsecov2_abi::*;
use ipsecov2_oid::*;

use super::backend::TableBackend;
use ipsecov2_ndis_emu::oid_buffers::BASE;

/// Runs `data` as: byte 0 selects the OID, the rest is the InformationBuffer (at `BASE`).
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mut bytes = rest.to_vec();
    let backend = TableBackend::new(8);
    match selector % 4 {
        0 => {
            let report = set_add_sa(&mut InfoBuffer::new(&mut bytes, BASE), &backend);
            check_add(&report, &backend);
        }
        1 => {
            let report = set_add_sa_ex(&mut InfoBuffer::new(&mut bytes, BASE), &backend);
            check_add(&report, &backend);
        }
        2 => {
            // Install something first so that deletes can hit.
            let report = set_delete_sa(&mut InfoBuffer::new(&mut bytes, BASE), &backend);
            if report.completion.status != NDIS_STATUS_SUCCESS {
                assert!(report.deleted.is_empty() && report.unknown.is_empty());
            }
        }
        _ => {
            let report = set_update_sa(&mut InfoBuffer::new(&mut bytes, BASE), &backend);
            // The table is empty: an update can never succeed.
            assert_ne!(report.completion.status, NDIS_STATUS_SUCCESS);
        }
    }
    assert!(backend.table.verify_invariants().is_ok());
}

fn check_add(report: &AddSaReport, backend: &TableBackend) {
    let offloaded = report.offloaded();
    assert_eq!(
        backend.table.len(),
        offloaded,
        "every offloaded SA is in the table, nothing else"
    );
    if report.completion.status == NDIS_STATUS_SUCCESS {
        assert!(offloaded > 0);
    } else {
        assert_eq!(offloaded, 0);
    }
    for h in report.elements.iter().flatten() {
        assert!(backend.get(h.get()).is_some());
    }
}

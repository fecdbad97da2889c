//! Point 1 of issue 15: list elements outside the InformationBuffer.

use super::*;

/// Two bundles in one ADD_SA whose second element is a separate allocation; then one DELETE_SA
/// of both, also with a separate second element.
pub(super) fn list_separate_add_delete() -> Outcome {
    with(separate(), || {
        let g = esp_alg("gcm128/16")?;
        let s = esp_alg("aes256+sha256")?;
        let c = core()?;
        let (done, handles) = add_list(
            &c,
            &[
                bundle(BundleSpec::esp(&g, 0x1500)),
                bundle(BundleSpec::esp(&s, 0x1501).v6()),
            ],
        )?;
        status("ADD_SA", done.status, NDIS_STATUS_SUCCESS)?;
        ensure!(
            handles.iter().all(|&h| h != 0),
            "a NULL OffloadHandle for an element TCP/IP allocated separately: {handles:x?}"
        );
        eq("SAs installed", c.sas().table().len(), 2)?;
        status("DELETE_SA", delete(&c, &handles)?, NDIS_STATUS_SUCCESS)?;
        eq("SAs left after DELETE_SA", c.sas().table().len(), 0)
    })
}

/// Installed from an in-buffer list, deleted by a list with a separately allocated element.
pub(super) fn list_separate_delete_only() -> Outcome {
    let g = esp_alg("gcm128/16")?;
    let c = core()?;
    let (done, handles) = add_list(
        &c,
        &[
            bundle(BundleSpec::esp(&g, 0x1510)),
            bundle(BundleSpec::esp(&g, 0x1511).inbound()),
        ],
    )?;
    status("ADD_SA", done.status, NDIS_STATUS_SUCCESS)?;
    with(separate(), || {
        status("DELETE_SA", delete(&c, &handles)?, NDIS_STATUS_SUCCESS)?;
        eq("SAs left (leaked table entries)", c.sas().table().len(), 0)
    })
}

/// A list whose separate elements link back to an earlier one: refused whole, nothing
/// installed, every OffloadHandle NULL.
pub(super) fn list_separate_cycle() -> Outcome {
    with(separate(), || {
        let g = esp_alg("gcm128/16")?;
        let c = core()?;
        let sas: Vec<_> = (0..3)
            .map(|i| bundle(BundleSpec::esp(&g, 0x1520 + i)))
            .collect();
        let (bytes, offsets) = build::add_sa_list(&sas);
        let mut list = LinkedList::new(bytes, &offsets, add_sa_layout::NEXT);
        // The last element's Next back to the second one.
        let second = *list.elements.get(1).ok_or("no second element")?;
        let last = *list.elements.last().ok_or("no element")?;
        ensure!(
            list.memory
                .write(last + add_sa_layout::NEXT as u64, &second.to_le_bytes()),
            "emulation: the last element is not a separate allocation"
        );
        let oid = OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA;
        let done = list
            .with_view(oid, |b| c.oid(oid, NdisRequestSetInformation, b))
            .ok_or("ADD_SA not answered")?;
        status(
            "ADD_SA of a cyclic list",
            done.status,
            NDIS_STATUS_INVALID_DATA,
        )?;
        eq("SAs installed", c.sas().table().len(), 0)?;
        for i in 0..3 {
            eq(
                &format!("element {i}: OffloadHandle"),
                list.u64_of(i, add_sa_layout::OFFLOAD_HANDLE),
                0,
            )?;
        }
        Ok(())
    })
}

/// A separate element whose KeyLength reaches past its allocation: refused whole.
pub(super) fn list_separate_key_past_allocation() -> Outcome {
    with(separate(), || {
        let g = esp_alg("gcm128/16")?;
        let c = core()?;
        let sas = [
            bundle(BundleSpec::esp(&g, 0x1530)),
            bundle(BundleSpec::esp(&g, 0x1531)),
        ];
        let (bytes, offsets) = build::add_sa_list(&sas);
        let mut list = LinkedList::new(bytes, &offsets, add_sa_layout::NEXT);
        let second = *list.elements.get(1).ok_or("no second element")?;
        ensure!(
            list.memory.write(
                second + add_sa_layout::KEY_LENGTH as u64,
                &0x4000u32.to_le_bytes()
            ),
            "emulation: the second element is not a separate allocation"
        );
        let oid = OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA;
        let done = list
            .with_view(oid, |b| c.oid(oid, NdisRequestSetInformation, b))
            .ok_or("ADD_SA not answered")?;
        ensure!(
            done.status != NDIS_STATUS_SUCCESS,
            "an element read past its allocation was accepted"
        );
        eq("SAs installed", c.sas().table().len(), 0)
    })
}

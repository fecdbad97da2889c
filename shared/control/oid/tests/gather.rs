//! The driver shell's gathering of lists whose elements lie outside the InformationBuffer
//! (`ipsecov2_oid::gather`), over the emulated TCP/IP's separate allocations.
#![cfg(test)]

mod common;

use common::backend::TableBackend;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::*;
use ipsecov2_ndis_emu::tcpip::{with_behaviour, ElementMemory, LinkedList, TcpipBehaviour};
use ipsecov2_oid::gather::{MAX_ELEMENT_BYTES, MAX_GATHERED_ELEMENTS};
use ipsecov2_oid::layout::{add_sa, delete_sa};
use ipsecov2_oid::*;

fn separate() -> TcpipBehaviour {
    TcpipBehaviour {
        separate_elements: true,
        ..TcpipBehaviour::default()
    }
}

fn list(n: u32) -> (LinkedList, usize) {
    let sas: Vec<AddSa> = (0..n).map(|i| esp_gcm(0x1000 + i, 128, 16)).collect();
    let (bytes, offsets) = add_sa_list(&sas);
    let l = with_behaviour(separate(), || {
        LinkedList::new(bytes, &offsets, add_sa::NEXT)
    });
    (l, offsets.len())
}

fn try_gather(l: &mut LinkedList) -> Result<Option<Staged>, RequestError> {
    let LinkedList { first, memory, .. } = l;
    let view = InfoBuffer::new(first, BASE);
    gather(&view, ListKind::AddSa, &mut |a, d| memory.read(a, d))
}

#[test]
fn an_in_buffer_list_is_not_gathered() {
    let sas = [esp_gcm(0x1001, 128, 16), esp_gcm(0x1002, 128, 16)];
    let (mut bytes, _) = add_sa_list(&sas);
    let view = InfoBuffer::new(&mut bytes, BASE);
    let mut reads = 0;
    let r = gather(&view, ListKind::AddSa, &mut |_, _| {
        reads += 1;
        false
    });
    assert!(matches!(r, Ok(None)), "{r:?}");
    assert_eq!(reads, 0, "nothing read outside the buffer");
}

#[test]
fn separate_elements_are_staged_decoded_and_get_their_handles() {
    let (mut l, n) = list(3);
    let mut staged = try_gather(&mut l).unwrap().expect("gathered");
    assert_eq!(staged.len(), n);
    let backend = TableBackend::new(16);
    let report = set_add_sa(&mut staged.info_buffer(), &backend);
    assert_eq!(report.completion.status, NDIS_STATUS_SUCCESS, "{report:?}");
    assert_eq!(report.offloaded(), n);
    let LinkedList { first, memory, .. } = &mut l;
    let mut view = InfoBuffer::new(first, BASE);
    assert!(staged.write_back(&mut view, &mut |a, s| memory.write(a, s)));
    for i in 0..n {
        let h = l.u64_of(i, add_sa::OFFLOAD_HANDLE);
        assert_eq!(Some(h), report.elements[i].map(|h| h.get()).ok());
    }
}

#[test]
fn delete_sa_elements_outside_are_gathered() {
    let bytes = delete_sa_list(&[11, 22, 33]);
    let offsets: Vec<usize> = (0..3).map(|i| i * delete_sa::SIZE_REVISION_1).collect();
    let mut l = with_behaviour(separate(), || {
        LinkedList::new(bytes, &offsets, delete_sa::NEXT)
    });
    let LinkedList { first, memory, .. } = &mut l;
    let view = InfoBuffer::new(first, BASE);
    let mut staged = gather(&view, ListKind::DeleteSa, &mut |a, d| memory.read(a, d))
        .unwrap()
        .expect("gathered");
    assert_eq!(
        decode_delete_sa(&staged.info_buffer()),
        Ok(vec![11, 22, 33])
    );
}

#[test]
fn a_cycle_through_separate_elements_is_refused() {
    let (mut l, _) = list(3);
    let (second, last) = (l.elements[1], l.elements[2]);
    assert!(l
        .memory
        .write(last + add_sa::NEXT as u64, &second.to_le_bytes()));
    assert_eq!(try_gather(&mut l).unwrap_err(), RequestError::Cycle);
}

#[test]
fn a_link_back_into_the_buffer_is_a_cycle() {
    let (mut l, _) = list(2);
    let last = l.elements[1];
    assert!(l
        .memory
        .write(last + add_sa::NEXT as u64, &BASE.to_le_bytes()));
    assert_eq!(try_gather(&mut l).unwrap_err(), RequestError::Cycle);
}

#[test]
fn an_unreadable_element_is_refused() {
    let (mut l, _) = list(2);
    l.memory.regions.clear();
    assert_eq!(
        try_gather(&mut l).unwrap_err(),
        RequestError::ElementUnreadable { element: 1 }
    );
}

#[test]
fn a_misaligned_next_is_refused() {
    let (mut l, _) = list(2);
    l.first[add_sa::NEXT..add_sa::NEXT + 8].copy_from_slice(&(l.elements[1] + 4).to_le_bytes());
    assert_eq!(
        try_gather(&mut l).unwrap_err(),
        RequestError::Misaligned { element: 1 }
    );
}

#[test]
fn an_element_is_sized_by_its_own_key_length() {
    // KeyLength past the element's allocation: its bytes cannot be read.
    let (mut l, _) = list(2);
    let second = l.elements[1];
    assert!(l
        .memory
        .write(second + add_sa::KEY_LENGTH as u64, &0x200u32.to_le_bytes()));
    assert_eq!(
        try_gather(&mut l).unwrap_err(),
        RequestError::ElementUnreadable { element: 1 }
    );
    // KeyLength beyond the bound: refused before anything is read.
    assert!(l.memory.write(
        second + add_sa::KEY_LENGTH as u64,
        &(MAX_ELEMENT_BYTES as u32).to_le_bytes()
    ));
    assert_eq!(
        try_gather(&mut l).unwrap_err(),
        RequestError::ElementTooLarge { element: 1 }
    );
}

#[test]
fn a_bad_header_outside_is_refused() {
    let (mut l, _) = list(2);
    assert!(l.memory.write(l.elements[1], &[0]));
    assert!(matches!(
        try_gather(&mut l).unwrap_err(),
        RequestError::BadHeader { element: 1, .. }
    ));
}

#[test]
fn an_element_overlapping_another_is_refused() {
    // The second element's allocation starts 8 bytes before the end of the first element.
    let (mut l, _) = list(2);
    let at = BASE + l.first.len() as u64 - 8;
    l.memory.regions[0].0 = at;
    l.first[add_sa::NEXT..add_sa::NEXT + 8].copy_from_slice(&at.to_le_bytes());
    assert_eq!(try_gather(&mut l).unwrap_err(), RequestError::Overlap);
}

#[test]
fn an_endless_list_is_bounded() {
    // Every element a separate allocation, each linking to the next, one more than allowed.
    let n = MAX_GATHERED_ELEMENTS as u32 + 1;
    let (mut l, _) = list(n);
    assert_eq!(try_gather(&mut l).unwrap_err(), RequestError::ListTooLong);
}

#[test]
fn the_shell_view_writes_null_to_read_elements_of_a_refused_list() {
    let (mut l, _) = list(3);
    let (second, last) = (l.elements[1], l.elements[2]);
    assert!(l
        .memory
        .write(last + add_sa::NEXT as u64, &second.to_le_bytes()));
    let backend = TableBackend::new(16);
    let LinkedList { first, memory, .. } = &mut l;
    let status = with_list_view(
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
        true,
        first,
        BASE,
        memory as &mut ElementMemory,
        |b, a| {
            set_add_sa(&mut InfoBuffer::new(b, a), &backend)
                .completion
                .status
        },
    );
    assert_eq!(status, NDIS_STATUS_INVALID_DATA);
    assert_eq!(backend.table.len(), 0);
    for i in 0..3 {
        assert_eq!(l.u64_of(i, add_sa::OFFLOAD_HANDLE), 0, "element {i}");
    }
}

//! The driver's control-plane SA store over several modules' real SA tables: a bundle added
//! through the control plane lands in every attached module's table, is deleted from all, its
//! counters summed; a detached module's copies are forgotten; a module that refuses undoes the
//! others.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::cell::RefCell;

use ipsecov2_control_plane::{ControlPlane, Direction, Interface, Limits, PolicyHandle, SaStore};
use ipsecov2_ioctl::testing::{esp, protect_any, sa_add_request};
use ipsecov2_lwf::module_sas::{ModuleHost, ModuleSas, MAX_MODULES};
use ipsecov2_offload_sa::{OffloadSa, OffloadSas};
use ipsecov2_oid::SaBackend;
use ipsecov2_satable::{HostSaTable, StdRwLock, TableSeed, TableState};

type Sas = OffloadSas<StdRwLock<TableState<OffloadSa>>>;

#[derive(Default)]
struct Host {
    slots: [RefCell<Option<Sas>>; MAX_MODULES],
}

impl ModuleHost for Host {
    type Sas = Sas;
    fn with_sas<R>(&self, slot: usize, f: impl FnOnce(&Sas) -> R) -> Option<R> {
        self.slots.get(slot)?.borrow().as_ref().map(f)
    }
}

fn sas(capacity: usize, seed: u64) -> Sas {
    OffloadSas::new(
        HostSaTable::with_capacity(capacity, TableSeed::from_words([seed, 2, 3, 4])).unwrap(),
    )
}

fn attach(p: &ControlPlane<ModuleSas<Host>>, slot: usize, capacity: usize) {
    *p.store().host().slots[slot].borrow_mut() = Some(sas(capacity, slot as u64 + 1));
}

fn table_len(p: &ControlPlane<ModuleSas<Host>>, slot: usize) -> Option<usize> {
    p.store().host().with_sas(slot, |s| s.table().len())
}

/// A plane over the store with modules in `slots`, an outbound SPD on all of them and one
/// protecting policy; returns the plane and the policy.
fn setup(slots: &[(usize, usize)]) -> (ControlPlane<ModuleSas<Host>>, PolicyHandle) {
    setup_with(64, slots)
}

fn setup_with(
    bundles: usize,
    slots: &[(usize, usize)],
) -> (ControlPlane<ModuleSas<Host>>, PolicyHandle) {
    let store = ModuleSas::new(Host::default(), bundles).unwrap();
    let mut p = ControlPlane::new(store, Limits::default()).unwrap();
    let mut ifs = Vec::new();
    for &(slot, capacity) in slots {
        attach(&p, slot, capacity);
        let index = 10 + slot as u32;
        p.attach_interface(Interface {
            luid: 0x1000 + slot as u64,
            index,
        })
        .unwrap();
        ifs.push(index);
    }
    let spd = p.spd_create(Direction::Outbound, &ifs, 1).unwrap();
    let policy = protect_any(&mut p, spd, 7, 1).unwrap();
    (p, policy)
}

#[test]
fn a_bundle_lands_in_every_attached_module_and_leaves_them_all() {
    let (mut p, policy) = setup(&[(0, 8), (3, 8)]);
    let bundle = [esp(0x1000)];
    let sa = p.sa_add(&sa_add_request(policy, 1, &bundle)).unwrap();
    assert_eq!(table_len(&p, 0), Some(1));
    assert_eq!(table_len(&p, 3), Some(1));
    assert_eq!(p.store().len(), 1);
    // The plane's offload handle is the lowest slot's real handle: the send path's key there.
    let data = p.query_sa_data(sa).unwrap();
    let in_slot0 = p
        .store()
        .host()
        .with_sas(0, |s| {
            s.table().with_sa(
                ipsecov2_satable::OffloadHandle::from_u64(data.offload).unwrap(),
                |_| (),
            )
        })
        .flatten();
    assert!(in_slot0.is_some(), "{data:?}");
    assert_eq!(p.store().counters(data.offload).unwrap().packets, 0);
    p.sa_remove(policy, sa).unwrap();
    assert_eq!(table_len(&p, 0), Some(0));
    assert_eq!(table_len(&p, 3), Some(0));
    assert!(p.store().is_empty());
}

#[test]
fn a_module_that_refuses_undoes_the_others_and_nothing_changes() {
    // Slot 1's table holds one SA: the second bundle fits slot 0 but not slot 1.
    let (mut p, policy) = setup(&[(0, 8), (1, 1)]);
    let first = [esp(0x1000)];
    p.sa_add(&sa_add_request(policy, 1, &first)).unwrap();
    let second = [esp(0x2000)];
    assert!(p.sa_add(&sa_add_request(policy, 2, &second)).is_err());
    assert_eq!(table_len(&p, 0), Some(1));
    assert_eq!(table_len(&p, 1), Some(1));
    assert_eq!(p.store().len(), 1);
}

#[test]
fn no_module_attached_is_the_datapath_full() {
    let store = ModuleSas::new(Host::default(), 4).unwrap();
    let mut p = ControlPlane::new(store, Limits::default()).unwrap();
    p.attach_interface(Interface { luid: 1, index: 5 }).unwrap();
    let spd = p.spd_create(Direction::Outbound, &[5], 1).unwrap();
    let policy = protect_any(&mut p, spd, 7, 1).unwrap();
    let bundle = [esp(0x1000)];
    let err = p.sa_add(&sa_add_request(policy, 1, &bundle)).unwrap_err();
    assert_eq!(err.code(), 604);
}

#[test]
fn the_store_is_bounded_and_a_detached_module_is_forgotten() {
    let (mut p, policy) = setup_with(1, &[(2, 8)]);
    let b1 = [esp(0x1000)];
    let sa = p.sa_add(&sa_add_request(policy, 1, &b1)).unwrap();
    // The store's own capacity is the datapath's "full" (604), and the module is untouched.
    let b2 = [esp(0x2000)];
    assert_eq!(
        p.sa_add(&sa_add_request(policy, 2, &b2))
            .unwrap_err()
            .code(),
        604
    );
    assert_eq!(table_len(&p, 2), Some(1));
    let offload = p.query_sa_data(sa).unwrap().offload;
    assert!(p.store().counters(offload).is_some());
    // The module detaches: its table goes, the store forgets its copies.
    *p.store().host().slots[2].borrow_mut() = None;
    p.store().forget_module(2);
    assert_eq!(p.store().counters(offload), None);
    // Removing the bundle still succeeds (nothing left to delete in any module).
    p.sa_remove(policy, sa).unwrap();
    assert!(p.store().is_empty());
    assert!(!p.store().delete(offload));
}

//! Property test: random operation sequences agree with a simple `HashMap` model.
#![cfg(test)]
#![cfg(not(loom))]

use std::collections::{HashMap, HashSet};

use ipsecov2_satable::{
    AddError, Arc, HostSaTable, InboundKey, InboundKeys, IpAddress, IpsecProtocol, OffloadHandle,
    ReplaceError, SaEntry, TableSeed,
};
use proptest::prelude::*;

#[derive(Debug)]
struct Sa {
    id: u64,
    keys: InboundKeys,
}

impl SaEntry for Sa {
    fn inbound_keys(&self) -> InboundKeys {
        self.keys
    }
}

const CAPACITY: usize = 6;

/// Keys with SPIs below `spis` (× 2 addresses × 2 protocols); the first model test uses 4, a
/// small key space so that duplicates are frequent.
fn keys_up_to(spis: u32) -> impl Strategy<Value = InboundKey> + Clone {
    (0u32..spis, any::<bool>(), any::<bool>()).prop_map(|(spi, v6, ah)| {
        let dst = if v6 {
            IpAddress::v6([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        } else {
            IpAddress::v4([10, 1, 2, 3])
        };
        let proto = if ah {
            IpsecProtocol::Ah
        } else {
            IpsecProtocol::Esp
        };
        InboundKey::new(spi, dst, proto)
    })
}

fn keys_strategy(spis: u32) -> impl Strategy<Value = InboundKeys> {
    prop_oneof![
        Just(InboundKeys::NONE),
        keys_up_to(spis).prop_map(InboundKeys::one),
        (keys_up_to(spis), keys_up_to(spis)).prop_map(|(a, b)| InboundKeys::two(a, b)),
    ]
}

#[derive(Clone, Debug)]
enum Op {
    Add(InboundKeys),
    /// Delete an issued handle (live or stale), chosen by index modulo the issued count.
    Delete(usize),
    /// Delete an arbitrary (probably forged) handle value.
    DeleteRaw(u64),
    Get(usize),
    GetRaw(u64),
    GetInbound(InboundKey),
    /// Bulk lookup of several keys (more than one batch at times).
    GetInboundMany(Vec<InboundKey>),
    /// Replace the payload of an issued handle, with the same keys or with other keys.
    Replace(usize, bool),
    Clear,
}

fn op_strategy() -> impl Strategy<Value = Op> {
    op_strategy_with(4)
}

fn op_strategy_with(spis: u32) -> impl Strategy<Value = Op> {
    let key_strategy = move || keys_up_to(spis);
    prop_oneof![
        6 => keys_strategy(spis).prop_map(Op::Add),
        4 => any::<usize>().prop_map(Op::Delete),
        1 => any::<u64>().prop_map(Op::DeleteRaw),
        3 => any::<usize>().prop_map(Op::Get),
        1 => any::<u64>().prop_map(Op::GetRaw),
        4 => key_strategy().prop_map(Op::GetInbound),
        2 => proptest::collection::vec(key_strategy(), 0..40).prop_map(Op::GetInboundMany),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, same)| Op::Replace(i, same)),
        1 => Just(Op::Clear),
    ]
}

#[derive(Default)]
struct Model {
    /// Live SAs: handle → (id, keys).
    live: HashMap<OffloadHandle, (u64, InboundKeys)>,
    inbound: HashMap<InboundKey, OffloadHandle>,
}

fn run(seed: [u64; 4], ops: Vec<Op>) {
    run_with(seed, ops, CAPACITY);
}

fn run_with(seed: [u64; 4], ops: Vec<Op>, capacity: usize) {
    let table = HostSaTable::<Sa>::with_capacity(capacity, TableSeed::from_words(seed)).unwrap();
    let mut model = Model::default();
    let mut issued: Vec<OffloadHandle> = Vec::new();
    let mut ever: HashSet<OffloadHandle> = HashSet::new();
    let mut next_id = 0u64;

    for op in ops {
        match op {
            Op::Add(keys) => {
                next_id += 1;
                let list: Vec<InboundKey> = keys.iter().copied().collect();
                let expected = if list.len() == 2 && list[0] == list[1] {
                    Err(AddError::DuplicateInboundKey(list[0]))
                } else if list.len() == 2 && list[0].dst != list[1].dst {
                    Err(AddError::MixedDestinations)
                } else if model.live.len() == capacity {
                    Err(AddError::Full)
                } else if let Some(k) = list.iter().find(|k| model.inbound.contains_key(k)) {
                    Err(AddError::DuplicateInboundKey(*k))
                } else {
                    Ok(())
                };
                match table.add(Arc::new(Sa { id: next_id, keys })) {
                    Ok(h) => {
                        assert_eq!(expected, Ok(()));
                        assert!(ever.insert(h), "handle {h:?} issued twice");
                        issued.push(h);
                        for k in &list {
                            model.inbound.insert(*k, h);
                        }
                        model.live.insert(h, (next_id, keys));
                    }
                    Err(rejected) => {
                        assert_eq!(expected, Err(rejected.error));
                        assert_eq!(rejected.sa.id, next_id);
                    }
                }
            }
            Op::Delete(i) | Op::Get(i) | Op::Replace(i, _) if issued.is_empty() => {
                let _ = i;
            }
            Op::Delete(i) => {
                let h = issued[i % issued.len()];
                let got = table.delete(h).map(|sa| sa.id);
                let want = model.live.remove(&h).map(|(id, keys)| {
                    for k in keys.iter() {
                        model.inbound.remove(k);
                    }
                    id
                });
                assert_eq!(got, want);
            }
            Op::DeleteRaw(raw) => {
                if let Some(h) = OffloadHandle::from_u64(raw) {
                    let got = table.delete(h).map(|sa| sa.id);
                    let want = model.live.remove(&h).map(|(id, keys)| {
                        for k in keys.iter() {
                            model.inbound.remove(k);
                        }
                        id
                    });
                    assert_eq!(got, want);
                }
            }
            Op::Get(i) => {
                let h = issued[i % issued.len()];
                assert_eq!(
                    table.get(h).map(|sa| sa.id),
                    model.live.get(&h).map(|(id, _)| *id)
                );
                assert_eq!(table.contains(h), model.live.contains_key(&h));
            }
            Op::GetRaw(raw) => {
                if let Some(h) = OffloadHandle::from_u64(raw) {
                    assert_eq!(
                        table.with_sa(h, |sa| sa.id),
                        model.live.get(&h).map(|(id, _)| *id)
                    );
                }
            }
            Op::GetInbound(key) => {
                let want = model.inbound.get(&key).map(|h| (*h, model.live[h].0));
                let got = table.get_inbound(&key).map(|(h, sa)| (h, sa.id));
                assert_eq!(got, want);
                assert_eq!(table.with_inbound(&key, |h, sa| (h, sa.id)), want);
            }
            Op::GetInboundMany(keys) => {
                // One slot fewer than keys when there are many: the last key is left alone.
                let n = if keys.len() > 20 {
                    keys.len() - 1
                } else {
                    keys.len()
                };
                let mut out = vec![None; keys.len()];
                // Warming finds exactly the keys the model has.
                let known = keys
                    .iter()
                    .filter(|k| model.inbound.contains_key(k))
                    .count();
                assert_eq!(table.warm_inbound(&keys), known);
                table.get_inbound_many(&keys, &mut out[..n]);
                for (i, key) in keys.iter().enumerate() {
                    let got = out[i].as_ref().map(|(h, sa)| (*h, sa.id));
                    let want = if i < n {
                        model.inbound.get(key).map(|h| (*h, model.live[h].0))
                    } else {
                        None
                    };
                    assert_eq!(got, want, "key {i} of {}", keys.len());
                }
            }
            Op::Replace(i, same) => {
                let h = issued[i % issued.len()];
                next_id += 1;
                let current = model.live.get(&h).map(|(_, keys)| *keys);
                let keys = match (current, same) {
                    // The same keys, every other time in the other order (the index
                    // remembers which key came first at add time).
                    (Some(k), true) => {
                        let mut it = k.iter().copied();
                        match (it.next(), it.next()) {
                            (Some(a), Some(b)) if next_id.is_multiple_of(2) => {
                                InboundKeys::two(b, a)
                            }
                            _ => k,
                        }
                    }
                    (Some(k), false) if k.is_empty() => InboundKeys::one(InboundKey::new(
                        99,
                        IpAddress::v4([1, 1, 1, 1]),
                        IpsecProtocol::Esp,
                    )),
                    _ => InboundKeys::NONE,
                };
                let result = table.replace(h, Arc::new(Sa { id: next_id, keys }));
                match current {
                    None => assert_eq!(result.unwrap_err().error, ReplaceError::NotFound),
                    Some(_) if same => {
                        let old = result.unwrap();
                        let entry = model.live.get_mut(&h).unwrap();
                        assert_eq!(old.id, entry.0);
                        entry.0 = next_id;
                    }
                    Some(_) => {
                        assert_eq!(result.unwrap_err().error, ReplaceError::InboundKeysChanged)
                    }
                }
            }
            Op::Clear => {
                assert_eq!(table.clear(), model.live.len());
                model.live.clear();
                model.inbound.clear();
            }
        }
        assert_eq!(table.len(), model.live.len());
        assert_eq!(table.len_hint(), model.live.len());
        table.verify_invariants().unwrap();
    }
    let mut seen = 0;
    table.for_each(|h, sa| {
        assert_eq!(model.live.get(&h).map(|(id, _)| *id), Some(sa.id));
        seen += 1;
    });
    assert_eq!(seen, model.live.len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn table_matches_model(
        seed in any::<[u64; 4]>(),
        ops in prop::collection::vec(op_strategy(), 1..200),
    ) {
        run(seed, ops);
    }

    /// A wider key space (SPIs 0..2048) and a table of 300 SAs: long probe runs, many keys
    /// sharing a fingerprint and flags (8 bits), bundles whose second key is confirmed in the
    /// payload, deletions shifting entries of other SAs back.
    #[test]
    fn table_matches_model_wide(
        seed in any::<[u64; 4]>(),
        ops in prop::collection::vec(op_strategy_with(2048), 1..600),
    ) {
        run_with(seed, ops, 300);
    }
}

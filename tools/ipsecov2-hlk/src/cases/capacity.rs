//! Group `capacity`: the table filled to SaOffloadCapacity, partial lists, bundles, room freed
//! by DELETE_SA.

use super::oid_validity::gcm;
use super::{ensure, eq, module_case, status};
use crate::module_oids::{add, add_list, delete, module_with, names_an_sa, sa_count, Module};
use crate::Case;
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::{self as build, AddSa};

const CAP: usize = 16;

fn filled(n: usize) -> Result<(Module, Vec<u64>), String> {
    let m = module_with(CAP)?;
    let mut hs = Vec::new();
    for i in 0..n {
        hs.push(add(&m, &gcm(0x2000 + i as u32)).map_err(|e| format!("SA {i} of {n}: {e}"))?);
    }
    Ok((m, hs))
}

pub fn capacity(v: &mut Vec<Case>) {
    const G: &str = "capacity";
    v.push(module_case(
        G,
        "fill-to-capacity",
        "SaOffloadCapacity 16: 16 single ADD_SA succeed, the 17th gets RESOURCES",
        || {
            let (m, hs) = filled(CAP)?;
            let mut uniq = hs.clone();
            uniq.sort_unstable();
            uniq.dedup();
            eq("distinct handles", uniq.len(), CAP)?;
            let (c, h) = add_list(&m, &[gcm(0x3000)])?;
            status("ADD_SA on a full table", c.status, NDIS_STATUS_RESOURCES)?;
            eq("handle", h, vec![0])?;
            eq("SA bundles in the table", sa_count(&m)?, CAP)?;
            m.finish()
        },
    ));
    v.push(module_case(
        G,
        "partial-list",
        "14 used + list of 4: SUCCESS, first 2 handles, last 2 NULL",
        || {
            let (m, _) = filled(CAP - 2)?;
            let list: Vec<AddSa> = (0..4).map(|i| gcm(0x3000 + i)).collect();
            let (c, h) = add_list(&m, &list)?;
            status("ADD_SA", c.status, NDIS_STATUS_SUCCESS)?;
            let got: Vec<bool> = h.iter().map(|&x| x != 0).collect();
            eq(
                "handles (true = offloaded)",
                got,
                vec![true, true, false, false],
            )?;
            eq("SA bundles in the table", sa_count(&m)?, CAP)?;
            m.finish()
        },
    ));
    v.push(module_case(
        G,
        "list-with-bundles",
        "15 used + [ESP+AH bundle, ESP]: one bundle counts once",
        || {
            let (m, _) = filled(CAP - 1)?;
            let (c, h) = add_list(&m, &[build::esp_ah(0x3000, 0x3001), gcm(0x3002)])?;
            status("ADD_SA", c.status, NDIS_STATUS_SUCCESS)?;
            let got: Vec<bool> = h.iter().map(|&x| x != 0).collect();
            eq("handles", got, vec![true, false])?;
            eq("SA bundles in the table", sa_count(&m)?, CAP)?;
            m.finish()
        },
    ));
    v.push(module_case(
        G,
        "nothing-fits",
        "full table + list of 3: RESOURCES, all NULL",
        || {
            let (m, _) = filled(CAP)?;
            let list: Vec<AddSa> = (0..3).map(|i| gcm(0x3000 + i)).collect();
            let (c, h) = add_list(&m, &list)?;
            status("ADD_SA", c.status, NDIS_STATUS_RESOURCES)?;
            eq("handles", h, vec![0, 0, 0])?;
            eq("SA bundles in the table", sa_count(&m)?, CAP)?;
            m.finish()
        },
    ));
    v.push(module_case(
        G,
        "delete-frees-room",
        "full table, delete 2: exactly 2 more fit, old handles stay valid",
        || {
            let (m, hs) = filled(CAP)?;
            status("DELETE_SA", delete(&m, &hs[3..5])?, NDIS_STATUS_SUCCESS)?;
            let list: Vec<AddSa> = (0..3).map(|i| gcm(0x3000 + i)).collect();
            let (c, h) = add_list(&m, &list)?;
            status("ADD_SA", c.status, NDIS_STATUS_SUCCESS)?;
            let got: Vec<bool> = h.iter().map(|&x| x != 0).collect();
            eq("handles", got, vec![true, true, false])?;
            eq("SA bundles in the table", sa_count(&m)?, CAP)?;
            for &n in &h[..2] {
                ensure!(
                    !hs[3..5].contains(&n),
                    "a deleted handle value was reused as is"
                );
            }
            // Each old handle, deleted in turn, removes a bundle exactly when it was kept.
            for (i, &old) in hs.iter().enumerate() {
                let found = names_an_sa(&m, old)?;
                ensure!(found != (3..5).contains(&i), "handle {i} presence {found}");
            }
            eq("SA bundles left (the 2 new ones)", sa_count(&m)?, 2)?;
            m.finish()
        },
    ));
    v.push(module_case(
        G,
        "reported-capacity-matches",
        "SaOffloadCapacity reported for the table == bundles that fit",
        || {
            let c = crate::target::advertised_caps(CAP as u32)?;
            let (m, _) = filled(CAP)?;
            let (r, _) = add_list(&m, &[gcm(0x3000)])?;
            status("ADD_SA past capacity", r.status, NDIS_STATUS_RESOURCES)?;
            eq("SaOffloadCapacity", c.SaOffloadCapacity as usize, CAP)?;
            eq("SA bundles that fit", sa_count(&m)?, CAP)?;
            m.finish()
        },
    ));
}

//! Group `two-hosts`: two hosts back to back (filter module between an emulated miniport and
//! an emulated TCP/IP), every transform both ways with counters checked on both sides.

use super::hosts::*;
use super::{ensure, eq, module_case};
use crate::target::ModuleUnderTest;
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::host::Host;
use ipsecov2_ndis_emu::tcpip::{ah_algs, esp_algs};

/// Both directions between two hosts with transform `x`; counters checked on both sides.
fn two_hosts(x: &Xform, seed: u64) -> Outcome {
    match crate::target::current() {
        crate::target::Target::Emulated => two_modules::<Host>(x, seed),
        #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
        crate::target::Target::Sys(_) => two_modules::<crate::target_sys::SysModule>(x, seed),
        #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
        crate::target::Target::Sys(_) => Err("the sys target needs Linux on x86-64".into()),
        crate::target::Target::Device(_) => {
            two_modules::<crate::target_device::DeviceModule>(x, seed)
        }
    }
}

fn two_modules<M: ModuleUnderTest>(x: &Xform, seed: u64) -> Outcome {
    let (mut a, mut b) = M::pair(seed)?;
    let (ab, ba) = (0x0100_0000 + (seed as u32 & 0xffff) * 4, 0x0200_0000);
    let a_out = add_recorded(&mut a, &x.add_sa(ab, false))?;
    add_recorded(&mut b, &x.add_sa(ab, true))?;
    let b_out = add_recorded(&mut b, &x.add_sa(ba, false))?;
    add_recorded(&mut a, &x.add_sa(ba, true))?;
    exchange(&mut a, &mut b, x, ab, a_out, 1, 5)?;
    exchange(&mut b, &mut a, x, ba, b_out, 1, 3)?;
    exchange(&mut a, &mut b, x, ab, a_out, 6, 2)?;
    if let (Some(sa), Some(sb)) = (a.counters()?, b.counters()?) {
        eq("A packets protected", sa.send_packets, 7)?;
        eq("B packets verified", sb.recv_packets, 7)?;
        eq("B packets protected", sb.send_packets, 3)?;
        eq("A packets verified", sa.recv_packets, 3)?;
        eq("B inbound SA packet counter", sb.inbound_sa_packets, 7)?;
    }
    M::finish(a, b)
}

pub fn two_hosts_cases(v: &mut Vec<Case>) {
    const G: &str = "two-hosts";
    let mut seed = 100u64;
    for v6 in [false, true] {
        let fam = if v6 { "ipv6" } else { "ipv4" };
        for alg in esp_algs() {
            seed += 2;
            let x = Xform {
                esp: Some(alg.clone()),
                ah: None,
                v6,
                esn: false,
                udp: 0,
            };
            v.push(module_case(
                G,
                format!("esp/{}/{fam}", alg.name),
                "A→B and B→A through protocol, filter module, miniport and wire",
                move || two_hosts(&x, seed),
            ));
        }
        for alg in ah_algs() {
            seed += 2;
            let x = Xform {
                esp: None,
                ah: Some(alg.clone()),
                v6,
                esn: false,
                udp: 0,
            };
            v.push(module_case(
                G,
                format!("ah/{}/{fam}", alg.name),
                "A→B and B→A through protocol, filter module, miniport and wire",
                move || two_hosts(&x, seed),
            ));
        }
    }
    let gcm = esp_algs()
        .into_iter()
        .find(|a| a.name.starts_with("gcm128"));
    let cbc = esp_algs()
        .into_iter()
        .find(|a| a.name.contains("aes128") && a.name.contains("sha1"));
    let sha256 = ah_algs().into_iter().find(|a| a.name == "sha256");
    for (name, esp, ah, v6, esn, udp) in [
        (
            "esp+ah/aes128-sha1+sha256/ipv4",
            &cbc,
            &sha256,
            false,
            false,
            0,
        ),
        ("esp+ah/gcm128+sha256/ipv6", &gcm, &sha256, true, false, 0),
        ("esn/gcm128/ipv4", &gcm, &None, false, true, 0),
        ("esn/aes128-sha1/ipv6", &cbc, &None, true, true, 0),
        ("esn/esp+ah/ipv4", &cbc, &sha256, false, true, 0),
        (
            "udp-esp/gcm128/ipv4",
            &gcm,
            &None,
            false,
            false,
            IPSEC_TPT_UDPESP_ENCAPTYPE_IKE,
        ),
        (
            "udp-esp/aes128-sha1/ipv6",
            &cbc,
            &None,
            true,
            false,
            IPSEC_TPT_UDPESP_ENCAPTYPE_IKE,
        ),
    ] {
        seed += 2;
        let x = Xform {
            esp: esp.clone(),
            ah: ah.clone(),
            v6,
            esn,
            udp,
        };
        let has_all =
            (esp.is_some() || name.starts_with("ah")) && (ah.is_some() || !name.contains('+'));
        v.push(module_case(
            G,
            name,
            "A→B and B→A through protocol, filter module, miniport and wire",
            move || {
                ensure!(has_all, "transform not found in the algorithm list");
                two_hosts(&x, seed)
            },
        ));
    }
}

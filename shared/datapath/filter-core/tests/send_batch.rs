//! The send path's batch (AES-CBC packets of a chain sealed together by `EspSa::seal_many`): a
//! long chain mixing AES-CBC SAs of every key size and hash, IPv4 and IPv6, UDP-ESP, ESN, GCM,
//! ESP+AH, NULL, plain NBLs, NBLs of several NET_BUFFERs (more than a batch), an unknown
//! handle and checksum requests, sent in one call, gives NBL for NBL the same decisions and
//! byte for byte the same copies as the same NBLs sent one call each on a twin filter core (same
//! SAs, so the same IVs); also with a pool of fewer buffers than a batch; and everything sent
//! verifies and decrypts at the peer.
#![cfg(test)]

mod common;

use common::*;
use ipsecov2_abi::*;
use ipsecov2_filter_core::HostTxPool;
use ipsecov2_ndis_emu::{NblSpec, SplitMix64};

struct Sa {
    esp: Option<&'static str>,
    ah: Option<&'static str>,
    v6: bool,
    udp: bool,
    esn: bool,
}

const SAS: [Sa; 9] = [
    Sa {
        esp: Some("aes128+sha256"),
        ah: None,
        v6: false,
        udp: false,
        esn: false,
    },
    Sa {
        esp: Some("aes256+sha256"),
        ah: None,
        v6: true,
        udp: false,
        esn: true,
    },
    Sa {
        esp: Some("aes192+sha1"),
        ah: None,
        v6: false,
        udp: true,
        esn: false,
    },
    Sa {
        esp: Some("aes128+md5"),
        ah: None,
        v6: true,
        udp: false,
        esn: false,
    },
    Sa {
        esp: Some("gcm128/16"),
        ah: None,
        v6: false,
        udp: false,
        esn: false,
    },
    Sa {
        esp: Some("aes128+sha256"),
        ah: Some("sha256"),
        v6: false,
        udp: false,
        esn: false,
    },
    Sa {
        esp: Some("null+sha1"),
        ah: None,
        v6: false,
        udp: false,
        esn: false,
    },
    Sa {
        esp: Some("aes256+sha1"),
        ah: None,
        v6: false,
        udp: false,
        esn: true,
    },
    Sa {
        esp: Some("aes128+sha256"),
        ah: None,
        v6: true,
        udp: true,
        esn: false,
    },
];

/// Installs every SA of [`SAS`] on `core` (outbound, or inbound for the peer); their handles.
fn install(core: &Core, inbound: bool) -> Vec<(u64, Layer, Ip)> {
    let esp = esp_algs();
    let ah = ah_algs();
    SAS.iter()
        .enumerate()
        .map(|(n, s)| {
            let spi = 0x0300_0000 + n as u32;
            let e = s
                .esp
                .map(|name| (esp.iter().find(|a| a.name == name).unwrap(), spi));
            let a =
                s.ah.map(|name| (ah.iter().find(|a| a.name == name).unwrap(), spi + 0x100));
            let udp = if s.udp {
                IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT
            } else {
                0
            };
            let h = add(
                core,
                &bundle(BundleSpec {
                    esp: e,
                    ah: a,
                    v6: s.v6,
                    inbound,
                    esn: s.esn,
                    udp,
                }),
            );
            assert_ne!(h, 0, "SA {n} offloaded");
            let layer = Layer {
                esp: e.map(|(x, s)| (x.shape, s)),
                ah: a.map(|(x, s)| (x.shape, s)),
                udp: s.udp,
            };
            let ip = Ip {
                v6: s.v6,
                extras: n % 2 == 1,
            };
            (h, layer, ip)
        })
        .collect()
}

/// A chain of `n` NBLs: SAs in a rotating pattern, mostly one NET_BUFFER, some of 3 and one of
/// 11, plain NBLs and an unknown handle between them, checksum requests on some.
fn chain(rng: &mut SplitMix64, sas: &[(u64, Layer, Ip)], n: usize) -> Vec<NblSpec> {
    let mut seq = [1u32; SAS.len()];
    let mut specs = Vec::new();
    for i in 0..n {
        let which = (i * 7 + i / 5) % SAS.len();
        let (h, layer, ip) = &sas[which];
        let nbs = match i % 13 {
            4 => 3,
            9 if i > 20 => 11,
            _ => 1,
        };
        let lens = [1400usize, 64, 576, 1, 1200, 200];
        let frames: Vec<Framed> = (0..nbs)
            .map(|_| {
                seq[which] += 1;
                frame(ip, layer, seq[which], &rng.bytes(lens[i % lens.len()]), 6)
            })
            .collect();
        let refs: Vec<&[u8]> = frames.iter().map(|f| f.frame.as_slice()).collect();
        let handle = match i % 17 {
            3 => 0,
            11 => 0x77,
            _ => *h,
        };
        let mut spec = send_nbl(rng, &refs, handle, 0, frames[0].header_info);
        if i % 6 == 2 {
            let mut c = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO { Value: 0 };
            if ip.v6 {
                c.set_transmit_is_ipv6(true);
            } else {
                c.set_transmit_is_ipv4(true);
                c.set_transmit_ip_header_checksum(true);
            }
            c.set_transmit_tcp_checksum(true);
            spec.info.push((TcpIpChecksumNetBufferListInfo, c.Value));
        }
        specs.push(spec);
    }
    specs
}

#[test]
fn chain_in_one_call_equals_one_call_per_nbl() {
    for pool_size in [64usize, 4, 1] {
        let mut rng = SplitMix64::new(0x5eed_ba7c + pool_size as u64);
        let batched = core();
        let single = core();
        let rx = core();
        let sas = install(&batched, false);
        let twin = install(&single, false);
        assert_eq!(
            sas.iter().map(|s| s.0).collect::<Vec<_>>(),
            twin.iter().map(|s| s.0).collect::<Vec<_>>()
        );
        install(&rx, true);
        let specs = chain(&mut rng, &sas, 60);
        let pool = HostTxPool::new(pool_size, 2048);
        let (together, _owned) = send_through(&batched, &specs, &pool);
        assert_eq!(pool.free_count(), pool.count(), "buffers back in the pool");
        let mut protected = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            let alone = send_one(&single, spec.clone(), &pool);
            assert_eq!(together[i], alone, "pool {pool_size}, NBL {i}");
            if let Sent::Protected(p) = alone {
                protected.extend(p);
            }
        }
        let completed = together
            .iter()
            .filter(|s| matches!(s, Sent::Completed(..)))
            .count();
        if pool_size > 11 {
            // Only the unknown handles fail (a smaller pool cannot hold the NBLs of 11).
            assert_eq!(
                completed,
                60 / 17 + usize::from(60 % 17 > 11),
                "pool {pool_size}"
            );
        }
        assert!(protected.len() > 40, "{}", protected.len());
        let got = receive_through(&rx, &mut rng, &protected, 0);
        for (view, _) in &got {
            assert!(view.crypto_done, "{view:?}");
            assert_eq!(view.status, CRYPTO_SUCCESS, "{view:?}");
        }
    }
}

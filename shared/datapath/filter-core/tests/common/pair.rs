//! Fixtures of the negative tests: a sending and a receiving module holding one bundle, the
//! bytes it protects, and the algorithms the tests use.

use super::*;
use ipsecov2_filter_core::HostTxPool;

pub const V4: Ip = Ip {
    v6: false,
    extras: false,
};

pub struct Pair {
    pub tx: Core,
    pub rx: Core,
    pub handle: u64,
    pub layer: Layer,
}

pub fn pair(esp: Option<&EspAlg>, ah: Option<&AhAlg>, v6: bool) -> Pair {
    let tx = core();
    let rx = core();
    let e = esp.map(|a| (a, 0x3000));
    let a = ah.map(|a| (a, 0x3001));
    let handle = add(
        &tx,
        &bundle(BundleSpec {
            esp: e,
            ah: a,
            v6,
            esn: true,
            ..BundleSpec::default()
        }),
    );
    assert_ne!(
        add(
            &rx,
            &bundle(BundleSpec {
                esp: e,
                ah: a,
                v6,
                inbound: true,
                esn: true,
                ..BundleSpec::default()
            })
        ),
        0
    );
    Pair {
        tx,
        rx,
        handle,
        layer: Layer {
            esp: esp.map(|a| (a.shape, 0x3000)),
            ah: ah.map(|a| (a.shape, 0x3001)),
            udp: false,
        },
    }
}

/// Sends one frame and returns the protected bytes.
pub fn protect(rng: &mut SplitMix64, p: &Pair, f: &Framed) -> Vec<u8> {
    let pool = HostTxPool::new(1, 4096);
    let (sent, _o) = send_through(
        &p.tx,
        &[send_nbl(rng, &[&f.frame], p.handle, 0, f.header_info)],
        &pool,
    );
    let Sent::Protected(mut v) = sent.into_iter().next().unwrap() else {
        panic!()
    };
    v.remove(0)
}

pub fn esp_gcm() -> EspAlg {
    esp_algs()
        .into_iter()
        .find(|a| a.name == "gcm128/16")
        .unwrap()
}
pub fn esp_cbc() -> EspAlg {
    esp_algs()
        .into_iter()
        .find(|a| a.name == "aes128+sha1")
        .unwrap()
}
pub fn ah_sha1() -> AhAlg {
    ah_algs().into_iter().find(|a| a.name == "sha1").unwrap()
}

//! Fixtures of the negative tests: a sending and a receiving module holding one bundle, the
//! bytes it protects, and the algorithms the tests use.

use super::*;
use ipsecov2_filter_core::HostTxPool;

pub const V4: Ip = Ip {
    v6: false,
    extras: false,
};

/// A layer of ESP alone (no AH, no UDP encapsulation).
pub fn esp_layer(shape: EspShape, spi: u32) -> Layer {
    Layer {
        esp: Some((shape, spi)),
        ah: None,
        udp: false,
    }
}

/// No IPsec layer: a plain datagram.
pub const PLAIN: Layer = Layer {
    esp: None,
    ah: None,
    udp: false,
};

/// A small IPv4 UDP packet, the payload of the tunnel-mode tests.
pub fn inner_ipv4() -> Vec<u8> {
    let mut i = vec![
        0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ];
    i.extend_from_slice(&[0, 1, 0, 2, 0, 8, 0, 0]);
    i
}

/// Sends `f` on `handle` (`tunnel` for transport over tunnel, else 0) through `core` and
/// returns its protected copies; anything but protection fails the test.
pub fn protected(
    core: &Core,
    rng: &mut SplitMix64,
    f: &Framed,
    (handle, tunnel): (u64, u64),
    pool: &HostTxPool,
) -> Vec<Vec<u8>> {
    match send_one(
        core,
        send_nbl(rng, &[&f.frame], handle, tunnel, f.header_info),
        pool,
    ) {
        Sent::Protected(w) => w,
        other => panic!("{other:?}"),
    }
}

/// Frames 10 random bytes of TCP over IPv4 on `layer` and protects them on `handle` through
/// `core` (a pool of one 512-byte buffer): the protected copies.
pub fn protect_small(
    core: &Core,
    rng: &mut SplitMix64,
    layer: &Layer,
    handle: u64,
) -> Vec<Vec<u8>> {
    let f = frame(&V4, layer, 1, &rng.bytes(10), 6);
    let pool = HostTxPool::new(1, 512);
    protected(core, rng, &f, (handle, 0), &pool)
}

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
    protected(&p.tx, rng, f, (p.handle, 0), &pool).remove(0)
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

//! Point 5 of issue 15: UDP-ESP types of transport-over-tunnel pairs; also transport over
//! tunnel with the slot-12 options (point 4).

use super::*;

pub(super) fn pair(outer_udp: bool, inner_udp: bool, b: TcpipBehaviour, seed: u64) -> Outcome {
    with(b, || {
        let mut rng = SplitMix64::new(seed);
        let te = esp_alg("gcm128/16")?;
        let pe = esp_alg("aes256+sha256")?;
        let (t_udp, p_udp) = pair_udp_types(outer_udp, inner_udp);
        let (t_spi, p_spi) = (0x1800 + seed as u32 % 64 * 2, 0x1900 + seed as u32 % 64 * 2);
        let tx = core()?;
        let rx = core()?;
        let t = |inbound: bool| {
            let mut s = BundleSpec::esp(&te, t_spi).udp(t_udp);
            if inbound {
                s = s.inbound();
            }
            bundle(s)
        };
        let p = |inbound: bool| {
            let mut s = BundleSpec::esp(&pe, p_spi).udp(p_udp);
            if inbound {
                s = s.inbound();
            }
            bundle(s)
        };
        let th = add(&tx, &t(false))?;
        let ph = add(&tx, &p(false))?;
        add(&rx, &t(true))?;
        add(&rx, &p(true))?;
        let f = frame_tunnel(
            &ip(false),
            &Layer {
                esp: Some((te.shape, t_spi)),
                ah: None,
                udp: outer_udp,
            },
            &ip(false),
            &Layer {
                esp: Some((pe.shape, p_spi)),
                ah: None,
                udp: inner_udp,
            },
            9,
            &rng.bytes(61),
        );
        let w = protect(&tx, &mut rng, &[&f], ph, th)?;
        check_wire(&w, std::slice::from_ref(&f))?;
        let got = receive_through(&rx, &mut rng, &w, 0)?;
        check_received(&got, std::slice::from_ref(&f), true)
    })
}

pub(super) fn both_types() -> TcpipBehaviour {
    TcpipBehaviour {
        udp_esp_both: true,
        ..TcpipBehaviour::default()
    }
}

//! What TCP/IP hands an IPsecOV2 NIC, as bytes and NBL specs: a framer that builds ESP / AH /
//! UDP-ESP / transport-over-tunnel frames exactly as the IPsecOV2 sending page says TCP/IP does
//! (headers, IV and ICV room, padding 1, 2, 3…, trailer, slot 12 offsets and trailer values), the
//! catalogue of ESP and AH transforms the filter offers as ADD_SA elements ([`bundle`]), NBL specs
//! for send (slots 1 / 11 / 12) and receive, and the receive slots read back ([`recv_view`]).
//!
//! ```
//! use ipsecov2_ndis_emu::tcpip::{esp_algs, frame, Ip, Layer};
//!
//! let gcm = &esp_algs()[2];
//! let layer = Layer { esp: Some((gcm.shape, 0x1000)), ah: None, udp: false };
//! let f = frame(&Ip { v6: false, extras: false }, &layer, 1, &[0u8; 20], 6);
//! assert_eq!(f.trailer, Some((6, 2)));
//! ```

use crate::oid_buffers::{self as build, AddSa, Alg, Sec};
use crate::{MdlLayout, NbSpec, NblSpec, OwnedNblChain, Segmentation, SplitMix64};
use ipsec_engine::wire::{
    self, ipv4, proto, AhPacket, AhRepr, EspRepr, EthernetRepr, Ipv4Packet, Ipv4Repr, Ipv6Packet,
    Ipv6Repr, UdpPacket, UdpRepr, NAT_T_PORT,
};
use ipsecov2_abi::*;

// ---------------------------------------------------------------------------------------------
// Algorithms: the ADD_SA element and what the framer needs to know about it.
// ---------------------------------------------------------------------------------------------

/// What the framer needs of an ESP transform.
#[derive(Clone, Copy, Debug)]
pub struct EspShape {
    /// IV length in bytes.
    pub iv: usize,
    /// Cipher block size the padding aligns to (4 for stream / NULL).
    pub block: usize,
    /// ICV length in bytes.
    pub icv: usize,
    /// Payload is encrypted (false for NULL and GMAC).
    pub encrypts: bool,
}

/// What the framer needs of an AH transform.
#[derive(Clone, Copy, Debug)]
pub struct AhShape {
    /// ICV length in bytes.
    pub icv: usize,
    /// AH-GMAC: an 8-byte IV precedes the ICV.
    pub gmac: bool,
}

#[derive(Clone, Debug)]
/// An ESP transform: its name, its ADD_SA `SecAssoc` + keys for an SPI, its framing shape.
pub struct EspAlg {
    /// Short name (e.g. `gcm128/16`, `aes256+sha1`).
    pub name: &'static str,
    /// The `SecAssoc` and key bytes for an SPI.
    pub sec: fn(u32) -> (Sec, Vec<u8>),
    /// What the framer needs.
    pub shape: EspShape,
}

#[derive(Clone, Debug)]
/// An AH transform: its name, its ADD_SA `SecAssoc` + keys for an SPI, its framing shape.
pub struct AhAlg {
    /// Short name (e.g. `gcm128/16`, `aes256+sha1`).
    pub name: &'static str,
    /// The `SecAssoc` and key bytes for an SPI.
    pub sec: fn(u32) -> (Sec, Vec<u8>),
    /// What the framer needs.
    pub shape: AhShape,
}

fn alg(id: u32, key_len: u32, key_off: u32, additional: u32) -> Alg {
    Alg {
        id,
        key_len,
        key_off,
        additional,
    }
}

fn esp_sec(spi: u32, enc: Alg, auth: Alg) -> (Sec, Vec<u8>) {
    let len = (enc.key_len + auth.key_len) as usize;
    (
        Sec {
            operation: IPsecOffloadV2Esp,
            spi,
            enc,
            auth,
            ..Sec::default()
        },
        build::key(len, spi as u8),
    )
}

macro_rules! gcm {
    ($name:literal, $id:expr, $klen:expr, $icv:expr) => {
        EspAlg {
            name: $name,
            sec: |spi| esp_sec(spi, alg($id, $klen, 0, $icv), Alg::default()),
            shape: EspShape {
                iv: 8,
                block: 4,
                icv: $icv as usize,
                encrypts: true,
            },
        }
    };
}

macro_rules! gmac {
    ($name:literal, $id:expr, $klen:expr) => {
        EspAlg {
            name: $name,
            sec: |spi| {
                esp_sec(
                    spi,
                    alg(IPSEC_OFFLOAD_V2_ENCRYPTION_NONE, 0, 0, 0),
                    alg($id, $klen, 0, 16),
                )
            },
            shape: EspShape {
                iv: 8,
                block: 4,
                icv: 16,
                encrypts: false,
            },
        }
    };
}

macro_rules! cbc {
    ($name:literal, $enc:expr, $elen:expr, $iv:expr, $auth:expr, $alen:expr, $icv:expr) => {
        EspAlg {
            name: $name,
            sec: |spi| esp_sec(spi, alg($enc, $elen, 0, 0), alg($auth, $alen, $elen, 0)),
            shape: EspShape {
                iv: $iv,
                block: if $iv == 0 { 4 } else { $iv },
                icv: $icv,
                encrypts: $iv != 0,
            },
        }
    };
}

/// Every ESP transform the filter offers (30).
pub fn esp_algs() -> Vec<EspAlg> {
    use ipsecov2_abi::*;
    vec![
        gcm!("gcm128/8", IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128, 20, 8),
        gcm!("gcm128/12", IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128, 20, 12),
        gcm!("gcm128/16", IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128, 20, 16),
        gcm!("gcm192/8", IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192, 28, 8),
        gcm!("gcm192/12", IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192, 28, 12),
        gcm!("gcm192/16", IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192, 28, 16),
        gcm!("gcm256/8", IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256, 36, 8),
        gcm!("gcm256/12", IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256, 36, 12),
        gcm!("gcm256/16", IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256, 36, 16),
        gmac!("gmac128", IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_128, 20),
        gmac!("gmac192", IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_192, 28),
        gmac!("gmac256", IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_256, 36),
        cbc!(
            "null+md5",
            IPSEC_OFFLOAD_V2_ENCRYPTION_NONE,
            0,
            0,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5,
            16,
            12
        ),
        cbc!(
            "null+sha1",
            IPSEC_OFFLOAD_V2_ENCRYPTION_NONE,
            0,
            0,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
            20,
            12
        ),
        cbc!(
            "null+sha256",
            IPSEC_OFFLOAD_V2_ENCRYPTION_NONE,
            0,
            0,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256,
            32,
            16
        ),
        cbc!(
            "des+md5",
            IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC,
            8,
            8,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5,
            16,
            12
        ),
        cbc!(
            "des+sha1",
            IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC,
            8,
            8,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
            20,
            12
        ),
        cbc!(
            "des+sha256",
            IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC,
            8,
            8,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256,
            32,
            16
        ),
        cbc!(
            "3des+md5",
            IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC,
            24,
            8,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5,
            16,
            12
        ),
        cbc!(
            "3des+sha1",
            IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC,
            24,
            8,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
            20,
            12
        ),
        cbc!(
            "3des+sha256",
            IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC,
            24,
            8,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256,
            32,
            16
        ),
        cbc!(
            "aes128+md5",
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128,
            16,
            16,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5,
            16,
            12
        ),
        cbc!(
            "aes128+sha1",
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128,
            16,
            16,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
            20,
            12
        ),
        cbc!(
            "aes128+sha256",
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128,
            16,
            16,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256,
            32,
            16
        ),
        cbc!(
            "aes192+md5",
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192,
            24,
            16,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5,
            16,
            12
        ),
        cbc!(
            "aes192+sha1",
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192,
            24,
            16,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
            20,
            12
        ),
        cbc!(
            "aes192+sha256",
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192,
            24,
            16,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256,
            32,
            16
        ),
        cbc!(
            "aes256+md5",
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256,
            32,
            16,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5,
            16,
            12
        ),
        cbc!(
            "aes256+sha1",
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256,
            32,
            16,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
            20,
            12
        ),
        cbc!(
            "aes256+sha256",
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256,
            32,
            16,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256,
            32,
            16
        ),
    ]
}

fn ah_sec(spi: u32, auth: Alg) -> (Sec, Vec<u8>) {
    let len = auth.key_len as usize;
    (
        Sec {
            operation: IPsecOffloadV2Ah,
            spi,
            auth,
            ..Sec::default()
        },
        build::key(len, spi as u8),
    )
}

macro_rules! ah {
    ($name:literal, $id:expr, $klen:expr, $add:expr, $icv:expr, $gmac:expr) => {
        AhAlg {
            name: $name,
            sec: |spi| ah_sec(spi, alg($id, $klen, 0, $add)),
            shape: AhShape {
                icv: $icv,
                gmac: $gmac,
            },
        }
    };
}

/// Every AH transform the filter offers (6).
pub fn ah_algs() -> Vec<AhAlg> {
    vec![
        ah!("md5", IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5, 16, 0, 12, false),
        ah!(
            "sha1",
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
            20,
            0,
            12,
            false
        ),
        ah!(
            "sha256",
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256,
            32,
            0,
            16,
            false
        ),
        ah!(
            "gmac128",
            IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_128,
            20,
            16,
            16,
            true
        ),
        ah!(
            "gmac192",
            IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_192,
            28,
            16,
            16,
            true
        ),
        ah!(
            "gmac256",
            IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_256,
            36,
            16,
            16,
            true
        ),
    ]
}

/// IPv4 source of every frame and SA.
pub const V4_SRC: [u8; 4] = [192, 0, 2, 1];
/// IPv4 destination of every frame and SA.
pub const V4_DST: [u8; 4] = [192, 0, 2, 2];
/// IPv6 source of every frame and SA.
pub const V6_SRC: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
/// IPv6 destination of every frame and SA.
pub const V6_DST: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/// What [`bundle`] builds: the transforms of one ADD_SA element (ESP, AH, or ESP+AH, each with
/// its SPI) and how it is offloaded. The default is nothing offloaded, outbound, IPv4, no ESN,
/// no UDP encapsulation; start from [`BundleSpec::esp`] or [`BundleSpec::ah`] and add the rest:
/// `BundleSpec::esp(gcm, 0x100).with_ah(sha, 0x101).v6().inbound().esn()`.
#[derive(Clone, Copy, Debug, Default)]
pub struct BundleSpec<'a> {
    /// The ESP transform and its SPI.
    pub esp: Option<(&'a EspAlg, u32)>,
    /// The AH transform and its SPI.
    pub ah: Option<(&'a AhAlg, u32)>,
    /// IPv6 endpoints (`V6_SRC` → `V6_DST`) instead of IPv4 (`V4_SRC` → `V4_DST`).
    pub v6: bool,
    /// An inbound SA (`IPSEC_OFFLOAD_V2_INBOUND`) instead of an outbound one.
    pub inbound: bool,
    /// Extended sequence numbers (`IPSEC_OFFLOAD_V2_ESN_SA`, high bits 7).
    pub esn: bool,
    /// The UDP-ESP encapsulation field of the ADD_SA (0: none).
    pub udp: u32,
}

impl<'a> BundleSpec<'a> {
    /// An ESP-only bundle with SPI `spi`.
    pub fn esp(alg: &'a EspAlg, spi: u32) -> Self {
        Self {
            esp: Some((alg, spi)),
            ..Self::default()
        }
    }

    /// An AH-only bundle with SPI `spi`.
    pub fn ah(alg: &'a AhAlg, spi: u32) -> Self {
        Self {
            ah: Some((alg, spi)),
            ..Self::default()
        }
    }

    /// The same bundle with AH (SPI `spi`) added.
    #[must_use]
    pub fn with_ah(self, alg: &'a AhAlg, spi: u32) -> Self {
        Self {
            ah: Some((alg, spi)),
            ..self
        }
    }

    /// The same bundle over IPv6.
    #[must_use]
    pub fn v6(self) -> Self {
        Self { v6: true, ..self }
    }

    /// The same bundle as an inbound SA.
    #[must_use]
    pub fn inbound(self) -> Self {
        Self {
            inbound: true,
            ..self
        }
    }

    /// The same bundle with extended sequence numbers.
    #[must_use]
    pub fn esn(self) -> Self {
        Self { esn: true, ..self }
    }

    /// The same bundle with the UDP-ESP encapsulation field `udp`.
    #[must_use]
    pub fn udp(self, udp: u32) -> Self {
        Self { udp, ..self }
    }
}

/// An ADD_SA element for a bundle ([`BundleSpec`]); `inbound` picks the direction and swaps
/// nothing: the endpoints are always V*_SRC → V*_DST.
pub fn bundle(spec: BundleSpec<'_>) -> AddSa {
    let BundleSpec {
        esp,
        ah,
        v6,
        inbound,
        esn,
        udp,
    } = spec;
    let mut sas = [Sec::default(), Sec::default()];
    let mut keys = Vec::new();
    let mut n = 0;
    for (sec, k) in esp
        .map(|(a, spi)| (a.sec)(spi))
        .into_iter()
        .chain(ah.map(|(a, spi)| (a.sec)(spi)))
    {
        let mut s = sec;
        let base = keys.len() as u32;
        if s.enc.key_len != 0 {
            s.enc.key_off += base;
        }
        if s.auth.key_len != 0 {
            s.auth.key_off += base;
        }
        if esn {
            s.flags |= IPSEC_OFFLOAD_V2_ESN_SA;
            s.seq_high = 0x0000_0007;
        }
        sas[n] = s;
        n += 1;
        keys.extend_from_slice(&k);
    }
    if inbound && n == 2 && behaviour().inbound_ah_first {
        // Seed 004: the order "indicates the order in which the miniport driver should perform
        // the operations"; inbound, AH is checked before ESP is decrypted.
        sas.swap(0, 1);
    }
    let mut src = [0u8; 16];
    let mut dst = [0u8; 16];
    if v6 {
        src = V6_SRC;
        dst = V6_DST;
    } else {
        src[..4].copy_from_slice(&V4_SRC);
        dst[..4].copy_from_slice(&V4_DST);
    }
    AddSa {
        hdr_type: NDIS_OBJECT_TYPE_DEFAULT,
        hdr_revision: NDIS_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1,
        hdr_size: NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1,
        num_ext_hdrs: n as u32,
        flags: (if inbound { IPSEC_OFFLOAD_V2_INBOUND } else { 0 })
            | (if v6 { IPSEC_OFFLOAD_V2_IPv6 } else { 0 }),
        src,
        dst,
        udp_esp: udp,
        sa: sas,
        keys,
        switch_port: 0,
        vlan: 0,
    }
}

// ---------------------------------------------------------------------------------------------
// The framer: what TCP/IP hands the NIC under IPsecOV2.
// ---------------------------------------------------------------------------------------------

/// One layer of IPsec framing.
#[derive(Clone, Copy, Debug)]
pub struct Layer {
    /// ESP shape and SPI, if the layer has ESP.
    pub esp: Option<(EspShape, u32)>,
    /// AH shape and SPI, if the layer has AH.
    pub ah: Option<(AhShape, u32)>,
    /// ESP inside UDP 4500 (UDP-ESP).
    pub udp: bool,
}

/// An IP packet description.
#[derive(Clone, Debug)]
pub struct Ip {
    /// IPv6 (else IPv4).
    pub v6: bool,
    /// IPv4 options (Router Alert + NOPs) or IPv6 Hop-by-Hop + Destination options.
    pub extras: bool,
}

/// A framed frame and where its fields are, for checks.
#[derive(Clone, Debug)]
pub struct Framed {
    /// The Ethernet frame.
    pub frame: Vec<u8>,
    /// Slot 12 transmit value.
    pub header_info: u32,
    /// Byte ranges the engine writes on send (IVs, ICVs, AH GMAC IV / ICV field) — everything
    /// else must survive send + receive unchanged.
    pub written: Vec<(usize, usize)>,
    /// Byte ranges that are encrypted on the wire.
    pub encrypted: Vec<(usize, usize)>,
    /// (NextHeader, PadLength) of the outer ESP trailer.
    pub trailer: Option<(u8, u8)>,
}

/// Builds `ip header [ext] [AH] [UDP] [ESP hdr IV] inner [pad padlen nh ICV]` where `inner` is
/// the upper-layer payload with protocol `inner_proto`. Offsets are relative to the IP header.
/// Returns the IP packet bytes, the ESP and AH offsets, the written/encrypted ranges and trailer.
#[allow(clippy::type_complexity)]
pub fn frame_ip(
    ip: &Ip,
    layer: &Layer,
    seq: u32,
    inner: &[u8],
    inner_proto: u8,
) -> (
    Vec<u8>,
    Option<usize>,
    Option<usize>,
    Vec<(usize, usize)>,
    Vec<(usize, usize)>,
    Option<(u8, u8)>,
) {
    let mut p = Vec::new();
    let mut written = Vec::new();
    let mut encrypted = Vec::new();
    // Header placeholders; lengths fixed at the end.
    let mut nh_at;
    if ip.v6 {
        let mut h = [0u8; wire::IPV6_HEADER_LEN];
        let v6 = Ipv6Repr {
            src: V6_SRC,
            dst: V6_DST,
            next_header: 0,
            payload_len: 0,
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
        };
        v6.emit(&mut Ipv6Packet::new_unchecked(&mut h[..]))
            .expect("a 40-byte buffer holds the IPv6 header");
        p.extend_from_slice(&h);
        nh_at = wire::ipv6::field::NXT_HDR;
        if ip.extras {
            // Hop-by-Hop with a PadN option, then Destination Options (before AH/ESP).
            p[nh_at] = 0;
            nh_at = p.len();
            p.extend_from_slice(&[0, 0, 1, 4, 0, 0, 0, 0]);
            p[nh_at] = 60;
            nh_at = p.len();
            p.extend_from_slice(&[0, 0, 1, 4, 0, 0, 0, 0]);
        }
    } else {
        let mut h = [0u8; ipv4::HEADER_LEN];
        let v4 = Ipv4Repr {
            src: V4_SRC,
            dst: V4_DST,
            protocol: 0,
            payload_len: 0,
            ttl: 64,
            ident: 0x1234,
            flags_frag: ipv4::FLAG_DF,
            dscp_ecn: 0,
        };
        v4.emit(&mut Ipv4Packet::new_unchecked(&mut h[..]))
            .expect("a 20-byte buffer holds the IPv4 header");
        p.extend_from_slice(&h);
        if ip.extras {
            // Router Alert (immutable for AH): one 4-byte option.
            p.extend_from_slice(&[148, 4, 0, 0]);
            Ipv4Packet::new_unchecked(&mut p[..]).set_header_len(ipv4::HEADER_LEN + 4);
        }
        nh_at = ipv4::field::PROTOCOL;
    }
    let mut ah_off = None;
    let set_nh = |p: &mut Vec<u8>, at: usize, v: u8| p[at] = v;
    if let Some((ah, spi)) = layer.ah {
        set_nh(&mut p, nh_at, proto::AH);
        let off = p.len();
        ah_off = Some(off);
        let body = wire::AH_FIXED_LEN + if ah.gmac { 8 } else { 0 } + ah.icv;
        let align = if ip.v6 { 8 } else { 4 };
        let len = body.div_ceil(align) * align;
        p.resize(off + len, 0);
        let ah_hdr = AhRepr {
            next_header: 0,
            header_len: len,
            spi,
            seq,
        };
        ah_hdr
            .emit(&mut AhPacket::new_unchecked(&mut p[off..]))
            .expect("AH length is a multiple of 4, at least 12");
        written.push((off + wire::AH_FIXED_LEN, off + len));
        nh_at = off;
    }
    let mut esp_off = None;
    let mut trailer = None;
    if let Some((esp, spi)) = layer.esp {
        if layer.udp {
            set_nh(&mut p, nh_at, proto::UDP);
            let u = p.len();
            p.resize(u + wire::UDP_HEADER_LEN, 0);
            let udp = UdpRepr {
                src_port: NAT_T_PORT,
                dst_port: NAT_T_PORT,
                payload_len: 0,
                checksum: 0,
            };
            udp.emit(&mut UdpPacket::new_unchecked(&mut p[u..]))
                .expect("an 8-byte buffer holds the UDP header");
        } else {
            set_nh(&mut p, nh_at, proto::ESP);
        }
        let off = p.len();
        esp_off = Some(off);
        p.extend_from_slice(&EspRepr { spi, seq }.to_bytes());
        written.push((p.len(), p.len() + esp.iv));
        p.resize(p.len() + esp.iv, 0);
        let body_start = p.len();
        p.extend_from_slice(inner);
        let align = esp.block.max(4);
        let mut pad = 0usize;
        while !(inner.len() + pad + 2).is_multiple_of(align) {
            pad += 1;
        }
        for i in 1..=pad {
            p.push(i as u8);
        }
        p.push(pad as u8);
        p.push(inner_proto);
        if esp.encrypts {
            encrypted.push((body_start, p.len()));
        }
        written.push((p.len(), p.len() + esp.icv));
        p.resize(p.len() + esp.icv, 0);
        trailer = Some((inner_proto, pad as u8));
    } else {
        set_nh(&mut p, nh_at, inner_proto);
        p.extend_from_slice(inner);
    }
    if let Some(off) = ah_off {
        let nh = if esp_off.is_some() {
            if layer.udp {
                proto::UDP
            } else {
                proto::ESP
            }
        } else {
            inner_proto
        };
        AhPacket::new_unchecked(&mut p[off..]).set_next_header(nh);
    }
    // Lengths and checksums.
    if ip.v6 {
        let pl = (p.len() - wire::IPV6_HEADER_LEN) as u16;
        Ipv6Packet::new_unchecked(&mut p[..]).set_payload_len(pl);
    } else {
        let tl = p.len() as u16;
        let mut v4 = Ipv4Packet::new_unchecked(&mut p[..]);
        v4.set_total_len(tl);
        v4.fill_checksum();
    }
    if layer.udp {
        let u = esp_off.unwrap_or(wire::UDP_HEADER_LEN) - wire::UDP_HEADER_LEN;
        let ul = (p.len() - u) as u16;
        UdpPacket::new_unchecked(&mut p[u..]).set_len(ul);
        if ip.v6 {
            // The filter computes the IPv6 UDP checksum; it is an engine-written field.
            written.push((u + 6, u + 8));
        }
    }
    (p, esp_off, ah_off, written, encrypted, trailer)
}

/// Length of the Ethernet II header the framer writes.
pub const ETH: usize = wire::ETHERNET_HEADER_LEN;

fn eth(v6: bool) -> Vec<u8> {
    let e = EthernetRepr {
        dst: [0x02, 0, 0, 0, 0, 2],
        src: [0x02, 0, 0, 0, 0, 1],
        ethertype: if v6 {
            wire::ethertype::IPV6
        } else {
            wire::ethertype::IPV4
        },
    };
    e.to_bytes().to_vec()
}

fn shift(r: &[(usize, usize)], by: usize) -> Vec<(usize, usize)> {
    r.iter().map(|&(a, b)| (a + by, b + by)).collect()
}

/// The slot 12 transmit value TCP/IP sets: the ESP trailer's NextHeader and PadLength and the
/// ESP and AH header offsets (in 4-byte units, from the IP header).
fn slot12(trailer: Option<(u8, u8)>, esp: Option<usize>, ah: Option<usize>) -> u32 {
    let mut h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(0);
    if let Some((nh, pad)) = trailer {
        h.set_transmit_next_header(nh);
        h.set_transmit_pad_length(pad);
    }
    if let Some(o) = slot12_offset(esp) {
        h.set_transmit_esp_header_offset((o / 4) as u8);
    }
    if let Some(o) = slot12_offset(ah) {
        h.set_transmit_ah_header_offset((o / 4) as u8);
    }
    h.0
}

/// A single-layer frame: Ethernet + IP + layer + payload.
pub fn frame(ip: &Ip, layer: &Layer, seq: u32, payload: &[u8], proto: u8) -> Framed {
    let (p, esp, ah, written, encrypted, trailer) = frame_ip(ip, layer, seq, payload, proto);
    let mut f = eth(ip.v6);
    f.extend_from_slice(&p);
    Framed {
        frame: f,
        header_info: slot12(trailer, esp, ah),
        written: shift(&written, ETH),
        encrypted: shift(&encrypted, ETH),
        trailer,
    }
}

/// Transport over tunnel: an inner IP packet protected by `inner_layer` carried in the outer
/// packet's `outer_layer` (tunnel) ESP/AH. Slot 12 describes the outer headers.
pub fn frame_tunnel(
    outer: &Ip,
    outer_layer: &Layer,
    inner: &Ip,
    inner_layer: &Layer,
    seq: u32,
    payload: &[u8],
) -> Framed {
    let (ip_in, _, _, w_in, e_in, _) = frame_ip(inner, inner_layer, seq, payload, proto::TCP);
    let next = if inner.v6 { proto::IPV6 } else { proto::IPV4 };
    let (p, esp, ah, w_out, e_out, trailer) = frame_ip(outer, outer_layer, seq, &ip_in, next);
    // Where the inner packet starts inside the outer one.
    let inner_at = match (esp, outer_layer.esp) {
        (Some(o), Some((s, _))) => o + wire::ESP_HEADER_LEN + s.iv,
        _ => {
            let a = ah.unwrap_or(0);
            a + AhPacket::new_unchecked(&p[a..]).header_len()
        }
    };
    let mut f = eth(outer.v6);
    f.extend_from_slice(&p);
    let mut written = shift(&w_out, ETH);
    written.extend(shift(&w_in, ETH + inner_at));
    let mut encrypted = shift(&e_out, ETH);
    encrypted.extend(shift(&e_in, ETH + inner_at));
    Framed {
        frame: f,
        header_info: slot12(trailer, esp, ah),
        written,
        encrypted,
        trailer,
    }
}

// ---------------------------------------------------------------------------------------------
// Checksum offload requested on protected sends (TcpIpChecksumNetBufferListInfo).
// ---------------------------------------------------------------------------------------------

/// The checksum offloads TCP/IP asks of the NIC for one protected send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChecksumOffload {
    /// IPv4 header checksums (`IpHeaderChecksum`; the outer and, in tunnel mode, the inner one).
    pub ip: bool,
    /// The protected TCP segment's checksum (`TcpChecksum`).
    pub tcp: bool,
    /// The protected UDP datagram's checksum, and UDP-ESP's outer one (`UdpChecksum`).
    pub udp: bool,
}

/// A protected frame whose checksums TCP/IP left to the NIC.
#[derive(Clone, Debug)]
pub struct ChecksumFramed {
    /// What TCP/IP hands the NIC: the offloaded checksum fields are zero. `written` also covers
    /// UDP-ESP's UDP checksum over IPv4 when UDP checksum offload is asked (it covers ciphertext).
    pub sent: Framed,
    /// The same frame as it must be once the checksums are done (before encryption): what a
    /// peer decrypts.
    pub expected: Vec<u8>,
    /// The `TcpIpChecksumNetBufferListInfo` value.
    pub slot: usize,
}

impl ChecksumFramed {
    /// `sent` with the expected bytes (for the comparisons of what the peer decrypts).
    pub fn expected_framed(&self) -> Framed {
        Framed {
            frame: self.expected.clone(),
            ..self.sent.clone()
        }
    }
}

/// A TCP segment: ports 49152 → 443, sequence 1, a 20-byte header (ACK|PSH, window 512),
/// `payload`, checksum 0.
pub fn tcp_segment(payload: &[u8]) -> Vec<u8> {
    let mut s = vec![
        0xc0, 0x00, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0x02, 0x00,
    ];
    s.extend_from_slice(&[0, 0, 0, 0]);
    s.extend_from_slice(payload);
    s
}

/// A UDP datagram: ports 49152 → 53, length set, `payload`, checksum 0.
pub fn udp_datagram(payload: &[u8]) -> Vec<u8> {
    let len = (wire::UDP_HEADER_LEN + payload.len()) as u16;
    let mut s = vec![0xc0, 0x00, 0x00, 0x35];
    s.extend_from_slice(&len.to_be_bytes());
    s.extend_from_slice(&[0, 0]);
    s.extend_from_slice(payload);
    s
}

/// The TCP (`upper` 6) or UDP (17) checksum of `seg` (checksum field zero) between the
/// framer's endpoints, IPv6 or IPv4 (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1).
pub fn upper_checksum(v6: bool, upper: u8, seg: &[u8]) -> u16 {
    let mut pseudo = Vec::new();
    if v6 {
        pseudo.extend_from_slice(&V6_SRC);
        pseudo.extend_from_slice(&V6_DST);
        pseudo.extend_from_slice(&(seg.len() as u32).to_be_bytes());
        pseudo.extend_from_slice(&[0, 0, 0, upper]);
    } else {
        pseudo.extend_from_slice(&V4_SRC);
        pseudo.extend_from_slice(&V4_DST);
        pseudo.extend_from_slice(&[0, upper]);
        pseudo.extend_from_slice(&(seg.len() as u16).to_be_bytes());
    }
    let sum = wire::checksum::accumulate(seg, wire::checksum::accumulate(&pseudo, 0));
    match !wire::checksum::fold(sum) {
        0 if upper == proto::UDP => 0xffff,
        c => c,
    }
}

/// What TCP/IP hands the NIC for a TCP (`upper` 6) or UDP (17) segment of `payload`, protected
/// by `layer` in transport mode or (`tunnel`) inside an inner IP packet of the same family,
/// with the checksum offloads `req` asked: those checksums are left zero in `sent`, the others
/// computed as TCP/IP computes them; `expected` has all of them. (IPv4 header checksum offload
/// does not exist over IPv6.)
pub fn frame_checksummed(
    outer: &Ip,
    layer: &Layer,
    tunnel: bool,
    seq: u32,
    upper: u8,
    payload: &[u8],
    req: ChecksumOffload,
) -> ChecksumFramed {
    let mut seg = if upper == proto::TCP {
        tcp_segment(payload)
    } else {
        udp_datagram(payload)
    };
    let at = if upper == proto::TCP { 16 } else { 6 };
    let sum = upper_checksum(outer.v6, upper, &seg);
    let offloaded_l4 = (upper == proto::TCP && req.tcp) || (upper == proto::UDP && req.udp);
    let offloaded_ip = req.ip && !outer.v6;
    let build = |seg: &[u8], zero_ip: bool| -> Framed {
        let mut f = if tunnel {
            let plain = Layer {
                esp: None,
                ah: None,
                udp: false,
            };
            let (mut inner, ..) = frame_ip(
                &Ip {
                    v6: outer.v6,
                    extras: false,
                },
                &plain,
                seq,
                seg,
                upper,
            );
            if zero_ip && !outer.v6 {
                inner[ipv4::field::CHECKSUM].fill(0);
            }
            let next = if outer.v6 { proto::IPV6 } else { proto::IPV4 };
            frame(outer, layer, seq, &inner, next)
        } else {
            frame(outer, layer, seq, seg, upper)
        };
        if zero_ip && !outer.v6 {
            f.frame[ETH..][ipv4::field::CHECKSUM].fill(0);
        }
        f
    };
    seg[at..at + 2].copy_from_slice(&sum.to_be_bytes());
    let expected = build(&seg, false).frame;
    if offloaded_l4 {
        seg[at..at + 2].fill(0);
    }
    let mut sent = build(&seg, offloaded_ip);
    if layer.udp && req.udp && !outer.v6 {
        // The NIC computes UDP-ESP's checksum over the ciphertext: not known here.
        let u = ETH + udp_esp_offset(&sent.frame).unwrap_or(0);
        sent.written.push((u + 6, u + 8));
    }
    let mut c = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::default();
    c.set_transmit_is_ipv4(!outer.v6);
    c.set_transmit_is_ipv6(outer.v6);
    c.set_transmit_ip_header_checksum(offloaded_ip);
    c.set_transmit_tcp_checksum(req.tcp);
    c.set_transmit_udp_checksum(req.udp);
    ChecksumFramed {
        sent,
        expected,
        slot: c.Value,
    }
}

/// [`frame_checksummed`] for transport mode over a tunnel ([`frame_tunnel`]): a TCP segment of
/// `payload` under `inner_layer` in an `inner` packet carried by the `outer_layer` tunnel. With
/// `req.ip` both IPv4 header checksums are left to the NIC, with `req.tcp` the segment's.
pub fn frame_tunnel_checksummed(
    outer: &Ip,
    outer_layer: &Layer,
    inner: &Ip,
    inner_layer: &Layer,
    seq: u32,
    payload: &[u8],
    req: ChecksumOffload,
) -> ChecksumFramed {
    let mut seg = tcp_segment(payload);
    let sum = upper_checksum(inner.v6, proto::TCP, &seg);
    seg[16..18].copy_from_slice(&sum.to_be_bytes());
    let expected = frame_tunnel(outer, outer_layer, inner, inner_layer, seq, &seg).frame;
    if req.tcp {
        seg[16..18].fill(0);
    }
    let mut sent = frame_tunnel(outer, outer_layer, inner, inner_layer, seq, &seg);
    if req.ip {
        let h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(sent.header_info);
        let inner_at = match outer_layer.esp {
            Some((s, _)) => {
                usize::from(h.transmit_esp_header_offset()) * 4 + wire::ESP_HEADER_LEN + s.iv
            }
            None => {
                let a = usize::from(h.transmit_ah_header_offset()) * 4;
                a + AhPacket::new_unchecked(&sent.frame[ETH + a..]).header_len()
            }
        };
        if !inner.v6 {
            sent.frame[ETH + inner_at..][ipv4::field::CHECKSUM].fill(0);
        }
        if !outer.v6 {
            sent.frame[ETH..][ipv4::field::CHECKSUM].fill(0);
        }
    }
    let mut c = NDIS_TCP_IP_CHECKSUM_NET_BUFFER_LIST_INFO::default();
    c.set_transmit_is_ipv4(!outer.v6);
    c.set_transmit_is_ipv6(outer.v6);
    c.set_transmit_ip_header_checksum(req.ip && (!outer.v6 || !inner.v6));
    c.set_transmit_tcp_checksum(req.tcp);
    ChecksumFramed {
        sent,
        expected,
        slot: c.Value,
    }
}

/// Offset of UDP-ESP's UDP header from the IP header of an Ethernet frame, and the datagram's
/// end (`None` when the frame is not UDP-ESP).
pub fn udp_esp_offset(frame: &[u8]) -> Option<usize> {
    wire::locate_ipsec(frame.get(ETH..)?)
        .ok()
        .and_then(|l| match l.kind {
            wire::IpsecKind::UdpEsp { udp_offset } => Some(udp_offset),
            _ => None,
        })
}

/// `frame` with the `written` ranges zeroed (for comparisons).
pub fn masked(frame: &[u8], written: &[(usize, usize)]) -> Vec<u8> {
    let mut f = frame.to_vec();
    for &(a, b) in written {
        for x in &mut f[a..b.min(frame.len())] {
            *x = 0;
        }
    }
    f
}

// ---------------------------------------------------------------------------------------------
// Chains and the recording sink.
// ---------------------------------------------------------------------------------------------

/// The segmentation every emulated NBL uses: backfill, slack, MDLs up to 64 bytes, 20 % one-byte MDLs.
pub fn seg() -> Segmentation {
    Segmentation {
        max_backfill: 48,
        max_slack: 16,
        max_mdl_size: 64,
        one_byte_percent: 20,
    }
}

/// An NBL spec of one NET_BUFFER per frame, randomly segmented, with the given send slots.
pub fn send_nbl(
    rng: &mut SplitMix64,
    frames: &[&[u8]],
    handle: u64,
    tunnel: u64,
    header: u32,
) -> NblSpec {
    let mut s = NblSpec::new(
        frames
            .iter()
            .map(|f| NbSpec::new(f.to_vec(), MdlLayout::random(rng, f.len() as u32, &seg())))
            .collect(),
    );
    if handle != 0 {
        s.info
            .push((IPsecOffloadV2NetBufferListInfo, handle as usize));
    }
    if tunnel != 0 {
        s.info
            .push((IPsecOffloadV2TunnelNetBufferListInfo, tunnel as usize));
    }
    if header != 0 {
        s.info
            .push((IPsecOffloadV2HeaderNetBufferListInfo, header as usize));
    }
    s
}

/// The receive view of one indicated NBL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvView {
    /// `CryptoDone`.
    pub crypto_done: bool,
    /// `NextCryptoDone`.
    pub next_crypto_done: bool,
    /// `CryptoStatus`.
    pub status: u16,
    /// `SaDeleteReq`.
    pub delete_req: bool,
    /// `HeaderInfoSet` (slot 12).
    pub header_set: bool,
    /// Slot 12 `NextHeader`.
    pub next_header: u8,
    /// Slot 12 `PadLength`.
    pub pad: u8,
}

/// The IPsecOV2 receive slots of NBL `nbl` of `owned` (after the filter's receive).
pub fn recv_view(owned: &OwnedNblChain, nbl: usize) -> RecvView {
    let v = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO(
        owned
            .info(nbl, IPsecOffloadV2NetBufferListInfo)
            .unwrap_or(0),
    );
    let h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(
        owned
            .info(nbl, IPsecOffloadV2HeaderNetBufferListInfo)
            .unwrap_or(0) as u32,
    );
    RecvView::from_slots(v, h)
}

impl RecvView {
    /// The view of a received NBL's slot 1 and slot 12 values.
    #[must_use]
    pub fn from_slots(
        v: NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO,
        h: NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO,
    ) -> Self {
        Self {
            crypto_done: v.receive_crypto_done(),
            next_crypto_done: v.receive_next_crypto_done(),
            status: v.receive_crypto_status(),
            delete_req: v.receive_sa_delete_req(),
            header_set: h.receive_header_info_set(),
            next_header: h.receive_next_header(),
            pad: h.receive_pad_length(),
        }
    }
}

/// A receive NBL spec: one NET_BUFFER holding `frame`, randomly segmented, with `nbl_flags`.
pub fn recv_nbl(rng: &mut SplitMix64, frame: &[u8], nbl_flags: u32) -> NblSpec {
    let mut s = NblSpec::new(vec![NbSpec::new(
        frame.to_vec(),
        MdlLayout::random(rng, frame.len() as u32, &seg()),
    )]);
    s.nbl_flags = nbl_flags;
    s
}

/// What an untouched receive indication looks like.
pub const UNTOUCHED: RecvView = RecvView {
    crypto_done: false,
    next_crypto_done: false,
    status: 0,
    delete_req: false,
    header_set: false,
    next_header: 0,
    pad: 0,
};

// ---------------------------------------------------------------------------------------------
// Behaviours the real TCP/IP may show where the documents are silent (issue 15), as options.
// ---------------------------------------------------------------------------------------------

/// Where the emulated TCP/IP puts slot 12's header offsets on send.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Slot12Offsets {
    /// The offsets of the ESP and AH headers (what the sending page describes).
    #[default]
    Exact,
    /// Both offsets 0 (only the trailer values are set).
    Zero,
    /// Every offset one 4-byte unit too far.
    Wrong,
}

/// How the emulated TCP/IP behaves where the IPsecOV2 documents leave room (issue 15). The
/// default is the project's own reading; each option is one alternative TCP/IP may show.
/// Set per thread ([`with_behaviour`]); threads a case spawns take it over with
/// [`set_behaviour`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpipBehaviour {
    /// ADD_SA / DELETE_SA list elements after the first in separate allocations (`Next` points
    /// outside the InformationBuffer).
    pub separate_elements: bool,
    /// Inbound ESP+AH bundles listed in processing order: `[AH, ESP]`.
    pub inbound_ah_first: bool,
    /// Slot 12's header offsets on send.
    pub slot12: Slot12Offsets,
    /// The UDP-ESP type of a transport-over-tunnel pair on both SAs of the pair.
    pub udp_esp_both: bool,
    /// UPDATE_SA arrives while packets of both ESN epochs are in flight.
    pub update_in_flight: bool,
}

thread_local! {
    static BEHAVIOUR: core::cell::Cell<TcpipBehaviour> =
        const { core::cell::Cell::new(TcpipBehaviour {
            separate_elements: false,
            inbound_ah_first: false,
            slot12: Slot12Offsets::Exact,
            udp_esp_both: false,
            update_in_flight: false,
        }) };
}

/// The calling thread's TCP/IP behaviour.
#[must_use]
pub fn behaviour() -> TcpipBehaviour {
    BEHAVIOUR.with(core::cell::Cell::get)
}

/// Sets the calling thread's TCP/IP behaviour (for threads a case spawns).
pub fn set_behaviour(b: TcpipBehaviour) {
    BEHAVIOUR.with(|c| c.set(b));
}

/// Runs `f` with behaviour `b` on this thread, then restores the previous one.
pub fn with_behaviour<R>(b: TcpipBehaviour, f: impl FnOnce() -> R) -> R {
    let before = behaviour();
    set_behaviour(b);
    let r = f();
    set_behaviour(before);
    r
}

/// Every alternative behaviour, by name (one option set each).
#[must_use]
pub fn behaviour_options() -> Vec<(&'static str, TcpipBehaviour)> {
    let d = TcpipBehaviour::default();
    vec![
        (
            "separate-list-elements",
            TcpipBehaviour {
                separate_elements: true,
                ..d
            },
        ),
        (
            "inbound-ah-esp-order",
            TcpipBehaviour {
                inbound_ah_first: true,
                ..d
            },
        ),
        (
            "update-sa-in-flight",
            TcpipBehaviour {
                update_in_flight: true,
                ..d
            },
        ),
        (
            "slot12-zero-offsets",
            TcpipBehaviour {
                slot12: Slot12Offsets::Zero,
                ..d
            },
        ),
        (
            "slot12-wrong-offsets",
            TcpipBehaviour {
                slot12: Slot12Offsets::Wrong,
                ..d
            },
        ),
        (
            "udp-esp-type-on-both-sas",
            TcpipBehaviour {
                udp_esp_both: true,
                ..d
            },
        ),
    ]
}

/// Slot 12's offsets as the current behaviour writes them (`None`: 0).
fn slot12_offset(o: Option<usize>) -> Option<usize> {
    match behaviour().slot12 {
        Slot12Offsets::Exact => o,
        Slot12Offsets::Zero => None,
        Slot12Offsets::Wrong => o.map(|o| o + 4),
    }
}

/// The UDP-ESP types of a transport-over-tunnel pair whose tunnel layer (`outer_udp`) or
/// transport layer (`inner_udp`) is UDP-encapsulated: `(tunnel SA, transport SA)`. The type is
/// `TRANSPORT_OVER_UDP_ESP_ENCAPSULATION_TUNNEL` or `UDP_ESP_ENCAPSULATION_TRANSPORT_OVER_TUNNEL`;
/// by default only on the SA of the encapsulated layer, with
/// [`TcpipBehaviour::udp_esp_both`] on both.
#[must_use]
pub fn pair_udp_types(outer_udp: bool, inner_udp: bool) -> (u32, u32) {
    let ty = match (outer_udp, inner_udp) {
        (true, false) => IPSEC_OFFLOAD_V2_TRANSPORT_OVER_UDP_ESP_ENCAPSULATION_TUNNEL,
        (false, true) => IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT_OVER_TUNNEL,
        _ => 0,
    };
    if behaviour().udp_esp_both {
        (ty, ty)
    } else {
        (
            if outer_udp { ty } else { 0 },
            if inner_udp { ty } else { 0 },
        )
    }
}

/// Where separately allocated list elements pretend to live (element `i` at
/// `SEPARATE_BASE + i * 0x1000`).
pub const SEPARATE_BASE: u64 = 0xffff_c000_5678_0000;

/// List elements outside the InformationBuffer: the memory the emulated TCP/IP allocated them
/// in, readable and writable by address (what the driver shell does with a pointer).
#[derive(Clone, Debug, Default)]
pub struct ElementMemory {
    /// `(address, bytes)` of every separate allocation.
    pub regions: Vec<(u64, Vec<u8>)>,
}

impl ElementMemory {
    fn region(&mut self, address: u64, len: usize) -> Option<&mut [u8]> {
        self.regions.iter_mut().find_map(|(base, bytes)| {
            let off = usize::try_from(address.checked_sub(*base)?).ok()?;
            bytes.get_mut(off..off.checked_add(len)?)
        })
    }

    /// Copies `dst.len()` bytes at `address`; false if no allocation holds them.
    pub fn read(&mut self, address: u64, dst: &mut [u8]) -> bool {
        match self.region(address, dst.len()) {
            Some(r) => {
                dst.copy_from_slice(r);
                true
            }
            None => false,
        }
    }

    /// Writes `src` at `address`; false if no allocation holds it.
    pub fn write(&mut self, address: u64, src: &[u8]) -> bool {
        match self.region(address, src.len()) {
            Some(r) => {
                r.copy_from_slice(src);
                true
            }
            None => false,
        }
    }
}

/// A `Next`-chained list as TCP/IP may hand it: the first element in the InformationBuffer
/// (at [`crate::oid_buffers::BASE`]), with [`TcpipBehaviour::separate_elements`] every other
/// one in its own allocation.
#[derive(Clone, Debug)]
pub struct LinkedList {
    /// The InformationBuffer.
    pub first: Vec<u8>,
    /// The other elements' allocations (empty when the list lies in the buffer).
    pub memory: ElementMemory,
    /// Per element: its address.
    pub elements: Vec<u64>,
}

impl LinkedList {
    /// Lays out the contiguous list `buf` (elements at `offsets`, `Next` at `next_field`) the
    /// way the current behaviour does.
    #[must_use]
    pub fn new(buf: Vec<u8>, offsets: &[usize], next_field: usize) -> Self {
        let base = build::BASE;
        if !behaviour().separate_elements || offsets.len() < 2 {
            return Self {
                elements: offsets.iter().map(|&o| base + o as u64).collect(),
                first: buf,
                memory: ElementMemory::default(),
            };
        }
        let ends: Vec<usize> = offsets.iter().skip(1).copied().chain([buf.len()]).collect();
        let mut pieces: Vec<Vec<u8>> = offsets
            .iter()
            .zip(&ends)
            .map(|(&a, &b)| buf[a..b].to_vec())
            .collect();
        let addresses: Vec<u64> = (0..pieces.len())
            .map(|i| {
                if i == 0 {
                    base
                } else {
                    SEPARATE_BASE + 0x1000 * i as u64
                }
            })
            .collect();
        for (i, piece) in pieces.iter_mut().enumerate() {
            let next = addresses.get(i + 1).copied().unwrap_or(0);
            piece[next_field..next_field + 8].copy_from_slice(&next.to_le_bytes());
        }
        let mut it = pieces.into_iter();
        let first = it.next().unwrap_or_default();
        Self {
            first,
            memory: ElementMemory {
                regions: addresses.iter().skip(1).copied().zip(it).collect(),
            },
            elements: addresses,
        }
    }

    /// The u64 at `field` of element `i` (e.g. its OffloadHandle after ADD_SA).
    #[must_use]
    pub fn u64_of(&mut self, i: usize, field: usize) -> u64 {
        let Some(&a) = self.elements.get(i) else {
            return 0;
        };
        let mut b = [0u8; 8];
        let ok = if a >= build::BASE && a < build::BASE + self.first.len() as u64 {
            let off = (a - build::BASE) as usize + field;
            self.first
                .get(off..off + 8)
                .map(|s| b.copy_from_slice(s))
                .is_some()
        } else {
            self.memory.read(a + field as u64, &mut b)
        };
        if ok {
            u64::from_le_bytes(b)
        } else {
            0
        }
    }

    /// Runs `f` over the request's InformationBuffer as the driver shell presents it to the
    /// filter module (see [`shell_list_view`]).
    pub fn with_view<R>(
        &mut self,
        oid: NDIS_OID,
        f: impl FnOnce(&mut ipsecov2_oid::InfoBuffer<'_>) -> R,
    ) -> R {
        shell_list_view(
            oid,
            true,
            &mut self.first,
            build::BASE,
            &mut self.memory,
            |b, a| f(&mut ipsecov2_oid::InfoBuffer::new(b, a)),
        )
    }
}

/// What the driver shell does with the InformationBuffer of an IPsecOV2 list OID before the
/// filter module sees it (`drivers/ipsecov2-lwf/src/shell/port.rs`, through
/// [`ipsecov2_oid::with_list_view`]), with the emulated TCP/IP's separate allocations in place
/// of kernel memory.
pub fn shell_list_view<R>(
    oid: NDIS_OID,
    set: bool,
    buffer: &mut [u8],
    base: u64,
    memory: &mut ElementMemory,
    f: impl FnOnce(&mut [u8], u64) -> R,
) -> R {
    ipsecov2_oid::with_list_view(oid, set, buffer, base, memory, f)
}

impl ipsecov2_oid::ListMemory for ElementMemory {
    fn read(&mut self, address: u64, dst: &mut [u8]) -> bool {
        ElementMemory::read(self, address, dst)
    }

    fn write(&mut self, address: u64, src: &[u8]) -> bool {
        ElementMemory::write(self, address, src)
    }
}

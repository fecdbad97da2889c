//! The transforms the filter offers as ADD_SA elements (ESP and AH, with what the framer needs
//! to know of each) and the bundles TCP/IP offloads ([`bundle`]).

use crate::oid_buffers::{self as build, AddSa, Alg, Sec};
use ipsecov2_abi::*;

use super::*;

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

pub(super) fn alg(id: u32, key_len: u32, key_off: u32, additional: u32) -> Alg {
    Alg {
        id,
        key_len,
        key_off,
        additional,
    }
}

pub(super) fn esp_sec(spi: u32, enc: Alg, auth: Alg) -> (Sec, Vec<u8>) {
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

pub(super) fn ah_sec(spi: u32, auth: Alg) -> (Sec, Vec<u8>) {
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

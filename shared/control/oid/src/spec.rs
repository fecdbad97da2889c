//! Typed, validated requests: what a decoded OID asks for, with every field checked.

/// IP version of an SA's endpoints (ADD_SA `Flags & IPSEC_OFFLOAD_V2_IPv6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IpVersion {
    /// IPv4: addresses are the first 4 bytes.
    V4,
    /// IPv6.
    V6,
}

/// An endpoint address as stored in the structure (network byte order). All-zero is a wildcard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Address {
    /// IP version.
    pub version: IpVersion,
    /// The address bytes; for IPv4 only the first four are meaningful, the rest are zero.
    pub bytes: [u8; 16],
}

impl Address {
    /// The meaningful bytes (4 for IPv4, 16 for IPv6).
    pub fn as_slice(&self) -> &[u8] {
        match self.version {
            IpVersion::V4 => self.bytes.get(..4).unwrap_or(&[]),
            IpVersion::V6 => &self.bytes,
        }
    }

    /// True when the address is a wildcard (all zero).
    pub fn is_wildcard(&self) -> bool {
        self.bytes.iter().all(|&b| b == 0)
    }
}

/// IPsec protocol of one element of an SA bundle (`IPSEC_OFFLOAD_V2_OPERATION`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IpsecProtocol {
    /// Authentication Header (IPsecOffloadV2Ah), IP protocol 51.
    Ah,
    /// Encapsulating Security Payload (IPsecOffloadV2Esp), IP protocol 50.
    Esp,
}

impl IpsecProtocol {
    /// IP protocol number.
    pub fn ip_protocol(self) -> u8 {
        match self {
            Self::Ah => 51,
            Self::Esp => 50,
        }
    }
}

/// AES key size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AesKeySize {
    /// 128-bit key.
    Aes128,
    /// 192-bit key.
    Aes192,
    /// 256-bit key.
    Aes256,
}

impl AesKeySize {
    /// Key length in bytes (without any salt).
    pub fn key_bytes(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }
}

/// Length of the GCM/GMAC salt that follows the AES key in the key material (RFC 4106 §8.1,
/// RFC 4543 §3.2).
pub const GCM_SALT_BYTES: usize = 4;

/// ESP confidentiality transform (or the combined-mode AEAD).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encryption {
    /// No encryption: AH, or ESP with NULL encryption (RFC 2410).
    Null,
    /// DES-CBC (legacy, weak).
    DesCbc,
    /// 3DES-CBC (legacy, weak).
    TripleDesCbc,
    /// AES-CBC (RFC 3602).
    AesCbc(AesKeySize),
    /// AES-GCM (RFC 4106) with an ICV of 8, 12 or 16 bytes; key material = key || 4-byte salt.
    AesGcm {
        /// AES key size.
        key: AesKeySize,
        /// ICV length in bytes (8, 12 or 16).
        icv_len: u8,
    },
}

impl Encryption {
    /// Required key-material length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Null => 0,
            Self::DesCbc => 8,
            Self::TripleDesCbc => 24,
            Self::AesCbc(k) => k.key_bytes(),
            Self::AesGcm { key, .. } => key.key_bytes() + GCM_SALT_BYTES,
        }
    }
}

/// Integrity transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Integrity {
    /// None (ESP encryption-only, or the integrity of a combined-mode AEAD).
    None,
    /// HMAC-MD5-96 (RFC 2403).
    HmacMd5_96,
    /// HMAC-SHA1-96 (RFC 2404).
    HmacSha1_96,
    /// HMAC-SHA-256-128 (RFC 4868).
    HmacSha256_128,
    /// AES-GMAC (RFC 4543), 16-byte ICV; key material = key || 4-byte salt.
    AesGmac(AesKeySize),
}

impl Integrity {
    /// Required key-material length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::None => 0,
            Self::HmacMd5_96 => 16,
            Self::HmacSha1_96 => 20,
            Self::HmacSha256_128 => 32,
            Self::AesGmac(k) => k.key_bytes() + GCM_SALT_BYTES,
        }
    }
}

/// One validated IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION: a single ESP or AH SA of a bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecAssocSpec<'a> {
    /// ESP or AH.
    pub protocol: IpsecProtocol,
    /// SPI (host value; the structure holds it in network byte order).
    pub spi: u32,
    /// Extended sequence numbers (IPSEC_OFFLOAD_V2_ESN_SA).
    pub esn: bool,
    /// Initial high-order 32 bits of the sequence number (meaningful only with `esn`).
    pub seq_high: u32,
    /// Confidentiality transform (`Null` for AH).
    pub encryption: Encryption,
    /// Key material of the confidentiality transform (key || salt for AES-GCM).
    pub encryption_key: &'a [u8],
    /// Integrity transform (`None` for AES-GCM, whose integrity is combined).
    pub integrity: Integrity,
    /// Key material of the integrity transform (key || salt for AES-GMAC).
    pub integrity_key: &'a [u8],
}

/// The SAs of one bundle, in processing order (the only combination the docs allow for two is
/// ESP followed by AH).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle<'a> {
    /// A single ESP SA.
    Esp(SecAssocSpec<'a>),
    /// A single AH SA.
    Ah(SecAssocSpec<'a>),
    /// ESP followed by AH.
    EspAh {
        /// The ESP SA (`SecAssoc[0]`).
        esp: SecAssocSpec<'a>,
        /// The AH SA (`SecAssoc[1]`).
        ah: SecAssocSpec<'a>,
    },
}

impl<'a> Bundle<'a> {
    /// The SAs in processing order.
    pub fn sas(&self) -> impl Iterator<Item = &SecAssocSpec<'a>> {
        let (first, second) = match self {
            Self::Esp(s) | Self::Ah(s) => (s, None),
            Self::EspAh { esp, ah } => (esp, Some(ah)),
        };
        core::iter::once(first).chain(second)
    }

    /// The SA of `protocol`, if the bundle has one.
    pub fn get(&self, protocol: IpsecProtocol) -> Option<&SecAssocSpec<'a>> {
        self.sas().find(|s| s.protocol == protocol)
    }
}

/// UDP-ESP encapsulation bits (IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_*), validated to contain
/// only known bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct UdpEspEncapsulation(pub u32);

impl UdpEspEncapsulation {
    /// No UDP encapsulation.
    pub fn is_none(self) -> bool {
        self.0 == 0
    }
}

/// A validated SA bundle from ADD_SA or ADD_SA_EX: everything needed to prepare it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaSpec<'a> {
    /// Inbound (IPSEC_OFFLOAD_V2_INBOUND) or outbound.
    pub inbound: bool,
    /// Source endpoint (wildcard when zero).
    pub source: Address,
    /// Destination endpoint (wildcard when zero).
    pub destination: Address,
    /// UDP-ESP encapsulation type(s).
    pub udp_esp: UdpEspEncapsulation,
    /// The SAs.
    pub bundle: Bundle<'a>,
    /// ADD_SA_EX only: `SourceSwitchPortId` and `VlanId`.
    pub switch: Option<(u32, u16)>,
}

//! Typed algorithm identifiers. A glue layer maps the NDIS IPsecOV2
//! algorithm bits onto these; the engine never sees NDIS constants.

/// AES key size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AesKeySize {
    /// 128-bit key.
    Aes128,
    /// 192-bit key.
    Aes192,
    /// 256-bit key.
    Aes256,
}

impl AesKeySize {
    /// AES key length in bytes (without any salt).
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }
}

/// ICV length for AES-GCM (RFC 4106 §6 allows 8, 12 or 16 octets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GcmIcvLen {
    /// 8-octet ICV.
    Icv8,
    /// 12-octet ICV.
    Icv12,
    /// 16-octet ICV.
    Icv16,
}

impl GcmIcvLen {
    /// Length in bytes.
    pub const fn bytes(self) -> usize {
        match self {
            Self::Icv8 => 8,
            Self::Icv12 => 12,
            Self::Icv16 => 16,
        }
    }
}

/// ESP encryption (confidentiality) transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EspEncryption {
    /// NULL encryption (RFC 2410): requires a separate integrity algorithm.
    Null,
    /// DES-CBC (RFC 2405). Legacy and weak (56-bit key): for interoperability only.
    DesCbc,
    /// 3DES-EDE-CBC (RFC 2451). Legacy and weak (64-bit block, ~112-bit
    /// security): for interoperability only.
    TripleDesCbc,
    /// AES-CBC with explicit 16-byte IV (RFC 3602).
    AesCbc(AesKeySize),
    /// AES-GCM combined mode (RFC 4106). Key material = AES key || 4-byte salt.
    AesGcm(AesKeySize, GcmIcvLen),
    /// ESP with NULL encryption and AES-GMAC authentication (RFC 4543).
    /// Key material = AES key || 4-byte salt. ICV is 16 octets.
    AesGmac(AesKeySize),
}

impl EspEncryption {
    /// Whether this is a combined-mode transform (integrity included).
    pub const fn is_combined(self) -> bool {
        matches!(self, Self::AesGcm(..) | Self::AesGmac(_))
    }

    /// Required key material length in bytes (GCM/GMAC include the 4-byte salt).
    pub const fn key_len(self) -> usize {
        match self {
            Self::Null => 0,
            Self::DesCbc => 8,
            Self::TripleDesCbc => 24,
            Self::AesCbc(k) => k.key_len(),
            Self::AesGcm(k, _) | Self::AesGmac(k) => k.key_len() + 4,
        }
    }

    /// Length of the explicit IV carried in each packet.
    pub const fn iv_len(self) -> usize {
        match self {
            Self::Null => 0,
            Self::DesCbc | Self::TripleDesCbc => 8,
            Self::AesCbc(_) => 16,
            Self::AesGcm(..) | Self::AesGmac(_) => 8,
        }
    }

    /// Block size the encrypted part must be a multiple of (1 for stream-like modes).
    pub const fn block_size(self) -> usize {
        match self {
            Self::DesCbc | Self::TripleDesCbc => 8,
            Self::AesCbc(_) => 16,
            Self::Null | Self::AesGcm(..) | Self::AesGmac(_) => 1,
        }
    }
}

/// ESP integrity transform (used with non-combined encryption).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EspIntegrity {
    /// No separate integrity (only valid with combined modes).
    None,
    /// HMAC-MD5-96 (RFC 2403), 16-byte key.
    HmacMd5_96,
    /// HMAC-SHA1-96 (RFC 2404), 20-byte key.
    HmacSha1_96,
    /// HMAC-SHA-256-128 (RFC 4868), 32-byte key.
    HmacSha256_128,
}

impl EspIntegrity {
    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::None => 0,
            Self::HmacMd5_96 => 16,
            Self::HmacSha1_96 => 20,
            Self::HmacSha256_128 => 32,
        }
    }

    /// ICV length in bytes.
    pub const fn icv_len(self) -> usize {
        match self {
            Self::None => 0,
            Self::HmacMd5_96 | Self::HmacSha1_96 => 12,
            Self::HmacSha256_128 => 16,
        }
    }
}

/// AH integrity transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AhIntegrity {
    /// HMAC-MD5-96 (RFC 2403).
    HmacMd5_96,
    /// HMAC-SHA1-96 (RFC 2404).
    HmacSha1_96,
    /// HMAC-SHA-256-128 (RFC 4868).
    HmacSha256_128,
    /// AES-GMAC in AH (RFC 4543): 8-byte IV then 16-byte ICV in the AH ICV
    /// field. Key material = AES key || 4-byte salt.
    AesGmac(AesKeySize),
}

impl AhIntegrity {
    /// Key material length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::HmacMd5_96 => 16,
            Self::HmacSha1_96 => 20,
            Self::HmacSha256_128 => 32,
            Self::AesGmac(k) => k.key_len() + 4,
        }
    }

    /// ICV length in bytes (not counting the GMAC IV).
    pub const fn icv_len(self) -> usize {
        match self {
            Self::HmacMd5_96 | Self::HmacSha1_96 => 12,
            Self::HmacSha256_128 | Self::AesGmac(_) => 16,
        }
    }

    /// Length of the IV carried in the AH ICV field before the ICV.
    pub const fn iv_len(self) -> usize {
        match self {
            Self::AesGmac(_) => 8,
            _ => 0,
        }
    }
}

/// What a prepared ESP SA will be used for. An offloaded SA is either inbound or outbound
/// (IPsecOV2's `SaSpec::inbound`), and a full-face SA serves one direction too: an AES-CBC key
/// then keeps one schedule (256 bytes) instead of two. [`Direction::Both`] is for a test or a
/// tool that seals and opens with one SA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Seal only (the encryption schedule and the IV generator).
    Outbound,
    /// Open only (the decryption schedule).
    Inbound,
    /// Seal and open.
    Both,
}

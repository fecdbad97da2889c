//! IPsec task offload version 2: SA structures passed with the IPsecOV2 OIDs, the per-NBL
//! out-of-band info, and the related constants.

use core::ffi::c_void;
use core::fmt;
use core::ptr;

use crate::bits::bitfields;
use crate::types::{
    IPAddr, HANDLE, NDIS_HANDLE, NDIS_OBJECT_HEADER, NDIS_SWITCH_PORT_ID, PVOID, UCHAR, ULONG,
    ULONG_PTR, USHORT,
};

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/// `IPSEC_OFFLOAD_V2_MAX_EXTENSION_HEADERS`: number of `SecAssoc` entries in an add-SA structure.
pub const IPSEC_OFFLOAD_V2_MAX_EXTENSION_HEADERS: ULONG = 2;

/// `IPSEC_OFFLOAD_V2_INBOUND` (`IPSEC_OFFLOAD_V2_ADD_SA{,_EX}::Flags`): the SA is inbound
/// (otherwise outbound).
pub const IPSEC_OFFLOAD_V2_INBOUND: ULONG = 0x0000_0001;
/// `IPSEC_OFFLOAD_V2_IPv6` (`IPSEC_OFFLOAD_V2_ADD_SA{,_EX}::Flags`): the endpoints are IPv6
/// (otherwise IPv4).
pub const IPSEC_OFFLOAD_V2_IPv6: ULONG = 0x0000_0010;
/// `IPSEC_OFFLOAD_V2_ESN_SA` (`IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION::Flags`): the SA uses
/// extended (64-bit) sequence numbers.
pub const IPSEC_OFFLOAD_V2_ESN_SA: ULONG = 0x0000_0001;

/// `IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_NONE` (`UdpEspEncapsulation`).
pub const IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_NONE: ULONG = 0x0000_0000;
/// `IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT`: ESP transport-mode packet in UDP.
pub const IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT: ULONG = 0x0000_0001;
/// `IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TUNNEL`: the tunnel-mode portion is UDP-encapsulated.
pub const IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TUNNEL: ULONG = 0x0000_0002;
/// `IPSEC_OFFLOAD_V2_TRANSPORT_OVER_UDP_ESP_ENCAPSULATION_TUNNEL`: UDP-encapsulated tunnel,
/// ESP-protected (not UDP-encapsulated) transport portion.
pub const IPSEC_OFFLOAD_V2_TRANSPORT_OVER_UDP_ESP_ENCAPSULATION_TUNNEL: ULONG = 0x0000_0004;
/// `IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT_OVER_TUNNEL`: plain tunnel, UDP-encapsulated
/// ESP transport portion.
pub const IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT_OVER_TUNNEL: ULONG = 0x0000_0008;

/// `IPSEC_TPT_UDPESP_ENCAPTYPE_IKE` (`NDIS_IPSEC_OFFLOAD_V2::UdpEsp` capability bit).
pub const IPSEC_TPT_UDPESP_ENCAPTYPE_IKE: ULONG = 0x0000_0001;
/// `IPSEC_TUN_UDPESP_ENCAPTYPE_IKE` (`UdpEsp` capability bit).
pub const IPSEC_TUN_UDPESP_ENCAPTYPE_IKE: ULONG = 0x0000_0002;
/// `IPSEC_TPTOVERTUN_UDPESP_ENCAPTYPE_IKE` (`UdpEsp` capability bit).
pub const IPSEC_TPTOVERTUN_UDPESP_ENCAPTYPE_IKE: ULONG = 0x0000_0004;
/// `IPSEC_TPT_UDPESP_OVER_PURE_TUN_ENCAPTYPE_IKE` (`UdpEsp` capability bit).
pub const IPSEC_TPT_UDPESP_OVER_PURE_TUN_ENCAPTYPE_IKE: ULONG = 0x0000_0008;
/// `IPSEC_TPT_UDPESP_ENCAPTYPE_OTHER` (`UdpEsp` capability bit).
pub const IPSEC_TPT_UDPESP_ENCAPTYPE_OTHER: ULONG = 0x0000_0010;
/// `IPSEC_TUN_UDPESP_ENCAPTYPE_OTHER` (`UdpEsp` capability bit).
pub const IPSEC_TUN_UDPESP_ENCAPTYPE_OTHER: ULONG = 0x0000_0020;
/// `IPSEC_TPTOVERTUN_UDPESP_ENCAPTYPE_OTHER` (`UdpEsp` capability bit).
pub const IPSEC_TPTOVERTUN_UDPESP_ENCAPTYPE_OTHER: ULONG = 0x0000_0040;
/// `IPSEC_TPT_UDPESP_OVER_PURE_TUN_ENCAPTYPE_OTHER` (`UdpEsp` capability bit).
pub const IPSEC_TPT_UDPESP_OVER_PURE_TUN_ENCAPTYPE_OTHER: ULONG = 0x0000_0080;

/// `IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5`: HMAC-MD5 (capability bit in
/// `NDIS_IPSEC_OFFLOAD_V2::AuthenticationAlgorithms`, and `Identifier` value in
/// `IPSEC_OFFLOAD_V2_ALGORITHM_INFO`).
pub const IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5: ULONG = 0x0000_0001;
/// `IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1`: HMAC-SHA1.
pub const IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1: ULONG = 0x0000_0002;
/// `IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256`: HMAC-SHA256.
pub const IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256: ULONG = 0x0000_0004;
/// `IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_128`: AES-GCM-128 (GMAC / combined mode).
pub const IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_128: ULONG = 0x0000_0008;
/// `IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_192`.
pub const IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_192: ULONG = 0x0000_0010;
/// `IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_256`.
pub const IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_256: ULONG = 0x0000_0020;

/// `IPSEC_OFFLOAD_V2_ENCRYPTION_NONE`: null encryption (capability bit in
/// `NDIS_IPSEC_OFFLOAD_V2::EncryptionAlgorithms`, and `Identifier` value).
pub const IPSEC_OFFLOAD_V2_ENCRYPTION_NONE: ULONG = 0x0000_0001;
/// `IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC`.
pub const IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC: ULONG = 0x0000_0002;
/// `IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC`.
pub const IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC: ULONG = 0x0000_0004;
/// `IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128` (combined mode).
pub const IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128: ULONG = 0x0000_0008;
/// `IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192` (combined mode).
pub const IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192: ULONG = 0x0000_0010;
/// `IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256` (combined mode).
pub const IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256: ULONG = 0x0000_0020;
/// `IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128`.
pub const IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128: ULONG = 0x0000_0040;
/// `IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192`.
pub const IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192: ULONG = 0x0000_0080;
/// `IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256`.
pub const IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256: ULONG = 0x0000_0100;

/// `IPSEC_OFFLOAD_V2_OPERATION` (C enum, 4 bytes).
pub type IPSEC_OFFLOAD_V2_OPERATION = i32;
/// `IPsecOffloadV2Ah`: the SA is used for authentication (AH).
pub const IPsecOffloadV2Ah: IPSEC_OFFLOAD_V2_OPERATION = 1;
/// `IPsecOffloadV2Esp`: the SA is used for ESP.
pub const IPsecOffloadV2Esp: IPSEC_OFFLOAD_V2_OPERATION = 2;
/// `IPsecOffloadV2Max` (reserved for NDIS; one past the last valid value).
pub const IPsecOffloadV2Max: IPSEC_OFFLOAD_V2_OPERATION = 3;

/// `NDIS_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1`.
pub const NDIS_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1: UCHAR = 1;
/// `NDIS_IPSEC_OFFLOAD_V2_ADD_SA_EX_REVISION_1`.
pub const NDIS_IPSEC_OFFLOAD_V2_ADD_SA_EX_REVISION_1: UCHAR = 1;
/// `NDIS_IPSEC_OFFLOAD_V2_DELETE_SA_REVISION_1`.
pub const NDIS_IPSEC_OFFLOAD_V2_DELETE_SA_REVISION_1: UCHAR = 1;
/// `NDIS_IPSEC_OFFLOAD_V2_UPDATE_SA_REVISION_1`.
pub const NDIS_IPSEC_OFFLOAD_V2_UPDATE_SA_REVISION_1: UCHAR = 1;

/// `NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1` = `RTL_SIZEOF_THROUGH_FIELD(.., KeyData)` (x64).
#[cfg(target_pointer_width = "64")]
pub const NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1: USHORT = 0xA9;
/// `NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_EX_REVISION_1` = through `VlanId` (x64).
#[cfg(target_pointer_width = "64")]
pub const NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_EX_REVISION_1: USHORT = 0xAA;
/// `NDIS_SIZEOF_IPSEC_OFFLOAD_V2_DELETE_SA_REVISION_1` = through `OffloadHandle` (x64).
#[cfg(target_pointer_width = "64")]
pub const NDIS_SIZEOF_IPSEC_OFFLOAD_V2_DELETE_SA_REVISION_1: USHORT = 0x18;
/// `NDIS_SIZEOF_IPSEC_OFFLOAD_V2_UPDATE_SA_REVISION_1` = through `SequenceNumberHighOrder` (x64).
#[cfg(target_pointer_width = "64")]
pub const NDIS_SIZEOF_IPSEC_OFFLOAD_V2_UPDATE_SA_REVISION_1: USHORT = 0x1C;

/// `CRYPTO_SUCCESS` (receive `CryptoStatus`): decrypted if needed and AH/ESP ICVs validated.
pub const CRYPTO_SUCCESS: USHORT = 0;
/// `CRYPTO_GENERIC_ERROR`: the IPsec check failed for an unspecified reason.
pub const CRYPTO_GENERIC_ERROR: USHORT = 1;
/// `CRYPTO_TRANSPORT_AH_AUTH_FAILED`: AH ICV of the transport portion invalid.
pub const CRYPTO_TRANSPORT_AH_AUTH_FAILED: USHORT = 2;
/// `CRYPTO_TRANSPORT_ESP_AUTH_FAILED`: ESP ICV of the transport portion invalid.
pub const CRYPTO_TRANSPORT_ESP_AUTH_FAILED: USHORT = 3;
/// `CRYPTO_TUNNEL_AH_AUTH_FAILED`: AH ICV of the tunnel portion invalid.
pub const CRYPTO_TUNNEL_AH_AUTH_FAILED: USHORT = 4;
/// `CRYPTO_TUNNEL_ESP_AUTH_FAILED`: ESP ICV of the tunnel portion invalid.
pub const CRYPTO_TUNNEL_ESP_AUTH_FAILED: USHORT = 5;
/// `CRYPTO_INVALID_PACKET_SYNTAX`: the packet length is invalid.
pub const CRYPTO_INVALID_PACKET_SYNTAX: USHORT = 6;
/// `CRYPTO_INVALID_PROTOCOL`: the packet's IPsec protocols do not match the SA's.
pub const CRYPTO_INVALID_PROTOCOL: USHORT = 7;

// ---------------------------------------------------------------------------------------------
// SA structures (OID buffers)
// ---------------------------------------------------------------------------------------------

/// `IPSEC_OFFLOAD_V2_ALGORITHM_INFO`: one algorithm of an SA and where its key is.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IPSEC_OFFLOAD_V2_ALGORITHM_INFO {
    /// `IPSEC_OFFLOAD_V2_AUTHENTICATION_*` or `IPSEC_OFFLOAD_V2_ENCRYPTION_*` value.
    pub Identifier: ULONG,
    /// Key length in bytes.
    pub KeyLength: ULONG,
    /// Offset of the key inside the key material (`KeyData` / the `KeyOffset` area).
    pub KeyOffsetBytes: ULONG,
    /// Algorithm specific additional information.
    pub AdditionalInfo: ULONG,
}

/// `IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION`: one SA (AH or ESP) of an SA bundle.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION {
    /// `IPSEC_OFFLOAD_V2_ESN_SA` or 0.
    pub Flags: ULONG,
    /// `IPsecOffloadV2Ah` or `IPsecOffloadV2Esp`.
    pub Operation: IPSEC_OFFLOAD_V2_OPERATION,
    /// SPI (documented as `IPSEC_OFFLOAD_V2_SPI_TYPE`; a 4-byte `ULONG`).
    pub Spi: ULONG,
    /// Integrity algorithm.
    pub AuthenticationAlgorithm: IPSEC_OFFLOAD_V2_ALGORITHM_INFO,
    /// Cipher algorithm.
    pub EncryptionAlgorithm: IPSEC_OFFLOAD_V2_ALGORITHM_INFO,
    /// High-order 32 bits of the ESN (when `IPSEC_OFFLOAD_V2_ESN_SA`).
    pub SequenceNumberHighOrder: ULONG,
}

/// The `IPv4Endpoints` member of the anonymous endpoint union of `IPSEC_OFFLOAD_V2_ADD_SA`
/// (also used by `IPSEC_OFFLOAD_V2_ADD_SA_EX`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IPSEC_OFFLOAD_V2_ADD_SA_IPv4Endpoints {
    /// Source address (network byte order in memory); 0 = any.
    pub SrcAddr: IPAddr,
    /// Destination address (network byte order in memory); 0 = any.
    pub DestAddr: IPAddr,
}

/// The `IPv6Endpoints` member of the anonymous endpoint union of `IPSEC_OFFLOAD_V2_ADD_SA`
/// (also used by `IPSEC_OFFLOAD_V2_ADD_SA_EX`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IPSEC_OFFLOAD_V2_ADD_SA_IPv6Endpoints {
    /// Source address bytes; all zero = any.
    pub SrcAddr: [UCHAR; 16],
    /// Destination address bytes; all zero = any.
    pub DestAddr: [UCHAR; 16],
}

/// The anonymous `union { IPv4Endpoints; IPv6Endpoints; }` of `IPSEC_OFFLOAD_V2_ADD_SA` and
/// `IPSEC_OFFLOAD_V2_ADD_SA_EX` (field name `Anonymous` in the mirrors). Which view is valid is
/// selected by `IPSEC_OFFLOAD_V2_IPv6` in `Flags`.
///
/// Writing a view is safe; reading one needs `unsafe`. Every bit pattern is valid for both views,
/// so reading is sound whenever all 32 bytes are initialised: true for data received from NDIS
/// and for values built with [`Self::default`], [`Self::ipv4`] or [`Self::ipv6`].
#[repr(C)]
#[derive(Clone, Copy)]
pub union IPSEC_OFFLOAD_V2_ADD_SA_Anonymous {
    /// IPv4 view (first 8 bytes).
    pub IPv4Endpoints: IPSEC_OFFLOAD_V2_ADD_SA_IPv4Endpoints,
    /// IPv6 view (all 32 bytes).
    pub IPv6Endpoints: IPSEC_OFFLOAD_V2_ADD_SA_IPv6Endpoints,
}

impl IPSEC_OFFLOAD_V2_ADD_SA_Anonymous {
    /// All 32 bytes zero.
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        Self {
            IPv6Endpoints: IPSEC_OFFLOAD_V2_ADD_SA_IPv6Endpoints {
                SrcAddr: [0; 16],
                DestAddr: [0; 16],
            },
        }
    }

    /// IPv4 endpoints; the remaining 24 bytes are zero.
    #[inline]
    #[must_use]
    pub const fn ipv4(SrcAddr: IPAddr, DestAddr: IPAddr) -> Self {
        let mut u = Self::zeroed();
        u.IPv4Endpoints = IPSEC_OFFLOAD_V2_ADD_SA_IPv4Endpoints { SrcAddr, DestAddr };
        u
    }

    /// IPv6 endpoints.
    #[inline]
    #[must_use]
    pub const fn ipv6(SrcAddr: [UCHAR; 16], DestAddr: [UCHAR; 16]) -> Self {
        Self {
            IPv6Endpoints: IPSEC_OFFLOAD_V2_ADD_SA_IPv6Endpoints { SrcAddr, DestAddr },
        }
    }
}

impl Default for IPSEC_OFFLOAD_V2_ADD_SA_Anonymous {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl fmt::Debug for IPSEC_OFFLOAD_V2_ADD_SA_Anonymous {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IPSEC_OFFLOAD_V2_ADD_SA_Anonymous")
            .finish_non_exhaustive()
    }
}

/// The endpoint union of `IPSEC_OFFLOAD_V2_ADD_SA_EX` (same C text as in `IPSEC_OFFLOAD_V2_ADD_SA`).
pub type IPSEC_OFFLOAD_V2_ADD_SA_EX_Anonymous = IPSEC_OFFLOAD_V2_ADD_SA_Anonymous;
/// `IPSEC_OFFLOAD_V2_ADD_SA_EX::IPv4Endpoints` type (same as the `_ADD_SA` one).
pub type IPSEC_OFFLOAD_V2_ADD_SA_EX_IPv4Endpoints = IPSEC_OFFLOAD_V2_ADD_SA_IPv4Endpoints;
/// `IPSEC_OFFLOAD_V2_ADD_SA_EX::IPv6Endpoints` type (same as the `_ADD_SA` one).
pub type IPSEC_OFFLOAD_V2_ADD_SA_EX_IPv6Endpoints = IPSEC_OFFLOAD_V2_ADD_SA_IPv6Endpoints;

/// `IPSEC_OFFLOAD_V2_ADD_SA` (OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA, NDIS 6.1/6.20): one SA bundle,
/// linked through `Next`. `KeyData` is a C flexible array (`UCHAR KeyData[1]`): the key material
/// (`KeyLength` bytes) starts at `KeyData` (offset 0xA8 on x64) and runs past `sizeof` (0xB0).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IPSEC_OFFLOAD_V2_ADD_SA {
    /// `{NDIS_OBJECT_TYPE_DEFAULT, NDIS_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1, NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// Next structure in the list, or null.
    pub Next: *mut IPSEC_OFFLOAD_V2_ADD_SA,
    /// Number of valid `SecAssoc` entries (1 or 2).
    pub NumExtHdrs: ULONG,
    /// `IPSEC_OFFLOAD_V2_INBOUND` | `IPSEC_OFFLOAD_V2_IPv6`.
    pub Flags: ULONG,
    /// C anonymous union `{ IPv4Endpoints; IPv6Endpoints; }`.
    pub Anonymous: IPSEC_OFFLOAD_V2_ADD_SA_Anonymous,
    /// Set by the miniport (here: the filter) on success; null on failure.
    pub OffloadHandle: HANDLE,
    /// `IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_*`.
    pub UdpEspEncapsulation: ULONG,
    /// Operations in processing order.
    pub SecAssoc:
        [IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION; IPSEC_OFFLOAD_V2_MAX_EXTENSION_HEADERS as usize],
    /// Length of the key material at `KeyData`.
    pub KeyLength: ULONG,
    /// First byte of the key material (flexible array).
    pub KeyData: [UCHAR; 1],
}

/// `IPSEC_OFFLOAD_V2_ADD_SA_EX` (OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX, NDIS 6.30+). The key
/// material is located through `KeyOffset`/`KeyLength` (see the OID documentation).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IPSEC_OFFLOAD_V2_ADD_SA_EX {
    /// `{NDIS_OBJECT_TYPE_DEFAULT, NDIS_IPSEC_OFFLOAD_V2_ADD_SA_EX_REVISION_1, NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_EX_REVISION_1}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// Number of valid `SecAssoc` entries (1 or 2).
    pub NumExtHdrs: ULONG,
    /// `IPSEC_OFFLOAD_V2_INBOUND` | `IPSEC_OFFLOAD_V2_IPv6`.
    pub Flags: ULONG,
    /// C anonymous union `{ IPv4Endpoints; IPv6Endpoints; }`.
    pub Anonymous: IPSEC_OFFLOAD_V2_ADD_SA_EX_Anonymous,
    /// Set by the miniport (here: the filter) on success; null on failure.
    pub OffloadHandle: HANDLE,
    /// `IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_*`.
    pub UdpEspEncapsulation: ULONG,
    /// Operations in processing order.
    pub SecAssoc:
        [IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION; IPSEC_OFFLOAD_V2_MAX_EXTENSION_HEADERS as usize],
    /// Length of the key material.
    pub KeyLength: ULONG,
    /// Offset of the key material.
    pub KeyOffset: ULONG,
    /// Hyper-V switch source port.
    pub SourceSwitchPortId: NDIS_SWITCH_PORT_ID,
    /// VLAN identifier.
    pub VlanId: USHORT,
}

/// `IPSEC_OFFLOAD_V2_DELETE_SA` (OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA), linked through `Next`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IPSEC_OFFLOAD_V2_DELETE_SA {
    /// `{NDIS_OBJECT_TYPE_DEFAULT, NDIS_IPSEC_OFFLOAD_V2_DELETE_SA_REVISION_1, NDIS_SIZEOF_IPSEC_OFFLOAD_V2_DELETE_SA_REVISION_1}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// Next structure in the list, or null.
    pub Next: *mut IPSEC_OFFLOAD_V2_DELETE_SA,
    /// Handle returned by the add-SA OID.
    pub OffloadHandle: NDIS_HANDLE,
}

/// `IPSEC_OFFLOAD_V2_UPDATE_SA` (OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA): new ESN high-order bits.
/// (The C structure has no `Next` member despite what the OID page says: sizeof is 0x20.)
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IPSEC_OFFLOAD_V2_UPDATE_SA {
    /// `{NDIS_OBJECT_TYPE_DEFAULT, NDIS_IPSEC_OFFLOAD_V2_UPDATE_SA_REVISION_1, NDIS_SIZEOF_IPSEC_OFFLOAD_V2_UPDATE_SA_REVISION_1}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// Handle returned by the add-SA OID.
    pub OffloadHandle: NDIS_HANDLE,
    /// Which SA of the bundle (`IPsecOffloadV2Ah` / `IPsecOffloadV2Esp`).
    pub Operation: IPSEC_OFFLOAD_V2_OPERATION,
    /// SPI of that SA.
    pub Spi: ULONG,
    /// New high-order 32 bits of the extended sequence number.
    pub SequenceNumberHighOrder: ULONG,
}

impl IPSEC_OFFLOAD_V2_ADD_SA {
    /// All fields zero/null.
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        Self {
            Header: NDIS_OBJECT_HEADER {
                Type: 0,
                Revision: 0,
                Size: 0,
            },
            Next: ptr::null_mut(),
            NumExtHdrs: 0,
            Flags: 0,
            Anonymous: IPSEC_OFFLOAD_V2_ADD_SA_Anonymous::zeroed(),
            OffloadHandle: ptr::null_mut(),
            UdpEspEncapsulation: 0,
            SecAssoc: [SA_ZERO; IPSEC_OFFLOAD_V2_MAX_EXTENSION_HEADERS as usize],
            KeyLength: 0,
            KeyData: [0; 1],
        }
    }
}

impl Default for IPSEC_OFFLOAD_V2_ADD_SA {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl IPSEC_OFFLOAD_V2_ADD_SA_EX {
    /// All fields zero/null.
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        Self {
            Header: NDIS_OBJECT_HEADER {
                Type: 0,
                Revision: 0,
                Size: 0,
            },
            NumExtHdrs: 0,
            Flags: 0,
            Anonymous: IPSEC_OFFLOAD_V2_ADD_SA_Anonymous::zeroed(),
            OffloadHandle: ptr::null_mut(),
            UdpEspEncapsulation: 0,
            SecAssoc: [SA_ZERO; IPSEC_OFFLOAD_V2_MAX_EXTENSION_HEADERS as usize],
            KeyLength: 0,
            KeyOffset: 0,
            SourceSwitchPortId: 0,
            VlanId: 0,
        }
    }
}

impl Default for IPSEC_OFFLOAD_V2_ADD_SA_EX {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl IPSEC_OFFLOAD_V2_DELETE_SA {
    /// All fields zero/null.
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        Self {
            Header: NDIS_OBJECT_HEADER {
                Type: 0,
                Revision: 0,
                Size: 0,
            },
            Next: ptr::null_mut(),
            OffloadHandle: ptr::null_mut(),
        }
    }
}

impl Default for IPSEC_OFFLOAD_V2_DELETE_SA {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl IPSEC_OFFLOAD_V2_UPDATE_SA {
    /// All fields zero/null.
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        Self {
            Header: NDIS_OBJECT_HEADER {
                Type: 0,
                Revision: 0,
                Size: 0,
            },
            OffloadHandle: ptr::null_mut(),
            Operation: 0,
            Spi: 0,
            SequenceNumberHighOrder: 0,
        }
    }
}

impl Default for IPSEC_OFFLOAD_V2_UPDATE_SA {
    fn default() -> Self {
        Self::zeroed()
    }
}

const ALG_ZERO: IPSEC_OFFLOAD_V2_ALGORITHM_INFO = IPSEC_OFFLOAD_V2_ALGORITHM_INFO {
    Identifier: 0,
    KeyLength: 0,
    KeyOffsetBytes: 0,
    AdditionalInfo: 0,
};

const SA_ZERO: IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION = IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION {
    Flags: 0,
    Operation: 0,
    Spi: 0,
    AuthenticationAlgorithm: ALG_ZERO,
    EncryptionAlgorithm: ALG_ZERO,
    SequenceNumberHighOrder: 0,
};

// ---------------------------------------------------------------------------------------------
// NET_BUFFER_LIST out-of-band info (NetBufferListInfo[] slots)
// ---------------------------------------------------------------------------------------------

#[inline]
fn slot_to_value(slot: PVOID) -> ULONG_PTR {
    slot.expose_provenance()
}

#[inline]
fn value_to_slot(value: ULONG_PTR) -> PVOID {
    ptr::with_exposed_provenance_mut::<c_void>(value)
}

/// `NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO` (slot `IPsecOffloadV2NetBufferListInfo`), mirrored
/// as the raw pointer-sized slot value. C views:
/// `Transmit { PVOID OffloadHandle; }` and
/// `Receive { ULONG SaDeleteReq:1, CryptoDone:1, NextCryptoDone:1, Reserved:13, CryptoStatus:16; }`
/// (the receive `ULONG` is the low 32 bits of the slot on little-endian targets).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO(pub ULONG_PTR);

impl NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO {
    /// Reads the info from a `NetBufferListInfo[IPsecOffloadV2NetBufferListInfo]` slot value.
    #[inline]
    #[must_use]
    pub fn from_nbl_info(slot: PVOID) -> Self {
        Self(slot_to_value(slot))
    }

    /// The value to store into the `NetBufferListInfo` slot.
    #[inline]
    #[must_use]
    pub fn to_nbl_info(self) -> PVOID {
        value_to_slot(self.0)
    }

    /// `Transmit.OffloadHandle`: the outbound transport SA handle (null = no offload).
    #[inline]
    #[must_use]
    pub fn transmit_offload_handle(&self) -> HANDLE {
        value_to_slot(self.0)
    }

    /// Sets `Transmit.OffloadHandle` (overwrites the whole slot).
    #[inline]
    pub fn set_transmit_offload_handle(&mut self, handle: HANDLE) {
        self.0 = slot_to_value(handle);
    }

    /// Builds the transmit view from a handle.
    #[inline]
    #[must_use]
    pub fn from_transmit_offload_handle(handle: HANDLE) -> Self {
        Self(slot_to_value(handle))
    }

    /// The receive view as its raw 32-bit `ULONG` (low half of the slot).
    #[inline]
    #[must_use]
    pub const fn receive_raw(&self) -> ULONG {
        self.0 as ULONG
    }

    bitfields! {
        0: ULONG_PTR;
        /// `Receive.SaDeleteReq`: ask TCP/IP to delete the inbound SA (and its outbound pair).
        receive_sa_delete_req, set_receive_sa_delete_req: bool @ 0;
        /// `Receive.CryptoDone`: IPsec checking was done on at least one payload.
        receive_crypto_done, set_receive_crypto_done: bool @ 1;
        /// `Receive.NextCryptoDone`: both tunnel and transport portions were checked.
        receive_next_crypto_done, set_receive_next_crypto_done: bool @ 2;
        /// `Receive.Reserved` (documented as `Pad` in older pages; 13 bits).
        receive_reserved, set_receive_reserved: u16 @ 3, 13;
        /// `Receive.CryptoStatus`: one of the `CRYPTO_*` values.
        receive_crypto_status, set_receive_crypto_status: u16 @ 16, 16;
    }
}

/// `NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO` (slot `IPsecOffloadV2TunnelNetBufferListInfo`),
/// mirrored as the raw pointer-sized slot value. C view: `Transmit { NDIS_HANDLE TunnelHandle; }`
/// (there is no receive view).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO(pub ULONG_PTR);

impl NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO {
    /// Reads the info from a `NetBufferListInfo[IPsecOffloadV2TunnelNetBufferListInfo]` slot value.
    #[inline]
    #[must_use]
    pub fn from_nbl_info(slot: PVOID) -> Self {
        Self(slot_to_value(slot))
    }

    /// The value to store into the `NetBufferListInfo` slot.
    #[inline]
    #[must_use]
    pub fn to_nbl_info(self) -> PVOID {
        value_to_slot(self.0)
    }

    /// `Transmit.TunnelHandle`: the outbound tunnel SA handle (null = none).
    #[inline]
    #[must_use]
    pub fn transmit_tunnel_handle(&self) -> NDIS_HANDLE {
        value_to_slot(self.0)
    }

    /// Sets `Transmit.TunnelHandle`.
    #[inline]
    pub fn set_transmit_tunnel_handle(&mut self, handle: NDIS_HANDLE) {
        self.0 = slot_to_value(handle);
    }

    /// Builds the transmit view from a handle.
    #[inline]
    #[must_use]
    pub fn from_transmit_tunnel_handle(handle: NDIS_HANDLE) -> Self {
        Self(slot_to_value(handle))
    }
}

/// `NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO` (slot `IPsecOffloadV2HeaderNetBufferListInfo`),
/// mirrored as its raw 32-bit value. C views:
/// `Transmit { ULONG NextHeader:8, PadLength:8, AhHeaderOffset:8, EspHeaderOffset:8; }` and
/// `Receive { ULONG NextHeader:8, PadLength:8, HeaderInfoSet:1; }`.
/// The structure is 4 bytes; in the pointer-sized slot it is the low 32 bits.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(pub ULONG);

impl NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO {
    /// Reads the info from a `NetBufferListInfo[IPsecOffloadV2HeaderNetBufferListInfo]` slot value
    /// (low 32 bits).
    #[inline]
    #[must_use]
    pub fn from_nbl_info(slot: PVOID) -> Self {
        Self(slot_to_value(slot) as ULONG)
    }

    /// The value to store into the `NetBufferListInfo` slot (zero-extended).
    #[inline]
    #[must_use]
    pub fn to_nbl_info(self) -> PVOID {
        value_to_slot(self.0 as ULONG_PTR)
    }

    bitfields! {
        0: ULONG;
        /// `Transmit.NextHeader`: the next-protocol value of the ESP trailer.
        transmit_next_header, set_transmit_next_header: u8 @ 0, 8;
        /// `Transmit.PadLength`: ESP pad length (combined LSO + IPsec).
        transmit_pad_length, set_transmit_pad_length: u8 @ 8, 8;
        /// `Transmit.AhHeaderOffset`: offset of the AH header.
        transmit_ah_header_offset, set_transmit_ah_header_offset: u8 @ 16, 8;
        /// `Transmit.EspHeaderOffset`: offset of the ESP header.
        transmit_esp_header_offset, set_transmit_esp_header_offset: u8 @ 24, 8;
        /// `Receive.NextHeader`.
        receive_next_header, set_receive_next_header: u8 @ 0, 8;
        /// `Receive.PadLength`.
        receive_pad_length, set_receive_pad_length: u8 @ 8, 8;
        /// `Receive.HeaderInfoSet`: `NextHeader`/`PadLength` are valid.
        receive_header_info_set, set_receive_header_info_set: bool @ 16;
    }
}

// ---------------------------------------------------------------------------------------------
// Layout checks (ipsecov2-abi-x64.txt)
// ---------------------------------------------------------------------------------------------

const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    type A = IPSEC_OFFLOAD_V2_ALGORITHM_INFO;
    type S = IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION;
    assert!(size_of::<A>() == 0x10);
    assert!(offset_of!(A, Identifier) == 0x0);
    assert!(offset_of!(A, KeyLength) == 0x4);
    assert!(offset_of!(A, KeyOffsetBytes) == 0x8);
    assert!(offset_of!(A, AdditionalInfo) == 0xC);
    assert!(size_of::<S>() == 0x30);
    assert!(offset_of!(S, Flags) == 0x0);
    assert!(offset_of!(S, Operation) == 0x4);
    assert!(offset_of!(S, Spi) == 0x8);
    assert!(offset_of!(S, AuthenticationAlgorithm) == 0xC);
    assert!(offset_of!(S, EncryptionAlgorithm) == 0x1C);
    assert!(offset_of!(S, SequenceNumberHighOrder) == 0x2C);
    assert!(size_of::<IPSEC_OFFLOAD_V2_OPERATION>() == 4);
    assert!(size_of::<IPSEC_OFFLOAD_V2_ADD_SA_IPv4Endpoints>() == 8);
    assert!(size_of::<IPSEC_OFFLOAD_V2_ADD_SA_IPv6Endpoints>() == 32);
    assert!(size_of::<IPSEC_OFFLOAD_V2_ADD_SA_Anonymous>() == 32);
    assert!(align_of::<IPSEC_OFFLOAD_V2_ADD_SA_Anonymous>() == 4);
    assert!(size_of::<NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO>() == 4);
};

#[cfg(target_pointer_width = "64")]
const _: () = {
    use core::mem::{offset_of, size_of};
    type U = IPSEC_OFFLOAD_V2_ADD_SA_Anonymous;
    type S = IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION;

    type Add = IPSEC_OFFLOAD_V2_ADD_SA;
    assert!(size_of::<Add>() == 0xB0);
    assert!(offset_of!(Add, Header) == 0x0);
    assert!(offset_of!(Add, Next) == 0x8);
    assert!(offset_of!(Add, NumExtHdrs) == 0x10);
    assert!(offset_of!(Add, Flags) == 0x14);
    assert!(offset_of!(Add, Anonymous) + offset_of!(U, IPv4Endpoints) == 0x18);
    assert!(offset_of!(Add, Anonymous) + offset_of!(U, IPv6Endpoints) == 0x18);
    assert!(offset_of!(Add, OffloadHandle) == 0x38);
    assert!(offset_of!(Add, UdpEspEncapsulation) == 0x40);
    assert!(offset_of!(Add, SecAssoc) == 0x44);
    assert!(size_of::<[S; IPSEC_OFFLOAD_V2_MAX_EXTENSION_HEADERS as usize]>() == 96);
    assert!(offset_of!(Add, SecAssoc) + size_of::<S>() == 0x74);
    assert!(offset_of!(Add, KeyLength) == 0xA4);
    assert!(offset_of!(Add, KeyData) == 0xA8);
    assert!(
        NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1 as usize == offset_of!(Add, KeyData) + 1
    );

    type AddEx = IPSEC_OFFLOAD_V2_ADD_SA_EX;
    assert!(size_of::<AddEx>() == 0xB0);
    assert!(offset_of!(AddEx, Header) == 0x0);
    assert!(offset_of!(AddEx, NumExtHdrs) == 0x4);
    assert!(offset_of!(AddEx, Flags) == 0x8);
    assert!(offset_of!(AddEx, Anonymous) + offset_of!(U, IPv4Endpoints) == 0xC);
    assert!(offset_of!(AddEx, Anonymous) + offset_of!(U, IPv6Endpoints) == 0xC);
    assert!(offset_of!(AddEx, OffloadHandle) == 0x30);
    assert!(offset_of!(AddEx, UdpEspEncapsulation) == 0x38);
    assert!(offset_of!(AddEx, SecAssoc) == 0x3C);
    assert!(offset_of!(AddEx, SecAssoc) + size_of::<S>() == 0x6C);
    assert!(offset_of!(AddEx, KeyLength) == 0x9C);
    assert!(offset_of!(AddEx, KeyOffset) == 0xA0);
    assert!(offset_of!(AddEx, SourceSwitchPortId) == 0xA4);
    assert!(offset_of!(AddEx, VlanId) == 0xA8);
    assert!(
        NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_EX_REVISION_1 as usize == offset_of!(AddEx, VlanId) + 2
    );

    type Del = IPSEC_OFFLOAD_V2_DELETE_SA;
    assert!(size_of::<Del>() == 0x18);
    assert!(offset_of!(Del, Header) == 0x0);
    assert!(offset_of!(Del, Next) == 0x8);
    assert!(offset_of!(Del, OffloadHandle) == 0x10);
    assert!(
        NDIS_SIZEOF_IPSEC_OFFLOAD_V2_DELETE_SA_REVISION_1 as usize
            == offset_of!(Del, OffloadHandle) + 8
    );

    type Upd = IPSEC_OFFLOAD_V2_UPDATE_SA;
    assert!(size_of::<Upd>() == 0x20);
    assert!(offset_of!(Upd, Header) == 0x0);
    assert!(offset_of!(Upd, OffloadHandle) == 0x8);
    assert!(offset_of!(Upd, Operation) == 0x10);
    assert!(offset_of!(Upd, Spi) == 0x14);
    assert!(offset_of!(Upd, SequenceNumberHighOrder) == 0x18);
    assert!(
        NDIS_SIZEOF_IPSEC_OFFLOAD_V2_UPDATE_SA_REVISION_1 as usize
            == offset_of!(Upd, SequenceNumberHighOrder) + 4
    );

    assert!(size_of::<NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO>() == 8);
    assert!(size_of::<NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO>() == 8);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receive_bits_match_reference() {
        // ipsecov2-abi-x64.txt: Receive.SaDeleteReq -> 0x1, CryptoDone -> 0x2, NextCryptoDone -> 0x4,
        // CryptoStatus=0xffff -> 0xffff0000.
        let mut i = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO::default();
        i.set_receive_sa_delete_req(true);
        assert_eq!(i.0, 0x1);
        let mut i = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO::default();
        i.set_receive_crypto_done(true);
        assert_eq!(i.0, 0x2);
        let mut i = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO::default();
        i.set_receive_next_crypto_done(true);
        assert_eq!(i.0, 0x4);
        let mut i = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO::default();
        i.set_receive_crypto_status(0xFFFF);
        assert_eq!(i.0, 0xFFFF_0000);
        assert_eq!(i.receive_raw(), 0xFFFF_0000);
        assert_eq!(i.receive_crypto_status(), 0xFFFF);
        assert!(!i.receive_crypto_done());

        let mut i = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO(0x0003_0003);
        assert!(
            i.receive_sa_delete_req() && i.receive_crypto_done() && !i.receive_next_crypto_done()
        );
        assert_eq!(i.receive_crypto_status(), CRYPTO_TRANSPORT_ESP_AUTH_FAILED);
        i.set_receive_crypto_status(CRYPTO_SUCCESS);
        i.set_receive_sa_delete_req(false);
        assert_eq!(i.0, 0x2);
        i.set_receive_reserved(0x1FFF);
        assert_eq!(i.0, 0xFFFA);
    }

    #[test]
    fn header_bits_match_reference() {
        // Header.Transmit{Next=11,Pad=22,Ah=33,Esp=44} -> 0x44332211
        let mut h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO::default();
        h.set_transmit_next_header(0x11);
        h.set_transmit_pad_length(0x22);
        h.set_transmit_ah_header_offset(0x33);
        h.set_transmit_esp_header_offset(0x44);
        assert_eq!(h.0, 0x4433_2211);
        assert_eq!(h.transmit_next_header(), 0x11);
        assert_eq!(h.transmit_pad_length(), 0x22);
        assert_eq!(h.transmit_ah_header_offset(), 0x33);
        assert_eq!(h.transmit_esp_header_offset(), 0x44);
        // Header.Receive.HeaderInfoSet -> 0x00010000
        let mut r = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO::default();
        r.set_receive_header_info_set(true);
        assert_eq!(r.0, 0x0001_0000);
        r.set_receive_next_header(50);
        r.set_receive_pad_length(7);
        assert_eq!(r.0, 0x0001_0732);
        assert!(r.receive_header_info_set());
        assert_eq!(r.receive_next_header(), 50);
        assert_eq!(r.receive_pad_length(), 7);
        r.set_receive_header_info_set(false);
        assert_eq!(r.0, 0x0000_0732);
    }

    #[test]
    fn slot_round_trips() {
        let h = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO(0x4433_2211);
        let slot = h.to_nbl_info();
        assert_eq!(slot as usize, 0x4433_2211);
        assert_eq!(
            NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO::from_nbl_info(slot),
            h
        );

        let mut x = 0u32;
        let p: HANDLE = (&raw mut x).cast();
        let t = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO::from_transmit_offload_handle(p);
        assert_eq!(t.transmit_offload_handle(), p);
        assert_eq!(t.to_nbl_info(), p);
        let mut t2 = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO::default();
        t2.set_transmit_offload_handle(p);
        assert_eq!(
            NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO::from_nbl_info(p),
            t2
        );

        let mut tun = NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO::default();
        assert!(tun.transmit_tunnel_handle().is_null());
        tun.set_transmit_tunnel_handle(p);
        assert_eq!(tun.transmit_tunnel_handle(), p);
        assert_eq!(
            NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO::from_nbl_info(p),
            tun
        );
        assert_eq!(
            NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO::from_transmit_tunnel_handle(p)
                .to_nbl_info(),
            p
        );
    }

    #[test]
    fn constructors() {
        // Union views cannot be read here (no `unsafe` in this crate); the constructors are
        // `const` and fully initialise all 32 bytes.
        const V6: IPSEC_OFFLOAD_V2_ADD_SA_Anonymous =
            IPSEC_OFFLOAD_V2_ADD_SA_Anonymous::ipv6([1; 16], [2; 16]);
        let mut add = IPSEC_OFFLOAD_V2_ADD_SA_EX::zeroed();
        add.Anonymous = IPSEC_OFFLOAD_V2_ADD_SA_Anonymous::ipv4(0x0100_000A, 0x0200_000A);
        add.Anonymous = V6;
        add.SecAssoc[1].Operation = IPsecOffloadV2Esp;
        assert_eq!(
            add.SecAssoc[0],
            IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION::default()
        );
        assert!(IPSEC_OFFLOAD_V2_ADD_SA::default().Next.is_null());
        assert!(IPSEC_OFFLOAD_V2_DELETE_SA::default()
            .OffloadHandle
            .is_null());
        assert_eq!(IPSEC_OFFLOAD_V2_UPDATE_SA::default().Spi, 0);
    }
}

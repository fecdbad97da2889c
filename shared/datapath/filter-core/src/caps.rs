//! Capability reporting: the `NDIS_IPSEC_OFFLOAD_V2` this filter advertises, and the miniport's
//! `NDIS_OFFLOAD` with it filled in.

use ipsecov2_abi::*;

/// Configuration the capabilities depend on (from the INF keywords / registry at attach).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapabilityConfig {
    /// `SaOffloadCapacity`: the number of SA bundles the SA table was created for.
    pub sa_offload_capacity: u32,
}

/// `IPSEC_OFFLOAD_V2_AUTHENTICATION_*` bits the filter accepts: HMAC-MD5-96, HMAC-SHA1-96,
/// HMAC-SHA256-128 and AES-GMAC 128/192/256 (ESP-GMAC and AH-GMAC; the AES-GCM bits also name
/// the ignored authentication half of ESP-GCM).
pub const AUTHENTICATION_ALGORITHMS: u32 = IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5
    | IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1
    | IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256
    | IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_128
    | IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_192
    | IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_256;

/// `IPSEC_OFFLOAD_V2_ENCRYPTION_*` bits the filter accepts: NULL (only with integrity: ESP-NULL
/// with HMAC, ESP-GMAC), DES-CBC, 3DES-CBC, AES-CBC 128/192/256 (only with HMAC) and AES-GCM
/// 128/192/256. The mask cannot say "not without integrity": confidentiality-only ESP is refused
/// per SA at ADD_SA time (NULL handle, TCP/IP keeps the SA in software).
pub const ENCRYPTION_ALGORITHMS: u32 = IPSEC_OFFLOAD_V2_ENCRYPTION_NONE
    | IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC
    | IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC
    | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128
    | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192
    | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256
    | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128
    | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192
    | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256;

/// UDP-ESP encapsulation types handled: port 4500 with the non-ESP marker (the `_IKE` types) for
/// UDP-encapsulated transport, UDP-encapsulated tunnel, transport over a UDP-encapsulated tunnel
/// and UDP-encapsulated transport over a plain tunnel. The `_OTHER` types (other ports) are not
/// recognised on receive and are not offered.
pub const UDP_ESP_TYPES: u32 = IPSEC_TPT_UDPESP_ENCAPTYPE_IKE
    | IPSEC_TUN_UDPESP_ENCAPTYPE_IKE
    | IPSEC_TPTOVERTUN_UDPESP_ENCAPTYPE_IKE
    | IPSEC_TPT_UDPESP_OVER_PURE_TUN_ENCAPTYPE_IKE;

/// MAC encapsulations the datapath parses: Ethernet II frames, with an 802.1Q tag inline or in
/// the out-of-band 802.1Q info.
pub const ENCAPSULATIONS: u32 = NDIS_ENCAPSULATION_IEEE_802_3
    | NDIS_ENCAPSULATION_IEEE_802_3_P_AND_Q
    | NDIS_ENCAPSULATION_IEEE_802_3_P_AND_Q_IN_OOB;

/// The IPsecOV2 capabilities this filter implements. LSO together with IPsec is not offered
/// (TCP/IP would not frame the ESP trailer).
#[must_use]
pub fn ipsec_v2_capabilities(cfg: &CapabilityConfig) -> NDIS_IPSEC_OFFLOAD_V2 {
    NDIS_IPSEC_OFFLOAD_V2 {
        Encapsulation: ENCAPSULATIONS,
        IPv6Supported: TRUE,
        IPv4Options: TRUE,
        IPv6NonIPsecExtensionHeaders: TRUE,
        Ah: TRUE,
        Esp: TRUE,
        AhEspCombined: TRUE,
        Transport: TRUE,
        Tunnel: TRUE,
        TransportTunnelCombined: TRUE,
        LsoSupported: FALSE,
        ExtendedSequenceNumbers: TRUE,
        UdpEsp: UDP_ESP_TYPES,
        AuthenticationAlgorithms: AUTHENTICATION_ALGORITHMS,
        EncryptionAlgorithms: ENCRYPTION_ALGORITHMS,
        SaOffloadCapacity: cfg.sa_offload_capacity,
    }
}

/// Whether `header` describes an `NDIS_OFFLOAD` that contains `IPsecV2`.
fn has_ipsec_v2(header: &NDIS_OBJECT_HEADER) -> bool {
    header.Revision >= NDIS_OFFLOAD_REVISION_2 && header.Size >= NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2
}

/// The miniport's `NDIS_OFFLOAD` (from the attach parameters' `DefaultOffloadConfiguration` or an
/// `NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG` indication) with `IPsecV2` replaced by what this
/// filter implements. Every other member is returned untouched, except members beyond the
/// declared `Header.Size` (which the miniport never wrote), which are zeroed. A header older than
/// revision 2 (or smaller than `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2`) is upgraded to revision 2
/// with that size; a newer one keeps its revision and size.
#[must_use]
pub fn with_ipsec_v2(miniport: &NDIS_OFFLOAD, cfg: &CapabilityConfig) -> NDIS_OFFLOAD {
    let mut out = *miniport;
    let declared = miniport.Header.Size;
    // Members the miniport's revision does not have are not its to describe: zero them.
    if declared < NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_3 {
        out.Rsc = NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD::default();
        out.EncapsulatedPacketTaskOffloadGre = Default::default();
    }
    if declared < NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_4 {
        out.EncapsulatedPacketTaskOffloadVxlan = Default::default();
        out.EncapsulationTypes = 0;
    }
    if declared < NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_5 {
        out.Rfc6877Xlat = Default::default();
    }
    if declared < NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_6 {
        out.UdpSegmentation = Default::default();
    }
    if !has_ipsec_v2(&miniport.Header) {
        out.Header.Type = NDIS_OBJECT_TYPE_OFFLOAD;
        out.Header.Revision = NDIS_OFFLOAD_REVISION_2;
        out.Header.Size = NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2;
    }
    out.IPsecV2 = ipsec_v2_capabilities(cfg);
    out
}

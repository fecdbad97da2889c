//! Capability reporting: the `NDIS_IPSEC_OFFLOAD_V2` this filter advertises, and the miniport's
//! `NDIS_OFFLOAD` with it filled in.

use core::mem::offset_of;

use ipsecov2_abi::*;

use crate::config::OffloadEnable;

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
    with_capabilities(miniport, &ipsec_v2_capabilities(cfg))
}

/// [`ipsec_v2_capabilities`] restricted to what `enable` allows (the keywords and
/// `OID_TCP_OFFLOAD_PARAMETERS`): nothing enabled reports an all-zero `NDIS_IPSEC_OFFLOAD_V2`
/// (no IPsecOV2); without ESP, `Esp`, `UdpEsp` and `EncryptionAlgorithms` are cleared; without
/// AH, `Ah`; `AhEspCombined` needs both for one family, `IPv6Supported` something for IPv6.
#[must_use]
pub fn ipsec_v2_capabilities_enabled(
    cfg: &CapabilityConfig,
    enable: &OffloadEnable,
) -> NDIS_IPSEC_OFFLOAD_V2 {
    if enable.is_disabled() {
        return NDIS_IPSEC_OFFLOAD_V2::default();
    }
    let b = |v: bool| if v { TRUE } else { FALSE };
    let (v4, v6) = (enable.ipv4(), enable.ipv6());
    let ah = v4.ah || v6.ah;
    let esp = v4.esp || v6.esp;
    let mut c = ipsec_v2_capabilities(cfg);
    c.Ah = b(ah);
    c.Esp = b(esp);
    c.AhEspCombined = b((v4.ah && v4.esp) || (v6.ah && v6.esp));
    c.IPv6Supported = b(!v6.is_disabled());
    if !esp {
        c.UdpEsp = 0;
        c.EncryptionAlgorithms = 0;
    }
    c
}

/// The miniport's `NDIS_OFFLOAD` with `IPsecV2` replaced by `caps`; the rules of
/// [`with_ipsec_v2`] (which calls it with the full capabilities).
#[must_use]
pub fn with_capabilities(miniport: &NDIS_OFFLOAD, caps: &NDIS_IPSEC_OFFLOAD_V2) -> NDIS_OFFLOAD {
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
    out.IPsecV2 = *caps;
    out.Flags = coexistence_flags(miniport.Flags, caps);
    out
}

/// `NDIS_OFFLOAD::Flags` as this filter reports them: the miniport's, with
/// `IPSEC_OFFLOAD_V2_AND_TCP_CHECKSUM_COEXISTENCE` / `_AND_UDP_CHECKSUM_COEXISTENCE` replaced by
/// what the filter provides. Those flags promise that TCP/UDP checksum offload works on packets
/// that also use IPsec offload; the miniport's flags speak of its own IPsecOV2 (which the filter
/// hides), so they are never passed through. The filter computes every checksum TCP/IP requests
/// on a protected send itself (`checksum`: the protected TCP/UDP checksum before sealing, the
/// IPv4 header and UDP-ESP checksums after), so it reports both exactly when it reports
/// IPsecOV2 (`Ah` or `Esp`).
#[must_use]
pub fn coexistence_flags(miniport_flags: ULONG, caps: &NDIS_IPSEC_OFFLOAD_V2) -> ULONG {
    let both = IPSEC_OFFLOAD_V2_AND_TCP_CHECKSUM_COEXISTENCE
        | IPSEC_OFFLOAD_V2_AND_UDP_CHECKSUM_COEXISTENCE;
    let ours = if caps.Ah != FALSE || caps.Esp != FALSE {
        both
    } else {
        0
    };
    (miniport_flags & !both) | ours
}

fn put(buf: &mut [u8], at: usize, bytes: &[u8]) -> Option<()> {
    buf.get_mut(at..at.checked_add(bytes.len())?)?
        .copy_from_slice(bytes);
    Some(())
}

/// [`with_capabilities`] on the bytes of an `NDIS_OFFLOAD` (the `InformationBuffer` of a
/// completed `OID_TCP_OFFLOAD_CURRENT_CONFIG` / `OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES` query,
/// `written` bytes of it written below): `IPsecV2` is overwritten, every other byte is left
/// alone; a header older than revision 2 is upgraded (revision 2, size 0x90). Returns the new
/// `BytesWritten`, or `None` (nothing changed) when the buffer is shorter than
/// `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2`.
pub fn patch_offload_bytes(
    buf: &mut [u8],
    written: u32,
    caps: &NDIS_IPSEC_OFFLOAD_V2,
) -> Option<u32> {
    let rev2 = usize::from(NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2);
    if buf.len() < rev2 {
        return None;
    }
    let header = NDIS_OBJECT_HEADER {
        Type: *buf.first()?,
        Revision: *buf.get(1)?,
        Size: u16::from_le_bytes([*buf.get(2)?, *buf.get(3)?]),
    };
    let mut written = written;
    if !has_ipsec_v2(&header) {
        put(buf, 0, &[NDIS_OBJECT_TYPE_OFFLOAD, NDIS_OFFLOAD_REVISION_2])?;
        put(buf, 2, &NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2.to_le_bytes())?;
        written = written.max(u32::from(NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2));
    }
    type V = NDIS_IPSEC_OFFLOAD_V2;
    let base = offset_of!(NDIS_OFFLOAD, IPsecV2);
    let flags_at = offset_of!(NDIS_OFFLOAD, Flags);
    let flags = u32::from_le_bytes(buf.get(flags_at..flags_at + 4)?.try_into().ok()?);
    put(buf, flags_at, &coexistence_flags(flags, caps).to_le_bytes())?;
    put(buf, base, &[0; core::mem::size_of::<V>()])?;
    put(
        buf,
        base + offset_of!(V, Encapsulation),
        &caps.Encapsulation.to_le_bytes(),
    )?;
    for (at, v) in [
        (offset_of!(V, IPv6Supported), caps.IPv6Supported),
        (offset_of!(V, IPv4Options), caps.IPv4Options),
        (
            offset_of!(V, IPv6NonIPsecExtensionHeaders),
            caps.IPv6NonIPsecExtensionHeaders,
        ),
        (offset_of!(V, Ah), caps.Ah),
        (offset_of!(V, Esp), caps.Esp),
        (offset_of!(V, AhEspCombined), caps.AhEspCombined),
        (offset_of!(V, Transport), caps.Transport),
        (offset_of!(V, Tunnel), caps.Tunnel),
        (
            offset_of!(V, TransportTunnelCombined),
            caps.TransportTunnelCombined,
        ),
        (offset_of!(V, LsoSupported), caps.LsoSupported),
        (
            offset_of!(V, ExtendedSequenceNumbers),
            caps.ExtendedSequenceNumbers,
        ),
    ] {
        put(buf, base + at, &[v])?;
    }
    for (at, v) in [
        (offset_of!(V, UdpEsp), caps.UdpEsp),
        (
            offset_of!(V, AuthenticationAlgorithms),
            caps.AuthenticationAlgorithms,
        ),
        (
            offset_of!(V, EncryptionAlgorithms),
            caps.EncryptionAlgorithms,
        ),
        (offset_of!(V, SaOffloadCapacity), caps.SaOffloadCapacity),
    ] {
        put(buf, base + at, &v.to_le_bytes())?;
    }
    Some(written)
}

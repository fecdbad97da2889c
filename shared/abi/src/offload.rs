//! `NDIS_OFFLOAD` (revisions 1..7) with all nested capability structures, `NDIS_IPSEC_OFFLOAD_V2`,
//! `NDIS_OFFLOAD_PARAMETERS`, and their constants.
//!
//! Anonymous-in-C nested structures are named `<Parent>_<MemberName>` (for example
//! `NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv4Transmit`). C bit fields live in a storage integer named
//! `Bitfield` (or `Bitfield1`/`Bitfield2` when a structure has two storage units) and are
//! reached through generated getter/setter methods named after the C field in snake case.

use crate::bits::bitfields;
use crate::types::{BOOLEAN, NDIS_OBJECT_HEADER, UCHAR, ULONG, USHORT};

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/// `NDIS_OFFLOAD_REVISION_1` (through `Flags`).
pub const NDIS_OFFLOAD_REVISION_1: UCHAR = 1;
/// `NDIS_OFFLOAD_REVISION_2` (through `IPsecV2`, NDIS 6.1).
pub const NDIS_OFFLOAD_REVISION_2: UCHAR = 2;
/// `NDIS_OFFLOAD_REVISION_3` (through `EncapsulatedPacketTaskOffloadGre`, NDIS 6.30).
pub const NDIS_OFFLOAD_REVISION_3: UCHAR = 3;
/// `NDIS_OFFLOAD_REVISION_4` (through `EncapsulationTypes`).
pub const NDIS_OFFLOAD_REVISION_4: UCHAR = 4;
/// `NDIS_OFFLOAD_REVISION_5` (through `Rfc6877Xlat`).
pub const NDIS_OFFLOAD_REVISION_5: UCHAR = 5;
/// `NDIS_OFFLOAD_REVISION_6` (through `UdpSegmentation`).
pub const NDIS_OFFLOAD_REVISION_6: UCHAR = 6;
/// `NDIS_OFFLOAD_REVISION_7` (same size as revision 6).
pub const NDIS_OFFLOAD_REVISION_7: UCHAR = 7;

/// `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1`.
pub const NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1: USHORT = 0x70;
/// `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2`.
pub const NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2: USHORT = 0x90;
/// `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_3`.
pub const NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_3: USHORT = 0x9C;
/// `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_4`.
pub const NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_4: USHORT = 0xB1;
/// `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_5`.
pub const NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_5: USHORT = 0xBC;
/// `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_6`.
pub const NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_6: USHORT = 0xD8;
/// `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_7`.
pub const NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_7: USHORT = 0xD8;

/// `NDIS_OFFLOAD_NOT_SUPPORTED` (value of 2-bit capability fields and `BOOLEAN` capabilities).
pub const NDIS_OFFLOAD_NOT_SUPPORTED: ULONG = 0;
/// `NDIS_OFFLOAD_SUPPORTED`.
pub const NDIS_OFFLOAD_SUPPORTED: ULONG = 1;
/// `NDIS_OFFLOAD_SET_NO_CHANGE`.
pub const NDIS_OFFLOAD_SET_NO_CHANGE: ULONG = 0;
/// `NDIS_OFFLOAD_SET_ON`.
pub const NDIS_OFFLOAD_SET_ON: ULONG = 1;
/// `NDIS_OFFLOAD_SET_OFF`.
pub const NDIS_OFFLOAD_SET_OFF: ULONG = 2;

/// `NDIS_ENCAPSULATION_NOT_SUPPORTED` (`Encapsulation` fields).
pub const NDIS_ENCAPSULATION_NOT_SUPPORTED: ULONG = 0x0000_0000;
/// `NDIS_ENCAPSULATION_NULL`.
pub const NDIS_ENCAPSULATION_NULL: ULONG = 0x0000_0001;
/// `NDIS_ENCAPSULATION_IEEE_802_3`.
pub const NDIS_ENCAPSULATION_IEEE_802_3: ULONG = 0x0000_0002;
/// `NDIS_ENCAPSULATION_IEEE_802_3_P_AND_Q`.
pub const NDIS_ENCAPSULATION_IEEE_802_3_P_AND_Q: ULONG = 0x0000_0004;
/// `NDIS_ENCAPSULATION_IEEE_802_3_P_AND_Q_IN_OOB`.
pub const NDIS_ENCAPSULATION_IEEE_802_3_P_AND_Q_IN_OOB: ULONG = 0x0000_0008;
/// `NDIS_ENCAPSULATION_IEEE_LLC_SNAP_ROUTED`.
pub const NDIS_ENCAPSULATION_IEEE_LLC_SNAP_ROUTED: ULONG = 0x0000_0010;

/// `NDIS_OFFLOAD_FLAGS_GROUP_CHECKSUM_CAPABILITIES` (`NDIS_OFFLOAD::Flags`).
pub const NDIS_OFFLOAD_FLAGS_GROUP_CHECKSUM_CAPABILITIES: ULONG = 0x0000_0001;
/// `IPSEC_OFFLOAD_V2_AND_TCP_CHECKSUM_COEXISTENCE` (`NDIS_OFFLOAD::Flags`).
pub const IPSEC_OFFLOAD_V2_AND_TCP_CHECKSUM_COEXISTENCE: ULONG = 0x0000_0002;
/// `IPSEC_OFFLOAD_V2_AND_UDP_CHECKSUM_COEXISTENCE` (`NDIS_OFFLOAD::Flags`).
pub const IPSEC_OFFLOAD_V2_AND_UDP_CHECKSUM_COEXISTENCE: ULONG = 0x0000_0004;

/// `NDIS_TCP_RECV_SEG_COALESC_OFFLOAD_REVISION_1` (sic).
pub const NDIS_TCP_RECV_SEG_COALESC_OFFLOAD_REVISION_1: UCHAR = 1;

/// `NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_NOT_SUPPORTED`.
pub const NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_NOT_SUPPORTED: ULONG = 0x0000_0000;
/// `NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_INNER_IPV4`.
pub const NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_INNER_IPV4: ULONG = 0x0000_0001;
/// `NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_OUTER_IPV4`.
pub const NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_OUTER_IPV4: ULONG = 0x0000_0002;
/// `NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_INNER_IPV6`.
pub const NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_INNER_IPV6: ULONG = 0x0000_0004;
/// `NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_OUTER_IPV6`.
pub const NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_OUTER_IPV6: ULONG = 0x0000_0008;

/// `NDIS_ENCAPSULATION_TYPE_GRE_MAC` (`EncapsulationTypes`).
pub const NDIS_ENCAPSULATION_TYPE_GRE_MAC: UCHAR = 0x01;
/// `NDIS_ENCAPSULATION_TYPE_VXLAN` (`EncapsulationTypes`).
pub const NDIS_ENCAPSULATION_TYPE_VXLAN: UCHAR = 0x02;

/// `NDIS_RFC6877_464XLAT_OFFLOAD_OPTIONS` (C enum, 4 bytes).
pub type NDIS_RFC6877_464XLAT_OFFLOAD_OPTIONS = i32;
/// `NDIS_RFC6877_464XLAT_OFFLOAD_NOT_SUPPORTED`.
pub const NDIS_RFC6877_464XLAT_OFFLOAD_NOT_SUPPORTED: NDIS_RFC6877_464XLAT_OFFLOAD_OPTIONS = 0;
/// `NDIS_RFC6877_464XLAT_OFFLOAD_DISABLED`.
pub const NDIS_RFC6877_464XLAT_OFFLOAD_DISABLED: NDIS_RFC6877_464XLAT_OFFLOAD_OPTIONS = 1;
/// `NDIS_RFC6877_464XLAT_OFFLOAD_ENABLED`.
pub const NDIS_RFC6877_464XLAT_OFFLOAD_ENABLED: NDIS_RFC6877_464XLAT_OFFLOAD_OPTIONS = 2;
/// `NDIS_RFC6877_464XLAT_OFFLOAD_ON_DEMAND`.
pub const NDIS_RFC6877_464XLAT_OFFLOAD_ON_DEMAND: NDIS_RFC6877_464XLAT_OFFLOAD_OPTIONS = 3;

// ---------------------------------------------------------------------------------------------
// NDIS_TCP_IP_CHECKSUM_OFFLOAD
// ---------------------------------------------------------------------------------------------

/// `NDIS_TCP_IP_CHECKSUM_OFFLOAD::IPv4Transmit` (same layout for `IPv4Receive`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv4Transmit {
    /// `NDIS_ENCAPSULATION_*` bits.
    pub Encapsulation: ULONG,
    /// Bit-field storage: `IpOptionsSupported:2, TcpOptionsSupported:2, TcpChecksum:2, UdpChecksum:2, IpChecksum:2`.
    pub Bitfield: ULONG,
}

impl NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv4Transmit {
    bitfields! {
        Bitfield: ULONG;
        /// `IpOptionsSupported`.
        ip_options_supported, set_ip_options_supported: u32 @ 0, 2;
        /// `TcpOptionsSupported`.
        tcp_options_supported, set_tcp_options_supported: u32 @ 2, 2;
        /// `TcpChecksum`.
        tcp_checksum, set_tcp_checksum: u32 @ 4, 2;
        /// `UdpChecksum`.
        udp_checksum, set_udp_checksum: u32 @ 6, 2;
        /// `IpChecksum`.
        ip_checksum, set_ip_checksum: u32 @ 8, 2;
    }
}

/// `NDIS_TCP_IP_CHECKSUM_OFFLOAD::IPv4Receive` (same C text as `IPv4Transmit`).
pub type NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv4Receive = NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv4Transmit;

/// `NDIS_TCP_IP_CHECKSUM_OFFLOAD::IPv6Transmit` (same layout for `IPv6Receive`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv6Transmit {
    /// `NDIS_ENCAPSULATION_*` bits.
    pub Encapsulation: ULONG,
    /// Bit-field storage: `IpExtensionHeadersSupported:2, TcpOptionsSupported:2, TcpChecksum:2, UdpChecksum:2`.
    pub Bitfield: ULONG,
}

impl NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv6Transmit {
    bitfields! {
        Bitfield: ULONG;
        /// `IpExtensionHeadersSupported`.
        ip_extension_headers_supported, set_ip_extension_headers_supported: u32 @ 0, 2;
        /// `TcpOptionsSupported`.
        tcp_options_supported, set_tcp_options_supported: u32 @ 2, 2;
        /// `TcpChecksum`.
        tcp_checksum, set_tcp_checksum: u32 @ 4, 2;
        /// `UdpChecksum`.
        udp_checksum, set_udp_checksum: u32 @ 6, 2;
    }
}

/// `NDIS_TCP_IP_CHECKSUM_OFFLOAD::IPv6Receive` (same C text as `IPv6Transmit`).
pub type NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv6Receive = NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv6Transmit;

/// `NDIS_TCP_IP_CHECKSUM_OFFLOAD`: checksum offload capabilities/configuration.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_TCP_IP_CHECKSUM_OFFLOAD {
    /// IPv4 send.
    pub IPv4Transmit: NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv4Transmit,
    /// IPv4 receive.
    pub IPv4Receive: NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv4Receive,
    /// IPv6 send.
    pub IPv6Transmit: NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv6Transmit,
    /// IPv6 receive.
    pub IPv6Receive: NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv6Receive,
}

// ---------------------------------------------------------------------------------------------
// NDIS_TCP_LARGE_SEND_OFFLOAD_V1 / V2
// ---------------------------------------------------------------------------------------------

/// `NDIS_TCP_LARGE_SEND_OFFLOAD_V1::IPv4`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_TCP_LARGE_SEND_OFFLOAD_V1_IPv4 {
    /// `NDIS_ENCAPSULATION_*` bits.
    pub Encapsulation: ULONG,
    /// Largest TCP payload accepted.
    pub MaxOffLoadSize: ULONG,
    /// Minimum number of segments.
    pub MinSegmentCount: ULONG,
    /// Bit-field storage: `TcpOptions:2, IpOptions:2`.
    pub Bitfield: ULONG,
}

impl NDIS_TCP_LARGE_SEND_OFFLOAD_V1_IPv4 {
    bitfields! {
        Bitfield: ULONG;
        /// `TcpOptions`.
        tcp_options, set_tcp_options: u32 @ 0, 2;
        /// `IpOptions`.
        ip_options, set_ip_options: u32 @ 2, 2;
    }
}

/// `NDIS_TCP_LARGE_SEND_OFFLOAD_V1`: LSOv1 capabilities/configuration.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_TCP_LARGE_SEND_OFFLOAD_V1 {
    /// IPv4 LSOv1.
    pub IPv4: NDIS_TCP_LARGE_SEND_OFFLOAD_V1_IPv4,
}

/// `NDIS_TCP_LARGE_SEND_OFFLOAD_V2::IPv4`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_TCP_LARGE_SEND_OFFLOAD_V2_IPv4 {
    /// `NDIS_ENCAPSULATION_*` bits.
    pub Encapsulation: ULONG,
    /// Largest TCP payload accepted.
    pub MaxOffLoadSize: ULONG,
    /// Minimum number of segments.
    pub MinSegmentCount: ULONG,
}

/// `NDIS_TCP_LARGE_SEND_OFFLOAD_V2::IPv6`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_TCP_LARGE_SEND_OFFLOAD_V2_IPv6 {
    /// `NDIS_ENCAPSULATION_*` bits.
    pub Encapsulation: ULONG,
    /// Largest TCP payload accepted.
    pub MaxOffLoadSize: ULONG,
    /// Minimum number of segments.
    pub MinSegmentCount: ULONG,
    /// Bit-field storage: `IpExtensionHeadersSupported:2, TcpOptionsSupported:2`.
    pub Bitfield: ULONG,
}

impl NDIS_TCP_LARGE_SEND_OFFLOAD_V2_IPv6 {
    bitfields! {
        Bitfield: ULONG;
        /// `IpExtensionHeadersSupported`.
        ip_extension_headers_supported, set_ip_extension_headers_supported: u32 @ 0, 2;
        /// `TcpOptionsSupported`.
        tcp_options_supported, set_tcp_options_supported: u32 @ 2, 2;
    }
}

/// `NDIS_TCP_LARGE_SEND_OFFLOAD_V2`: LSOv2 capabilities/configuration.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_TCP_LARGE_SEND_OFFLOAD_V2 {
    /// IPv4 LSOv2.
    pub IPv4: NDIS_TCP_LARGE_SEND_OFFLOAD_V2_IPv4,
    /// IPv6 LSOv2.
    pub IPv6: NDIS_TCP_LARGE_SEND_OFFLOAD_V2_IPv6,
}

// ---------------------------------------------------------------------------------------------
// NDIS_IPSEC_OFFLOAD_V1 / V2
// ---------------------------------------------------------------------------------------------

/// `NDIS_IPSEC_OFFLOAD_V1::Supported`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_IPSEC_OFFLOAD_V1_Supported {
    /// `NDIS_ENCAPSULATION_*` bits.
    pub Encapsulation: ULONG,
    /// AH+ESP in one packet.
    pub AhEspCombined: ULONG,
    /// Transport over tunnel.
    pub TransportTunnelCombined: ULONG,
    /// IPv4 options.
    pub IPv4Options: ULONG,
    /// Flags.
    pub Flags: ULONG,
}

/// `NDIS_IPSEC_OFFLOAD_V1::IPv4AH`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_IPSEC_OFFLOAD_V1_IPv4AH {
    /// Bit-field storage: `Md5:2, Sha_1:2, Transport:2, Tunnel:2, Send:2, Receive:2`.
    pub Bitfield: ULONG,
}

impl NDIS_IPSEC_OFFLOAD_V1_IPv4AH {
    bitfields! {
        Bitfield: ULONG;
        /// `Md5`.
        md5, set_md5: u32 @ 0, 2;
        /// `Sha_1`.
        sha_1, set_sha_1: u32 @ 2, 2;
        /// `Transport`.
        transport, set_transport: u32 @ 4, 2;
        /// `Tunnel`.
        tunnel, set_tunnel: u32 @ 6, 2;
        /// `Send`.
        send, set_send: u32 @ 8, 2;
        /// `Receive`.
        receive, set_receive: u32 @ 10, 2;
    }
}

/// `NDIS_IPSEC_OFFLOAD_V1::IPv4ESP`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_IPSEC_OFFLOAD_V1_IPv4ESP {
    /// Bit-field storage: `Des:2, Reserved:2, TripleDes:2, NullEsp:2, Transport:2, Tunnel:2, Send:2, Receive:2`.
    pub Bitfield: ULONG,
}

impl NDIS_IPSEC_OFFLOAD_V1_IPv4ESP {
    bitfields! {
        Bitfield: ULONG;
        /// `Des`.
        des, set_des: u32 @ 0, 2;
        /// `Reserved`.
        reserved, set_reserved: u32 @ 2, 2;
        /// `TripleDes`.
        triple_des, set_triple_des: u32 @ 4, 2;
        /// `NullEsp`.
        null_esp, set_null_esp: u32 @ 6, 2;
        /// `Transport`.
        transport, set_transport: u32 @ 8, 2;
        /// `Tunnel`.
        tunnel, set_tunnel: u32 @ 10, 2;
        /// `Send`.
        send, set_send: u32 @ 12, 2;
        /// `Receive`.
        receive, set_receive: u32 @ 14, 2;
    }
}

/// `NDIS_IPSEC_OFFLOAD_V1`: IPsec offload version 1 capabilities/configuration.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_IPSEC_OFFLOAD_V1 {
    /// General support.
    pub Supported: NDIS_IPSEC_OFFLOAD_V1_Supported,
    /// AH over IPv4.
    pub IPv4AH: NDIS_IPSEC_OFFLOAD_V1_IPv4AH,
    /// ESP over IPv4.
    pub IPv4ESP: NDIS_IPSEC_OFFLOAD_V1_IPv4ESP,
}

/// `NDIS_IPSEC_OFFLOAD_V2`: IPsec offload version 2 capabilities/configuration (`NDIS_OFFLOAD::IPsecV2`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_IPSEC_OFFLOAD_V2 {
    /// `NDIS_ENCAPSULATION_*` bits (MAC encapsulations supported); 0 = IPsecOV2 not supported.
    pub Encapsulation: ULONG,
    /// IPv6 supported.
    pub IPv6Supported: BOOLEAN,
    /// Packets with IPv4 options supported.
    pub IPv4Options: BOOLEAN,
    /// Packets with non-IPsec IPv6 extension headers supported.
    pub IPv6NonIPsecExtensionHeaders: BOOLEAN,
    /// AH supported.
    pub Ah: BOOLEAN,
    /// ESP supported.
    pub Esp: BOOLEAN,
    /// AH and ESP combined in one packet supported.
    pub AhEspCombined: BOOLEAN,
    /// Transport mode supported.
    pub Transport: BOOLEAN,
    /// Tunnel mode supported.
    pub Tunnel: BOOLEAN,
    /// Transport over tunnel supported.
    pub TransportTunnelCombined: BOOLEAN,
    /// LSO together with IPsec supported.
    pub LsoSupported: BOOLEAN,
    /// Extended sequence numbers supported.
    pub ExtendedSequenceNumbers: BOOLEAN,
    /// UDP-ESP encapsulation types (`IPSEC_*_UDPESP_ENCAPTYPE_*` bits).
    pub UdpEsp: ULONG,
    /// `IPSEC_OFFLOAD_V2_AUTHENTICATION_*` bit mask.
    pub AuthenticationAlgorithms: ULONG,
    /// `IPSEC_OFFLOAD_V2_ENCRYPTION_*` bit mask.
    pub EncryptionAlgorithms: ULONG,
    /// Number of SA bundles that can be offloaded.
    pub SaOffloadCapacity: ULONG,
}

// ---------------------------------------------------------------------------------------------
// RSC, encapsulated packet task offload, 464XLAT, USO
// ---------------------------------------------------------------------------------------------

/// `NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD::IPv4` (same layout for `IPv6`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD_IPv4 {
    /// RSC enabled.
    pub Enabled: BOOLEAN,
}

/// `NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD::IPv6` (same C text as `IPv4`).
pub type NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD_IPv6 = NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD_IPv4;

/// `NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD`: receive segment coalescing.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD {
    /// IPv4 RSC.
    pub IPv4: NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD_IPv4,
    /// IPv6 RSC.
    pub IPv6: NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD_IPv6,
}

/// `NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD` (NVGRE task offload).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD {
    /// Bit-field storage: `TransmitChecksumOffloadSupported:4, ReceiveChecksumOffloadSupported:4,
    /// LsoV2Supported:4, RssSupported:4, VmqSupported:4, UsoSupported:4, Reserved:8`.
    pub Bitfield: ULONG,
    /// Largest encapsulation header supported.
    pub MaxHeaderSizeSupported: ULONG,
}

macro_rules! encap_bits {
    () => {
        bitfields! {
            Bitfield: ULONG;
            /// `TransmitChecksumOffloadSupported` (`NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_*` bits).
            transmit_checksum_offload_supported, set_transmit_checksum_offload_supported: u32 @ 0, 4;
            /// `ReceiveChecksumOffloadSupported`.
            receive_checksum_offload_supported, set_receive_checksum_offload_supported: u32 @ 4, 4;
            /// `LsoV2Supported`.
            lso_v2_supported, set_lso_v2_supported: u32 @ 8, 4;
            /// `RssSupported`.
            rss_supported, set_rss_supported: u32 @ 12, 4;
            /// `VmqSupported`.
            vmq_supported, set_vmq_supported: u32 @ 16, 4;
            /// `UsoSupported` (newer headers; part of the former reserved bits).
            uso_supported, set_uso_supported: u32 @ 20, 4;
            /// `Reserved`.
            reserved, set_reserved: u32 @ 24, 8;
        }
    };
}

impl NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD {
    encap_bits!();
}

/// `NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2::EncapsulationProtocolInfo` (C `union
/// _ENCAPSULATION_PROTOCOL_INFO { struct _VXLAN_INFO { USHORT VxlanUDPPortNumber; USHORT
/// VxlanUDPPortNumberConfigurable:1; } VxlanInfo; ULONG Value; }`), mirrored as `Value` with
/// accessors for the `VxlanInfo` view.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2_EncapsulationProtocolInfo {
    /// The whole union as a `ULONG`.
    pub Value: ULONG,
}

impl NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2_EncapsulationProtocolInfo {
    bitfields! {
        Value: ULONG;
        /// `VxlanInfo.VxlanUDPPortNumber` (host order value of the `USHORT`).
        vxlan_udp_port_number, set_vxlan_udp_port_number: u16 @ 0, 16;
        /// `VxlanInfo.VxlanUDPPortNumberConfigurable`.
        vxlan_udp_port_number_configurable, set_vxlan_udp_port_number_configurable: bool @ 16;
    }
}

/// `NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2` (VXLAN task offload).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2 {
    /// Bit-field storage, same fields as in `NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD`.
    pub Bitfield: ULONG,
    /// Largest encapsulation header supported.
    pub MaxHeaderSizeSupported: ULONG,
    /// Protocol specific information.
    pub EncapsulationProtocolInfo:
        NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2_EncapsulationProtocolInfo,
    /// Reserved.
    pub Reserved1: ULONG,
    /// Reserved.
    pub Reserved2: ULONG,
}

impl NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2 {
    encap_bits!();
}

/// `NDIS_RFC6877_464XLAT_OFFLOAD`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_RFC6877_464XLAT_OFFLOAD {
    /// `NDIS_RFC6877_464XLAT_OFFLOAD_*`.
    pub XlatOffload: NDIS_RFC6877_464XLAT_OFFLOAD_OPTIONS,
    /// Reserved, always 0.
    pub Flags: ULONG,
}

/// `NDIS_UDP_SEGMENTATION_OFFLOAD::IPv4`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_UDP_SEGMENTATION_OFFLOAD_IPv4 {
    /// `NDIS_ENCAPSULATION_*` bits.
    pub Encapsulation: ULONG,
    /// Largest UDP payload accepted.
    pub MaxOffLoadSize: ULONG,
    /// Bit-field storage: `MinSegmentCount:6, SubMssFinalSegmentSupported:1, Reserved:25`.
    pub Bitfield: ULONG,
}

impl NDIS_UDP_SEGMENTATION_OFFLOAD_IPv4 {
    bitfields! {
        Bitfield: ULONG;
        /// `MinSegmentCount`.
        min_segment_count, set_min_segment_count: u32 @ 0, 6;
        /// `SubMssFinalSegmentSupported`.
        sub_mss_final_segment_supported, set_sub_mss_final_segment_supported: bool @ 6;
        /// `Reserved`.
        reserved, set_reserved: u32 @ 7, 25;
    }
}

/// `NDIS_UDP_SEGMENTATION_OFFLOAD::IPv6`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_UDP_SEGMENTATION_OFFLOAD_IPv6 {
    /// `NDIS_ENCAPSULATION_*` bits.
    pub Encapsulation: ULONG,
    /// Largest UDP payload accepted.
    pub MaxOffLoadSize: ULONG,
    /// First bit-field unit: `MinSegmentCount:6, SubMssFinalSegmentSupported:1, Reserved1:25`.
    pub Bitfield1: ULONG,
    /// Second bit-field unit: `IpExtensionHeadersSupported:2, Reserved2:30`.
    pub Bitfield2: ULONG,
}

impl NDIS_UDP_SEGMENTATION_OFFLOAD_IPv6 {
    bitfields! {
        Bitfield1: ULONG;
        /// `MinSegmentCount`.
        min_segment_count, set_min_segment_count: u32 @ 0, 6;
        /// `SubMssFinalSegmentSupported`.
        sub_mss_final_segment_supported, set_sub_mss_final_segment_supported: bool @ 6;
        /// `Reserved1`.
        reserved1, set_reserved1: u32 @ 7, 25;
    }
    bitfields! {
        Bitfield2: ULONG;
        /// `IpExtensionHeadersSupported`.
        ip_extension_headers_supported, set_ip_extension_headers_supported: u32 @ 0, 2;
        /// `Reserved2`.
        reserved2, set_reserved2: u32 @ 2, 30;
    }
}

/// `NDIS_UDP_SEGMENTATION_OFFLOAD` (USO).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_UDP_SEGMENTATION_OFFLOAD {
    /// IPv4 USO.
    pub IPv4: NDIS_UDP_SEGMENTATION_OFFLOAD_IPv4,
    /// IPv6 USO.
    pub IPv6: NDIS_UDP_SEGMENTATION_OFFLOAD_IPv6,
}

// ---------------------------------------------------------------------------------------------
// NDIS_OFFLOAD
// ---------------------------------------------------------------------------------------------

/// `NDIS_OFFLOAD` with every member through revision 7 (sizeof 0xD8). NDIS passes whatever
/// revision the miniport reported: check `Header.Revision`/`Header.Size` before reading members
/// beyond `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_n`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_OFFLOAD {
    /// `{NDIS_OBJECT_TYPE_OFFLOAD, NDIS_OFFLOAD_REVISION_n, NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_n}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// Checksum offload.
    pub Checksum: NDIS_TCP_IP_CHECKSUM_OFFLOAD,
    /// LSOv1.
    pub LsoV1: NDIS_TCP_LARGE_SEND_OFFLOAD_V1,
    /// IPsec offload v1.
    pub IPsecV1: NDIS_IPSEC_OFFLOAD_V1,
    /// LSOv2.
    pub LsoV2: NDIS_TCP_LARGE_SEND_OFFLOAD_V2,
    /// `NDIS_OFFLOAD_FLAGS_GROUP_CHECKSUM_CAPABILITIES`, `IPSEC_OFFLOAD_V2_AND_*_CHECKSUM_COEXISTENCE`.
    pub Flags: ULONG,
    /// IPsec offload v2 (revision 2+).
    pub IPsecV2: NDIS_IPSEC_OFFLOAD_V2,
    /// RSC (revision 3+).
    pub Rsc: NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD,
    /// NVGRE task offload (revision 3+).
    pub EncapsulatedPacketTaskOffloadGre: NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD,
    /// VXLAN task offload (revision 4+).
    pub EncapsulatedPacketTaskOffloadVxlan: NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2,
    /// Enabled encapsulation types, `NDIS_ENCAPSULATION_TYPE_*` (revision 4+).
    pub EncapsulationTypes: UCHAR,
    /// 464XLAT offload (revision 5+).
    pub Rfc6877Xlat: NDIS_RFC6877_464XLAT_OFFLOAD,
    /// UDP segmentation offload (revision 6+).
    pub UdpSegmentation: NDIS_UDP_SEGMENTATION_OFFLOAD,
}

// ---------------------------------------------------------------------------------------------
// NDIS_OFFLOAD_PARAMETERS (OID_TCP_OFFLOAD_PARAMETERS)
// ---------------------------------------------------------------------------------------------

/// `NDIS_OFFLOAD_PARAMETERS_NO_CHANGE` (every `UCHAR` member).
pub const NDIS_OFFLOAD_PARAMETERS_NO_CHANGE: UCHAR = 0;
/// `NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED` (checksum members).
pub const NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED: UCHAR = 1;
/// `NDIS_OFFLOAD_PARAMETERS_TX_ENABLED_RX_DISABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_TX_ENABLED_RX_DISABLED: UCHAR = 2;
/// `NDIS_OFFLOAD_PARAMETERS_RX_ENABLED_TX_DISABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_RX_ENABLED_TX_DISABLED: UCHAR = 3;
/// `NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED: UCHAR = 4;
/// `NDIS_OFFLOAD_PARAMETERS_LSOV1_DISABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_LSOV1_DISABLED: UCHAR = 1;
/// `NDIS_OFFLOAD_PARAMETERS_LSOV1_ENABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_LSOV1_ENABLED: UCHAR = 2;
/// `NDIS_OFFLOAD_PARAMETERS_IPSECV1_DISABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_IPSECV1_DISABLED: UCHAR = 1;
/// `NDIS_OFFLOAD_PARAMETERS_IPSECV1_AH_ENABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_IPSECV1_AH_ENABLED: UCHAR = 2;
/// `NDIS_OFFLOAD_PARAMETERS_IPSECV1_ESP_ENABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_IPSECV1_ESP_ENABLED: UCHAR = 3;
/// `NDIS_OFFLOAD_PARAMETERS_IPSECV1_AH_AND_ESP_ENABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_IPSECV1_AH_AND_ESP_ENABLED: UCHAR = 4;
/// `NDIS_OFFLOAD_PARAMETERS_LSOV2_DISABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_LSOV2_DISABLED: UCHAR = 1;
/// `NDIS_OFFLOAD_PARAMETERS_LSOV2_ENABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_LSOV2_ENABLED: UCHAR = 2;
/// `NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED` (`IPsecV2`, `IPsecV2IPv4`).
pub const NDIS_OFFLOAD_PARAMETERS_IPSECV2_DISABLED: UCHAR = 1;
/// `NDIS_OFFLOAD_PARAMETERS_IPSECV2_AH_ENABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_IPSECV2_AH_ENABLED: UCHAR = 2;
/// `NDIS_OFFLOAD_PARAMETERS_IPSECV2_ESP_ENABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_IPSECV2_ESP_ENABLED: UCHAR = 3;
/// `NDIS_OFFLOAD_PARAMETERS_IPSECV2_AH_AND_ESP_ENABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_IPSECV2_AH_AND_ESP_ENABLED: UCHAR = 4;
/// `NDIS_OFFLOAD_PARAMETERS_RSC_DISABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_RSC_DISABLED: UCHAR = 1;
/// `NDIS_OFFLOAD_PARAMETERS_RSC_ENABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_RSC_ENABLED: UCHAR = 2;
/// `NDIS_OFFLOAD_PARAMETERS_CONNECTION_OFFLOAD_DISABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_CONNECTION_OFFLOAD_DISABLED: UCHAR = 1;
/// `NDIS_OFFLOAD_PARAMETERS_CONNECTION_OFFLOAD_ENABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_CONNECTION_OFFLOAD_ENABLED: UCHAR = 2;
/// `NDIS_OFFLOAD_PARAMETERS_USO_DISABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_USO_DISABLED: UCHAR = 1;
/// `NDIS_OFFLOAD_PARAMETERS_USO_ENABLED`.
pub const NDIS_OFFLOAD_PARAMETERS_USO_ENABLED: UCHAR = 2;

/// `NDIS_OFFLOAD_PARAMETERS_REVISION_1`.
pub const NDIS_OFFLOAD_PARAMETERS_REVISION_1: UCHAR = 1;
/// `NDIS_OFFLOAD_PARAMETERS_REVISION_2`.
pub const NDIS_OFFLOAD_PARAMETERS_REVISION_2: UCHAR = 2;
/// `NDIS_OFFLOAD_PARAMETERS_REVISION_3`.
pub const NDIS_OFFLOAD_PARAMETERS_REVISION_3: UCHAR = 3;
/// `NDIS_OFFLOAD_PARAMETERS_REVISION_4`.
pub const NDIS_OFFLOAD_PARAMETERS_REVISION_4: UCHAR = 4;
/// `NDIS_OFFLOAD_PARAMETERS_REVISION_5`.
pub const NDIS_OFFLOAD_PARAMETERS_REVISION_5: UCHAR = 5;

/// `NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_1` (through `Flags`). Computed from the structure
/// definition, not taken from the reference files (see docs/abi.md).
pub const NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_1: USHORT = 0x14;
/// `NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_2` (through `IPsecV2IPv4`; computed).
pub const NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_2: USHORT = 0x16;
/// `NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_3` (through `EncapsulationTypes`; computed).
pub const NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_3: USHORT = 0x1A;
/// `NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_4` (through `EncapsulationProtocolParameters`; computed).
pub const NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_4: USHORT = 0x20;
/// `NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_5` (through `UdpSegmentation`; computed).
pub const NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_5: USHORT = 0x22;

/// `NDIS_OFFLOAD_PARAMETERS::EncapsulationProtocolParameters` (C `union
/// _ENCAPSULATION_PROTOCOL_PARAMETERS { struct _VXLAN_PARAMETERS { USHORT VxlanUDPPortNumber; }
/// VxlanParameters; ULONG Value; }`), mirrored as `Value` with an accessor for the VXLAN view.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_OFFLOAD_PARAMETERS_EncapsulationProtocolParameters {
    /// The whole union as a `ULONG`.
    pub Value: ULONG,
}

impl NDIS_OFFLOAD_PARAMETERS_EncapsulationProtocolParameters {
    bitfields! {
        Value: ULONG;
        /// `VxlanParameters.VxlanUDPPortNumber`.
        vxlan_udp_port_number, set_vxlan_udp_port_number: u16 @ 0, 16;
    }
}

/// `NDIS_OFFLOAD_PARAMETERS::UdpSegmentation`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_OFFLOAD_PARAMETERS_UdpSegmentation {
    /// `NDIS_OFFLOAD_PARAMETERS_USO_*` for IPv4.
    pub IPv4: UCHAR,
    /// `NDIS_OFFLOAD_PARAMETERS_USO_*` for IPv6.
    pub IPv6: UCHAR,
}

/// `NDIS_OFFLOAD_PARAMETERS` (buffer of `OID_TCP_OFFLOAD_PARAMETERS`). The two anonymous C
/// structs `{RscIPv4, RscIPv6}` and `{EncapsulatedPacketTaskOffload, EncapsulationTypes}` are
/// flattened (their members are all `UCHAR`, so the layout is unchanged).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_OFFLOAD_PARAMETERS {
    /// `{NDIS_OBJECT_TYPE_DEFAULT, NDIS_OFFLOAD_PARAMETERS_REVISION_n, NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_n}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// IPv4 header checksum.
    pub IPv4Checksum: UCHAR,
    /// TCP/IPv4 checksum.
    pub TCPIPv4Checksum: UCHAR,
    /// UDP/IPv4 checksum.
    pub UDPIPv4Checksum: UCHAR,
    /// TCP/IPv6 checksum.
    pub TCPIPv6Checksum: UCHAR,
    /// UDP/IPv6 checksum.
    pub UDPIPv6Checksum: UCHAR,
    /// LSOv1.
    pub LsoV1: UCHAR,
    /// IPsec offload v1.
    pub IPsecV1: UCHAR,
    /// LSOv2 IPv4.
    pub LsoV2IPv4: UCHAR,
    /// LSOv2 IPv6.
    pub LsoV2IPv6: UCHAR,
    /// TCP chimney IPv4.
    pub TcpConnectionIPv4: UCHAR,
    /// TCP chimney IPv6.
    pub TcpConnectionIPv6: UCHAR,
    /// Flags.
    pub Flags: ULONG,
    /// IPsec offload v2 (`NDIS_OFFLOAD_PARAMETERS_IPSECV2_*`), revision 2+.
    pub IPsecV2: UCHAR,
    /// IPsec offload v2 for IPv4 only (`NDIS_OFFLOAD_PARAMETERS_IPSECV2_*`), revision 2+.
    pub IPsecV2IPv4: UCHAR,
    /// RSC IPv4 (revision 3+).
    pub RscIPv4: UCHAR,
    /// RSC IPv6 (revision 3+).
    pub RscIPv6: UCHAR,
    /// Encapsulated packet task offload (revision 3+).
    pub EncapsulatedPacketTaskOffload: UCHAR,
    /// `NDIS_ENCAPSULATION_TYPE_*` (revision 3+).
    pub EncapsulationTypes: UCHAR,
    /// Protocol parameters (revision 4+).
    pub EncapsulationProtocolParameters: NDIS_OFFLOAD_PARAMETERS_EncapsulationProtocolParameters,
    /// USO (revision 5+).
    pub UdpSegmentation: NDIS_OFFLOAD_PARAMETERS_UdpSegmentation,
}

// ---------------------------------------------------------------------------------------------
// NDIS_OFFLOAD_ENCAPSULATION (OID_OFFLOAD_ENCAPSULATION)
// ---------------------------------------------------------------------------------------------

/// `NDIS_OFFLOAD_ENCAPSULATION_REVISION_1`.
pub const NDIS_OFFLOAD_ENCAPSULATION_REVISION_1: UCHAR = 1;
/// `NDIS_SIZEOF_OFFLOAD_ENCAPSULATION_REVISION_1` (through `IPv6.HeaderSize`).
pub const NDIS_SIZEOF_OFFLOAD_ENCAPSULATION_REVISION_1: USHORT = 0x1C;

/// `NDIS_OFFLOAD_ENCAPSULATION::IPv4` (same layout for `IPv6`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_OFFLOAD_ENCAPSULATION_IPv4 {
    /// `NDIS_OFFLOAD_SET_ON` / `NDIS_OFFLOAD_SET_OFF` / `NDIS_OFFLOAD_SET_NO_CHANGE`.
    pub Enabled: ULONG,
    /// `NDIS_ENCAPSULATION_IEEE_802_3` or `NDIS_ENCAPSULATION_IEEE_LLC_SNAP_ROUTED` when enabled.
    pub EncapsulationType: ULONG,
    /// MAC header size the protocol uses.
    pub HeaderSize: ULONG,
}

/// `NDIS_OFFLOAD_ENCAPSULATION::IPv6` (same C text as `IPv4`).
pub type NDIS_OFFLOAD_ENCAPSULATION_IPv6 = NDIS_OFFLOAD_ENCAPSULATION_IPv4;

/// `NDIS_OFFLOAD_ENCAPSULATION` (buffer of `OID_OFFLOAD_ENCAPSULATION`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NDIS_OFFLOAD_ENCAPSULATION {
    /// `{NDIS_OBJECT_TYPE_OFFLOAD_ENCAPSULATION, NDIS_OFFLOAD_ENCAPSULATION_REVISION_1, NDIS_SIZEOF_OFFLOAD_ENCAPSULATION_REVISION_1}`.
    pub Header: NDIS_OBJECT_HEADER,
    /// IPv4 encapsulation.
    pub IPv4: NDIS_OFFLOAD_ENCAPSULATION_IPv4,
    /// IPv6 encapsulation.
    pub IPv6: NDIS_OFFLOAD_ENCAPSULATION_IPv6,
}

// ---------------------------------------------------------------------------------------------
// Layout checks
// ---------------------------------------------------------------------------------------------

const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    // ipsecov2-abi-x64.txt
    assert!(size_of::<NDIS_TCP_IP_CHECKSUM_OFFLOAD>() == 0x20);
    assert!(size_of::<NDIS_TCP_LARGE_SEND_OFFLOAD_V1>() == 0x10);
    assert!(size_of::<NDIS_IPSEC_OFFLOAD_V1>() == 0x1C);
    assert!(size_of::<NDIS_TCP_LARGE_SEND_OFFLOAD_V2>() == 0x1C);
    assert!(size_of::<NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD>() == 0x2);
    assert!(size_of::<NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD>() == 0x8);
    assert!(size_of::<NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2>() == 0x14);
    assert!(size_of::<NDIS_RFC6877_464XLAT_OFFLOAD>() == 0x8);
    assert!(size_of::<NDIS_UDP_SEGMENTATION_OFFLOAD>() == 0x1C);

    type V2 = NDIS_IPSEC_OFFLOAD_V2;
    assert!(size_of::<V2>() == 0x20);
    assert!(offset_of!(V2, Encapsulation) == 0x0);
    assert!(offset_of!(V2, IPv6Supported) == 0x4);
    assert!(offset_of!(V2, IPv4Options) == 0x5);
    assert!(offset_of!(V2, IPv6NonIPsecExtensionHeaders) == 0x6);
    assert!(offset_of!(V2, Ah) == 0x7);
    assert!(offset_of!(V2, Esp) == 0x8);
    assert!(offset_of!(V2, AhEspCombined) == 0x9);
    assert!(offset_of!(V2, Transport) == 0xA);
    assert!(offset_of!(V2, Tunnel) == 0xB);
    assert!(offset_of!(V2, TransportTunnelCombined) == 0xC);
    assert!(offset_of!(V2, LsoSupported) == 0xD);
    assert!(offset_of!(V2, ExtendedSequenceNumbers) == 0xE);
    assert!(offset_of!(V2, UdpEsp) == 0x10);
    assert!(offset_of!(V2, AuthenticationAlgorithms) == 0x14);
    assert!(offset_of!(V2, EncryptionAlgorithms) == 0x18);
    assert!(offset_of!(V2, SaOffloadCapacity) == 0x1C);

    type O = NDIS_OFFLOAD;
    assert!(size_of::<O>() == 0xD8);
    assert!(align_of::<O>() == 0x4);
    assert!(offset_of!(O, Header) == 0x0);
    assert!(offset_of!(O, Checksum) == 0x4);
    assert!(offset_of!(O, LsoV1) == 0x24);
    assert!(offset_of!(O, IPsecV1) == 0x34);
    assert!(offset_of!(O, LsoV2) == 0x50);
    assert!(offset_of!(O, Flags) == 0x6C);
    assert!(offset_of!(O, IPsecV2) == 0x70);
    assert!(offset_of!(O, Rsc) == 0x90);
    assert!(offset_of!(O, EncapsulatedPacketTaskOffloadGre) == 0x94);
    assert!(offset_of!(O, EncapsulatedPacketTaskOffloadVxlan) == 0x9C);
    assert!(offset_of!(O, EncapsulationTypes) == 0xB0);
    assert!(offset_of!(O, Rfc6877Xlat) == 0xB4);
    assert!(offset_of!(O, UdpSegmentation) == 0xBC);
    // NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_n = RTL_SIZEOF_THROUGH_FIELD(NDIS_OFFLOAD, <last member>)
    assert!(NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1 as usize == offset_of!(O, Flags) + 4);
    assert!(
        NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2 as usize == offset_of!(O, IPsecV2) + size_of::<V2>()
    );
    assert!(
        NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_3 as usize
            == offset_of!(O, EncapsulatedPacketTaskOffloadGre)
                + size_of::<NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD>()
    );
    assert!(NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_4 as usize == offset_of!(O, EncapsulationTypes) + 1);
    assert!(
        NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_5 as usize
            == offset_of!(O, Rfc6877Xlat) + size_of::<NDIS_RFC6877_464XLAT_OFFLOAD>()
    );
    assert!(
        NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_6 as usize
            == offset_of!(O, UdpSegmentation) + size_of::<NDIS_UDP_SEGMENTATION_OFFLOAD>()
    );
    assert!(NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_7 as usize == size_of::<O>());

    // ndis-core-layouts.md §4.3: checksum sub-blocks.
    type C = NDIS_TCP_IP_CHECKSUM_OFFLOAD;
    assert!(offset_of!(C, IPv4Transmit) == 0x0);
    assert!(offset_of!(C, IPv4Receive) == 0x8);
    assert!(offset_of!(C, IPv6Transmit) == 0x10);
    assert!(offset_of!(C, IPv6Receive) == 0x18);
    assert!(size_of::<NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv4Transmit>() == 0x8);
    assert!(align_of::<C>() == 0x4);

    // Derived from the structure text (not in the reference files): inner layouts.
    assert!(size_of::<NDIS_TCP_LARGE_SEND_OFFLOAD_V2_IPv4>() == 12);
    assert!(size_of::<NDIS_TCP_LARGE_SEND_OFFLOAD_V2_IPv6>() == 16);
    assert!(size_of::<NDIS_UDP_SEGMENTATION_OFFLOAD_IPv4>() == 12);
    assert!(size_of::<NDIS_UDP_SEGMENTATION_OFFLOAD_IPv6>() == 16);
    assert!(
        offset_of!(
            NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2,
            EncapsulationProtocolInfo
        ) == 8
    );

    // NDIS_OFFLOAD_ENCAPSULATION: not in the reference files; offsets as in the ndis.sys PDB
    // type dumps (IPv4 at 0x4, IPv6 at 0x10, sizeof 0x1C).
    type E = NDIS_OFFLOAD_ENCAPSULATION;
    assert!(offset_of!(E, IPv4) == 0x4);
    assert!(offset_of!(E, IPv6) == 0x10);
    assert!(size_of::<E>() == 0x1C);
    assert!(NDIS_SIZEOF_OFFLOAD_ENCAPSULATION_REVISION_1 as usize == offset_of!(E, IPv6) + 12);

    type P = NDIS_OFFLOAD_PARAMETERS;
    assert!(offset_of!(P, IPv4Checksum) == 0x4);
    assert!(offset_of!(P, TcpConnectionIPv6) == 0xE);
    assert!(offset_of!(P, Flags) == 0x10);
    assert!(offset_of!(P, IPsecV2) == 0x14);
    assert!(offset_of!(P, IPsecV2IPv4) == 0x15);
    assert!(offset_of!(P, RscIPv4) == 0x16);
    assert!(offset_of!(P, EncapsulationTypes) == 0x19);
    assert!(offset_of!(P, EncapsulationProtocolParameters) == 0x1C);
    assert!(offset_of!(P, UdpSegmentation) == 0x20);
    assert!(size_of::<P>() == 0x24);
    assert!(NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_1 as usize == offset_of!(P, Flags) + 4);
    assert!(NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_2 as usize == offset_of!(P, IPsecV2IPv4) + 1);
    assert!(
        NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_3 as usize == offset_of!(P, EncapsulationTypes) + 1
    );
    assert!(
        NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_4 as usize
            == offset_of!(P, EncapsulationProtocolParameters) + 4
    );
    assert!(
        NDIS_SIZEOF_OFFLOAD_PARAMETERS_REVISION_5 as usize == offset_of!(P, UdpSegmentation) + 2
    );
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_bits() {
        let mut t = NDIS_TCP_IP_CHECKSUM_OFFLOAD_IPv4Transmit::default();
        t.set_ip_options_supported(NDIS_OFFLOAD_SUPPORTED);
        t.set_tcp_checksum(NDIS_OFFLOAD_SUPPORTED);
        t.set_ip_checksum(NDIS_OFFLOAD_SUPPORTED);
        assert_eq!(t.Bitfield, 0b01_00_01_00_01);
        assert_eq!(t.tcp_checksum(), 1);
        assert_eq!(t.udp_checksum(), 0);
        t.set_tcp_checksum(NDIS_OFFLOAD_SET_OFF);
        assert_eq!(t.Bitfield, 0b01_00_10_00_01);
    }

    #[test]
    fn encapsulated_and_uso_bits() {
        let mut g = NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD::default();
        g.set_vmq_supported(0xF);
        g.set_reserved(0xFF);
        assert_eq!(g.Bitfield, 0xFF0F_0000);
        let mut u = NDIS_UDP_SEGMENTATION_OFFLOAD_IPv6::default();
        u.set_min_segment_count(2);
        u.set_sub_mss_final_segment_supported(true);
        u.set_ip_extension_headers_supported(1);
        assert_eq!((u.Bitfield1, u.Bitfield2), (0x42, 0x1));
        let mut p = NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2_EncapsulationProtocolInfo::default();
        p.set_vxlan_udp_port_number(4789);
        p.set_vxlan_udp_port_number_configurable(true);
        assert_eq!(p.Value, 0x0001_12B5);
    }
}

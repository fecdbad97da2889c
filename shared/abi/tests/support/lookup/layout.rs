//! Sizes and field positions of the crate's structs, by the names the reference gives them
//! (`NAME sizeof=…` and indented `Field offset=… size=…` lines).

use core::mem::{offset_of, size_of};

use ipsecov2_abi::*;

/// Size of the struct the reference calls `name`.
pub fn struct_size(name: &str) -> Option<usize> {
    Some(match name {
        "NDIS_OBJECT_HEADER" => size_of::<NDIS_OBJECT_HEADER>(),
        "IPSEC_OFFLOAD_V2_ALGORITHM_INFO" => size_of::<IPSEC_OFFLOAD_V2_ALGORITHM_INFO>(),
        "IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION" => {
            size_of::<IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION>()
        }
        "IPSEC_OFFLOAD_V2_ADD_SA" => size_of::<IPSEC_OFFLOAD_V2_ADD_SA>(),
        "IPSEC_OFFLOAD_V2_ADD_SA_EX" => size_of::<IPSEC_OFFLOAD_V2_ADD_SA_EX>(),
        "IPSEC_OFFLOAD_V2_DELETE_SA" => size_of::<IPSEC_OFFLOAD_V2_DELETE_SA>(),
        "IPSEC_OFFLOAD_V2_UPDATE_SA" => size_of::<IPSEC_OFFLOAD_V2_UPDATE_SA>(),
        "NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO" => {
            size_of::<NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO>()
        }
        "NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO" => {
            size_of::<NDIS_IPSEC_OFFLOAD_V2_TUNNEL_NET_BUFFER_LIST_INFO>()
        }
        "NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO" => {
            size_of::<NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO>()
        }
        "NDIS_IPSEC_OFFLOAD_V2" => size_of::<NDIS_IPSEC_OFFLOAD_V2>(),
        "NDIS_TCP_IP_CHECKSUM_OFFLOAD" => size_of::<NDIS_TCP_IP_CHECKSUM_OFFLOAD>(),
        "NDIS_TCP_LARGE_SEND_OFFLOAD_V1" => size_of::<NDIS_TCP_LARGE_SEND_OFFLOAD_V1>(),
        "NDIS_IPSEC_OFFLOAD_V1" => size_of::<NDIS_IPSEC_OFFLOAD_V1>(),
        "NDIS_TCP_LARGE_SEND_OFFLOAD_V2" => size_of::<NDIS_TCP_LARGE_SEND_OFFLOAD_V2>(),
        "NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD" => size_of::<NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD>(),
        "NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD" => {
            size_of::<NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD>()
        }
        "NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2" => {
            size_of::<NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2>()
        }
        "NDIS_RFC6877_464XLAT_OFFLOAD" => size_of::<NDIS_RFC6877_464XLAT_OFFLOAD>(),
        "NDIS_UDP_SEGMENTATION_OFFLOAD" => size_of::<NDIS_UDP_SEGMENTATION_OFFLOAD>(),
        "NDIS_OFFLOAD" => size_of::<NDIS_OFFLOAD>(),
        "NET_BUFFER_LIST" => size_of::<NET_BUFFER_LIST>(),
        _ => return None,
    })
}

/// `(offset, size)` of `field` in `strukt`, as the reference names them.
pub fn field(strukt: &str, field: &str) -> Option<(usize, usize)> {
    macro_rules! f {
        ($t:ty, $f:ident, $ft:ty) => {
            (offset_of!($t, $f), size_of::<$ft>())
        };
    }
    type A = IPSEC_OFFLOAD_V2_ALGORITHM_INFO;
    type S = IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION;
    type U = IPSEC_OFFLOAD_V2_ADD_SA_Anonymous;
    type V4 = IPSEC_OFFLOAD_V2_ADD_SA_IPv4Endpoints;
    type V6 = IPSEC_OFFLOAD_V2_ADD_SA_IPv6Endpoints;
    type Add = IPSEC_OFFLOAD_V2_ADD_SA;
    type AddEx = IPSEC_OFFLOAD_V2_ADD_SA_EX;
    type Del = IPSEC_OFFLOAD_V2_DELETE_SA;
    type Upd = IPSEC_OFFLOAD_V2_UPDATE_SA;
    type V2 = NDIS_IPSEC_OFFLOAD_V2;
    type O = NDIS_OFFLOAD;
    type SecAssocs = [S; IPSEC_OFFLOAD_V2_MAX_EXTENSION_HEADERS as usize];
    Some(match (strukt, field) {
        ("IPSEC_OFFLOAD_V2_ALGORITHM_INFO", "Identifier") => f!(A, Identifier, ULONG),
        ("IPSEC_OFFLOAD_V2_ALGORITHM_INFO", "KeyLength") => f!(A, KeyLength, ULONG),
        ("IPSEC_OFFLOAD_V2_ALGORITHM_INFO", "KeyOffsetBytes") => f!(A, KeyOffsetBytes, ULONG),
        ("IPSEC_OFFLOAD_V2_ALGORITHM_INFO", "AdditionalInfo") => f!(A, AdditionalInfo, ULONG),

        ("IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION", "Flags") => f!(S, Flags, ULONG),
        ("IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION", "Operation") => {
            f!(S, Operation, IPSEC_OFFLOAD_V2_OPERATION)
        }
        ("IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION", "Spi") => f!(S, Spi, ULONG),
        ("IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION", "AuthenticationAlgorithm") => {
            f!(S, AuthenticationAlgorithm, A)
        }
        ("IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION", "EncryptionAlgorithm") => {
            f!(S, EncryptionAlgorithm, A)
        }
        ("IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION", "SequenceNumberHighOrder") => {
            f!(S, SequenceNumberHighOrder, ULONG)
        }

        ("IPSEC_OFFLOAD_V2_ADD_SA", "Header") => f!(Add, Header, NDIS_OBJECT_HEADER),
        ("IPSEC_OFFLOAD_V2_ADD_SA", "Next") => f!(Add, Next, *mut Add),
        ("IPSEC_OFFLOAD_V2_ADD_SA", "NumExtHdrs") => f!(Add, NumExtHdrs, ULONG),
        ("IPSEC_OFFLOAD_V2_ADD_SA", "Flags") => f!(Add, Flags, ULONG),
        ("IPSEC_OFFLOAD_V2_ADD_SA", "IPv4Endpoints") => (
            offset_of!(Add, Anonymous) + offset_of!(U, IPv4Endpoints),
            size_of::<V4>(),
        ),
        ("IPSEC_OFFLOAD_V2_ADD_SA", "IPv6Endpoints") => (
            offset_of!(Add, Anonymous) + offset_of!(U, IPv6Endpoints),
            size_of::<V6>(),
        ),
        ("IPSEC_OFFLOAD_V2_ADD_SA", "OffloadHandle") => f!(Add, OffloadHandle, HANDLE),
        ("IPSEC_OFFLOAD_V2_ADD_SA", "UdpEspEncapsulation") => f!(Add, UdpEspEncapsulation, ULONG),
        ("IPSEC_OFFLOAD_V2_ADD_SA", "SecAssoc") => f!(Add, SecAssoc, SecAssocs),
        ("IPSEC_OFFLOAD_V2_ADD_SA", "SecAssoc[1]") => {
            (offset_of!(Add, SecAssoc) + size_of::<S>(), size_of::<S>())
        }
        ("IPSEC_OFFLOAD_V2_ADD_SA", "KeyLength") => f!(Add, KeyLength, ULONG),
        ("IPSEC_OFFLOAD_V2_ADD_SA", "KeyData") => f!(Add, KeyData, [UCHAR; 1]),

        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "Header") => f!(AddEx, Header, NDIS_OBJECT_HEADER),
        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "NumExtHdrs") => f!(AddEx, NumExtHdrs, ULONG),
        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "Flags") => f!(AddEx, Flags, ULONG),
        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "IPv4Endpoints") => (
            offset_of!(AddEx, Anonymous) + offset_of!(U, IPv4Endpoints),
            size_of::<V4>(),
        ),
        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "IPv6Endpoints") => (
            offset_of!(AddEx, Anonymous) + offset_of!(U, IPv6Endpoints),
            size_of::<V6>(),
        ),
        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "OffloadHandle") => f!(AddEx, OffloadHandle, HANDLE),
        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "UdpEspEncapsulation") => {
            f!(AddEx, UdpEspEncapsulation, ULONG)
        }
        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "SecAssoc") => f!(AddEx, SecAssoc, SecAssocs),
        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "SecAssoc[1]") => {
            (offset_of!(AddEx, SecAssoc) + size_of::<S>(), size_of::<S>())
        }
        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "KeyLength") => f!(AddEx, KeyLength, ULONG),
        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "KeyOffset") => f!(AddEx, KeyOffset, ULONG),
        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "SourceSwitchPortId") => {
            f!(AddEx, SourceSwitchPortId, NDIS_SWITCH_PORT_ID)
        }
        ("IPSEC_OFFLOAD_V2_ADD_SA_EX", "VlanId") => f!(AddEx, VlanId, USHORT),

        ("IPSEC_OFFLOAD_V2_DELETE_SA", "Header") => f!(Del, Header, NDIS_OBJECT_HEADER),
        ("IPSEC_OFFLOAD_V2_DELETE_SA", "Next") => f!(Del, Next, *mut Del),
        ("IPSEC_OFFLOAD_V2_DELETE_SA", "OffloadHandle") => f!(Del, OffloadHandle, NDIS_HANDLE),

        ("IPSEC_OFFLOAD_V2_UPDATE_SA", "Header") => f!(Upd, Header, NDIS_OBJECT_HEADER),
        ("IPSEC_OFFLOAD_V2_UPDATE_SA", "OffloadHandle") => f!(Upd, OffloadHandle, NDIS_HANDLE),
        ("IPSEC_OFFLOAD_V2_UPDATE_SA", "Operation") => {
            f!(Upd, Operation, IPSEC_OFFLOAD_V2_OPERATION)
        }
        ("IPSEC_OFFLOAD_V2_UPDATE_SA", "Spi") => f!(Upd, Spi, ULONG),
        ("IPSEC_OFFLOAD_V2_UPDATE_SA", "SequenceNumberHighOrder") => {
            f!(Upd, SequenceNumberHighOrder, ULONG)
        }

        ("NDIS_IPSEC_OFFLOAD_V2", "Encapsulation") => f!(V2, Encapsulation, ULONG),
        ("NDIS_IPSEC_OFFLOAD_V2", "IPv6Supported") => f!(V2, IPv6Supported, BOOLEAN),
        ("NDIS_IPSEC_OFFLOAD_V2", "IPv4Options") => f!(V2, IPv4Options, BOOLEAN),
        ("NDIS_IPSEC_OFFLOAD_V2", "IPv6NonIPsecExtensionHeaders") => {
            f!(V2, IPv6NonIPsecExtensionHeaders, BOOLEAN)
        }
        ("NDIS_IPSEC_OFFLOAD_V2", "Ah") => f!(V2, Ah, BOOLEAN),
        ("NDIS_IPSEC_OFFLOAD_V2", "Esp") => f!(V2, Esp, BOOLEAN),
        ("NDIS_IPSEC_OFFLOAD_V2", "AhEspCombined") => f!(V2, AhEspCombined, BOOLEAN),
        ("NDIS_IPSEC_OFFLOAD_V2", "Transport") => f!(V2, Transport, BOOLEAN),
        ("NDIS_IPSEC_OFFLOAD_V2", "Tunnel") => f!(V2, Tunnel, BOOLEAN),
        ("NDIS_IPSEC_OFFLOAD_V2", "TransportTunnelCombined") => {
            f!(V2, TransportTunnelCombined, BOOLEAN)
        }
        ("NDIS_IPSEC_OFFLOAD_V2", "LsoSupported") => f!(V2, LsoSupported, BOOLEAN),
        ("NDIS_IPSEC_OFFLOAD_V2", "ExtendedSequenceNumbers") => {
            f!(V2, ExtendedSequenceNumbers, BOOLEAN)
        }
        ("NDIS_IPSEC_OFFLOAD_V2", "UdpEsp") => f!(V2, UdpEsp, ULONG),
        ("NDIS_IPSEC_OFFLOAD_V2", "AuthenticationAlgorithms") => {
            f!(V2, AuthenticationAlgorithms, ULONG)
        }
        ("NDIS_IPSEC_OFFLOAD_V2", "EncryptionAlgorithms") => f!(V2, EncryptionAlgorithms, ULONG),
        ("NDIS_IPSEC_OFFLOAD_V2", "SaOffloadCapacity") => f!(V2, SaOffloadCapacity, ULONG),

        ("NDIS_OFFLOAD", "Header") => f!(O, Header, NDIS_OBJECT_HEADER),
        ("NDIS_OFFLOAD", "Checksum") => f!(O, Checksum, NDIS_TCP_IP_CHECKSUM_OFFLOAD),
        ("NDIS_OFFLOAD", "LsoV1") => f!(O, LsoV1, NDIS_TCP_LARGE_SEND_OFFLOAD_V1),
        ("NDIS_OFFLOAD", "IPsecV1") => f!(O, IPsecV1, NDIS_IPSEC_OFFLOAD_V1),
        ("NDIS_OFFLOAD", "LsoV2") => f!(O, LsoV2, NDIS_TCP_LARGE_SEND_OFFLOAD_V2),
        ("NDIS_OFFLOAD", "Flags") => f!(O, Flags, ULONG),
        ("NDIS_OFFLOAD", "IPsecV2") => f!(O, IPsecV2, NDIS_IPSEC_OFFLOAD_V2),
        ("NDIS_OFFLOAD", "Rsc") => f!(O, Rsc, NDIS_TCP_RECV_SEG_COALESCE_OFFLOAD),
        ("NDIS_OFFLOAD", "EncapsulatedPacketTaskOffloadGre") => {
            f!(
                O,
                EncapsulatedPacketTaskOffloadGre,
                NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD
            )
        }
        ("NDIS_OFFLOAD", "EncapsulatedPacketTaskOffloadVxlan") => {
            f!(
                O,
                EncapsulatedPacketTaskOffloadVxlan,
                NDIS_ENCAPSULATED_PACKET_TASK_OFFLOAD_V2
            )
        }
        ("NDIS_OFFLOAD", "EncapsulationTypes") => f!(O, EncapsulationTypes, UCHAR),
        ("NDIS_OFFLOAD", "Rfc6877Xlat") => f!(O, Rfc6877Xlat, NDIS_RFC6877_464XLAT_OFFLOAD),
        ("NDIS_OFFLOAD", "UdpSegmentation") => {
            f!(O, UdpSegmentation, NDIS_UDP_SEGMENTATION_OFFLOAD)
        }

        ("NET_BUFFER_LIST", "NetBufferListInfo") => {
            f!(
                NET_BUFFER_LIST,
                NetBufferListInfo,
                [PVOID; MaxNetBufferListInfo as usize]
            )
        }
        _ => return None,
    })
}

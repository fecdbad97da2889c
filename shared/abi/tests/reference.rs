//! Cross-checks the crate against `shared/reference/ipsecov2-abi-x64.txt` when that file exists
//! beside the repository (three directories above this crate's manifest). Every recognised line
//! (`sizeof=`, `offset=`, `NDIS_SIZEOF_*`, bit positions, NBL slots, enum, status and OID lines)
//! is compared with the crate's value; unrecognised lines fail the test so that nothing in the
//! reference is silently skipped. When the file is absent the test prints a note and passes: the
//! compile-time assertions in the crate remain the real guarantee.
#![cfg(test)]
#![cfg(target_pointer_width = "64")]
#![allow(non_snake_case)]

use core::mem::{offset_of, size_of};
use std::path::PathBuf;

use ipsecov2_abi::*;

fn reference_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/ipsecov2-abi-x64.txt")
}

fn parse_num(s: &str) -> u64 {
    let s = s.trim().trim_end_matches(',');
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).unwrap_or_else(|e| panic!("bad hex {s:?}: {e}"))
    } else {
        s.parse()
            .unwrap_or_else(|e| panic!("bad number {s:?}: {e}"))
    }
}

fn struct_size(name: &str) -> Option<usize> {
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
fn field(strukt: &str, field: &str) -> Option<(usize, usize)> {
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

fn sizeof_const(name: &str) -> Option<u64> {
    Some(u64::from(match name {
        "NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1" => {
            NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1
        }
        "NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_EX_REVISION_1" => {
            NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_EX_REVISION_1
        }
        "NDIS_SIZEOF_IPSEC_OFFLOAD_V2_DELETE_SA_REVISION_1" => {
            NDIS_SIZEOF_IPSEC_OFFLOAD_V2_DELETE_SA_REVISION_1
        }
        "NDIS_SIZEOF_IPSEC_OFFLOAD_V2_UPDATE_SA_REVISION_1" => {
            NDIS_SIZEOF_IPSEC_OFFLOAD_V2_UPDATE_SA_REVISION_1
        }
        _ => return None,
    }))
}

const NDIS_OFFLOAD_SIZES: [USHORT; 7] = [
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_3,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_4,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_5,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_6,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_7,
];

fn nbl_slot(name: &str) -> Option<NDIS_NET_BUFFER_LIST_INFO> {
    Some(match name {
        "TcpIpChecksumNetBufferListInfo" => TcpIpChecksumNetBufferListInfo,
        "IPsecOffloadV2NetBufferListInfo" => IPsecOffloadV2NetBufferListInfo,
        "TcpLargeSendNetBufferListInfo" => TcpLargeSendNetBufferListInfo,
        "IPsecOffloadV2TunnelNetBufferListInfo" => IPsecOffloadV2TunnelNetBufferListInfo,
        "IPsecOffloadV2HeaderNetBufferListInfo" => IPsecOffloadV2HeaderNetBufferListInfo,
        "MaxNetBufferListInfo" => MaxNetBufferListInfo,
        _ => return None,
    })
}

fn status(short: &str) -> Option<NDIS_STATUS> {
    Some(match short {
        "SUCCESS" => NDIS_STATUS_SUCCESS,
        "PENDING" => NDIS_STATUS_PENDING,
        "FAILURE" => NDIS_STATUS_FAILURE,
        "RESOURCES" => NDIS_STATUS_RESOURCES,
        "INVALID_LENGTH" => NDIS_STATUS_INVALID_LENGTH,
        "INVALID_DATA" => NDIS_STATUS_INVALID_DATA,
        "NOT_SUPPORTED" => NDIS_STATUS_NOT_SUPPORTED,
        "BUFFER_TOO_SHORT" => NDIS_STATUS_BUFFER_TOO_SHORT,
        "INVALID_OID" => NDIS_STATUS_INVALID_OID,
        "INVALID_PARAMETER" => NDIS_STATUS_INVALID_PARAMETER,
        "NOT_ACCEPTED" => NDIS_STATUS_NOT_ACCEPTED,
        "REQUEST_ABORTED" => NDIS_STATUS_REQUEST_ABORTED,
        "TASK_OFFLOAD_CURRENT_CONFIG" => NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
        "TASK_OFFLOAD_HARDWARE_CAPABILITIES" => NDIS_STATUS_TASK_OFFLOAD_HARDWARE_CAPABILITIES,
        "OFFLOAD_ENCASPULATION_CHANGE" => NDIS_STATUS_OFFLOAD_ENCASPULATION_CHANGE,
        _ => return None,
    })
}

fn oid(short: &str) -> Option<NDIS_OID> {
    Some(match short {
        "ADD_SA" => OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA,
        "DELETE_SA" => OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
        "UPDATE_SA" => OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA,
        "ADD_SA_EX" => OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA_EX,
        "CURRENT_CONFIG" => OID_TCP_OFFLOAD_CURRENT_CONFIG,
        "PARAMETERS" => OID_TCP_OFFLOAD_PARAMETERS,
        "HW_CAPS" => OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES,
        "ENCAPSULATION" => OID_OFFLOAD_ENCAPSULATION,
        _ => return None,
    })
}

fn operation(name: &str) -> Option<IPSEC_OFFLOAD_V2_OPERATION> {
    Some(match name {
        "IPsecOffloadV2Ah" => IPsecOffloadV2Ah,
        "IPsecOffloadV2Esp" => IPsecOffloadV2Esp,
        "IPsecOffloadV2Max" => IPsecOffloadV2Max,
        _ => return None,
    })
}

/// Raw value the crate produces for a bit-field line such as `Receive.CryptoDone -> raw ULONG 0x2`.
fn bitfield_raw(what: &str) -> Option<u64> {
    let mut info = NDIS_IPSEC_OFFLOAD_V2_NET_BUFFER_LIST_INFO::default();
    let mut header = NDIS_IPSEC_OFFLOAD_V2_HEADER_NET_BUFFER_LIST_INFO::default();
    match what {
        "Receive.SaDeleteReq" => info.set_receive_sa_delete_req(true),
        "Receive.CryptoDone" => info.set_receive_crypto_done(true),
        "Receive.NextCryptoDone" => info.set_receive_next_crypto_done(true),
        "Receive.CryptoStatus=0xffff" => info.set_receive_crypto_status(0xFFFF),
        "Header.Transmit{Next=11,Pad=22,Ah=33,Esp=44}" => {
            header.set_transmit_next_header(0x11);
            header.set_transmit_pad_length(0x22);
            header.set_transmit_ah_header_offset(0x33);
            header.set_transmit_esp_header_offset(0x44);
            return Some(u64::from(header.0));
        }
        "Header.Receive.HeaderInfoSet" => {
            header.set_receive_header_info_set(true);
            return Some(u64::from(header.0));
        }
        _ => return None,
    }
    Some(u64::from(info.receive_raw()))
}

#[test]
fn matches_reference_file() {
    let path = reference_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            println!("note: reference file {} not readable ({e}); skipping (compile-time asserts still apply)", path.display());
            return;
        }
    };

    let mut checks = 0usize;
    let mut current: Option<String> = None;
    let mut failures: Vec<String> = Vec::new();
    let mut check = |what: String, expected: u64, actual: u64| {
        checks += 1;
        if expected != actual {
            failures.push(format!(
                "{what}: reference {expected:#x}, crate {actual:#x}"
            ));
        }
    };

    for (lineno, raw_line) in text.lines().enumerate() {
        let line = raw_line.trim();
        if line.is_empty() {
            continue;
        }
        let indented = raw_line.starts_with(' ');
        let toks: Vec<&str> = line.split_whitespace().collect();

        // `NAME sizeof=0x... (n)`
        if !indented && toks.len() >= 2 && toks[1].starts_with("sizeof=") {
            let name = toks[0];
            let expected = parse_num(&toks[1]["sizeof=".len()..]);
            let actual = struct_size(name)
                .unwrap_or_else(|| panic!("line {}: unknown struct {name}", lineno + 1));
            check(format!("sizeof({name})"), expected, actual as u64);
            current = Some(name.to_owned());
            continue;
        }

        // `   Field offset=0x... size=n`
        if indented
            && toks.len() == 3
            && toks[1].starts_with("offset=")
            && toks[2].starts_with("size=")
        {
            let strukt = current
                .clone()
                .unwrap_or_else(|| panic!("line {}: field outside struct", lineno + 1));
            let name = toks[0];
            let (off, size) = field(&strukt, name)
                .unwrap_or_else(|| panic!("line {}: unknown field {strukt}.{name}", lineno + 1));
            check(
                format!("offsetof({strukt}.{name})"),
                parse_num(&toks[1]["offset=".len()..]),
                off as u64,
            );
            check(
                format!("sizeof({strukt}.{name})"),
                parse_num(&toks[2]["size=".len()..]),
                size as u64,
            );
            continue;
        }

        // `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1..7 = 0x70 0x90 ...`
        if toks[0] == "NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1..7" {
            let values: Vec<u64> = toks[2..].iter().map(|t| parse_num(t)).collect();
            assert_eq!(
                values.len(),
                NDIS_OFFLOAD_SIZES.len(),
                "line {}",
                lineno + 1
            );
            for (i, (e, a)) in values.iter().zip(NDIS_OFFLOAD_SIZES).enumerate() {
                check(
                    format!("NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_{}", i + 1),
                    *e,
                    u64::from(a),
                );
            }
            continue;
        }

        // `NDIS_SIZEOF_X = 0xa9 (169)`
        if toks[0].starts_with("NDIS_SIZEOF_") && toks.get(1) == Some(&"=") {
            let actual = sizeof_const(toks[0])
                .unwrap_or_else(|| panic!("line {}: unknown constant {}", lineno + 1, toks[0]));
            check(toks[0].to_owned(), parse_num(toks[2]), actual);
            continue;
        }

        // `Receive.CryptoDone -> raw ULONG 0x00000002`
        if let Some(pos) = line.find("-> raw ULONG") {
            let what = line[..pos].trim();
            let expected = parse_num(&line[pos + "-> raw ULONG".len()..]);
            let actual = bitfield_raw(what)
                .unwrap_or_else(|| panic!("line {}: unknown bit-field line {what}", lineno + 1));
            check(format!("raw({what})"), expected, actual);
            continue;
        }

        // `NBL slots: Name=v ...`, `enum: ...`, `status: ...`, `OIDs: ...`
        let kv = |t: &str| -> (String, u64) {
            let (k, v) = t
                .split_once('=')
                .unwrap_or_else(|| panic!("line {}: bad token {t}", lineno + 1));
            // `MaxNetBufferListInfo(x64,NDIS_WRAPPER=0)=27`: split at the last '=' instead.
            let (k, v) = if k.contains('(') {
                t.rsplit_once('=').map_or((k, v), |x| x)
            } else {
                (k, v)
            };
            let k = k.split('(').next().unwrap_or(k);
            (k.to_owned(), parse_num(v))
        };
        if line.starts_with("NBL slots:") {
            for t in &toks[2..] {
                let (k, v) = kv(t);
                let a =
                    nbl_slot(&k).unwrap_or_else(|| panic!("line {}: unknown slot {k}", lineno + 1));
                check(k, v, a as u64);
            }
            continue;
        }
        if line.starts_with("enum:") {
            for t in &toks[1..] {
                let (k, v) = kv(t);
                if k == "sizeof" {
                    check(
                        "sizeof(IPSEC_OFFLOAD_V2_OPERATION)".into(),
                        v,
                        size_of::<IPSEC_OFFLOAD_V2_OPERATION>() as u64,
                    );
                } else {
                    let a = operation(&k)
                        .unwrap_or_else(|| panic!("line {}: unknown enum value {k}", lineno + 1));
                    check(k, v, a as u64);
                }
            }
            continue;
        }
        if line.starts_with("status:") {
            for t in &toks[1..] {
                let (k, v) = kv(t);
                let a =
                    status(&k).unwrap_or_else(|| panic!("line {}: unknown status {k}", lineno + 1));
                check(format!("NDIS_STATUS_{k}"), v, u64::from(a as u32));
            }
            continue;
        }
        if line.starts_with("OIDs:") {
            for t in &toks[1..] {
                let (k, v) = kv(t);
                let a = oid(&k).unwrap_or_else(|| panic!("line {}: unknown OID {k}", lineno + 1));
                check(format!("OID {k}"), v, u64::from(a));
            }
            continue;
        }

        panic!(
            "line {}: unrecognised reference line: {raw_line}",
            lineno + 1
        );
    }

    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The reference currently yields 218 comparisons; a sharp drop means the parser lost lines.
    assert!(checks >= 200, "only {checks} comparisons made");
    println!("{checks} reference values checked");
}

macro_rules! core_table {
    ($($c:ident),* $(,)?) => {
        /// Every constant of the crate that `ndis-core-layouts.md` lists, as a 32-bit pattern.
        fn core_constant(name: &str) -> Option<u64> {
            match name {
                $(stringify!($c) => Some((($c as i64) as u64) & 0xFFFF_FFFF),)*
                _ => None,
            }
        }

        /// Names handled by `core_constant`.
        const CORE_CONSTANT_NAMES: &[&str] = &[$(stringify!($c)),*];
    };
}

core_table!(
    // §1
    MDL_MAPPED_TO_SYSTEM_VA,
    MDL_PAGES_LOCKED,
    MDL_SOURCE_IS_NONPAGED_POOL,
    MDL_ALLOCATED_FIXED_SIZE,
    MDL_PARTIAL,
    MDL_PARTIAL_HAS_BEEN_MAPPED,
    MDL_IO_PAGE_READ,
    MDL_WRITE_OPERATION,
    MDL_LOCKED_PAGE_TABLES,
    MDL_PARENT_MAPPED_SYSTEM_VA,
    MDL_FREE_EXTRA_PTES,
    MDL_DESCRIBES_AWE,
    MDL_IO_SPACE,
    MDL_NETWORK_HEADER,
    MDL_MAPPING_CAN_FAIL,
    MDL_PAGE_CONTENTS_INVARIANT,
    MDL_ALLOCATED_MUST_SUCCEED,
    MDL_INTERNAL,
    // §2.5
    NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1,
    NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1,
    NET_BUFFER_POOL_PARAMETERS_REVISION_1,
    NDIS_SIZEOF_NET_BUFFER_POOL_PARAMETERS_REVISION_1,
    NDIS_PROTOCOL_ID_DEFAULT,
    NDIS_PROTOCOL_ID_TCP_IP,
    NDIS_PROTOCOL_ID_IP6,
    NDIS_PROTOCOL_ID_MASK,
    NDIS_CLONE_FLAGS_RESERVED,
    NDIS_CLONE_FLAGS_USE_ORIGINAL_MDLS,
    // §2.7
    NDIS_SEND_FLAGS_DISPATCH_LEVEL,
    NDIS_SEND_FLAGS_CHECK_FOR_LOOPBACK,
    NDIS_SEND_FLAGS_SINGLE_QUEUE,
    NDIS_SEND_FLAGS_SWITCH_DESTINATION_GROUP,
    NDIS_SEND_FLAGS_SWITCH_SINGLE_SOURCE,
    NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL,
    NDIS_SEND_COMPLETE_FLAGS_SINGLE_QUEUE,
    NDIS_SEND_COMPLETE_FLAGS_SWITCH_SINGLE_SOURCE,
    NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL,
    NDIS_RECEIVE_FLAGS_RESOURCES,
    NDIS_RECEIVE_FLAGS_SINGLE_ETHER_TYPE,
    NDIS_RECEIVE_FLAGS_SINGLE_VLAN,
    NDIS_RECEIVE_FLAGS_PERFECT_FILTERED,
    NDIS_RECEIVE_FLAGS_SINGLE_QUEUE,
    NDIS_RECEIVE_FLAGS_SHARED_MEMORY_INFO_VALID,
    NDIS_RECEIVE_FLAGS_MORE_NBLS,
    NDIS_RECEIVE_FLAGS_SWITCH_DESTINATION_GROUP,
    NDIS_RECEIVE_FLAGS_SWITCH_SINGLE_SOURCE,
    NDIS_RETURN_FLAGS_DISPATCH_LEVEL,
    NDIS_RETURN_FLAGS_SINGLE_QUEUE,
    NDIS_RETURN_FLAGS_SWITCH_SINGLE_SOURCE,
    NBL_FLAGS_PROTOCOL_RESERVED,
    NBL_FLAGS_MINIPORT_RESERVED,
    NBL_FLAGS_SCRATCH,
    NBL_FLAGS_NDIS_RESERVED,
    NDIS_NBL_FLAGS_SEND_READ_ONLY,
    NDIS_NBL_FLAGS_RECV_READ_ONLY,
    NDIS_NBL_FLAGS_HD_SPLIT,
    NDIS_NBL_FLAGS_IS_IPV4,
    NDIS_NBL_FLAGS_IS_IPV6,
    NDIS_NBL_FLAGS_IS_TCP,
    NDIS_NBL_FLAGS_IS_UDP,
    NDIS_NBL_FLAGS_SPLIT_AT_UPPER_LAYER_PROTOCOL_HEADER,
    NDIS_NBL_FLAGS_SPLIT_AT_UPPER_LAYER_PROTOCOL_PAYLOAD,
    NDIS_NBL_FLAGS_IS_LOOPBACK_PACKET,
    // §2.8
    TcpIpChecksumNetBufferListInfo,
    TcpOffloadBytesTransferred,
    IPsecOffloadV1NetBufferListInfo,
    IPsecOffloadV2NetBufferListInfo,
    TcpLargeSendNetBufferListInfo,
    TcpReceiveNoPush,
    ClassificationHandleNetBufferListInfo,
    Ieee8021QNetBufferListInfo,
    NetBufferListCancelId,
    MediaSpecificInformation,
    NetBufferListFrameType,
    NetBufferListProtocolId,
    NetBufferListHashValue,
    NetBufferListHashInfo,
    WfpNetBufferListInfo,
    IPsecOffloadV2TunnelNetBufferListInfo,
    IPsecOffloadV2HeaderNetBufferListInfo,
    NetBufferListCorrelationId,
    NetBufferListFilteringInfo,
    MediaSpecificInformationEx,
    NblOriginalInterfaceIfIndex,
    NblReAuthWfpFlowContext,
    TcpReceiveBytesTransferred,
    NrtNameResolutionId,
    SwitchForwardingReserved,
    SwitchForwardingDetail,
    VirtualSubnetInfo,
    IMReserved,
    TcpRecvSegCoalesceInfo,
    RscTcpTimestampDelta,
    TcpSendOffloadsSupplementalNetBufferListInfo,
    GftOffloadInformation,
    GftFlowEntryId,
    NetBufferListInfoReserved3,
    MaxNetBufferListInfo,
    // §3
    NdisRequestQueryInformation,
    NdisRequestSetInformation,
    NdisRequestQueryStatistics,
    NdisRequestOpen,
    NdisRequestClose,
    NdisRequestSend,
    NdisRequestTransferData,
    NdisRequestReset,
    NdisRequestGeneric1,
    NdisRequestGeneric2,
    NdisRequestGeneric3,
    NdisRequestGeneric4,
    NdisRequestMethod,
    NDIS_OBJECT_TYPE_OID_REQUEST,
    NDIS_OBJECT_TYPE_REQUEST_EX,
    NDIS_OID_REQUEST_REVISION_1,
    NDIS_OID_REQUEST_REVISION_2,
    NDIS_SIZEOF_OID_REQUEST_REVISION_1,
    NDIS_SIZEOF_OID_REQUEST_REVISION_2,
    NDIS_OID_REQUEST_NDIS_RESERVED_SIZE,
    NDIS_OID_REQUEST_TIMEOUT_INFINITE,
    NDIS_OID_REQUEST_FLAGS_VPORT_ID_VALID,
    NDIS_DEFAULT_PORT_NUMBER,
    // §4.3, §4.9
    NDIS_OBJECT_TYPE_OFFLOAD,
    NDIS_OFFLOAD_REVISION_1,
    NDIS_OFFLOAD_REVISION_2,
    NDIS_OFFLOAD_REVISION_3,
    NDIS_OFFLOAD_REVISION_4,
    NDIS_OFFLOAD_REVISION_5,
    NDIS_OFFLOAD_REVISION_6,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_3,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_4,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_5,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_6,
    NDIS_OBJECT_TYPE_DEFAULT,
    NDIS_OBJECT_TYPE_MINIPORT_DRIVER_CHARACTERISTICS,
    NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES,
    NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS,
    NDIS_OBJECT_TYPE_FILTER_PARTIAL_CHARACTERISTICS,
    NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES,
    NDIS_OBJECT_TYPE_PROTOCOL_DRIVER_CHARACTERISTICS,
    NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS,
    NDIS_OBJECT_TYPE_STATUS_INDICATION,
    NDIS_OBJECT_TYPE_FILTER_ATTACH_PARAMETERS,
    NDIS_OBJECT_TYPE_FILTER_PAUSE_PARAMETERS,
    NDIS_OBJECT_TYPE_FILTER_RESTART_PARAMETERS,
    NDIS_OBJECT_TYPE_RESTART_GENERAL_ATTRIBUTES,
    NDIS_OBJECT_TYPE_OFFLOAD_ENCAPSULATION,
    NDIS_OBJECT_REVISION_1,
    // §7.1
    STATUS_SUCCESS,
    STATUS_PENDING,
    STATUS_UNSUCCESSFUL,
    STATUS_INSUFFICIENT_RESOURCES,
    STATUS_INVALID_PARAMETER,
    STATUS_NOT_SUPPORTED,
    STATUS_BUFFER_TOO_SMALL,
    STATUS_INVALID_DEVICE_REQUEST,
    NDIS_STATUS_SUCCESS,
    NDIS_STATUS_PENDING,
    NDIS_STATUS_FAILURE,
    NDIS_STATUS_RESOURCES,
    NDIS_STATUS_NOT_SUPPORTED,
    NDIS_STATUS_INVALID_LENGTH,
    NDIS_STATUS_BUFFER_TOO_SHORT,
    NDIS_STATUS_INVALID_OID,
    NDIS_STATUS_INVALID_PARAMETER,
    NDIS_STATUS_INVALID_DATA,
    NDIS_STATUS_PAUSED,
    NDIS_STATUS_REQUEST_ABORTED,
    NDIS_STATUS_NOT_ACCEPTED,
    NDIS_STATUS_ADAPTER_NOT_READY,
    NDIS_STATUS_LOW_POWER_STATE,
    NDIS_STATUS_MEDIA_DISCONNECTED,
    NDIS_STATUS_SEND_ABORTED,
    NDIS_STATUS_RESET_IN_PROGRESS,
    NDIS_STATUS_CLOSING,
    NDIS_STATUS_UNSUPPORTED_MEDIA,
    NDIS_STATUS_NOT_RECOGNIZED,
    NDIS_STATUS_INDICATION_REQUIRED,
    NDIS_STATUS_TASK_OFFLOAD_CURRENT_CONFIG,
    NDIS_STATUS_OFFLOAD_ENCASPULATION_CHANGE,
    NDIS_STATUS_LINK_STATE,
    NDIS_STATUS_MEDIA_CONNECT,
    NDIS_STATUS_MEDIA_DISCONNECT,
    NDIS_STATUS_MEDIA_SPECIFIC_INDICATION,
    // §7.2
    OID_GEN_MINIPORT_RESTART_ATTRIBUTES,
    OID_TCP_OFFLOAD_CURRENT_CONFIG,
    OID_TCP_OFFLOAD_PARAMETERS,
    OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES,
    OID_OFFLOAD_ENCAPSULATION,
    OID_GEN_CURRENT_PACKET_FILTER,
    OID_GEN_MAXIMUM_FRAME_SIZE,
    OID_GEN_MAXIMUM_TOTAL_SIZE,
    OID_GEN_LINK_STATE,
    OID_802_3_CURRENT_ADDRESS,
);

/// Parses the constant tables of `ndis-core-layouts.md` (rows whose first cell is a backticked
/// name and whose value cell is a number) and compares the NDIS 6.80 value of every row the crate
/// defines. Also fails if a crate constant listed in `core_constant` never appears in the file.
#[test]
fn matches_core_reference_constants() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/ndis-core-layouts.md");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            println!(
                "note: reference file {} not readable ({e}); skipping",
                path.display()
            );
            return;
        }
    };
    let mut col680: Option<usize> = None;
    let mut col686: Option<usize> = None;
    let mut seen = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for line in text.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if !line.trim_start().starts_with('|') || cells.len() < 3 {
            col680 = None;
            col686 = None;
            continue;
        }
        if cells[0] == "Constant" {
            col680 = cells.iter().position(|c| *c == "NDIS680");
            col686 = cells.iter().position(|c| *c == "NDIS686");
            continue;
        }
        let Some(col) = col680 else { continue };
        let Some(name) = cells[0].strip_prefix('`').and_then(|c| c.strip_suffix('`')) else {
            continue;
        };
        let value_in = |col: usize| -> Option<&str> {
            let mut cell = cells.get(col).copied().unwrap_or("");
            if cell.starts_with('″') {
                cell = cells[1];
            }
            let first = cell.split_whitespace().next().unwrap_or("");
            first
                .starts_with(|c: char| c.is_ascii_digit())
                .then_some(first)
        };
        // NDIS 6.80 value; constants that only exist from 6.86 on (e.g. NDIS_OFFLOAD_REVISION_6)
        // are taken from the NDIS686 column.
        let Some(first) = value_in(col).or_else(|| col686.and_then(value_in)) else {
            continue; // "— (not defined)" or not a number
        };
        let Some(actual) = core_constant(name) else {
            continue;
        };
        seen.insert(name.to_owned());
        let expected = parse_num(first) & 0xFFFF_FFFF;
        if expected != actual {
            failures.push(format!(
                "{name}: reference {expected:#x}, crate {actual:#x}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{} core constants checked", seen.len());
    let missing: Vec<&str> = CORE_CONSTANT_NAMES
        .iter()
        .copied()
        .filter(|n| !seen.contains(*n))
        .collect();
    assert!(
        missing.is_empty(),
        "constants not found in the core reference: {missing:?}"
    );
}

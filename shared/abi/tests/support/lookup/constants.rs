//! The crate's constants by the names the reference gives them: `NDIS_SIZEOF_*` lines, NBL info
//! slots, `IPSEC_OFFLOAD_V2_OPERATION` values, NDIS status codes and OIDs.

use ipsecov2_abi::*;

/// Value of the `NDIS_SIZEOF_*_REVISION_1` constant `name` (one per OID structure).
pub fn sizeof_const(name: &str) -> Option<u64> {
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

/// `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1` to `_7`, in order (the reference lists them on one line).
pub const NDIS_OFFLOAD_SIZES: [USHORT; 7] = [
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_2,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_3,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_4,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_5,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_6,
    NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_7,
];

/// NBL info slot index of `name` (`NBL slots:` line).
pub fn nbl_slot(name: &str) -> Option<NDIS_NET_BUFFER_LIST_INFO> {
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

/// NDIS status code whose name is `NDIS_STATUS_` + `short` (`status:` line).
pub fn status(short: &str) -> Option<NDIS_STATUS> {
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

/// OID whose IPsecOV2 or offload short name is `short` (`OIDs:` line).
pub fn oid(short: &str) -> Option<NDIS_OID> {
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

/// `IPSEC_OFFLOAD_V2_OPERATION` value named `name` (`enum:` line).
pub fn operation(name: &str) -> Option<IPSEC_OFFLOAD_V2_OPERATION> {
    Some(match name {
        "IPsecOffloadV2Ah" => IPsecOffloadV2Ah,
        "IPsecOffloadV2Esp" => IPsecOffloadV2Esp,
        "IPsecOffloadV2Max" => IPsecOffloadV2Max,
        _ => return None,
    })
}

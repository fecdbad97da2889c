//! The raw ULONGs the crate's bit-field setters produce, for the reference's
//! `… -> raw ULONG 0x…` lines.

use ipsecov2_abi::*;

/// Raw value the crate produces for a bit-field line such as `Receive.CryptoDone -> raw ULONG 0x2`.
pub fn bitfield_raw(what: &str) -> Option<u64> {
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

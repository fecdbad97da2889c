//! The SAs of a capture: what a case installed, as a Wireshark `esp_sa` row and as JSON, built
//! from an accepted ADD_SA element.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::{AddSa, Sec};

/// One ESP or AH SA a case installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaRecord {
    /// Inbound SA (else outbound).
    pub inbound: bool,
    /// IPv6 addresses (else IPv4 in the first 4 bytes).
    pub v6: bool,
    /// Source address.
    pub src: [u8; 16],
    /// Destination address (all zero: wildcard).
    pub dst: [u8; 16],
    /// ESP (else AH).
    pub esp: bool,
    /// SPI.
    pub spi: u32,
    /// `IPSEC_OFFLOAD_V2_ENCRYPTION_*` (0 for AH).
    pub enc: u32,
    /// Encryption key, salt included for AES-GCM.
    pub enc_key: Vec<u8>,
    /// `IPSEC_OFFLOAD_V2_AUTHENTICATION_*` (0 for none).
    pub auth: u32,
    /// Authentication key, salt included for AES-GMAC.
    pub auth_key: Vec<u8>,
    /// ICV length of an AES-GCM ESP SA (`EncryptionAlgorithm.AdditionalInfo`).
    pub gcm_icv: u32,
    /// ESN SA.
    pub esn: bool,
    /// ESN high-order bits (updated by UPDATE_SA).
    pub seq_high: u32,
    /// `UdpEspEncapsulation`.
    pub udp_esp: u32,
    /// Offload handle the filter returned for the ADD_SA element.
    pub handle: u64,
    /// Index of the other SA of an ESP+AH bundle.
    pub bundle_with: Option<usize>,
}

impl SaRecord {
    pub(super) fn family(&self) -> &'static str {
        if self.v6 {
            "IPv6"
        } else {
            "IPv4"
        }
    }

    pub(super) fn addr(&self, a: &[u8; 16]) -> String {
        if a.iter().all(|&b| b == 0) {
            return "*".into();
        }
        if self.v6 {
            Ipv6Addr::from(*a).to_string()
        } else {
            Ipv4Addr::new(a[0], a[1], a[2], a[3]).to_string()
        }
    }

    pub(super) fn is_gcm(&self) -> bool {
        matches!(
            self.enc,
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128
                | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192
                | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256
        )
    }

    pub(super) fn is_gmac(&self) -> bool {
        matches!(
            self.auth,
            IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_128
                | IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_192
                | IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_256
        )
    }

    /// (name, key without salt, salt, IV length, block size) of the encryption.
    pub(super) fn enc_view(&self) -> (&'static str, &[u8], &[u8], usize, usize) {
        let k = self.enc_key.as_slice();
        let (gk, gs) = k_split(k);
        match self.enc {
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128 => ("AES-GCM-128", gk, gs, 8, 4),
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192 => ("AES-GCM-192", gk, gs, 8, 4),
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256 => ("AES-GCM-256", gk, gs, 8, 4),
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128 => ("AES-CBC-128", k, &[], 16, 16),
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192 => ("AES-CBC-192", k, &[], 16, 16),
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256 => ("AES-CBC-256", k, &[], 16, 16),
            IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC => ("DES-CBC", k, &[], 8, 8),
            IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC => ("3DES-CBC", k, &[], 8, 8),
            // ESP-GMAC: the 8-byte IV travels like GCM's.
            _ if self.esp && self.is_gmac() => ("NULL", &[], &[], 8, 4),
            _ if self.esp => ("NULL", &[], &[], 0, 4),
            _ => ("", &[], &[], 0, 0),
        }
    }

    /// (name, key without salt, salt, ICV length) of the authentication.
    pub(super) fn auth_view(&self) -> (&'static str, &[u8], &[u8], usize) {
        let k = self.auth_key.as_slice();
        let (gk, gs) = k_split(k);
        match self.auth {
            IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5 => ("HMAC-MD5-96", k, &[], 12),
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1 => ("HMAC-SHA1-96", k, &[], 12),
            IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256 => ("HMAC-SHA-256-128", k, &[], 16),
            IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_128 => ("AES-GMAC-128", gk, gs, 16),
            IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_192 => ("AES-GMAC-192", gk, gs, 16),
            IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_256 => ("AES-GMAC-256", gk, gs, 16),
            _ if self.is_gcm() => ("NULL", &[], &[], self.gcm_icv as usize),
            _ => ("NULL", &[], &[], 0),
        }
    }

    /// The Wireshark `esp_sa` row, and whether Wireshark can check the ICV with it (`None` for
    /// AH: the table is ESP's).
    pub fn wireshark_row(&self) -> Option<(String, bool)> {
        if !self.esp {
            return None;
        }
        let hex = |k: &[u8]| {
            if k.is_empty() {
                String::new()
            } else {
                format!("0x{}", hex(k))
            }
        };
        let (enc, enc_key, auth, auth_key, checks) = if self.is_gcm() {
            let e = match self.gcm_icv {
                8 => "AES-GCM with 8 octet ICV [RFC4106]",
                12 => "AES-GCM with 12 octet ICV [RFC4106]",
                _ => "AES-GCM with 16 octet ICV [RFC4106]",
            };
            (e, hex(&self.enc_key), "NULL", String::new(), true)
        } else if self.is_gmac() {
            // No ENCR_NULL_AUTH_AES_GMAC in Wireshark 4.0: the payload is clear text under a
            // 16-byte ICV, so it can be dissected, not checked (the 8-byte IV is shown as data).
            (
                "NULL",
                String::new(),
                "ANY 128 bit authentication [no checking]",
                String::new(),
                false,
            )
        } else {
            let e = match self.enc {
                IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128
                | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_192
                | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_256 => "AES-CBC [RFC3602]",
                IPSEC_OFFLOAD_V2_ENCRYPTION_DES_CBC => "DES-CBC [RFC2405]",
                IPSEC_OFFLOAD_V2_ENCRYPTION_3_DES_CBC => "TripleDES-CBC [RFC2451]",
                _ => "NULL",
            };
            let a = match self.auth {
                IPSEC_OFFLOAD_V2_AUTHENTICATION_MD5 => "HMAC-MD5-96 [RFC2403]",
                IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1 => "HMAC-SHA-1-96 [RFC2404]",
                IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256 => "HMAC-SHA-256-128 [RFC4868]",
                _ => "NULL",
            };
            // NULL ESP without integrity (inside an AH bundle) has no ICV to check.
            let checks = self.auth != 0;
            (e, hex(&self.enc_key), a, hex(&self.auth_key), checks)
        };
        let row = [
            self.family().to_string(),
            self.addr(&self.src),
            self.addr(&self.dst),
            format!("0x{:08x}", self.spi),
            enc.to_string(),
            enc_key,
            auth.to_string(),
            auth_key,
        ]
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(",");
        // Wireshark 4.0 has no ESN column: the high bits cannot enter its ICV check.
        Some((row, checks && !self.esn))
    }

    pub(super) fn json(&self, index: usize) -> serde_json::Value {
        let (enc, enc_key, enc_salt, iv_len, block) = self.enc_view();
        let (auth, auth_key, auth_salt, icv_len) = self.auth_view();
        let salt = if enc_salt.is_empty() {
            auth_salt
        } else {
            enc_salt
        };
        let udp = match self.udp_esp {
            0 => "none",
            IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT => "transport",
            IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TUNNEL => "tunnel",
            IPSEC_OFFLOAD_V2_TRANSPORT_OVER_UDP_ESP_ENCAPSULATION_TUNNEL => "transport-over-tunnel",
            IPSEC_OFFLOAD_V2_UDP_ESP_ENCAPSULATION_TRANSPORT_OVER_TUNNEL => {
                "udp-transport-over-tunnel"
            }
            _ => "other",
        };
        let ws = self.wireshark_row();
        serde_json::json!({
            "index": index,
            "proto": if self.esp { "esp" } else { "ah" },
            "dir": if self.inbound { "in" } else { "out" },
            "family": self.family(),
            "src": self.addr(&self.src),
            "dst": self.addr(&self.dst),
            "spi": self.spi,
            "enc": enc,
            "enc_key": hex(enc_key),
            "auth": auth,
            "auth_key": hex(auth_key),
            "salt": hex(salt),
            "iv_len": if self.esp { iv_len } else if self.is_gmac() { 8 } else { 0 },
            "block": block,
            "icv_len": icv_len,
            "esn": self.esn,
            "esn_high": self.seq_high,
            "udp_encap": udp,
            "udp_encap_port": if self.udp_esp != 0 { Some(4500) } else { None },
            "handle": self.handle,
            "bundle_with": self.bundle_with,
            "wireshark_row": ws.as_ref().map(|(r, _)| r.clone()),
            "wireshark_checks_icv": ws.is_some_and(|(_, c)| c),
        })
    }
}

pub(super) fn k_split(k: &[u8]) -> (&[u8], &[u8]) {
    k.split_at(k.len().saturating_sub(4))
}

pub(super) fn hex(b: &[u8]) -> String {
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

/// The SA records of an accepted ADD_SA element (ESP, AH, or both as a bundle).
pub fn sa_records(sa: &AddSa, handle: u64) -> Vec<SaRecord> {
    let key = |off: u32, len: u32| -> Vec<u8> {
        sa.keys
            .get(off as usize..(off as usize).saturating_add(len as usize))
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    };
    let n = (sa.num_ext_hdrs as usize).min(2);
    let gcm = |s: &Sec| {
        matches!(
            s.enc.id,
            IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128
                | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192
                | IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256
        )
    };
    sa.sa
        .iter()
        .take(n)
        .map(|s: &Sec| SaRecord {
            inbound: sa.flags & IPSEC_OFFLOAD_V2_INBOUND != 0,
            v6: sa.flags & IPSEC_OFFLOAD_V2_IPv6 != 0,
            src: sa.src,
            dst: sa.dst,
            esp: s.operation == IPsecOffloadV2Esp,
            spi: s.spi,
            enc: s.enc.id,
            enc_key: key(s.enc.key_off, s.enc.key_len),
            // AES-GCM's authentication field is ignored by the filter (docs/tcpip-reading.md,
            // point 7); AdditionalInfo may give the ICV length in bits.
            auth: if gcm(s) { 0 } else { s.auth.id },
            auth_key: if gcm(s) {
                Vec::new()
            } else {
                key(s.auth.key_off, s.auth.key_len)
            },
            gcm_icv: match s.enc.additional {
                64 => 8,
                96 => 12,
                128 => 16,
                other => other,
            },
            esn: s.flags & IPSEC_OFFLOAD_V2_ESN_SA != 0,
            seq_high: s.seq_high,
            udp_esp: sa.udp_esp,
            handle,
            bundle_with: None,
        })
        .collect()
}

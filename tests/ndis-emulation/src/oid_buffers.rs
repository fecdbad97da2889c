//! IPsecOV2 OID information buffers as TCP/IP writes them (the layout of the OID crate's test
//! builders), at [`BASE`] in the requester's address space.
//! Writes ADD_SA / ADD_SA_EX / DELETE_SA / UPDATE_SA structures into byte buffers.

use ipsecov2_abi::*;
use ipsecov2_oid::layout::security_association as sec;
use ipsecov2_oid::layout::{add_sa, add_sa_ex, algorithm_info as alg, delete_sa, update_sa};

/// Where test buffers pretend to live in the requester's address space (8-byte aligned).
pub const BASE: u64 = 0xffff_c000_1234_0000;

/// IPSEC_OFFLOAD_V2_ALGORITHM_INFO.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Alg {
    /// `Identifier`: one `IPSEC_OFFLOAD_V2_AUTHENTICATION_*` / `_ENCRYPTION_*` bit.
    pub id: u32,
    /// `KeyLength` in bytes.
    pub key_len: u32,
    /// `KeyOffsetBytes` into the element's key data.
    pub key_off: u32,
    /// `AdditionalInfo` (the ICV length for AES-GCM / GMAC).
    pub additional: u32,
}

/// IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sec {
    /// `Flags`.
    pub flags: u32,
    /// `Operation`: `IPsecOffloadV2Ah` or `IPsecOffloadV2Esp`.
    pub operation: i32,
    /// SPI in host order (written in network order).
    pub spi: u32,
    /// `AuthenticationAlgorithm`.
    pub auth: Alg,
    /// `EncryptionAlgorithm`.
    pub enc: Alg,
    /// `SequenceNumberHighOrder` (ESN high bits).
    pub seq_high: u32,
}

/// One IPSEC_OFFLOAD_V2_ADD_SA (or the fields of an ADD_SA_EX).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddSa {
    /// `Header.Type`.
    pub hdr_type: u8,
    /// `Header.Revision`.
    pub hdr_revision: u8,
    /// `Header.Size`.
    pub hdr_size: u16,
    /// `NumExtHdrs`: 1 or 2 (ESP then AH).
    pub num_ext_hdrs: u32,
    /// `Flags`.
    pub flags: u32,
    /// Source address (IPv4 in the first 4 bytes).
    pub src: [u8; 16],
    /// Destination address (IPv4 in the first 4 bytes).
    pub dst: [u8; 16],
    /// `UdpEspEncapsulation` bits.
    pub udp_esp: u32,
    /// `SecAssoc[0..2]`.
    pub sa: [Sec; 2],
    /// Key data (`KeyLength` bytes).
    pub keys: Vec<u8>,
    /// ADD_SA_EX only.
    pub switch_port: u32,
    /// `VlanId` (ADD_SA_EX only).
    pub vlan: u16,
}

fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    buf[at..at + bytes.len()].copy_from_slice(bytes);
}

fn put_sec(buf: &mut [u8], at: usize, s: &Sec) {
    put(buf, at + sec::FLAGS, &s.flags.to_le_bytes());
    put(buf, at + sec::OPERATION, &s.operation.to_le_bytes());
    // The SPI field holds the SPI in network byte order.
    put(buf, at + sec::SPI, &s.spi.to_be_bytes());
    for (o, a) in [
        (sec::AUTHENTICATION_ALGORITHM, &s.auth),
        (sec::ENCRYPTION_ALGORITHM, &s.enc),
    ] {
        put(buf, at + o + alg::IDENTIFIER, &a.id.to_le_bytes());
        put(buf, at + o + alg::KEY_LENGTH, &a.key_len.to_le_bytes());
        put(
            buf,
            at + o + alg::KEY_OFFSET_BYTES,
            &a.key_off.to_le_bytes(),
        );
        put(
            buf,
            at + o + alg::ADDITIONAL_INFO,
            &a.additional.to_le_bytes(),
        );
    }
    put(
        buf,
        at + sec::SEQUENCE_NUMBER_HIGH_ORDER,
        &s.seq_high.to_le_bytes(),
    );
}

fn put_header(buf: &mut [u8], at: usize, ty: u8, rev: u8, size: u16) {
    buf[at] = ty;
    buf[at + 1] = rev;
    put(buf, at + 2, &size.to_le_bytes());
}

impl AddSa {
    /// Bytes this element occupies in a list (fixed part and key data), rounded up to 8.
    pub fn stride(&self) -> usize {
        (add_sa::KEY_DATA + self.keys.len())
            .max(add_sa::SIZE)
            .next_multiple_of(8)
    }

    fn write_common(&self, buf: &mut [u8], at: usize, f: &CommonFields) {
        put(buf, at + f.num_ext_hdrs, &self.num_ext_hdrs.to_le_bytes());
        put(buf, at + f.flags, &self.flags.to_le_bytes());
        if self.flags & IPSEC_OFFLOAD_V2_IPv6 != 0 {
            put(buf, at + f.endpoints, &self.src);
            put(buf, at + f.endpoints + 16, &self.dst);
        } else {
            put(buf, at + f.endpoints, &self.src[..4]);
            put(buf, at + f.endpoints + 4, &self.dst[..4]);
        }
        put(buf, at + f.udp, &self.udp_esp.to_le_bytes());
        put_sec(buf, at + f.sec_assoc, &self.sa[0]);
        put_sec(buf, at + f.sec_assoc + sec::SIZE, &self.sa[1]);
    }
}

struct CommonFields {
    num_ext_hdrs: usize,
    flags: usize,
    endpoints: usize,
    udp: usize,
    sec_assoc: usize,
}

/// A list of ADD_SA elements laid out one after the other from offset 0, chained by `Next`
/// holding `BASE + offset`. Returns the buffer and each element's offset.
pub fn add_sa_list(elements: &[AddSa]) -> (Vec<u8>, Vec<usize>) {
    let total: usize = elements.iter().map(AddSa::stride).sum();
    let mut buf = vec![0u8; total];
    let mut offsets = Vec::new();
    let mut at = 0;
    for (i, e) in elements.iter().enumerate() {
        offsets.push(at);
        put_header(&mut buf, at, e.hdr_type, e.hdr_revision, e.hdr_size);
        let next = if i + 1 < elements.len() {
            BASE + (at + e.stride()) as u64
        } else {
            0
        };
        put(&mut buf, at + add_sa::NEXT, &next.to_le_bytes());
        e.write_common(
            &mut buf,
            at,
            &CommonFields {
                num_ext_hdrs: add_sa::NUM_EXT_HDRS,
                flags: add_sa::FLAGS,
                endpoints: add_sa::ENDPOINTS,
                udp: add_sa::UDP_ESP_ENCAPSULATION,
                sec_assoc: add_sa::SEC_ASSOC,
            },
        );
        // Garbage in OffloadHandle: the filter must overwrite it.
        put(
            &mut buf,
            at + add_sa::OFFLOAD_HANDLE,
            &0x5a5a_5a5a_5a5a_5a5a_u64.to_le_bytes(),
        );
        put(
            &mut buf,
            at + add_sa::KEY_LENGTH,
            &(e.keys.len() as u32).to_le_bytes(),
        );
        put(&mut buf, at + add_sa::KEY_DATA, &e.keys);
        at += e.stride();
    }
    (buf, offsets)
}

/// One ADD_SA_EX with its key data right after the structure (KeyOffset = sizeof).
pub fn add_sa_ex(e: &AddSa) -> Vec<u8> {
    let mut buf = vec![0u8; add_sa_ex::SIZE + e.keys.len()];
    let size = if e.hdr_size == NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1 {
        NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_EX_REVISION_1
    } else {
        e.hdr_size
    };
    put_header(&mut buf, 0, e.hdr_type, e.hdr_revision, size);
    e.write_common(
        &mut buf,
        0,
        &CommonFields {
            num_ext_hdrs: add_sa_ex::NUM_EXT_HDRS,
            flags: add_sa_ex::FLAGS,
            endpoints: add_sa_ex::ENDPOINTS,
            udp: add_sa_ex::UDP_ESP_ENCAPSULATION,
            sec_assoc: add_sa_ex::SEC_ASSOC,
        },
    );
    put(
        &mut buf,
        add_sa_ex::KEY_LENGTH,
        &(e.keys.len() as u32).to_le_bytes(),
    );
    put(
        &mut buf,
        add_sa_ex::KEY_OFFSET,
        &(add_sa_ex::SIZE as u32).to_le_bytes(),
    );
    put(
        &mut buf,
        add_sa_ex::SOURCE_SWITCH_PORT_ID,
        &e.switch_port.to_le_bytes(),
    );
    put(&mut buf, add_sa_ex::VLAN_ID, &e.vlan.to_le_bytes());
    put(&mut buf, add_sa_ex::SIZE, &e.keys);
    buf
}

/// A DELETE_SA list of `handles`, elements back to back.
pub fn delete_sa_list(handles: &[u64]) -> Vec<u8> {
    let size = delete_sa::SIZE_REVISION_1;
    let mut buf = vec![0u8; size * handles.len()];
    for (i, h) in handles.iter().enumerate() {
        let at = i * size;
        put_header(&mut buf, at, NDIS_OBJECT_TYPE_DEFAULT, 1, size as u16);
        let next = if i + 1 < handles.len() {
            BASE + (at + size) as u64
        } else {
            0
        };
        put(&mut buf, at + delete_sa::NEXT, &next.to_le_bytes());
        put(&mut buf, at + delete_sa::OFFLOAD_HANDLE, &h.to_le_bytes());
    }
    buf
}

/// An UPDATE_SA (sizeof bytes).
pub fn update_sa(handle: u64, operation: i32, spi: u32, seq_high: u32) -> Vec<u8> {
    let mut buf = vec![0u8; 0x20];
    put_header(
        &mut buf,
        0,
        NDIS_OBJECT_TYPE_DEFAULT,
        1,
        update_sa::SIZE_REVISION_1 as u16,
    );
    put(&mut buf, update_sa::OFFLOAD_HANDLE, &handle.to_le_bytes());
    put(&mut buf, update_sa::OPERATION, &operation.to_le_bytes());
    put(&mut buf, update_sa::SPI, &spi.to_be_bytes());
    put(
        &mut buf,
        update_sa::SEQUENCE_NUMBER_HIGH_ORDER,
        &seq_high.to_le_bytes(),
    );
    buf
}

/// Reads the OffloadHandle written back into an ADD_SA element at `offset`.
pub fn handle_at(buf: &[u8], offset: usize) -> u64 {
    buf.get(offset + add_sa::OFFLOAD_HANDLE..offset + add_sa::OFFLOAD_HANDLE + 8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// A key of `len` bytes whose bytes start at `seed` (distinct keys per SA).
pub fn key(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| seed.wrapping_add(i as u8)).collect()
}

fn base_sa(num: u32, sa: [Sec; 2], keys: Vec<u8>) -> AddSa {
    AddSa {
        hdr_type: NDIS_OBJECT_TYPE_DEFAULT,
        hdr_revision: NDIS_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1,
        hdr_size: NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1,
        num_ext_hdrs: num,
        flags: 0,
        src: [192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        dst: [192, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        udp_esp: 0,
        sa,
        keys,
        switch_port: 0,
        vlan: 0,
    }
}

/// ESP with AES-GCM (`bits` 128/192/256), key+salt in EncryptionAlgorithm, ICV `icv`.
pub fn esp_gcm(spi: u32, bits: u32, icv: u32) -> AddSa {
    let id = match bits {
        128 => IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_128,
        192 => IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_192,
        _ => IPSEC_OFFLOAD_V2_ENCRYPTION_AES_GCM_256,
    };
    let len = bits / 8 + 4;
    let s = Sec {
        operation: IPsecOffloadV2Esp,
        spi,
        enc: Alg {
            id,
            key_len: len,
            key_off: 0,
            additional: icv,
        },
        ..Sec::default()
    };
    base_sa(1, [s, Sec::default()], key(len as usize, spi as u8))
}

/// ESP with a CBC (or NULL) cipher and an HMAC (or none); keys concatenated enc || auth.
pub fn esp_cbc(spi: u32, enc_id: u32, enc_len: u32, auth_id: u32, auth_len: u32) -> AddSa {
    let s = Sec {
        operation: IPsecOffloadV2Esp,
        spi,
        enc: Alg {
            id: enc_id,
            key_len: enc_len,
            key_off: 0,
            additional: 0,
        },
        auth: Alg {
            id: auth_id,
            key_len: auth_len,
            key_off: enc_len,
            additional: 0,
        },
        ..Sec::default()
    };
    base_sa(
        1,
        [s, Sec::default()],
        key((enc_len + auth_len) as usize, spi as u8),
    )
}

/// ESP-GMAC (RFC 4543): NULL encryption, AES-GMAC authentication with key+salt.
pub fn esp_gmac(spi: u32, bits: u32) -> AddSa {
    let id = match bits {
        128 => IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_128,
        192 => IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_192,
        _ => IPSEC_OFFLOAD_V2_AUTHENTICATION_AES_GCM_256,
    };
    let len = bits / 8 + 4;
    let s = Sec {
        operation: IPsecOffloadV2Esp,
        spi,
        enc: Alg {
            id: IPSEC_OFFLOAD_V2_ENCRYPTION_NONE,
            ..Alg::default()
        },
        auth: Alg {
            id,
            key_len: len,
            key_off: 0,
            additional: 16,
        },
        ..Sec::default()
    };
    base_sa(1, [s, Sec::default()], key(len as usize, spi as u8))
}

/// AH with an HMAC.
pub fn ah(spi: u32, auth_id: u32, auth_len: u32) -> AddSa {
    let s = Sec {
        operation: IPsecOffloadV2Ah,
        spi,
        auth: Alg {
            id: auth_id,
            key_len: auth_len,
            key_off: 0,
            additional: 0,
        },
        ..Sec::default()
    };
    base_sa(1, [s, Sec::default()], key(auth_len as usize, spi as u8))
}

/// ESP (AES-CBC-128 + HMAC-SHA1) followed by AH (HMAC-SHA-256); keys esp-enc || esp-auth || ah.
pub fn esp_ah(esp_spi: u32, ah_spi: u32) -> AddSa {
    let esp = Sec {
        operation: IPsecOffloadV2Esp,
        spi: esp_spi,
        enc: Alg {
            id: IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128,
            key_len: 16,
            key_off: 0,
            additional: 0,
        },
        auth: Alg {
            id: IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_1,
            key_len: 20,
            key_off: 16,
            additional: 0,
        },
        ..Sec::default()
    };
    let ah = Sec {
        operation: IPsecOffloadV2Ah,
        spi: ah_spi,
        auth: Alg {
            id: IPSEC_OFFLOAD_V2_AUTHENTICATION_SHA_256,
            key_len: 32,
            key_off: 36,
            additional: 0,
        },
        ..Sec::default()
    };
    base_sa(2, [esp, ah], key(68, esp_spi as u8))
}

//! Byte offsets of the IPsecOV2 OID structures (x64), from the verified reference layouts.
//!
//! The decoder reads fields at these offsets from raw bytes; the const
//! assertions tie every value to the `#[repr(C)]` mirrors in `ipsecov2-abi`, so the two can never
//! drift apart.

/// NDIS_OBJECT_HEADER: Type (u8), Revision (u8), Size (u16).
pub mod header {
    /// `Type`.
    pub const TYPE: usize = 0x0;
    /// `Revision`.
    pub const REVISION: usize = 0x1;
    /// `Size`.
    pub const SIZE: usize = 0x2;
}

/// IPSEC_OFFLOAD_V2_ALGORITHM_INFO.
pub mod algorithm_info {
    /// `Identifier`.
    pub const IDENTIFIER: usize = 0x0;
    /// `KeyLength`.
    pub const KEY_LENGTH: usize = 0x4;
    /// `KeyOffsetBytes`.
    pub const KEY_OFFSET_BYTES: usize = 0x8;
    /// `AdditionalInfo`.
    pub const ADDITIONAL_INFO: usize = 0xc;
}

/// IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION.
pub mod security_association {
    /// `Flags`.
    pub const FLAGS: usize = 0x0;
    /// `Operation`.
    pub const OPERATION: usize = 0x4;
    /// `Spi`.
    pub const SPI: usize = 0x8;
    /// `AuthenticationAlgorithm`.
    pub const AUTHENTICATION_ALGORITHM: usize = 0xc;
    /// `EncryptionAlgorithm`.
    pub const ENCRYPTION_ALGORITHM: usize = 0x1c;
    /// `SequenceNumberHighOrder`.
    pub const SEQUENCE_NUMBER_HIGH_ORDER: usize = 0x2c;
    /// sizeof.
    pub const SIZE: usize = 0x30;
}

/// IPSEC_OFFLOAD_V2_ADD_SA.
pub mod add_sa {
    /// `Next`.
    pub const NEXT: usize = 0x08;
    /// `NumExtHdrs`.
    pub const NUM_EXT_HDRS: usize = 0x10;
    /// `Flags`.
    pub const FLAGS: usize = 0x14;
    /// `IPv4Endpoints` / `IPv6Endpoints` (union).
    pub const ENDPOINTS: usize = 0x18;
    /// `OffloadHandle`.
    pub const OFFLOAD_HANDLE: usize = 0x38;
    /// `UdpEspEncapsulation`.
    pub const UDP_ESP_ENCAPSULATION: usize = 0x40;
    /// `SecAssoc[0]`.
    pub const SEC_ASSOC: usize = 0x44;
    /// `KeyLength`.
    pub const KEY_LENGTH: usize = 0xa4;
    /// `KeyData`.
    pub const KEY_DATA: usize = 0xa8;
    /// NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1.
    pub const SIZE_REVISION_1: usize = 0xa9;
    /// sizeof(IPSEC_OFFLOAD_V2_ADD_SA).
    pub const SIZE: usize = 0xb0;
}

/// IPSEC_OFFLOAD_V2_ADD_SA_EX.
pub mod add_sa_ex {
    /// `NumExtHdrs`.
    pub const NUM_EXT_HDRS: usize = 0x04;
    /// `Flags`.
    pub const FLAGS: usize = 0x08;
    /// `IPv4Endpoints` / `IPv6Endpoints` (union).
    pub const ENDPOINTS: usize = 0x0c;
    /// `OffloadHandle`.
    pub const OFFLOAD_HANDLE: usize = 0x30;
    /// `UdpEspEncapsulation`.
    pub const UDP_ESP_ENCAPSULATION: usize = 0x38;
    /// `SecAssoc[0]`.
    pub const SEC_ASSOC: usize = 0x3c;
    /// `KeyLength`.
    pub const KEY_LENGTH: usize = 0x9c;
    /// `KeyOffset`.
    pub const KEY_OFFSET: usize = 0xa0;
    /// `SourceSwitchPortId`.
    pub const SOURCE_SWITCH_PORT_ID: usize = 0xa4;
    /// `VlanId`.
    pub const VLAN_ID: usize = 0xa8;
    /// NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_EX_REVISION_1.
    pub const SIZE_REVISION_1: usize = 0xaa;
    /// sizeof(IPSEC_OFFLOAD_V2_ADD_SA_EX).
    pub const SIZE: usize = 0xb0;
}

/// IPSEC_OFFLOAD_V2_DELETE_SA.
pub mod delete_sa {
    /// `Next`.
    pub const NEXT: usize = 0x08;
    /// `OffloadHandle`.
    pub const OFFLOAD_HANDLE: usize = 0x10;
    /// NDIS_SIZEOF_IPSEC_OFFLOAD_V2_DELETE_SA_REVISION_1 (= sizeof).
    pub const SIZE_REVISION_1: usize = 0x18;
}

/// IPSEC_OFFLOAD_V2_UPDATE_SA.
pub mod update_sa {
    /// `OffloadHandle`.
    pub const OFFLOAD_HANDLE: usize = 0x08;
    /// `Operation`.
    pub const OPERATION: usize = 0x10;
    /// `Spi`.
    pub const SPI: usize = 0x14;
    /// `SequenceNumberHighOrder`.
    pub const SEQUENCE_NUMBER_HIGH_ORDER: usize = 0x18;
    /// NDIS_SIZEOF_IPSEC_OFFLOAD_V2_UPDATE_SA_REVISION_1.
    pub const SIZE_REVISION_1: usize = 0x1c;
}

/// Every offset above equals the one of the `#[repr(C)]` mirror in `ipsecov2-abi` (x64).
#[cfg(target_pointer_width = "64")]
const _: () = {
    use core::mem::{offset_of, size_of};
    use ipsecov2_abi::{
        IPSEC_OFFLOAD_V2_ADD_SA as A, IPSEC_OFFLOAD_V2_ADD_SA_EX as X,
        IPSEC_OFFLOAD_V2_ALGORITHM_INFO as G, IPSEC_OFFLOAD_V2_DELETE_SA as D,
        IPSEC_OFFLOAD_V2_SECURITY_ASSOCIATION as S, IPSEC_OFFLOAD_V2_UPDATE_SA as U,
        NDIS_OBJECT_HEADER as H,
    };
    assert!(offset_of!(H, Type) == header::TYPE);
    assert!(offset_of!(H, Revision) == header::REVISION);
    assert!(offset_of!(H, Size) == header::SIZE);
    assert!(offset_of!(G, Identifier) == algorithm_info::IDENTIFIER);
    assert!(offset_of!(G, KeyLength) == algorithm_info::KEY_LENGTH);
    assert!(offset_of!(G, KeyOffsetBytes) == algorithm_info::KEY_OFFSET_BYTES);
    assert!(offset_of!(G, AdditionalInfo) == algorithm_info::ADDITIONAL_INFO);
    assert!(offset_of!(S, Flags) == security_association::FLAGS);
    assert!(offset_of!(S, Operation) == security_association::OPERATION);
    assert!(offset_of!(S, Spi) == security_association::SPI);
    assert!(
        offset_of!(S, AuthenticationAlgorithm) == security_association::AUTHENTICATION_ALGORITHM
    );
    assert!(offset_of!(S, EncryptionAlgorithm) == security_association::ENCRYPTION_ALGORITHM);
    assert!(
        offset_of!(S, SequenceNumberHighOrder) == security_association::SEQUENCE_NUMBER_HIGH_ORDER
    );
    assert!(size_of::<S>() == security_association::SIZE);
    assert!(offset_of!(A, Next) == add_sa::NEXT);
    assert!(offset_of!(A, NumExtHdrs) == add_sa::NUM_EXT_HDRS);
    assert!(offset_of!(A, Flags) == add_sa::FLAGS);
    assert!(offset_of!(A, Anonymous) == add_sa::ENDPOINTS);
    assert!(offset_of!(A, OffloadHandle) == add_sa::OFFLOAD_HANDLE);
    assert!(offset_of!(A, UdpEspEncapsulation) == add_sa::UDP_ESP_ENCAPSULATION);
    assert!(offset_of!(A, SecAssoc) == add_sa::SEC_ASSOC);
    assert!(offset_of!(A, KeyLength) == add_sa::KEY_LENGTH);
    assert!(offset_of!(A, KeyData) == add_sa::KEY_DATA);
    assert!(size_of::<A>() == add_sa::SIZE);
    assert!(offset_of!(X, NumExtHdrs) == add_sa_ex::NUM_EXT_HDRS);
    assert!(offset_of!(X, Flags) == add_sa_ex::FLAGS);
    assert!(offset_of!(X, Anonymous) == add_sa_ex::ENDPOINTS);
    assert!(offset_of!(X, OffloadHandle) == add_sa_ex::OFFLOAD_HANDLE);
    assert!(offset_of!(X, UdpEspEncapsulation) == add_sa_ex::UDP_ESP_ENCAPSULATION);
    assert!(offset_of!(X, SecAssoc) == add_sa_ex::SEC_ASSOC);
    assert!(offset_of!(X, KeyLength) == add_sa_ex::KEY_LENGTH);
    assert!(offset_of!(X, KeyOffset) == add_sa_ex::KEY_OFFSET);
    assert!(offset_of!(X, SourceSwitchPortId) == add_sa_ex::SOURCE_SWITCH_PORT_ID);
    assert!(offset_of!(X, VlanId) == add_sa_ex::VLAN_ID);
    assert!(size_of::<X>() == add_sa_ex::SIZE);
    assert!(offset_of!(D, Next) == delete_sa::NEXT);
    assert!(offset_of!(D, OffloadHandle) == delete_sa::OFFLOAD_HANDLE);
    assert!(size_of::<D>() == delete_sa::SIZE_REVISION_1);
    assert!(offset_of!(U, OffloadHandle) == update_sa::OFFLOAD_HANDLE);
    assert!(offset_of!(U, Operation) == update_sa::OPERATION);
    assert!(offset_of!(U, Spi) == update_sa::SPI);
    assert!(offset_of!(U, SequenceNumberHighOrder) == update_sa::SEQUENCE_NUMBER_HIGH_ORDER);
    assert!(
        ipsecov2_abi::NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_REVISION_1 as usize
            == add_sa::SIZE_REVISION_1
    );
    assert!(
        ipsecov2_abi::NDIS_SIZEOF_IPSEC_OFFLOAD_V2_ADD_SA_EX_REVISION_1 as usize
            == add_sa_ex::SIZE_REVISION_1
    );
    assert!(
        ipsecov2_abi::NDIS_SIZEOF_IPSEC_OFFLOAD_V2_DELETE_SA_REVISION_1 as usize
            == delete_sa::SIZE_REVISION_1
    );
    assert!(
        ipsecov2_abi::NDIS_SIZEOF_IPSEC_OFFLOAD_V2_UPDATE_SA_REVISION_1 as usize
            == update_sa::SIZE_REVISION_1
    );
};

//! NTSTATUS / NDIS_STATUS values the host returns (as i32 bit patterns).
#![allow(overflowing_literals, clippy::unreadable_literal)]

pub const NDIS_STATUS_SUCCESS: i32 = 0;
pub const NDIS_STATUS_PENDING: i32 = 0x103;
pub const NDIS_STATUS_FAILURE: i32 = 0xC000_0001_u32 as i32;
pub const NDIS_STATUS_RESOURCES: i32 = 0xC000_009A_u32 as i32;
pub const NDIS_STATUS_INVALID_PARAMETER: i32 = 0xC000_000D_u32 as i32;
pub const NDIS_STATUS_BAD_VERSION: i32 = 0xC001_0004_u32 as i32;
pub const NDIS_STATUS_BAD_CHARACTERISTICS: i32 = 0xC001_0005_u32 as i32;
pub const STATUS_OBJECT_NAME_COLLISION: i32 = 0xC000_0035_u32 as i32;
pub const NDIS_STATUS_NOT_SUPPORTED: i32 = 0xC000_00BB_u32 as i32;

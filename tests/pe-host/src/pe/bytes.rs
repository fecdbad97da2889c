//! Little-endian reads that fail instead of panicking.

use super::PeError;

fn array<const N: usize>(data: &[u8], at: usize, what: &'static str) -> Result<[u8; N], PeError> {
    data.get(at..at.saturating_add(N))
        .and_then(|s| s.try_into().ok())
        .ok_or(PeError::Truncated {
            what,
            offset: at,
            len: N,
        })
}

pub fn u16_at(data: &[u8], at: usize, what: &'static str) -> Result<u16, PeError> {
    array(data, at, what).map(u16::from_le_bytes)
}

pub fn u32_at(data: &[u8], at: usize, what: &'static str) -> Result<u32, PeError> {
    array(data, at, what).map(u32::from_le_bytes)
}

pub fn u64_at(data: &[u8], at: usize, what: &'static str) -> Result<u64, PeError> {
    array(data, at, what).map(u64::from_le_bytes)
}

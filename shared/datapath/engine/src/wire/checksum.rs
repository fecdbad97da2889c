//! The Internet checksum (RFC 1071): one's-complement sum of 16-bit big-endian words, used by
//! the IPv4 header and the UDP pseudo-header checksums.

/// Adds `data` to the running one's-complement `sum` (an odd trailing byte is padded with zero).
pub fn accumulate(data: &[u8], mut sum: u32) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        if let [hi, lo] = *c {
            sum = sum.wrapping_add(u32::from(u16::from_be_bytes([hi, lo])));
            sum = (sum & 0xffff) + (sum >> 16);
        }
    }
    if let [last] = chunks.remainder() {
        sum = sum.wrapping_add(u32::from(*last) << 8);
    }
    sum
}

/// Folds the carries of a running sum into 16 bits (not complemented).
pub fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// The checksum field value of `data` whose checksum field is zero: `!fold(sum)`.
pub fn of(data: &[u8]) -> u16 {
    !fold(accumulate(data, 0))
}

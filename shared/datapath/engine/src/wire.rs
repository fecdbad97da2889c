//! Zero-copy checked views of the headers the engine needs, in the style of
//! smoltcp's `wire` module: `Packet<T: AsRef<[u8]>>` with `new_checked`,
//! field getters and (for `T: AsMut<[u8]>`) setters. Also helpers that
//! locate the ESP or AH header inside an IPv4/IPv6 packet (walking IPv4
//! options and IPv6 extension headers, and UDP-encapsulated ESP on port 4500
//! with the non-ESP marker, RFC 3948).

use crate::error::PacketError;

/// IP protocol numbers used here.
pub mod proto {
    /// IPv6 Hop-by-Hop Options.
    pub const HOPOPTS: u8 = 0;
    /// IPv4 (in IP).
    pub const IPV4: u8 = 4;
    /// TCP.
    pub const TCP: u8 = 6;
    /// UDP.
    pub const UDP: u8 = 17;
    /// IPv6 (in IP).
    pub const IPV6: u8 = 41;
    /// IPv6 Routing header.
    pub const ROUTING: u8 = 43;
    /// IPv6 Fragment header.
    pub const FRAGMENT: u8 = 44;
    /// ESP.
    pub const ESP: u8 = 50;
    /// AH.
    pub const AH: u8 = 51;
    /// No next header.
    pub const NONE: u8 = 59;
    /// IPv6 Destination Options.
    pub const DSTOPTS: u8 = 60;
}

/// UDP port for NAT-traversal encapsulation (RFC 3948).
pub const NAT_T_PORT: u16 = 4500;

fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(s) => u16::from_be_bytes([s[0], s[1]]),
        None => 0,
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(s) => u32::from_be_bytes([s[0], s[1], s[2], s[3]]),
        None => 0,
    }
}

fn put(b: &mut [u8], at: usize, v: &[u8]) {
    if let Some(d) = b.get_mut(at..at + v.len()) {
        d.copy_from_slice(v);
    }
}

/// IPv4 header view.
#[derive(Debug, Clone)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wrap after checking version, IHL and total length against the buffer.
    pub fn new_checked(buffer: T) -> Result<Self, PacketError> {
        let b = buffer.as_ref();
        let first = *b.first().ok_or(PacketError::Truncated)?;
        if first >> 4 != 4 {
            return Err(PacketError::Malformed);
        }
        let ihl = usize::from(first & 0x0f) * 4;
        if ihl < 20 {
            return Err(PacketError::Malformed);
        }
        if b.len() < ihl {
            return Err(PacketError::Truncated);
        }
        let total = usize::from(be16(b, 2));
        if total < ihl {
            return Err(PacketError::Malformed);
        }
        if b.len() < total {
            return Err(PacketError::Truncated);
        }
        Ok(Self { buffer })
    }
    /// Header length in bytes (IHL × 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref().first().copied().unwrap_or(0) & 0x0f) * 4
    }
    /// Total length field.
    pub fn total_len(&self) -> u16 {
        be16(self.buffer.as_ref(), 2)
    }
    /// Flags and fragment offset field.
    pub fn flags_frag(&self) -> u16 {
        be16(self.buffer.as_ref(), 6)
    }
    /// Whether this is a fragment (MF set or nonzero offset).
    pub fn is_fragment(&self) -> bool {
        self.flags_frag() & 0x3fff != 0
    }
    /// Protocol field.
    pub fn protocol(&self) -> u8 {
        self.buffer.as_ref().get(9).copied().unwrap_or(0)
    }
    /// Source address.
    pub fn src_addr(&self) -> [u8; 4] {
        be32(self.buffer.as_ref(), 12).to_be_bytes()
    }
    /// Destination address.
    pub fn dst_addr(&self) -> [u8; 4] {
        be32(self.buffer.as_ref(), 16).to_be_bytes()
    }
    /// Option bytes (between the fixed header and IHL).
    pub fn options(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(20..self.header_len())
            .unwrap_or(&[])
    }
    /// Bytes after the header up to the total length.
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        b.get(self.header_len()..usize::from(self.total_len()))
            .unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    /// Set total length.
    pub fn set_total_len(&mut self, v: u16) {
        put(self.buffer.as_mut(), 2, &v.to_be_bytes());
    }
    /// Set protocol.
    pub fn set_protocol(&mut self, v: u8) {
        put(self.buffer.as_mut(), 9, &[v]);
    }
    /// Recompute the header checksum.
    pub fn fill_checksum(&mut self) {
        let hl = self.header_len();
        put(self.buffer.as_mut(), 10, &[0, 0]);
        let sum = checksum(self.buffer.as_ref().get(..hl).unwrap_or(&[]), 0);
        put(self.buffer.as_mut(), 10, &(!fold(sum)).to_be_bytes());
    }
}

/// IPv6 fixed header view.
#[derive(Debug, Clone)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

/// IPv6 fixed header length.
pub const IPV6_HEADER_LEN: usize = 40;

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    /// Wrap after checking version and payload length against the buffer.
    pub fn new_checked(buffer: T) -> Result<Self, PacketError> {
        let b = buffer.as_ref();
        let first = *b.first().ok_or(PacketError::Truncated)?;
        if first >> 4 != 6 {
            return Err(PacketError::Malformed);
        }
        if b.len() < IPV6_HEADER_LEN {
            return Err(PacketError::Truncated);
        }
        if b.len() < IPV6_HEADER_LEN + usize::from(be16(b, 4)) {
            return Err(PacketError::Truncated);
        }
        Ok(Self { buffer })
    }
    /// Payload length field.
    pub fn payload_len(&self) -> u16 {
        be16(self.buffer.as_ref(), 4)
    }
    /// Next header field.
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref().get(6).copied().unwrap_or(0)
    }
    /// Hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref().get(7).copied().unwrap_or(0)
    }
    /// Source address.
    pub fn src_addr(&self) -> [u8; 16] {
        let mut a = [0u8; 16];
        if let Some(s) = self.buffer.as_ref().get(8..24) {
            a.copy_from_slice(s);
        }
        a
    }
    /// Destination address.
    pub fn dst_addr(&self) -> [u8; 16] {
        let mut a = [0u8; 16];
        if let Some(s) = self.buffer.as_ref().get(24..40) {
            a.copy_from_slice(s);
        }
        a
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    /// Set the payload length.
    pub fn set_payload_len(&mut self, v: u16) {
        put(self.buffer.as_mut(), 4, &v.to_be_bytes());
    }
    /// Set next header.
    pub fn set_next_header(&mut self, v: u8) {
        put(self.buffer.as_mut(), 6, &[v]);
    }
}

/// UDP header view.
#[derive(Debug, Clone)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

/// UDP header length.
pub const UDP_HEADER_LEN: usize = 8;

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wrap after checking the header fits and the length field is sane.
    pub fn new_checked(buffer: T) -> Result<Self, PacketError> {
        let b = buffer.as_ref();
        if b.len() < UDP_HEADER_LEN {
            return Err(PacketError::Truncated);
        }
        let len = usize::from(be16(b, 4));
        if len < UDP_HEADER_LEN || len > b.len() {
            return Err(PacketError::BadLength);
        }
        Ok(Self { buffer })
    }
    /// Source port.
    pub fn src_port(&self) -> u16 {
        be16(self.buffer.as_ref(), 0)
    }
    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        be16(self.buffer.as_ref(), 2)
    }
    /// Length field.
    pub fn len(&self) -> u16 {
        be16(self.buffer.as_ref(), 4)
    }
    /// Whether the length field says the datagram is header-only.
    pub fn is_empty(&self) -> bool {
        usize::from(self.len()) <= UDP_HEADER_LEN
    }
    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        be16(self.buffer.as_ref(), 6)
    }
    /// Payload per the length field.
    pub fn payload(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(UDP_HEADER_LEN..usize::from(self.len()))
            .unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    /// Set the length field.
    pub fn set_len(&mut self, v: u16) {
        put(self.buffer.as_mut(), 4, &v.to_be_bytes());
    }
    /// Set the checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        put(self.buffer.as_mut(), 6, &v.to_be_bytes());
    }
}

/// ESP header view (SPI and sequence number).
#[derive(Debug, Clone)]
pub struct EspPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EspPacket<T> {
    /// Wrap after checking the 8-byte header fits.
    pub fn new_checked(buffer: T) -> Result<Self, PacketError> {
        if buffer.as_ref().len() < 8 {
            return Err(PacketError::Truncated);
        }
        Ok(Self { buffer })
    }
    /// SPI.
    pub fn spi(&self) -> u32 {
        be32(self.buffer.as_ref(), 0)
    }
    /// Low 32 bits of the sequence number.
    pub fn seq(&self) -> u32 {
        be32(self.buffer.as_ref(), 4)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EspPacket<T> {
    /// Set the SPI.
    pub fn set_spi(&mut self, v: u32) {
        put(self.buffer.as_mut(), 0, &v.to_be_bytes());
    }
    /// Set the sequence number.
    pub fn set_seq(&mut self, v: u32) {
        put(self.buffer.as_mut(), 4, &v.to_be_bytes());
    }
}

/// AH header view.
#[derive(Debug, Clone)]
pub struct AhPacket<T: AsRef<[u8]>> {
    buffer: T,
}

/// AH fixed header length (before the ICV field).
pub const AH_FIXED_LEN: usize = 12;

impl<T: AsRef<[u8]>> AhPacket<T> {
    /// Wrap after checking the header and its declared length fit.
    pub fn new_checked(buffer: T) -> Result<Self, PacketError> {
        let b = buffer.as_ref();
        if b.len() < AH_FIXED_LEN {
            return Err(PacketError::Truncated);
        }
        let len = (usize::from(b[1]) + 2) * 4;
        if len < AH_FIXED_LEN {
            return Err(PacketError::BadLength);
        }
        if len > b.len() {
            return Err(PacketError::Truncated);
        }
        Ok(Self { buffer })
    }
    /// Next header.
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref().first().copied().unwrap_or(0)
    }
    /// Total AH length in bytes ((payload length + 2) × 4).
    pub fn header_len(&self) -> usize {
        (usize::from(self.buffer.as_ref().get(1).copied().unwrap_or(0)) + 2) * 4
    }
    /// SPI.
    pub fn spi(&self) -> u32 {
        be32(self.buffer.as_ref(), 4)
    }
    /// Low 32 bits of the sequence number.
    pub fn seq(&self) -> u32 {
        be32(self.buffer.as_ref(), 8)
    }
    /// ICV field (including any GMAC IV and alignment padding).
    pub fn icv_field(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(AH_FIXED_LEN..self.header_len())
            .unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> AhPacket<T> {
    /// Set next header.
    pub fn set_next_header(&mut self, v: u8) {
        put(self.buffer.as_mut(), 0, &[v]);
    }
    /// Set the payload length field from a total AH length in bytes
    /// (must be a multiple of 4, at least 12).
    pub fn set_header_len(&mut self, total: usize) -> Result<(), PacketError> {
        if !total.is_multiple_of(4) || total < AH_FIXED_LEN {
            return Err(PacketError::BadLength);
        }
        let v = u8::try_from(total / 4 - 2).map_err(|_| PacketError::BadLength)?;
        put(self.buffer.as_mut(), 1, &[v]);
        Ok(())
    }
    /// Set the SPI.
    pub fn set_spi(&mut self, v: u32) {
        put(self.buffer.as_mut(), 4, &v.to_be_bytes());
    }
    /// Set the sequence number.
    pub fn set_seq(&mut self, v: u32) {
        put(self.buffer.as_mut(), 8, &v.to_be_bytes());
    }
}

/// Which IPsec header was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpsecKind {
    /// ESP directly in IP.
    Esp,
    /// ESP in UDP (RFC 3948); `udp_offset` locates the UDP header.
    UdpEsp {
        /// Offset of the UDP header.
        udp_offset: usize,
    },
    /// AH.
    Ah,
}

/// Location of the outermost ESP/AH header in an IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpsecLocation {
    /// IP version (4 or 6).
    pub ip_version: u8,
    /// Kind of header.
    pub kind: IpsecKind,
    /// Offset of the ESP or AH header from the start of the IP header.
    pub offset: usize,
    /// Offset one past the end of the IP datagram (from the length fields).
    pub end: usize,
}

/// Length of an IPv6 extension header at `at` with type `nh`, or an error
/// for fragments / truncation.
fn ext_len(b: &[u8], at: usize, nh: u8) -> Result<usize, PacketError> {
    let l = usize::from(*b.get(at + 1).ok_or(PacketError::Truncated)?);
    let len = if nh == proto::AH {
        (l + 2) * 4
    } else {
        (l + 1) * 8
    };
    if b.len() < at + len {
        return Err(PacketError::Truncated);
    }
    Ok(len)
}

/// Find the first ESP or AH header (or UDP-encapsulated ESP on port 4500) in
/// an IPv4 or IPv6 packet starting at `packet[0]`. IPv4 options are skipped
/// via IHL; IPv6 Hop-by-Hop, Routing and Destination options headers are
/// walked. UDP 4500 payloads starting with the four-byte non-ESP marker
/// (IKE) or the one-byte NAT keepalive are [`PacketError::NotIpsec`].
pub fn locate_ipsec(packet: &[u8]) -> Result<IpsecLocation, PacketError> {
    let first = *packet.first().ok_or(PacketError::Truncated)?;
    let (ver, mut nh, mut at, end) = match first >> 4 {
        4 => {
            let p = Ipv4Packet::new_checked(packet)?;
            if p.is_fragment() {
                return Err(PacketError::Fragment);
            }
            (
                4u8,
                p.protocol(),
                p.header_len(),
                usize::from(p.total_len()),
            )
        }
        6 => {
            let p = Ipv6Packet::new_checked(packet)?;
            (
                6u8,
                p.next_header(),
                IPV6_HEADER_LEN,
                IPV6_HEADER_LEN + usize::from(p.payload_len()),
            )
        }
        _ => return Err(PacketError::Malformed),
    };
    let b = packet.get(..end).ok_or(PacketError::Truncated)?;
    // Bounded: each step advances by at least 8 bytes.
    loop {
        match nh {
            proto::ESP => {
                EspPacket::new_checked(b.get(at..).unwrap_or(&[]))?;
                return Ok(IpsecLocation {
                    ip_version: ver,
                    kind: IpsecKind::Esp,
                    offset: at,
                    end,
                });
            }
            proto::AH => {
                AhPacket::new_checked(b.get(at..).unwrap_or(&[]))?;
                return Ok(IpsecLocation {
                    ip_version: ver,
                    kind: IpsecKind::Ah,
                    offset: at,
                    end,
                });
            }
            proto::UDP => {
                let udp = UdpPacket::new_checked(b.get(at..).unwrap_or(&[]))?;
                if udp.dst_port() != NAT_T_PORT && udp.src_port() != NAT_T_PORT {
                    return Err(PacketError::NotIpsec);
                }
                let pl = udp.payload();
                // NAT keepalive: a single 0xFF byte.
                if pl.len() < 8 {
                    return Err(PacketError::NotIpsec);
                }
                // Non-ESP marker: four zero bytes where the SPI would be (IKE).
                if pl.get(..4) == Some(&[0, 0, 0, 0]) {
                    return Err(PacketError::NotIpsec);
                }
                return Ok(IpsecLocation {
                    ip_version: ver,
                    kind: IpsecKind::UdpEsp { udp_offset: at },
                    offset: at + UDP_HEADER_LEN,
                    end: at + usize::from(udp.len()),
                });
            }
            proto::HOPOPTS | proto::ROUTING | proto::DSTOPTS if ver == 6 => {
                let len = ext_len(b, at, nh)?;
                nh = *b.get(at).ok_or(PacketError::Truncated)?;
                at += len;
            }
            proto::FRAGMENT if ver == 6 => return Err(PacketError::Fragment),
            _ => return Err(PacketError::NotIpsec),
        }
    }
}

pub(crate) fn checksum(data: &[u8], mut sum: u32) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum = sum.wrapping_add(u32::from(u16::from_be_bytes([c[0], c[1]])));
        sum = (sum & 0xffff) + (sum >> 16);
    }
    if let [last] = chunks.remainder() {
        sum = sum.wrapping_add(u32::from(*last) << 8);
    }
    sum
}

pub(crate) fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// Fix the UDP header of a UDP-encapsulated ESP packet after sealing
/// (RFC 3948 §3.1): the length field is set from the datagram end, and the
/// checksum is set to zero for IPv4 (RFC 3948 §3.1.1: "SHOULD be zero")
/// or computed over the pseudo-header for IPv6, where a zero UDP checksum
/// is not allowed (RFC 8200 §8.1).
pub fn fix_udp_encap(packet: &mut [u8], udp_offset: usize, end: usize) -> Result<(), PacketError> {
    let first = *packet.first().ok_or(PacketError::Truncated)?;
    let udp_len = end.checked_sub(udp_offset).ok_or(PacketError::BadLength)?;
    let len16 = u16::try_from(udp_len).map_err(|_| PacketError::BadLength)?;
    if udp_len < UDP_HEADER_LEN || packet.len() < end {
        return Err(PacketError::Truncated);
    }
    let mut pseudo = 0u32;
    let v6 = match first >> 4 {
        4 => false,
        6 => {
            let src = packet.get(8..24).ok_or(PacketError::Truncated)?;
            let dst = packet.get(24..40).ok_or(PacketError::Truncated)?;
            pseudo = checksum(src, pseudo);
            pseudo = checksum(dst, pseudo);
            pseudo = checksum(&u32::from(len16).to_be_bytes(), pseudo);
            pseudo = checksum(&[0, 0, 0, proto::UDP], pseudo);
            true
        }
        _ => return Err(PacketError::Malformed),
    };
    let seg = packet
        .get_mut(udp_offset..end)
        .ok_or(PacketError::Truncated)?;
    let mut udp = UdpPacket { buffer: &mut *seg };
    udp.set_len(len16);
    udp.set_checksum(0);
    if v6 {
        let sum = checksum(seg, pseudo);
        let mut c = !fold(sum);
        if c == 0 {
            c = 0xffff;
        }
        put(seg, 6, &c.to_be_bytes());
    }
    Ok(())
}

/// Verify an IPv6 UDP checksum (helper for tests and the receive path).
pub fn udp6_checksum_ok(packet: &[u8], udp_offset: usize, end: usize) -> bool {
    let (Some(src), Some(dst), Some(seg)) = (
        packet.get(8..24),
        packet.get(24..40),
        packet.get(udp_offset..end),
    ) else {
        return false;
    };
    let len = seg.len() as u32;
    let mut s = checksum(src, 0);
    s = checksum(dst, s);
    s = checksum(&len.to_be_bytes(), s);
    s = checksum(&[0, 0, 0, proto::UDP], s);
    s = checksum(seg, s);
    fold(s) == 0xffff
}

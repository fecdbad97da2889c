//! Ethernet II frames (IEEE 802.3 with an EtherType) and their 802.1Q / 802.1ad VLAN tags.

use super::field::{self as f, Field};
use crate::error::PacketError;

/// Field ranges of the Ethernet II header.
pub mod field {
    use super::Field;
    /// Destination MAC address.
    pub const DESTINATION: Field = 0..6;
    /// Source MAC address.
    pub const SOURCE: Field = 6..12;
    /// EtherType, or the TPID of the first VLAN tag.
    pub const ETHERTYPE: Field = 12..14;
    /// First byte after the untagged header.
    pub const PAYLOAD: usize = 14;
}

/// Length of an untagged Ethernet II header.
pub const HEADER_LEN: usize = field::PAYLOAD;
/// Length of one VLAN tag (TPID + TCI) inserted in front of the EtherType.
pub const VLAN_TAG_LEN: usize = 4;

/// EtherType values.
pub mod ethertype {
    /// IPv4.
    pub const IPV4: u16 = 0x0800;
    /// IPv6.
    pub const IPV6: u16 = 0x86dd;
    /// 802.1Q VLAN tag (C-tag).
    pub const VLAN: u16 = 0x8100;
    /// 802.1ad service tag (S-tag, QinQ).
    pub const QINQ: u16 = 0x88a8;
    /// Pre-standard QinQ tag.
    pub const QINQ_OLD: u16 = 0x9100;

    /// Whether `t` is the TPID of any VLAN tag above.
    #[must_use]
    pub fn is_vlan_tag(t: u16) -> bool {
        matches!(t, VLAN | QINQ | QINQ_OLD)
    }
}

/// A view of an Ethernet II frame.
#[derive(Debug, Clone)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Wraps without checking; accessors of fields outside the buffer read zero.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps after checking the untagged header fits.
    pub fn new_checked(buffer: T) -> Result<Self, PacketError> {
        super::need(buffer.as_ref(), HEADER_LEN)?;
        Ok(Self { buffer })
    }

    /// Destination MAC address.
    pub fn destination(&self) -> [u8; 6] {
        f::bytes(self.buffer.as_ref(), field::DESTINATION).unwrap_or_default()
    }

    /// Source MAC address.
    pub fn source(&self) -> [u8; 6] {
        f::bytes(self.buffer.as_ref(), field::SOURCE).unwrap_or_default()
    }

    /// The EtherType field (the TPID when the frame is tagged).
    pub fn ethertype(&self) -> u16 {
        f::read16(self.buffer.as_ref(), field::ETHERTYPE).unwrap_or(0)
    }

    /// Skips at most `max_tags` VLAN tags whose TPID `is_tag` accepts; returns the offset of the
    /// payload and its EtherType. [`PacketError::Truncated`] when a tag or EtherType is cut off.
    pub fn payload_type(
        &self,
        max_tags: usize,
        is_tag: impl Fn(u16) -> bool,
    ) -> Result<(usize, u16), PacketError> {
        let b = self.buffer.as_ref();
        let mut at = field::ETHERTYPE.start;
        let mut t = f::be16(b, at).ok_or(PacketError::Truncated)?;
        let mut tags = 0;
        // Bounded: every tag advances `at` by four bytes and the read fails past the end.
        while tags < max_tags && is_tag(t) {
            at = at.checked_add(VLAN_TAG_LEN).ok_or(PacketError::Truncated)?;
            t = f::be16(b, at).ok_or(PacketError::Truncated)?;
            tags += 1;
        }
        Ok((at + 2, t))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EthernetFrame<T> {
    /// Sets the destination MAC address.
    pub fn set_destination(&mut self, v: [u8; 6]) {
        f::write(self.buffer.as_mut(), field::DESTINATION, &v);
    }
    /// Sets the source MAC address.
    pub fn set_source(&mut self, v: [u8; 6]) {
        f::write(self.buffer.as_mut(), field::SOURCE, &v);
    }
    /// Sets the EtherType.
    pub fn set_ethertype(&mut self, v: u16) {
        f::write16(self.buffer.as_mut(), field::ETHERTYPE, v);
    }
}

/// The fields of an untagged Ethernet II header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthernetRepr {
    /// Source MAC address.
    pub src: [u8; 6],
    /// Destination MAC address.
    pub dst: [u8; 6],
    /// EtherType.
    pub ethertype: u16,
}

impl EthernetRepr {
    /// Reads the header of `frame`.
    pub fn parse<T: AsRef<[u8]>>(frame: &EthernetFrame<T>) -> Self {
        Self {
            src: frame.source(),
            dst: frame.destination(),
            ethertype: frame.ethertype(),
        }
    }

    /// Writes the header into the first [`HEADER_LEN`] bytes of `frame`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut EthernetFrame<T>) {
        frame.set_destination(self.dst);
        frame.set_source(self.src);
        frame.set_ethertype(self.ethertype);
    }

    /// The header as bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        self.emit(&mut EthernetFrame::new_unchecked(&mut b[..]));
        b
    }
}

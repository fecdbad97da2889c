//! Inbound lookup keys: (SPI, destination address, IPsec protocol).

use core::fmt;

/// Address family of an [`IpAddress`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum AddressFamily {
    /// IPv4 (4-byte address).
    V4 = 4,
    /// IPv6 (16-byte address).
    V6 = 6,
}

/// A `no_std` IP address: 16 bytes plus the family.
///
/// An IPv4 address occupies the first 4 bytes and the remaining 12 are always zero, so two
/// addresses are equal exactly when their family and meaningful bytes are equal (the fields are
/// private to keep that normalisation).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpAddress {
    family: AddressFamily,
    bytes: [u8; 16],
}

impl IpAddress {
    /// An IPv4 address from its 4 bytes in network order.
    #[must_use]
    pub const fn v4(octets: [u8; 4]) -> Self {
        let [a, b, c, d] = octets;
        Self {
            family: AddressFamily::V4,
            bytes: [a, b, c, d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        }
    }

    /// An IPv6 address from its 16 bytes in network order.
    #[must_use]
    pub const fn v6(octets: [u8; 16]) -> Self {
        Self {
            family: AddressFamily::V6,
            bytes: octets,
        }
    }

    /// The address family.
    #[must_use]
    pub const fn family(&self) -> AddressFamily {
        self.family
    }

    /// The meaningful bytes in network order: 4 for IPv4, 16 for IPv6.
    #[must_use]
    pub fn octets(&self) -> &[u8] {
        match self.family {
            AddressFamily::V4 => self.bytes.get(..4).unwrap_or(&self.bytes),
            AddressFamily::V6 => &self.bytes,
        }
    }

    /// All 16 storage bytes (IPv4: address then 12 zero bytes).
    #[must_use]
    pub const fn raw_bytes(&self) -> &[u8; 16] {
        &self.bytes
    }
}

impl fmt::Debug for IpAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.family {
            AddressFamily::V4 => {
                let [a, b, c, d, ..] = self.bytes;
                write!(f, "{a}.{b}.{c}.{d}")
            }
            AddressFamily::V6 => {
                for (i, pair) in self.bytes.chunks_exact(2).enumerate() {
                    if i > 0 {
                        f.write_str(":")?;
                    }
                    let word = pair.iter().fold(0u16, |acc, &b| (acc << 8) | u16::from(b));
                    write!(f, "{word:x}")?;
                }
                Ok(())
            }
        }
    }
}

/// The IPsec protocol of an SA (the IP protocol number of its header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum IpsecProtocol {
    /// Encapsulating Security Payload, IP protocol 50.
    Esp = 50,
    /// Authentication Header, IP protocol 51.
    Ah = 51,
}

impl IpsecProtocol {
    /// The IP protocol number.
    #[must_use]
    pub const fn number(self) -> u8 {
        self as u8
    }
}

/// Error for an IP protocol number that is neither ESP (50) nor AH (51).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotIpsecProtocol(pub u8);

impl fmt::Display for NotIpsecProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IP protocol {} is neither ESP (50) nor AH (51)", self.0)
    }
}

impl TryFrom<u8> for IpsecProtocol {
    type Error = NotIpsecProtocol;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            50 => Ok(Self::Esp),
            51 => Ok(Self::Ah),
            other => Err(NotIpsecProtocol(other)),
        }
    }
}

impl From<IpsecProtocol> for u8 {
    fn from(value: IpsecProtocol) -> Self {
        value.number()
    }
}

/// The key that identifies an inbound SA: what a received ESP/AH header plus its IP header give.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InboundKey {
    /// Security Parameters Index, host byte order.
    pub spi: u32,
    /// Destination address of the received packet (our address).
    pub dst: IpAddress,
    /// ESP or AH.
    pub proto: IpsecProtocol,
}

impl InboundKey {
    /// A key from its parts.
    #[must_use]
    pub const fn new(spi: u32, dst: IpAddress, proto: IpsecProtocol) -> Self {
        Self { spi, dst, proto }
    }

    /// The key as three 64-bit words, the input of the keyed hash.
    pub(crate) fn words(&self) -> [u64; 3] {
        let b = self.dst.bytes;
        let w0 = u64::from(self.spi)
            | (u64::from(self.proto.number()) << 32)
            | (u64::from(self.dst.family as u8) << 40);
        let w1 = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        let w2 = u64::from_le_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);
        [w0, w1, w2]
    }
}

/// Maximum number of inbound keys one SA may register (an ESP+AH bundle registers two).
pub const MAX_KEYS_PER_SA: usize = 2;

/// The inbound keys of one SA: none (outbound SA), one, or two (ESP+AH bundle).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct InboundKeys {
    keys: [Option<InboundKey>; MAX_KEYS_PER_SA],
}

impl InboundKeys {
    /// No inbound key: an outbound SA, reachable by offload handle only.
    pub const NONE: Self = Self { keys: [None, None] };

    /// A single inbound key.
    #[must_use]
    pub const fn one(key: InboundKey) -> Self {
        Self {
            keys: [Some(key), None],
        }
    }

    /// Two inbound keys (ESP+AH bundle). Two equal keys are rejected by `SaTable::add`.
    #[must_use]
    pub const fn two(first: InboundKey, second: InboundKey) -> Self {
        Self {
            keys: [Some(first), Some(second)],
        }
    }

    /// The keys, in order.
    pub fn iter(&self) -> impl Iterator<Item = &InboundKey> + '_ {
        self.keys.iter().flatten()
    }

    /// Number of keys (0, 1 or 2).
    #[must_use]
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True for an SA with no inbound key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if `key` is one of the keys.
    #[must_use]
    pub fn contains(&self, key: &InboundKey) -> bool {
        self.iter().any(|k| k == key)
    }

    /// The raw key array.
    pub(crate) const fn keys(&self) -> [Option<InboundKey>; MAX_KEYS_PER_SA] {
        self.keys
    }

    /// The key that appears twice, if any.
    pub(crate) fn repeated(&self) -> Option<InboundKey> {
        match self.keys {
            [Some(a), Some(b)] if a == b => Some(a),
            _ => None,
        }
    }

    /// Same set of keys, in any order.
    pub(crate) fn same_set(&self, other: &Self) -> bool {
        self.iter().all(|k| other.contains(k)) && other.iter().all(|k| self.contains(k))
    }
}

/// What the table needs to know about an SA payload.
///
/// # Contract
/// `inbound_keys` must return the same keys for the whole life of the SA (keys are immutable
/// properties of an SA; rekeying creates a new SA), and the keys of one SA share one
/// destination address (an SA bundle's). It is called by `SaTable::add` before the lock is
/// taken and under the table lock by delete and replace (to unregister or compare the keys), so
/// it must be cheap, must not block, allocate or call back into the table, and must be callable
/// at DISPATCH_LEVEL. Lookups by inbound key call it only to confirm the second key of an SA
/// that has two (an ESP+AH bundle's): the family and protocol live in the index entry, the
/// destination and the first key's SPI in the slot, recorded at add. A payload that breaks the
/// contract cannot make the table panic, but may leave index entries behind that then count
/// against the index's room, or make its second key unfindable.
pub trait SaEntry {
    /// The inbound keys of this SA: empty for an outbound SA.
    fn inbound_keys(&self) -> InboundKeys;

    /// Reads (and folds into the result, so that the reads are kept) the first bytes of each
    /// separately allocated part of the SA that the datapath will read next, so that
    /// [`SaTable::warm_inbound`](crate::SaTable::warm_inbound) brings them into the cache for
    /// many SAs at once. Same rules as `inbound_keys`. The default reads nothing.
    fn touch(&self) -> u32 {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_is_normalised() {
        let a = IpAddress::v4([10, 0, 0, 1]);
        assert_eq!(a.octets(), &[10, 0, 0, 1]);
        assert_eq!(a.raw_bytes()[4..], [0u8; 12]);
        assert_ne!(
            a,
            IpAddress::v6([10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        );
        assert_eq!(alloc::format!("{a:?}"), "10.0.0.1");
    }

    #[test]
    fn protocol_numbers() {
        assert_eq!(IpsecProtocol::try_from(50), Ok(IpsecProtocol::Esp));
        assert_eq!(IpsecProtocol::try_from(51), Ok(IpsecProtocol::Ah));
        assert_eq!(IpsecProtocol::try_from(6), Err(NotIpsecProtocol(6)));
        assert_eq!(u8::from(IpsecProtocol::Ah), 51);
    }

    #[test]
    fn key_words_distinguish_fields() {
        let dst = IpAddress::v4([192, 0, 2, 1]);
        let a = InboundKey::new(1, dst, IpsecProtocol::Esp);
        let b = InboundKey::new(1, dst, IpsecProtocol::Ah);
        let c = InboundKey::new(1, IpAddress::v6(*dst.raw_bytes()), IpsecProtocol::Esp);
        assert_ne!(a.words(), b.words());
        assert_ne!(a.words(), c.words());
    }

    #[test]
    fn keys_helpers() {
        let dst = IpAddress::v4([192, 0, 2, 1]);
        let a = InboundKey::new(1, dst, IpsecProtocol::Esp);
        let b = InboundKey::new(2, dst, IpsecProtocol::Ah);
        assert!(InboundKeys::NONE.is_empty());
        assert_eq!(InboundKeys::one(a).len(), 1);
        assert!(InboundKeys::two(a, b).same_set(&InboundKeys::two(b, a)));
        assert!(!InboundKeys::two(a, b).same_set(&InboundKeys::one(a)));
        assert_eq!(InboundKeys::two(a, a).repeated(), Some(a));
        assert_eq!(InboundKeys::two(a, b).repeated(), None);
    }
}

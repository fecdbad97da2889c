//! AH (RFC 4302): ICV over the whole IP packet with mutable fields zeroed
//! (RFC 4302 §3.3.3.1 and Appendix A), transport-mode style over a
//! contiguous packet, plus the ESP-then-AH bundle.
//!
//! The packet is never modified for the computation: the IP header (≤ 60
//! bytes for IPv4, 40 for IPv6) is copied to the stack and its mutable
//! fields zeroed there; extension headers are streamed piecewise with
//! zeros substituted for mutable option data, so nothing is allocated.

use core::sync::atomic::{AtomicU64, Ordering};

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::alg::AhIntegrity;
use crate::cipher::{GcmKey, GhashStream};
use crate::error::{PacketError, SetupError};
use crate::esp::{EspOpened, EspSa};
use crate::hmac::{HashAlg, HmacKey, HmacStream};
use crate::wire::ipv6ext::{field as ipv6ext_field, HeaderChain, Ipv6ExtHeader};
use crate::wire::{proto, AhPacket, Ipv4Packet, Ipv6Packet, AH_FIXED_LEN, IPV6_HEADER_LEN};

// Both variants are small, so an AH SA is: the HMAC state is boxed here, the GMAC key inside
// `GcmKey` (a GMAC-only key: H..H^8 and the AES key). An inline HMAC state (up to 72 bytes)
// made every AH SA, GMAC ones and ESP+AH bundles included, pay for it.
enum Auth {
    Hmac(Box<[HmacKey; 1]>),
    Gmac(GcmKey),
}

/// A prepared AH SA. Key material is zeroized on drop.
pub struct AhSa {
    alg: AhIntegrity,
    esn: bool,
    auth: Auth,
    iv_counter: AtomicU64,
}

impl core::fmt::Debug for AhSa {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AhSa")
            .field("alg", &self.alg)
            .field("esn", &self.esn)
            .finish_non_exhaustive()
    }
}

/// Result of a successful [`AhSa::open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AhOpened {
    /// Next header field of AH.
    pub next_header: u8,
    /// Total AH length in bytes.
    pub ah_len: usize,
    /// SPI.
    pub spi: u32,
    /// Low 32 bits of the sequence number.
    pub seq: u32,
}

/// MAC stream over which the ICV input is fed.
enum Mac<'a> {
    Hmac(HmacStream<'a>),
    Gmac {
        key: &'a GcmKey,
        g: GhashStream,
        len: u64,
    },
}

impl Mac<'_> {
    fn update(&mut self, d: &[u8]) {
        match self {
            Self::Hmac(s) => s.update(d),
            Self::Gmac { g, len, .. } => {
                g.update(d);
                *len = len.wrapping_add(d.len() as u64);
            }
        }
    }

    fn zeros(&mut self, mut n: usize) {
        const Z: [u8; 64] = [0; 64];
        while n > 0 {
            let k = n.min(Z.len());
            self.update(Z.get(..k).unwrap_or(&[]));
            n -= k;
        }
    }

    fn finish(self, iv: &[u8; 8], out: &mut [u8]) {
        match self {
            Self::Hmac(s) => s.finish(out),
            Self::Gmac { key, g, len } => key.finish_tag(g, iv, len, 0, out),
        }
    }
}

/// IPv4 options that are immutable in transit (RFC 4302 Appendix A.1):
/// EOL, NOP, Security, Extended Security, Commercial Security, Router
/// Alert, Sender Directed Multi-Destination Delivery. Every other option is
/// zeroed as a whole (type, length and data).
const V4_IMMUTABLE: [u8; 7] = [0, 1, 130, 133, 134, 148, 149];
const OPT_LSRR: u8 = 131;
const OPT_SSRR: u8 = 137;

/// Build the IPv4 header as it enters the ICV: TOS, flags/fragment offset,
/// TTL, checksum zeroed; mutable options zeroed; with loose/strict source
/// routing the destination is the predicted final destination.
fn v4_header(packet: &[u8], hdr: &mut [u8; 60]) -> Result<usize, PacketError> {
    let ihl = Ipv4Packet::new_unchecked(packet).header_len();
    if ihl < 20 {
        return Err(PacketError::Malformed);
    }
    let src = packet.get(..ihl).ok_or(PacketError::Truncated)?;
    let h = hdr.get_mut(..ihl).ok_or(PacketError::Malformed)?;
    h.copy_from_slice(src);
    let mut v4 = Ipv4Packet::new_unchecked(&mut *h);
    if v4.is_fragment() {
        return Err(PacketError::Fragment);
    }
    v4.set_dscp_ecn(0);
    v4.set_flags_frag(0);
    v4.set_ttl(0);
    v4.set_checksum(0);
    let mut final_dst: Option<[u8; 4]> = None;
    let mut i = 20;
    while i < ihl {
        let t = h[i];
        if t == 0 {
            break; // End of option list; the rest is padding.
        }
        if t == 1 {
            i += 1;
            continue;
        }
        let len = usize::from(*h.get(i + 1).ok_or(PacketError::Malformed)?);
        if len < 2 || i + len > ihl {
            return Err(PacketError::Malformed);
        }
        if !V4_IMMUTABLE.contains(&t) {
            if (t == OPT_LSRR || t == OPT_SSRR) && len >= 7 {
                // Destination is "mutable but predictable": while the route
                // is not exhausted (pointer <= length) the final destination
                // is the last address in the route; at the end it is the
                // header's destination already.
                let ptr = usize::from(h[i + 2]);
                if ptr <= len {
                    let a = h.get(i + len - 4..i + len).ok_or(PacketError::Malformed)?;
                    final_dst = Some([a[0], a[1], a[2], a[3]]);
                }
            }
            if let Some(o) = h.get_mut(i..i + len) {
                o.fill(0);
            }
        }
        i += len;
    }
    if let Some(d) = final_dst {
        Ipv4Packet::new_unchecked(h).set_dst_addr(d);
    }
    Ok(ihl)
}

/// Predicted final destination from an IPv6 type 0/2 routing header with
/// segments left, if any (RFC 4302 Appendix A.2).
fn v6_routing_final_dst(b: &[u8], at: usize, len: usize) -> Result<Option<[u8; 16]>, PacketError> {
    let rh = b.get(at..at + len).ok_or(PacketError::Truncated)?;
    if rh.len() <= ipv6ext_field::SEGMENTS_LEFT {
        return Err(PacketError::Malformed);
    }
    let v = Ipv6ExtHeader::new_unchecked(rh, proto::ROUTING);
    let (rtype, left) = (v.routing_type(), v.segments_left());
    if !(rtype == 0 || rtype == 2) || left == 0 {
        return Ok(None);
    }
    let n = len.saturating_sub(8) / 16;
    if usize::from(left) > n || n == 0 {
        return Err(PacketError::Malformed);
    }
    let a = rh
        .get(8 + (n - 1) * 16..8 + n * 16)
        .ok_or(PacketError::Malformed)?;
    let mut d = [0u8; 16];
    d.copy_from_slice(a);
    Ok(Some(d))
}

/// Feed a type 0/2 routing header as it will look at the final destination:
/// segments left 0, and the address list rotated so that the current
/// destination takes the first not-yet-visited slot.
fn feed_routing(mac: &mut Mac<'_>, rh: &[u8], cur_dst: &[u8]) -> Result<(), PacketError> {
    let left = usize::from(Ipv6ExtHeader::new_unchecked(rh, proto::ROUTING).segments_left());
    let head = rh.get(..8).ok_or(PacketError::Malformed)?;
    mac.update(head.get(..3).unwrap_or(&[]));
    mac.update(&[0]);
    mac.update(head.get(4..8).unwrap_or(&[]));
    let n = rh.len().saturating_sub(8) / 16;
    let first_unvisited = n.checked_sub(left).ok_or(PacketError::Malformed)?;
    for idx in 0..n {
        let a = if idx < first_unvisited {
            rh.get(8 + idx * 16..8 + (idx + 1) * 16)
        } else if idx == first_unvisited {
            Some(cur_dst)
        } else {
            rh.get(8 + (idx - 1) * 16..8 + idx * 16)
        };
        mac.update(a.ok_or(PacketError::Malformed)?);
    }
    Ok(())
}

/// Feed a Hop-by-Hop or Destination Options header, zeroing the data of
/// options whose "may change en route" bit (0x20) is set (RFC 8200 §4.2).
fn feed_options(mac: &mut Mac<'_>, h: &[u8]) -> Result<(), PacketError> {
    mac.update(h.get(..2).ok_or(PacketError::Malformed)?);
    let mut i = 2;
    while i < h.len() {
        let t = h[i];
        if t == 0 {
            mac.update(&[0]);
            i += 1;
            continue;
        }
        let l = usize::from(*h.get(i + 1).ok_or(PacketError::Malformed)?);
        let data = h.get(i + 2..i + 2 + l).ok_or(PacketError::Malformed)?;
        mac.update(&[t, h[i + 1]]);
        if t & 0x20 != 0 {
            mac.zeros(l);
        } else {
            mac.update(data);
        }
        i += 2 + l;
    }
    Ok(())
}

impl AhSa {
    /// Heap bytes this SA owns beyond `size_of::<AhSa>()` (its boxed key schedule, if any).
    pub fn heap_bytes(&self) -> usize {
        match &self.auth {
            Auth::Hmac(_) => core::mem::size_of::<HmacKey>(),
            Auth::Gmac(k) => k.heap_bytes(),
        }
    }

    /// [`crate::EspSa::touch`] for AH: the GMAC key's lines (an HMAC state's box is not
    /// touched: it is read whole at the packet's start).
    pub fn touch(&self) -> u32 {
        match &self.auth {
            Auth::Hmac(_) => 0,
            Auth::Gmac(k) => k.touch(),
        }
    }

    /// Prepare an AH SA. For AES-GMAC the key is `AES key || 4-byte salt`.
    pub fn new(alg: AhIntegrity, esn: bool, key: &[u8]) -> Result<Self, SetupError> {
        let exp = alg.key_len();
        if key.len() != exp {
            return Err(SetupError::IntegrityKeyLength {
                expected: exp,
                got: key.len(),
            });
        }
        let auth = match alg {
            AhIntegrity::HmacMd5_96 => Auth::Hmac(boxed(HmacKey::new(HashAlg::Md5, key))?),
            AhIntegrity::HmacSha1_96 => Auth::Hmac(boxed(HmacKey::new(HashAlg::Sha1, key))?),
            AhIntegrity::HmacSha256_128 => Auth::Hmac(boxed(HmacKey::new(HashAlg::Sha256, key))?),
            AhIntegrity::AesGmac(k) => Auth::Gmac(GcmKey::new_gmac(k, key)?),
        };
        Ok(Self {
            alg,
            esn,
            auth,
            iv_counter: AtomicU64::new(0),
        })
    }

    /// The AH algorithm.
    pub fn alg(&self) -> AhIntegrity {
        self.alg
    }

    /// Extended sequence numbers: the high 32 bits enter the ICV.
    pub fn esn(&self) -> bool {
        self.esn
    }

    /// Minimum AH length for this SA (fixed part + IV + ICV), before alignment padding.
    pub fn min_ah_len(&self) -> usize {
        AH_FIXED_LEN + self.alg.iv_len() + self.alg.icv_len()
    }

    fn mac(&self) -> Mac<'_> {
        match &self.auth {
            Auth::Hmac(k) => {
                let [k] = &**k;
                Mac::Hmac(k.start())
            }
            Auth::Gmac(k) => Mac::Gmac {
                key: k,
                g: k.ghash(),
                len: 0,
            },
        }
    }

    /// Compute the ICV of `packet` (IP header at offset 0, ending at the end
    /// of the datagram) whose AH header is at `ah_offset`.
    fn compute(
        &self,
        packet: &[u8],
        ah_offset: usize,
        seq_hi: u32,
        out: &mut [u8],
    ) -> Result<AhOpened, PacketError> {
        let mut mac = self.mac();
        let first = *packet.first().ok_or(PacketError::Truncated)?;
        let mut at;
        let mut nh;
        let mut v6_dst = [0u8; 16];
        let mut seen_ah = None;
        match first >> 4 {
            4 => {
                let mut hdr = [0u8; 60];
                let ihl = v4_header(packet, &mut hdr)?;
                mac.update(hdr.get(..ihl).unwrap_or(&[]));
                hdr.zeroize();
                nh = Ipv4Packet::new_unchecked(packet).protocol();
                // Anything between the header and AH goes in unchanged.
                let mid = packet.get(ihl..ah_offset).ok_or(PacketError::BadLength)?;
                mac.update(mid);
                at = ah_offset;
                if !mid.is_empty() {
                    nh = proto::AH;
                }
            }
            6 => {
                let fixed = packet
                    .get(..IPV6_HEADER_LEN)
                    .ok_or(PacketError::Truncated)?;
                let mut hdr = [0u8; IPV6_HEADER_LEN];
                hdr.copy_from_slice(fixed);
                let mut zeroed = Ipv6Packet::new_unchecked(&mut hdr[..]);
                zeroed.set_ver_tc_flow(0, 0);
                zeroed.set_hop_limit(0);
                let v6 = Ipv6Packet::new_unchecked(fixed);
                v6_dst = v6.dst_addr();
                // First pass: predicted final destination from a routing header.
                let mut chain = HeaderChain::new(v6.next_header(), IPV6_HEADER_LEN);
                while matches!(
                    chain.next_header(),
                    proto::HOPOPTS | proto::DSTOPTS | proto::ROUTING
                ) && chain.offset() < ah_offset
                {
                    let e = chain.skip(packet)?;
                    if e.kind == proto::ROUTING {
                        if let Some(d) = v6_routing_final_dst(packet, e.offset, e.len)? {
                            Ipv6Packet::new_unchecked(&mut hdr[..]).set_dst_addr(d);
                        }
                    }
                }
                mac.update(&hdr);
                nh = v6.next_header();
                at = IPV6_HEADER_LEN;
            }
            _ => return Err(PacketError::Malformed),
        }
        // Walk the header chain (IPv6 extension headers, AH, and options
        // headers after AH); stop at the first upper-layer header.
        loop {
            match nh {
                proto::AH => {
                    let b = packet.get(at..).ok_or(PacketError::Truncated)?;
                    let ah = AhPacket::new_checked(b)?;
                    let len = ah.header_len();
                    if at == ah_offset && seen_ah.is_none() {
                        if len < self.min_ah_len() {
                            return Err(PacketError::BadLength);
                        }
                        mac.update(b.get(..AH_FIXED_LEN + self.alg.iv_len()).unwrap_or(&[]));
                        mac.zeros(len - AH_FIXED_LEN - self.alg.iv_len());
                        seen_ah = Some(AhOpened {
                            next_header: ah.next_header(),
                            ah_len: len,
                            spi: ah.spi(),
                            seq: ah.seq(),
                        });
                    } else {
                        // Another AH (not ours) is covered as-is.
                        mac.update(b.get(..len).unwrap_or(&[]));
                    }
                    nh = ah.next_header();
                    at += len;
                }
                proto::HOPOPTS | proto::DSTOPTS | proto::ROUTING if first >> 4 == 6 => {
                    let rest = packet.get(at..).ok_or(PacketError::Truncated)?;
                    let ext = Ipv6ExtHeader::new_checked(rest, nh)?;
                    let l = ext.header_len();
                    let h = rest.get(..l).ok_or(PacketError::Truncated)?;
                    if nh == proto::ROUTING {
                        let rtype = ext.routing_type();
                        if (rtype == 0 || rtype == 2) && ext.segments_left() > 0 {
                            feed_routing(&mut mac, h, &v6_dst)?;
                        } else {
                            mac.update(h);
                        }
                    } else {
                        feed_options(&mut mac, h)?;
                    }
                    nh = ext.next_header();
                    at += l;
                }
                proto::FRAGMENT if first >> 4 == 6 => return Err(PacketError::Fragment),
                _ => break,
            }
        }
        let opened = seen_ah.ok_or(PacketError::Malformed)?;
        mac.update(packet.get(at..).ok_or(PacketError::Truncated)?);
        if self.esn {
            mac.update(&seq_hi.to_be_bytes());
        }
        let ivs = ah_offset + AH_FIXED_LEN;
        let mut iv = [0u8; 8];
        if self.alg.iv_len() == 8 {
            iv.copy_from_slice(packet.get(ivs..ivs + 8).ok_or(PacketError::Truncated)?);
        }
        mac.finish(&iv, out);
        Ok(opened)
    }

    /// Seal (outbound). `packet` spans the IP header (offset 0) to the end of
    /// the datagram; TCP/IP framed the AH header at `ah_offset` (next header,
    /// length, SPI, sequence number) and left room for the ICV field. The
    /// engine writes the GMAC IV (if any), zeroes the ICV field and writes
    /// the ICV. `seq_hi` is the ESN high half (ignored without ESN).
    pub fn seal(
        &self,
        packet: &mut [u8],
        ah_offset: usize,
        seq_hi: u32,
    ) -> Result<(), PacketError> {
        let ah_len = {
            let b = packet.get(ah_offset..).ok_or(PacketError::Truncated)?;
            AhPacket::new_checked(b)?.header_len()
        };
        if ah_len < self.min_ah_len() {
            return Err(PacketError::BadLength);
        }
        let ivs = ah_offset + AH_FIXED_LEN;
        let icv_at = ivs + self.alg.iv_len();
        if self.alg.iv_len() == 8 {
            let c = self
                .iv_counter
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| v.checked_add(1))
                .map_err(|_| PacketError::IvExhausted)?;
            packet
                .get_mut(ivs..ivs + 8)
                .ok_or(PacketError::Truncated)?
                .copy_from_slice(&c.to_be_bytes());
        }
        // ICV field (with any alignment padding) is zero on the wire except the ICV.
        packet
            .get_mut(icv_at..ah_offset + ah_len)
            .ok_or(PacketError::Truncated)?
            .fill(0);
        let mut icv = [0u8; 16];
        let n = self.alg.icv_len();
        self.compute(
            packet,
            ah_offset,
            seq_hi,
            icv.get_mut(..n).unwrap_or(&mut []),
        )?;
        packet
            .get_mut(icv_at..icv_at + n)
            .ok_or(PacketError::Truncated)?
            .copy_from_slice(icv.get(..n).unwrap_or(&[]));
        icv.zeroize();
        Ok(())
    }

    /// Open (inbound): verify the ICV in constant time. The packet is not modified.
    pub fn open(
        &self,
        packet: &[u8],
        ah_offset: usize,
        seq_hi: u32,
    ) -> Result<AhOpened, PacketError> {
        let mut icv = [0u8; 16];
        let n = self.alg.icv_len();
        let e = icv.get_mut(..n).ok_or(PacketError::BadLength)?;
        let opened = self.compute(packet, ah_offset, seq_hi, e)?;
        let at = ah_offset + AH_FIXED_LEN + self.alg.iv_len();
        let got = packet.get(at..at + n).ok_or(PacketError::Truncated)?;
        let ok: bool = e.ct_eq(got).into();
        icv.zeroize();
        if ok {
            Ok(opened)
        } else {
            Err(PacketError::IcvMismatch)
        }
    }
}

/// Outbound ESP-then-AH bundle (one IPsecOV2 SA bundle): seal ESP at
/// `esp_offset..esp_offset + esp_len`, then AH over the whole packet.
pub fn seal_esp_then_ah(
    esp: &EspSa,
    ah: &AhSa,
    packet: &mut [u8],
    ah_offset: usize,
    esp_offset: usize,
    esp_len: usize,
    seq_hi: (u32, u32),
) -> Result<(), PacketError> {
    if esp_offset < ah_offset {
        return Err(PacketError::BadLength);
    }
    esp.seal_at(packet, esp_offset, esp_len, seq_hi.0)?;
    ah.seal(packet, ah_offset, seq_hi.1)
}

/// Inbound AH-then-ESP: verify AH over the packet first, then open ESP.
pub fn open_ah_then_esp(
    ah: &AhSa,
    esp: &EspSa,
    packet: &mut [u8],
    ah_offset: usize,
    esp_offset: usize,
    esp_len: usize,
    seq_hi: (u32, u32),
) -> Result<(AhOpened, EspOpened), PacketError> {
    if esp_offset < ah_offset {
        return Err(PacketError::BadLength);
    }
    let a = ah.open(packet, ah_offset, seq_hi.1)?;
    let e = esp.open_at(packet, esp_offset, esp_len, seq_hi.0)?;
    Ok((a, e))
}

/// Boxes an HMAC state (a block of one, as `cipher::Schedule` does); no memory is an error,
/// never an abort.
fn boxed(k: HmacKey) -> Result<Box<[HmacKey; 1]>, SetupError> {
    let mut block: Vec<HmacKey> = Vec::new();
    block
        .try_reserve_exact(1)
        .map_err(|_| SetupError::NoMemory)?;
    block.push(k);
    // One element in a block of capacity one: the conversion neither reallocates nor fails.
    block
        .into_boxed_slice()
        .try_into()
        .map_err(|_| SetupError::NoMemory)
}

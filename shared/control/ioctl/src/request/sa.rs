//! The SA family (6.6.16-6.6.17): add (a bundle's SA records and their keys) and remove.

use ipsecov2_control_plane::{IpAddr, SaParams, TunnelEndpoints, UdpPorts};

use crate::error::{Fault, Field};
use crate::wire::{region, Reader, Region, SA_LEN};

use super::body::Body;
use super::fields::{direction, ip};
use super::{Request, MAX_BUNDLE};

fn key(
    msg: &[u8],
    fixed_end: usize,
    off: u32,
    bits: u16,
    field: Field,
) -> Result<(&[u8], Region), Fault> {
    if !bits.is_multiple_of(8) {
        return Err(Fault::KeyBits(field));
    }
    let r = region(
        msg.len(),
        fixed_end,
        off,
        u32::from(bits / 8),
        1,
        u32::MAX,
        field,
    )?;
    Ok((msg.get(r.offset..r.offset + r.len()).unwrap_or(&[]), r))
}

/// Decodes one SA record and its keys; also gives the key regions for the overlap check.
pub fn sa_at(
    msg: &[u8],
    at: usize,
    fixed_end: usize,
) -> Result<(SaParams<'_>, [Region; 2]), Fault> {
    let r = Reader::new(msg);
    r.reserved(at + 14, 2, Field::Sas)?;
    r.reserved(at + 33, 3, Field::Sas)?;
    r.reserved(at + 74, 2, Field::Sas)?;
    r.reserved(at + 83, 1, Field::Sas)?;
    let tver = r.u8(at + 32)?;
    let (src, dst) = (r.bytes16(at + 36)?, r.bytes16(at + 52)?);
    let tunnel = match tver {
        0 => {
            if src.iter().chain(dst.iter()).any(|&b| b != 0) {
                return Err(Fault::ReservedNotZero(Field::Sas));
            }
            TunnelEndpoints {
                src: IpAddr::V4([0; 4]),
                dst: IpAddr::V4([0; 4]),
            }
        }
        v => TunnelEndpoints {
            src: ip(src, v)?,
            dst: ip(dst, v)?,
        },
    };
    let auth_bits = r.u16(at + 72)?;
    let enc_bits = r.u16(at + 80)?;
    let (auth_key, ar) = key(msg, fixed_end, r.u32(at + 68)?, auth_bits, Field::AuthKey)?;
    let (enc_key, er) = key(msg, fixed_end, r.u32(at + 76)?, enc_bits, Field::EncKey)?;
    let sa = SaParams {
        spi: r.u32(at)?,
        flow_label: r.u32(at + 4)?,
        flags: r.u32(at + 8)?,
        auth_algo: r.u8(at + 12)?,
        enc_algo: r.u8(at + 13)?,
        soft_kbytes: r.u32(at + 16)?,
        hard_kbytes: r.u32(at + 20)?,
        soft_secs: r.u32(at + 24)?,
        hard_secs: r.u32(at + 28)?,
        tunnel,
        auth_key,
        auth_key_bits: auth_bits,
        enc_key,
        enc_key_bits: enc_bits,
        replay_window: r.u8(at + 82)?,
    };
    Ok((sa, [ar, er]))
}

/// A checked array of SA records (keys checked too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sas<'a> {
    msg: &'a [u8],
    region: Region,
    fixed_end: usize,
}

impl<'a> Sas<'a> {
    /// Elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.region.count
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.region.count == 0
    }

    /// The SA at `i`.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<SaParams<'a>> {
        if i >= self.region.count {
            return None;
        }
        sa_at(self.msg, self.region.offset + i * SA_LEN, self.fixed_end)
            .ok()
            .map(|(s, _)| s)
    }
}

pub(super) fn add(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 44)?;
    let sas_r = b.region(2, 3, SA_LEN, MAX_BUNDLE, Field::Sas)?;
    let (selectors, sel_r) = b.selectors(5, 6)?;
    let mut regions = [Region::EMPTY; 2 + 2 * MAX_BUNDLE as usize];
    let [a, s, ..] = &mut regions;
    *a = sas_r;
    *s = sel_r;
    for i in 0..sas_r.count {
        let (_, keys) = sa_at(msg, sas_r.offset + i * SA_LEN, b.fixed_end)?;
        for (k, key) in keys.into_iter().enumerate() {
            if let Some(slot) = regions.get_mut(2 + 2 * i + k) {
                *slot = key;
            }
        }
    }
    b.done(&regions)?;
    let ports = b.w(4)?;
    Ok(Request::SaAdd {
        policy: b.w(0)?,
        sa_id: b.w(1)?,
        sas: Sas {
            msg,
            region: sas_r,
            fixed_end: b.fixed_end,
        },
        udp: UdpPorts {
            src: u16::try_from(ports & 0xFFFF).unwrap_or(0),
            dst: u16::try_from(ports >> 16).unwrap_or(0),
        },
        selectors,
        previous: b.w(7)?,
        direction: direction(b.w(8)?)?,
        acquire_context: b.w(9)?,
        vendor_hint: b.w(10)?,
    })
}

/// `SaRemove`.
pub(super) fn remove(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::exact(msg, 8)?;
    Ok(Request::SaRemove {
        policy: b.w(0)?,
        sa: b.w(1)?,
    })
}

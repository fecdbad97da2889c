//! List OIDs as TCP/IP may hand them: elements chained by `Next`, some in separate allocations,
//! and the driver shell's view of them.

use crate::oid_buffers::{self as build};
use ipsecov2_abi::*;

use super::*;

/// Where separately allocated list elements pretend to live (element `i` at
/// `SEPARATE_BASE + i * 0x1000`).
pub const SEPARATE_BASE: u64 = 0xffff_c000_5678_0000;

/// List elements outside the InformationBuffer: the memory the emulated TCP/IP allocated them
/// in, readable and writable by address (what the driver shell does with a pointer).
#[derive(Clone, Debug, Default)]
pub struct ElementMemory {
    /// `(address, bytes)` of every separate allocation.
    pub regions: Vec<(u64, Vec<u8>)>,
}

impl ElementMemory {
    fn region(&mut self, address: u64, len: usize) -> Option<&mut [u8]> {
        self.regions.iter_mut().find_map(|(base, bytes)| {
            let off = usize::try_from(address.checked_sub(*base)?).ok()?;
            bytes.get_mut(off..off.checked_add(len)?)
        })
    }

    /// Copies `dst.len()` bytes at `address`; false if no allocation holds them.
    pub fn read(&mut self, address: u64, dst: &mut [u8]) -> bool {
        match self.region(address, dst.len()) {
            Some(r) => {
                dst.copy_from_slice(r);
                true
            }
            None => false,
        }
    }

    /// Writes `src` at `address`; false if no allocation holds it.
    pub fn write(&mut self, address: u64, src: &[u8]) -> bool {
        match self.region(address, src.len()) {
            Some(r) => {
                r.copy_from_slice(src);
                true
            }
            None => false,
        }
    }
}

/// A `Next`-chained list as TCP/IP may hand it: the first element in the InformationBuffer
/// (at [`crate::oid_buffers::BASE`]), with [`TcpipBehaviour::separate_elements`] every other
/// one in its own allocation.
#[derive(Clone, Debug)]
pub struct LinkedList {
    /// The InformationBuffer.
    pub first: Vec<u8>,
    /// The other elements' allocations (empty when the list lies in the buffer).
    pub memory: ElementMemory,
    /// Per element: its address.
    pub elements: Vec<u64>,
}

impl LinkedList {
    /// Lays out the contiguous list `buf` (elements at `offsets`, `Next` at `next_field`) the
    /// way the current behaviour does.
    #[must_use]
    pub fn new(buf: Vec<u8>, offsets: &[usize], next_field: usize) -> Self {
        let base = build::BASE;
        if !behaviour().separate_elements || offsets.len() < 2 {
            return Self {
                elements: offsets.iter().map(|&o| base + o as u64).collect(),
                first: buf,
                memory: ElementMemory::default(),
            };
        }
        let ends: Vec<usize> = offsets.iter().skip(1).copied().chain([buf.len()]).collect();
        let mut pieces: Vec<Vec<u8>> = offsets
            .iter()
            .zip(&ends)
            .map(|(&a, &b)| buf[a..b].to_vec())
            .collect();
        let addresses: Vec<u64> = (0..pieces.len())
            .map(|i| {
                if i == 0 {
                    base
                } else {
                    SEPARATE_BASE + 0x1000 * i as u64
                }
            })
            .collect();
        for (i, piece) in pieces.iter_mut().enumerate() {
            let next = addresses.get(i + 1).copied().unwrap_or(0);
            piece[next_field..next_field + 8].copy_from_slice(&next.to_le_bytes());
        }
        let mut it = pieces.into_iter();
        let first = it.next().unwrap_or_default();
        Self {
            first,
            memory: ElementMemory {
                regions: addresses.iter().skip(1).copied().zip(it).collect(),
            },
            elements: addresses,
        }
    }

    /// The u64 at `field` of element `i` (e.g. its OffloadHandle after ADD_SA).
    #[must_use]
    pub fn u64_of(&mut self, i: usize, field: usize) -> u64 {
        let Some(&a) = self.elements.get(i) else {
            return 0;
        };
        let mut b = [0u8; 8];
        let ok = if a >= build::BASE && a < build::BASE + self.first.len() as u64 {
            let off = (a - build::BASE) as usize + field;
            self.first
                .get(off..off + 8)
                .map(|s| b.copy_from_slice(s))
                .is_some()
        } else {
            self.memory.read(a + field as u64, &mut b)
        };
        if ok {
            u64::from_le_bytes(b)
        } else {
            0
        }
    }

    /// Runs `f` over the request's InformationBuffer as the driver shell presents it to the
    /// filter module (see [`shell_list_view`]).
    pub fn with_view<R>(
        &mut self,
        oid: NDIS_OID,
        f: impl FnOnce(&mut ipsecov2_oid::InfoBuffer<'_>) -> R,
    ) -> R {
        shell_list_view(
            oid,
            true,
            &mut self.first,
            build::BASE,
            &mut self.memory,
            |b, a| f(&mut ipsecov2_oid::InfoBuffer::new(b, a)),
        )
    }
}

/// What the driver shell does with the InformationBuffer of an IPsecOV2 list OID before the
/// filter module sees it (`drivers/ipsecov2-lwf/src/shell/port.rs`, through
/// [`ipsecov2_oid::with_list_view`]), with the emulated TCP/IP's separate allocations in place
/// of kernel memory.
pub fn shell_list_view<R>(
    oid: NDIS_OID,
    set: bool,
    buffer: &mut [u8],
    base: u64,
    memory: &mut ElementMemory,
    f: impl FnOnce(&mut [u8], u64) -> R,
) -> R {
    ipsecov2_oid::with_list_view(oid, set, buffer, base, memory, f)
}

impl ipsecov2_oid::ListMemory for ElementMemory {
    fn read(&mut self, address: u64, dst: &mut [u8]) -> bool {
        ElementMemory::read(self, address, dst)
    }

    fn write(&mut self, address: u64, src: &[u8]) -> bool {
        ElementMemory::write(self, address, src)
    }
}

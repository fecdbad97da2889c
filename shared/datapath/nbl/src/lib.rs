//! Safe, checked walking of NDIS `NET_BUFFER_LIST` → `NET_BUFFER` → `MDL` chains.
//!
//! This crate is the NBL/MDL walking layer of the filter: with the driver's FFI, the only place
//! where raw NDIS structures are dereferenced. Everything above it (filter core, ESP/AH
//! transforms) uses the safe API and stays `#![forbid(unsafe_code)]`.
//!
//! * One unsafe entry point, [`NblChain::from_raw`], whose contract is "the filter owns this
//!   chain for `'a`" (spelled out there).
//! * [`NblChain::cursor`] → [`Nbl`] (info slots, status, flags) → [`Nbl::net_buffers`] →
//!   [`NetBuffer`] (geometry) → [`NetBuffer::data`] → [`NbData`]: the `DataLength` bytes from
//!   `CurrentMdl` + `CurrentMdlOffset` as one logical byte string, with `copy_out` / `copy_in`,
//!   `contiguous` / `contiguous_mut`, `get_data_buffer` (`NdisGetDataBuffer` semantics) and
//!   per-MDL segment iterators for in-place crypto across MDL boundaries.
//! * MDLs are mapped through [`MdlMapper`]: the kernel's `MmGetSystemAddressForMdlSafe` (driver
//!   crate) or [`SystemVaMapper`] (already-mapped MDLs; the host emulation). No FFI here.
//! * Every length and offset is checked (`ByteCount`, `CurrentMdlOffset`, `DataLength`,
//!   arithmetic overflow): a malformed chain gives an [`NblError`], never a panic or an
//!   out-of-bounds access. No allocation.
//!
//! ```
//! use ipsecov2_nbl::{NblChain, SystemVaMapper};
//! use ipsecov2_ndis_emu::{MdlLayout, NbSpec, NblSpec, OwnedNblChain};
//!
//! // An NBL with one NET_BUFFER whose 6 data bytes straddle three MDLs, after 2 backfill bytes.
//! let spec = NblSpec::new(vec![NbSpec::new(
//!     b"abcdef".to_vec(),
//!     MdlLayout::new(vec![3, 1, 5], 2),
//! )]);
//! let mut owned = OwnedNblChain::build(&[spec]).unwrap();
//! let mut chain: NblChain<'_> = owned.chain();
//!
//! let mut nbls = chain.cursor();
//! let mut nbl = nbls.next_nbl().unwrap();
//! let mut nbs = nbl.net_buffers();
//! let mut nb = nbs.next_nb().unwrap();
//! let mut data = nb.data(&SystemVaMapper).unwrap();
//! assert_eq!(data.read_array::<4>(1).unwrap(), *b"bcde");
//! data.copy_in(2, b"XY").unwrap();
//! let pieces: Vec<&[u8]> = data.segments(0, 6).unwrap().collect();
//! assert_eq!(pieces, [&b"a"[..], b"b", b"XYef"]);
//! ```
#![no_std]
#![cfg(target_pointer_width = "64")]

mod chain;
mod data;
mod error;
mod mapper;
mod walk;

pub use chain::{NbCursor, Nbl, NblChain, NblCursor, NetBuffer};
pub use data::{NbData, Segments, SegmentsMut};
pub use error::NblError;
pub use mapper::{MdlMapper, SystemVaMapper};

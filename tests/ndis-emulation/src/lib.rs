//! In-process NDIS emulation for tests.
//!
//! [`chain`] builds real `NET_BUFFER_LIST` / `NET_BUFFER` / `MDL` chains (the
//! `ipsecov2-abi` mirrors, heap-allocated and linked with real pointers) from packet bytes, with
//! explicit or seeded-random segmentation ([`layout`]), hands them to the filter code as an
//! [`ipsecov2_nbl::NblChain`], reads NET_BUFFER data back, and frees everything on drop.
//!
//! [`tcpip`] frames what TCP/IP hands an IPsecOV2 NIC (ESP / AH / UDP-ESP / transport over
//! tunnel, slot 12 values) and names the ESP / AH transforms as ADD_SA elements; [`oid_buffers`]
//! writes ADD_SA / ADD_SA_EX / DELETE_SA / UPDATE_SA information buffers.
//!
//! [`host`] runs the filter module (`ipsecov2_filter_core::module`) between an emulated miniport
//! and an emulated TCP/IP-like protocol ([`host::Host`]), and joins two hosts back to back
//! ([`host::Wire`]). [`direct`] builds a bare filter core and installs SAs through its OID
//! dispatch; [`sink`] records what `FilterCore::send` decides for each NBL, for callers
//! that drive the filter core directly.
//!
//! ```
//! use ipsecov2_ndis_emu::{OwnedNblChain, Segmentation};
//!
//! // 3 NBLs of up to 4 NET_BUFFERs of up to 200 random bytes, randomly cut into MDLs.
//! let (owned, specs) = OwnedNblChain::random(7, 3, 4, 200, &Segmentation::default()).unwrap();
//! for (i, spec) in specs.iter().enumerate() {
//!     for (j, nb) in spec.nbs.iter().enumerate() {
//!         assert_eq!(owned.read_nb(i, j).unwrap(), nb.data);
//!     }
//! }
//! ```
#![cfg(target_pointer_width = "64")]

pub mod chain;
pub mod direct;
pub mod host;
pub mod layout;
pub mod oid_buffers;
pub mod rng;
pub mod sink;
pub mod tcpip;

pub use chain::{EmuError, NbSpec, NblSpec, OwnedNblChain, BACKFILL_BYTE, SLACK_BYTE};
pub use layout::{MdlLayout, MdlMapping, Segmentation};
pub use rng::SplitMix64;

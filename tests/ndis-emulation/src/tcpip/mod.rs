//! What TCP/IP hands an IPsecOV2 NIC, as bytes and NBL specs: a framer that builds ESP / AH /
//! UDP-ESP / transport-over-tunnel frames exactly as the IPsecOV2 sending page says TCP/IP does
//! (headers, IV and ICV room, padding 1, 2, 3…, trailer, slot 12 offsets and trailer values), the
//! catalogue of ESP and AH transforms the filter offers as ADD_SA elements ([`bundle`]), NBL specs
//! for send (slots 1 / 11 / 12) and receive, and the receive slots read back ([`recv_view`]).
//!
//! ```
//! use ipsecov2_ndis_emu::tcpip::{esp_algs, frame, Ip, Layer};
//!
//! let gcm = &esp_algs()[2];
//! let layer = Layer { esp: Some((gcm.shape, 0x1000)), ah: None, udp: false };
//! let f = frame(&Ip { v6: false, extras: false }, &layer, 1, &[0u8; 20], 6);
//! assert_eq!(f.trailer, Some((6, 2)));
//! ```

mod bundles;
mod chains;
mod checksum;
mod framer;
mod lists;
mod options;

pub use bundles::*;
pub use chains::*;
pub use checksum::*;
pub use framer::*;
pub use lists::*;
pub use options::*;

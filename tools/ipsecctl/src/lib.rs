//! `ipsecctl`: user-mode tool of the IPsecOV2 software offload.
//!
//! `ipsecctl pcap encrypt|decrypt` runs the ESP/AH engine (`ipsec-engine`, its full face)
//! over a capture file with SAs written in the syntax of iproute2's `ip xfrm state add`; the
//! control commands (`spd`, `policy`, `sa`, `stats`, `monitor`, `batch`) configure the control
//! plane through the NPF adapter (`npf-ipsec-sapi`). The library target exposes the pieces so
//! tests and other crates can reuse them:
//!
//! * [`spec`] — tokenizer and parser of `ip xfrm state add` SA specifications.
//! * [`capture`] — careful pcap/pcapng reader and pcap writer.
//! * [`link`] — link-layer framing: where the IP datagram sits in a frame and
//!   how a frame is rebuilt around a new datagram.
//! * [`select`] — IP packet summary (addresses, protocol, ports) and selector
//!   matching.
//! * [`report`] — per-SA and per-drop-reason counters, text and JSON output.
//! * [`run`] — the `pcap encrypt|decrypt` command itself, streaming.
//! * [`output`] — where OUT goes: atomic regular files, direct streams, temporaries removed.
//! * [`error`] — the typed error of the tool and its exit status.
//! * [`control`] — the control commands over the adapter's Rust client.
//!
//! See `docs/ipsecctl.md` for the user documentation.
#![forbid(unsafe_code)]

pub mod capture;
pub mod control;
pub mod error;
pub mod link;
pub mod output;
pub mod report;
pub mod run;
pub mod select;
pub mod spec;

pub use error::{CliError, ExitStatus};

//! ESP/AH engine: IPsecOV2 offload crypto and full IPsec processing.
//!
//! The engine performs the cryptographic part of IPsec task offload v2 in
//! software: TCP/IP frames ESP/AH packets as if a NIC would encrypt them; this
//! crate writes the IV, encrypts, and writes the ICV on send, and verifies and
//! decrypts on receive.
//!
//! * [`alg`] — typed algorithm identifiers.
//! * [`esp`] — ESP seal/open on a contiguous ESP region ([`EspSa`]).
//! * [`esp_batch`] — several ESP packets sealed in one call ([`EspSa::seal_many`]): AES-CBC
//!   interleaved across packets (multi-buffer).
//! * [`ah`] — AH seal/open over a whole IPv4/IPv6 packet ([`AhSa`]), and the
//!   ESP-then-AH bundle.
//! * [`wire`] — the wire layer: zero-copy checked views of Ethernet, IPv4,
//!   IPv6 and its extension headers, UDP, ESP and AH with named field ranges,
//!   and helpers that locate the ESP/AH header in a packet.
//! * [`replay`] — anti-replay window with ESN inference, outbound sequence numbers.
//! * [`hmac`] — pre-keyed HMAC-MD5/SHA-1/SHA-256.
//! * [`full`] — the full face: whole-packet transport/tunnel ESP, AH and
//!   ESP+AH processing ([`OutboundSa::encapsulate`], [`InboundSa::decapsulate`]).
//!
//! Allocation happens only at SA setup (the replay bitmap); every packet
//! path is allocation-free and panic-free.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod ah;
pub mod alg;
mod cipher;
pub mod error;
pub mod esp;
pub mod esp_batch;
pub mod full;
pub mod hmac;
mod md5;
pub mod replay;
pub mod wire;

pub use ah::{AhOpened, AhSa};
pub use alg::{AesKeySize, AhIntegrity, Direction, EspEncryption, EspIntegrity, GcmIcvLen};
pub use error::{PacketError, SetupError};
pub use esp::{EspConfig, EspOpened, EspSa};
pub use esp_batch::SealJob;
pub use full::{
    AhTransform, AntiReplay, ConfigError, Decapsulated, DropReason, Encapsulated, EspTransform,
    InboundSa, Lifetimes, LimitKind, Limits, Mode, OutboundSa, Protocol, SaConfig, SaKeys,
    Selector, UdpEncap, Usage,
};
/// User mode's saver (the OS saves the YMM state): not built for Windows targets.
#[cfg(not(windows))]
pub use ipsecov2_crypto::UserModeState;
/// The crypto core's extended-state sections, for callers that run AES-GCM on the wide tier
/// ([`EspSa::seal_at_in`], [`EspSa::open_at_in`]).
pub use ipsecov2_crypto::{
    ExtendedStateSave, ExtendedStateSection, NoSaver, SectionError, Wide, XmmOnly,
};
pub use replay::{OutboundSequence, ReplayWindow};

/// `core::mem::size_of` of each prepared per-algorithm state and of the SA
/// types, for capacity planning (the SA is allocated once at setup).
pub fn prepared_state_sizes() -> [(&'static str, usize); 14] {
    use core::mem::size_of;
    [
        ("AES-128 key schedule (enc+dec)", size_of::<aes::Aes128>()),
        ("AES-192 key schedule (enc+dec)", size_of::<aes::Aes192>()),
        ("AES-256 key schedule (enc+dec)", size_of::<aes::Aes256>()),
        ("DES key schedule", size_of::<des::Des>()),
        ("3DES-EDE key schedule", size_of::<des::TdesEde3>()),
        (
            "AES-GCM/GMAC key (AES-256 + H + salt)",
            size_of::<cipher::GcmKey>(),
        ),
        (
            "HMAC keyed inner+outer state (any hash)",
            size_of::<hmac::HmacKey>(),
        ),
        ("ESP encryption state (enum)", esp::enc_state_size()),
        ("EspSa (whole ESP SA)", size_of::<EspSa>()),
        ("AhSa (whole AH SA)", size_of::<AhSa>()),
        ("ReplayWindow (plus heap bitmap)", size_of::<ReplayWindow>()),
        ("Replay bitmap, W=4096 (heap)", (4096 / 64 + 1) * 8),
        ("OutboundSequence", size_of::<OutboundSequence>()),
        (
            "GHASH per-packet state (stack)",
            size_of::<cipher::GhashStream>(),
        ),
    ]
}

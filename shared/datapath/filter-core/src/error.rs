//! Typed drop and failure reasons of the datapath, mapped to `NDIS_STATUS` / `CRYPTO_*` only at
//! the edge.

use ipsec_engine::PacketError;
use ipsecov2_abi::*;
use ipsecov2_nbl::NblError;

use crate::frame::FrameError;

/// Why a send NBL carrying IPsec offload information was completed instead of sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendDrop {
    /// `OffloadHandle` or `TunnelHandle` names no SA in the table (deleted, never added, or a
    /// stale handle of an earlier generation).
    UnknownHandle,
    /// The handle names an inbound SA.
    InboundSa,
    /// LSO was requested together with IPsec, which this filter does not advertise.
    LsoNotSupported,
    /// The frame is not Ethernet + IPv4/IPv6 or its IP length fields are invalid.
    Frame(FrameError),
    /// Slot 12 gives no (or an impossible) ESP/AH header offset for an SA that has that part.
    BadHeaderOffset,
    /// The next header or pad length in slot 12 disagrees with the framed ESP trailer.
    HeaderInfoMismatch,
    /// No filter-owned transmit buffer was free (or large enough).
    PoolExhausted,
    /// The NET_BUFFER's MDL chain is malformed.
    Nbl(NblError),
    /// The engine refused the packet.
    Crypto(PacketError),
}

impl SendDrop {
    /// Number of distinct counter buckets ([`SendDrop::bucket`]).
    pub const BUCKETS: usize = 9;

    /// The counter bucket of this reason (0..[`SendDrop::BUCKETS`]).
    #[must_use]
    pub const fn bucket(self) -> usize {
        match self {
            Self::UnknownHandle => 0,
            Self::InboundSa => 1,
            Self::LsoNotSupported => 2,
            Self::Frame(_) => 3,
            Self::BadHeaderOffset => 4,
            Self::HeaderInfoMismatch => 5,
            Self::PoolExhausted => 6,
            Self::Nbl(_) => 7,
            Self::Crypto(_) => 8,
        }
    }

    /// Stable name of a bucket, for counters and logs.
    #[must_use]
    pub const fn bucket_name(bucket: usize) -> &'static str {
        match bucket {
            0 => "unknown_handle",
            1 => "inbound_sa",
            2 => "lso_not_supported",
            3 => "bad_frame",
            4 => "bad_header_offset",
            5 => "header_info_mismatch",
            6 => "pool_exhausted",
            7 => "bad_nbl",
            8 => "crypto",
            _ => "unknown",
        }
    }

    /// The status the original NBL is completed with.
    #[must_use]
    pub fn ndis_status(self) -> NDIS_STATUS {
        match self {
            Self::UnknownHandle | Self::InboundSa => NDIS_STATUS_FAILURE,
            Self::LsoNotSupported => NDIS_STATUS_NOT_SUPPORTED,
            Self::PoolExhausted => NDIS_STATUS_RESOURCES,
            Self::Nbl(e) => e.ndis_status(),
            Self::Frame(_) | Self::BadHeaderOffset | Self::HeaderInfoMismatch => {
                NDIS_STATUS_INVALID_DATA
            }
            Self::Crypto(PacketError::IvExhausted | PacketError::SequenceExhausted) => {
                NDIS_STATUS_RESOURCES
            }
            Self::Crypto(_) => NDIS_STATUS_INVALID_DATA,
        }
    }
}

impl From<NblError> for SendDrop {
    fn from(e: NblError) -> Self {
        Self::Nbl(e)
    }
}

impl From<PacketError> for SendDrop {
    fn from(e: PacketError) -> Self {
        Self::Crypto(e)
    }
}

impl From<FrameError> for SendDrop {
    fn from(e: FrameError) -> Self {
        Self::Frame(e)
    }
}

/// Which layer of a received packet a failure belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// The outer layer of transport-over-tunnel, or an AH/ESP whose next header is IPv4/IPv6.
    Tunnel,
    /// The transport layer (or a single layer whose mode cannot be told, see `docs`).
    Transport,
}

/// Why the IPsec check of a received packet failed (the packet is still indicated, with
/// `CryptoDone` set and this reason's `CryptoStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvFailure {
    /// The AH ICV did not verify.
    AhAuth(Layer),
    /// The ESP ICV did not verify.
    EspAuth(Layer),
    /// The packet does not parse (lengths, block multiple, padding, pad length, truncation).
    Syntax(PacketError),
    /// The packet's protocol does not match the SA (ESP for an AH+ESP bundle, plain ESP for a
    /// UDP-ESP SA, UDP-ESP for a plain SA, an ESP SPI behind AH that is not the bundle's).
    Protocol,
    /// Anything else (an engine error that is not about the packet).
    Generic(PacketError),
}

impl RecvFailure {
    /// Number of distinct counter buckets.
    pub const BUCKETS: usize = 7;

    /// The counter bucket of this reason.
    #[must_use]
    pub const fn bucket(self) -> usize {
        match self {
            Self::AhAuth(Layer::Transport) => 0,
            Self::AhAuth(Layer::Tunnel) => 1,
            Self::EspAuth(Layer::Transport) => 2,
            Self::EspAuth(Layer::Tunnel) => 3,
            Self::Syntax(_) => 4,
            Self::Protocol => 5,
            Self::Generic(_) => 6,
        }
    }

    /// The `CRYPTO_*` status reported in `Receive.CryptoStatus`.
    #[must_use]
    pub const fn crypto_status(self) -> u16 {
        match self {
            Self::AhAuth(Layer::Transport) => CRYPTO_TRANSPORT_AH_AUTH_FAILED,
            Self::AhAuth(Layer::Tunnel) => CRYPTO_TUNNEL_AH_AUTH_FAILED,
            Self::EspAuth(Layer::Transport) => CRYPTO_TRANSPORT_ESP_AUTH_FAILED,
            Self::EspAuth(Layer::Tunnel) => CRYPTO_TUNNEL_ESP_AUTH_FAILED,
            Self::Syntax(_) => CRYPTO_INVALID_PACKET_SYNTAX,
            Self::Protocol => CRYPTO_INVALID_PROTOCOL,
            Self::Generic(_) => CRYPTO_GENERIC_ERROR,
        }
    }

    /// Classifies an engine error of the ESP (`esp` true) or AH layer.
    #[must_use]
    pub const fn from_engine(e: PacketError, esp: bool, layer: Layer) -> Self {
        match e {
            PacketError::IcvMismatch if esp => Self::EspAuth(layer),
            PacketError::IcvMismatch => Self::AhAuth(layer),
            PacketError::Truncated
            | PacketError::BadLength
            | PacketError::NotBlockMultiple
            | PacketError::BadPadding
            | PacketError::PadLengthTooLarge
            | PacketError::Malformed
            | PacketError::Fragment => Self::Syntax(e),
            PacketError::NotIpsec => Self::Protocol,
            _ => Self::Generic(e),
        }
    }
}

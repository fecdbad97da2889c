//! Typed drop and failure reasons of the datapath, mapped to `NDIS_STATUS` / `CRYPTO_*` only at
//! the edge.

use ipsec_engine::PacketError;
use ipsecov2_abi::*;
use ipsecov2_nbl::NblError;

use crate::frame::FrameError;

/// One table per reason type: each row is a counter bucket's stable name and the pattern of the
/// reasons counted in it. Generates `BUCKETS`, `bucket()` (the row of a reason, in table order)
/// and `bucket_name()` from that one table, as the engine's `drop_reasons!` does for the full
/// face's `DropReason`.
macro_rules! drop_buckets {
    ($ty:ident { $( $name:ident = $pat:pat, )* }) => {
        impl $ty {
            /// Number of distinct counter buckets (rows of the table).
            pub const BUCKETS: usize = [$( stringify!($name), )*].len();

            /// The counter bucket of this reason (`0..BUCKETS`, in table order).
            #[must_use]
            pub const fn bucket(self) -> usize {
                #[allow(non_camel_case_types)]
                enum Row { $( $name, )* }
                match self {
                    $( $pat => Row::$name as usize, )*
                }
            }

            /// Stable name of a bucket, for counters and logs (`"unknown"` past the table).
            #[must_use]
            pub const fn bucket_name(bucket: usize) -> &'static str {
                let mut row = 0;
                $(
                    if bucket == row {
                        return stringify!($name);
                    }
                    row += 1;
                )*
                "unknown"
            }
        }
    };
}

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
    /// The ESP or AH header found for the SA carries another SPI than the SA's.
    SpiMismatch,
    /// No filter-owned transmit buffer was free (or large enough).
    PoolExhausted,
    /// The NET_BUFFER's MDL chain is malformed.
    Nbl(NblError),
    /// The engine refused the packet.
    Crypto(PacketError),
}

drop_buckets! {
    SendDrop {
        unknown_handle = Self::UnknownHandle,
        inbound_sa = Self::InboundSa,
        lso_not_supported = Self::LsoNotSupported,
        bad_frame = Self::Frame(_),
        bad_header_offset = Self::BadHeaderOffset,
        header_info_mismatch = Self::HeaderInfoMismatch,
        pool_exhausted = Self::PoolExhausted,
        bad_nbl = Self::Nbl(_),
        crypto = Self::Crypto(_),
        spi_mismatch = Self::SpiMismatch,
    }
}

impl SendDrop {
    /// The status the original NBL is completed with.
    #[must_use]
    pub fn ndis_status(self) -> NDIS_STATUS {
        match self {
            Self::UnknownHandle | Self::InboundSa => NDIS_STATUS_FAILURE,
            Self::LsoNotSupported => NDIS_STATUS_NOT_SUPPORTED,
            Self::PoolExhausted => NDIS_STATUS_RESOURCES,
            Self::Nbl(e) => e.ndis_status(),
            Self::Frame(_)
            | Self::BadHeaderOffset
            | Self::HeaderInfoMismatch
            | Self::SpiMismatch => NDIS_STATUS_INVALID_DATA,
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

drop_buckets! {
    RecvFailure {
        ah_auth_transport = Self::AhAuth(Layer::Transport),
        ah_auth_tunnel = Self::AhAuth(Layer::Tunnel),
        esp_auth_transport = Self::EspAuth(Layer::Transport),
        esp_auth_tunnel = Self::EspAuth(Layer::Tunnel),
        syntax = Self::Syntax(_),
        protocol = Self::Protocol,
        generic = Self::Generic(_),
    }
}

impl RecvFailure {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_drop_buckets_keep_their_numbers_and_names() {
        let rows = [
            (SendDrop::UnknownHandle, "unknown_handle"),
            (SendDrop::InboundSa, "inbound_sa"),
            (SendDrop::LsoNotSupported, "lso_not_supported"),
            (SendDrop::Frame(FrameError::Truncated), "bad_frame"),
            (SendDrop::BadHeaderOffset, "bad_header_offset"),
            (SendDrop::HeaderInfoMismatch, "header_info_mismatch"),
            (SendDrop::PoolExhausted, "pool_exhausted"),
            (SendDrop::Nbl(NblError::NullCurrentMdl), "bad_nbl"),
            (SendDrop::Crypto(PacketError::IvExhausted), "crypto"),
            (SendDrop::SpiMismatch, "spi_mismatch"),
        ];
        assert_eq!(SendDrop::BUCKETS, rows.len());
        for (i, (reason, name)) in rows.into_iter().enumerate() {
            assert_eq!(reason.bucket(), i, "{reason:?}");
            assert_eq!(SendDrop::bucket_name(i), name);
        }
        assert_eq!(SendDrop::bucket_name(SendDrop::BUCKETS), "unknown");
    }

    #[test]
    fn recv_failure_buckets_keep_their_numbers() {
        let rows = [
            RecvFailure::AhAuth(Layer::Transport),
            RecvFailure::AhAuth(Layer::Tunnel),
            RecvFailure::EspAuth(Layer::Transport),
            RecvFailure::EspAuth(Layer::Tunnel),
            RecvFailure::Syntax(PacketError::Truncated),
            RecvFailure::Protocol,
            RecvFailure::Generic(PacketError::IvExhausted),
        ];
        assert_eq!(RecvFailure::BUCKETS, rows.len());
        for (i, f) in rows.into_iter().enumerate() {
            assert_eq!(f.bucket(), i, "{f:?}");
        }
        assert_eq!(RecvFailure::bucket_name(2), "esp_auth_transport");
        assert_eq!(RecvFailure::bucket_name(RecvFailure::BUCKETS), "unknown");
    }
}

//! The adapter's typed errors: the agreement's 600-based asynchronous codes ([`NpfError`]), what
//! a call can return synchronously ([`SyncError`]), and what a transport can fail with
//! ([`TransportError`]).

use crate::abi;

macro_rules! npf_errors {
    ($($variant:ident => $code:ident),* $(,)?) => {
        /// An asynchronous error code of the agreement (section 5.4), as a type.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum NpfError {
            $(#[doc = concat!("`", stringify!($code), "`.")] $variant,)*
        }

        impl NpfError {
            /// Every code, in numeric order.
            pub const ALL: &'static [NpfError] = &[$(NpfError::$variant),*];

            /// The agreement's numeric value.
            #[must_use]
            pub const fn code(self) -> u32 {
                match self { $(NpfError::$variant => abi::$code,)* }
            }

            /// The agreement's constant name.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(NpfError::$variant => stringify!($code),)* }
            }

            /// The error of a numeric code, if it is one of the agreement's.
            #[must_use]
            pub fn from_code(code: u32) -> Option<Self> {
                match code { $(abi::$code => Some(NpfError::$variant),)* _ => None }
            }
        }
    };
}

npf_errors! {
    InvalidIfHandle => NPF_IPSEC_E_INVALID_IF_HANDLE,
    AlreadyRegistered => NPF_IPSEC_E_ALREADY_REGISTERED,
    OptionalFeatureNotSupported => NPF_IPSEC_E_OPTIONAL_FEATURE_NOT_SUPPORTED,
    NoMemory => NPF_IPSEC_E_NOMEMORY,
    IfAlreadyBound => NPF_IPSEC_E_IF_ALREADY_BOUND,
    InvalidSpdHandle => NPF_IPSEC_E_INVALID_SPD_HANDLE,
    InvalidPolicyHandle => NPF_IPSEC_E_INVALID_POLICY_HANDLE,
    InvalidSaHandle => NPF_IPSEC_E_INVALID_SA_HANDLE,
    InvalidSpdId => NPF_IPSEC_E_INVALID_SPD_ID,
    InvalidPolicyId => NPF_IPSEC_E_INVALID_POLICY_ID,
    InvalidSaId => NPF_IPSEC_E_INVALID_SA_ID,
    InvalidPolicyPriority => NPF_IPSEC_E_INVALID_POLICY_PRIORITY,
    InvalidPolicyAction => NPF_IPSEC_E_INVALID_POLICY_ACTION,
    InvalidSelector => NPF_IPSEC_E_INVALID_SELECTOR,
    InvalidEncAlgo => NPF_IPSEC_E_INVALID_ENC_ALGO,
    InvalidAuthAlgo => NPF_IPSEC_E_INVALID_AUTH_ALGO,
    InvalidCompressAlgo => NPF_IPSEC_E_INVALID_COMPRESS_ALGO,
    NullAuthNullEncAlgo => NPF_IPSEC_E_NULL_AUTH_NULL_ENC_ALGO,
    InvalidEncAlgoKeylen => NPF_IPSEC_E_INVALID_ENC_ALGO_KEYLEN,
    InvalidAuthAlgoKeylen => NPF_IPSEC_E_INVALID_AUTH_ALGO_KEYLEN,
    NoReplay => NPF_IPSEC_E_NO_REPLAY,
    BadSpi => NPF_IPSEC_E_BAD_SPI,
    ReserveSpiMode => NPF_IPSEC_E_RESERVESPIMODE,
    SpiInUse => NPF_IPSEC_E_SPIINUSE,
    DuplicateIfHandle => NPF_IPSEC_E_DUPLICATE_IF_HANDLE,
    DuplicateSpdHandle => NPF_IPSEC_E_DUPLICATE_SPD_HANDLE,
    DuplicatePolicyHandle => NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE,
    DuplicateEventId => NPF_IPSEC_E_DUPLICATE_EVENTID,
    BadEventId => NPF_IPSEC_E_BAD_EVENTID,
    UnbindFailedBoundToAll => NPF_IPSEC_E_UNBIND_FAILED_BOUNDTOALL,
    UnbindFailedLastBinding => NPF_IPSEC_E_UNBIND_FAILED_LASTBINDING,
    BindFailedBoundToAll => NPF_IPSEC_E_BIND_FAILED_BOUNDTOALL,
    BindFailedAlreadyBound => NPF_IPSEC_E_BIND_FAILED_ALREADYBOUND,
    SpdIdAlreadyRegistered => NPF_IPSEC_E_SPD_ID_ALREADY_REGISTERED,
    PolicyIdAlreadyRegistered => NPF_IPSEC_E_POLICY_ID_ALREADY_REGISTERED,
    SaIdAlreadyRegistered => NPF_IPSEC_E_SA_ID_ALREADY_REGISTERED,
    DuplicatePolicyId => NPF_IPSEC_E_DUPLICATE_POLICY_ID,
    DuplicateSelector => NPF_IPSEC_E_DUPLICATE_SELECTOR,
    SelectorRuleflagUnsupported => NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED,
}

impl core::fmt::Display for NpfError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

impl std::error::Error for NpfError {}

/// What a function returns synchronously instead of `NPF_NO_ERROR` (erratum E-SYNC). After a
/// synchronous error no completion callback follows and nothing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyncError {
    /// `NPF_E_UNKNOWN`: malformed arguments (a NULL array with a non-zero count, a NULL
    /// output pointer, a count too large), or the transport is closed.
    Unknown,
    /// `NPF_E_BAD_CALLBACK_HANDLE`: the callback handle is not registered (also a NULL event
    /// handler in `NPF_IPSecEventRegister`, 6.2.2).
    BadCallbackHandle,
    /// `NPF_E_BAD_CALLBACK_FUNCTION`: a NULL completion callback in `NPF_IPSecRegister`.
    BadCallbackFunction,
    /// A 600-based code the function's section lists as synchronous (duplicates, rule flags,
    /// already registered).
    Ipsec(NpfError),
}

impl SyncError {
    /// The `NPF_error_t` value.
    #[must_use]
    pub const fn code(self) -> u32 {
        match self {
            Self::Unknown => abi::NPF_E_UNKNOWN,
            Self::BadCallbackHandle => abi::NPF_E_BAD_CALLBACK_HANDLE,
            Self::BadCallbackFunction => abi::NPF_E_BAD_CALLBACK_FUNCTION,
            Self::Ipsec(e) => e.code(),
        }
    }
}

impl From<NpfError> for SyncError {
    fn from(e: NpfError) -> Self {
        Self::Ipsec(e)
    }
}

impl core::fmt::Display for SyncError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Unknown => f.write_str("NPF_E_UNKNOWN (1)"),
            Self::BadCallbackHandle => f.write_str("NPF_E_BAD_CALLBACK_HANDLE (2)"),
            Self::BadCallbackFunction => f.write_str("NPF_E_BAD_CALLBACK_FUNCTION (3)"),
            Self::Ipsec(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SyncError {}

/// Why a transport could not carry a request (not an answer of the control plane).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The device or the in-process control plane is gone.
    Closed,
    /// The request does not fit the transport (too many elements, too large).
    TooLarge,
    /// The other side answered something this adapter cannot decode.
    Protocol(&'static str),
    /// An operating-system error (Windows: the `GetLastError` value).
    Os(u32),
    /// The device's decoder refused the message; the agreement's error for it when it has one.
    Refused(Option<NpfError>),
}

impl core::fmt::Display for TransportError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Closed => f.write_str("transport closed"),
            Self::TooLarge => f.write_str("request too large for the transport"),
            Self::Protocol(what) => write!(f, "protocol error: {what}"),
            Self::Os(code) => write!(f, "operating-system error {code}"),
            Self::Refused(Some(e)) => write!(f, "refused by the device's decoder: {e}"),
            Self::Refused(None) => f.write_str("refused by the device's decoder"),
        }
    }
}

impl std::error::Error for TransportError {}

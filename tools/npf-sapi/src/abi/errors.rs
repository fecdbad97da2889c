//! The 600-based asynchronous error codes of the agreement (section 5.4).

use super::sa::NPF_IPSecErrorType_t;

/// `NPF_IPSEC_BASE_ERR`.
pub const NPF_IPSEC_BASE_ERR: NPF_IPSecErrorType_t = 600;
/// `NPF_IPSEC_GENERIC_ERROR_CODE_COUNT`.
pub const NPF_IPSEC_GENERIC_ERROR_CODE_COUNT: NPF_IPSecErrorType_t = 20;

macro_rules! codes {
    (generic: $($g:ident = $gv:literal),*; specific: $($s:ident = $sv:literal),* $(,)?) => {
        $(#[doc = concat!("`", stringify!($g), "`.")]
        pub const $g: NPF_IPSecErrorType_t = NPF_IPSEC_BASE_ERR + $gv;)*
        $(#[doc = concat!("`", stringify!($s), "`.")]
        pub const $s: NPF_IPSecErrorType_t =
            NPF_IPSEC_BASE_ERR + NPF_IPSEC_GENERIC_ERROR_CODE_COUNT + $sv;)*
        /// Every IPsec error code with its name.
        pub const ALL_IPSEC_ERRORS: &[(NPF_IPSecErrorType_t, &str)] = &[
            $(($g, stringify!($g)),)*
            $(($s, stringify!($s)),)*
        ];
    };
}

codes! {
    generic:
    NPF_IPSEC_E_INVALID_IF_HANDLE = 1,
    NPF_IPSEC_E_ALREADY_REGISTERED = 2,
    NPF_IPSEC_E_OPTIONAL_FEATURE_NOT_SUPPORTED = 3,
    NPF_IPSEC_E_NOMEMORY = 4;
    specific:
    NPF_IPSEC_E_IF_ALREADY_BOUND = 1,
    NPF_IPSEC_E_INVALID_SPD_HANDLE = 2,
    NPF_IPSEC_E_INVALID_POLICY_HANDLE = 3,
    NPF_IPSEC_E_INVALID_SA_HANDLE = 4,
    NPF_IPSEC_E_INVALID_SPD_ID = 5,
    NPF_IPSEC_E_INVALID_POLICY_ID = 6,
    NPF_IPSEC_E_INVALID_SA_ID = 7,
    NPF_IPSEC_E_INVALID_POLICY_PRIORITY = 8,
    NPF_IPSEC_E_INVALID_POLICY_ACTION = 9,
    NPF_IPSEC_E_INVALID_SELECTOR = 10,
    NPF_IPSEC_E_INVALID_ENC_ALGO = 11,
    NPF_IPSEC_E_INVALID_AUTH_ALGO = 12,
    NPF_IPSEC_E_INVALID_COMPRESS_ALGO = 13,
    NPF_IPSEC_E_NULL_AUTH_NULL_ENC_ALGO = 14,
    NPF_IPSEC_E_INVALID_ENC_ALGO_KEYLEN = 15,
    NPF_IPSEC_E_INVALID_AUTH_ALGO_KEYLEN = 16,
    NPF_IPSEC_E_NO_REPLAY = 17,
    NPF_IPSEC_E_BAD_SPI = 18,
    NPF_IPSEC_E_RESERVESPIMODE = 19,
    NPF_IPSEC_E_SPIINUSE = 20,
    NPF_IPSEC_E_DUPLICATE_IF_HANDLE = 21,
    NPF_IPSEC_E_DUPLICATE_SPD_HANDLE = 22,
    NPF_IPSEC_E_DUPLICATE_POLICY_HANDLE = 23,
    NPF_IPSEC_E_DUPLICATE_EVENTID = 24,
    NPF_IPSEC_E_BAD_EVENTID = 25,
    NPF_IPSEC_E_UNBIND_FAILED_BOUNDTOALL = 26,
    NPF_IPSEC_E_UNBIND_FAILED_LASTBINDING = 27,
    NPF_IPSEC_E_BIND_FAILED_BOUNDTOALL = 28,
    NPF_IPSEC_E_BIND_FAILED_ALREADYBOUND = 29,
    NPF_IPSEC_E_SPD_ID_ALREADY_REGISTERED = 30,
    NPF_IPSEC_E_POLICY_ID_ALREADY_REGISTERED = 31,
    NPF_IPSEC_E_SA_ID_ALREADY_REGISTERED = 32,
    NPF_IPSEC_E_DUPLICATE_POLICY_ID = 33,
    NPF_IPSEC_E_DUPLICATE_SELECTOR = 34,
    NPF_IPSEC_E_SELECTOR_RULEFLAG_UNSUPPORTED = 35,
}

/// The name of an error code (`NPF_NO_ERROR`, the generic NPF codes and the IPsec codes).
#[must_use]
pub fn error_name(code: u32) -> Option<&'static str> {
    match code {
        super::base::NPF_NO_ERROR => Some("NPF_NO_ERROR"),
        super::base::NPF_E_UNKNOWN => Some("NPF_E_UNKNOWN"),
        super::base::NPF_E_BAD_CALLBACK_HANDLE => Some("NPF_E_BAD_CALLBACK_HANDLE"),
        super::base::NPF_E_BAD_CALLBACK_FUNCTION => Some("NPF_E_BAD_CALLBACK_FUNCTION"),
        _ => ALL_IPSEC_ERRORS
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, n)| *n),
    }
}

//! What `FilterAttach` prepares before the module runs: the keywords from the registry
//! (`NdisOpenConfigurationEx` + `NdisReadConfiguration`) and the SA table's secret seed.

use ndis_bindings::ffi::{NdisCloseConfiguration, NdisOpenConfigurationEx, NdisReadConfiguration};
use ndis_bindings::ipsecov2_abi::{
    NDIS_HANDLE, NDIS_OBJECT_HEADER, NDIS_STATUS, NDIS_STATUS_SUCCESS,
};
use ndis_bindings::{
    wide, NdisParameterHexInteger, NdisParameterInteger, NDIS_CONFIGURATION_OBJECT,
    NDIS_CONFIGURATION_OBJECT_REVISION_1, NDIS_CONFIGURATION_PARAMETER,
    NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT, NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1,
    UNICODE_STRING,
};

use crate::config::{
    FilterConfig, KeywordValues, KEYWORD_RX_SCRATCH_COUNT, KEYWORD_TX_BUFFER_COUNT,
    KEYWORD_TX_BUFFER_SIZE,
};
use crate::names::{
    KEYWORD_IPSEC_OFFLOAD_V2, KEYWORD_IPSEC_OFFLOAD_V2_IPV4, KEYWORD_SA_OFFLOAD_CAPACITY,
};

static SA_OFFLOAD_CAPACITY: &[u16] = wide!(KEYWORD_SA_OFFLOAD_CAPACITY);
static IPSEC_OFFLOAD_V2: &[u16] = wide!(KEYWORD_IPSEC_OFFLOAD_V2);
static IPSEC_OFFLOAD_V2_IPV4: &[u16] = wide!(KEYWORD_IPSEC_OFFLOAD_V2_IPV4);
static TX_BUFFER_COUNT: &[u16] = wide!(KEYWORD_TX_BUFFER_COUNT);
static TX_BUFFER_SIZE: &[u16] = wide!(KEYWORD_TX_BUFFER_SIZE);
static RX_SCRATCH_COUNT: &[u16] = wide!(KEYWORD_RX_SCRATCH_COUNT);

/// One integer keyword; `None` when absent or not an integer.
fn read_integer(config: NDIS_HANDLE, keyword: &'static [u16]) -> Option<u32> {
    let mut name = UNICODE_STRING::from_static(keyword);
    let mut status: NDIS_STATUS = NDIS_STATUS_SUCCESS;
    let mut value: *mut NDIS_CONFIGURATION_PARAMETER = core::ptr::null_mut();
    // SAFETY: PASSIVE_LEVEL; `config` is open; NDIS reads `name` and writes `status`/`value`
    // (a parameter it owns until NdisCloseConfiguration).
    unsafe {
        NdisReadConfiguration(
            &mut status,
            &mut value,
            config,
            &mut name,
            NdisParameterInteger,
        )
    };
    if status != NDIS_STATUS_SUCCESS {
        return None;
    }
    // SAFETY: on success `value` points to NDIS's parameter, valid until the close.
    let param = unsafe { value.as_ref() }?;
    if param.ParameterType != NdisParameterInteger && param.ParameterType != NdisParameterHexInteger
    {
        return None;
    }
    // SAFETY: for the integer types `IntegerData` is the valid member of the union.
    Some(unsafe { param.ParameterData.IntegerData })
}

/// The module's configuration; the defaults when the configuration cannot be opened.
/// PASSIVE_LEVEL (FilterAttach).
pub(super) fn read_config(filter_handle: NDIS_HANDLE) -> FilterConfig {
    let mut object = NDIS_CONFIGURATION_OBJECT {
        // Header.Size is NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1 (0x14, through `Flags`),
        // as NdisOpenConfigurationEx's documentation asks; `sizeof` would be the padded 0x18,
        // which NDIS versions that check the revision's exact size may refuse.
        Header: NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT,
            NDIS_CONFIGURATION_OBJECT_REVISION_1,
            NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1,
        ),
        NdisHandle: filter_handle,
        Flags: 0,
    };
    let mut config: NDIS_HANDLE = core::ptr::null_mut();
    // SAFETY: PASSIVE_LEVEL in FilterAttach with this module's NdisFilterHandle; `object` is a
    // complete REVISION_1 structure.
    let status = unsafe { NdisOpenConfigurationEx(&mut object, &mut config) };
    if status != NDIS_STATUS_SUCCESS || config.is_null() {
        return FilterConfig::default();
    }
    let values = KeywordValues {
        sa_offload_capacity: read_integer(config, SA_OFFLOAD_CAPACITY),
        ipsec_offload_v2: read_integer(config, IPSEC_OFFLOAD_V2),
        ipsec_offload_v2_ipv4: read_integer(config, IPSEC_OFFLOAD_V2_IPV4),
        tx_buffer_count: read_integer(config, TX_BUFFER_COUNT),
        tx_buffer_size: read_integer(config, TX_BUFFER_SIZE),
        rx_scratch_count: read_integer(config, RX_SCRATCH_COUNT),
    };
    // SAFETY: `config` was opened above and is closed once; no parameter is used afterwards.
    unsafe { NdisCloseConfiguration(config) };
    FilterConfig::from_keywords(&values)
}

static CONTROL_TEST_FAMILY: &[u16] = wide!(crate::control::KEYWORD_CONTROL_TEST_FAMILY);

/// The module's `ControlTestFamily` keyword (absent or 0: off). PASSIVE_LEVEL (FilterAttach).
pub(super) fn read_control_test_family(filter_handle: NDIS_HANDLE) -> bool {
    let mut object = NDIS_CONFIGURATION_OBJECT {
        Header: NDIS_OBJECT_HEADER::new(
            NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT,
            NDIS_CONFIGURATION_OBJECT_REVISION_1,
            NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1,
        ),
        NdisHandle: filter_handle,
        Flags: 0,
    };
    let mut config: NDIS_HANDLE = core::ptr::null_mut();
    // SAFETY: as in `read_config`.
    let status = unsafe { NdisOpenConfigurationEx(&mut object, &mut config) };
    if status != NDIS_STATUS_SUCCESS || config.is_null() {
        return false;
    }
    let value = read_integer(config, CONTROL_TEST_FAMILY);
    // SAFETY: `config` was opened above and is closed once; no parameter is used afterwards.
    unsafe { NdisCloseConfiguration(config) };
    crate::control::test_family_keyword(value)
}

/// `RDRAND` when the processor has it (CPUID.1:ECX bit 30).
fn rdrand64() -> Option<u64> {
    #[target_feature(enable = "rdrand")]
    fn step(out: &mut u64) -> i32 {
        // SAFETY: only called after CPUID reported RDRAND (see below).
        #[allow(unused_unsafe)]
        unsafe {
            core::arch::x86_64::_rdrand64_step(out)
        }
    }
    // SAFETY: CPUID is available on every x86_64 processor.
    #[allow(unused_unsafe)]
    let leaf1 = unsafe { core::arch::x86_64::__cpuid(1) };
    if leaf1.ecx & (1 << 30) == 0 {
        return None;
    }
    let mut value = 0u64;
    for _ in 0..10 {
        // SAFETY: CPUID said the processor implements RDRAND (the target feature of `step`).
        if unsafe { step(&mut value) } == 1 {
            return Some(value);
        }
    }
    None
}

/// SplitMix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Four secret words for the SA table (inbound-index hash key and handle key): `RDRAND` mixed
/// with the time-stamp counter and `salt` (an address of the module); without `RDRAND` only the
/// latter two (weaker, but the table stays correct — the seed only guards against hash flooding
/// and predictable handles).
pub(super) fn table_seed(salt: usize) -> [u64; 4] {
    let mut words = [0u64; 4];
    for (i, w) in words.iter_mut().enumerate() {
        // SAFETY: RDTSC has no preconditions in kernel mode.
        #[allow(unused_unsafe)]
        let tsc = unsafe { core::arch::x86_64::_rdtsc() };
        let r = rdrand64().unwrap_or(0);
        *w = mix(r ^ mix(tsc ^ (salt as u64).rotate_left(17) ^ (i as u64)));
    }
    words
}

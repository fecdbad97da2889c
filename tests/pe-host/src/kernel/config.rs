//! Configuration reading: `NdisOpenConfigurationEx` on a module's handle opens its keyword
//! dictionary (set by the test, as the registry would hold the adapter's advanced properties);
//! `NdisReadConfiguration` serves integer keywords (case-insensitive) as parameters that stay
//! valid until `NdisCloseConfiguration`. A handle not closed by unload is a leak.

use std::sync::Mutex;

use super::irql::{exactly, PASSIVE_LEVEL};
use super::status::*;
use super::verifier::violation;
use super::{module, strings};
use crate::abi::structs::{
    NDIS_CONFIGURATION_OBJECT, NDIS_CONFIGURATION_PARAMETER, UNICODE_STRING,
};

/// `NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1`: `RTL_SIZEOF_THROUGH_FIELD(..., Flags)`, 0x14
/// (the header, padding, `NdisHandle` and `Flags`; not the padded `sizeof`, 0x18).
pub const NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1: u16 = 0x14;
/// `NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT`.
pub const NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT: u8 = 0xA9;
/// `NdisParameterInteger`.
pub const NDIS_PARAMETER_INTEGER: i32 = 0;
/// `NdisParameterHexInteger`.
pub const NDIS_PARAMETER_HEX_INTEGER: i32 = 1;

struct Open {
    handle: usize,
    filter_handle: usize,
    // Boxed: the driver holds pointers to the parameters until close, so they must not move
    // when the vector grows.
    #[allow(clippy::vec_box)]
    params: Vec<Box<NDIS_CONFIGURATION_PARAMETER>>,
}

static OPEN: Mutex<Vec<Open>> = Mutex::new(Vec::new());
static NEXT_HANDLE: core::sync::atomic::AtomicUsize =
    core::sync::atomic::AtomicUsize::new(0x434f_0000);

/// Handles open now (leaks at unload).
pub fn open_handles() -> Vec<usize> {
    OPEN.lock()
        .map(|o| o.iter().map(|c| c.handle).collect())
        .unwrap_or_default()
}

/// `NDIS_STATUS NdisOpenConfigurationEx(PNDIS_CONFIGURATION_OBJECT ConfigObject, PNDIS_HANDLE
/// ConfigurationHandle)` — PASSIVE_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_open_configuration_ex(
    object: *const NDIS_CONFIGURATION_OBJECT,
    out: *mut usize,
) -> i32 {
    exactly("NdisOpenConfigurationEx", PASSIVE_LEVEL);
    // SAFETY: the driver's object or NULL.
    let Some(o) = (unsafe { object.as_ref() }) else {
        violation("NdisOpenConfigurationEx: NULL object".to_owned());
        return NDIS_STATUS_INVALID_PARAMETER;
    };
    if out.is_null() {
        violation("NdisOpenConfigurationEx: NULL handle pointer".to_owned());
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    if o.Header.Type != NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT
        || o.Header.Revision != 1
        || o.Header.Size < NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1
    {
        violation(format!(
            "NdisOpenConfigurationEx: bad header {:?}",
            o.Header
        ));
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    let filter_handle = o.NdisHandle as usize;
    if module::get(filter_handle).is_none() {
        violation(format!(
            "NdisOpenConfigurationEx: {filter_handle:#x} is not a filter module handle"
        ));
        return NDIS_STATUS_INVALID_PARAMETER;
    }
    if super::lowres::fail("NdisOpenConfigurationEx") {
        return NDIS_STATUS_RESOURCES;
    }
    let handle = NEXT_HANDLE.fetch_add(0x100, core::sync::atomic::Ordering::Relaxed);
    let Ok(mut open) = OPEN.lock() else {
        return NDIS_STATUS_FAILURE;
    };
    open.push(Open {
        handle,
        filter_handle,
        params: Vec::new(),
    });
    // SAFETY: checked non-NULL; the driver's out-parameter.
    unsafe { out.write(handle) };
    NDIS_STATUS_SUCCESS
}

/// `VOID NdisReadConfiguration(PNDIS_STATUS Status, PNDIS_CONFIGURATION_PARAMETER
/// *ParameterValue, NDIS_HANDLE ConfigurationHandle, PNDIS_STRING Keyword, NDIS_PARAMETER_TYPE
/// ParameterType)` — PASSIVE_LEVEL.
///
/// # Safety
/// Called by the driver with the arguments its contract (above) requires.
pub unsafe extern "win64" fn ndis_read_configuration(
    status: *mut i32,
    value: *mut *mut NDIS_CONFIGURATION_PARAMETER,
    handle: usize,
    keyword: *const UNICODE_STRING,
    parameter_type: i32,
) {
    exactly("NdisReadConfiguration", PASSIVE_LEVEL);
    if status.is_null() || value.is_null() {
        violation("NdisReadConfiguration: NULL out-pointer".to_owned());
        return;
    }
    // SAFETY: the keyword is the driver's UNICODE_STRING.
    let name = unsafe { strings::read(keyword) };
    let mut result: (i32, *mut NDIS_CONFIGURATION_PARAMETER) =
        (NDIS_STATUS_FAILURE, core::ptr::null_mut());
    if let Ok(mut open) = OPEN.lock() {
        match open.iter_mut().find(|o| o.handle == handle) {
            None => violation(format!(
                "NdisReadConfiguration: {handle:#x} is not an open configuration handle"
            )),
            Some(o) => {
                let found = name.and_then(|n| {
                    module::get(o.filter_handle).and_then(|m| {
                        m.keywords
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(&n))
                            .map(|kv| kv.1)
                    })
                });
                if let Some(v) = found {
                    if parameter_type != NDIS_PARAMETER_INTEGER
                        && parameter_type != NDIS_PARAMETER_HEX_INTEGER
                    {
                        violation(format!(
                            "NdisReadConfiguration: parameter type {parameter_type} not served"
                        ));
                    } else {
                        let mut p = Box::new(NDIS_CONFIGURATION_PARAMETER {
                            ParameterType: parameter_type,
                            Pad0: 0,
                            IntegerData: v,
                            Rest: [0; 3],
                        });
                        let ptr: *mut NDIS_CONFIGURATION_PARAMETER = &mut *p;
                        o.params.push(p);
                        result = (NDIS_STATUS_SUCCESS, ptr);
                    }
                }
            }
        }
    }
    // SAFETY: checked non-NULL; the driver's out-parameters.
    unsafe { status.write(result.0) };
    // SAFETY: as above.
    unsafe { value.write(result.1) };
}

/// `VOID NdisCloseConfiguration(NDIS_HANDLE ConfigurationHandle)` — PASSIVE_LEVEL.
pub extern "win64" fn ndis_close_configuration(handle: usize) {
    exactly("NdisCloseConfiguration", PASSIVE_LEVEL);
    let Ok(mut open) = OPEN.lock() else { return };
    match open.iter().position(|o| o.handle == handle) {
        Some(i) => {
            // Parameters are poisoned before they go: a read after close sees garbage.
            let mut o = open.remove(i);
            for p in &mut o.params {
                p.ParameterType = -1;
                p.IntegerData = 0xDDDD_DDDD;
            }
        }
        None => violation(format!(
            "NdisCloseConfiguration: {handle:#x} is not an open configuration handle"
        )),
    }
}

//! UNICODE_STRINGs read from and built for the driver.

use crate::abi::structs::UNICODE_STRING;

/// The text of a driver's `UNICODE_STRING`, `None` when the pointer or its buffer is NULL, the
/// length is odd, or it exceeds MaximumLength.
///
/// # Safety
/// `s`, when not NULL, must point to a UNICODE_STRING whose Buffer holds Length bytes.
pub unsafe fn read(s: *const UNICODE_STRING) -> Option<String> {
    // SAFETY: the caller promises a valid UNICODE_STRING or NULL.
    let s = unsafe { s.as_ref() }?;
    if s.Buffer.is_null() || s.Length % 2 != 0 || s.Length > s.MaximumLength {
        return None;
    }
    // SAFETY: Buffer holds Length bytes (the caller's promise), u16-aligned.
    let units = unsafe { core::slice::from_raw_parts(s.Buffer, usize::from(s.Length) / 2) };
    Some(String::from_utf16_lossy(units))
}

/// An owned UTF-16 buffer and the UNICODE_STRING describing it (the buffer must outlive every
/// use of the string).
#[derive(Debug)]
pub struct OwnedUnicode {
    buffer: Box<[u16]>,
    string: Box<UNICODE_STRING>,
}

impl OwnedUnicode {
    /// A counted UTF-16 copy of `text`.
    pub fn new(text: &str) -> Self {
        let mut buffer: Box<[u16]> = text.encode_utf16().chain(core::iter::once(0)).collect();
        let len = (buffer.len() - 1) * 2;
        let string = Box::new(UNICODE_STRING {
            Length: len as u16,
            MaximumLength: (len + 2) as u16,
            Buffer: buffer.as_mut_ptr(),
        });
        Self { buffer, string }
    }

    /// A pointer to the `UNICODE_STRING`, valid while `self` lives.
    pub fn as_ptr(&mut self) -> *mut UNICODE_STRING {
        debug_assert!(!self.buffer.is_empty());
        &mut *self.string
    }

    /// The `UNICODE_STRING` by value (its buffer is `self`'s).
    pub fn value(&self) -> UNICODE_STRING {
        *self.string
    }
}

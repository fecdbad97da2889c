//! Compile-time UTF-16 strings for `UNICODE_STRING`/`NDIS_STRING` names.

/// Encodes an ASCII `&str` as a NUL-terminated UTF-16 array of `N` units (`N` = length + 1).
/// Non-ASCII bytes and a wrong `N` fail the constant evaluation (a build error, not a runtime
/// panic) when used through [`wide!`](crate::wide).
#[must_use]
pub const fn ascii_to_utf16z<const N: usize>(s: &str) -> [u16; N] {
    let bytes = s.as_bytes();
    assert!(
        bytes.len() + 1 == N,
        "N must be the string length plus the terminator"
    );
    let mut out = [0u16; N];
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i] != 0 && bytes[i] < 0x80, "ASCII only");
        out[i] = bytes[i] as u16;
        i += 1;
    }
    out
}

/// `L"..."`: a `&'static [u16]` holding the NUL-terminated UTF-16 form of an ASCII literal,
/// evaluated at compile time. Feed it to [`UNICODE_STRING::from_static`](crate::UNICODE_STRING::from_static).
#[macro_export]
macro_rules! wide {
    ($s:expr) => {{
        const UNITS: [u16; $s.len() + 1] = $crate::strings::ascii_to_utf16z::<{ $s.len() + 1 }>($s);
        &UNITS as &'static [u16]
    }};
}

#[cfg(test)]
mod tests {
    use crate::UNICODE_STRING;

    #[test]
    fn wide_literal_and_unicode_string() {
        let w: &'static [u16] = crate::wide!("\\Device\\X");
        assert_eq!(w.len(), 10);
        assert_eq!(w[0], u16::from(b'\\'));
        assert_eq!(w[9], 0);
        let u = UNICODE_STRING::from_static(w);
        assert_eq!(u.Length, 18);
        assert_eq!(u.MaximumLength, 20);
        let e = UNICODE_STRING::from_static(&[]);
        assert_eq!(e.Length, 0);
        assert!(e.Buffer.is_null());
    }
}

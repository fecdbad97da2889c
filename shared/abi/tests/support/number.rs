//! Numbers as the reference files write them: decimal or `0x` hexadecimal, a trailing comma
//! allowed.

/// The value of `s`; panics (failing the test) on anything else.
pub fn parse_num(s: &str) -> u64 {
    let s = s.trim().trim_end_matches(',');
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).unwrap_or_else(|e| panic!("bad hex {s:?}: {e}"))
    } else {
        s.parse()
            .unwrap_or_else(|e| panic!("bad number {s:?}: {e}"))
    }
}

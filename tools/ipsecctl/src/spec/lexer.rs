//! Tokens and values: the shell-like tokenizer, numbers, keys and addresses.

use std::net::IpAddr;

use super::error::{SpecError, SpecErrorKind};

/// Split a specification into tokens like a POSIX shell: whitespace separates,
/// `'…'` is literal, `"…"` allows `\"`, `\\`, `\$` and `` \` `` escapes, a
/// backslash outside quotes escapes the next character, `''` is an empty token.
pub fn tokenize(s: &str) -> Result<Vec<String>, SpecError> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut in_token = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_token {
                    tokens.push(std::mem::take(&mut cur));
                    in_token = false;
                }
            }
            '\'' => {
                in_token = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => {
                            return Err(SpecError::whole(SpecErrorKind::UnterminatedQuote('\'')))
                        }
                    }
                }
            }
            '"' => {
                in_token = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => cur.push(e),
                            Some('\n') => {}
                            Some(e) => {
                                cur.push('\\');
                                cur.push(e);
                            }
                            None => {
                                return Err(SpecError::whole(SpecErrorKind::UnterminatedQuote('"')))
                            }
                        },
                        Some(c) => cur.push(c),
                        None => {
                            return Err(SpecError::whole(SpecErrorKind::UnterminatedQuote('"')))
                        }
                    }
                }
            }
            '\\' => match chars.next() {
                // A line continuation (also as pasted from a CRLF file) is removed
                // entirely, as a shell does: it neither starts nor ends a token.
                Some('\n') => {}
                Some('\r') if chars.clone().next() == Some('\n') => {
                    chars.next();
                }
                Some(e) => {
                    in_token = true;
                    cur.push(e);
                }
                None => return Err(SpecError::whole(SpecErrorKind::TrailingBackslash)),
            },
            c => {
                in_token = true;
                cur.push(c);
            }
        }
    }
    if in_token {
        tokens.push(cur);
    }
    Ok(tokens)
}

/// Parse an unsigned number as C `strtoull(s, NULL, 0)` does for iproute2's
/// `get_u32`/`get_u64`: `0x` hex, leading `0` octal, else decimal; no sign,
/// no spaces, nothing after the digits.
pub fn parse_number(s: &str) -> Option<u64> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Whether `s` is written as a number [`parse_number`] understands, whatever its size (to
/// tell "not a number" from "out of range").
pub fn is_number_syntax(s: &str) -> bool {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix))
}

/// Decode key material as iproute2 does: `0x` followed by hex digits (an odd
/// count gets a leading zero), anything else is the bytes of the string itself
/// (so `''` is an empty key). `0x` alone is refused (iproute2 would take the
/// two characters as the key, which is never what was meant).
pub fn parse_key(s: &str) -> Result<Vec<u8>, String> {
    let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) else {
        return Ok(s.as_bytes().to_vec());
    };
    if hex.is_empty() {
        return Err("\"0x\" without hex digits".to_string());
    }
    let digits: Vec<u8> = hex.bytes().collect();
    let mut nibbles = Vec::with_capacity(digits.len() + 1);
    if digits.len() % 2 == 1 {
        nibbles.push(0u8);
    }
    for (i, d) in digits.iter().enumerate() {
        let v = (*d as char)
            .to_digit(16)
            .ok_or_else(|| format!("{:?} at hex digit {} is not hexadecimal", *d as char, i + 1))?;
        nibbles.push(v as u8);
    }
    Ok(nibbles
        .chunks(2)
        .map(|p| (p[0] << 4) | p.get(1).copied().unwrap_or(0))
        .collect())
}

pub(super) fn parse_addr(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>().ok()
}

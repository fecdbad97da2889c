//! Keyword groups with their own small grammar: `dir`, `flag`, `extra-flag` and `limit`.

use super::cursor::Cursor;
use super::error::{SpecError, SpecErrorKind};
use super::model::{Direction, Flags, Limits};

pub(super) fn parse_dir(cur: &mut Cursor<'_>) -> Result<Direction, SpecError> {
    match cur.value("DIR (in or out)")? {
        "in" => Ok(Direction::In),
        "out" => Ok(Direction::Out),
        _ => Err(cur.err_prev(SpecErrorKind::Invalid("DIR must be in or out".into()))),
    }
}

/// Flag names in iproute2's order; the index is the bit in the hex form.
const FLAG_NAMES: [&str; 8] = [
    "noecn",
    "decap-dscp",
    "nopmtudisc",
    "wildrecv",
    "icmp",
    "af-unspec",
    "align4",
    "esn",
];

/// Why a flag is refused: the engine's fixed behaviour differs from what it asks for.
pub(super) fn refused_flag(name: &str) -> Option<&'static str> {
    match name {
        "noecn" => Some("the engine always applies RFC 6040 ECN handling in tunnel mode"),
        "decap-dscp" => Some("the engine keeps the inner DSCP on tunnel decapsulation"),
        "nopmtudisc" => {
            Some("the engine copies DF from an inner IPv4 header into the outer header")
        }
        "dont-encap-dscp" => Some("the engine copies the inner DSCP into the outer header"),
        _ => None,
    }
}

/// Record a flag: `esn` and `wildrecv` take effect; `align4` (the engine
/// always aligns ESP to 4 bytes), `icmp` and `af-unspec` (no policy here) are
/// accepted without effect; the rest is refused.
pub(super) fn apply_flag(
    name: &str,
    flags: &mut Flags,
    ignored: &mut Vec<String>,
) -> Result<(), SpecErrorKind> {
    if let Some(why) = refused_flag(name) {
        return Err(SpecErrorKind::Unsupported(format!("flag {name}: {why}")));
    }
    match name {
        "esn" => flags.esn = true,
        "wildrecv" => flags.wildrecv = true,
        other => {
            if !ignored.iter().any(|i| i == other) {
                ignored.push(other.to_string());
            }
        }
    }
    Ok(())
}

/// `flag FLAG-LIST`: names, or one hex number as iproute2 allows.
pub(super) fn parse_flags(
    cur: &mut Cursor<'_>,
    flags: &mut Flags,
    ignored: &mut Vec<String>,
) -> Result<(), SpecError> {
    let first = cur.value("FLAG")?;
    if FLAG_NAMES.contains(&first) {
        apply_flag(first, flags, ignored).map_err(|k| cur.err_prev(k))?;
        while let Some(t) = cur.peek() {
            if !FLAG_NAMES.contains(&t) {
                break;
            }
            cur.next();
            apply_flag(t, flags, ignored).map_err(|k| cur.err_prev(k))?;
        }
        return Ok(());
    }
    // iproute2: a flag value in hexadecimal (get_u8 base 16).
    let hex = first
        .strip_prefix("0x")
        .or_else(|| first.strip_prefix("0X"))
        .unwrap_or(first);
    match u8::from_str_radix(hex, 16) {
        Ok(bits) if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
            for (i, name) in FLAG_NAMES.iter().enumerate() {
                if bits & (1 << i) != 0 {
                    apply_flag(name, flags, ignored).map_err(|k| cur.err_prev(k))?;
                }
            }
            Ok(())
        }
        _ => Err(cur.err_prev(SpecErrorKind::UnknownFlag)),
    }
}

/// `extra-flag EXTRA-FLAG-LIST`: both Linux extra flags (`dont-encap-dscp`,
/// `oseq-may-wrap`) ask for behaviour the engine does not have and are refused.
pub(super) fn parse_extra_flags(cur: &mut Cursor<'_>) -> Result<(), SpecError> {
    let t = cur.value("EXTRA-FLAG")?;
    let why = match t {
        "dont-encap-dscp" => refused_flag(t).unwrap_or_default().to_string(),
        "oseq-may-wrap" => {
            "the engine never lets the sequence number wrap (RFC 4303 §3.3.3)".to_string()
        }
        _ => return Err(cur.err_prev(SpecErrorKind::UnknownFlag)),
    };
    Err(cur.err_prev(SpecErrorKind::Unsupported(format!("extra-flag {t}: {why}"))))
}

/// `limit LIMIT` (iproute2 takes one LIMIT per `limit`; further LIMIT items
/// directly after it are accepted too).
pub(super) fn parse_limits(cur: &mut Cursor<'_>, limits: &mut Limits) -> Result<(), SpecError> {
    let mut first = true;
    loop {
        let name = if first {
            first = false;
            cur.value("LIMIT")?
        } else {
            match cur.peek() {
                Some(
                    t @ ("time-soft" | "time-hard" | "time-use-soft" | "time-use-hard"
                    | "byte-soft" | "byte-hard" | "packet-soft" | "packet-hard"),
                ) => {
                    cur.next();
                    t
                }
                _ => return Ok(()),
            }
        };
        let (slot, what): (&mut Option<u64>, &'static str) = match name {
            "time-soft" => (&mut limits.time_soft, "time-soft"),
            "time-hard" => (&mut limits.time_hard, "time-hard"),
            "time-use-soft" => (&mut limits.time_use_soft, "time-use-soft"),
            "time-use-hard" => (&mut limits.time_use_hard, "time-use-hard"),
            "byte-soft" => (&mut limits.byte_soft, "byte-soft"),
            "byte-hard" => (&mut limits.byte_hard, "byte-hard"),
            "packet-soft" => (&mut limits.packet_soft, "packet-soft"),
            "packet-hard" => (&mut limits.packet_hard, "packet-hard"),
            _ => {
                return Err(cur.err_prev(SpecErrorKind::Invalid(
                    "LIMIT must be time-soft, time-hard, time-use-soft, time-use-hard, byte-soft, byte-hard, packet-soft or packet-hard".into(),
                )))
            }
        };
        let v = match cur.value(what)? {
            // Linux prints XFRM_INF as "(INF)"; accept "inf" for no limit.
            "inf" | "INF" | "(INF)" => None,
            _ => {
                cur.pos -= 1;
                let n = cur.number(what, u64::MAX)?;
                if n == 0 && (what.starts_with("byte") || what.starts_with("packet")) {
                    return Err(cur.err_prev(SpecErrorKind::Invalid(format!(
                        "{what} 0 would expire the SA before its first packet (as in Linux); omit the limit for none"
                    ))));
                }
                // Time limits of 0 mean "none" in Linux.
                (n != 0).then_some(n)
            }
        };
        if slot.is_some() {
            return Err(cur.err_prev(SpecErrorKind::Duplicate(what)));
        }
        *slot = v;
    }
}

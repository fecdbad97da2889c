//! A cursor over the tokens, with typed readers that report errors at the token just read.

use std::net::IpAddr;

use super::error::{SpecError, SpecErrorKind};
use super::lexer::{is_number_syntax, parse_addr, parse_number};
use super::model::Prefix;

/// The tokens and the position of the next one.
pub(super) struct Cursor<'a> {
    pub(super) tokens: &'a [String],
    pub(super) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    pub(super) fn next(&mut self) -> Option<&'a str> {
        let t = self.peek();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Error at the token just consumed.
    pub(super) fn err_prev(&self, kind: SpecErrorKind) -> SpecError {
        let i = self.pos.saturating_sub(1);
        SpecError {
            position: Some(i + 1),
            token: self.tokens.get(i).cloned(),
            kind,
        }
    }

    /// The value after the keyword just consumed.
    pub(super) fn value(&mut self, what: &'static str) -> Result<&'a str, SpecError> {
        match self.next() {
            Some(v) => Ok(v),
            None => Err(self.err_prev(SpecErrorKind::MissingValue(what))),
        }
    }

    pub(super) fn number(&mut self, what: &'static str, max: u64) -> Result<u64, SpecError> {
        let v = self.value(what)?;
        let n = parse_number(v).ok_or_else(|| {
            self.err_prev(if is_number_syntax(v) {
                SpecErrorKind::OutOfRange { what, max }
            } else {
                SpecErrorKind::BadNumber(what)
            })
        })?;
        if n > max {
            return Err(self.err_prev(SpecErrorKind::OutOfRange { what, max }));
        }
        Ok(n)
    }

    pub(super) fn u32(&mut self, what: &'static str) -> Result<u32, SpecError> {
        let n = self.number(what, u64::from(u32::MAX))?;
        u32::try_from(n).map_err(|_| {
            self.err_prev(SpecErrorKind::OutOfRange {
                what,
                max: u64::from(u32::MAX),
            })
        })
    }

    pub(super) fn u16(&mut self, what: &'static str) -> Result<u16, SpecError> {
        let n = self.number(what, u64::from(u16::MAX))?;
        u16::try_from(n).map_err(|_| {
            self.err_prev(SpecErrorKind::OutOfRange {
                what,
                max: u64::from(u16::MAX),
            })
        })
    }

    pub(super) fn u8(&mut self, what: &'static str) -> Result<u8, SpecError> {
        let n = self.number(what, u64::from(u8::MAX))?;
        u8::try_from(n).map_err(|_| {
            self.err_prev(SpecErrorKind::OutOfRange {
                what,
                max: u64::from(u8::MAX),
            })
        })
    }

    pub(super) fn addr(&mut self, what: &'static str) -> Result<IpAddr, SpecError> {
        let v = self.value(what)?;
        parse_addr(v).ok_or_else(|| self.err_prev(SpecErrorKind::BadAddress(what)))
    }

    /// `ADDR[/PLEN]`, or `any`/`default`/`all` (no constraint).
    pub(super) fn prefix(&mut self, what: &'static str) -> Result<Option<Prefix>, SpecError> {
        let v = self.value(what)?;
        if matches!(v, "any" | "default" | "all") {
            return Ok(None);
        }
        let (a, l) = match v.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (v, None),
        };
        let addr = parse_addr(a).ok_or_else(|| self.err_prev(SpecErrorKind::BadAddress(what)))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match l {
            None => max,
            Some(l) => match l.parse::<u8>() {
                Ok(n) if n <= max && l.chars().all(|c| c.is_ascii_digit()) => n,
                _ => return Err(self.err_prev(SpecErrorKind::BadPrefixLength)),
            },
        };
        Ok(Some(Prefix { addr, len }))
    }
}

/// Stores `v` in `slot`; a keyword given twice is an error at its value.
pub(super) fn set_once<T>(
    slot: &mut Option<T>,
    v: T,
    cur: &Cursor<'_>,
    what: &'static str,
) -> Result<(), SpecError> {
    if slot.is_some() {
        return Err(cur.err_prev(SpecErrorKind::Duplicate(what)));
    }
    *slot = Some(v);
    Ok(())
}

//! The linker's map file (`/MAP:<path>`, the link.exe format lld-link writes): symbol RVAs, to
//! name an address `function+offset` in fault, bug-check and stack reports.
//!
//! The lines used are the "Publics by Value" and "Static symbols" rows,
//! `SSSS:OOOOOOOO  name  VVVVVVVVVVVVVVVV [f] [i]  lib:object`, whose third column is the
//! address at the preferred load address given by the "Preferred load address is" line.

use core::fmt;

pub use crate::demangle_v0::demangle_v0;

/// Symbols of one image, sorted by RVA.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapFile {
    preferred_base: u64,
    /// (rva, demangled name)
    symbols: Vec<(u32, String)>,
}

/// Why a map file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapError {
    /// No "Preferred load address is" line.
    NoPreferredBase,
    /// No symbol row at all.
    NoSymbols,
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPreferredBase => write!(f, "map file: no 'Preferred load address is' line"),
            Self::NoSymbols => write!(f, "map file: no symbol rows"),
        }
    }
}

impl std::error::Error for MapError {}

/// A symbolized address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbolized<'a> {
    /// The function's short name.
    pub name: &'a str,
    /// Bytes from the function's start.
    pub offset: u32,
}

impl fmt::Display for Symbolized<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}+{:#x}", self.name, self.offset)
    }
}

fn is_section_offset(token: &str) -> bool {
    let mut parts = token.split(':');
    matches!((parts.next(), parts.next(), parts.next()), (Some(s), Some(o), None)
        if s.len() == 4 && o.len() == 8
            && s.chars().all(|c| c.is_ascii_hexdigit())
            && o.chars().all(|c| c.is_ascii_hexdigit()))
}

impl MapFile {
    /// Reads a lld-link/MSVC map file's symbol rows.
    pub fn parse(text: &str) -> Result<Self, MapError> {
        let mut preferred_base = None;
        let mut symbols = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("Preferred load address is") {
                preferred_base = u64::from_str_radix(rest.trim(), 16).ok();
                continue;
            }
            let mut tokens = line.split_whitespace();
            let (Some(section), Some(name), Some(va)) =
                (tokens.next(), tokens.next(), tokens.next())
            else {
                continue;
            };
            if !is_section_offset(section) || section.starts_with("0000:") {
                continue; // not a symbol row, or an absolute symbol
            }
            let Ok(va) = u64::from_str_radix(va, 16) else {
                continue;
            };
            symbols.push((va, demangle(name)));
        }
        let base = preferred_base.ok_or(MapError::NoPreferredBase)?;
        let mut symbols: Vec<(u32, String)> = symbols
            .into_iter()
            .filter_map(|(va, name)| {
                va.checked_sub(base)
                    .and_then(|r| u32::try_from(r).ok())
                    .map(|r| (r, name))
            })
            .collect();
        if symbols.is_empty() {
            return Err(MapError::NoSymbols);
        }
        sort_symbols(&mut symbols);
        Ok(Self {
            preferred_base: base,
            symbols,
        })
    }

    /// A symbol table from (rva, name) pairs (an image without a map file: its exports).
    pub fn from_symbols(preferred_base: u64, mut symbols: Vec<(u32, String)>) -> Self {
        sort_symbols(&mut symbols);
        Self {
            preferred_base,
            symbols,
        }
    }

    /// The `Preferred load address` the map states.
    pub fn preferred_base(&self) -> u64 {
        self.preferred_base
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    /// Whether the map has no symbol.
    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }

    /// The symbol at or below `rva`, with the offset from it.
    pub fn symbolize(&self, rva: u32) -> Option<Symbolized<'_>> {
        let i = self.symbols.partition_point(|s| s.0 <= rva);
        let (start, name) = self.symbols.get(i.checked_sub(1)?)?;
        Some(Symbolized {
            name,
            offset: rva - start,
        })
    }

    /// RVA of the symbol whose demangled name is `name` or ends with `::name`.
    pub fn rva_of(&self, name: &str) -> Option<u32> {
        self.symbols
            .iter()
            .find(|(_, n)| n == name || n.strip_suffix(name).is_some_and(|p| p.ends_with("::")))
            .map(|s| s.0)
    }
}

/// Sorts by RVA and keeps one name per RVA, preferring a plain name over an alias such as
/// `.weak.memcpy.default.…`.
fn sort_symbols(symbols: &mut Vec<(u32, String)>) {
    symbols
        .sort_by(|a, b| (a.0, a.1.starts_with('.'), &a.1).cmp(&(b.0, b.1.starts_with('.'), &b.1)));
    symbols.dedup_by_key(|s| s.0);
}

/// Demangles a Rust symbol, v0 (`_R…`, short form: see [`demangle_v0`]) or legacy
/// (`_ZN…17h<hash>E`, the path without the hash); other names come back as they are.
pub fn demangle(symbol: &str) -> String {
    if let Some(short) = demangle_v0(symbol) {
        return short;
    }
    let Some(mut rest) = symbol.strip_prefix("_ZN") else {
        return symbol.to_owned();
    };
    let mut parts: Vec<String> = Vec::new();
    while !rest.starts_with('E') {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let Ok(len) = rest[..digits].parse::<usize>() else {
            return symbol.to_owned();
        };
        let Some(ident) = rest.get(digits..digits + len) else {
            return symbol.to_owned();
        };
        parts.push(unescape(ident));
        rest = &rest[digits + len..];
    }
    if parts.last().is_some_and(|h| {
        h.len() == 17 && h.starts_with('h') && h[1..].chars().all(|c| c.is_ascii_hexdigit())
    }) {
        parts.pop();
    }
    parts.join("::")
}

fn unescape(ident: &str) -> String {
    let ident = ident
        .strip_prefix("_$")
        .map(|r| format!("${r}"))
        .unwrap_or_else(|| ident.to_owned());
    let mut out = String::with_capacity(ident.len());
    let mut rest = ident.as_str();
    while let Some(c) = rest.chars().next() {
        if c == '$' {
            if let Some(end) = rest[1..].find('$') {
                let code = &rest[1..1 + end];
                let decoded = match code {
                    "SP" => Some('@'),
                    "BP" => Some('*'),
                    "RF" => Some('&'),
                    "LT" => Some('<'),
                    "GT" => Some('>'),
                    "LP" => Some('('),
                    "RP" => Some(')'),
                    "C" => Some(','),
                    _ => code
                        .strip_prefix('u')
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32),
                };
                if let Some(d) = decoded {
                    out.push(d);
                    rest = &rest[end + 2..];
                    continue;
                }
            }
        }
        if rest.starts_with("..") {
            out.push_str("::");
            rest = &rest[2..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

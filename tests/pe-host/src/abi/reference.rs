//! Reads the structure tables of `ndis-core-layouts.md` (the verified x64 reference beside the
//! repository): for each `**`NAME`**` table, every backticked field's offset and size, and the
//! `sizeof`/`alignof` rows, taking the NDIS 6.80 column where a table has one per version.

use std::collections::HashMap;

/// One structure of the reference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefStruct {
    /// Each field by name: (offset, size) in bytes.
    pub fields: HashMap<String, (usize, usize)>,
    /// `sizeof` of the structure, when the table gives it.
    pub size: Option<usize>,
    /// `alignof` of the structure, when the table gives it.
    pub align: Option<usize>,
}

fn num(cell: &str) -> Option<usize> {
    let c = cell.trim().trim_matches('`');
    let c = c.split_whitespace().next()?;
    match c.strip_prefix("0x").or_else(|| c.strip_prefix("0X")) {
        Some(h) => usize::from_str_radix(h, 16).ok(),
        None => c.parse().ok(),
    }
}

fn cells(line: &str) -> Vec<&str> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(str::trim).collect()
}

/// Every structure table of the reference text, by name.
pub fn parse(text: &str) -> HashMap<String, RefStruct> {
    let mut out = HashMap::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim();
        let Some(name) = t.strip_prefix("**`").and_then(|r| r.strip_suffix("`**")) else {
            continue;
        };
        // Skip to the table header.
        while lines
            .peek()
            .is_some_and(|l| !l.trim_start().starts_with('|'))
        {
            lines.next();
        }
        let Some(header) = lines.next() else { break };
        let columns = cells(header);
        let offset_col = columns
            .iter()
            .position(|c| *c == "Offset 6.80")
            .or_else(|| columns.iter().position(|c| *c == "Offset"));
        let size_col = columns.iter().position(|c| *c == "Size");
        // With one offset column per NDIS version, a size cell may read "a / b / c" in the
        // same order: take the one of the chosen column.
        let version_index = offset_col.and_then(|oc| {
            let first = columns.iter().position(|c| c.starts_with("Offset "))?;
            oc.checked_sub(first)
        });
        let (Some(oc), Some(sc)) = (offset_col, size_col) else {
            continue;
        };
        lines.next(); // |---|
        let mut s = RefStruct::default();
        while let Some(row) = lines.peek().filter(|l| l.trim_start().starts_with('|')) {
            let c = cells(row);
            let first = c.first().copied().unwrap_or_default();
            if first == "**sizeof**" {
                s.size = c.get(oc).and_then(|v| num(v));
            } else if first == "**alignof**" {
                s.align = c.get(oc).and_then(|v| num(v));
            } else if let Some(field) = first.strip_prefix('`').and_then(|f| f.strip_suffix('`')) {
                let size = c.get(sc).and_then(|v| match version_index {
                    Some(i) if v.contains(" / ") => v.split(" / ").nth(i).and_then(num),
                    _ => num(v),
                });
                if let (Some(o), Some(z)) = (c.get(oc).and_then(|v| num(v)), size) {
                    s.fields.insert(field.to_owned(), (o, z));
                }
            }
            lines.next();
        }
        out.insert(name.to_owned(), s);
    }
    out
}

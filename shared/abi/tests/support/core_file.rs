//! The comparison of the constant tables of `ndis-core-layouts.md` with the crate: rows whose
//! first cell is a backticked name and whose value cell is a number. A table's header row (first
//! cell `Constant`) says which columns hold the NDIS 6.80 and 6.86 values; any line that is not a
//! table row ends the table.

use std::collections::BTreeSet;

use super::core_constants::{core_constant, CORE_CONSTANT_NAMES};
use super::number::parse_num;

/// What comparing the file with the crate found.
#[derive(Default)]
pub struct CoreComparison {
    /// Crate constants whose row was found (and compared).
    pub seen: BTreeSet<String>,
    /// One line per constant whose value differs.
    pub failures: Vec<String>,
}

impl CoreComparison {
    /// Crate constants listed in `core_constant` that no row of the file named.
    pub fn missing(&self) -> Vec<&'static str> {
        CORE_CONSTANT_NAMES
            .iter()
            .copied()
            .filter(|n| !self.seen.contains(*n))
            .collect()
    }
}

/// Columns of the current table's values.
#[derive(Default)]
struct Columns {
    /// The NDIS 6.80 column; `None` outside a table with one.
    ndis680: Option<usize>,
    /// The NDIS 6.86 column, for constants that only exist from 6.86 on.
    ndis686: Option<usize>,
}

/// Compares the NDIS 6.80 value of every row the crate defines.
pub fn compare(text: &str) -> CoreComparison {
    let mut found = CoreComparison::default();
    let mut columns = Columns::default();
    for line in text.lines() {
        let cells = cells(line);
        if !line.trim_start().starts_with('|') || cells.len() < 3 {
            columns = Columns::default();
            continue;
        }
        if cells[0] == "Constant" {
            columns = Columns {
                ndis680: cells.iter().position(|c| *c == "NDIS680"),
                ndis686: cells.iter().position(|c| *c == "NDIS686"),
            };
            continue;
        }
        compare_row(&cells, &columns, &mut found);
    }
    found
}

/// The trimmed cells of a table row.
fn cells(line: &str) -> Vec<&str> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .collect()
}

/// Compares one row of a table, if it names a crate constant and gives it a number.
fn compare_row(cells: &[&str], columns: &Columns, found: &mut CoreComparison) {
    let Some(col) = columns.ndis680 else { return };
    let Some(name) = cells[0].strip_prefix('`').and_then(|c| c.strip_suffix('`')) else {
        return;
    };
    // NDIS 6.80 value; constants that only exist from 6.86 on (e.g. NDIS_OFFLOAD_REVISION_6)
    // are taken from the NDIS686 column.
    let Some(first) =
        value_in(cells, col).or_else(|| columns.ndis686.and_then(|c| value_in(cells, c)))
    else {
        return; // "— (not defined)" or not a number
    };
    let Some(actual) = core_constant(name) else {
        return;
    };
    found.seen.insert(name.to_owned());
    let expected = parse_num(first) & 0xFFFF_FFFF;
    if expected != actual {
        found.failures.push(format!(
            "{name}: reference {expected:#x}, crate {actual:#x}"
        ));
    }
}

/// The number at the start of cell `col` (a `″` cell repeats the second cell's value).
fn value_in<'a>(cells: &[&'a str], col: usize) -> Option<&'a str> {
    let mut cell = cells.get(col).copied().unwrap_or("");
    if cell.starts_with('″') {
        cell = cells[1];
    }
    let first = cell.split_whitespace().next().unwrap_or("");
    first
        .starts_with(|c: char| c.is_ascii_digit())
        .then_some(first)
}

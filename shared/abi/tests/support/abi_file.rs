//! The comparison of `ipsecov2-abi-x64.txt` with the crate, one function per kind of line:
//!
//! * `NAME sizeof=0x… (n)`: a struct's size; the indented field lines that follow are its own;
//! * `   Field offset=0x… size=n`: a field's offset and size;
//! * `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1..7 = 0x70 0x90 …`: the seven `NDIS_OFFLOAD` sizes;
//! * `NDIS_SIZEOF_X = 0xa9 (169)`: one `NDIS_SIZEOF_*` constant;
//! * `Receive.CryptoDone -> raw ULONG 0x00000002`: the raw value of a bit-field setting;
//! * `NBL slots: Name=v …`, `enum: …`, `status: …`, `OIDs: …`: lists of `name=value`.
//!
//! A line of no known kind, or a name the crate does not know, panics (fails the test) so that
//! nothing in the reference is silently skipped.

use core::mem::size_of;

use ipsecov2_abi::*;

use super::lookup::bitfield::bitfield_raw;
use super::lookup::constants::{
    nbl_slot, oid, operation, sizeof_const, status, NDIS_OFFLOAD_SIZES,
};
use super::lookup::layout::{field, struct_size};
use super::number::parse_num;

/// What comparing the file with the crate found.
#[derive(Default)]
pub struct Comparison {
    /// Values compared.
    pub checks: usize,
    /// One line per value that differs.
    pub failures: Vec<String>,
    /// The struct of the last `sizeof=` line, whose fields the indented lines give.
    current: Option<String>,
}

/// One non-empty line of the file.
struct Line<'a> {
    /// 1-based, for messages.
    number: usize,
    /// As written: indentation marks a field line.
    raw: &'a str,
    /// Without surrounding whitespace.
    text: &'a str,
    /// The whitespace-separated tokens of `text`.
    toks: Vec<&'a str>,
}

impl Line<'_> {
    fn indented(&self) -> bool {
        self.raw.starts_with(' ')
    }
}

/// Compares every line of `text` with the crate.
pub fn compare(text: &str) -> Comparison {
    let mut found = Comparison::default();
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        let line = Line {
            number: index + 1,
            raw,
            text: trimmed,
            toks: trimmed.split_whitespace().collect(),
        };
        let known = found.sizeof_line(&line)
            || found.field_line(&line)
            || found.offload_sizes_line(&line)
            || found.sizeof_const_line(&line)
            || found.bitfield_line(&line)
            || found.slots_line(&line)
            || found.enum_line(&line)
            || found.status_line(&line)
            || found.oids_line(&line);
        assert!(
            known,
            "line {}: unrecognised reference line: {raw}",
            line.number
        );
    }
    found
}

impl Comparison {
    fn check(&mut self, what: String, expected: u64, actual: u64) {
        self.checks += 1;
        if expected != actual {
            self.failures.push(format!(
                "{what}: reference {expected:#x}, crate {actual:#x}"
            ));
        }
    }

    /// `NAME sizeof=0x... (n)`
    fn sizeof_line(&mut self, line: &Line<'_>) -> bool {
        let toks = &line.toks;
        if line.indented() || toks.len() < 2 || !toks[1].starts_with("sizeof=") {
            return false;
        }
        let name = toks[0];
        let expected = parse_num(&toks[1]["sizeof=".len()..]);
        let actual = struct_size(name)
            .unwrap_or_else(|| panic!("line {}: unknown struct {name}", line.number));
        self.check(format!("sizeof({name})"), expected, actual as u64);
        self.current = Some(name.to_owned());
        true
    }

    /// `   Field offset=0x... size=n`
    fn field_line(&mut self, line: &Line<'_>) -> bool {
        let toks = &line.toks;
        if !(line.indented()
            && toks.len() == 3
            && toks[1].starts_with("offset=")
            && toks[2].starts_with("size="))
        {
            return false;
        }
        let strukt = self
            .current
            .clone()
            .unwrap_or_else(|| panic!("line {}: field outside struct", line.number));
        let name = toks[0];
        let (off, size) = field(&strukt, name)
            .unwrap_or_else(|| panic!("line {}: unknown field {strukt}.{name}", line.number));
        self.check(
            format!("offsetof({strukt}.{name})"),
            parse_num(&toks[1]["offset=".len()..]),
            off as u64,
        );
        self.check(
            format!("sizeof({strukt}.{name})"),
            parse_num(&toks[2]["size=".len()..]),
            size as u64,
        );
        true
    }

    /// `NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1..7 = 0x70 0x90 ...`
    fn offload_sizes_line(&mut self, line: &Line<'_>) -> bool {
        if line.toks[0] != "NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_1..7" {
            return false;
        }
        let values: Vec<u64> = line.toks[2..].iter().map(|t| parse_num(t)).collect();
        assert_eq!(
            values.len(),
            NDIS_OFFLOAD_SIZES.len(),
            "line {}",
            line.number
        );
        for (i, (e, a)) in values.iter().zip(NDIS_OFFLOAD_SIZES).enumerate() {
            self.check(
                format!("NDIS_SIZEOF_NDIS_OFFLOAD_REVISION_{}", i + 1),
                *e,
                u64::from(a),
            );
        }
        true
    }

    /// `NDIS_SIZEOF_X = 0xa9 (169)`
    fn sizeof_const_line(&mut self, line: &Line<'_>) -> bool {
        let toks = &line.toks;
        if !(toks[0].starts_with("NDIS_SIZEOF_") && toks.get(1) == Some(&"=")) {
            return false;
        }
        let actual = sizeof_const(toks[0])
            .unwrap_or_else(|| panic!("line {}: unknown constant {}", line.number, toks[0]));
        self.check(toks[0].to_owned(), parse_num(toks[2]), actual);
        true
    }

    /// `Receive.CryptoDone -> raw ULONG 0x00000002`
    fn bitfield_line(&mut self, line: &Line<'_>) -> bool {
        const ARROW: &str = "-> raw ULONG";
        let Some(pos) = line.text.find(ARROW) else {
            return false;
        };
        let what = line.text[..pos].trim();
        let expected = parse_num(&line.text[pos + ARROW.len()..]);
        let actual = bitfield_raw(what)
            .unwrap_or_else(|| panic!("line {}: unknown bit-field line {what}", line.number));
        self.check(format!("raw({what})"), expected, actual);
        true
    }

    /// `NBL slots: Name=v ...`
    fn slots_line(&mut self, line: &Line<'_>) -> bool {
        let Some(pairs) = key_values(line, "NBL slots:") else {
            return false;
        };
        for (k, v) in pairs {
            let a =
                nbl_slot(&k).unwrap_or_else(|| panic!("line {}: unknown slot {k}", line.number));
            self.check(k, v, a as u64);
        }
        true
    }

    /// `enum: IPsecOffloadV2Ah=1 ... sizeof(enum)=4`
    fn enum_line(&mut self, line: &Line<'_>) -> bool {
        let Some(pairs) = key_values(line, "enum:") else {
            return false;
        };
        for (k, v) in pairs {
            if k == "sizeof" {
                self.check(
                    "sizeof(IPSEC_OFFLOAD_V2_OPERATION)".into(),
                    v,
                    size_of::<IPSEC_OFFLOAD_V2_OPERATION>() as u64,
                );
            } else {
                let a = operation(&k)
                    .unwrap_or_else(|| panic!("line {}: unknown enum value {k}", line.number));
                self.check(k, v, a as u64);
            }
        }
        true
    }

    /// `status: SUCCESS=0x00000000 ...` (names without `NDIS_STATUS_`)
    fn status_line(&mut self, line: &Line<'_>) -> bool {
        let Some(pairs) = key_values(line, "status:") else {
            return false;
        };
        for (k, v) in pairs {
            let a =
                status(&k).unwrap_or_else(|| panic!("line {}: unknown status {k}", line.number));
            self.check(format!("NDIS_STATUS_{k}"), v, u64::from(a as u32));
        }
        true
    }

    /// `OIDs: ADD_SA=0xfc030202 ...` (short names)
    fn oids_line(&mut self, line: &Line<'_>) -> bool {
        let Some(pairs) = key_values(line, "OIDs:") else {
            return false;
        };
        for (k, v) in pairs {
            let a = oid(&k).unwrap_or_else(|| panic!("line {}: unknown OID {k}", line.number));
            self.check(format!("OID {k}"), v, u64::from(a));
        }
        true
    }
}

/// The `name=value` tokens after `prefix`, if the line starts with it.
fn key_values(line: &Line<'_>, prefix: &str) -> Option<Vec<(String, u64)>> {
    if !line.text.starts_with(prefix) {
        return None;
    }
    let skip = prefix.split_whitespace().count();
    Some(
        line.toks[skip..]
            .iter()
            .map(|t| key_value(line.number, t))
            .collect(),
    )
}

/// `Name=v`; `MaxNetBufferListInfo(x64,NDIS_WRAPPER=0)=27` is split at the last '=' and the
/// parenthesised part dropped from the name.
fn key_value(number: usize, t: &str) -> (String, u64) {
    let (k, v) = t
        .split_once('=')
        .unwrap_or_else(|| panic!("line {number}: bad token {t}"));
    let (k, v) = if k.contains('(') {
        t.rsplit_once('=').map_or((k, v), |x| x)
    } else {
        (k, v)
    };
    let k = k.split('(').next().unwrap_or(k);
    (k.to_owned(), parse_num(v))
}

//! The import directory: which names the image takes from which module, and where their
//! import address table slots are.

use super::{Layout, PeError};

/// One imported function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// Module as written in the image (`ndis.sys`, `ntoskrnl.exe`, `HAL.dll`, …).
    pub module: String,
    /// The imported routine's name.
    pub name: String,
    /// RVA of its 8-byte IAT slot.
    pub iat_rva: u32,
}

/// Every import of the image, in directory order.
pub fn parse(layout: &Layout, dir_rva: u32) -> Result<Vec<Import>, PeError> {
    let mut out = Vec::new();
    if dir_rva == 0 {
        return Ok(out);
    }
    let mut d = dir_rva;
    loop {
        layout.range(d, 20, "import descriptor")?;
        let ilt = layout.u32(d, "import descriptor")?;
        let name_rva = layout.u32(d + 12, "import descriptor")?;
        let iat = layout.u32(d + 16, "import descriptor")?;
        if ilt == 0 && name_rva == 0 && iat == 0 {
            return Ok(out);
        }
        let module = layout.cstr(name_rva, "import module name")?.to_owned();
        // The lookup table names the functions; without one the IAT (still unbound) does.
        let lookup = if ilt != 0 { ilt } else { iat };
        let mut i = 0u32;
        loop {
            let entry = layout.u64(lookup + 8 * i, "import lookup table")?;
            if entry == 0 {
                break;
            }
            if entry & (1 << 63) != 0 {
                return Err(PeError::ImportByOrdinal {
                    module,
                    ordinal: entry as u16,
                });
            }
            // Hint/name entry: a u16 hint then the name.
            let hint_name = (entry & 0x7FFF_FFFF) as u32;
            let name = layout.cstr(hint_name + 2, "import name")?.to_owned();
            out.push(Import {
                module: module.clone(),
                name,
                iat_rva: iat + 8 * i,
            });
            i += 1;
        }
        d += 20;
    }
}

//! The export directory (named exports only: `DriverEntry`, and any test driver's entries).

use super::{Layout, PeError};

/// One named export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The exported name.
    pub name: String,
    /// Its RVA.
    pub rva: u32,
}

/// Reads the export directory at `dir_rva`: every exported name with its RVA.
pub fn parse(layout: &Layout, dir_rva: u32) -> Result<Vec<Export>, PeError> {
    let mut out = Vec::new();
    if dir_rva == 0 {
        return Ok(out);
    }
    layout.range(dir_rva, 40, "export directory")?;
    let nfuncs = layout.u32(dir_rva + 20, "export directory")?;
    let nnames = layout.u32(dir_rva + 24, "export directory")?;
    let funcs = layout.u32(dir_rva + 28, "export directory")?;
    let names = layout.u32(dir_rva + 32, "export directory")?;
    let ords = layout.u32(dir_rva + 36, "export directory")?;
    for i in 0..nnames {
        let name_rva = layout.u32(names + 4 * i, "export name table")?;
        let name = layout.cstr(name_rva, "export name")?.to_owned();
        let ordinal = u32::from(layout.u16(ords + 2 * i, "export ordinal table")?);
        if ordinal >= nfuncs {
            return Err(PeError::BadRva {
                what: "export ordinal beyond the function table",
                rva: ords + 2 * i,
            });
        }
        let rva = layout.u32(funcs + 4 * ordinal, "export address table")?;
        out.push(Export { name, rva });
    }
    Ok(out)
}

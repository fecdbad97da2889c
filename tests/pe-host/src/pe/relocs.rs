//! The base relocation directory: the RVAs of every 64-bit absolute address in the image.

use super::{Layout, PeError};

/// `IMAGE_REL_BASED_ABSOLUTE` (block padding).
const REL_ABSOLUTE: u8 = 0;
/// `IMAGE_REL_BASED_DIR64`.
const REL_DIR64: u8 = 10;

/// RVAs of the DIR64 fixups, in directory order; any other type is refused.
pub fn parse(layout: &Layout, dir_rva: u32, dir_size: u32) -> Result<Vec<u32>, PeError> {
    let mut out = Vec::new();
    if dir_rva == 0 {
        return Ok(out);
    }
    layout.range(dir_rva, dir_size, "base relocation directory")?;
    let mut off = 0u32;
    while off + 8 <= dir_size {
        let page = layout.u32(dir_rva + off, "base relocation block")?;
        let size = layout.u32(dir_rva + off + 4, "base relocation block")?;
        if size < 8 || size % 2 != 0 || off + size > dir_size {
            return Err(PeError::BadRelocationBlock { offset: off });
        }
        for e in 0..(size - 8) / 2 {
            let entry = layout.u16(dir_rva + off + 8 + 2 * e, "base relocation entry")?;
            let kind = (entry >> 12) as u8;
            let rva = page + u32::from(entry & 0xFFF);
            match kind {
                REL_ABSOLUTE => {}
                REL_DIR64 => {
                    layout.range(rva, 8, "DIR64 relocation target")?;
                    out.push(rva);
                }
                _ => return Err(PeError::UnsupportedRelocation { kind, rva }),
            }
        }
        off += size;
    }
    Ok(out)
}

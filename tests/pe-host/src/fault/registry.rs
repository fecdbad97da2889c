//! The images loaded in this process and their symbols, readable from a signal handler: a fixed
//! array of pointers to leaked entries (no lock, no allocation when read).

use core::sync::atomic::{AtomicPtr, Ordering};

use crate::mapfile::{MapFile, Symbolized};

/// One registered image.
#[derive(Debug)]
pub struct ImageSymbols {
    /// The image's file name (`ipsecov2_lwf.sys`).
    pub name: String,
    /// Address of the mapping.
    pub base: usize,
    /// Bytes mapped (`SizeOfImage`).
    pub size: usize,
    /// The image's map file, for function names.
    pub symbols: MapFile,
}

const SLOTS: usize = 16;
static IMAGES: [AtomicPtr<ImageSymbols>; SLOTS] =
    [const { AtomicPtr::new(core::ptr::null_mut()) }; SLOTS];

/// Registers an image for fault and bug-check reports. The entry lives for the rest of the
/// process (a report may name an image that was unloaded); returns false when all slots are taken.
pub fn register(entry: ImageSymbols) -> bool {
    let leaked = Box::into_raw(Box::new(entry));
    for slot in &IMAGES {
        if slot
            .compare_exchange(
                core::ptr::null_mut(),
                leaked,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
        {
            return true;
        }
    }
    // SAFETY: `leaked` came from Box::into_raw above and was published nowhere.
    drop(unsafe { Box::from_raw(leaked) });
    false
}

/// Where an address lies: (image name, symbol+offset if known, rva).
#[derive(Debug, Clone)]
pub struct Located<'a> {
    /// The image the address falls in.
    pub image: &'a str,
    /// The address as an RVA of that image.
    pub rva: u32,
    /// The function containing it, when the map names one.
    pub symbol: Option<Symbolized<'a>>,
}

/// The most recently registered image containing `address`.
pub fn locate(address: usize) -> Option<Located<'static>> {
    for slot in IMAGES.iter().rev() {
        let p = slot.load(Ordering::Acquire);
        // SAFETY: non-null slots hold entries leaked by `register`, never freed.
        let Some(entry) = (unsafe { p.as_ref() }) else {
            continue;
        };
        if address >= entry.base && address - entry.base < entry.size {
            let rva = (address - entry.base) as u32;
            return Some(Located {
                image: &entry.name,
                rva,
                symbol: entry.symbols.symbolize(rva),
            });
        }
    }
    None
}

/// Writes `address` as `image!function+offset` (or `image+rva`, or the bare address).
pub fn describe(out: &mut impl core::fmt::Write, address: usize) -> core::fmt::Result {
    match locate(address) {
        Some(Located {
            image,
            symbol: Some(s),
            ..
        }) => write!(out, "{image}!{s}"),
        Some(Located {
            image,
            rva,
            symbol: None,
        }) => write!(out, "{image}+{rva:#x}"),
        None => write!(out, "{address:#x} (outside every loaded image)"),
    }
}

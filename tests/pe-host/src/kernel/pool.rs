//! Tagged pool memory: every block tracked by address with its size and tag; wrong tag, double
//! or unknown free are violations, and whatever is left at unload is a leak.

use core::ffi::c_void;
use std::alloc::Layout;
use std::collections::HashMap;
use std::sync::Mutex;

use super::irql::{at_most, DISPATCH_LEVEL};
use super::verifier::violation;

/// `POOL_FLAG_UNINITIALIZED`: not zeroed.
pub const POOL_FLAG_UNINITIALIZED: u64 = 0x2;
/// `POOL_FLAG_NON_PAGED`.
pub const POOL_FLAG_NON_PAGED: u64 = 0x40;
/// `POOL_FLAG_NON_PAGED_EXECUTE`.
pub const POOL_FLAG_NON_PAGED_EXECUTE: u64 = 0x80;
/// `POOL_FLAG_PAGED`.
pub const POOL_FLAG_PAGED: u64 = 0x100;

/// Filled into blocks allocated uninitialized, and into freed blocks before they go back.
const UNINITIALIZED_FILL: u8 = 0xA5;
const FREED_FILL: u8 = 0xDD;
const ALIGN: usize = 16;

/// One live block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Block {
    /// Bytes requested.
    pub size: usize,
    /// The pool tag.
    pub tag: u32,
}

static BLOCKS: Mutex<Option<HashMap<usize, Block>>> = Mutex::new(None);

/// `tag` as the four characters it is written as (`'IOv2'` is stored little-endian).
pub fn tag_text(tag: u32) -> String {
    tag.to_le_bytes()
        .iter()
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '.' })
        .collect()
}

fn layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.max(1), ALIGN).ok()
}

/// Allocates a tracked block; null when the size cannot be represented.
pub fn allocate(import: &str, size: usize, tag: u32, zeroed: bool) -> *mut c_void {
    if tag == 0 {
        violation(format!("{import}: tag 0"));
    }
    let Some(l) = layout(size) else {
        return core::ptr::null_mut();
    };
    let p = if zeroed {
        // SAFETY: `l` has a non-zero size.
        unsafe { std::alloc::alloc_zeroed(l) }
    } else {
        // SAFETY: `l` has a non-zero size.
        unsafe { std::alloc::alloc(l) }
    };
    if p.is_null() {
        return core::ptr::null_mut();
    }
    if !zeroed {
        // SAFETY: `p` is a fresh block of `l.size()` bytes.
        unsafe { p.write_bytes(UNINITIALIZED_FILL, l.size()) };
    }
    if let Ok(mut b) = BLOCKS.lock() {
        b.get_or_insert_with(HashMap::new)
            .insert(p as usize, Block { size, tag });
    }
    p.cast()
}

/// Frees a tracked block; `tag` is checked when given.
pub fn free(import: &str, p: *mut c_void, tag: Option<u32>) {
    if p.is_null() {
        violation(format!("{import}: NULL pointer"));
        return;
    }
    let block = BLOCKS
        .lock()
        .ok()
        .and_then(|mut b| b.get_or_insert_with(HashMap::new).remove(&(p as usize)));
    let Some(block) = block else {
        violation(format!(
            "{import}: {p:p} is not a live pool block (double free or foreign pointer)"
        ));
        return;
    };
    if let Some(t) = tag {
        if t != block.tag {
            violation(format!(
                "{import}: block {p:p} allocated with tag '{}' freed with tag '{}'",
                tag_text(block.tag),
                tag_text(t)
            ));
        }
    }
    let Some(l) = layout(block.size) else { return };
    // SAFETY: `p` is a live block of `l.size()` bytes (just removed from the table).
    unsafe { p.cast::<u8>().write_bytes(FREED_FILL, l.size()) };
    // SAFETY: `p` was allocated by `allocate` with this layout and is freed once.
    unsafe { std::alloc::dealloc(p.cast(), l) };
}

/// Live blocks (leaks when the driver has unloaded).
pub fn live() -> Vec<(usize, Block)> {
    let mut v: Vec<(usize, Block)> = BLOCKS
        .lock()
        .ok()
        .map(|b| {
            b.as_ref()
                .map(|m| m.iter().map(|(k, v)| (*k, *v)).collect())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// `PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)` — ≤ DISPATCH_LEVEL
/// for non-paged pool, ≤ APC_LEVEL for paged.
pub extern "win64" fn ex_allocate_pool2(flags: u64, size: usize, tag: u32) -> *mut c_void {
    let paged = flags & POOL_FLAG_PAGED != 0;
    at_most(
        "ExAllocatePool2",
        if paged {
            super::irql::APC_LEVEL
        } else {
            DISPATCH_LEVEL
        },
    );
    if flags & (POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED) == 0 {
        violation(format!(
            "ExAllocatePool2: flags {flags:#x} name no pool type"
        ));
        return core::ptr::null_mut();
    }
    if flags & POOL_FLAG_NON_PAGED_EXECUTE != 0 {
        violation("ExAllocatePool2: executable non-paged pool requested".to_owned());
    }
    if super::lowres::fail("ExAllocatePool2") {
        let t = tag
            .to_le_bytes()
            .map(|b| if b.is_ascii_graphic() { b as char } else { '.' });
        super::lowres::detail(&format!(
            "{size} bytes, tag '{}{}{}{}'",
            t[0], t[1], t[2], t[3]
        ));
        return core::ptr::null_mut();
    }
    allocate(
        "ExAllocatePool2",
        size,
        tag,
        flags & POOL_FLAG_UNINITIALIZED == 0,
    )
}

/// `VOID ExFreePoolWithTag(PVOID P, ULONG Tag)` — ≤ DISPATCH_LEVEL.
pub extern "win64" fn ex_free_pool_with_tag(p: *mut c_void, tag: u32) {
    at_most("ExFreePoolWithTag", DISPATCH_LEVEL);
    free("ExFreePoolWithTag", p, Some(tag));
}

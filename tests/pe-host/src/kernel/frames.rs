//! The driver functions on the calling thread's stack: what the host names when a check fires
//! inside an import (a failed allocation of the low-resources sweep, a verifier violation), so
//! that the report says which function of the driver made the call.

/// The driver functions on this thread's stack above the current frame (innermost first, each
/// once): every stack word that is a return address into a loaded image's named function (it
/// points at least 6 bytes into the function, right after a call instruction). A heuristic
/// (a stale return address can show up further up), but the first entries name the callers.
pub fn driver_frames() -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let here = 0usize;
    let from = core::ptr::addr_of!(here) as usize;
    let Some(top) = stack_top() else {
        return names;
    };
    let end = top.min(from + (256 << 10));
    let mut at = (from + 7) & !7;
    while at + 8 <= end && names.len() < 8 {
        // SAFETY: `at` is 8-aligned and below this thread's stack top (pthread's bounds).
        let word = unsafe { core::ptr::read_volatile(at as *const usize) };
        if let Some(l) = crate::fault::registry::locate(word) {
            if let Some(s) = l.symbol.filter(|s| s.offset >= 6 && after_call(word)) {
                let name = s.name.to_owned();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        at += 8;
    }
    names
}

/// The highest address of this thread's stack.
fn stack_top() -> Option<usize> {
    let mut attr = core::mem::MaybeUninit::<libc::pthread_attr_t>::uninit();
    // SAFETY: no precondition.
    let me = unsafe { libc::pthread_self() };
    // SAFETY: `attr` is written by pthread_getattr_np before use.
    if unsafe { libc::pthread_getattr_np(me, attr.as_mut_ptr()) } != 0 {
        return None;
    }
    let mut base = core::ptr::null_mut();
    let mut size = 0usize;
    // SAFETY: `attr` was initialised above.
    let r = unsafe { libc::pthread_attr_getstack(attr.as_ptr(), &mut base, &mut size) };
    // SAFETY: `attr` was initialised above and is destroyed once.
    unsafe { libc::pthread_attr_destroy(attr.as_mut_ptr()) };
    (r == 0).then(|| base as usize + size)
}

/// Whether the bytes before `address` (at least 6 bytes into a function of a mapped image, so
/// that they lie in the same readable section) end with a call instruction:
/// `call rel32` (E8), `call [rip+disp32]` (FF 15, the imports), `call [reg+disp32]` (FF 90-97),
/// `call [reg+disp8]` (FF 50-57), `call reg` (FF D0-D7, with a REX prefix 41 for r8-r15).
fn after_call(address: usize) -> bool {
    let mut b = [0u8; 6];
    for (i, byte) in b.iter_mut().enumerate() {
        // SAFETY: the 6 bytes before `address` lie inside the same function of a mapped image
        // (the caller checked the offset), in its readable code section.
        *byte = unsafe { core::ptr::read_volatile((address - 6 + i) as *const u8) };
    }
    b[1] == 0xE8
        || (b[0] == 0xFF && (b[1] == 0x15 || (0x90..=0x97).contains(&b[1])))
        || (b[3] == 0xFF && (0x50..=0x57).contains(&b[4]))
        || (b[4] == 0xFF && (0xD0..=0xD7).contains(&b[5]))
}

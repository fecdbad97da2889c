//! `Box::new` without the abort.

use alloc::alloc::{alloc, Layout};
use alloc::boxed::Box;

use crate::AllocError;

/// Moves `value` into a new heap allocation, or returns [`AllocError`] (and drops `value`) when
/// the global allocator has no memory. Zero-sized values allocate nothing and never fail.
pub fn try_box<T>(value: T) -> Result<Box<T>, AllocError> {
    let layout = Layout::new::<T>();
    if layout.size() == 0 {
        return Ok(Box::new(value));
    }
    // SAFETY: `layout` has a non-zero size (checked above), as `alloc` requires.
    let raw = unsafe { alloc(layout) }.cast::<T>();
    if raw.is_null() {
        return Err(AllocError);
    }
    // SAFETY: `raw` is non-null, allocated for `T`'s layout (so aligned and large enough) and not
    // yet initialised: writing moves `value` in without reading or dropping the old bytes.
    unsafe { raw.write(value) };
    // SAFETY: `raw` was allocated by the global allocator with `Layout::new::<T>()` and holds an
    // initialised `T`, which is what `Box::from_raw` requires; nothing else owns it.
    Ok(unsafe { Box::from_raw(raw) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_values_of_every_alignment() {
        #[repr(align(64))]
        struct A64([u8; 64]);
        #[repr(align(4096))]
        struct Page([u8; 4096]);
        let a = try_box(A64([3; 64])).unwrap();
        assert_eq!(core::ptr::from_ref(&*a) as usize % 64, 0);
        assert_eq!(a.0[63], 3);
        let p = try_box(Page([9; 4096])).unwrap();
        assert_eq!(core::ptr::from_ref(&*p) as usize % 4096, 0);
        assert_eq!(p.0[4095], 9);
        assert_eq!(*try_box(7u8).unwrap(), 7);
        let unit = try_box(()).unwrap();
        assert_eq!(*unit, ());
    }

    #[test]
    fn drops_through_the_box() {
        use core::sync::atomic::{AtomicUsize, Ordering};
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        struct D;
        impl Drop for D {
            fn drop(&mut self) {
                DROPS.fetch_add(1, Ordering::Relaxed);
            }
        }
        drop(try_box(D).unwrap());
        assert_eq!(DROPS.load(Ordering::Relaxed), 1);
    }
}

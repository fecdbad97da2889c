//! Internal helpers: accessor generation for C bit fields.
//!
//! MSVC packs `ULONG`/`USHORT` bit fields from the least significant bit of their storage unit
//! upwards, in declaration order, starting a new unit when a field does not fit. Every mirror in
//! this crate stores such a unit as a plain integer and exposes each C bit field through a
//! getter/setter pair generated here, with the bit position written out next to the field name.

/// Generates `const` getter/setter pairs for bit fields stored in the integer `self.$storage`.
///
/// Syntax per field: `getter, setter: FieldType @ shift, width;` where `FieldType` is an unsigned
/// integer type or `bool` (use the `bool` arm: `getter, setter: bool @ bit;`).
macro_rules! bitfields {
    (
        $storage:tt : $sty:ty;
        $(
            $(#[$m:meta])*
            $get:ident, $set:ident : $kind:tt @ $shift:literal $(, $width:literal)?;
        )*
    ) => {
        $(
            bitfields!(@one $storage, $sty, [$(#[$m])*], $get, $set, $kind, $shift $(, $width)?);
        )*
    };

    (@one $storage:tt, $sty:ty, [$(#[$m:meta])*], $get:ident, $set:ident, bool, $shift:literal) => {
        $(#[$m])*
        #[doc = concat!("\n\nOne bit at bit ", stringify!($shift), " of the storage unit.")]
        #[inline]
        #[must_use]
        pub const fn $get(&self) -> bool {
            (self.$storage >> $shift) & 1 != 0
        }

        #[doc = concat!("Sets the bit read by [`Self::", stringify!($get), "`] (bit ", stringify!($shift), ").")]
        #[inline]
        pub const fn $set(&mut self, value: bool) {
            let mask: $sty = 1 << $shift;
            if value {
                self.$storage |= mask;
            } else {
                self.$storage &= !mask;
            }
        }
    };

    (@one $storage:tt, $sty:ty, [$(#[$m:meta])*], $get:ident, $set:ident, $fty:ty, $shift:literal, $width:literal) => {
        $(#[$m])*
        #[doc = concat!("\n\n", stringify!($width), " bit(s) starting at bit ", stringify!($shift), " of the storage unit.")]
        #[inline]
        #[must_use]
        #[allow(clippy::unnecessary_cast)]
        pub const fn $get(&self) -> $fty {
            let mask: $sty = <$sty>::MAX >> (<$sty>::BITS - $width);
            ((self.$storage >> $shift) & mask) as $fty
        }

        #[doc = concat!(
            "Sets the field read by [`Self::", stringify!($get), "`] (", stringify!($width),
            " bit(s) at bit ", stringify!($shift), "); higher bits of `value` are discarded."
        )]
        #[inline]
        #[allow(clippy::unnecessary_cast)]
        pub const fn $set(&mut self, value: $fty) {
            let mask: $sty = <$sty>::MAX >> (<$sty>::BITS - $width);
            self.$storage = (self.$storage & !(mask << $shift)) | (((value as $sty) & mask) << $shift);
        }
    };
}

pub(crate) use bitfields;

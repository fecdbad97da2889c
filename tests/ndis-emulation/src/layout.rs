//! How a NET_BUFFER's bytes are cut into MDLs: sizes, backfill, slack, mapping flags.

use crate::rng::SplitMix64;

/// How an emulated MDL is mapped (which `MdlFlags` it gets). Both give a valid
/// `MappedSystemVa`, as in the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum MdlMapping {
    /// `MDL_SOURCE_IS_NONPAGED_POOL`: what `NdisAllocateMdl` / `MmBuildMdlForNonPagedPool` give
    /// for non-paged pool buffers (the usual case for NET_BUFFER data).
    #[default]
    NonPagedPool,
    /// `MDL_MAPPED_TO_SYSTEM_VA | MDL_PAGES_LOCKED`: locked pages already mapped with
    /// `MmMapLockedPagesSpecifyCache` (e.g. user buffers probed and mapped by a protocol).
    MappedToSystemVa,
}

/// The MDL chain of one NET_BUFFER: the `ByteCount` of each MDL in chain order, and where the
/// data starts.
///
/// The data occupies `[data_offset, data_offset + data_len)` of the concatenated MDL bytes;
/// bytes before it are the unused backfill space NDIS keeps in front of the data
/// (`NET_BUFFER_DATA_OFFSET`), bytes after it are trailing slack. `CurrentMdl` /
/// `CurrentMdlOffset` are derived from `data_offset` as NDIS keeps them: the MDL holding the
/// first data byte, and the offset in it (so `CurrentMdlOffset < ByteCount`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MdlLayout {
    /// `ByteCount` of each MDL, in chain order (0 allowed: a zero-length MDL).
    pub mdl_sizes: Vec<u32>,
    /// `DataOffset`: unused bytes before the data, from the start of the first MDL.
    pub data_offset: u32,
    /// Mapping flags of every MDL.
    pub mapping: MdlMapping,
}

/// Parameters of [`MdlLayout::random`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Segmentation {
    /// Largest backfill (`DataOffset`) to draw.
    pub max_backfill: u32,
    /// Largest trailing slack to draw.
    pub max_slack: u32,
    /// Largest MDL to draw (at least 1).
    pub max_mdl_size: u32,
    /// Chance in percent that an MDL is 1 byte long.
    pub one_byte_percent: u8,
}

impl Default for Segmentation {
    /// Backfill ≤ 64, slack ≤ 32, MDLs of 1..=96 bytes, 25 % of them 1 byte long.
    fn default() -> Self {
        Self {
            max_backfill: 64,
            max_slack: 32,
            max_mdl_size: 96,
            one_byte_percent: 25,
        }
    }
}

impl MdlLayout {
    /// MDLs of the given sizes, data after `data_offset` bytes, non-paged pool mapping.
    #[must_use]
    pub fn new(mdl_sizes: Vec<u32>, data_offset: u32) -> Self {
        Self {
            mdl_sizes,
            data_offset,
            mapping: MdlMapping::NonPagedPool,
        }
    }

    /// One MDL holding exactly `data_len` bytes, no backfill, no slack (no MDL for 0 bytes).
    #[must_use]
    pub fn single(data_len: u32) -> Self {
        let sizes = if data_len == 0 {
            Vec::new()
        } else {
            vec![data_len]
        };
        Self::new(sizes, 0)
    }

    /// The same layout with another mapping.
    #[must_use]
    pub fn with_mapping(mut self, mapping: MdlMapping) -> Self {
        self.mapping = mapping;
        self
    }

    /// Sum of the MDL sizes.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.mdl_sizes.iter().map(|&s| u64::from(s)).sum()
    }

    /// A random layout for `data_len` bytes: backfill, slack and MDL sizes drawn from `rng`
    /// within `seg` (no zero-length MDL), random mapping flags.
    #[must_use]
    pub fn random(rng: &mut SplitMix64, data_len: u32, seg: &Segmentation) -> Self {
        let backfill = rng.up_to(u64::from(seg.max_backfill));
        let slack = rng.up_to(u64::from(seg.max_slack));
        let mut left = backfill + u64::from(data_len) + slack;
        let max_mdl = u64::from(seg.max_mdl_size.max(1));
        let mut sizes = Vec::new();
        while left > 0 {
            let size = if rng.percent(seg.one_byte_percent) {
                1
            } else {
                1 + rng.up_to(max_mdl.min(left) - 1)
            };
            sizes.push(u32::try_from(size).unwrap_or(u32::MAX));
            left -= size;
        }
        let mapping = if rng.percent(50) {
            MdlMapping::NonPagedPool
        } else {
            MdlMapping::MappedToSystemVa
        };
        Self {
            mdl_sizes: sizes,
            data_offset: u32::try_from(backfill).unwrap_or(u32::MAX),
            mapping,
        }
    }

    /// `(index of CurrentMdl, CurrentMdlOffset)` for data starting at `data_offset`: the MDL
    /// holding the first data byte, skipping MDLs that end at or before it. `None` when no MDL
    /// holds byte `data_offset` (only possible with no data and no slack).
    #[must_use]
    pub fn current_mdl(&self) -> Option<(usize, u32)> {
        let mut start = 0u64;
        let target = u64::from(self.data_offset);
        for (i, &size) in self.mdl_sizes.iter().enumerate() {
            let end = start + u64::from(size);
            if target < end {
                return Some((i, u32::try_from(target - start).unwrap_or(u32::MAX)));
            }
            start = end;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_mdl_skips_backfill_and_empty_mdls() {
        let l = MdlLayout::new(vec![2, 0, 3, 4], 5);
        assert_eq!(l.current_mdl(), Some((3, 0)));
        let l = MdlLayout::new(vec![2, 0, 3, 4], 4);
        assert_eq!(l.current_mdl(), Some((2, 2)));
        let l = MdlLayout::new(vec![2, 3], 5);
        assert_eq!(l.current_mdl(), None);
        assert_eq!(MdlLayout::single(0).current_mdl(), None);
        assert_eq!(MdlLayout::single(9).current_mdl(), Some((0, 0)));
    }

    #[test]
    fn random_layouts_cover_backfill_data_and_slack() {
        let mut rng = SplitMix64::new(42);
        let seg = Segmentation::default();
        let mut saw_one_byte = false;
        let mut saw_backfill = false;
        for len in 0..200u32 {
            let l = MdlLayout::random(&mut rng, len, &seg);
            assert!(l.total() >= u64::from(l.data_offset) + u64::from(len));
            assert!(l.total() <= u64::from(l.data_offset + len + seg.max_slack));
            assert!(l.data_offset <= seg.max_backfill);
            assert!(l
                .mdl_sizes
                .iter()
                .all(|&s| (1..=seg.max_mdl_size).contains(&s)));
            saw_one_byte |= l.mdl_sizes.contains(&1);
            saw_backfill |= l.data_offset > 0;
        }
        assert!(saw_one_byte && saw_backfill);
    }
}

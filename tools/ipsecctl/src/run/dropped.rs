//! The list of dropped frames: its entries, its bound, and the per-frame context that
//! counts a drop and lists it with the frame's number.

use crate::report::Report;

/// A frame the tool did not pass on transformed or unchanged: its number in the input
/// (1-based), why, and the `--sa` it was dropped against (1-based; none when no SA was found).
/// Consecutive frames with the same reason and SA are one entry (`first..=last`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DroppedFrames {
    /// First input frame number.
    pub first: u64,
    /// Last input frame number (equal to `first` for a single frame).
    pub last: u64,
    /// The drop reason (the names of [`Report::drops`]).
    pub reason: String,
    /// The `--sa` (1-based), if one was chosen.
    pub sa: Option<usize>,
}

/// At most this many [`DroppedFrames`] entries are kept (a few MB); drops beyond are counted
/// in [`Report::dropped_frames_omitted`] (they are still in the per-reason counts).
pub const MAX_DROPPED_ENTRIES: usize = 100_000;

/// The report and the frame being processed: drops are counted and listed with its number.
pub(super) struct Ctx<'r> {
    pub(super) report: &'r mut Report,
    pub(super) frame: u64,
}

impl Ctx<'_> {
    pub(super) fn drop(&mut self, reason: &str, sas: &[usize]) {
        self.report.drop_packet(reason, sas);
        self.report
            .note_dropped_frame(self.frame, reason, sas.first().map(|i| i + 1));
    }
}

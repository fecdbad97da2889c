//! The violations the driver can commit, by name: what the tests pass to the host (an export to
//! call, or the value of the adapter keyword [`KEYWORD`]).

/// The adapter keyword `FilterAttach` reads to choose the module's violation (an integer,
/// [`ModuleViolation`] as `u32`; absent or 0: none).
pub const KEYWORD: &str = "Violation";

/// Pool tags of the cases (each its own, so that a report naming the tag names the case).
pub mod tags {
    /// The block `ViolatePoolLeak` never frees.
    pub const LEAK: u32 = u32::from_le_bytes(*b"VLek");
    /// The block `ViolateDoubleFree` frees twice.
    pub const DOUBLE_FREE: u32 = u32::from_le_bytes(*b"VDbl");
    /// The tag `ViolateWrongTag` allocates with.
    pub const ALLOCATED: u32 = u32::from_le_bytes(*b"VTag");
    /// The tag `ViolateWrongTag` frees with.
    pub const FREED_WITH: u32 = u32::from_le_bytes(*b"Oops");
    /// The paged block `ViolatePagedPoolAtDispatch` allocates.
    pub const PAGED: u32 = u32::from_le_bytes(*b"VPgd");
    /// The filter module's context (correct: freed at detach).
    pub const MODULE: u32 = u32::from_le_bytes(*b"VMod");
}

/// `KeBugCheckEx` code of `ViolateBugCheck` (its four parameters are 1, 2, 3, 4).
pub const BUGCHECK_CODE: u32 = 0xDEAD;

/// The exported routines, one per violation: `extern "system" fn() -> u64`, called at
/// PASSIVE_LEVEL after `DriverEntry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// Allocates 64 bytes of non-paged pool (tag `VLek`) and forgets them: a leak at unload.
    PoolLeak,
    /// Frees a block twice.
    DoubleFree,
    /// Frees a block with another tag than it was allocated with.
    WrongTag,
    /// Allocates paged pool while holding a spin lock (DISPATCH_LEVEL).
    PagedPoolAtDispatch,
    /// Takes two spin locks and releases them in the wrong order: the second is released at
    /// PASSIVE_LEVEL (restored by the first release), and the routine returns at DISPATCH_LEVEL.
    LockReleasedAtWrongIrql,
    /// Returns holding a spin lock (at DISPATCH_LEVEL).
    ReturnHoldingLock,
    /// Releases an `EX_SPIN_LOCK` held exclusive as shared.
    SharedReleaseOfExclusive,
    /// Uses 16 KiB of stack (a volatile buffer), above the 12 KiB budget.
    DeepStack,
    /// Reads through a null pointer.
    NullRead,
    /// Executes `ud2`.
    InvalidOpcode,
    /// Executes `hlt` (privileged).
    Privileged,
    /// Calls `KeBugCheckEx(0xDEAD, 1, 2, 3, 4)`.
    BugCheck,
}

impl Export {
    /// Every export.
    pub const ALL: [Self; 12] = [
        Self::PoolLeak,
        Self::DoubleFree,
        Self::WrongTag,
        Self::PagedPoolAtDispatch,
        Self::LockReleasedAtWrongIrql,
        Self::ReturnHoldingLock,
        Self::SharedReleaseOfExclusive,
        Self::DeepStack,
        Self::NullRead,
        Self::InvalidOpcode,
        Self::Privileged,
        Self::BugCheck,
    ];

    /// The exported symbol (also its name in the map file).
    pub const fn symbol(self) -> &'static str {
        match self {
            Self::PoolLeak => "ViolatePoolLeak",
            Self::DoubleFree => "ViolateDoubleFree",
            Self::WrongTag => "ViolateWrongTag",
            Self::PagedPoolAtDispatch => "ViolatePagedPoolAtDispatch",
            Self::LockReleasedAtWrongIrql => "ViolateLockReleasedAtWrongIrql",
            Self::ReturnHoldingLock => "ViolateReturnHoldingLock",
            Self::SharedReleaseOfExclusive => "ViolateSharedReleaseOfExclusive",
            Self::DeepStack => "ViolateDeepStack",
            Self::NullRead => "ViolateNullRead",
            Self::InvalidOpcode => "ViolateInvalidOpcode",
            Self::Privileged => "ViolatePrivileged",
            Self::BugCheck => "ViolateBugCheck",
        }
    }
}

/// What a filter module gets wrong, chosen by the adapter keyword [`KEYWORD`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ModuleViolation {
    /// A correct pass-through filter.
    None = 0,
    /// `FilterReturnNetBufferLists` returns each NBL to the miniport twice.
    ReturnTwice = 1,
    /// `FilterSendNetBufferListsComplete` completes each NBL to the protocol twice.
    CompleteTwice = 2,
    /// `FilterReturnNetBufferLists` reads the first NET_BUFFER's length after returning the NBL.
    UseAfterReturn = 3,
    /// `FilterOidRequestComplete` completes the original request twice.
    OidCompleteTwice = 4,
}

impl ModuleViolation {
    /// The case for a keyword value (unknown values: none).
    pub const fn from_keyword(value: u32) -> Self {
        match value {
            1 => Self::ReturnTwice,
            2 => Self::CompleteTwice,
            3 => Self::UseAfterReturn,
            4 => Self::OidCompleteTwice,
            _ => Self::None,
        }
    }
}

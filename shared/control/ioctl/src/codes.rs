//! IOCTL codes: `CTL_CODE(FILE_DEVICE_NETWORK, function, METHOD_BUFFERED, FILE_ANY_ACCESS)`.
//! The device itself is SYSTEM + Administrators only (its SDDL), so FILE_ANY_ACCESS adds no
//! exposure.

/// `FILE_DEVICE_NETWORK`.
pub const FILE_DEVICE_NETWORK: u32 = 0x0000_0012;
/// `METHOD_BUFFERED`.
pub const METHOD_BUFFERED: u32 = 0;
/// `FILE_ANY_ACCESS`.
pub const FILE_ANY_ACCESS: u32 = 0;

/// `CTL_CODE(device, function, method, access)`.
#[must_use]
pub const fn ctl_code(device: u32, function: u32, method: u32, access: u32) -> u32 {
    (device << 16) | (access << 14) | (function << 2) | method
}

/// The function numbers start at 0x900 (0x800 and up are for vendors).
pub const FUNCTION_BASE: u32 = 0x900;

/// An IOCTL of this device, with its function number.
#[must_use]
pub const fn ioctl(function: u32) -> u32 {
    ctl_code(
        FILE_DEVICE_NETWORK,
        FUNCTION_BASE + function,
        METHOD_BUFFERED,
        FILE_ANY_ACCESS,
    )
}

macro_rules! ioctls {
    ($($(#[$doc:meta])* $name:ident = $func:expr, $family:ident;)*) => {
        /// Every IOCTL of the control device.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Ioctl {
            $($(#[$doc])* $name,)*
        }

        impl Ioctl {
            /// Every IOCTL, in function order.
            pub const ALL: &'static [Self] = &[$(Self::$name,)*];

            /// Its control code.
            #[must_use]
            pub const fn code(self) -> u32 {
                match self {
                    $(Self::$name => ioctl($func),)*
                }
            }

            /// Its family.
            #[must_use]
            pub const fn family(self) -> Family {
                match self {
                    $(Self::$name => Family::$family,)*
                }
            }
        }
    };
}

/// The families of the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Version handshake.
    Handshake,
    /// SPD functions (6.6.2-6.6.6).
    Spd,
    /// Policy functions (6.6.7-6.6.15).
    Policy,
    /// SA functions (6.6.16-6.6.17).
    Sa,
    /// SPI reservation (6.6.18-6.6.19).
    Spi,
    /// Statistics (6.6.21-6.6.22 and the global view).
    Stats,
    /// Queries (6.6.23-6.6.32).
    Query,
    /// Events: mask, rate limits (6.6.20), the inverted call.
    Events,
    /// Test family: OID requests to a filter module, injected sends and receives, a module's
    /// statistics. Refused unless the adapter's keyword enables it.
    Test,
}

ioctls! {
    /// Version handshake.
    Handshake = 0x00, Handshake;
    /// `NPF_IPSecSPD_Create`.
    SpdCreate = 0x10, Spd;
    /// `NPF_IPSecSPD_Destroy`.
    SpdDestroy = 0x11, Spd;
    /// `NPF_IPSecSPD_Bind`.
    SpdBind = 0x12, Spd;
    /// `NPF_IPSecSPD_UnBind`.
    SpdUnbind = 0x13, Spd;
    /// `NPF_IPSecSPD_Flush`.
    SpdFlush = 0x14, Spd;
    /// `NPF_IPSecPolicy_Create`.
    PolicyCreate = 0x20, Policy;
    /// `NPF_IPSecPolicy_Destroy`.
    PolicyDestroy = 0x21, Policy;
    /// `NPF_IPSecPolicy_BatchCreate`.
    PolicyBatchCreate = 0x22, Policy;
    /// `NPF_IPSecPolicy_BatchDestroy`.
    PolicyBatchDestroy = 0x23, Policy;
    /// `NPF_IPSecPolicy_Bind`.
    PolicyBind = 0x24, Policy;
    /// `NPF_IPSecPolicy_UnBind`.
    PolicyUnbind = 0x25, Policy;
    /// `NPF_IPSecPolicy_BatchBind`.
    PolicyBatchBind = 0x26, Policy;
    /// `NPF_IPSecPolicy_BatchUnBind`.
    PolicyBatchUnbind = 0x27, Policy;
    /// `NPF_IPSecPolicy_ChangePriority`.
    PolicyChangePriority = 0x28, Policy;
    /// `NPF_IPSecSA_Add`.
    SaAdd = 0x30, Sa;
    /// `NPF_IPSecSA_Remove`.
    SaRemove = 0x31, Sa;
    /// `NPF_IPSecInSA_ReserveSPI`.
    SpiReserve = 0x40, Spi;
    /// `NPF_IPSecInSA_ReleaseSPI`.
    SpiRelease = 0x41, Spi;
    /// `NPF_IPSecPolicy_GetStats`.
    PolicyStats = 0x50, Stats;
    /// `NPF_IPSecSA_GetStats`.
    SaStats = 0x51, Stats;
    /// The global view (IPsecGetStatistics totals).
    GlobalStats = 0x52, Stats;
    /// `NPF_IPSecQuery_AllSPDs`.
    QueryAllSpds = 0x60, Query;
    /// `NPF_IPSecQuery_AllSPDBindings`.
    QuerySpdBindings = 0x61, Query;
    /// `NPF_IPSecQuery_AllPolicies`.
    QueryAllPolicies = 0x62, Query;
    /// `NPF_IPSecQuery_AllPolicyBindings`.
    QueryPolicyBindings = 0x63, Query;
    /// `NPF_IPSecQuery_AllSAs`.
    QueryAllSas = 0x64, Query;
    /// `NPF_IPSecQuery_PolicyData`.
    QueryPolicyData = 0x65, Query;
    /// `NPF_IPSecQuery_SAData`.
    QuerySaData = 0x66, Query;
    /// `NPF_IPSecQuery_SPDHandle`.
    QuerySpdHandle = 0x67, Query;
    /// `NPF_IPSecQuery_PolicyHandle`.
    QueryPolicyHandle = 0x68, Query;
    /// `NPF_IPSecQuery_SAHandle`.
    QuerySaHandle = 0x69, Query;
    /// Sets the event mask (the union of the registrations').
    EventSetMask = 0x70, Events;
    /// `NPF_IPSecRateLimitEvents`.
    EventRateLimit = 0x71, Events;
    /// The inverted call: completes with the waiting events, or pends until some arrive.
    EventWait = 0x72, Events;
    /// Test: an OID request to a named filter module.
    TestOid = 0x80, Test;
    /// Test: inject a frame on a named filter module's send or receive path.
    TestInject = 0x81, Test;
    /// Test: a named filter module's state, SA count and counters.
    TestModuleStats = 0x82, Test;
}

impl Ioctl {
    /// The IOCTL of a control code.
    #[must_use]
    pub fn from_code(code: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|i| i.code() == code)
    }
}

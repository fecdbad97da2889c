//! The decoded request: one variant per function of the protocol.

use ipsecov2_control_plane::{Action, Direction, UdpPorts};

use super::fields::{Selectors, U32s};
use super::{EventLimits, PolicyRecords, Sas, TestRequest};

/// A decoded, validated request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request<'a> {
    /// Version handshake: the client's range.
    Handshake {
        /// Oldest version the client speaks.
        min: u16,
        /// Newest.
        max: u16,
    },
    /// `NPF_IPSecSPD_Create`.
    SpdCreate {
        /// Direction.
        direction: Direction,
        /// Caller's ID.
        spd_id: u32,
        /// Interfaces (empty = all).
        ifs: U32s<'a>,
    },
    /// `NPF_IPSecSPD_Destroy`.
    SpdDestroy {
        /// SPDs.
        spds: U32s<'a>,
    },
    /// `NPF_IPSecSPD_Bind`.
    SpdBind {
        /// SPD.
        spd: u32,
        /// Interfaces (empty = all).
        ifs: U32s<'a>,
    },
    /// `NPF_IPSecSPD_UnBind`.
    SpdUnbind {
        /// SPD.
        spd: u32,
        /// Interfaces.
        ifs: U32s<'a>,
    },
    /// `NPF_IPSecSPD_Flush`.
    SpdFlush {
        /// SPDs.
        spds: U32s<'a>,
    },
    /// `NPF_IPSecPolicy_Create`.
    PolicyCreate {
        /// Caller's ID.
        id: u32,
        /// Action.
        action: Action,
        /// Direction (used when `spds` is empty).
        direction: Direction,
        /// Selectors.
        selectors: Selectors<'a>,
        /// SPDs (empty = all).
        spds: U32s<'a>,
        /// Priorities, one per SPD.
        priorities: U32s<'a>,
    },
    /// `NPF_IPSecPolicy_Destroy`.
    PolicyDestroy {
        /// Policy.
        policy: u32,
    },
    /// `NPF_IPSecPolicy_BatchCreate`.
    PolicyBatchCreate {
        /// SPD (0 = all).
        spd: u32,
        /// Direction (used when `spd` is 0).
        direction: Direction,
        /// Policies.
        policies: PolicyRecords<'a>,
        /// Priorities, one per policy.
        priorities: U32s<'a>,
    },
    /// `NPF_IPSecPolicy_BatchDestroy`.
    PolicyBatchDestroy {
        /// Policies.
        policies: U32s<'a>,
    },
    /// `NPF_IPSecPolicy_Bind`.
    PolicyBind {
        /// Policy.
        policy: u32,
        /// SPDs (empty = all).
        spds: U32s<'a>,
        /// Priorities.
        priorities: U32s<'a>,
    },
    /// `NPF_IPSecPolicy_UnBind`.
    PolicyUnbind {
        /// Policy.
        policy: u32,
        /// SPDs.
        spds: U32s<'a>,
    },
    /// `NPF_IPSecPolicy_BatchBind`.
    PolicyBatchBind {
        /// Policies.
        policies: U32s<'a>,
        /// SPD (0 = all).
        spd: u32,
        /// Direction (used when `spd` is 0).
        direction: Direction,
        /// Priorities, one per policy.
        priorities: U32s<'a>,
    },
    /// `NPF_IPSecPolicy_BatchUnBind`.
    PolicyBatchUnbind {
        /// Policies.
        policies: U32s<'a>,
        /// SPD.
        spd: u32,
    },
    /// `NPF_IPSecPolicy_ChangePriority`.
    PolicyChangePriority {
        /// SPD.
        spd: u32,
        /// Policy.
        policy: u32,
        /// New priority.
        priority: u32,
    },
    /// `NPF_IPSecSA_Add`.
    SaAdd {
        /// Policy.
        policy: u32,
        /// Caller's SA ID.
        sa_id: u32,
        /// The bundle.
        sas: Sas<'a>,
        /// UDP ports.
        udp: UdpPorts,
        /// Selectors.
        selectors: Selectors<'a>,
        /// Previous SA (rekey) or 0.
        previous: u32,
        /// Direction.
        direction: Direction,
        /// Acquire context.
        acquire_context: u32,
        /// Vendor hint.
        vendor_hint: u32,
    },
    /// `NPF_IPSecSA_Remove`.
    SaRemove {
        /// Policy.
        policy: u32,
        /// SA.
        sa: u32,
    },
    /// `NPF_IPSecInSA_ReserveSPI`.
    SpiReserve {
        /// Policy.
        policy: u32,
        /// Selectors.
        selectors: Selectors<'a>,
    },
    /// `NPF_IPSecInSA_ReleaseSPI`.
    SpiRelease {
        /// Policy.
        policy: u32,
        /// SPI.
        spi: u32,
    },
    /// `NPF_IPSecPolicy_GetStats`.
    PolicyStats {
        /// Policy.
        policy: u32,
        /// Reset after reading.
        reset: bool,
    },
    /// `NPF_IPSecSA_GetStats`.
    SaStats {
        /// Policy.
        policy: u32,
        /// SA.
        sa: u32,
        /// Reset after reading.
        reset: bool,
    },
    /// The global view.
    GlobalStats,
    /// `NPF_IPSecQuery_AllSPDs`.
    QueryAllSpds,
    /// `NPF_IPSecQuery_AllSPDBindings`.
    QuerySpdBindings {
        /// SPD.
        spd: u32,
    },
    /// `NPF_IPSecQuery_AllPolicies`.
    QueryAllPolicies {
        /// SPD.
        spd: u32,
    },
    /// `NPF_IPSecQuery_AllPolicyBindings`.
    QueryPolicyBindings {
        /// Policy.
        policy: u32,
    },
    /// `NPF_IPSecQuery_AllSAs`.
    QueryAllSas {
        /// SPD.
        spd: u32,
    },
    /// `NPF_IPSecQuery_PolicyData`.
    QueryPolicyData {
        /// Policy.
        policy: u32,
    },
    /// `NPF_IPSecQuery_SAData`.
    QuerySaData {
        /// SA.
        sa: u32,
    },
    /// `NPF_IPSecQuery_SPDHandle`.
    QuerySpdHandle {
        /// SPD IDs.
        ids: U32s<'a>,
    },
    /// `NPF_IPSecQuery_PolicyHandle`.
    QueryPolicyHandle {
        /// Policy IDs.
        ids: U32s<'a>,
    },
    /// `NPF_IPSecQuery_SAHandle`.
    QuerySaHandle {
        /// Policy.
        policy: u32,
        /// SA IDs.
        ids: U32s<'a>,
    },
    /// Sets the event mask.
    EventSetMask {
        /// `NPF_IPSecEventMask_t`.
        mask: u32,
    },
    /// `NPF_IPSecRateLimitEvents`.
    EventRateLimit {
        /// Limits.
        limits: EventLimits<'a>,
    },
    /// The inverted call.
    EventWait {
        /// Most events to return (0 = as many as fit).
        max_events: u32,
    },
    /// A test-family request.
    Test(TestRequest<'a>),
}

//! The decoder: one input buffer and its IOCTL into a typed request borrowing the buffer, every
//! field validated (header, lengths, counts, nested offsets, enumerations, reserved fields).
//! It never allocates: arrays stay views over the input, checked whole before they are handed
//! out, so iterating them cannot fail.

use ipsecov2_control_plane::{
    Action, Direction, IpAddr, PortRange, SaParams, Selector, SelectorAddr, TunnelEndpoints,
    UdpPorts,
};

use crate::codes::Ioctl;
use crate::error::{DispatchError, Fault, Field};
use crate::wire::{
    disjoint, read_header, region, Reader, Region, EVENT_LIMIT_LEN, POLICY_RECORD_LEN,
    REQUEST_HEADER_LEN, SA_LEN, SELECTOR_LEN,
};

/// Most SAs in one bundle on the wire (ESP + AH + IPCOMP, 6.6.16).
pub const MAX_BUNDLE: u32 = 3;
/// Most bytes of a test request's module name.
pub const MAX_MODULE_NAME: u32 = 256;
/// Most bytes of a test request's payload.
pub const MAX_TEST_PAYLOAD: u32 = 65_536;

/// A checked array of little-endian u32 values (handles, IDs, priorities, interfaces).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct U32s<'a> {
    bytes: &'a [u8],
}

impl<'a> U32s<'a> {
    fn new(msg: &'a [u8], r: Region) -> Self {
        Self {
            bytes: msg.get(r.offset..r.offset + r.len()).unwrap_or(&[]),
        }
    }

    /// Elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len() / 4
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The values.
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        self.bytes.chunks_exact(4).map(|c| {
            let mut b = [0u8; 4];
            b.copy_from_slice(c);
            u32::from_le_bytes(b)
        })
    }
}

fn direction(v: u32) -> Result<Direction, Fault> {
    Direction::from_u32(v).ok_or(Fault::BadEnum(Field::Direction))
}

fn boolean(v: u32) -> Result<bool, Fault> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Fault::BadEnum(Field::Boolean)),
    }
}

fn ip(bytes: [u8; 16], version: u8) -> Result<IpAddr, Fault> {
    match version {
        4 => {
            if bytes.iter().skip(4).any(|&b| b != 0) {
                return Err(Fault::ReservedNotZero(Field::Selectors));
            }
            let [a, b, c, d, ..] = bytes;
            Ok(IpAddr::V4([a, b, c, d]))
        }
        6 => Ok(IpAddr::V6(bytes)),
        _ => Err(Fault::BadEnum(Field::IpVersion)),
    }
}

fn selector_addr(r: &Reader<'_>, at: usize, version: u8) -> Result<SelectorAddr, Fault> {
    let kind = r.u8(at)?;
    let len = r.u8(at + 1)?;
    r.reserved(at + 2, 2, Field::Selectors)?;
    let a = ip(r.bytes16(at + 4)?, version)?;
    let b = r.bytes16(at + 20)?;
    match kind {
        0 => {
            if b.iter().any(|&x| x != 0) {
                return Err(Fault::ReservedNotZero(Field::Selectors));
            }
            Ok(SelectorAddr::Prefix { addr: a, len })
        }
        1 => {
            if len != 0 {
                return Err(Fault::ReservedNotZero(Field::Selectors));
            }
            Ok(SelectorAddr::Range {
                start: a,
                end: ip(b, version)?,
            })
        }
        _ => Err(Fault::BadEnum(Field::AddrType)),
    }
}

/// Decodes one selector record (see docs/control-plane.md for the layout).
pub fn selector_at(msg: &[u8], at: usize) -> Result<Selector, Fault> {
    let r = Reader::new(msg);
    let rule_flags = r.u8(at)?;
    let ip_version = r.u8(at + 1)?;
    let protocol = r.u8(at + 2)?;
    r.reserved(at + 3, 1, Field::Selectors)?;
    if !matches!(ip_version, 4 | 6) {
        return Err(Fault::BadEnum(Field::IpVersion));
    }
    Ok(Selector {
        rule_flags,
        ip_version,
        protocol,
        src: selector_addr(&r, at + 4, ip_version)?,
        dst: selector_addr(&r, at + 40, ip_version)?,
        src_port: PortRange {
            start: r.u16(at + 76)?,
            end: r.u16(at + 78)?,
        },
        dst_port: PortRange {
            start: r.u16(at + 80)?,
            end: r.u16(at + 82)?,
        },
    })
}

/// A checked array of selector records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selectors<'a> {
    msg: &'a [u8],
    region: Region,
}

impl<'a> Selectors<'a> {
    fn checked(msg: &'a [u8], region: Region) -> Result<Self, Fault> {
        for i in 0..region.count {
            selector_at(msg, region.offset + i * SELECTOR_LEN)?;
        }
        Ok(Self { msg, region })
    }

    /// Elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.region.count
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.region.count == 0
    }

    /// The selectors (all checked by the decoder).
    pub fn iter(&self) -> impl Iterator<Item = Selector> + 'a {
        let (msg, r) = (self.msg, self.region);
        (0..r.count).filter_map(move |i| selector_at(msg, r.offset + i * SELECTOR_LEN).ok())
    }
}

fn key(
    msg: &[u8],
    fixed_end: usize,
    off: u32,
    bits: u16,
    field: Field,
) -> Result<(&[u8], Region), Fault> {
    if !bits.is_multiple_of(8) {
        return Err(Fault::KeyBits(field));
    }
    let r = region(
        msg.len(),
        fixed_end,
        off,
        u32::from(bits / 8),
        1,
        u32::MAX,
        field,
    )?;
    Ok((msg.get(r.offset..r.offset + r.len()).unwrap_or(&[]), r))
}

/// Decodes one SA record and its keys; also gives the key regions for the overlap check.
pub fn sa_at(
    msg: &[u8],
    at: usize,
    fixed_end: usize,
) -> Result<(SaParams<'_>, [Region; 2]), Fault> {
    let r = Reader::new(msg);
    r.reserved(at + 14, 2, Field::Sas)?;
    r.reserved(at + 33, 3, Field::Sas)?;
    r.reserved(at + 74, 2, Field::Sas)?;
    r.reserved(at + 83, 1, Field::Sas)?;
    let tver = r.u8(at + 32)?;
    let (src, dst) = (r.bytes16(at + 36)?, r.bytes16(at + 52)?);
    let tunnel = match tver {
        0 => {
            if src.iter().chain(dst.iter()).any(|&b| b != 0) {
                return Err(Fault::ReservedNotZero(Field::Sas));
            }
            TunnelEndpoints {
                src: IpAddr::V4([0; 4]),
                dst: IpAddr::V4([0; 4]),
            }
        }
        v => TunnelEndpoints {
            src: ip(src, v)?,
            dst: ip(dst, v)?,
        },
    };
    let auth_bits = r.u16(at + 72)?;
    let enc_bits = r.u16(at + 80)?;
    let (auth_key, ar) = key(msg, fixed_end, r.u32(at + 68)?, auth_bits, Field::AuthKey)?;
    let (enc_key, er) = key(msg, fixed_end, r.u32(at + 76)?, enc_bits, Field::EncKey)?;
    let sa = SaParams {
        spi: r.u32(at)?,
        flow_label: r.u32(at + 4)?,
        flags: r.u32(at + 8)?,
        auth_algo: r.u8(at + 12)?,
        enc_algo: r.u8(at + 13)?,
        soft_kbytes: r.u32(at + 16)?,
        hard_kbytes: r.u32(at + 20)?,
        soft_secs: r.u32(at + 24)?,
        hard_secs: r.u32(at + 28)?,
        tunnel,
        auth_key,
        auth_key_bits: auth_bits,
        enc_key,
        enc_key_bits: enc_bits,
        replay_window: r.u8(at + 82)?,
    };
    Ok((sa, [ar, er]))
}

/// A checked array of SA records (keys checked too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sas<'a> {
    msg: &'a [u8],
    region: Region,
    fixed_end: usize,
}

impl<'a> Sas<'a> {
    /// Elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.region.count
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.region.count == 0
    }

    /// The SA at `i`.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<SaParams<'a>> {
        if i >= self.region.count {
            return None;
        }
        sa_at(self.msg, self.region.offset + i * SA_LEN, self.fixed_end)
            .ok()
            .map(|(s, _)| s)
    }
}

/// A checked array of policy records of a batch create: (ID, action, selectors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyRecords<'a> {
    msg: &'a [u8],
    region: Region,
    fixed_end: usize,
}

/// A policy record's ID, action and selector region (selectors not decoded yet).
fn record_head(msg: &[u8], at: usize, fixed_end: usize) -> Result<(u32, Action, Region), Fault> {
    let r = Reader::new(msg);
    let id = r.u32(at)?;
    let action = Action::from_u32(r.u32(at + 4)?).ok_or(Fault::BadEnum(Field::Action))?;
    let sel = region(
        msg.len(),
        fixed_end,
        r.u32(at + 12)?,
        r.u32(at + 8)?,
        SELECTOR_LEN,
        u32::MAX,
        Field::Selectors,
    )?;
    Ok((id, action, sel))
}

fn policy_record(
    msg: &[u8],
    at: usize,
    fixed_end: usize,
) -> Result<(u32, Action, Selectors<'_>), Fault> {
    let (id, action, sel) = record_head(msg, at, fixed_end)?;
    Ok((id, action, Selectors::checked(msg, sel)?))
}

impl<'a> PolicyRecords<'a> {
    /// Elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.region.count
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.region.count == 0
    }

    /// The records.
    pub fn iter(&self) -> impl Iterator<Item = (u32, Action, Selectors<'a>)> + 'a {
        let (msg, r, fe) = (self.msg, self.region, self.fixed_end);
        (0..r.count)
            .filter_map(move |i| policy_record(msg, r.offset + i * POLICY_RECORD_LEN, fe).ok())
    }
}

/// The wire form of an event limit: (event ID, limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventLimits<'a> {
    msg: &'a [u8],
    region: Region,
}

fn event_limit(msg: &[u8], at: usize) -> Result<ipsecov2_control_plane::EventLimit, Fault> {
    use ipsecov2_control_plane::RateLimit;
    let r = Reader::new(msg);
    let value = r.u32(at + 8)?;
    let limit = match r.u32(at + 4)? {
        0 => {
            if value != 0 {
                return Err(Fault::ReservedNotZero(Field::EventLimits));
            }
            RateLimit::None
        }
        1 => RateLimit::PerSecond(value),
        2 => RateLimit::EveryN(value),
        _ => return Err(Fault::BadEnum(Field::LimitType)),
    };
    Ok(ipsecov2_control_plane::EventLimit {
        event: r.u32(at)?,
        limit,
    })
}

impl<'a> EventLimits<'a> {
    /// Elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.region.count
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.region.count == 0
    }

    /// The limits.
    pub fn iter(&self) -> impl Iterator<Item = ipsecov2_control_plane::EventLimit> + 'a {
        let (msg, r) = (self.msg, self.region);
        (0..r.count).filter_map(move |i| event_limit(msg, r.offset + i * EVENT_LIMIT_LEN).ok())
    }
}

/// What a test OID request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OidKind {
    /// NdisRequestSetInformation.
    Set,
    /// NdisRequestQueryInformation.
    Query,
    /// NdisRequestMethod.
    Method,
}

/// Where a test frame is injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectPath {
    /// As if TCP/IP sent it (the filter's send path).
    Send,
    /// As if the miniport received it (the filter's receive path).
    Receive,
}

/// A test-family request, for the driver (or the emulation) to carry out on a filter module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestRequest<'a> {
    /// An OID request to the named filter module.
    Oid {
        /// The module's name (UTF-8, as the driver names its modules).
        module: &'a [u8],
        /// The OID.
        oid: u32,
        /// Set, query or method.
        kind: OidKind,
        /// The InformationBuffer's input bytes.
        info: &'a [u8],
        /// The InformationBuffer's length (at least `info.len()`).
        info_len: u32,
    },
    /// A frame injected on the named module's send or receive path.
    Inject {
        /// The module's name.
        module: &'a [u8],
        /// Which path.
        path: InjectPath,
        /// The Ethernet frame.
        frame: &'a [u8],
    },
}

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

struct Body<'a> {
    msg: &'a [u8],
    r: Reader<'a>,
    fixed_end: usize,
}

impl<'a> Body<'a> {
    /// The message with a fixed body of `n` bytes after the header.
    fn new(msg: &'a [u8], n: usize) -> Result<Self, Fault> {
        let fixed_end = REQUEST_HEADER_LEN + n;
        if msg.len() < fixed_end {
            return Err(Fault::TooShort);
        }
        Ok(Self {
            msg,
            r: Reader::new(msg),
            fixed_end,
        })
    }

    /// Exactly `n` bytes of fixed body, nothing after it.
    fn exact(msg: &'a [u8], n: usize) -> Result<Self, Fault> {
        let b = Self::new(msg, n)?;
        if msg.len() != b.fixed_end {
            return Err(Fault::LengthMismatch);
        }
        Ok(b)
    }

    /// The u32 at body offset `i` (0-based, in words).
    fn w(&self, i: usize) -> Result<u32, Fault> {
        self.r.u32(REQUEST_HEADER_LEN + 4 * i)
    }

    fn region(
        &self,
        count_word: usize,
        off_word: usize,
        stride: usize,
        max: u32,
        field: Field,
    ) -> Result<Region, Fault> {
        region(
            self.msg.len(),
            self.fixed_end,
            self.w(off_word)?,
            self.w(count_word)?,
            stride,
            max,
            field,
        )
    }

    fn u32s(
        &self,
        count_word: usize,
        off_word: usize,
        field: Field,
    ) -> Result<(U32s<'a>, Region), Fault> {
        let r = self.region(count_word, off_word, 4, u32::MAX, field)?;
        Ok((U32s::new(self.msg, r), r))
    }

    fn selectors(
        &self,
        count_word: usize,
        off_word: usize,
    ) -> Result<(Selectors<'a>, Region), Fault> {
        let r = self.region(
            count_word,
            off_word,
            SELECTOR_LEN,
            u32::MAX,
            Field::Selectors,
        )?;
        Ok((Selectors::checked(self.msg, r)?, r))
    }

    /// The arrays are disjoint and the message ends where the last of them (or the fixed part)
    /// ends: no trailing bytes.
    fn done(&self, regions: &[Region]) -> Result<(), Fault> {
        disjoint(regions)?;
        self.ends_at(regions.iter().map(|r| r.offset + r.len()))
    }

    fn ends_at(&self, ends: impl Iterator<Item = usize>) -> Result<(), Fault> {
        let end = ends.fold(self.fixed_end, usize::max);
        if end == self.msg.len() {
            Ok(())
        } else {
            Err(Fault::TrailingBytes)
        }
    }
}

fn handshake(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::exact(msg, 8)?;
    let min = b.r.u16(8)?;
    let max = b.r.u16(10)?;
    b.r.reserved(12, 4, Field::Body)?;
    Ok(Request::Handshake { min, max })
}

fn test_request(ioctl: Ioctl, msg: &[u8]) -> Result<Request<'_>, Fault> {
    match ioctl {
        Ioctl::TestOid => {
            let b = Body::new(msg, 28)?;
            let name = b.region(0, 1, 1, MAX_MODULE_NAME, Field::ModuleName)?;
            let kind = match b.w(3)? {
                0 => OidKind::Set,
                1 => OidKind::Query,
                2 => OidKind::Method,
                _ => return Err(Fault::BadEnum(Field::TestKind)),
            };
            let info = b.region(4, 5, 1, MAX_TEST_PAYLOAD, Field::Payload)?;
            let info_len = b.w(6)?;
            if info_len > MAX_TEST_PAYLOAD || usize::try_from(info_len).unwrap_or(0) < info.len() {
                return Err(Fault::CountMismatch(Field::Payload));
            }
            if name.is_empty() {
                return Err(Fault::CountTooLarge(Field::ModuleName));
            }
            b.done(&[name, info])?;
            Ok(Request::Test(TestRequest::Oid {
                module: msg
                    .get(name.offset..name.offset + name.len())
                    .unwrap_or(&[]),
                oid: b.w(2)?,
                kind,
                info: msg
                    .get(info.offset..info.offset + info.len())
                    .unwrap_or(&[]),
                info_len,
            }))
        }
        _ => {
            let b = Body::new(msg, 20)?;
            let name = b.region(0, 1, 1, MAX_MODULE_NAME, Field::ModuleName)?;
            let path = match b.w(2)? {
                0 => InjectPath::Send,
                1 => InjectPath::Receive,
                _ => return Err(Fault::BadEnum(Field::TestKind)),
            };
            let frame = b.region(3, 4, 1, MAX_TEST_PAYLOAD, Field::Payload)?;
            if name.is_empty() {
                return Err(Fault::CountTooLarge(Field::ModuleName));
            }
            b.done(&[name, frame])?;
            Ok(Request::Test(TestRequest::Inject {
                module: msg
                    .get(name.offset..name.offset + name.len())
                    .unwrap_or(&[]),
                path,
                frame: msg
                    .get(frame.offset..frame.offset + frame.len())
                    .unwrap_or(&[]),
            }))
        }
    }
}

fn sa_add(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 44)?;
    let sas_r = b.region(2, 3, SA_LEN, MAX_BUNDLE, Field::Sas)?;
    let (selectors, sel_r) = b.selectors(5, 6)?;
    let mut regions = [Region::EMPTY; 2 + 2 * MAX_BUNDLE as usize];
    let [a, s, ..] = &mut regions;
    *a = sas_r;
    *s = sel_r;
    for i in 0..sas_r.count {
        let (_, keys) = sa_at(msg, sas_r.offset + i * SA_LEN, b.fixed_end)?;
        for (k, key) in keys.into_iter().enumerate() {
            if let Some(slot) = regions.get_mut(2 + 2 * i + k) {
                *slot = key;
            }
        }
    }
    b.done(&regions)?;
    let ports = b.w(4)?;
    Ok(Request::SaAdd {
        policy: b.w(0)?,
        sa_id: b.w(1)?,
        sas: Sas {
            msg,
            region: sas_r,
            fixed_end: b.fixed_end,
        },
        udp: UdpPorts {
            src: u16::try_from(ports & 0xFFFF).unwrap_or(0),
            dst: u16::try_from(ports >> 16).unwrap_or(0),
        },
        selectors,
        previous: b.w(7)?,
        direction: direction(b.w(8)?)?,
        acquire_context: b.w(9)?,
        vendor_hint: b.w(10)?,
    })
}

fn batch_create(msg: &[u8]) -> Result<Request<'_>, Fault> {
    let b = Body::new(msg, 20)?;
    let recs = b.region(0, 1, POLICY_RECORD_LEN, u32::MAX, Field::PolicyRecords)?;
    let prios = b.region(0, 4, 4, u32::MAX, Field::Priorities)?;
    disjoint(&[recs, prios])?;
    let mut end = (recs.offset + recs.len()).max(prios.offset + prios.len());
    // Each record's selectors: disjoint from the top-level arrays and from each other, then
    // checked.
    let head = |i: usize| record_head(msg, recs.offset + i * POLICY_RECORD_LEN, b.fixed_end);
    for i in 0..recs.count {
        let (_, _, sel) = head(i)?;
        disjoint(&[sel, recs, prios])?;
        for j in 0..i {
            disjoint(&[sel, head(j)?.2])?;
        }
        end = end.max(sel.offset + sel.len());
    }
    b.ends_at(core::iter::once(end))?;
    for i in 0..recs.count {
        policy_record(msg, recs.offset + i * POLICY_RECORD_LEN, b.fixed_end)?;
    }
    Ok(Request::PolicyBatchCreate {
        spd: b.w(2)?,
        direction: direction(b.w(3)?)?,
        policies: PolicyRecords {
            msg,
            region: recs,
            fixed_end: b.fixed_end,
        },
        priorities: U32s::new(msg, prios),
    })
}

fn body(ioctl: Ioctl, msg: &[u8]) -> Result<Request<'_>, Fault> {
    use Request as R;
    Ok(match ioctl {
        Ioctl::Handshake => return handshake(msg),
        Ioctl::SpdCreate => {
            let b = Body::new(msg, 16)?;
            let (ifs, r) = b.u32s(2, 3, Field::Interfaces)?;
            b.done(&[r])?;
            R::SpdCreate {
                direction: direction(b.w(0)?)?,
                spd_id: b.w(1)?,
                ifs,
            }
        }
        Ioctl::SpdDestroy | Ioctl::SpdFlush => {
            let b = Body::new(msg, 8)?;
            let (spds, r) = b.u32s(0, 1, Field::Spds)?;
            b.done(&[r])?;
            if ioctl == Ioctl::SpdDestroy {
                R::SpdDestroy { spds }
            } else {
                R::SpdFlush { spds }
            }
        }
        Ioctl::SpdBind | Ioctl::SpdUnbind => {
            let b = Body::new(msg, 12)?;
            let (ifs, r) = b.u32s(1, 2, Field::Interfaces)?;
            b.done(&[r])?;
            let spd = b.w(0)?;
            if ioctl == Ioctl::SpdBind {
                R::SpdBind { spd, ifs }
            } else {
                R::SpdUnbind { spd, ifs }
            }
        }
        Ioctl::PolicyCreate => {
            let b = Body::new(msg, 36)?;
            let action = Action::from_u32(b.w(1)?).ok_or(Fault::BadEnum(Field::Action))?;
            let (selectors, sr) = b.selectors(3, 4)?;
            let (spds, dr) = b.u32s(5, 6, Field::Spds)?;
            let (priorities, pr) = b.u32s(7, 8, Field::Priorities)?;
            b.done(&[sr, dr, pr])?;
            R::PolicyCreate {
                id: b.w(0)?,
                action,
                direction: direction(b.w(2)?)?,
                selectors,
                spds,
                priorities,
            }
        }
        Ioctl::PolicyDestroy => {
            let b = Body::exact(msg, 4)?;
            R::PolicyDestroy { policy: b.w(0)? }
        }
        Ioctl::PolicyBatchCreate => return batch_create(msg),
        Ioctl::PolicyBatchDestroy => {
            let b = Body::new(msg, 8)?;
            let (policies, r) = b.u32s(0, 1, Field::Policies)?;
            b.done(&[r])?;
            R::PolicyBatchDestroy { policies }
        }
        Ioctl::PolicyBind => {
            let b = Body::new(msg, 20)?;
            let (spds, dr) = b.u32s(1, 2, Field::Spds)?;
            let (priorities, pr) = b.u32s(3, 4, Field::Priorities)?;
            b.done(&[dr, pr])?;
            R::PolicyBind {
                policy: b.w(0)?,
                spds,
                priorities,
            }
        }
        Ioctl::PolicyUnbind => {
            let b = Body::new(msg, 12)?;
            let (spds, r) = b.u32s(1, 2, Field::Spds)?;
            b.done(&[r])?;
            R::PolicyUnbind {
                policy: b.w(0)?,
                spds,
            }
        }
        Ioctl::PolicyBatchBind => {
            let b = Body::new(msg, 20)?;
            let (policies, r) = b.u32s(0, 1, Field::Policies)?;
            let (priorities, pr) = b.u32s(0, 4, Field::Priorities)?;
            b.done(&[r, pr])?;
            R::PolicyBatchBind {
                policies,
                spd: b.w(2)?,
                direction: direction(b.w(3)?)?,
                priorities,
            }
        }
        Ioctl::PolicyBatchUnbind => {
            let b = Body::new(msg, 12)?;
            let (policies, r) = b.u32s(0, 1, Field::Policies)?;
            b.done(&[r])?;
            R::PolicyBatchUnbind {
                policies,
                spd: b.w(2)?,
            }
        }
        Ioctl::PolicyChangePriority => {
            let b = Body::exact(msg, 12)?;
            R::PolicyChangePriority {
                spd: b.w(0)?,
                policy: b.w(1)?,
                priority: b.w(2)?,
            }
        }
        Ioctl::SaAdd => return sa_add(msg),
        Ioctl::SaRemove => {
            let b = Body::exact(msg, 8)?;
            R::SaRemove {
                policy: b.w(0)?,
                sa: b.w(1)?,
            }
        }
        Ioctl::SpiReserve => {
            let b = Body::new(msg, 12)?;
            let (selectors, r) = b.selectors(1, 2)?;
            b.done(&[r])?;
            R::SpiReserve {
                policy: b.w(0)?,
                selectors,
            }
        }
        Ioctl::SpiRelease => {
            let b = Body::exact(msg, 8)?;
            R::SpiRelease {
                policy: b.w(0)?,
                spi: b.w(1)?,
            }
        }
        Ioctl::PolicyStats => {
            let b = Body::exact(msg, 8)?;
            R::PolicyStats {
                policy: b.w(0)?,
                reset: boolean(b.w(1)?)?,
            }
        }
        Ioctl::SaStats => {
            let b = Body::exact(msg, 12)?;
            R::SaStats {
                policy: b.w(0)?,
                sa: b.w(1)?,
                reset: boolean(b.w(2)?)?,
            }
        }
        Ioctl::GlobalStats => {
            Body::exact(msg, 0)?;
            R::GlobalStats
        }
        Ioctl::QueryAllSpds => {
            Body::exact(msg, 0)?;
            R::QueryAllSpds
        }
        Ioctl::QuerySpdBindings
        | Ioctl::QueryAllPolicies
        | Ioctl::QueryAllSas
        | Ioctl::QueryPolicyBindings
        | Ioctl::QueryPolicyData
        | Ioctl::QuerySaData => {
            let h = Body::exact(msg, 4)?.w(0)?;
            match ioctl {
                Ioctl::QuerySpdBindings => R::QuerySpdBindings { spd: h },
                Ioctl::QueryAllPolicies => R::QueryAllPolicies { spd: h },
                Ioctl::QueryAllSas => R::QueryAllSas { spd: h },
                Ioctl::QueryPolicyBindings => R::QueryPolicyBindings { policy: h },
                Ioctl::QueryPolicyData => R::QueryPolicyData { policy: h },
                _ => R::QuerySaData { sa: h },
            }
        }
        Ioctl::QuerySpdHandle | Ioctl::QueryPolicyHandle => {
            let b = Body::new(msg, 8)?;
            let (ids, r) = b.u32s(0, 1, Field::Ids)?;
            b.done(&[r])?;
            if ioctl == Ioctl::QuerySpdHandle {
                R::QuerySpdHandle { ids }
            } else {
                R::QueryPolicyHandle { ids }
            }
        }
        Ioctl::QuerySaHandle => {
            let b = Body::new(msg, 12)?;
            let (ids, r) = b.u32s(1, 2, Field::Ids)?;
            b.done(&[r])?;
            R::QuerySaHandle {
                policy: b.w(0)?,
                ids,
            }
        }
        Ioctl::EventSetMask => {
            let b = Body::exact(msg, 8)?;
            b.r.reserved(12, 4, Field::Body)?;
            R::EventSetMask { mask: b.w(0)? }
        }
        Ioctl::EventRateLimit => {
            let b = Body::new(msg, 8)?;
            let r = b.region(0, 1, EVENT_LIMIT_LEN, u32::MAX, Field::EventLimits)?;
            b.done(&[r])?;
            for i in 0..r.count {
                event_limit(msg, r.offset + i * EVENT_LIMIT_LEN)?;
            }
            R::EventRateLimit {
                limits: EventLimits { msg, region: r },
            }
        }
        Ioctl::EventWait => {
            let b = Body::exact(msg, 8)?;
            b.r.reserved(12, 4, Field::Body)?;
            R::EventWait {
                max_events: b.w(0)?,
            }
        }
        Ioctl::TestOid | Ioctl::TestInject => return test_request(ioctl, msg),
    })
}

/// Decodes and validates the request of `code` in `input`. Never allocates.
pub fn decode(code: u32, input: &[u8]) -> Result<(Ioctl, Request<'_>), DispatchError> {
    let ioctl = Ioctl::from_code(code).ok_or(DispatchError::UnknownIoctl(code))?;
    read_header(input)?;
    Ok((ioctl, body(ioctl, input)?))
}

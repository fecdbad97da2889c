//! The user-mode side: builders of request messages (the layouts the decoder checks) and a
//! reader of responses.

use alloc::vec::Vec;

use ipsecov2_control_plane::{
    Action, Direction, EventLimit, IpAddr, RateLimit, SaParams, Selector, SelectorAddr, UdpPorts,
};

use crate::error::Fault;
use crate::request::{InjectPath, OidKind};
use crate::wire::{
    Reader, EVENT_LIMIT_LEN, POLICY_RECORD_LEN, PROTOCOL_VERSION, REQUEST_HEADER_LEN,
    RESPONSE_HEADER_LEN, SA_LEN, SELECTOR_LEN,
};

/// A request under construction: header, fixed body (words), then appended arrays.
#[derive(Clone, Debug)]
pub struct MessageBuilder {
    buf: Vec<u8>,
}

impl MessageBuilder {
    /// A message whose fixed body has `words` 32-bit words, all zero.
    #[must_use]
    pub fn new(words: usize) -> Self {
        Self {
            buf: alloc::vec![0; REQUEST_HEADER_LEN + 4 * words],
        }
    }

    /// Sets body word `i`.
    pub fn word(&mut self, i: usize, v: u32) -> &mut Self {
        self.put_at(REQUEST_HEADER_LEN + 4 * i, &v.to_le_bytes())
    }

    /// Writes bytes at an absolute position inside the message.
    pub fn put_at(&mut self, at: usize, bytes: &[u8]) -> &mut Self {
        if let Some(dst) = self.buf.get_mut(at..at + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        self
    }

    /// Appends bytes at the next 4-byte boundary; returns their offset (0 for no bytes).
    pub fn append(&mut self, bytes: &[u8]) -> u32 {
        if bytes.is_empty() {
            return 0;
        }
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
        let at = self.buf.len();
        self.buf.extend_from_slice(bytes);
        u32::try_from(at).unwrap_or(u32::MAX)
    }

    /// Appends a u32 array; sets body words `count_word` and `off_word`.
    pub fn array(&mut self, count_word: usize, off_word: usize, values: &[u32]) -> &mut Self {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let off = self.append(&bytes);
        self.word(count_word, u32::try_from(values.len()).unwrap_or(u32::MAX));
        self.word(off_word, off)
    }

    /// Appends selector records; sets the count and offset words.
    pub fn selectors(&mut self, count_word: usize, off_word: usize, s: &[Selector]) -> &mut Self {
        let bytes: Vec<u8> = s.iter().flat_map(encode_selector).collect();
        let off = self.append(&bytes);
        self.word(count_word, u32::try_from(s.len()).unwrap_or(u32::MAX));
        self.word(off_word, off)
    }

    /// The finished message (header written).
    #[must_use]
    pub fn finish(mut self) -> Vec<u8> {
        let len = u32::try_from(self.buf.len()).unwrap_or(u32::MAX);
        self.put_at(0, &PROTOCOL_VERSION.to_le_bytes());
        self.put_at(4, &len.to_le_bytes());
        self.buf
    }
}

fn addr16(a: &IpAddr) -> [u8; 16] {
    let mut b = [0u8; 16];
    for (d, s) in b.iter_mut().zip(a.octets()) {
        *d = *s;
    }
    b
}

fn selector_addr(out: &mut Vec<u8>, a: &SelectorAddr) {
    match a {
        SelectorAddr::Prefix { addr, len } => {
            out.extend_from_slice(&[0, *len, 0, 0]);
            out.extend_from_slice(&addr16(addr));
            out.extend_from_slice(&[0; 16]);
        }
        SelectorAddr::Range { start, end } => {
            out.extend_from_slice(&[1, 0, 0, 0]);
            out.extend_from_slice(&addr16(start));
            out.extend_from_slice(&addr16(end));
        }
    }
}

/// One selector record (84 bytes).
#[must_use]
pub fn encode_selector(s: &Selector) -> Vec<u8> {
    let mut out = Vec::with_capacity(SELECTOR_LEN);
    out.extend_from_slice(&[s.rule_flags, s.ip_version, s.protocol, 0]);
    selector_addr(&mut out, &s.src);
    selector_addr(&mut out, &s.dst);
    for v in [
        s.src_port.start,
        s.src_port.end,
        s.dst_port.start,
        s.dst_port.end,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// The handshake request.
#[must_use]
pub fn handshake(min: u16, max: u16) -> Vec<u8> {
    let mut m = MessageBuilder::new(2);
    m.put_at(8, &min.to_le_bytes())
        .put_at(10, &max.to_le_bytes());
    m.finish()
}

/// `NPF_IPSecSPD_Create`.
#[must_use]
pub fn spd_create(direction: Direction, spd_id: u32, ifs: &[u32]) -> Vec<u8> {
    let mut m = MessageBuilder::new(4);
    m.word(0, direction.to_u32())
        .word(1, spd_id)
        .array(2, 3, ifs);
    m.finish()
}

/// `NPF_IPSecSPD_Destroy` / `NPF_IPSecSPD_Flush` (by `ioctl`), or any request whose body is a
/// (count, offset) pair of u32 values (batch destroy, handle queries).
#[must_use]
pub fn list(values: &[u32]) -> Vec<u8> {
    let mut m = MessageBuilder::new(2);
    m.array(0, 1, values);
    m.finish()
}

/// A request whose body is one u32 followed by a (count, offset) u32 array: SPD bind/unbind,
/// policy unbind, SA handle query.
#[must_use]
pub fn handle_and_list(handle: u32, values: &[u32]) -> Vec<u8> {
    let mut m = MessageBuilder::new(3);
    m.word(0, handle).array(1, 2, values);
    m.finish()
}

/// A request whose body is just these u32 words (destroy, remove, release, stats, single-handle
/// queries, change priority, mask).
#[must_use]
pub fn words(values: &[u32]) -> Vec<u8> {
    let mut m = MessageBuilder::new(values.len());
    for (i, v) in values.iter().enumerate() {
        m.word(i, *v);
    }
    m.finish()
}

/// `NPF_IPSecPolicy_Create`.
#[must_use]
pub fn policy_create(
    id: u32,
    action: Action,
    direction: Direction,
    selectors: &[Selector],
    spds: &[u32],
    priorities: &[u32],
) -> Vec<u8> {
    let mut m = MessageBuilder::new(9);
    m.word(0, id)
        .word(1, action.to_u32())
        .word(2, direction.to_u32())
        .selectors(3, 4, selectors)
        .array(5, 6, spds)
        .array(7, 8, priorities);
    m.finish()
}

/// `NPF_IPSecPolicy_BatchCreate`: (ID, action, selectors) per policy.
#[must_use]
pub fn policy_batch_create(
    policies: &[(u32, Action, &[Selector])],
    spd: u32,
    direction: Direction,
    priorities: &[u32],
) -> Vec<u8> {
    let mut m = MessageBuilder::new(5);
    let n = u32::try_from(policies.len()).unwrap_or(u32::MAX);
    let recs_off = m.append(&alloc::vec![0u8; POLICY_RECORD_LEN * policies.len()]);
    let prio_bytes: Vec<u8> = priorities.iter().flat_map(|v| v.to_le_bytes()).collect();
    let prio_off = m.append(&prio_bytes);
    for (i, (id, action, sels)) in policies.iter().enumerate() {
        let bytes: Vec<u8> = sels.iter().flat_map(encode_selector).collect();
        let off = m.append(&bytes);
        let at = usize::try_from(recs_off).unwrap_or(0) + i * POLICY_RECORD_LEN;
        let count = u32::try_from(sels.len()).unwrap_or(u32::MAX);
        m.put_at(at, &id.to_le_bytes())
            .put_at(at + 4, &action.to_u32().to_le_bytes())
            .put_at(at + 8, &count.to_le_bytes())
            .put_at(at + 12, &off.to_le_bytes());
    }
    m.word(0, n)
        .word(1, recs_off)
        .word(2, spd)
        .word(3, direction.to_u32())
        .word(4, prio_off);
    m.finish()
}

/// `NPF_IPSecPolicy_Bind`.
#[must_use]
pub fn policy_bind(policy: u32, spds: &[u32], priorities: &[u32]) -> Vec<u8> {
    let mut m = MessageBuilder::new(5);
    m.word(0, policy).array(1, 2, spds).array(3, 4, priorities);
    m.finish()
}

/// `NPF_IPSecPolicy_BatchBind`.
#[must_use]
pub fn policy_batch_bind(
    policies: &[u32],
    spd: u32,
    direction: Direction,
    priorities: &[u32],
) -> Vec<u8> {
    let mut m = MessageBuilder::new(5);
    m.array(0, 1, policies)
        .word(2, spd)
        .word(3, direction.to_u32());
    let bytes: Vec<u8> = priorities.iter().flat_map(|v| v.to_le_bytes()).collect();
    let off = m.append(&bytes);
    m.word(4, off);
    m.finish()
}

/// `NPF_IPSecPolicy_BatchUnBind`.
#[must_use]
pub fn policy_batch_unbind(policies: &[u32], spd: u32) -> Vec<u8> {
    let mut m = MessageBuilder::new(3);
    m.array(0, 1, policies).word(2, spd);
    m.finish()
}

/// `NPF_IPSecSA_Add`'s parameters for the builder.
#[derive(Clone, Copy, Debug)]
pub struct SaAdd<'a> {
    /// Policy handle.
    pub policy: u32,
    /// Caller's SA ID.
    pub sa_id: u32,
    /// The bundle.
    pub sas: &'a [SaParams<'a>],
    /// UDP ports.
    pub udp: UdpPorts,
    /// Selectors.
    pub selectors: &'a [Selector],
    /// Previous SA handle or 0.
    pub previous: u32,
    /// Direction.
    pub direction: Direction,
    /// Acquire context.
    pub acquire_context: u32,
    /// Vendor hint.
    pub vendor_hint: u32,
}

/// `NPF_IPSecSA_Add`.
#[must_use]
pub fn sa_add(req: &SaAdd<'_>) -> Vec<u8> {
    let mut m = MessageBuilder::new(11);
    let sa_off = m.append(&alloc::vec![0u8; SA_LEN * req.sas.len()]);
    m.selectors(5, 6, req.selectors);
    for (i, p) in req.sas.iter().enumerate() {
        let at = usize::try_from(sa_off).unwrap_or(0) + i * SA_LEN;
        let auth_off = m.append(p.auth_key);
        let enc_off = m.append(p.enc_key);
        let tunnel = !p.tunnel.src.is_unspecified() || !p.tunnel.dst.is_unspecified();
        m.put_at(at, &p.spi.to_le_bytes())
            .put_at(at + 4, &p.flow_label.to_le_bytes())
            .put_at(at + 8, &p.flags.to_le_bytes())
            .put_at(at + 12, &[p.auth_algo, p.enc_algo])
            .put_at(at + 16, &p.soft_kbytes.to_le_bytes())
            .put_at(at + 20, &p.hard_kbytes.to_le_bytes())
            .put_at(at + 24, &p.soft_secs.to_le_bytes())
            .put_at(at + 28, &p.hard_secs.to_le_bytes())
            .put_at(at + 68, &auth_off.to_le_bytes())
            .put_at(at + 72, &p.auth_key_bits.to_le_bytes())
            .put_at(at + 76, &enc_off.to_le_bytes())
            .put_at(at + 80, &p.enc_key_bits.to_le_bytes())
            .put_at(at + 82, &[p.replay_window]);
        if tunnel {
            m.put_at(at + 32, &[p.tunnel.dst.version()])
                .put_at(at + 36, &addr16(&p.tunnel.src))
                .put_at(at + 52, &addr16(&p.tunnel.dst));
        }
    }
    let ports = u32::from(req.udp.src) | (u32::from(req.udp.dst) << 16);
    m.word(0, req.policy)
        .word(1, req.sa_id)
        .word(2, u32::try_from(req.sas.len()).unwrap_or(u32::MAX))
        .word(3, sa_off)
        .word(4, ports)
        .word(7, req.previous)
        .word(8, req.direction.to_u32())
        .word(9, req.acquire_context)
        .word(10, req.vendor_hint);
    m.finish()
}

/// `NPF_IPSecInSA_ReserveSPI`.
#[must_use]
pub fn spi_reserve(policy: u32, selectors: &[Selector]) -> Vec<u8> {
    let mut m = MessageBuilder::new(3);
    m.word(0, policy).selectors(1, 2, selectors);
    m.finish()
}

/// `NPF_IPSecRateLimitEvents`.
#[must_use]
pub fn rate_limit(limits: &[EventLimit]) -> Vec<u8> {
    let mut m = MessageBuilder::new(2);
    let mut bytes = Vec::with_capacity(EVENT_LIMIT_LEN * limits.len());
    for l in limits {
        let (t, v) = match l.limit {
            RateLimit::None => (0u32, 0u32),
            RateLimit::PerSecond(n) => (1, n),
            RateLimit::EveryN(n) => (2, n),
        };
        for w in [l.event, t, v] {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
    }
    let off = m.append(&bytes);
    m.word(0, u32::try_from(limits.len()).unwrap_or(u32::MAX))
        .word(1, off);
    m.finish()
}

/// The test family's OID request.
#[must_use]
pub fn test_oid(module: &str, oid: u32, kind: OidKind, info: &[u8], info_len: u32) -> Vec<u8> {
    let mut m = MessageBuilder::new(7);
    let name = m.append(module.as_bytes());
    let data = m.append(info);
    let k = match kind {
        OidKind::Set => 0,
        OidKind::Query => 1,
        OidKind::Method => 2,
    };
    m.word(0, u32::try_from(module.len()).unwrap_or(u32::MAX))
        .word(1, name)
        .word(2, oid)
        .word(3, k)
        .word(4, u32::try_from(info.len()).unwrap_or(u32::MAX))
        .word(5, data)
        .word(6, info_len);
    m.finish()
}

/// The test family's injection.
#[must_use]
pub fn test_inject(module: &str, path: InjectPath, frame: &[u8]) -> Vec<u8> {
    let mut m = MessageBuilder::new(5);
    let name = m.append(module.as_bytes());
    let data = m.append(frame);
    m.word(0, u32::try_from(module.len()).unwrap_or(u32::MAX))
        .word(1, name)
        .word(2, u32::from(path == InjectPath::Receive))
        .word(3, u32::try_from(frame.len()).unwrap_or(u32::MAX))
        .word(4, data);
    m.finish()
}

/// The test family's request for a module's statistics.
#[must_use]
pub fn test_module_stats(module: &str) -> Vec<u8> {
    let mut m = MessageBuilder::new(2);
    let name = m.append(module.as_bytes());
    m.word(0, u32::try_from(module.len()).unwrap_or(u32::MAX))
        .word(1, name);
    m.finish()
}

/// A parsed response: NPF status, failed element index, body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response<'a> {
    /// `NPF_NO_ERROR` or the NPF code.
    pub status: u32,
    /// The failed element of a batch (0 otherwise).
    pub index: u32,
    /// The body.
    pub body: Reader<'a>,
}

/// Parses a response of `n` bytes written into `out`.
pub fn parse(out: &[u8]) -> Result<Response<'_>, Fault> {
    let r = Reader::new(out);
    if r.u16(0)? != PROTOCOL_VERSION {
        return Err(Fault::Version(r.u16(0)?));
    }
    let len = usize::try_from(r.u32(4)?).map_err(|_| Fault::LengthMismatch)?;
    let all = r.slice(0, len).map_err(|_| Fault::LengthMismatch)?;
    let body = all.get(RESPONSE_HEADER_LEN..).ok_or(Fault::TooShort)?;
    Ok(Response {
        status: r.u32(8)?,
        index: r.u32(12)?,
        body: Reader::new(body),
    })
}

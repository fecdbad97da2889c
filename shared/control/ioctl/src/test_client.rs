//! The user-mode side of the test family: builders of `TestOid` and `TestInject` requests (the
//! layouts `request::test` and `request::inject` check) and readers of their answers
//! (`dispatch::test`).

use alloc::vec::Vec;

use crate::client::MessageBuilder;
use crate::dispatch::{
    NblOutcome, OidAnswer, FRAME_PREFIX_LEN, INJECT_PREFIX_LEN, INJECT_RECORD_LEN, OID_PREFIX_LEN,
};
use crate::error::{Fault, Field};
use crate::request::{InjectInfo, InjectPath, OidKind};
use crate::wire::Reader;

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The `TestOffload` request of `module`: its hardware capabilities, else its current
/// configuration.
#[must_use]
pub fn test_offload(module: &str, hardware: bool) -> Vec<u8> {
    let mut m = MessageBuilder::new(3);
    let name = m.append(module.as_bytes());
    m.word(0, len32(module.len()))
        .word(1, name)
        .word(2, u32::from(hardware));
    m.finish()
}

/// Reads a `TestOffload` answer's body: the NTSTATUS and the `NDIS_OFFLOAD` bytes.
pub fn read_offload(body: &Reader<'_>) -> Result<(u32, Vec<u8>), Fault> {
    let ntstatus = body.u32(0)?;
    let n = usize::try_from(body.u32(4)?).map_err(|_| Fault::CountTooLarge(Field::Payload))?;
    Ok((ntstatus, body.slice(8, n)?.to_vec()))
}

/// An OID request for `TestOid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestOid<'a> {
    /// The module's name.
    pub module: &'a str,
    /// The OID.
    pub oid: u32,
    /// Set, query or method.
    pub kind: OidKind,
    /// The InformationBuffer's input bytes.
    pub info: &'a [u8],
    /// InformationBufferLength (at least `info.len()`).
    pub info_len: u32,
    /// The address `info` was built at (its list's `Next` links are relative to it).
    pub base: u64,
    /// On the direct OID path.
    pub direct: bool,
}

/// The `TestOid` request of `r`.
#[must_use]
pub fn oid_request(r: &TestOid<'_>) -> Vec<u8> {
    let mut m = MessageBuilder::new(10);
    let name = m.append(r.module.as_bytes());
    let data = m.append(r.info);
    let k = match r.kind {
        OidKind::Set => 0,
        OidKind::Query => 1,
        OidKind::Method => 2,
    };
    m.word(0, len32(r.module.len()))
        .word(1, name)
        .word(2, r.oid)
        .word(3, k)
        .word(4, len32(r.info.len()))
        .word(5, data)
        .word(6, r.info_len)
        .word(7, r.base as u32)
        .word(8, (r.base >> 32) as u32)
        .word(9, u32::from(r.direct));
    m.finish()
}

/// A `TestOid` request on the regular path whose buffer has no list (base 0).
#[must_use]
pub fn test_oid(module: &str, oid: u32, kind: OidKind, info: &[u8], info_len: u32) -> Vec<u8> {
    oid_request(&TestOid {
        module,
        oid,
        kind,
        info,
        info_len,
        base: 0,
        direct: false,
    })
}

/// One NET_BUFFER to inject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestNb {
    /// The frame (`DataLength` bytes).
    pub frame: Vec<u8>,
    /// `DataOffset`.
    pub data_offset: u32,
    /// Each MDL's `ByteCount` (their sum at least `data_offset + frame.len()`).
    pub mdl_sizes: Vec<u32>,
}

impl TestNb {
    /// `frame` in one MDL of its own length.
    #[must_use]
    pub fn flat(frame: &[u8]) -> Self {
        Self {
            frame: frame.to_vec(),
            data_offset: 0,
            mdl_sizes: alloc::vec![len32(frame.len())],
        }
    }
}

/// One NBL to inject.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestNbl {
    /// Its NBL information.
    pub info: InjectInfo,
    /// Its NET_BUFFERs.
    pub nbs: Vec<TestNb>,
}

/// The NBL records of `nbls` (`request::inject`'s layout).
#[must_use]
pub fn inject_records(nbls: &[TestNbl]) -> Vec<u8> {
    let mut b = Vec::new();
    for nbl in nbls {
        b.extend_from_slice(&nbl.info.ipsec.to_le_bytes());
        b.extend_from_slice(&nbl.info.tunnel.to_le_bytes());
        for w in [
            nbl.info.header,
            nbl.info.checksum,
            nbl.info.nbl_flags,
            len32(nbl.nbs.len()),
        ] {
            b.extend_from_slice(&w.to_le_bytes());
        }
        for nb in &nbl.nbs {
            for w in [
                len32(nb.frame.len()),
                nb.data_offset,
                len32(nb.mdl_sizes.len()),
                0,
            ] {
                b.extend_from_slice(&w.to_le_bytes());
            }
            for s in &nb.mdl_sizes {
                b.extend_from_slice(&s.to_le_bytes());
            }
            b.extend_from_slice(&nb.frame);
            while !b.len().is_multiple_of(4) {
                b.push(0);
            }
        }
    }
    b
}

/// The `TestInject` request of `nbls` on `path`.
#[must_use]
pub fn test_inject(module: &str, path: InjectPath, nbls: &[TestNbl]) -> Vec<u8> {
    let records = inject_records(nbls);
    let mut m = MessageBuilder::new(6);
    let name = m.append(module.as_bytes());
    let at = m.append(&records);
    m.word(0, len32(module.len()))
        .word(1, name)
        .word(2, u32::from(path == InjectPath::Receive))
        .word(3, len32(nbls.len()))
        .word(4, len32(records.len()))
        .word(5, at);
    m.finish()
}

/// A `TestOid` answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidReply {
    /// The test operation's NTSTATUS (0: carried out).
    pub ntstatus: u32,
    /// The module's results.
    pub answer: OidAnswer,
    /// The InformationBuffer as the module left it.
    pub info: Vec<u8>,
}

/// Reads a `TestOid` answer's body. A refused test (NTSTATUS not 0) has no results.
pub fn read_oid(body: &Reader<'_>) -> Result<OidReply, Fault> {
    let ntstatus = body.u32(0)?;
    if ntstatus != 0 {
        return Ok(OidReply {
            ntstatus,
            answer: OidAnswer::default(),
            info: Vec::new(),
        });
    }
    let answer = OidAnswer {
        status: body.u32(4)?,
        bytes_read: body.u32(8)?,
        bytes_written: body.u32(12)?,
        bytes_needed: body.u32(16)?,
    };
    let n = usize::try_from(body.u32(20)?).map_err(|_| Fault::CountTooLarge(Field::Payload))?;
    let info = body.slice(OID_PREFIX_LEN, n)?.to_vec();
    Ok(OidReply {
        ntstatus,
        answer,
        info,
    })
}

/// A `TestInject` answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InjectReply {
    /// The test operation's NTSTATUS (0: carried out).
    pub ntstatus: u32,
    /// What became of each injected NBL, in order.
    pub nbls: Vec<NblOutcome>,
    /// The frames (sent down, or indicated up NBL by NBL).
    pub frames: Vec<Vec<u8>>,
    /// Each frame's NBL's `TcpIpChecksumNetBufferListInfo` (a frame sent down: the checksums
    /// left to the miniport), in the order of `frames`.
    pub checksums: Vec<u32>,
}

/// Reads a `TestInject` answer's body.
pub fn read_inject(body: &Reader<'_>) -> Result<InjectReply, Fault> {
    let ntstatus = body.u32(0)?;
    if ntstatus != 0 {
        return Ok(InjectReply {
            ntstatus,
            nbls: Vec::new(),
            frames: Vec::new(),
            checksums: Vec::new(),
        });
    }
    let count = |at| usize::try_from(body.u32(at)?).map_err(|_| Fault::CountTooLarge(Field::Body));
    let n = count(4)?;
    let f = count(8)?;
    let mut nbls = Vec::new();
    for i in 0..n {
        let at = INJECT_PREFIX_LEN + i * INJECT_RECORD_LEN;
        nbls.push(NblOutcome {
            fate: body.u32(at)?,
            status: body.u32(at + 4)?,
            ipsec: u64::from(body.u32(at + 8)?) | (u64::from(body.u32(at + 12)?) << 32),
            header: body.u32(at + 16)?,
            frames: body.u32(at + 20)?,
        });
    }
    let mut at = INJECT_PREFIX_LEN + n * INJECT_RECORD_LEN;
    let mut frames = Vec::new();
    let mut checksums = Vec::new();
    for _ in 0..f {
        let len =
            usize::try_from(body.u32(at)?).map_err(|_| Fault::CountTooLarge(Field::Payload))?;
        checksums.push(body.u32(at + 4)?);
        frames.push(body.slice(at + FRAME_PREFIX_LEN, len)?.to_vec());
        at = (at + FRAME_PREFIX_LEN + len + 3) & !3;
    }
    Ok(InjectReply {
        ntstatus,
        nbls,
        frames,
        checksums,
    })
}

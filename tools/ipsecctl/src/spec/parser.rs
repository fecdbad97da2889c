//! The parser of one specification: a cursor over the tokens and what has been read so far,
//! one function per keyword group, and the checks that need the whole specification.

use std::net::IpAddr;

use super::algorithms::{resolve_transform, AlgoItem};
use super::cursor::{set_once, Cursor};
use super::error::{SpecError, SpecErrorKind};
use super::lexer::parse_key;
use super::model::{Direction, Encap, Flags, Limits, Mode, Prefix, SaSpec, Selector, XfrmProto};
use super::options::{parse_dir, parse_extra_flags, parse_flags, parse_limits};
use super::selector::parse_selector;

/// The replay and sequence-number state given by `replay-window`, `replay-seq[-hi]` and
/// `replay-oseq[-hi]`.
#[derive(Default)]
struct Replay {
    window: Option<u32>,
    seq: Option<u32>,
    seq_hi: Option<u32>,
    oseq: Option<u32>,
    oseq_hi: Option<u32>,
}

/// One specification being parsed: each keyword's value once it has been read.
pub(super) struct SaParser<'a> {
    cur: Cursor<'a>,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    /// Position of the SA's `dst` token, for family errors.
    dst_pos: usize,
    proto: Option<XfrmProto>,
    spi: Option<u32>,
    mode: Option<Mode>,
    reqid: Option<u32>,
    replay: Replay,
    flags: Flags,
    ignored: Vec<String>,
    sel: Option<Selector>,
    limits: Limits,
    encap: Option<Encap>,
    dir: Option<Direction>,
    algos: Vec<AlgoItem>,
}

impl<'a> SaParser<'a> {
    /// A parser of `tokens` after a leading `ip xfrm state add|update` (skipped when the whole
    /// prefix is there, so that pasted command lines work).
    pub(super) fn new(tokens: &'a [String]) -> Self {
        Self {
            cur: Cursor {
                tokens,
                pos: command_prefix_len(tokens),
            },
            src: None,
            dst: None,
            dst_pos: 0,
            proto: None,
            spi: None,
            mode: None,
            reqid: None,
            replay: Replay::default(),
            flags: Flags::default(),
            ignored: Vec::new(),
            sel: None,
            limits: Limits::default(),
            encap: None,
            dir: None,
            algos: Vec::new(),
        }
    }

    /// Reads every keyword, then checks and builds the SA.
    pub(super) fn parse(mut self) -> Result<SaSpec, SpecError> {
        if self.cur.peek().is_none() {
            return Err(SpecError::whole(SpecErrorKind::Empty));
        }
        while let Some(tok) = self.cur.next() {
            self.keyword(tok)?;
        }
        self.finish()
    }

    /// One keyword (just read) and its values.
    fn keyword(&mut self, tok: &'a str) -> Result<(), SpecError> {
        match tok {
            "src" | "dst" | "proto" | "spi" | "mode" => self.identity(tok),
            "enc" | "auth" | "auth-trunc" | "aead" | "comp" => self.algorithm(tok),
            "reqid" | "seq" | "replay-window" | "replay-seq" | "replay-seq-hi" | "replay-oseq"
            | "replay-oseq-hi" => self.sequence(tok),
            "flag" => parse_flags(&mut self.cur, &mut self.flags, &mut self.ignored),
            "extra-flag" => parse_extra_flags(&mut self.cur),
            "sel" => self.selector(),
            "limit" => parse_limits(&mut self.cur, &mut self.limits),
            "encap" => self.encap(),
            "mark" | "output-mark" | "if_id" | "ctx" | "offload" | "dir" => self.host_option(tok),
            "coa" | "tfcpad" => self.unimplemented(tok),
            "ip" => Err(self.cur.err_prev(SpecErrorKind::Invalid(
                "a command line must read `ip [-4|-6|-f FAMILY] xfrm state add|update` followed \
                 by the SA (or give the SA alone, from `src`)"
                    .into(),
            ))),
            _ => Err(self.cur.err_prev(SpecErrorKind::UnknownKeyword)),
        }
    }

    /// What names the SA: `src`, `dst`, `proto`, `spi`, `mode`.
    fn identity(&mut self, tok: &str) -> Result<(), SpecError> {
        let cur = &mut self.cur;
        match tok {
            "src" => {
                let a = cur.addr("address")?;
                set_once(&mut self.src, a, cur, "src")
            }
            "dst" => {
                let a = cur.addr("address")?;
                self.dst_pos = cur.pos;
                set_once(&mut self.dst, a, cur, "dst")
            }
            "proto" => {
                let p = match cur.value("XFRM-PROTO (esp or ah)")? {
                    "esp" | "50" => XfrmProto::Esp,
                    "ah" | "51" => XfrmProto::Ah,
                    "comp" | "route2" | "hao" | "108" | "43" | "60" => {
                        return Err(cur.err_prev(SpecErrorKind::Unsupported(
                            "only proto esp and proto ah are implemented".into(),
                        )))
                    }
                    _ => {
                        return Err(cur.err_prev(SpecErrorKind::Invalid(
                            "XFRM-PROTO must be esp or ah".into(),
                        )))
                    }
                };
                set_once(&mut self.proto, p, cur, "proto")
            }
            "spi" => {
                let v = cur.u32("SPI")?;
                if v == 0 {
                    return Err(cur.err_prev(SpecErrorKind::Invalid(
                        "SPI 0 is reserved and never sent on the wire (RFC 4303 §2.1)".into(),
                    )));
                }
                set_once(&mut self.spi, v, cur, "spi")
            }
            _ => {
                let m = match cur.value("MODE")? {
                    "transport" => Mode::Transport,
                    "tunnel" => Mode::Tunnel,
                    "beet" | "ro" | "in_trigger" => {
                        return Err(cur.err_prev(SpecErrorKind::Unsupported(
                            "only mode transport and mode tunnel are implemented".into(),
                        )))
                    }
                    _ => {
                        return Err(cur.err_prev(SpecErrorKind::Invalid(
                            "MODE must be transport or tunnel".into(),
                        )))
                    }
                };
                set_once(&mut self.mode, m, cur, "mode")
            }
        }
    }

    /// An algorithm item: `enc|auth NAME KEY`, `auth-trunc NAME KEY BITS`,
    /// `aead NAME KEY ICV-BITS`; `comp` is refused. Resolved in [`finish`](Self::finish).
    fn algorithm(&mut self, tok: &str) -> Result<(), SpecError> {
        let cur = &mut self.cur;
        let kind: &'static str = match tok {
            "enc" => "enc",
            "auth" => "auth",
            "auth-trunc" => "auth-trunc",
            "aead" => "aead",
            _ => "comp",
        };
        if kind == "comp" {
            return Err(cur.err_prev(SpecErrorKind::Unsupported(
                "IPComp (comp) is not implemented".into(),
            )));
        }
        let name = cur.value("ALGO-NAME")?.to_string();
        let name_pos = cur.pos;
        let key_text = cur.value("ALGO-KEYMAT")?;
        let key_pos = cur.pos;
        let key = parse_key(key_text).map_err(|why| cur.err_prev(SpecErrorKind::BadKey(why)))?;
        let bits = match kind {
            "auth-trunc" => Some((cur.u32("ALGO-TRUNC-LEN (bits)")?, cur.pos)),
            "aead" => Some((cur.u32("ALGO-ICV-LEN (bits)")?, cur.pos)),
            _ => None,
        };
        self.algos.push(AlgoItem {
            kind,
            name,
            name_pos,
            key,
            key_pos,
            bits,
        });
        Ok(())
    }

    /// Request id and sequence numbers: `reqid`, `seq` (ignored), `replay-window`,
    /// `replay-seq[-hi]`, `replay-oseq[-hi]`.
    fn sequence(&mut self, tok: &str) -> Result<(), SpecError> {
        let cur = &mut self.cur;
        let replay = &mut self.replay;
        match tok {
            "reqid" => {
                let v = cur.u32("REQID")?;
                set_once(&mut self.reqid, v, cur, "reqid")
            }
            "seq" => {
                // The netlink/acquire sequence number: no effect on packets.
                cur.u32("SEQ")?;
                self.ignored.push("seq".into());
                Ok(())
            }
            "replay-window" => {
                let v = cur.u32("SIZE")?;
                set_once(&mut replay.window, v, cur, "replay-window")
            }
            "replay-seq" => {
                let v = cur.u32("SEQ")?;
                set_once(&mut replay.seq, v, cur, "replay-seq")
            }
            "replay-seq-hi" => {
                let v = cur.u32("SEQ")?;
                set_once(&mut replay.seq_hi, v, cur, "replay-seq-hi")
            }
            "replay-oseq" => {
                let v = cur.u32("SEQ")?;
                set_once(&mut replay.oseq, v, cur, "replay-oseq")
            }
            _ => {
                let v = cur.u32("SEQ")?;
                set_once(&mut replay.oseq_hi, v, cur, "replay-oseq-hi")
            }
        }
    }

    /// `sel SELECTOR`, at most once.
    fn selector(&mut self) -> Result<(), SpecError> {
        if self.sel.is_some() {
            return Err(self.cur.err_prev(SpecErrorKind::Duplicate("sel")));
        }
        self.sel = Some(parse_selector(&mut self.cur)?);
        Ok(())
    }

    /// `encap espinudp SPORT DPORT OADDR` (the other encapsulations are refused).
    fn encap(&mut self) -> Result<(), SpecError> {
        let cur = &mut self.cur;
        match cur.value("ENCAP-TYPE")? {
            "espinudp" => {}
            "espinudp-nonike" | "espintcp" => {
                return Err(cur.err_prev(SpecErrorKind::Unsupported(
                    "only encap espinudp (RFC 3948) is implemented".into(),
                )))
            }
            _ => {
                return Err(cur.err_prev(SpecErrorKind::Invalid(
                    "ENCAP-TYPE must be espinudp, espinudp-nonike or espintcp".into(),
                )))
            }
        }
        let sport = cur.u16("SPORT")?;
        let dport = cur.u16("DPORT")?;
        let oaddr = cur.addr("OADDR")?;
        let encap = Encap {
            sport,
            dport,
            oaddr,
        };
        set_once(&mut self.encap, encap, cur, "encap")
    }

    /// Options about the host rather than the packets: `mark`, `output-mark`, `if_id`, `ctx`
    /// and `offload` are read and listed as ignored; `dir` (alone or inside `offload`) is kept.
    fn host_option(&mut self, tok: &str) -> Result<(), SpecError> {
        let cur = &mut self.cur;
        match tok {
            "mark" | "output-mark" => {
                let what = if tok == "mark" { "mark" } else { "output-mark" };
                cur.u32("MARK")?;
                if cur.peek() == Some("mask") {
                    cur.next();
                    cur.u32("MASK")?;
                }
                self.ignored.push(what.into());
            }
            "if_id" => {
                cur.u32("IF_ID")?;
                self.ignored.push("if_id".into());
            }
            "ctx" => {
                cur.value("CTX")?;
                self.ignored.push("ctx".into());
            }
            "offload" => {
                // offload [crypto|packet] dev DEV dir in|out: this tool is the offload.
                if matches!(cur.peek(), Some("crypto" | "packet")) {
                    cur.next();
                }
                while let Some(t) = cur.peek() {
                    match t {
                        "dev" => {
                            cur.next();
                            cur.value("DEV")?;
                        }
                        "dir" => {
                            cur.next();
                            let d = parse_dir(cur)?;
                            set_once(&mut self.dir, d, cur, "dir")?;
                        }
                        _ => break,
                    }
                }
                self.ignored.push("offload".into());
            }
            _ => {
                let d = parse_dir(cur)?;
                set_once(&mut self.dir, d, cur, "dir")?;
            }
        }
        Ok(())
    }

    /// Keywords for what the engine does not do: `coa`, and `tfcpad` other than 0.
    fn unimplemented(&mut self, tok: &str) -> Result<(), SpecError> {
        let cur = &mut self.cur;
        if tok == "coa" {
            return Err(cur.err_prev(SpecErrorKind::Unsupported(
                "coa (care-of address, Mobile IPv6 route optimisation) is not implemented".into(),
            )));
        }
        let v = cur.u32("LENGTH")?;
        if v != 0 {
            return Err(cur.err_prev(SpecErrorKind::Unsupported(
                "TFC padding (tfcpad) is not implemented".into(),
            )));
        }
        Ok(())
    }

    /// The checks that need the whole specification, and the SA.
    fn finish(self) -> Result<SaSpec, SpecError> {
        let tokens = self.cur.tokens;
        let src = self
            .src
            .ok_or_else(|| SpecError::whole(SpecErrorKind::Missing("src ADDR")))?;
        let dst = self
            .dst
            .ok_or_else(|| SpecError::whole(SpecErrorKind::Missing("dst ADDR")))?;
        if src.is_ipv4() != dst.is_ipv4() {
            return Err(SpecError {
                position: Some(self.dst_pos),
                token: tokens.get(self.dst_pos.saturating_sub(1)).cloned(),
                kind: SpecErrorKind::FamilyMismatch("SA"),
            });
        }
        let proto = self
            .proto
            .ok_or_else(|| SpecError::whole(SpecErrorKind::Missing("proto esp|ah")))?;
        let spi = self
            .spi
            .ok_or_else(|| SpecError::whole(SpecErrorKind::Missing("spi SPI")))?;
        let mode = self.mode.unwrap_or(Mode::Transport);
        let transform = resolve_transform(proto, &self.algos, tokens)?;
        check_encap(proto, self.encap.as_ref())?;
        if mode == Mode::Transport {
            check_transport_selector(src, self.sel.as_ref())?;
        }
        let replay_seq_hi = self.replay.seq_hi.unwrap_or(0);
        let replay_oseq_hi = self.replay.oseq_hi.unwrap_or(0);
        if !self.flags.esn && (replay_seq_hi != 0 || replay_oseq_hi != 0) {
            return Err(SpecError::whole(SpecErrorKind::Combination(
                "replay-seq-hi / replay-oseq-hi need flag esn".into(),
            )));
        }
        Ok(SaSpec {
            src,
            dst,
            proto,
            spi,
            mode,
            transform,
            reqid: self.reqid.unwrap_or(0),
            replay_window: self.replay.window.unwrap_or(0),
            replay_seq: self.replay.seq.unwrap_or(0),
            replay_seq_hi,
            replay_oseq: self.replay.oseq.unwrap_or(0),
            replay_oseq_hi,
            flags: self.flags,
            ignored: self.ignored,
            sel: self.sel,
            limits: self.limits,
            encap: self.encap,
            dir: self.dir,
        })
    }
}

/// How many leading tokens are the command `ip [OPTIONS] xfrm state add|update`, where OPTIONS
/// are the family options of iproute2 (`-4`, `-6`, `-f FAMILY`, `-family FAMILY`): all of them
/// when the whole prefix is there, else 0 (a partial prefix is left for the parser to name).
fn command_prefix_len(tokens: &[String]) -> usize {
    let t = |i: usize| tokens.get(i).map(String::as_str);
    if t(0) != Some("ip") {
        return 0;
    }
    let mut i = 1;
    loop {
        match t(i) {
            Some("-4" | "-6") => i += 1,
            Some("-f" | "-family") => i += 2,
            _ => break,
        }
    }
    if t(i) == Some("xfrm")
        && t(i + 1) == Some("state")
        && matches!(t(i + 2), Some("add" | "update"))
    {
        i + 3
    } else {
        0
    }
}

/// `encap espinudp` only on ESP, with non-zero ports.
fn check_encap(proto: XfrmProto, encap: Option<&Encap>) -> Result<(), SpecError> {
    let Some(e) = encap else {
        return Ok(());
    };
    if proto != XfrmProto::Esp {
        return Err(SpecError::whole(SpecErrorKind::Combination(
            "encap espinudp is only for proto esp".into(),
        )));
    }
    if e.sport == 0 || e.dport == 0 {
        return Err(SpecError::whole(SpecErrorKind::Invalid(
            "encap espinudp ports must not be 0".into(),
        )));
    }
    Ok(())
}

/// In transport mode the selector's addresses are of the SA's family (`src`).
fn check_transport_selector(src: IpAddr, sel: Option<&Selector>) -> Result<(), SpecError> {
    let Some(s) = sel else {
        return Ok(());
    };
    let fam_ok = |p: &Option<Prefix>| p.is_none_or(|p| p.addr.is_ipv4() == src.is_ipv4());
    if !fam_ok(&s.src) || !fam_ok(&s.dst) {
        return Err(SpecError::whole(SpecErrorKind::Invalid(
            "in transport mode the selector must be of the SA's address family".into(),
        )));
    }
    Ok(())
}

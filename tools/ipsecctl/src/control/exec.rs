//! Running one control command on a [`Session`]: the call(s) on the adapter's client and the
//! result as text and as a JSON value.

use npf_ipsec_sapi::abi::ALL_EVENTS;
use npf_ipsec_sapi::model::{
    Action, Direction, Event, PacketFields, Policy, PolicyHandle, SaAdd, SaBundleStats, SaHandle,
    SaParams, SpdBindings, SpdHandle,
};
use npf_ipsec_sapi::transport::Transport;
use npf_ipsec_sapi::{CallError, Client};
use serde_json::{json, Value};

use super::args::{ActionArg, ControlCommand, Dir, PolicyOp, Ref, SaOp, SpdOp, StatsOp};
use super::error::ControlError;
use super::sa::{algorithm_names, parse_sa};
use super::selector::{ip_text, parse_selector, selector_text};
use super::Session;
use crate::spec;

/// What a command printed: the text form and the JSON form.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Lines for a person (ending in a newline, or empty).
    pub text: String,
    /// The same for a program.
    pub json: Value,
}

impl Output {
    fn new(text: String, json: Value) -> Self {
        Self { text, json }
    }
}

fn call<T>(command: &'static str, r: Result<T, CallError>) -> Result<T, ControlError> {
    r.map_err(|error| ControlError::Call { command, error })
}

fn direction(d: Dir) -> Direction {
    match d {
        Dir::In => Direction::Inbound,
        Dir::Out => Direction::Outbound,
    }
}

fn dir_name(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "in",
        Direction::Outbound => "out",
    }
}

fn action_name(a: Action) -> String {
    match a {
        Action::Protect => "protect".into(),
        Action::Bypass => "bypass".into(),
        Action::Discard => "discard".into(),
        Action::Other(v) => format!("other({v})"),
    }
}

type C = Client<Box<dyn Transport>>;

fn unknown_id(command: &'static str, what: &str, id: u32) -> ControlError {
    ControlError::Argument(format!("{command}: no {what} has the ID {id}"))
}

/// The SPD handle of a reference.
fn spd_ref(c: &mut C, command: &'static str, r: Ref) -> Result<SpdHandle, ControlError> {
    match r {
        Ref::Handle(h) => Ok(SpdHandle(h)),
        Ref::Id(id) => {
            let v = call(command, c.query_spd_handle(&[id]))?;
            v.first()
                .map(|i| i.handle)
                .filter(|h| *h != SpdHandle::INVALID)
                .ok_or_else(|| unknown_id(command, "SPD", id))
        }
    }
}

/// The policy handle of a reference.
fn policy_ref(c: &mut C, command: &'static str, r: Ref) -> Result<PolicyHandle, ControlError> {
    match r {
        Ref::Handle(h) => Ok(PolicyHandle(h)),
        Ref::Id(id) => {
            let v = call(command, c.query_policy_handle(&[id]))?;
            v.first()
                .map(|i| i.handle)
                .filter(|h| *h != PolicyHandle::INVALID)
                .ok_or_else(|| unknown_id(command, "policy", id))
        }
    }
}

/// The SA handle of a reference (an ID is looked up within `policy`).
fn sa_ref(
    c: &mut C,
    command: &'static str,
    policy: Option<PolicyHandle>,
    r: Ref,
) -> Result<SaHandle, ControlError> {
    match (r, policy) {
        (Ref::Handle(h), _) => Ok(SaHandle(h)),
        (Ref::Id(id), Some(p)) => {
            let v = call(command, c.query_sa_handle(p, &[id]))?;
            v.first()
                .map(|i| i.handle)
                .filter(|h| *h != SaHandle::INVALID)
                .ok_or_else(|| unknown_id(command, "SA of the policy", id))
        }
        (Ref::Id(_), None) => Err(ControlError::Argument(format!(
            "{command}: an SA given as @ID needs --policy"
        ))),
    }
}

fn spd_refs(c: &mut C, command: &'static str, rs: &[Ref]) -> Result<Vec<SpdHandle>, ControlError> {
    rs.iter().map(|r| spd_ref(c, command, *r)).collect()
}

fn spd_priority(c: &mut C, s: &str) -> Result<(SpdHandle, u32), ControlError> {
    let bad = || ControlError::Argument(format!("bad --spd {s:?} (SPD or SPD:PRIORITY)"));
    let (h, p) = s.split_once(':').unwrap_or((s, "0"));
    let r: Ref = h.parse().map_err(|_| bad())?;
    Ok((spd_ref(c, "policy add", r)?, p.parse().map_err(|_| bad())?))
}

/// Runs `cmd`; each result goes to `emit` (`monitor` emits one per event).
pub fn execute(
    session: &mut Session,
    cmd: &ControlCommand,
    emit: &mut dyn FnMut(&Output) -> Result<(), ControlError>,
) -> Result<(), ControlError> {
    match cmd {
        ControlCommand::Spd { op, .. } => emit(&spd(session, op)?),
        ControlCommand::Policy { op, .. } => emit(&policy(session, op)?),
        ControlCommand::Sa { op, .. } => emit(&sa(session, op)?),
        ControlCommand::Stats { op, .. } => emit(&stats(session, op)?),
        ControlCommand::Monitor(m) => loop {
            let events = call("monitor", session.client.poll_events())?;
            for e in &events {
                emit(&event(e))?;
            }
            if !m.follow {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        },
    }
}

fn handle_out(what: &str, h: u32) -> Output {
    Output::new(format!("{what} {h}\n"), json!({ "handle": h }))
}

fn done(what: &str) -> Output {
    Output::new(format!("{what}\n"), json!({ "ok": true }))
}

fn spd(s: &mut Session, op: &SpdOp) -> Result<Output, ControlError> {
    let c = &mut s.client;
    Ok(match op {
        SpdOp::Create { dir, id, ifs } => {
            let h = call("spd create", c.spd_create(direction(*dir), ifs, *id))?;
            handle_out("spd", h.0)
        }
        SpdOp::Destroy { handles } => {
            let hs = spd_refs(c, "spd destroy", handles)?;
            call("spd destroy", c.spd_destroy(&hs))?;
            done("destroyed")
        }
        SpdOp::Flush { handles } => {
            let hs = spd_refs(c, "spd flush", handles)?;
            call("spd flush", c.spd_flush(&hs))?;
            done("flushed")
        }
        SpdOp::Bind { handle, ifs } => {
            let h = spd_ref(c, "spd bind", *handle)?;
            call("spd bind", c.spd_bind(h, ifs))?;
            done("bound")
        }
        SpdOp::Unbind { handle, ifs } => {
            let h = spd_ref(c, "spd unbind", *handle)?;
            call("spd unbind", c.spd_unbind(h, ifs))?;
            done("unbound")
        }
        SpdOp::List => {
            let spds = call("spd list", c.query_all_spds())?;
            let (mut text, mut arr) = (String::new(), Vec::new());
            for spd in spds {
                let b = call("spd list", c.query_all_spd_bindings(spd.handle))?;
                let (ifs_text, ifs_json) = match b {
                    SpdBindings::All => ("all".to_owned(), json!("all")),
                    SpdBindings::Interfaces(v) => (
                        v.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
                        json!(v),
                    ),
                };
                let d = spd.direction.map_or("?", dir_name);
                text += &format!("spd {} id {} dir {d} if {ifs_text}\n", spd.handle.0, spd.id);
                arr.push(json!({
                    "handle": spd.handle.0, "id": spd.id, "dir": d, "interfaces": ifs_json,
                }));
            }
            Output::new(text, json!({ "spds": arr }))
        }
    })
}

fn policy(s: &mut Session, op: &PolicyOp) -> Result<Output, ControlError> {
    let c = &mut s.client;
    Ok(match op {
        PolicyOp::Add {
            id,
            action,
            dir,
            spds,
            selectors,
        } => {
            let selectors = selectors
                .iter()
                .map(|t| parse_selector(t))
                .collect::<Result<Vec<_>, _>>()?;
            let spds = spds
                .iter()
                .map(|t| spd_priority(c, t))
                .collect::<Result<Vec<_>, _>>()?;
            let policy = Policy {
                id: *id,
                action: match action {
                    ActionArg::Protect => Action::Protect,
                    ActionArg::Bypass => Action::Bypass,
                    ActionArg::Discard => Action::Discard,
                },
                selectors,
            };
            let h = call(
                "policy add",
                c.policy_create(&policy, &spds, direction(*dir)),
            )?;
            handle_out("policy", h.0)
        }
        PolicyOp::Bind { handle, spds } => {
            let h = policy_ref(c, "policy bind", *handle)?;
            let spds = spds
                .iter()
                .map(|t| spd_priority(c, t))
                .collect::<Result<Vec<_>, _>>()?;
            call("policy bind", c.policy_bind(h, &spds))?;
            done("bound")
        }
        PolicyOp::Unbind { handle, spds } => {
            let h = policy_ref(c, "policy unbind", *handle)?;
            let spds = spd_refs(c, "policy unbind", spds)?;
            call("policy unbind", c.policy_unbind(h, &spds))?;
            done("unbound")
        }
        PolicyOp::Priority {
            handle,
            spd,
            priority,
        } => {
            let h = policy_ref(c, "policy priority", *handle)?;
            let spd = spd_ref(c, "policy priority", *spd)?;
            call(
                "policy priority",
                c.policy_change_priority(spd, h, *priority),
            )?;
            done("changed")
        }
        PolicyOp::Del { handle } => {
            let h = policy_ref(c, "policy del", *handle)?;
            call("policy del", c.policy_destroy(h))?;
            done("deleted")
        }
        PolicyOp::List { spd } => {
            let spd = spd_ref(c, "policy list", *spd)?;
            let list = call("policy list", c.query_all_policies(spd))?;
            let mut text = String::new();
            for p in &list {
                text += &format!("policy {} id {}\n", p.handle.0, p.id);
            }
            let arr: Vec<_> = list
                .iter()
                .map(|p| json!({ "handle": p.handle.0, "id": p.id }))
                .collect();
            Output::new(text, json!({ "policies": arr }))
        }
        PolicyOp::Show { handle } => {
            let h = policy_ref(c, "policy show", *handle)?;
            let handle = h.0;
            let p = call("policy show", c.query_policy_data(h))?;
            let spds = call("policy show", c.query_all_policy_bindings(h))?;
            let sels: Vec<String> = p.selectors.iter().map(selector_text).collect();
            let spd_list: Vec<u32> = spds.iter().map(|s| s.handle.0).collect();
            let mut text = format!(
                "policy {} id {} action {} spds {}\n",
                handle,
                p.id,
                action_name(p.action),
                if spd_list.is_empty() {
                    "all".to_owned()
                } else {
                    spd_list
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                }
            );
            for sel in &sels {
                text += &format!("  sel {sel}\n");
            }
            Output::new(
                text,
                json!({
                    "handle": handle, "id": p.id, "action": action_name(p.action),
                    "spds": spd_list, "selectors": sels,
                }),
            )
        }
    })
}

fn sa_text(p: &SaParams) -> (String, Value) {
    let (enc, auth) = algorithm_names(p);
    let proto = if p.flags.proto() == npf_ipsec_sapi::abi::NPF_IPSEC_PROTOCOL_AH {
        "ah"
    } else {
        "esp"
    };
    let mode = if p.flags.0 & npf_ipsec_sapi::model::SaFlags::TRANSPORT != 0 {
        "transport"
    } else {
        "tunnel"
    };
    let mut text = String::new();
    if let Some(t) = &p.tunnel {
        text += &format!("src {} dst {} ", ip_text(&t.src), ip_text(&t.dst));
    }
    let window = u32::from(p.replay_window) * 8;
    text += &format!(
        "proto {proto} spi {:#x} mode {mode} enc {enc} auth {auth} replay-window {window}",
        p.spi
    );
    let json = json!({
        "proto": proto, "spi": p.spi, "mode": mode,
        "tunnel": p.tunnel.map(|t| json!({ "src": ip_text(&t.src), "dst": ip_text(&t.dst) })),
        "enc": enc, "enc_key_bits": p.enc_key_bits, "auth": auth,
        "auth_key_bits": p.auth_key_bits, "replay_window": window,
        "soft_kbytes": p.soft_kbytes, "hard_kbytes": p.hard_kbytes,
        "soft_secs": p.soft_secs, "hard_secs": p.hard_secs,
    });
    (text, json)
}

fn sa(s: &mut Session, op: &SaOp) -> Result<Output, ControlError> {
    let c = &mut s.client;
    Ok(match op {
        SaOp::Add {
            policy,
            id,
            dir,
            previous,
            spec: specs,
        } => {
            let parsed = specs
                .iter()
                .map(|t| parse_sa(t))
                .collect::<Result<Vec<_>, _>>()?;
            let Some(inner) = parsed.first() else {
                return Err(ControlError::Usage("sa add needs a SPEC".into()));
            };
            let d = match (dir, inner.dir) {
                (Some(d), _) => direction(*d),
                (None, Some(spec::Direction::In)) => Direction::Inbound,
                (None, _) => Direction::Outbound,
            };
            let policy = policy_ref(c, "sa add", *policy)?;
            let previous = match previous {
                Some(r) => sa_ref(c, "sa add", Some(policy), *r)?,
                None => SaHandle::INVALID,
            };
            let add = SaAdd {
                policy,
                sa_id: *id,
                udp: parsed
                    .iter()
                    .map(|p| p.udp)
                    .find(|u| u.src != 0 || u.dst != 0)
                    .unwrap_or_default(),
                selectors: vec![inner.selector],
                sas: parsed.into_iter().map(|p| p.params).collect(),
                previous,
                direction: d,
                acquire_context: 0,
                vendor_hint: 0,
            };
            let h = call("sa add", c.sa_add(&add))?;
            handle_out("sa", h.0)
        }
        SaOp::Del { policy, handle } => {
            let policy = policy_ref(c, "sa del", *policy)?;
            let sa = sa_ref(c, "sa del", Some(policy), *handle)?;
            call("sa del", c.sa_remove(policy, sa))?;
            done("deleted")
        }
        SaOp::List { spd } => {
            let spd = spd_ref(c, "sa list", *spd)?;
            let list = call("sa list", c.query_all_sas(spd))?;
            let mut text = String::new();
            for p in &list {
                text += &format!("sa {} id {}\n", p.handle.0, p.id);
            }
            let arr: Vec<_> = list
                .iter()
                .map(|p| json!({ "handle": p.handle.0, "id": p.id }))
                .collect();
            Output::new(text, json!({ "sas": arr }))
        }
        SaOp::Show { policy, handle } => {
            let policy = match policy {
                Some(r) => Some(policy_ref(c, "sa show", *r)?),
                None => None,
            };
            let sa = sa_ref(c, "sa show", policy, *handle)?;
            let handle = sa.0;
            let d = call("sa show", c.query_sa_data(sa))?;
            let mut text = format!(
                "sa {handle} id {} policy {} dir {}\n",
                d.id,
                d.policy.0,
                dir_name(d.direction)
            );
            let mut arr = Vec::new();
            for p in &d.sas {
                let (t, j) = sa_text(p);
                text += &format!("  {t}\n");
                arr.push(j);
            }
            Output::new(
                text,
                json!({
                    "handle": handle, "id": d.id, "policy": d.policy.0,
                    "dir": dir_name(d.direction), "sas": arr,
                }),
            )
        }
    })
}

fn bundle_stats(handle: u32, s: &SaBundleStats) -> Output {
    let mut text = format!("sa {handle} id {}\n", s.sa_id);
    let mut arr = Vec::new();
    for (i, st) in s.stats.iter().enumerate() {
        text += &format!(
            "  [{i}] packets {} bytes {} seq {} hmac-errors {} decrypt-errors {} \
             replay-errors {} selector-errors {} exceptions {} bytes-remaining {} \
             secs-used {} secs-remaining {}\n",
            st.packetCount,
            st.bytesUsed,
            st.sequenceNo,
            st.HMAC_Errors,
            st.decryptErrors,
            st.replayErrors,
            st.selectorErrors,
            st.exceptions,
            st.bytesRemaining,
            st.secsUsed,
            st.secsRemaining
        );
        arr.push(json!({
            "packets": st.packetCount, "bytes": st.bytesUsed, "sequence": st.sequenceNo,
            "hmac_errors": st.HMAC_Errors, "decrypt_errors": st.decryptErrors,
            "replay_errors": st.replayErrors, "selector_errors": st.selectorErrors,
            "exceptions": st.exceptions, "bytes_remaining": st.bytesRemaining,
            "secs_used": st.secsUsed, "secs_remaining": st.secsRemaining,
            "replay_bitmap": st.replayBitmap.to_vec(),
        }));
    }
    Output::new(
        text,
        json!({ "handle": handle, "id": s.sa_id, "stats": arr }),
    )
}

fn stats(s: &mut Session, op: &StatsOp) -> Result<Output, ControlError> {
    let c = &mut s.client;
    Ok(match op {
        StatsOp::Sa {
            policy,
            handle,
            reset,
        } => {
            let policy = policy_ref(c, "stats sa", *policy)?;
            let sa = sa_ref(c, "stats sa", Some(policy), *handle)?;
            let st = call("stats sa", c.sa_get_stats(policy, sa, *reset))?;
            bundle_stats(sa.0, &st)
        }
        StatsOp::Policy { handle, reset } => {
            let h = policy_ref(c, "stats policy", *handle)?;
            let handle = h.0;
            let st = call("stats policy", c.policy_get_stats(h, *reset))?;
            Output::new(
                format!(
                    "policy {handle} id {} spd-id {} policy-errors {} acquired-sas {} exceptions {}\n",
                    st.policyID, st.spdID, st.policyErrors, st.acquiredSAs, st.exceptions
                ),
                json!({
                    "handle": handle, "id": st.policyID, "spd_id": st.spdID,
                    "policy_errors": st.policyErrors, "acquired_sas": st.acquiredSAs,
                    "exceptions": st.exceptions,
                }),
            )
        }
        StatsOp::Global => {
            let g = call("stats global", c.global_stats())?;
            let fields: [(&str, u64); 20] = [
                ("active_inbound_sas", g.active_inbound_sas.into()),
                ("active_outbound_sas", g.active_outbound_sas.into()),
                ("spds", g.spds.into()),
                ("policies", g.policies.into()),
                ("reserved_spis", g.reserved_spis.into()),
                ("packets_in", g.packets_in),
                ("bytes_in", g.bytes_in),
                ("packets_out", g.packets_out),
                ("bytes_out", g.bytes_out),
                ("drops_wrong_spi", g.drops_wrong_spi),
                ("drops_auth", g.drops_auth),
                ("drops_decrypt", g.drops_decrypt),
                ("drops_replay", g.drops_replay),
                ("drops_seq_overflow", g.drops_seq_overflow),
                ("drops_clear_packet", g.drops_clear_packet),
                ("drops_invalid_policy", g.drops_invalid_policy),
                ("drops_policy_discard", g.drops_policy_discard),
                ("drops_reassembly", g.drops_reassembly),
                ("drops_mem_full", g.drops_mem_full),
                ("drops_datapath", g.drops_datapath),
            ];
            let mut text = String::new();
            let mut map = serde_json::Map::new();
            for (k, v) in fields {
                text += &format!("{} {v}\n", k.replace('_', "-"));
                map.insert(k.to_owned(), json!(v));
            }
            Output::new(text, Value::Object(map))
        }
    })
}

fn event_name(n: u32) -> &'static str {
    ALL_EVENTS
        .iter()
        .find(|(v, _)| *v == n)
        .map_or("unknown", |(_, name)| name)
}

fn packet(p: &PacketFields) -> (String, Value) {
    (
        format!(
            "proto {} src {} sport {} dst {} dport {}",
            p.protocol,
            ip_text(&p.src),
            p.src_port,
            ip_text(&p.dst),
            p.dst_port
        ),
        json!({
            "proto": p.protocol, "src": ip_text(&p.src), "sport": p.src_port,
            "dst": ip_text(&p.dst), "dport": p.dst_port,
        }),
    )
}

fn event(e: &Event) -> Output {
    let name = event_name(e.number());
    let (detail, mut j) = match e {
        Event::Acquire {
            spd_id,
            policy_id,
            packet: p,
            acquire_context,
        } => {
            let (t, pj) = packet(p);
            (
                format!("spd-id {spd_id} policy-id {policy_id} context {acquire_context} {t}"),
                json!({ "spd_id": spd_id, "policy_id": policy_id,
                        "acquire_context": acquire_context, "packet": pj }),
            )
        }
        Event::Expire { sa_id, .. } => (format!("sa-id {sa_id}"), json!({ "sa_id": sa_id })),
        Event::Packet {
            spd_id,
            policy_id,
            sa_id,
            packet: p,
            ..
        } => {
            let (t, pj) = packet(p);
            (
                format!("spd-id {spd_id} policy-id {policy_id} sa-id {sa_id} {t}"),
                json!({ "spd_id": spd_id, "policy_id": policy_id, "sa_id": sa_id,
                        "packet": pj }),
            )
        }
        Event::Crypto { info, .. } => (
            format!(
                "src {} dst {} proto {} spi {:#x} seq {} count {}",
                ip_text(&info.src),
                ip_text(&info.dst),
                info.protocol,
                info.spi,
                info.seq_no,
                info.count
            ),
            json!({ "src": ip_text(&info.src), "dst": ip_text(&info.dst),
                    "proto": info.protocol, "spi": info.spi, "seq": info.seq_no,
                    "count": info.count }),
        ),
    };
    if let Value::Object(m) = &mut j {
        m.insert("event".into(), json!(name));
        m.insert("number".into(), json!(e.number()));
    }
    Output::new(format!("event {name} {detail}\n"), j)
}

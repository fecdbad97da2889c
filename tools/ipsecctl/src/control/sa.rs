//! SAs on the command line: an `ip xfrm state add` specification (parsed by [`crate::spec`],
//! the same grammar as `ipsecctl pcap`) as the agreement's `NPF_IPSecSA_t`, and back as text.

use ipsec_engine::alg::{AhIntegrity, EspEncryption, EspIntegrity};
use npf_ipsec_sapi::abi::{
    NPF_IPSEC_AALG_MD5HMAC, NPF_IPSEC_AALG_NONE, NPF_IPSEC_AALG_SHA1HMAC, NPF_IPSEC_EALG_3DESCBC,
    NPF_IPSEC_EALG_AES, NPF_IPSEC_EALG_DESCBC, NPF_IPSEC_EALG_NONE, NPF_IPSEC_EALG_NULL,
    NPF_IPSEC_PROTOCOL_AH, NPF_IPSEC_PROTOCOL_ESP,
};
use npf_ipsec_sapi::model::{
    PortRange, SaFlags, SaParams, Selector, SelectorAddr, TunnelEndpoints, UdpPorts,
};

use super::error::ControlError;
use crate::spec::{self, Mode, SaSpec, Transform};

/// One SA of a bundle, its selectors and UDP encapsulation, from one specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSa {
    /// The agreement's SA.
    pub params: SaParams,
    /// `sel …`, or the SA's two addresses.
    pub selector: Selector,
    /// `encap espinudp`.
    pub udp: UdpPorts,
    /// `dir in|out`, when given.
    pub dir: Option<spec::Direction>,
}

fn unsupported(what: &str) -> ControlError {
    ControlError::Argument(format!(
        "{what} is not among the NPF agreement's algorithms (NPF_IPSEC_EALG_*: cbc(des), \
         cbc(des3_ede), cbc(aes), ecb(cipher_null); NPF_IPSEC_AALG_*: hmac(md5), hmac(sha1))"
    ))
}

fn bits(key: &[u8]) -> Result<u16, ControlError> {
    u16::try_from(key.len() * 8).map_err(|_| ControlError::Argument("key too long".into()))
}

fn kbytes(b: Option<u64>) -> u32 {
    b.map_or(0, |b| u32::try_from(b.div_ceil(1024)).unwrap_or(u32::MAX))
}

fn secs(s: Option<u64>) -> u32 {
    s.map_or(0, |s| u32::try_from(s).unwrap_or(u32::MAX))
}

fn prefix(p: Option<spec::Prefix>, host: std::net::IpAddr) -> SelectorAddr {
    match p {
        Some(p) => SelectorAddr::Prefix(p.addr.into(), p.len),
        None => SelectorAddr::Prefix(host.into(), if host.is_ipv4() { 32 } else { 128 }),
    }
}

/// Parses one specification into the agreement's SA.
pub fn parse_sa(text: &str) -> Result<ParsedSa, ControlError> {
    let s: SaSpec =
        spec::parse(text).map_err(|e| ControlError::Argument(format!("SA {text:?}: {e}")))?;
    let mut p = SaParams {
        spi: s.spi,
        ..SaParams::default()
    };
    match &s.transform {
        Transform::Esp {
            enc,
            integ,
            enc_key,
            integ_key,
            names,
        } => {
            p.flags = SaFlags::new(NPF_IPSEC_PROTOCOL_ESP);
            p.enc_algo = match enc {
                EspEncryption::Null => NPF_IPSEC_EALG_NULL,
                EspEncryption::DesCbc => NPF_IPSEC_EALG_DESCBC,
                EspEncryption::TripleDesCbc => NPF_IPSEC_EALG_3DESCBC,
                EspEncryption::AesCbc(_) => NPF_IPSEC_EALG_AES,
                EspEncryption::AesGcm(..) | EspEncryption::AesGmac(_) => {
                    return Err(unsupported(names))
                }
            };
            p.auth_algo = match integ {
                EspIntegrity::None => NPF_IPSEC_AALG_NONE,
                EspIntegrity::HmacMd5_96 => NPF_IPSEC_AALG_MD5HMAC,
                EspIntegrity::HmacSha1_96 => NPF_IPSEC_AALG_SHA1HMAC,
                EspIntegrity::HmacSha256_128 => return Err(unsupported(names)),
            };
            p.enc_key_bits = bits(enc_key)?;
            p.enc_key.clone_from(enc_key);
            p.auth_key_bits = bits(integ_key)?;
            p.auth_key.clone_from(integ_key);
        }
        Transform::Ah { alg, key, names } => {
            p.flags = SaFlags::new(NPF_IPSEC_PROTOCOL_AH);
            p.enc_algo = NPF_IPSEC_EALG_NONE;
            p.auth_algo = match alg {
                AhIntegrity::HmacMd5_96 => NPF_IPSEC_AALG_MD5HMAC,
                AhIntegrity::HmacSha1_96 => NPF_IPSEC_AALG_SHA1HMAC,
                AhIntegrity::HmacSha256_128 | AhIntegrity::AesGmac(_) => {
                    return Err(unsupported(names))
                }
            };
            p.auth_key_bits = bits(key)?;
            p.auth_key.clone_from(key);
        }
    }
    match s.mode {
        Mode::Transport => p.flags = p.flags.transport(),
        Mode::Tunnel => {
            p.tunnel = Some(TunnelEndpoints {
                src: s.src.into(),
                dst: s.dst.into(),
            });
        }
    }
    if s.replay_window == 0 {
        p.flags = p.flags.replay_off();
    }
    // The agreement counts the replay window in bytes of bitmap (`replayWindowSize`).
    p.replay_window = u8::try_from(s.replay_window.div_ceil(8)).map_err(|_| {
        ControlError::Argument(format!(
            "replay-window {} is too large (at most 2040 packets)",
            s.replay_window
        ))
    })?;
    p.soft_kbytes = kbytes(s.limits.byte_soft);
    p.hard_kbytes = kbytes(s.limits.byte_hard);
    p.soft_secs = secs(s.limits.time_soft);
    p.hard_secs = secs(s.limits.time_hard);
    let sel = s.sel.unwrap_or_default();
    let selector = Selector {
        rule_flags: 0,
        ip_version: if s.src.is_ipv4() { 4 } else { 6 },
        protocol: sel.upper.proto.unwrap_or(0),
        src: prefix(sel.src, s.src),
        dst: prefix(sel.dst, s.dst),
        src_port: sel.upper.sport.map_or(PortRange::ANY, PortRange::one),
        dst_port: sel.upper.dport.map_or(PortRange::ANY, PortRange::one),
    };
    let udp = s.encap.map_or(UdpPorts::default(), |e| UdpPorts {
        src: e.sport,
        dst: e.dport,
    });
    Ok(ParsedSa {
        params: p,
        selector,
        udp,
        dir: s.dir,
    })
}

/// The algorithm names of an SA, as `ip xfrm` writes them.
pub fn algorithm_names(p: &SaParams) -> (String, String) {
    let enc = match p.enc_algo {
        NPF_IPSEC_EALG_NONE => "none",
        NPF_IPSEC_EALG_NULL => "ecb(cipher_null)",
        NPF_IPSEC_EALG_DESCBC => "cbc(des)",
        NPF_IPSEC_EALG_3DESCBC => "cbc(des3_ede)",
        NPF_IPSEC_EALG_AES => "cbc(aes)",
        _ => "unknown",
    };
    let auth = match p.auth_algo {
        NPF_IPSEC_AALG_NONE => "none",
        NPF_IPSEC_AALG_MD5HMAC => "hmac(md5)",
        NPF_IPSEC_AALG_SHA1HMAC => "hmac(sha1)",
        _ => "unknown",
    };
    (enc.to_owned(), auth.to_owned())
}

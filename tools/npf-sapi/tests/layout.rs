//! For every struct and union of Appendix A.1 (and of `npf_base.h`): `sizeof`, `_Alignof` and
//! every member's `offsetof` and `sizeof`, from our C header compiled by gcc, equal the Rust
//! mirrors' `size_of`, `align_of`, `offset_of!` and field sizes.
//!
//! The C program is generated from the same list as the Rust side: a member missing from the
//! C header makes gcc fail, a member with another offset or size makes the comparison fail.

mod common;

use std::collections::BTreeMap;
use std::mem::{align_of, offset_of, size_of};
use std::process::Command;

use npf_ipsec_sapi::abi::*;

struct Entry {
    key: String,
    c_expr: String,
    rust: usize,
}

/// The size of a field's type, given a function that names the field.
fn field_size<T, F>(_: fn(&T) -> &F) -> usize {
    size_of::<F>()
}

/// `layout!(out, Type { field, ... })` or `layout!(out, Type as "C type" => union { ... })`: one entry for the
/// size and alignment of the type and one for the offset and size of each member. Members of
/// unions have offset 0 and their size is checked through the C member too.
macro_rules! layout {
    ($out:ident, $ty:ident { $($f:ident),* $(,)? }) => {
        layout!($out, $ty as stringify!($ty) => struct { $($f),* });
    };
    ($out:ident, $ty:ident as $cty:expr => union { $($f:ident),* $(,)? }) => {
        $out.push(Entry { key: format!("{} size", stringify!($ty)), c_expr: format!("sizeof({})", $cty), rust: size_of::<$ty>() });
        $out.push(Entry { key: format!("{} align", stringify!($ty)), c_expr: format!("_Alignof({})", $cty), rust: align_of::<$ty>() });
        $(
            $out.push(Entry {
                key: format!("{}.{} offset", stringify!($ty), stringify!($f)),
                c_expr: format!("offsetof({}, {})", $cty, stringify!($f)),
                rust: offset_of!($ty, $f),
            });
        )*
    };
    ($out:ident, $ty:ident as $cty:expr => struct { $($f:ident),* $(,)? }) => {
        $out.push(Entry { key: format!("{} size", stringify!($ty)), c_expr: format!("sizeof({})", $cty), rust: size_of::<$ty>() });
        $out.push(Entry { key: format!("{} align", stringify!($ty)), c_expr: format!("_Alignof({})", $cty), rust: align_of::<$ty>() });
        $(
            $out.push(Entry {
                key: format!("{}.{} offset", stringify!($ty), stringify!($f)),
                c_expr: format!("offsetof({}, {})", $cty, stringify!($f)),
                rust: offset_of!($ty, $f),
            });
            $out.push(Entry {
                key: format!("{}.{} size", stringify!($ty), stringify!($f)),
                c_expr: format!("sizeof((({} *)0)->{})", $cty, stringify!($f)),
                rust: field_size(|s: &$ty| &s.$f),
            });
        )*
    };
}

fn entries() -> Vec<Entry> {
    let mut o = Vec::new();
    // npf_base.h
    layout!(o, NPF_IPv6Address_t { octets });
    layout!(
        o,
        NPF_IPv4Prefix_t {
            IPv4Addr,
            IPv4NetPlen
        }
    );
    layout!(
        o,
        NPF_IPv6Prefix_t {
            IPv6Addr,
            IPv6NetPlen
        }
    );
    // Handles, identities and their arrays.
    layout!(
        o,
        NPF_IPSecInterface_Handle_Array_t {
            nifHandles,
            ifHandleArray
        }
    );
    layout!(
        o,
        NPF_IPSecSPD_Handle_Array_t {
            nCount,
            spdHandleArray
        }
    );
    layout!(
        o,
        NPF_IPSecSPD_Identity_t {
            spdID,
            spdHandle,
            spdDirection
        }
    );
    layout!(
        o,
        NPF_IPSecSPD_Identity_Array_t {
            nCount,
            spdIdentityArray
        }
    );
    layout!(
        o,
        NPF_IPSecPolicy_Handle_Array_t {
            nCount,
            policyHandleArray
        }
    );
    layout!(
        o,
        NPF_IPSecPolicy_Identity_t {
            policyID,
            policyHandle
        }
    );
    layout!(
        o,
        NPF_IPSecPolicy_Identity_Array_t {
            nCount,
            policyIdentityArray
        }
    );
    layout!(o, NPF_IPSecSA_Identity_t { policyID, SAHandle });
    layout!(
        o,
        NPF_IPSecSA_Identity_Array_t {
            nCount,
            SAIdentityArray
        }
    );
    // Selectors.
    layout!(o, NPF_IPSecPrefix_t as "NPF_IPSecPrefix_t" => union { v4, v6 });
    layout!(o, NPF_IPSecIPv4RangeAddr_t { start, end });
    layout!(o, NPF_IPSecIPv6RangeAddr_t { start, end });
    layout!(o, NPF_IPSecRangeAddr_t as "NPF_IPSecRangeAddr_t" => union { v4, v6 });
    layout!(o, NPF_IPSecSelectorAddr_u as "union_of(NPF_IPSecSelectorAddr_t, u)" => union { prefixAddr, rangeAddr });
    layout!(o, NPF_IPSecSelectorAddr_t { addrType, u });
    layout!(o, NPF_IPSecPortRange_t { start, end });
    layout!(
        o,
        NPF_IPSecSelector_t {
            ruleFlags,
            IP_Version,
            protocol,
            srcIP,
            dstIP,
            srcPort,
            dstPort
        }
    );
    layout!(o, NPF_IPSecIPAddress_t as "NPF_IPSecIPAddress_t" => union { v4, v6 });
    layout!(
        o,
        NPF_IPSecPacketFields_t {
            IP_Version,
            protocol,
            srcIP,
            dstIP,
            srcPort,
            dstPort
        }
    );
    layout!(
        o,
        NPF_IPSecTunEndAddr_t {
            IP_Version,
            srcIP,
            dstIP
        }
    );
    // SAs, policies, rate limits.
    layout!(o, NPF_IPSecUDP_Ports_t { srcPort, dstPort });
    layout!(
        o,
        NPF_IPSecSA_t {
            spi,
            flowLabel,
            flags,
            authAlgo,
            encAlgo,
            softKbyteLimit,
            hardKbyteLimit,
            softSecsLimit,
            hardSecsLimit,
            TE_Addr,
            authKey,
            authKeyLenBits,
            encDecKey,
            encDecKeyLenBits,
            replayWindowSize
        }
    );
    layout!(
        o,
        NPF_IPSecPolicy_t {
            policyID,
            policyAction,
            selectorCount,
            selectorArray
        }
    );
    layout!(o, NPF_IPSecEventLimit_u as "union_of(NPF_IPSecEventLimit_t, u)" => union { numPerSec, nCount });
    layout!(
        o,
        NPF_IPSecEventLimit_t {
            eventId,
            limitType,
            u
        }
    );
    // Statistics.
    layout!(
        o,
        NPF_IPSecPolicy_Stats_t {
            spdID,
            policyID,
            policyErrors,
            acquiredSAs,
            exceptions
        }
    );
    layout!(
        o,
        NPF_IPSecSA_Stats_t {
            HMAC_Errors,
            decryptErrors,
            replayErrors,
            selectorErrors,
            packetCount,
            bytesUsed,
            bytesRemaining,
            secsUsed,
            secsRemaining,
            sequenceNo,
            exceptions,
            replayBitmap
        }
    );
    layout!(
        o,
        NPF_IPSecSA_BundleStats_t {
            saID,
            saCount,
            saBundleStats
        }
    );
    // Completion callbacks.
    layout!(o, NPF_IPSecAsyncResponse_u as "union_of(NPF_IPSecAsyncResponse_t, u)" => union {
        spdHandle, policyHandle, selector, SA, saHandle, policyStats, saStats, spi, ifHandle,
        spdID, policyID, saID, policyHandles, spdDataArray, interfaceDataArray,
        policyDataArray, saDataArray, policyData
    });
    layout!(
        o,
        NPF_IPSecAsyncResponse_t {
            error,
            direction,
            u
        }
    );
    layout!(o, NPF_IPSecCallbackData_t { allOK, nResp, resp });
    o.push(Entry {
        key: "NPF_IPSecCallbackData_t.type offset".into(),
        c_expr: "offsetof(NPF_IPSecCallbackData_t, type)".into(),
        rust: offset_of!(NPF_IPSecCallbackData_t, r#type),
    });
    // Events.
    layout!(
        o,
        NPF_IPSecSA_AcquireInfo_t {
            spdID,
            policyID,
            packet5Tuple,
            acquireContext
        }
    );
    layout!(o, NPF_IPSecSA_ExpireInfo_t { saID });
    layout!(
        o,
        NPF_IPSecPacketDropped_t {
            spdID,
            policyID,
            saID,
            packet5Tuple
        }
    );
    layout!(
        o,
        NPF_IPSecCryptoDropped_t {
            IP_Version,
            srcIP,
            dstIP,
            protocol,
            SPI,
            flowLabel,
            seqNo,
            count
        }
    );
    layout!(o, NPF_IPSecEventData_u as "union_of(NPF_IPSecEventData_t, event)" => union { acquire, expire, packet, crypto });
    layout!(o, NPF_IPSecEventData_t { eventType, event });
    layout!(
        o,
        NPF_IPSecEventArray_t {
            n_data,
            eventDataArray
        }
    );
    o
}

#[test]
fn c_header_layouts_equal_rust_mirrors() {
    let entries = entries();
    let dir = common::scratch("layout");
    let mut src = String::from(
        "#include <stddef.h>\n#include <stdio.h>\n#include \"npf_ipsec_sapi.h\"\n\
         /* The type of a member, so that anonymous unions can be measured. */\n\
         #define union_of(T, m) __typeof__(((T *)0)->m)\n\
         int main(void) {\n",
    );
    for e in &entries {
        src.push_str(&format!(
            "    printf(\"%s=%zu\\n\", \"{}\", (size_t)({}));\n",
            e.key, e.c_expr
        ));
    }
    src.push_str("    return 0;\n}\n");
    let c = dir.join("layout.c");
    std::fs::write(&c, src).expect("write layout.c");
    let exe = dir.join("layout");
    let mut cmd = Command::new("gcc");
    cmd.args(["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(common::include_dir())
        .arg(&c)
        .arg("-o")
        .arg(&exe);
    common::compile(cmd);
    let out = Command::new(&exe).output().expect("run layout program");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let c_values: BTreeMap<&str, usize> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k, v.parse().expect("number")))
        .collect();
    assert_eq!(c_values.len(), entries.len(), "one C line per entry");
    let mut mismatches = Vec::new();
    for e in &entries {
        let c = c_values[e.key.as_str()];
        if c != e.rust {
            mismatches.push(format!("{}: C {} Rust {}", e.key, c, e.rust));
        }
    }
    assert!(
        mismatches.is_empty(),
        "layout mismatches:\n{}",
        mismatches.join("\n")
    );
}

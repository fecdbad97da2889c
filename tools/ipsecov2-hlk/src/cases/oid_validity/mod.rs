//! Group `oid-validity`: every IPsecOV2 OID request TCP/IP could send, well-formed and broken
//! field by field, against the exact completion (status, BytesNeeded, BytesRead, handles
//! written). The case bodies are in `add_requests` (ADD_SA, ADD_SA_EX) and `other_requests`
//! (DELETE_SA, UPDATE_SA, queries, pass-down); this file lists them in order.

mod add_requests;
mod other_requests;

use add_requests::*;
use other_requests::*;

use crate::cases::{ensure, eq, module_case, status};
use crate::module_oids::{module, sa_count, set};
use crate::{Case, Outcome};
use ipsecov2_abi::*;
use ipsecov2_ndis_emu::oid_buffers::{self as build, AddSa};
use ipsecov2_oid::layout::add_sa;

const G: &str = "oid-validity";

/// A case: its name, what it checks, and its body.
type Named = (&'static str, &'static str, fn() -> Outcome);

/// A broken element: its name, what is broken, and the change that breaks it.
type Tweak = (&'static str, &'static str, fn(&mut AddSa));

/// Valid requests and lengths.
const VALID_AND_LENGTHS: [Named; 8] = [
    ("add-sa/valid-single", "one ADD_SA: SUCCESS, BytesRead = length, handle written", add_sa_valid_single),
    ("add-sa/valid-list", "ADD_SA list of ESP-GCM, ESP-CBC, AH, ESP+AH: every element gets a handle", add_sa_valid_list),
    ("add-sa-ex/valid", "ADD_SA_EX: SUCCESS and a handle that names an SA in the table", add_sa_ex_valid),
    ("add-sa-ex/short", "ADD_SA_EX of 169 bytes: INVALID_LENGTH, BytesNeeded 170", add_sa_ex_short),
    ("add-sa/short", "ADD_SA of 100 bytes: INVALID_LENGTH, BytesNeeded 169", add_sa_short),
    ("add-sa/key-data-past-end", "key data runs past the buffer: INVALID_LENGTH, BytesNeeded = element end", add_sa_key_data_past_end),
    ("add-sa/next-element-does-not-fit", "Next names an element whose fixed part does not fit: INVALID_DATA, nothing installed", add_sa_next_element_does_not_fit),
    ("add-sa/second-key-data-past-end", "second element's key data cut by one byte: INVALID_LENGTH, BytesNeeded = its end, nothing installed", add_sa_second_key_data_past_end),
];

/// Structure errors in the second element's header: the whole request is refused.
const HEADER_TWEAKS: [Tweak; 3] = [
    (
        "bad-header-type",
        "Header.Type != NDIS_OBJECT_TYPE_DEFAULT: INVALID_DATA, nothing written",
        |a| a.hdr_type = 0x81,
    ),
    (
        "bad-header-revision",
        "Header.Revision 0: INVALID_DATA, nothing written",
        |a| a.hdr_revision = 0,
    ),
    (
        "bad-header-size",
        "Header.Size below revision 1: INVALID_DATA, nothing written",
        |a| a.hdr_size = 100,
    ),
];

/// Broken `Next` chains: the whole request is refused.
const NEXT_CHAIN: [Named; 6] = [
    (
        "add-sa/next-misaligned",
        "Next not 8-byte aligned: INVALID_DATA",
        add_sa_next_misaligned,
    ),
    (
        "add-sa/next-before-buffer",
        "Next below the buffer's address: INVALID_DATA",
        add_sa_next_before_buffer,
    ),
    (
        "add-sa/next-past-end",
        "Next beyond the buffer: INVALID_DATA",
        add_sa_next_past_end,
    ),
    (
        "add-sa/next-cycle",
        "element 3's Next points back to element 1: INVALID_DATA",
        add_sa_next_cycle,
    ),
    (
        "add-sa/next-self",
        "element's Next points to itself: INVALID_DATA",
        add_sa_next_self,
    ),
    (
        "add-sa/next-overlap",
        "Next points inside the previous element: INVALID_DATA",
        add_sa_next_overlap,
    ),
];

/// Content errors: the element gets NULL, the others go on.
const CONTENT_TWEAKS: [Tweak; 14] = [
    ("num-ext-hdrs-0", "NumExtHdrs 0", |a| a.num_ext_hdrs = 0),
    ("num-ext-hdrs-3", "NumExtHdrs 3", |a| a.num_ext_hdrs = 3),
    ("bad-flags", "Flags with an undefined bit", |a| {
        a.flags |= 0x4
    }),
    ("bad-operation", "Operation 3", |a| a.sa[0].operation = 3),
    ("spi-zero", "SPI 0", |a| a.sa[0].spi = 0),
    ("spi-reserved", "SPI 255 (IANA reserved)", |a| {
        a.sa[0].spi = 255
    }),
    ("bad-algorithm", "unknown encryption bit 0x400", |a| {
        a.sa[0].enc.id = 0x400
    }),
    ("two-algorithm-bits", "two encryption bits at once", |a| {
        a.sa[0].enc.id |= IPSEC_OFFLOAD_V2_ENCRYPTION_AES_CBC_128
    }),
    (
        "bad-key-length",
        "AES-GCM-256 key length 32 (no salt)",
        |a| a.sa[0].enc.key_len = 32,
    ),
    ("key-offset-outside", "key offset past the key data", |a| {
        a.sa[0].enc.key_off = 8
    }),
    ("bad-icv-length", "AES-GCM ICV length 0", |a| {
        a.sa[0].enc.additional = 0
    }),
    ("bad-sa-flags", "SecAssoc Flags undefined bit", |a| {
        a.sa[0].flags = 0x2
    }),
    ("udp-esp-bad-type", "UdpEspEncapsulation 0x10", |a| {
        a.udp_esp = 0x10
    }),
    ("esp-then-esp", "NumExtHdrs 2 with ESP twice", |a| {
        a.num_ext_hdrs = 2;
        a.sa[1] = a.sa[0];
        a.sa[1].spi += 1;
    }),
];

/// Whole elements the filter cannot offload.
const REFUSED_ELEMENTS: [Named; 5] = [
    (
        "add-sa/all-refused",
        "every element malformed: INVALID_DATA, all NULL",
        add_sa_all_refused,
    ),
    (
        "add-sa/confidentiality-only-esp",
        "AES-CBC without integrity: NULL handle, INVALID_DATA",
        add_sa_confidentiality_only_esp,
    ),
    (
        "add-sa/udp-esp-on-ah",
        "UDP-ESP encapsulation on an AH bundle: NULL handle",
        add_sa_udp_esp_on_ah,
    ),
    (
        "add-sa/duplicate-inbound",
        "second inbound SA with the same SPI/destination: NULL",
        add_sa_duplicate_inbound,
    ),
    (
        "add-sa/weak-des-key",
        "DES weak key 0101010101010101: NULL handle",
        add_sa_weak_des_key,
    ),
];

/// DELETE_SA and UPDATE_SA one byte short: the OID, the case name, the revision-1 size.
const SHORT_BUFFERS: [(u32, &str, u32); 2] = [
    (
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_DELETE_SA,
        "delete-sa/short",
        24,
    ),
    (
        OID_TCP_TASK_IPSEC_OFFLOAD_V2_UPDATE_SA,
        "update-sa/short",
        28,
    ),
];

/// DELETE_SA, UPDATE_SA, queries and other OIDs.
const OTHER_OIDS: [Named; 7] = [
    (
        "delete-sa/valid",
        "DELETE_SA list of two handles: SUCCESS, both gone from the table",
        delete_sa_valid,
    ),
    (
        "delete-sa/cycle",
        "DELETE_SA list whose second Next points to the first: INVALID_DATA, nothing deleted",
        delete_sa_cycle,
    ),
    (
        "delete-sa/bad-header",
        "DELETE_SA with Header.Type wrong: INVALID_DATA",
        delete_sa_bad_header,
    ),
    (
        "update-sa/valid-esn",
        "UPDATE_SA on an ESN SA: SUCCESS",
        update_sa_valid_esn,
    ),
    (
        "update-sa/bad-operation",
        "UPDATE_SA Operation 7: INVALID_DATA",
        update_sa_bad_operation,
    ),
    (
        "query-not-supported",
        "query and method requests for the four OIDs: NOT_SUPPORTED, nothing written or installed",
        query_not_supported,
    ),
    (
        "other-oids-passed-down",
        "other OIDs are not answered by the filter (passed down)",
        other_oids_passed_down,
    ),
];

/// Every `oid-validity` case, in order.
pub fn oid_validity(v: &mut Vec<Case>) {
    let named = |v: &mut Vec<Case>, list: &[Named]| {
        for &(name, what, run) in list {
            v.push(module_case(G, name, what, run));
        }
    };
    named(v, &VALID_AND_LENGTHS);
    for (name, what, tweak) in HEADER_TWEAKS {
        v.push(module_case(G, format!("add-sa/{name}"), what, move || {
            add_sa_bad_header(tweak)
        }));
    }
    named(v, &NEXT_CHAIN);
    for (name, what, tweak) in CONTENT_TWEAKS {
        v.push(module_case(
            G,
            format!("add-sa/{name}"),
            format!("middle element of 3 with {what}: SUCCESS, only it gets a NULL handle"),
            move || add_sa_bad_content(tweak),
        ));
    }
    named(v, &REFUSED_ELEMENTS);
    for (oid, name, min) in SHORT_BUFFERS {
        v.push(module_case(
            G,
            name,
            "buffer below the revision-1 size: INVALID_LENGTH with BytesNeeded",
            move || short_buffer(oid, name, min),
        ));
    }
    named(v, &OTHER_OIDS);
}

/// What every OffloadHandle field holds before the request: a value the filter never writes.
pub(super) const GARBAGE: u64 = 0x5a5a_5a5a_5a5a_5a5a;

/// An ESP AES-GCM-256 (16-byte ICV) ADD_SA element with SPI `spi`.
pub(crate) fn gcm(spi: u32) -> AddSa {
    build::esp_gcm(spi, 256, 16)
}

/// ADD_SA of `list` (after `tweak` on the bytes) and the exact outcome: status, BytesNeeded
/// (when `needed` is Some) and which elements got a handle (`true`), NULL (`false`) or were
/// left as written (`None` in `handles` = nothing written: the garbage stays); the module's
/// table then holds exactly the bundles that got a handle (none when refused whole).
pub(super) fn add_expect(
    list: &[AddSa],
    tweak: impl Fn(&mut Vec<u8>, &[usize]),
    want_status: i32,
    needed: Option<u32>,
    handles: Option<&[bool]>,
) -> Outcome {
    let m = module()?;
    let (mut bytes, offs) = build::add_sa_list(list);
    tweak(&mut bytes, &offs);
    let len = bytes.len();
    let c = set(&m, OID_TCP_TASK_IPSEC_OFFLOAD_V2_ADD_SA, &mut bytes)?;
    status("ADD_SA", c.status, want_status)?;
    if let Some(n) = needed {
        eq("BytesNeeded", c.bytes_needed, n)?;
    }
    if want_status == NDIS_STATUS_SUCCESS {
        eq("BytesRead", c.bytes_read as usize, len)?;
    }
    match handles {
        Some(want) => {
            for (i, (&o, &w)) in offs.iter().zip(want).enumerate() {
                let h = build::handle_at(&bytes, o);
                ensure!(h != GARBAGE, "element {i}: OffloadHandle not written");
                ensure!(
                    (h != 0) == w,
                    "element {i}: handle {h:#x}, expected {}",
                    if w { "a handle" } else { "NULL" }
                );
            }
            let installed = want.iter().filter(|&&w| w).count();
            eq("SA bundles in the table", sa_count(&m)?, installed)?;
        }
        None => {
            // Refused whole: NULL in every element the filter could reach in the buffer (the
            // first one always), never a handle (docs/tcpip-reading.md, point 8).
            for (i, &o) in offs.iter().enumerate() {
                if o + add_sa::OFFLOAD_HANDLE + 8 <= bytes.len() {
                    let h = build::handle_at(&bytes, o);
                    ensure!(
                        h == 0 || (i > 0 && h == GARBAGE),
                        "element {i} OffloadHandle (request refused: NULL): {h:#x}"
                    );
                }
            }
            eq(
                "SA bundles in the table (nothing installed)",
                sa_count(&m)?,
                0,
            )?;
        }
    }
    m.finish()
}

/// Writes `v` little-endian at `at` (nothing if it does not fit).
pub(super) fn put_u64(b: &mut [u8], at: usize, v: u64) {
    if let Some(d) = b.get_mut(at..at + 8) {
        d.copy_from_slice(&v.to_le_bytes());
    }
}

/// The hidden self-test case: expects SUCCESS for a short ADD_SA (must FAIL).
pub fn self_test_fail() -> Outcome {
    let mut one = gcm(0x1000);
    one.keys.truncate(36);
    add_expect(
        &[one],
        |b, _| b.truncate(100),
        NDIS_STATUS_SUCCESS,
        None,
        Some(&[true]),
    )
}

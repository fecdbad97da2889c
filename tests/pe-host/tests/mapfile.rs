//! The map-file reader on an excerpt in the format lld-link writes for `/MAP`.

use ipsecov2_pe_host::mapfile::{demangle, MapError, MapFile};

const EXCERPT: &str = "
 ipsecov2_lwf

 Timestamp is 00000000 (Thu Jan  1 00:00:00 1970)

 Preferred load address is 0000000140000000

 Start         Length     Name                   Class
 0001:00000000 00001000H .text                   CODE

  Address         Publics by Value              Rva+Base               Lib:Object

 0000:00000000       __guard_flags              0000000000000000     <absolute>
 0001:00000000       DriverEntry                0000000140001000 f   ipsecov2_lwf.o
 0001:00000120       _ZN12ipsecov2_lwf5shell6attach13filter_attach17h0123456789abcdefE 0000000140001120 f   ipsecov2_lwf.o
 0001:00000400       _ZN4core3ptr46drop_in_place$LT$alloc..vec..Vec$LT$u8$GT$$GT$17hfedcba9876543210E 0000000140001400 f   core.o

 entry point at        0001:00000000

 Static symbols

 0001:00000800       _ZN12ipsecov2_lwf7helpers4less17h0000000000000000E 0000000140001800 f   ipsecov2_lwf.o
";

#[test]
fn symbolizes_addresses_as_function_plus_offset() {
    let map = MapFile::parse(EXCERPT).expect("parse");
    assert_eq!(map.preferred_base(), 0x1_4000_0000);
    assert_eq!(map.len(), 4);
    assert_eq!(
        map.symbolize(0x1000).expect("sym").to_string(),
        "DriverEntry+0x0"
    );
    assert_eq!(
        map.symbolize(0x1133).expect("sym").to_string(),
        "ipsecov2_lwf::shell::attach::filter_attach+0x13"
    );
    assert_eq!(
        map.symbolize(0x1404).expect("sym").to_string(),
        "core::ptr::drop_in_place<alloc::vec::Vec<u8>>+0x4"
    );
    assert_eq!(
        map.symbolize(0x1900).expect("sym").to_string(),
        "ipsecov2_lwf::helpers::less+0x100"
    );
    assert!(map.symbolize(0xFFF).is_none());
    assert_eq!(map.rva_of("filter_attach"), Some(0x1120));
    assert_eq!(map.rva_of("DriverEntry"), Some(0x1000));
    assert_eq!(map.rva_of("attach"), None);
}

#[test]
fn refuses_a_file_without_base_or_symbols() {
    assert_eq!(
        MapFile::parse("nothing here"),
        Err(MapError::NoPreferredBase)
    );
    assert_eq!(
        MapFile::parse(" Preferred load address is 0000000140000000\n"),
        Err(MapError::NoSymbols)
    );
}

#[test]
fn demangles_legacy_rust_symbols_and_leaves_others() {
    assert_eq!(demangle("_ZN3foo3bar17h0123456789abcdefE"), "foo::bar");
    assert_eq!(demangle("_ZN3foo3barE"), "foo::bar");
    assert_eq!(
        demangle(
            "_ZN50_$LT$T$u20$as$u20$core..convert..Into$LT$U$GT$$GT$4into17h0123456789abcdefE"
        ),
        "<T as core::convert::Into<U>>::into"
    );
    assert_eq!(
        demangle("NdisFSendNetBufferLists"),
        "NdisFSendNetBufferLists"
    );
    assert_eq!(demangle("_ZN99broken"), "_ZN99broken");
}

#[test]
fn demangles_v0_symbols_of_the_driver_short() {
    // Symbols as the driver's toolchain writes them into the map (v0 mangling).
    assert_eq!(
        demangle("_RNvMs7_NtCseAiw8TffmDQ_16ipsecov2_satable5tableINtB5_10TableStateNtCsll0PRAEqxOq_19ipsecov2_offload_sa9OffloadSaE6removeCs5YjzmAW66n1_12ipsecov2_lwf.llvm.8013328066151710869"),
        "<ipsecov2_satable::table::TableState>::remove"
    );
    assert_eq!(
        demangle("_RNvXs6_NtNtCs5YjzmAW66n1_12ipsecov2_lwf5shell8datapathRNtB5_12KernelTxPoolNtNtCsbbrPYiRfHVs_20ipsecov2_filter_core4pool6TxPool7acquire"),
        "<&ipsecov2_lwf::shell::datapath::KernelTxPool as ipsecov2_filter_core::pool::TxPool>::acquire"
    );
    assert_eq!(
        demangle("_RINvMs9_NtCseAiw8TffmDQ_16ipsecov2_satable5tableINtB6_7SaTableNtCsll0PRAEqxOq_19ipsecov2_offload_sa9OffloadSaINtCsaFBWbpEN1Iz_20ipsecov2_kernel_sync12ExSpinRwLockINtB6_10TableStateBY_EEE5drainNCNvB2_5clear0ECs5YjzmAW66n1_12ipsecov2_lwf"),
        "<ipsecov2_satable::table::SaTable>::drain"
    );
    // A backreference forward or past the end is refused, not followed.
    assert_eq!(demangle("_RNvB9_3foo"), "_RNvB9_3foo");
    assert_eq!(demangle("_RNvCs_3foo3bar"), "foo::bar");
    assert_eq!(demangle("_RNCNvCs_3foo3bar0"), "foo::bar::{closure#0}");
}

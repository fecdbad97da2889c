//! Loading the `.sys`: the imports the host must implement, the map file's exports, and
//! DriverEntry registering the filter and the secured device (unload releasing them).
#![cfg(test)]

use super::*;

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn refuses_to_load_without_host_functions_listing_every_import() {
    let file = sys();
    let pe = PeImage::parse(&file).expect("parse the .sys");
    assert!(pe.imports.len() > 20, "{} imports", pe.imports.len());
    let err = LoadedImage::load(&file, &HostTable::new()).expect_err("no import implemented");
    let LoadError::Unimplemented(names) = &err else {
        panic!("{err}")
    };
    let expected: Vec<String> = pe
        .imports
        .iter()
        .map(|i| format!("{}!{}", i.module, i.name))
        .collect();
    assert_eq!(names, &expected);
    assert!(
        err.to_string()
            .contains("ndis.sys!NdisFRegisterFilterDriver"),
        "{err}"
    );
    // The host implements every import of the driver.
    let img = LoadedImage::load(&file, &ipsecov2_pe_host::kernel::host_table());
    assert!(
        img.is_ok(),
        "{}",
        img.err().map(|e| e.to_string()).unwrap_or_default()
    );
    // Without two of them, exactly those two are listed.
    let mut partial = HostTable::new();
    for (m, n, a) in ipsecov2_pe_host::kernel::implemented() {
        if n != "NdisFSendNetBufferLists" && n != "KeReleaseSpinLock" {
            partial.add(m, n, a);
        }
    }
    let err = LoadedImage::load(&file, &partial).expect_err("two imports missing");
    let LoadError::Unimplemented(rest) = &err else {
        panic!("{err}")
    };
    let mut rest = rest.clone();
    rest.sort();
    assert_eq!(
        rest,
        [
            "ndis.sys!NdisFSendNetBufferLists",
            "ntoskrnl.exe!KeReleaseSpinLock"
        ]
    );
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn the_map_file_names_the_exports() {
    let path = sys_path().with_extension("map");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (tests/windows-target-check writes it)",
            path.display()
        )
    });
    let map = MapFile::parse(&text).expect("map");
    let pe = PeImage::parse(&sys()).expect("parse");
    assert_eq!(map.preferred_base(), pe.headers.image_base);
    let entry = pe.export("DriverEntry").expect("DriverEntry export");
    assert_eq!(map.rva_of("DriverEntry"), Some(entry));
    assert_eq!(pe.headers.entry_rva, entry);
    assert_eq!(
        map.symbolize(entry + 3).map(|s| s.to_string()),
        Some("DriverEntry+0x3".to_owned())
    );
}

#[test]
#[ignore = "needs target/windows/ipsecov2_lwf.sys: run tests/pe-host/run"]
fn driver_entry_registers_the_filter_and_the_secured_device_and_unload_releases_them() {
    let mut h = host();
    let status = h.driver_entry().expect("DriverEntry");
    assert_eq!(status, 0, "DriverEntry status {status:#x}");
    assert_eq!(verifier::take(), Vec::<String>::new());
    let unload = h
        .driver_object()
        .DriverUnload
        .map(|f| f as usize)
        .expect("DriverUnload set");
    assert!(
        h.image.rva_of(unload).is_some(),
        "DriverUnload outside the image"
    );

    let drivers = filter_driver::registered();
    let me = drivers
        .iter()
        .find(|d| d.driver_object == h.driver_object_address())
        .expect("registered");
    let c = &me.characteristics;
    assert_eq!(
        (c.Header.Type, c.Header.Revision, c.Header.Size),
        (0x8B, 3, 0xF0)
    );
    assert_eq!((c.MajorNdisVersion, c.MinorNdisVersion), (6, 80));
    assert_eq!(me.unique_name, "{09817B79-31E1-4DAB-A492-EB99D7E6EA81}");
    assert_eq!(me.service_name, "ipsecov2lwf");
    assert_eq!(me.friendly_name, "IPsec Task Offload v2 Software Filter");
    assert_eq!(me.driver_context, h.driver_object_address());
    for (name, p) in [
        ("AttachHandler", c.AttachHandler),
        ("DetachHandler", c.DetachHandler),
        ("RestartHandler", c.RestartHandler),
        ("PauseHandler", c.PauseHandler),
        ("SendNetBufferListsHandler", c.SendNetBufferListsHandler),
        (
            "ReceiveNetBufferListsHandler",
            c.ReceiveNetBufferListsHandler,
        ),
        ("OidRequestHandler", c.OidRequestHandler),
        ("DirectOidRequestHandler", c.DirectOidRequestHandler),
        ("StatusHandler", c.StatusHandler),
    ] {
        assert!(
            h.image.rva_of(p as usize).is_some(),
            "{name} {p:p} outside the image"
        );
    }
    assert!(
        c.SynchronousOidRequestHandler.is_null()
            && c.SynchronousOidRequestCompleteHandler.is_null()
    );
    if let Some(map) = &h.map {
        let rva = h.image.rva_of(c.AttachHandler as usize).expect("rva");
        let sym = map.symbolize(rva).expect("symbol").to_string();
        assert!(sym.ends_with("filter_attach+0x0"), "AttachHandler is {sym}");
    }

    let dev = device::with_devices(|ds| {
        ds.iter()
            .map(|d| {
                (
                    d.name.clone(),
                    d.symbolic_name.clone(),
                    d.sddl.clone(),
                    d.major_functions,
                    d.object.Characteristics,
                    d.filter_driver,
                )
            })
            .collect::<Vec<_>>()
    })
    .expect("devices");
    assert_eq!(dev.len(), 1, "{dev:?}");
    let (name, symbolic, sddl, majors, characteristics, owner) = &dev[0];
    assert_eq!(name, "\\Device\\IPsecOV2Lwf");
    assert_eq!(symbolic, "\\DosDevices\\IPsecOV2Lwf");
    assert_eq!(sddl.as_deref(), Some("D:P(A;;GA;;;SY)(A;;GA;;;BA)"));
    assert_eq!(*owner, me.handle);
    assert!(
        majors
            .iter()
            .all(|&m| m != 0 && h.image.rva_of(m).is_some()),
        "{majors:x?}"
    );
    assert_ne!(
        characteristics & 0x100,
        0,
        "FILE_DEVICE_SECURE_OPEN not set by the driver"
    );
    let log = debug::take_log();
    assert!(
        log.iter().any(|l| l.contains("ipsecov2lwf: DriverEntry")),
        "{log:?}"
    );

    h.unload();
    assert_eq!(verifier::take(), Vec::<String>::new());
    assert!(filter_driver::registered()
        .iter()
        .all(|d| d.driver_object != h.driver_object_address()));
    assert_eq!(device::with_devices(|ds| ds.len()), Some(0));
    let log = debug::take_log();
    assert!(
        log.iter().any(|l| l.contains("ipsecov2lwf: DriverUnload")),
        "{log:?}"
    );
}

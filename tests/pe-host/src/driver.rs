//! One driver run: the `.sys` loaded (imports the host lacks bound to traps), a DRIVER_OBJECT and
//! registry path in the WDK layout, `DriverEntry` and `DriverUnload` called at PASSIVE_LEVEL, and
//! the verifier's checks after each (IRQL restored, no lock held, nothing left registered or
//! allocated at unload).
//!
//! The host kernel's state is process-wide, so one `DriverHost` exists at a time: `load` waits
//! for the previous one to be dropped.

use core::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::abi::structs::{DRIVER_OBJECT, UNICODE_STRING};
use crate::fault::handler;
use crate::kernel::strings::OwnedUnicode;
use crate::kernel::{
    config, device, filter_driver, image, irql, module, nbl, pool, spinlock, verifier,
};
use crate::load::{LoadError, LoadedImage};
use crate::mapfile::MapFile;
use crate::pe::PeImage;

/// Env variable naming the `.sys` to run.
pub const SYS_ENV: &str = "IPSECOV2_SYS";
/// `IO_TYPE_DRIVER`.
const IO_TYPE_DRIVER: i16 = 4;
/// The service name the INF installs (the registry path ends with it).
pub const SERVICE_KEY: &str =
    "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\IPsecOV2Lwf";
const DRIVER_NAME: &str = "\\Driver\\IPsecOV2Lwf";

static RUN: Mutex<()> = Mutex::new(());

/// Why a driver could not be loaded.
#[derive(Debug)]
pub enum HostError {
    /// The `.sys` is absent or unreadable.
    Read {
        /// The path that was read.
        path: PathBuf,
        /// The I/O error of the read.
        error: std::io::Error,
    },
    /// The image could not be mapped or bound.
    Load(LoadError),
    /// More unimplemented imports than traps.
    TrapsExhausted,
    /// The signal handler could not be installed.
    Signals(std::io::Error),
    /// The image has no `DriverEntry` export.
    NoDriverEntry,
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, error } => write!(
                f,
                "cannot read {}: {error}; link it first with tests/windows-target-check (or set {SYS_ENV})",
                path.display()
            ),
            Self::Load(e) => write!(f, "{e}"),
            Self::TrapsExhausted => write!(f, "more unimplemented imports than host traps"),
            Self::Signals(e) => write!(f, "cannot install the fault handler: {e}"),
            Self::NoDriverEntry => write!(f, "the image exports no DriverEntry"),
        }
    }
}

impl std::error::Error for HostError {}

/// The `.sys` to run: `$IPSECOV2_SYS`, else `target/windows/ipsecov2_lwf.sys` of this workspace.
pub fn sys_path() -> PathBuf {
    match std::env::var_os(SYS_ENV) {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/windows/ipsecov2_lwf.sys"),
    }
}

type DriverEntryFn = unsafe extern "win64" fn(*mut DRIVER_OBJECT, *mut UNICODE_STRING) -> i32;

/// A loaded driver.
#[derive(Debug)]
pub struct DriverHost {
    /// The mapped and bound driver image.
    pub image: LoadedImage,
    /// Symbols from the map file beside the `.sys` (`None` without one).
    pub map: Option<MapFile>,
    driver_object: Box<DRIVER_OBJECT>,
    driver_name: OwnedUnicode,
    registry_path: OwnedUnicode,
    /// OID requests the driver pended, kept alive until they complete (boxed: the driver holds
    /// their addresses, which must not move when the vector grows).
    #[allow(clippy::vec_box)]
    pub(crate) pending_oids: Vec<Box<crate::abi::structs::NDIS_OID_REQUEST>>,
    _run: MutexGuard<'static, ()>,
}

impl DriverHost {
    /// Loads `sys` (and `sys` with extension `.map` when present); refuses, listing every one,
    /// when the image imports anything the host does not implement.
    pub fn load(sys: &Path) -> Result<Self, HostError> {
        Self::load_inner(sys, false)
    }

    /// As [`load`](Self::load), but binds every import the host does not implement to a trap
    /// that ends the run naming it if the driver calls it (to run a driver ahead of the host).
    pub fn load_with_traps(sys: &Path) -> Result<Self, HostError> {
        Self::load_inner(sys, true)
    }

    fn load_inner(sys: &Path, traps: bool) -> Result<Self, HostError> {
        let run = RUN.lock().unwrap_or_else(|p| p.into_inner());
        let file = std::fs::read(sys).map_err(|error| HostError::Read {
            path: sys.to_owned(),
            error,
        })?;
        let pe = PeImage::parse(&file).map_err(|e| HostError::Load(e.into()))?;
        let imports: Vec<(String, String)> = pe
            .imports
            .iter()
            .map(|i| (i.module.clone(), i.name.clone()))
            .collect();
        let table = if traps {
            crate::kernel::host_table_with_traps(
                imports.iter().map(|(m, n)| (m.as_str(), n.as_str())),
            )
            .ok_or(HostError::TrapsExhausted)?
        } else {
            crate::kernel::host_table()
        };
        let image = LoadedImage::load(&file, &table).map_err(HostError::Load)?;
        let map = std::fs::read_to_string(sys.with_extension("map"))
            .ok()
            .and_then(|t| MapFile::parse(&t).ok());
        let name = sys
            .file_name()
            .map_or("driver".into(), |n| n.to_string_lossy().into_owned());
        image.register_symbols(&name, map.clone());
        // For a debugger: where the image is (breakpoint = this base + the RVA from the map).
        eprintln!(
            "pe-host: {name} mapped at {:#x} (preferred {:#x})",
            image.base(),
            image.image.headers.image_base
        );
        image::set(image.base(), image.image.headers.size_of_image as usize);
        handler::arm_thread().map_err(HostError::Signals)?;
        let mut driver_name = OwnedUnicode::new(DRIVER_NAME);
        let registry_path = OwnedUnicode::new(SERVICE_KEY);
        // SAFETY: an all-zero DRIVER_OBJECT is a valid value (integers, NULL pointers, None).
        let mut driver_object: Box<DRIVER_OBJECT> = Box::new(unsafe { core::mem::zeroed() });
        driver_object.Type = IO_TYPE_DRIVER;
        driver_object.Size = core::mem::size_of::<DRIVER_OBJECT>() as i16;
        driver_object.DriverStart = image.base() as *mut _;
        driver_object.DriverSize = image.image.headers.size_of_image;
        driver_object.DriverName = driver_name.value();
        let _ = driver_name.as_ptr();
        verifier::take();
        // A run that ended without unloading leaves its timers: they must not fire into this one.
        crate::kernel::timer::forget_all();
        crate::kernel::debug::take_log();
        Ok(Self {
            image,
            map,
            driver_object,
            driver_name,
            registry_path,
            pending_oids: Vec::new(),
            _run: run,
        })
    }

    /// The DRIVER_OBJECT handed to the driver.
    pub fn driver_object(&self) -> &DRIVER_OBJECT {
        &self.driver_object
    }

    /// Address of the driver object (as the driver sees it).
    pub fn driver_object_address(&self) -> usize {
        &*self.driver_object as *const DRIVER_OBJECT as usize
    }

    /// The registry path handed to `DriverEntry`.
    pub fn registry_path(&self) -> &str {
        SERVICE_KEY
    }

    /// Checks that a callback returned at `level` holding no lock.
    pub(crate) fn after_callback(&self, what: &str, level: u8) {
        after_callback(what, level);
    }

    /// Calls `DriverEntry` at PASSIVE_LEVEL; returns its NTSTATUS.
    pub fn driver_entry(&mut self) -> Result<i32, HostError> {
        let entry = self
            .image
            .export("DriverEntry")
            .ok_or(HostError::NoDriverEntry)?;
        // SAFETY: DriverEntry is the image's exported DRIVER_INITIALIZE (Windows x64 convention).
        let entry: DriverEntryFn = unsafe { core::mem::transmute::<usize, DriverEntryFn>(entry) };
        irql::set(irql::PASSIVE_LEVEL);
        let object: *mut DRIVER_OBJECT = &mut *self.driver_object;
        let path = self.registry_path.as_ptr();
        // SAFETY: the driver object and registry path live as long as `self`; the image is mapped.
        let status = crate::stack::measure("DriverEntry", || unsafe { entry(object, path) });
        self.after_callback("DriverEntry", irql::PASSIVE_LEVEL);
        Ok(status)
    }

    /// Calls the image's export `name` as a no-argument routine returning a 64-bit value, at
    /// PASSIVE_LEVEL, with the checks of a callback (stack depth, IRQL and locks on return). For
    /// test images that are not NDIS drivers.
    pub fn call_export(&mut self, name: &str) -> Option<u64> {
        type ExportFn = unsafe extern "win64" fn() -> u64;
        let address = self.image.export(name)?;
        // SAFETY: the caller names an export that is a no-argument win64 routine.
        let f: ExportFn = unsafe { core::mem::transmute::<usize, ExportFn>(address) };
        irql::set(irql::PASSIVE_LEVEL);
        // SAFETY: as above; the image is mapped.
        let r = crate::stack::measure(name, || unsafe { f() });
        self.after_callback(name, irql::PASSIVE_LEVEL);
        Some(r)
    }

    /// Calls `DriverUnload` at PASSIVE_LEVEL, then records as violations whatever the driver
    /// left behind: a registered filter driver or device, pool blocks (leaks, by tag).
    pub fn unload(&mut self) {
        irql::set(irql::PASSIVE_LEVEL);
        match self.driver_object.DriverUnload {
            Some(unload) => {
                let object: *mut DRIVER_OBJECT = &mut *self.driver_object;
                // SAFETY: the driver set DriverUnload to its DRIVER_UNLOAD routine.
                crate::stack::measure("DriverUnload", || unsafe { unload(object) });
                self.after_callback("DriverUnload", irql::PASSIVE_LEVEL);
            }
            None => verifier::violation("DriverEntry set no DriverUnload".to_owned()),
        }
        self.check_released();
    }

    /// Records as violations whatever the driver still holds: a registered filter driver or
    /// device, an attached module, an open configuration handle, NBL pools, NBLs, MDLs, pool
    /// blocks. Called by [`unload`](Self::unload), and directly after a failed `DriverEntry`
    /// (the I/O manager does not call DriverUnload then: the driver must have undone everything).
    pub fn check_released(&mut self) {
        let me = self.driver_object_address();
        for d in filter_driver::registered()
            .iter()
            .filter(|d| d.driver_object == me)
        {
            verifier::violation(format!(
                "filter driver '{}' still registered after DriverUnload",
                d.unique_name
            ));
        }
        let devices = device::with_devices(|ds| {
            ds.iter()
                .filter(|d| {
                    filter_driver::is_registered(d.filter_driver)
                        || d.object.DriverObject as usize == me
                })
                .map(|d| d.name.clone())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
        for name in devices {
            verifier::violation(format!("device {name} still registered after DriverUnload"));
        }
        for m in module::live() {
            verifier::violation(format!(
                "filter module {:#x} still attached after DriverUnload",
                m.filter_handle
            ));
        }
        let clones = crate::kernel::oid::live_clones();
        if clones != 0 {
            verifier::violation(format!("{clones} cloned OID request(s) never freed"));
        }
        crate::kernel::timer::check_released();
        for h in config::open_handles() {
            verifier::violation(format!("configuration handle {h:#x} never closed"));
        }
        let (pools, nbls, mdls) = nbl::live_counts();
        if pools + nbls + mdls != 0 {
            verifier::violation(format!(
                "left at unload: {pools} NBL pool(s), {nbls} NBL(s), {mdls} MDL(s)"
            ));
        }
        for (p, b) in pool::live() {
            verifier::violation(format!(
                "pool leak at unload: {} bytes tag '{}' at {p:#x}",
                b.size,
                pool::tag_text(b.tag)
            ));
        }
        let _ = &self.driver_name;
    }
}

/// Checks that a callback returned at `level` holding no lock (restoring the level if not).
pub(crate) fn after_callback(what: &str, level: u8) {
    if irql::current() != level {
        verifier::violation(format!(
            "{what} returned at IRQL {}, called at {level}",
            irql::current()
        ));
        irql::set(level);
    }
    let held = spinlock::held_count();
    if held != 0 {
        verifier::violation(format!("{what} returned holding {held} spin lock(s)"));
    }
    let saves = crate::kernel::xstate::open_count();
    if saves != 0 {
        verifier::violation(format!(
            "{what} returned with {saves} extended processor state save(s) open"
        ));
    }
}

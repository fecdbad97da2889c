//! Driving a filter module of the loaded driver the way NDIS does: attach with real
//! `NDIS_FILTER_ATTACH_PARAMETERS`, restart, pause (synchronous or completed later with
//! `NdisFPauseComplete`), detach. Each callback runs at PASSIVE_LEVEL and must return at it,
//! holding no lock; each transition is checked against NDIS's state machine.

use crate::abi::structs::{
    NDIS_FILTER_ATTACH_PARAMETERS, NDIS_FILTER_PAUSE_PARAMETERS, NDIS_FILTER_RESTART_PARAMETERS,
    NDIS_OBJECT_HEADER, NDIS_OFFLOAD,
};
use crate::driver::DriverHost;
use crate::kernel::module::{self, NdisState};
use crate::kernel::status::{NDIS_STATUS_PENDING, NDIS_STATUS_SUCCESS};
use crate::kernel::strings::OwnedUnicode;
use crate::kernel::{filter_driver, irql, verifier};

/// `NDIS_OBJECT_TYPE_FILTER_ATTACH_PARAMETERS`.
pub const NDIS_OBJECT_TYPE_FILTER_ATTACH_PARAMETERS: u8 = 0x99;
/// `NDIS_OBJECT_TYPE_FILTER_PAUSE_PARAMETERS`.
pub const NDIS_OBJECT_TYPE_FILTER_PAUSE_PARAMETERS: u8 = 0x9A;
/// `NDIS_OBJECT_TYPE_FILTER_RESTART_PARAMETERS`.
pub const NDIS_OBJECT_TYPE_FILTER_RESTART_PARAMETERS: u8 = 0x9B;
/// `NdisMedium802_3`.
pub const NDIS_MEDIUM_802_3: i32 = 0;
/// `NdisPhysicalMedium802_3`.
pub const NDIS_PHYSICAL_MEDIUM_802_3: i32 = 14;
/// `NDIS_PAUSE_DETACH_FILTER`.
pub const NDIS_PAUSE_DETACH_FILTER: u32 = 0x20;

type AttachFn = unsafe extern "win64" fn(usize, usize, *mut NDIS_FILTER_ATTACH_PARAMETERS) -> i32;
type DetachFn = unsafe extern "win64" fn(usize);
type RestartFn = unsafe extern "win64" fn(usize, *mut NDIS_FILTER_RESTART_PARAMETERS) -> i32;
type PauseFn = unsafe extern "win64" fn(usize, *mut NDIS_FILTER_PAUSE_PARAMETERS) -> i32;

/// The miniport below a module, as the attach parameters describe it.
#[derive(Debug, Clone)]
pub struct Miniport {
    /// `MiniportMediaType` (`NDIS_MEDIUM`; 0 is Ethernet).
    pub media_type: i32,
    /// `BaseMiniportIfIndex`.
    pub if_index: u32,
    /// The miniport's current MAC address.
    pub mac: [u8; 6],
    /// Transmit and receive link speed in bits per second.
    pub link_speed: u64,
    /// Keywords of the adapter (the registry's advanced properties), served by
    /// NdisReadConfiguration.
    pub keywords: Vec<(String, u32)>,
    /// The miniport's offload configuration (`DefaultOffloadConfiguration`; NULL when `None`).
    pub offload: Option<NDIS_OFFLOAD>,
    /// The miniport's `DefaultOffloadConfiguration` as bytes, of any `NDIS_OFFLOAD` revision
    /// (its header says which); when set, it is passed instead of `offload`.
    pub offload_bytes: Option<Vec<u8>>,
}

/// `NDIS_OBJECT_TYPE_OFFLOAD`.
pub const NDIS_OBJECT_TYPE_OFFLOAD: u8 = 0xA7;

/// A typical Ethernet NIC's offload configuration: IPv4/IPv6 TCP, UDP and IP checksum on
/// transmit and receive (802.3 encapsulation), nothing else; NDIS_OFFLOAD REVISION_5.
pub fn checksum_nic_offload() -> NDIS_OFFLOAD {
    // Encapsulation NDIS_ENCAPSULATION_IEEE_802_3 (2); then IpOptions, TcpOptions, TcpChecksum,
    // UdpChecksum, IpChecksum (2 bits each, NDIS_OFFLOAD_SUPPORTED = 1). IPv6 has no IpChecksum.
    let v4 = [2, 0x155];
    let v6 = [2, 0x55];
    NDIS_OFFLOAD {
        Header: NDIS_OBJECT_HEADER {
            Type: NDIS_OBJECT_TYPE_OFFLOAD,
            Revision: 5,
            Size: 0xBC,
        },
        Checksum: [v4[0], v4[1], v4[0], v4[1], v6[0], v6[1], v6[0], v6[1]],
        LsoV1: [0; 4],
        IPsecV1: [0; 7],
        LsoV2: [0; 7],
        Flags: 0,
        IPsecV2: [0; 8],
        Rsc: [0; 2],
        Pad0: [0; 2],
        EncapsulatedPacketTaskOffloadGre: [0; 2],
        EncapsulatedPacketTaskOffloadVxlan: [0; 5],
        EncapsulationTypes: 0,
        Pad1: [0; 3],
        Rfc6877Xlat: [0; 2],
    }
}

impl Default for Miniport {
    fn default() -> Self {
        Self {
            media_type: NDIS_MEDIUM_802_3,
            if_index: 7,
            mac: [0x02, 0x00, 0x5E, 0x10, 0x00, 0x01],
            link_speed: 10_000_000_000,
            keywords: Vec::new(),
            offload: None,
            offload_bytes: None,
        }
    }
}

fn header(kind: u8, revision: u8, size: usize) -> NDIS_OBJECT_HEADER {
    NDIS_OBJECT_HEADER {
        Type: kind,
        Revision: revision,
        Size: size as u16,
    }
}

/// Why a module operation could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleError {
    /// The driver registered no filter driver (DriverEntry not run or failed).
    NotRegistered,
    /// No such module.
    NoModule,
    /// The operation is not allowed in the module's NDIS state.
    WrongState(NdisState),
    /// The driver left a required handler NULL.
    NoHandler(&'static str),
}

impl DriverHost {
    fn filter_driver(&self) -> Result<filter_driver::FilterDriver, ModuleError> {
        let me = self.driver_object_address();
        filter_driver::registered()
            .into_iter()
            .find(|d| d.driver_object == me)
            .ok_or(ModuleError::NotRegistered)
    }

    fn module_handler(
        p: *const core::ffi::c_void,
        name: &'static str,
    ) -> Result<usize, ModuleError> {
        if p.is_null() {
            Err(ModuleError::NoHandler(name))
        } else {
            Ok(p as usize)
        }
    }

    /// Attaches a module above `miniport`: `FilterAttach` at PASSIVE_LEVEL. Returns the
    /// `NdisFilterHandle` and the driver's status (the module exists, Paused, only on success).
    pub fn attach(&mut self, miniport: &Miniport) -> Result<(usize, i32), ModuleError> {
        let d = self.filter_driver()?;
        let attach = Self::module_handler(d.characteristics.AttachHandler, "AttachHandler")?;
        let filter_handle = module::create(d.handle, miniport.keywords.clone());
        let mut guid_name = OwnedUnicode::new("{5A5E5A5E-0000-4000-8000-00000000A77A}");
        let mut instance = OwnedUnicode::new("pe-host emulated Ethernet adapter");
        let mut base_name = OwnedUnicode::new("\\DEVICE\\{5A5E5A5E-0000-4000-8000-000000000001}");
        let mut offload = miniport.offload;
        // The bytes, 8-aligned as a miniport's structure is.
        let mut offload_words: Option<Vec<u64>> = miniport.offload_bytes.as_ref().map(|b| {
            b.chunks(8)
                .map(|c| {
                    let mut w = [0u8; 8];
                    w[..c.len()].copy_from_slice(c);
                    u64::from_le_bytes(w)
                })
                .collect()
        });
        let mut mac = [0u8; 32];
        mac[..6].copy_from_slice(&miniport.mac);
        let mut params = NDIS_FILTER_ATTACH_PARAMETERS {
            Header: header(
                NDIS_OBJECT_TYPE_FILTER_ATTACH_PARAMETERS,
                4,
                core::mem::size_of::<NDIS_FILTER_ATTACH_PARAMETERS>(),
            ),
            IfIndex: miniport.if_index + 100,
            NetLuid: 0x0006_0000_0100_0000 | u64::from(miniport.if_index + 100) << 24,
            FilterModuleGuidName: guid_name.as_ptr(),
            BaseMiniportIfIndex: miniport.if_index,
            BaseMiniportInstanceName: instance.as_ptr(),
            BaseMiniportName: base_name.as_ptr(),
            MediaConnectState: 1,
            MediaDuplexState: 2,
            XmitLinkSpeed: miniport.link_speed,
            RcvLinkSpeed: miniport.link_speed,
            MiniportMediaType: miniport.media_type,
            MiniportPhysicalMediaType: NDIS_PHYSICAL_MEDIUM_802_3,
            MiniportMediaSpecificAttributes: core::ptr::null_mut(),
            DefaultOffloadConfiguration: match offload_words.as_mut() {
                Some(words) => words.as_mut_ptr().cast(),
                None => offload
                    .as_mut()
                    .map_or(core::ptr::null_mut(), |o| (o as *mut NDIS_OFFLOAD).cast()),
            },
            MacAddressLength: 6,
            CurrentMacAddress: mac,
            BaseMiniportNetLuid: 0x0006_0000_0000_0000 | u64::from(miniport.if_index) << 24,
            LowerIfIndex: miniport.if_index,
            LowerIfNetLuid: 0x0006_0000_0000_0000 | u64::from(miniport.if_index) << 24,
            Flags: 0,
            HDSplitCurrentConfig: core::ptr::null_mut(),
            ReceiveFilterCapabilities: core::ptr::null_mut(),
            MiniportPhysicalDeviceObject: core::ptr::null_mut(),
            NicSwitchCapabilities: core::ptr::null_mut(),
            BaseMiniportIfConnectorPresent: 1,
            SriovCapabilities: core::ptr::null_mut(),
            NicSwitchArray: core::ptr::null_mut(),
        };
        // SAFETY: AttachHandler is the driver's FILTER_ATTACH routine (checked in the image at
        // registration).
        let f: AttachFn = unsafe { core::mem::transmute::<usize, AttachFn>(attach) };
        irql::set(irql::PASSIVE_LEVEL);
        // SAFETY: the parameters and their strings live across the call.
        let status = crate::stack::measure("FilterAttach", || unsafe {
            f(filter_handle, d.driver_context, &mut params)
        });
        self.after_callback("FilterAttach", irql::PASSIVE_LEVEL);
        let context = module::get(filter_handle).map_or(0, |m| m.context);
        if status == NDIS_STATUS_SUCCESS {
            if context == 0 {
                verifier::violation("FilterAttach succeeded without NdisFSetAttributes".to_owned());
            }
            module::with(filter_handle, |m| m.state = NdisState::Paused);
        } else {
            if status == NDIS_STATUS_PENDING {
                verifier::violation(
                    "FilterAttach returned NDIS_STATUS_PENDING (not allowed)".to_owned(),
                );
            }
            module::remove(filter_handle);
        }
        Ok((filter_handle, status))
    }

    fn module_in(
        &self,
        filter_handle: usize,
        states: &[NdisState],
    ) -> Result<module::ModuleRecord, ModuleError> {
        let m = module::get(filter_handle).ok_or(ModuleError::NoModule)?;
        if !states.contains(&m.state) {
            return Err(ModuleError::WrongState(m.state));
        }
        Ok(m)
    }

    /// `FilterRestart` of a paused module at PASSIVE_LEVEL; returns the driver's status.
    pub fn restart(&mut self, filter_handle: usize) -> Result<i32, ModuleError> {
        let m = self.module_in(filter_handle, &[NdisState::Paused])?;
        let d = self.filter_driver()?;
        let restart = Self::module_handler(d.characteristics.RestartHandler, "RestartHandler")?;
        module::with(filter_handle, |r| r.state = NdisState::Restarting);
        let status = self.call_restart(restart, m.context);
        let next = match status {
            NDIS_STATUS_SUCCESS => NdisState::Running,
            NDIS_STATUS_PENDING => {
                verifier::violation(
                    "FilterRestart pended: the host does not implement NdisFRestartComplete"
                        .to_owned(),
                );
                NdisState::Paused
            }
            _ => NdisState::Paused,
        };
        module::with(filter_handle, |r| r.state = next);
        Ok(status)
    }

    /// `FilterRestart` of a module in any state but Paused (NDIS never makes this call: what a
    /// driver does with a restart out of order); NDIS's state of the module is left as it was.
    /// Returns the driver's status.
    pub fn restart_out_of_order(&mut self, filter_handle: usize) -> Result<i32, ModuleError> {
        let m = self.module_in(filter_handle, &[NdisState::Running, NdisState::Pausing])?;
        let d = self.filter_driver()?;
        let restart = Self::module_handler(d.characteristics.RestartHandler, "RestartHandler")?;
        let status = self.call_restart(restart, m.context);
        Ok(status)
    }

    /// The driver's `FilterRestart` routine at `restart` called at PASSIVE_LEVEL on the module
    /// `context` (an 802.3 miniport below): the driver's status.
    fn call_restart(&mut self, restart: usize, context: usize) -> i32 {
        let mut params = NDIS_FILTER_RESTART_PARAMETERS {
            Header: header(NDIS_OBJECT_TYPE_FILTER_RESTART_PARAMETERS, 1, 0x2C),
            MiniportMediaType: NDIS_MEDIUM_802_3,
            MiniportPhysicalMediaType: NDIS_PHYSICAL_MEDIUM_802_3,
            RestartAttributes: core::ptr::null_mut(),
            LowerIfIndex: 7,
            LowerIfNetLuid: 0x0006_0000_0700_0000,
            Flags: 0,
        };
        // SAFETY: the driver's FILTER_RESTART routine.
        let f: RestartFn = unsafe { core::mem::transmute::<usize, RestartFn>(restart) };
        irql::set(irql::PASSIVE_LEVEL);
        // SAFETY: the module context came from NdisFSetAttributes; `params` lives across the call.
        let status = crate::stack::measure("FilterRestart", || unsafe { f(context, &mut params) });
        self.after_callback("FilterRestart", irql::PASSIVE_LEVEL);
        status
    }

    /// `FilterPause` of a running module at PASSIVE_LEVEL; returns the driver's status. After
    /// NDIS_STATUS_PENDING the module stays `Pausing` until the driver calls NdisFPauseComplete.
    pub fn pause(&mut self, filter_handle: usize) -> Result<i32, ModuleError> {
        let m = self.module_in(filter_handle, &[NdisState::Running])?;
        let d = self.filter_driver()?;
        let pause = Self::module_handler(d.characteristics.PauseHandler, "PauseHandler")?;
        let mut params = NDIS_FILTER_PAUSE_PARAMETERS {
            Header: header(NDIS_OBJECT_TYPE_FILTER_PAUSE_PARAMETERS, 1, 0xC),
            Flags: 0,
            PauseReason: NDIS_PAUSE_DETACH_FILTER,
        };
        module::with(filter_handle, |r| r.state = NdisState::Pausing);
        // SAFETY: the driver's FILTER_PAUSE routine.
        let f: PauseFn = unsafe { core::mem::transmute::<usize, PauseFn>(pause) };
        irql::set(irql::PASSIVE_LEVEL);
        // SAFETY: the module context came from NdisFSetAttributes; `params` lives across the call.
        let status = crate::stack::measure("FilterPause", || unsafe { f(m.context, &mut params) });
        self.after_callback("FilterPause", irql::PASSIVE_LEVEL);
        let completions = module::get(filter_handle).map_or(0, |r| r.pause_completions);
        match status {
            NDIS_STATUS_PENDING => {}
            NDIS_STATUS_SUCCESS => {
                let held = crate::kernel::datapath::with(filter_handle, |l| {
                    l.sends_in_filter.len() + l.receives_in_filter.len()
                })
                .unwrap_or(0);
                if held != 0 {
                    verifier::violation(format!(
                        "FilterPause succeeded with {held} NBL(s) still in the filter"
                    ));
                }
                if completions > m.pause_completions {
                    verifier::violation(
                        "FilterPause returned success and also called NdisFPauseComplete"
                            .to_owned(),
                    );
                }
                module::with(filter_handle, |r| r.state = NdisState::Paused);
            }
            other => {
                verifier::violation(format!(
                    "FilterPause returned {other:#x} (must succeed or pend)"
                ));
                module::with(filter_handle, |r| r.state = NdisState::Paused);
            }
        }
        Ok(status)
    }

    /// `FilterDetach` of a paused module at PASSIVE_LEVEL; the module is gone afterwards.
    pub fn detach(&mut self, filter_handle: usize) -> Result<(), ModuleError> {
        let m = self.module_in(filter_handle, &[NdisState::Paused])?;
        let d = self.filter_driver()?;
        let detach = Self::module_handler(d.characteristics.DetachHandler, "DetachHandler")?;
        // SAFETY: the driver's FILTER_DETACH routine.
        let f: DetachFn = unsafe { core::mem::transmute::<usize, DetachFn>(detach) };
        irql::set(irql::PASSIVE_LEVEL);
        // SAFETY: the module context came from NdisFSetAttributes; detached once.
        crate::stack::measure("FilterDetach", || unsafe { f(m.context) });
        self.after_callback("FilterDetach", irql::PASSIVE_LEVEL);
        module::with(filter_handle, |r| r.state = NdisState::Detached);
        module::remove(filter_handle);
        let pending = crate::kernel::oid::pending_for(filter_handle).len();
        let below = crate::kernel::oid::take_below(filter_handle).len();
        if pending + below != 0 {
            verifier::violation(format!(
                "detach with OID requests outstanding: {pending} in the filter, {below} below"
            ));
        }
        if let Some(l) = crate::kernel::datapath::forget(filter_handle) {
            let held = l.sends_in_filter.len()
                + l.below.len()
                + l.receives_in_filter.len()
                + l.above.len();
            if held != 0 {
                verifier::violation(format!(
                    "detach with NBLs outstanding: {} sends in the filter, {} below, {} receives in the filter, {} above",
                    l.sends_in_filter.len(),
                    l.below.len(),
                    l.receives_in_filter.len(),
                    l.above.len()
                ));
            }
        }
        Ok(())
    }
}

/// An `NDIS_OFFLOAD` read from its bytes (as a miniport writes it, e.g. the emulation's
/// `offload_bytes`); `None` when `b` is shorter than the structure.
pub fn offload_from_bytes(b: &[u8]) -> Option<NDIS_OFFLOAD> {
    if b.len() < core::mem::size_of::<NDIS_OFFLOAD>() {
        return None;
    }
    // SAFETY: `b` holds at least `size_of::<NDIS_OFFLOAD>()` readable bytes; every bit pattern
    // is a valid `NDIS_OFFLOAD` (integers only); the read is unaligned.
    Some(unsafe { core::ptr::read_unaligned(b.as_ptr().cast::<NDIS_OFFLOAD>()) })
}

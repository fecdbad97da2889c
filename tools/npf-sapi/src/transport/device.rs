//! `DeviceIoControl` on the driver's control device (`\\.\IPsecOV2Lwf`, SYSTEM and
//! Administrators only): the [`codec`](super::codec)'s messages carried by the I/O manager to
//! the driver's dispatcher. Events come by inverted call: a thread with its own handle keeps an
//! `EventWait` pending in the driver, which completes it when events arrive; the transport
//! hands them out at the next poll.
//!
//! Windows only; type-checked on Linux by the Windows-target build.
#![allow(unsafe_code)]

use core::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use ipsecov2_ioctl::Ioctl;

use crate::error::TransportError;
use crate::model::Event;
use crate::request::{Reply, Request};
use crate::transport::codec;
use crate::transport::{GlobalStats, Transport};

type Handle = *mut c_void;

const GENERIC_READ: u32 = 0x8000_0000;
const GENERIC_WRITE: u32 = 0x4000_0000;
const OPEN_EXISTING: u32 = 3;
const FILE_ATTRIBUTE_NORMAL: u32 = 0x80;
const INVALID_HANDLE_VALUE: isize = -1;
/// `ERROR_INSUFFICIENT_BUFFER`.
const ERROR_INSUFFICIENT_BUFFER: u32 = 122;
/// `ERROR_MORE_DATA`.
const ERROR_MORE_DATA: u32 = 234;
/// `ERROR_INVALID_PARAMETER` (what `STATUS_INVALID_PARAMETER` becomes).
const ERROR_INVALID_PARAMETER: u32 = 87;

#[link(name = "kernel32")]
extern "system" {
    fn CreateFileW(
        name: *const u16,
        access: u32,
        share: u32,
        security: *mut c_void,
        disposition: u32,
        flags: u32,
        template: Handle,
    ) -> Handle;
    fn DeviceIoControl(
        device: Handle,
        code: u32,
        input: *const c_void,
        input_len: u32,
        output: *mut c_void,
        output_len: u32,
        returned: *mut u32,
        overlapped: *mut c_void,
    ) -> i32;
    fn CloseHandle(handle: Handle) -> i32;
    fn CancelIoEx(handle: Handle, overlapped: *mut c_void) -> i32;
    fn GetLastError() -> u32;
}

/// The control device's path.
pub const DEVICE_PATH: &str = r"\\.\IPsecOV2Lwf";

/// One open handle of the control device: requests carried by `DeviceIoControl` (also used
/// by `ipsecov2-hlk --target device` for the test family).
#[derive(Debug)]
pub struct Channel {
    handle: Handle,
}

// SAFETY: a file handle may be used from any thread.
unsafe impl Send for Channel {}
// SAFETY: as above; DeviceIoControl on one handle from several threads is allowed.
unsafe impl Sync for Channel {}

/// The control device: one handle for requests, one kept in an `EventWait` by the event thread.
#[derive(Debug)]
pub struct Device {
    requests: Channel,
    events: Arc<Channel>,
    queue: Arc<Mutex<Vec<Event>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Device {
    /// Opens the control device (needs Administrators) and starts the event thread.
    pub fn open() -> Result<Self, TransportError> {
        let requests = Channel::open()?;
        let events = Arc::new(Channel::open()?);
        let queue = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (ch, q, st) = (Arc::clone(&events), Arc::clone(&queue), Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("npf-ipsec-sapi-events".into())
            .spawn(move || {
                let mut got = Vec::new();
                while !st.load(Ordering::Relaxed) {
                    got.clear();
                    match ch.ioctl(Ioctl::EventWait, &codec::event_wait(0)) {
                        Ok(bytes) if codec::decode_events(&bytes, &mut got).is_ok() => {
                            if let Ok(mut q) = q.lock() {
                                q.extend_from_slice(&got);
                            }
                        }
                        // Cancelled (closing) or refused: stop rather than spin.
                        _ => break,
                    }
                }
            })
            .map_err(|_| TransportError::Closed)?;
        Ok(Self {
            requests,
            events,
            queue,
            stop,
            thread: Some(thread),
        })
    }
}

impl Channel {
    /// Opens [`DEVICE_PATH`] (needs Administrators).
    pub fn open() -> Result<Self, TransportError> {
        let name: Vec<u16> = DEVICE_PATH.encode_utf16().chain(Some(0)).collect();
        // SAFETY: `name` is NUL-terminated UTF-16; the other pointers may be NULL.
        let handle = unsafe {
            CreateFileW(
                name.as_ptr(),
                GENERIC_READ | GENERIC_WRITE,
                0,
                core::ptr::null_mut(),
                OPEN_EXISTING,
                FILE_ATTRIBUTE_NORMAL,
                core::ptr::null_mut(),
            )
        };
        if handle as isize == INVALID_HANDLE_VALUE {
            // SAFETY: no precondition.
            return Err(TransportError::Os(unsafe { GetLastError() }));
        }
        Ok(Self { handle })
    }

    /// One IOCTL; grows the output buffer when the driver asks for more.
    pub fn ioctl(&self, ioctl: Ioctl, input: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut out = vec![0u8; 16 * 1024];
        let in_len = u32::try_from(input.len()).map_err(|_| TransportError::TooLarge)?;
        loop {
            let out_len = u32::try_from(out.len()).map_err(|_| TransportError::TooLarge)?;
            let mut returned = 0u32;
            // SAFETY: both buffers are valid for their lengths for the call; synchronous handle.
            let ok = unsafe {
                DeviceIoControl(
                    self.handle,
                    ioctl.code(),
                    input.as_ptr().cast(),
                    in_len,
                    out.as_mut_ptr().cast(),
                    out_len,
                    &mut returned,
                    core::ptr::null_mut(),
                )
            };
            if ok != 0 {
                out.truncate(usize::try_from(returned).unwrap_or(0));
                return Ok(out);
            }
            // SAFETY: no precondition.
            let err = unsafe { GetLastError() };
            match err {
                ERROR_INSUFFICIENT_BUFFER | ERROR_MORE_DATA if out.len() < (1 << 24) => {
                    let bigger = out.len() * 4;
                    out.resize(bigger, 0);
                }
                other => return Err(TransportError::Os(other)),
            }
        }
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        // SAFETY: the handle came from CreateFileW and is closed once.
        unsafe { CloseHandle(self.handle) };
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // SAFETY: cancels the event thread's pending EventWait on a handle we still own.
        unsafe { CancelIoEx(self.events.handle, core::ptr::null_mut()) };
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Transport for Device {
    fn execute(&mut self, request: &Request) -> Result<Reply, TransportError> {
        let requests = &self.requests;
        codec::execute(request, &mut |ioctl, input| {
            match requests.ioctl(ioctl, input) {
                // STATUS_INVALID_PARAMETER: the driver's decoder refused the message.
                Err(TransportError::Os(ERROR_INVALID_PARAMETER)) => {
                    Err(codec::refusal(ioctl, input))
                }
                r => r,
            }
        })
    }

    fn poll_events(&mut self, out: &mut Vec<Event>) -> Result<(), TransportError> {
        let mut q = self.queue.lock().map_err(|_| TransportError::Closed)?;
        out.append(&mut q);
        Ok(())
    }

    fn set_event_mask(&mut self, mask: u32) -> Result<(), TransportError> {
        self.requests
            .ioctl(Ioctl::EventSetMask, &codec::event_mask(mask))
            .map(|_| ())
    }

    fn global_stats(&mut self) -> Result<GlobalStats, TransportError> {
        let out = self
            .requests
            .ioctl(Ioctl::GlobalStats, &codec::global_stats())?;
        codec::decode_global_stats(&out)
    }
}

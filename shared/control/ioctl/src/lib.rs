//! The control device's IOCTL protocol, shared by the driver and user mode (`no_std`; the
//! decoder never allocates). See docs/control-plane.md for the message table.
#![no_std]
#![forbid(unsafe_code)]

pub mod codes;

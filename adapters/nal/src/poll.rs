//! The caller's hook for `nb::WouldBlock`: the library never spins on its own.

use core::fmt;

/// The operation that is waiting for the network stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Op {
    /// Resolving the endpoint's host name (`Dns::get_host_by_name`).
    Resolve,
    /// Opening the TCP connection (`TcpClientStack::connect`).
    Connect,
    /// Sending request bytes (`TcpClientStack::send`).
    Send,
    /// Waiting for response bytes (`TcpClientStack::receive`). For a synchronous invoke this
    /// includes the function's whole run time, up to Lambda's 15 minutes.
    Receive,
}

impl Op {
    /// A short static name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Op::Resolve => "resolve",
            Op::Connect => "connect",
            Op::Send => "send",
            Op::Receive => "receive",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The hook gave up waiting: the operation fails with [`ErrorKind::TimedOut`], which the retry
/// policy counts as a timeout.
///
/// [`ErrorKind::TimedOut`]: embedded_io::ErrorKind::TimedOut
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GiveUp;

/// Called each time the stack answers `nb::WouldBlock`, before the operation is tried again.
///
/// This is where the firmware waits: run the network stack's poll function, wait for an
/// interrupt (`cortex_m::asm::wfi`), feed a watchdog, and decide how long is too long. `waits` counts
/// the `WouldBlock`s of the current operation, from 0, so a hook can start a deadline when it is
/// 0 and return [`GiveUp`] once the deadline passes. The library itself never loops without
/// calling the hook, and never sleeps.
///
/// Closures `FnMut(Op, u32) -> Result<(), GiveUp>` are hooks.
pub trait PollHook {
    /// The stack answered `WouldBlock` for `op` (the `waits`-th time in a row); wait a little, or
    /// give up.
    fn poll(&mut self, op: Op, waits: u32) -> Result<(), GiveUp>;
}

impl<F> PollHook for F
where
    F: FnMut(Op, u32) -> Result<(), GiveUp>,
{
    fn poll(&mut self, op: Op, waits: u32) -> Result<(), GiveUp> {
        self(op, waits)
    }
}

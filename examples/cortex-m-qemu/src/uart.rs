//! UART0 of the MPS2 board (Arm CMSDK APB UART at `0x4000_4000`) as a blocking
//! `embedded_io::{Read, Write}` byte stream.
//!
//! Under QEMU, `-serial tcp:127.0.0.1:PORT` connects this UART to a TCP server on the host, so
//! the byte stream is a TCP connection: the firmware speaks HTTP through it, as it would through a
//! cellular or Wi-Fi modem in transparent mode.
//!
//! Registers (CMSDK APB UART, Arm DDI 0479):
//!
//! | offset | register | bits used |
//! |---|---|---|
//! | `0x000` | `DATA` | a byte to send (write) or the byte received (read; clears RX full) |
//! | `0x004` | `STATE` | bit 0 TX buffer full, bit 1 RX buffer full |
//! | `0x008` | `CTRL` | bit 0 TX enable, bit 1 RX enable |
//! | `0x010` | `BAUDDIV` | PCLK / baud rate, at least 16 |
//!
//! Both directions hold one byte; everything here polls `STATE`.

use core::convert::Infallible;
use core::sync::atomic::{AtomicBool, Ordering};

/// Base address of UART0 on the MPS2 AN385/AN386 FPGA images.
const UART0_BASE: usize = 0x4000_4000;
const DATA: usize = 0x000;
const STATE: usize = 0x004;
const CTRL: usize = 0x008;
const BAUDDIV: usize = 0x010;

const STATE_TX_FULL: u32 = 1 << 0;
const STATE_RX_FULL: u32 = 1 << 1;
const CTRL_TX_ENABLE: u32 = 1 << 0;
const CTRL_RX_ENABLE: u32 = 1 << 1;

/// PCLK of the MPS2 FPGA images (25 MHz).
const PCLK_HZ: u32 = 25_000_000;
/// The baud rate programmed. QEMU ignores it (bytes go to the socket as fast as it takes them);
/// a real board on the other end of a wire would need it to match.
pub const BAUD: u32 = 115_200;

static TAKEN: AtomicBool = AtomicBool::new(false);

/// UART0, enabled for transmit and receive. At most one exists.
pub struct Uart0 {
    _private: (),
}

impl Uart0 {
    /// Enables UART0 at [`BAUD`] and hands it out, once: `None` on later calls.
    pub fn take() -> Option<Self> {
        if TAKEN.swap(true, Ordering::AcqRel) {
            return None;
        }
        write_reg(BAUDDIV, PCLK_HZ / BAUD);
        write_reg(CTRL, CTRL_TX_ENABLE | CTRL_RX_ENABLE);
        Some(Self { _private: () })
    }

    fn put(&mut self, byte: u8) {
        while read_reg(STATE) & STATE_TX_FULL != 0 {}
        write_reg(DATA, u32::from(byte));
    }

    fn try_get(&mut self) -> Option<u8> {
        if read_reg(STATE) & STATE_RX_FULL == 0 {
            return None;
        }
        Some(read_reg(DATA) as u8)
    }
}

// The only `unsafe` of the UART: volatile access to its memory-mapped registers.
fn read_reg(offset: usize) -> u32 {
    // SAFETY: `UART0_BASE + offset` is one of the UART0 registers listed in the module docs: a
    // valid, aligned, always-mapped 32-bit device register on this board. Reads of DATA have the
    // side effect of taking the received byte, which only `Uart0::try_get` does, through the one
    // `Uart0` (`&mut self`).
    unsafe { core::ptr::read_volatile((UART0_BASE + offset) as *const u32) }
}

fn write_reg(offset: usize, value: u32) {
    // SAFETY: as in `read_reg`; writes go through `Uart0::take` (once) and `&mut Uart0`.
    unsafe { core::ptr::write_volatile((UART0_BASE + offset) as *mut u32, value) }
}

impl embedded_io::ErrorType for Uart0 {
    /// The UART cannot fail: a byte is always eventually sent or received.
    type Error = Infallible;
}

impl embedded_io::Read for Uart0 {
    /// Blocks until at least one byte has arrived, then returns it with whatever else has
    /// already arrived, without waiting further. Never returns `Ok(0)` for a non-empty `buf`: a
    /// UART has no end of stream (when the host side closes, reads simply block).
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let mut n = 0;
        for slot in buf.iter_mut() {
            let byte = if n == 0 {
                loop {
                    if let Some(b) = self.try_get() {
                        break b;
                    }
                }
            } else {
                match self.try_get() {
                    Some(b) => b,
                    None => break,
                }
            };
            *slot = byte;
            n += 1;
        }
        Ok(n)
    }
}

impl embedded_io::Write for Uart0 {
    /// Sends all of `buf`, blocking while the transmit buffer is full.
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        for &b in buf {
            self.put(b);
        }
        Ok(buf.len())
    }

    /// Like `write`, which already sends everything.
    fn write_all(&mut self, buf: &[u8]) -> Result<(), Infallible> {
        for &b in buf {
            self.put(b);
        }
        Ok(())
    }

    /// Waits until the last byte has left the transmit buffer.
    fn flush(&mut self) -> Result<(), Infallible> {
        while read_reg(STATE) & STATE_TX_FULL != 0 {}
        Ok(())
    }
}

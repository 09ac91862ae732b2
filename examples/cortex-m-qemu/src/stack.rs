//! Peak stack use, measured by painting.
//!
//! [`paint!`](crate::paint_stack) fills every word from just below the current stack pointer down
//! to the bottom of the stack (`_stack_end`, the end of `.bss`/`.uninit` in cortex-m-rt's
//! `link.x`) with [`PAINT`]; [`Painted::peak_bytes`] later finds the lowest word that no longer
//! holds it. The difference is the deepest the stack went below the point where it was painted:
//! everything called after painting, and nothing the caller had already used.
//!
//! No interrupts are enabled in these binaries, so nothing else writes below the stack pointer.

/// The pattern painted (as cortex-m-rt's `paint-stack` feature uses).
pub const PAINT: u32 = 0xCCCC_CCCC;

extern "C" {
    /// Lowest address of the stack (defined by cortex-m-rt's `link.x`).
    static _stack_end: u32;
}

/// A painted stack: where the painting started.
#[derive(Clone, Copy)]
pub struct Painted {
    top: usize,
}

/// Lowest stack address (first word that may be used as stack).
pub fn bottom() -> usize {
    // Only the symbol's address is taken; the memory is never read through it here.
    (&raw const _stack_end) as usize
}

/// Paints the free stack below the caller's frame. A macro so that it runs in the caller's frame:
/// a function would leave its own frame unpainted and start the count below it.
#[macro_export]
macro_rules! paint_stack {
    () => {{
        let sp = ::cortex_m::register::msp::read() as usize;
        // SAFETY: see `stack::paint_below`.
        unsafe { $crate::stack::paint_below(sp) }
    }};
}

/// Paints `[bottom(), sp)` word by word with [`PAINT`].
///
/// # Safety
///
/// `sp` must be the current stack pointer of the calling frame (read with `msp::read()` in that
/// frame), no interrupt handler may run, and the function must be inlined into the caller (it is
/// `#[inline(always)]` and has no frame of its own that could overlap what it paints).
#[inline(always)]
pub unsafe fn paint_below(sp: usize) -> Painted {
    let top = sp & !3;
    let mut p = bottom();
    while p < top {
        // SAFETY: `[bottom(), top)` is RAM below the live stack: stack memory that holds no
        // live data (the stack grows down from `_stack_start` to `_stack_end`; everything
        // below the stack pointer is free), aligned to 4, and no interrupt uses it meanwhile.
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
    Painted { top }
}

impl Painted {
    /// The deepest the stack went below the painted point so far, in bytes (a multiple of 4).
    ///
    /// Exact unless a function stored [`PAINT`] itself at its deepest word (it would then be
    /// under-counted by the words up to the next one that differs).
    #[inline(never)]
    pub fn peak_bytes(&self) -> u32 {
        let mut p = bottom();
        while p < self.top {
            // SAFETY: `[bottom(), top)` is mapped, aligned RAM of the stack (see `paint_below`);
            // reading it has no side effect.
            let word = unsafe { core::ptr::read_volatile(p as *const u32) };
            if word != PAINT {
                break;
            }
            p += 4;
        }
        (self.top - p) as u32
    }
}

//! Statically allocated values handed out once as `&'static mut` (the firmware's buffers).

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

/// A value in a `static`, taken at most once.
pub struct TakeOnce<T> {
    taken: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the value is reachable only through the single `&'static mut` that `take` hands out
// (the atomic flag makes a second `take` fail, whichever context calls it), so sharing the
// `TakeOnce` across contexts shares no access to `T` itself; `T: Send` lets the one reference
// move to the context that took it.
unsafe impl<T: Send> Sync for TakeOnce<T> {}

impl<T> TakeOnce<T> {
    /// A cell holding `value` (evaluated at compile time: all zeros lands in `.bss`).
    pub const fn new(value: T) -> Self {
        Self {
            taken: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// The value, the first time; `None` after.
    // Interior mutability: the `&mut` comes from the `UnsafeCell`, handed out once.
    #[allow(clippy::mut_from_ref)]
    pub fn take(&'static self) -> Option<&'static mut T> {
        if self.taken.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: the flag was false, so no reference to the value exists and none will be
        // handed out again: this is the only one, for the rest of the program.
        Some(unsafe { &mut *self.value.get() })
    }
}

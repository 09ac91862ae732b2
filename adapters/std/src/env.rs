//! The driver's outside world on a host: the system clock, `thread::sleep`, and jitter from the
//! standard library's randomly seeded hasher (no RNG crate needed for retry jitter).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

use picolambda::driver::Environment;
use picolambda::time::Timestamp;

/// [`Environment`] for hosts.
#[derive(Debug, Default)]
pub struct StdEnvironment {
    counter: u64,
    state: RandomState,
}

impl Environment for StdEnvironment {
    fn now(&mut self) -> Timestamp {
        Timestamp::from_unix_secs(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        )
    }

    fn sleep_ms(&mut self, ms: u32) {
        log::info!("retrying in {ms} ms");
        std::thread::sleep(std::time::Duration::from_millis(u64::from(ms)));
    }

    fn random_u32(&mut self) -> u32 {
        self.counter += 1;
        let mut h = self.state.build_hasher();
        h.write_u64(self.counter);
        // The low 32 bits of a keyed SipHash: uniform enough for jitter.
        h.finish() as u32
    }
}

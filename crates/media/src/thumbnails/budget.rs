//! One memory budget for every decode running in this process, so that the process stays
//! bounded whatever the input and however many decodes run at once. A per-decoder cap does not
//! do that: each of N threads may take the whole cap at the same moment.
//!
//! A decode reserves what it will need, estimated from the image's header, before it allocates
//! any pixels, and holds the reservation until its outputs are encoded. A reservation waits
//! while others hold the budget; one that could never fit is refused with the figures, so the
//! job fails with a reason instead of the process running out of memory.
//!
//! The bytes of originals read whole into memory have a second, separate budget, reserved
//! *before* the decode's: always in that order and never the other way round, and holders of a
//! decode reservation wait for nothing, so reservations cannot deadlock.

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

use super::ThumbnailError;

const MIB: u64 = 1 << 20;

/// Pixels being decoded, resized and encoded, across all threads.
static DECODES: MemoryBudget = MemoryBudget::new(384 * MIB);
/// Originals read whole into memory for decoding, across all threads.
static INPUTS: MemoryBudget = MemoryBudget::new(48 * MIB);

/// Sets the process's decode budget (default 384 MiB). Call once at start-up; the largest
/// single image that can be processed needs about this much (a reduced-scale JPEG or PNG needs
/// far less than its full size).
pub fn set_decode_memory(bytes: u64) {
    DECODES.limit.store(bytes.max(16 * MIB), Ordering::Relaxed);
}

/// The decode budget in bytes.
pub fn decode_memory() -> u64 {
    DECODES.limit()
}

thread_local! {
    /// Reservations this thread holds, of any budget.
    static HELD: Cell<usize> = const { Cell::new(0) };
}

struct MemoryBudget {
    limit: AtomicU64,
    used: Mutex<u64>,
    released: Condvar,
}

/// Bytes held from a budget, given back on drop. Not `Send`: the thread that took it counts
/// it as held (see [`MemoryBudget::take`]) until it is dropped there.
#[must_use]
pub(crate) struct Reservation {
    budget: &'static MemoryBudget,
    bytes: u64,
    _this_thread: PhantomData<*const ()>,
}

impl Reservation {
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl std::fmt::Debug for Reservation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Reservation({} bytes)", self.bytes)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        HELD.with(|held| held.set(held.get().saturating_sub(1)));
        let mut used = self.budget.used.lock().unwrap_or_else(|e| e.into_inner());
        *used -= self.bytes;
        self.budget.released.notify_all();
    }
}

impl MemoryBudget {
    const fn new(limit: u64) -> Self {
        Self {
            limit: AtomicU64::new(limit),
            used: Mutex::new(0),
            released: Condvar::new(),
        }
    }

    fn limit(&self) -> u64 {
        self.limit.load(Ordering::Relaxed)
    }

    /// Waits until `bytes` fit beside what others hold. A thread that already holds a
    /// reservation does not wait (it could be waiting for itself): it is answered `None` when
    /// the bytes do not fit at once.
    fn take(&'static self, bytes: u64) -> Option<Reservation> {
        let holding = HELD.with(Cell::get) > 0;
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used > 0 && *used + bytes > self.limit() {
            if holding {
                return None;
            }
            used = self.released.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += bytes;
        HELD.with(|held| held.set(held.get() + 1));
        Some(Reservation {
            budget: self,
            bytes,
            _this_thread: PhantomData,
        })
    }
}

/// Reserves `bytes` of the decode budget, waiting for other decodes to finish if need be;
/// refused when it exceeds the whole budget.
pub(crate) fn reserve_decode(bytes: u64) -> Result<Reservation, ThumbnailError> {
    let limit = DECODES.limit();
    if bytes > limit {
        return Err(ThumbnailError::TooMuchMemory { bytes, limit });
    }
    DECODES
        .take(bytes)
        .ok_or(ThumbnailError::TooMuchMemory { bytes, limit })
}

/// Reserves room for an original of `bytes` read into memory. A file larger than the whole
/// input budget is not refused (the file-size limit is the caller's): it waits until it can
/// have the budget to itself, so at most one such file is in memory at a time.
pub(crate) fn reserve_input(bytes: u64) -> Option<Reservation> {
    INPUTS.take(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    use std::time::Duration;

    #[test]
    fn a_reservation_waits_until_others_give_back_enough() {
        static TEST_BUDGET: MemoryBudget = MemoryBudget::new(100);
        let first = TEST_BUDGET.take(60).unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let waiter = {
            let done = done.clone();
            std::thread::spawn(move || {
                let second = TEST_BUDGET.take(60).unwrap();
                done.store(true, Ordering::SeqCst);
                second.bytes()
            })
        };
        std::thread::sleep(Duration::from_millis(100));
        assert!(!done.load(Ordering::SeqCst), "took 120 of 100 bytes");
        drop(first);
        assert_eq!(waiter.join().unwrap(), 60);
        assert_eq!(*TEST_BUDGET.used.lock().unwrap(), 0);
    }

    #[test]
    fn a_thread_holding_a_reservation_is_refused_rather_than_waiting_for_itself() {
        static TEST_BUDGET: MemoryBudget = MemoryBudget::new(100);
        let first = TEST_BUDGET.take(60).unwrap();
        assert!(TEST_BUDGET.take(60).is_none());
        let second = TEST_BUDGET.take(40).unwrap();
        drop((first, second));
    }

    #[test]
    fn a_decode_larger_than_the_whole_budget_is_refused_with_the_figures() {
        let err = reserve_decode(decode_memory() + 1).unwrap_err();
        assert!(
            matches!(err, ThumbnailError::TooMuchMemory { bytes, limit } if bytes == limit + 1),
            "{err}"
        );
    }
}

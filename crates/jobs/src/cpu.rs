//! CPU-heavy job work (decoding, resizing, encoding, parsing) runs on a small pool of threads
//! the kernel schedules behind request handling: at nice 10 a busy worker thread gets about a
//! tenth of the CPU an upload needs, so ingest and the API stay fast on a small machine while
//! a library is processed, and processing still uses every idle cycle.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex, OnceLock};

use tokio::sync::oneshot;

/// The nice value of processing threads (and of the tools they start).
pub const BACKGROUND_NICE: i32 = 10;

type Task = Box<dyn FnOnce() + Send>;

/// The shared pool, one thread per core, started on first use.
fn pool() -> &'static Mutex<Sender<Task>> {
    static POOL: OnceLock<Mutex<Sender<Task>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = channel::<Task>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for i in 0..threads {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("shoebox-cpu-{i}"))
                .spawn(move || {
                    lower_this_threads_priority();
                    loop {
                        // The lock is held only while taking a task, never while running it.
                        let task = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match task {
                            Ok(task) => task(),
                            Err(_) => return,
                        }
                    }
                })
                .expect("spawning a processing thread");
        }
        Mutex::new(tx)
    })
}

/// On Linux, `setpriority` with `who = 0` applies to the calling thread only.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority has no memory-safety preconditions; failure leaves the default.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, BACKGROUND_NICE);
    }
}

/// Why CPU work produced no result.
#[derive(Debug)]
pub struct CpuTaskPanicked(pub String);

impl std::error::Error for CpuTaskPanicked {}

impl std::fmt::Display for CpuTaskPanicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "processing task panicked: {}", self.0)
    }
}

/// Runs `f` on a low-priority processing thread and waits for its result. A panic in `f`
/// becomes an error for this one task; the thread lives on.
pub async fn run_cpu<T, F>(f: F) -> Result<T, CpuTaskPanicked>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (done, result) = oneshot::channel();
    let task: Task = Box::new(move || {
        let outcome = catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
            panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into())
        });
        let _ = done.send(outcome);
    });
    pool()
        .lock()
        .map_err(|_| CpuTaskPanicked("processing pool is gone".into()))?
        .send(task)
        .map_err(|_| CpuTaskPanicked("processing pool is gone".into()))?;
    match result.await {
        Ok(outcome) => outcome.map_err(CpuTaskPanicked),
        Err(_) => Err(CpuTaskPanicked("processing thread stopped".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn returns_the_result_of_the_work() {
        assert_eq!(run_cpu(|| 6 * 7).await.unwrap(), 42);
    }

    #[tokio::test]
    async fn a_panic_fails_only_its_own_task() {
        let err = run_cpu(|| -> u32 { panic!("bad file") }).await.unwrap_err();
        assert!(err.to_string().contains("bad file"), "{err}");
        assert_eq!(run_cpu(|| 1).await.unwrap(), 1);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn work_runs_at_background_priority() {
        // SAFETY: getpriority has no preconditions; errno is irrelevant for valid values.
        let nice = run_cpu(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) })
            .await
            .unwrap();
        assert!(nice >= BACKGROUND_NICE, "nice {nice}");
    }
}

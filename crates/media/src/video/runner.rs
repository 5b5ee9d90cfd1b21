//! The one way ffmpeg and ffprobe are run: a bounded number at a time, each with a deadline,
//! killed when it passes or when the caller gives up, with stdout size-limited and the end
//! of stderr kept for the error message.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::sync::Semaphore;

/// How much of a tool's stderr an error message keeps (its last lines say what went wrong).
const STDERR_TAIL: usize = 2048;

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{tool} is not installed or cannot be started: {source}")]
    Missing {
        tool: String,
        source: std::io::Error,
    },
    #[error("{tool} did not finish within {seconds} s and was stopped")]
    TimedOut { tool: String, seconds: u64 },
    #[error("{tool} failed ({status}): {stderr}")]
    Failed {
        tool: String,
        status: String,
        stderr: String,
    },
    #[error("{tool} wrote more than {limit} bytes of output")]
    OutputTooLarge { tool: String, limit: usize },
    #[error("{tool}: {source}")]
    Io {
        tool: String,
        source: std::io::Error,
    },
}

/// Runs ffmpeg and ffprobe. Clone it freely: clones share the concurrency limit.
#[derive(Clone, Debug)]
pub struct ToolRunner {
    ffmpeg: PathBuf,
    ffprobe: PathBuf,
    permits: Arc<Semaphore>,
    /// Nice value for the tools, so encoders yield to request handling.
    nice: Option<i32>,
}

/// Which tool to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Ffmpeg,
    Ffprobe,
}

impl ToolRunner {
    /// `ffmpeg` and `ffprobe` from `PATH`, at most `max_concurrent` processes at once.
    pub fn new(max_concurrent: usize) -> Self {
        Self::with_programs("ffmpeg".into(), "ffprobe".into(), max_concurrent)
    }

    pub fn with_programs(ffmpeg: PathBuf, ffprobe: PathBuf, max_concurrent: usize) -> Self {
        Self {
            ffmpeg,
            ffprobe,
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            nice: None,
        }
    }

    /// Starts every tool at this nice value (Linux; ignored elsewhere).
    pub fn with_nice(mut self, nice: i32) -> Self {
        self.nice = Some(nice);
        self
    }

    /// Runs `tool` with `args`; returns its stdout (at most `max_output` bytes).
    pub async fn run(
        &self,
        tool: Tool,
        args: &[OsString],
        timeout: Duration,
        max_output: usize,
    ) -> Result<Vec<u8>, ToolError> {
        let program = match tool {
            Tool::Ffmpeg => &self.ffmpeg,
            Tool::Ffprobe => &self.ffprobe,
        };
        let name = program.display().to_string();
        // The semaphore is never closed, so acquiring cannot fail.
        let _permit = self.permits.acquire().await.expect("semaphore closed");
        let mut command = Command::new(program);
        #[cfg(target_os = "linux")]
        if let Some(nice) = self.nice {
            // SAFETY: only setpriority, which is async-signal-safe, runs between fork and exec.
            unsafe {
                command.pre_exec(move || {
                    libc::setpriority(libc::PRIO_PROCESS, 0, nice);
                    Ok(())
                });
            }
        }
        let mut child = command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A timed-out or abandoned run must not leave an encoder behind.
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| ToolError::Missing {
                tool: name.clone(),
                source,
            })?;
        let stdout = child.stdout.take().expect("stdout piped");
        let stderr = child.stderr.take().expect("stderr piped");
        let work = async {
            let (out, err, status) = tokio::join!(
                read_limited(stdout, max_output),
                read_tail(stderr),
                child.wait()
            );
            (out, err, status)
        };
        let (out, err, status) = match tokio::time::timeout(timeout, work).await {
            Ok(done) => done,
            Err(_) => {
                return Err(ToolError::TimedOut {
                    tool: name,
                    seconds: timeout.as_secs(),
                });
            }
        };
        let io = |source| ToolError::Io {
            tool: name.clone(),
            source,
        };
        let status = status.map_err(io)?;
        let stderr = String::from_utf8_lossy(&err.map_err(io)?)
            .trim()
            .to_string();
        let Some(out) = out.map_err(io)? else {
            return Err(ToolError::OutputTooLarge {
                tool: name,
                limit: max_output,
            });
        };
        if !status.success() {
            return Err(ToolError::Failed {
                tool: name,
                status: status.to_string(),
                stderr,
            });
        }
        Ok(out)
    }
}

/// Reads everything, or returns None once more than `limit` bytes came (the rest is drained
/// so the tool does not block on a full pipe before it is killed).
async fn read_limited(
    mut reader: impl AsyncRead + Unpin,
    limit: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut over = false;
    loop {
        let n = reader.read(&mut chunk).await?;
        if n == 0 {
            return Ok((!over).then_some(out));
        }
        if !over && out.len() + n <= limit {
            out.extend_from_slice(&chunk[..n]);
        } else {
            over = true;
            out = Vec::new();
        }
    }
}

/// Keeps the last [`STDERR_TAIL`] bytes.
async fn read_tail(mut reader: impl AsyncRead + Unpin) -> std::io::Result<Vec<u8>> {
    let mut tail = Vec::new();
    let mut chunk = vec![0u8; 8 * 1024];
    loop {
        let n = reader.read(&mut chunk).await?;
        if n == 0 {
            return Ok(tail);
        }
        tail.extend_from_slice(&chunk[..n]);
        if tail.len() > STDERR_TAIL {
            tail.drain(..tail.len() - STDERR_TAIL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh_runner() -> ToolRunner {
        // `sh` stands in for the tool so these tests need no ffmpeg.
        ToolRunner::with_programs("sh".into(), "sh".into(), 1)
    }

    fn script(s: &str) -> Vec<OsString> {
        vec!["-c".into(), s.into()]
    }

    #[tokio::test]
    async fn returns_stdout_of_a_successful_run() {
        let out = sh_runner()
            .run(
                Tool::Ffprobe,
                &script("printf hello"),
                Duration::from_secs(5),
                100,
            )
            .await
            .unwrap();
        assert_eq!(out, b"hello");
    }

    #[tokio::test]
    async fn failure_carries_the_end_of_stderr() {
        let err = sh_runner()
            .run(
                Tool::Ffmpeg,
                &script("echo 'moov atom not found' >&2; exit 1"),
                Duration::from_secs(5),
                100,
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("moov atom not found"), "{err}");
    }

    #[tokio::test]
    async fn a_run_past_its_deadline_is_killed() {
        let started = std::time::Instant::now();
        let err = sh_runner()
            .run(
                Tool::Ffmpeg,
                &script("sleep 30"),
                Duration::from_millis(200),
                100,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, ToolError::TimedOut { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn output_over_the_limit_is_refused() {
        let err = sh_runner()
            .run(
                Tool::Ffmpeg,
                &script("head -c 100000 /dev/zero"),
                Duration::from_secs(5),
                1000,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, ToolError::OutputTooLarge { .. }), "{err}");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn tools_run_at_the_configured_nice_value() {
        let out = sh_runner()
            .with_nice(7)
            .run(
                Tool::Ffmpeg,
                &script("cut -d' ' -f19 /proc/self/stat"),
                Duration::from_secs(5),
                100,
            )
            .await
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out).trim(), "7");
    }

    #[tokio::test]
    async fn a_missing_program_is_reported_as_missing() {
        let runner = ToolRunner::with_programs("/nonexistent/ffmpeg".into(), "x".into(), 1);
        let err = runner
            .run(Tool::Ffmpeg, &[], Duration::from_secs(5), 100)
            .await
            .unwrap_err();
        assert!(matches!(err, ToolError::Missing { .. }), "{err}");
    }
}

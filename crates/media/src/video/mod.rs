//! Videos through the real ffprobe and ffmpeg: probing, a still for previews, and Immich's
//! transcoding policy. Every process goes through one [`ToolRunner`] (bounded concurrency,
//! deadlines, kill on drop).

mod filters;
mod frame;
pub mod probe;
mod runner;
pub mod transcode;

use std::path::Path;
use std::time::Duration;

pub use frame::frame_args;
pub use probe::{AudioStream, VideoInfo, VideoStream};
pub use runner::{Tool, ToolError, ToolRunner};
pub use transcode::{
    HardwareAcceleration, ToneMapping, TranscodePlan, TranscodePolicy, TranscodeSettings,
    plan as transcode_plan, transcode_args,
};

/// ffprobe reads headers only; anything slower than this is a pathological file.
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);
const PROBE_MAX_OUTPUT: usize = 4 << 20;
const FRAME_TIMEOUT: Duration = Duration::from_secs(120);
/// An uncompressed-ish PNG of a 1440-line frame is well under this.
const FRAME_MAX_OUTPUT: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error(transparent)]
    Tool(#[from] ToolError),
    #[error(transparent)]
    Probe(#[from] probe::ProbeParseError),
    #[error("no video stream in the file")]
    NoVideoStream,
}

impl ToolRunner {
    /// Probes a file. A file without any video stream is an error.
    pub async fn probe(&self, path: &Path) -> Result<VideoInfo, VideoError> {
        let json = self
            .run(
                Tool::Ffprobe,
                &probe::probe_args(path),
                PROBE_TIMEOUT,
                PROBE_MAX_OUTPUT,
            )
            .await?;
        let info = probe::parse(&json)?;
        if info.main_video().is_none() {
            return Err(VideoError::NoVideoStream);
        }
        Ok(info)
    }

    /// A PNG of a representative frame, upright, its shorter side at most `max_short_side`.
    pub async fn extract_frame(
        &self,
        path: &Path,
        info: &VideoInfo,
        max_short_side: u32,
    ) -> Result<Vec<u8>, VideoError> {
        let stream = info.main_video().ok_or(VideoError::NoVideoStream)?;
        let png = self
            .run(
                Tool::Ffmpeg,
                &frame_args(path, stream, max_short_side),
                FRAME_TIMEOUT,
                FRAME_MAX_OUTPUT,
            )
            .await?;
        if png.is_empty() {
            return Err(VideoError::Tool(ToolError::Failed {
                tool: "ffmpeg".into(),
                status: "exit status: 0".into(),
                stderr: "no frame could be decoded".into(),
            }));
        }
        Ok(png)
    }

    /// Writes a playable MP4 of `input` to `output` following `plan`. The deadline grows with
    /// the video's length: ten times real time, at least ten minutes.
    pub async fn transcode(
        &self,
        input: &Path,
        output: &Path,
        info: &VideoInfo,
        plan: &TranscodePlan,
        settings: &TranscodeSettings,
    ) -> Result<(), VideoError> {
        let seconds = info.duration_seconds.unwrap_or(0.0) * 10.0;
        let timeout = Duration::from_secs_f64(seconds.clamp(600.0, 86_400.0));
        let args = transcode_args(input, output, info, plan, settings);
        self.run(Tool::Ffmpeg, &args, timeout, 1 << 20).await?;
        Ok(())
    }
}

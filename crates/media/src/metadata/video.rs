//! The seam for videos. Their stream facts (duration, codec, frame rate, rotation) come from
//! a [`VideoProbe`], implemented on top of ffprobe by the external-tool runner; this module
//! only defines what a probe returns and how Immich maps it.

use std::path::Path;

use super::MetadataError;

/// What a prober reports about a video file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoProbeOutput {
    pub duration_seconds: Option<f64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Display rotation of the first video stream, in degrees.
    pub rotation: Option<i32>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub frames_per_second: Option<f64>,
    /// The container's creation time as written (QuickTime `creation_time`).
    pub creation_time: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// QuickTime `com.apple.quicktime.content.identifier`, pairing a live photo's video.
    pub content_identifier: Option<String>,
}

/// Describes a video file.
pub trait VideoProbe: Send + Sync {
    fn probe(&self, path: &Path) -> Result<VideoProbeOutput, MetadataError>;
}

/// The EXIF orientation Immich derives from a video stream's rotation.
pub fn orientation_from_rotation(rotation: i32) -> Option<u16> {
    match rotation.rem_euclid(360) {
        0 => Some(1),
        90 => Some(8),
        180 => Some(3),
        270 => Some(6),
        _ => None,
    }
}

/// Immich's duration string, `hh:mm:ss.SSS`.
pub fn format_duration(seconds: f64) -> Option<String> {
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    let millis = (seconds * 1000.0).round() as u64;
    let (h, rest) = (millis / 3_600_000, millis % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    Some(format!("{h:02}:{m:02}:{s:02}.{ms:03}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotations() {
        assert_eq!(orientation_from_rotation(-90), Some(6));
        assert_eq!(orientation_from_rotation(0), Some(1));
        assert_eq!(orientation_from_rotation(90), Some(8));
        assert_eq!(orientation_from_rotation(180), Some(3));
        assert_eq!(orientation_from_rotation(-180), Some(3));
        assert_eq!(orientation_from_rotation(45), None);
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(0.0).as_deref(), Some("00:00:00.000"));
        assert_eq!(format_duration(3.2).as_deref(), Some("00:00:03.200"));
        assert_eq!(format_duration(3723.0456).as_deref(), Some("01:02:03.046"));
        assert_eq!(format_duration(-1.0), None);
    }
}

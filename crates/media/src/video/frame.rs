//! One representative still of a video, for its preview and thumbnail: decoded by ffmpeg,
//! upright, tone-mapped if HDR, scaled to no more than the preview size, as PNG on stdout.

use std::ffi::OsString;
use std::path::Path;

use super::filters::{scale_down, tone_map};
use super::probe::VideoStream;

/// How many key frames ffmpeg's `thumbnail` filter compares to pick the most typical one
/// (the first frame is often black or a fade-in).
const CANDIDATE_FRAMES: u32 = 12;

/// Arguments that print a PNG of `stream`'s most representative key frame, its shorter side
/// at most `max_short_side`.
pub fn frame_args(input: &Path, stream: &VideoStream, max_short_side: u32) -> Vec<OsString> {
    let mut filters = vec![format!("thumbnail={CANDIDATE_FRAMES}")];
    if stream.is_hdr() {
        filters.push(tone_map("hable"));
    }
    filters.extend(scale_down(stream, max_short_side));
    filters.push("format=rgb24".into());
    let mut args: Vec<OsString> = Vec::new();
    // Decoding only key frames makes this cheap for long videos.
    for word in ["-nostdin", "-v", "error", "-skip_frame", "nointra", "-i"] {
        args.push(word.into());
    }
    args.push(input.into());
    for word in [
        "-map".to_string(),
        format!("0:{}", stream.index),
        "-an".into(),
        "-sn".into(),
        "-dn".into(),
        "-vf".into(),
        filters.join(","),
        "-frames:v".into(),
        "1".into(),
        "-f".into(),
        "image2pipe".into(),
        "-c:v".into(),
        "png".into(),
        "-".into(),
    ] {
        args.push(word.into());
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_portrait_frames_are_scaled_by_width() {
        let stream = VideoStream {
            index: 0,
            width: 3840,
            height: 2160,
            rotation: -90,
            ..VideoStream::default()
        };
        let args: Vec<String> = frame_args(Path::new("v.mov"), &stream, 1440)
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(
            args.contains(&"thumbnail=12,scale=1440:-2,format=rgb24".to_string()),
            "{args:?}"
        );
    }

    #[test]
    fn small_frames_are_not_enlarged() {
        let stream = VideoStream {
            index: 2,
            width: 320,
            height: 240,
            ..VideoStream::default()
        };
        let args: Vec<String> = frame_args(Path::new("v.mp4"), &stream, 1440)
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(
            args.contains(&"thumbnail=12,format=rgb24".to_string()),
            "{args:?}"
        );
        assert!(args.contains(&"0:2".to_string()));
    }
}

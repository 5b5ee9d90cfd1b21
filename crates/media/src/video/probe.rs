//! What ffprobe says about a video: `ffprobe -print_format json -show_format -show_streams`,
//! parsed into the facts Immich uses (main video and audio stream, container, tags).

use std::collections::BTreeMap;

use serde::Deserialize;

/// The arguments that make ffprobe print what [`parse`] reads.
pub fn probe_args(path: &std::path::Path) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = [
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
    ]
    .iter()
    .map(Into::into)
    .collect();
    args.push(path.into());
    args
}

/// A probed video file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoInfo {
    /// ffprobe's `format_name`, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    pub format_name: String,
    /// e.g. `QuickTime / MOV`; tells a .mov from an .mp4, which share a `format_name`.
    pub format_long_name: String,
    pub duration_seconds: Option<f64>,
    pub bit_rate: Option<u64>,
    /// Container tags (creation time, location, Apple keys).
    pub tags: BTreeMap<String, String>,
    pub video_streams: Vec<VideoStream>,
    pub audio_streams: Vec<AudioStream>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoStream {
    pub index: u32,
    pub codec_name: String,
    /// As stored, before rotation.
    pub width: u32,
    pub height: u32,
    /// Display rotation in degrees (counter-clockwise, as ffprobe reports it).
    pub rotation: i32,
    pub pixel_format: String,
    pub frames_per_second: Option<f64>,
    pub bit_rate: Option<u64>,
    pub frame_count: u64,
    /// `color_transfer`: `smpte2084` (PQ) and `arib-std-b67` (HLG) are HDR.
    pub color_transfer: Option<String>,
    pub color_primaries: Option<String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AudioStream {
    pub index: u32,
    pub codec_name: String,
    pub bit_rate: Option<u64>,
    pub frame_count: u64,
}

impl VideoStream {
    /// Turned a quarter by its display matrix: shown with width and height swapped.
    pub fn is_rotated_quarter(&self) -> bool {
        self.rotation.rem_euclid(180) == 90
    }

    /// Width and height as displayed.
    pub fn display_size(&self) -> (u32, u32) {
        if self.is_rotated_quarter() {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }

    pub fn is_hdr(&self) -> bool {
        matches!(
            self.color_transfer.as_deref(),
            Some("smpte2084" | "arib-std-b67")
        )
    }
}

impl VideoInfo {
    /// The stream a player shows: the video stream with the most frames (cover art and
    /// thumbnail tracks are single pictures).
    pub fn main_video(&self) -> Option<&VideoStream> {
        self.video_streams.iter().max_by_key(|s| s.frame_count)
    }

    pub fn main_audio(&self) -> Option<&AudioStream> {
        self.audio_streams.iter().max_by_key(|s| s.frame_count)
    }

    /// A container tag, from the container or else from the main video stream (ffmpeg puts
    /// `creation_time` on both; some cameras only on the stream).
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .get(key)
            .or_else(|| self.main_video().and_then(|s| s.tags.get(key)))
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("ffprobe output is not what was expected: {0}")]
pub struct ProbeParseError(String);

/// Reads ffprobe's JSON. A file ffprobe could open but that has no video stream still parses;
/// whether that is acceptable is for the caller to decide.
pub fn parse(json: &[u8]) -> Result<VideoInfo, ProbeParseError> {
    let raw: RawProbe = serde_json::from_slice(json).map_err(|e| ProbeParseError(e.to_string()))?;
    let format = raw
        .format
        .ok_or_else(|| ProbeParseError("no format section".into()))?;
    let mut info = VideoInfo {
        format_name: format.format_name.unwrap_or_default(),
        format_long_name: format.format_long_name.unwrap_or_default(),
        duration_seconds: number(&format.duration).filter(|d| d.is_finite() && *d >= 0.0),
        bit_rate: number(&format.bit_rate).map(|b| b as u64),
        tags: format.tags,
        ..VideoInfo::default()
    };
    for stream in raw.streams {
        match stream.codec_type.as_deref() {
            Some("video") if stream.disposition.attached_pic == 0 => {
                info.video_streams.push(video_stream(stream))
            }
            Some("audio") => info.audio_streams.push(AudioStream {
                index: stream.index,
                codec_name: stream.codec_name.unwrap_or_default(),
                bit_rate: number(&stream.bit_rate).map(|b| b as u64),
                frame_count: number(&stream.nb_frames).unwrap_or(0.0) as u64,
            }),
            _ => {}
        }
    }
    Ok(info)
}

fn video_stream(stream: RawStream) -> VideoStream {
    // ffmpeg ≥ 5 reports rotation in the display-matrix side data; older ffprobe builds put
    // the same angle in a `rotate` tag.
    let rotation = stream
        .side_data_list
        .iter()
        .find_map(|d| d.rotation.as_ref().and_then(as_f64))
        .map(|r| r.round() as i32)
        .or_else(|| {
            stream
                .tags
                .get("rotate")
                .and_then(|r| r.parse::<i32>().ok())
        })
        .unwrap_or(0);
    let frames_per_second =
        rate(stream.avg_frame_rate.as_deref()).or_else(|| rate(stream.r_frame_rate.as_deref()));
    VideoStream {
        index: stream.index,
        codec_name: stream.codec_name.unwrap_or_default(),
        width: stream.width.unwrap_or(0),
        height: stream.height.unwrap_or(0),
        rotation,
        pixel_format: stream.pix_fmt.unwrap_or_default(),
        frames_per_second,
        bit_rate: number(&stream.bit_rate).map(|b| b as u64),
        frame_count: number(&stream.nb_frames).unwrap_or(0.0) as u64,
        color_transfer: stream.color_transfer,
        color_primaries: stream.color_primaries,
        tags: stream.tags,
    }
}

/// `30000/1001` → 29.97; `0/0` (unknown) → None.
fn rate(value: Option<&str>) -> Option<f64> {
    let (num, den) = value?.split_once('/')?;
    let (num, den) = (num.parse::<f64>().ok()?, den.parse::<f64>().ok()?);
    (den > 0.0 && num > 0.0).then(|| num / den)
}

fn as_f64(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// ffprobe prints most numbers as strings, some as numbers.
fn number(value: &Option<serde_json::Value>) -> Option<f64> {
    value.as_ref().and_then(as_f64)
}

#[derive(Deserialize)]
struct RawProbe {
    #[serde(default)]
    streams: Vec<RawStream>,
    format: Option<RawFormat>,
}

#[derive(Deserialize)]
struct RawFormat {
    format_name: Option<String>,
    format_long_name: Option<String>,
    duration: Option<serde_json::Value>,
    bit_rate: Option<serde_json::Value>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawStream {
    #[serde(default)]
    index: u32,
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    pix_fmt: Option<String>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    bit_rate: Option<serde_json::Value>,
    nb_frames: Option<serde_json::Value>,
    color_transfer: Option<String>,
    color_primaries: Option<String>,
    #[serde(default)]
    side_data_list: Vec<RawSideData>,
    #[serde(default)]
    disposition: RawDisposition,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawSideData {
    rotation: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct RawDisposition {
    #[serde(default)]
    attached_pic: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> VideoInfo {
        let path = format!(
            "{}/tests/fixtures/ffprobe/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        parse(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn h264_mp4_reports_streams_duration_and_tags() {
        let info = fixture("h264_aac_gps.mp4");
        let video = info.main_video().unwrap();
        assert_eq!(video.codec_name, "h264");
        assert_eq!((video.width, video.height), (320, 240));
        assert_eq!(video.pixel_format, "yuv420p");
        assert_eq!(video.frames_per_second, Some(25.0));
        assert_eq!(info.main_audio().unwrap().codec_name, "aac");
        assert_eq!(info.duration_seconds, Some(2.0));
        assert_eq!(info.tag("location"), Some("+48.8584+002.2945/"));
        assert_eq!(
            info.tag("creation_time"),
            Some("2021-06-01T12:00:00.000000Z")
        );
    }

    #[test]
    fn display_matrix_rotation_swaps_display_size() {
        let info = fixture("hevc_rotated.mov");
        let video = info.main_video().unwrap();
        assert_eq!(video.codec_name, "hevc");
        assert_eq!(video.rotation, 90);
        assert_eq!(video.display_size(), (1080, 1920));
        assert_eq!(info.format_long_name, "QuickTime / MOV");
        assert!(info.main_audio().is_none());
    }

    #[test]
    fn apple_keys_are_container_tags() {
        let info = fixture("apple_live.mov");
        assert_eq!(
            info.tag("com.apple.quicktime.content.identifier"),
            Some("ABCD-1234")
        );
        assert_eq!(
            info.tag("com.apple.quicktime.creationdate"),
            Some("2023-07-08T09:10:11+0900")
        );
    }

    #[test]
    fn avi_and_webm_parse() {
        let avi = fixture("mpeg4_mp3.avi");
        assert_eq!(avi.format_name, "avi");
        assert_eq!(avi.main_video().unwrap().codec_name, "mpeg4");
        assert_eq!(avi.main_audio().unwrap().codec_name, "mp3");
        let webm = fixture("vp9.webm");
        assert_eq!(webm.main_video().unwrap().codec_name, "vp9");
    }

    #[test]
    fn empty_output_is_an_error_not_a_panic() {
        assert!(parse(b"{\n\n}").is_err());
        assert!(parse(b"not json").is_err());
    }

    #[test]
    fn frame_rates() {
        assert_eq!(
            rate(Some("30000/1001")).map(|r| (r * 100.0).round()),
            Some(2997.0)
        );
        assert_eq!(rate(Some("0/0")), None);
        assert_eq!(rate(None), None);
    }
}

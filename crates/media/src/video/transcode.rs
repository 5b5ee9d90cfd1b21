//! Immich's transcoding policy: when a video needs a playable copy, and the ffmpeg arguments
//! that make it. The settings mirror Immich's `ffmpeg` system-config section and default to it.

use std::ffi::OsString;
use std::path::Path;

use super::filters::{scale_down, tone_map};
use super::probe::VideoInfo;

/// When to transcode (Immich's `transcode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranscodePolicy {
    /// Every video.
    All,
    /// Videos larger than the target resolution, or not in an accepted format.
    Optimal,
    /// Videos above the maximum bitrate, or not in an accepted format.
    Bitrate,
    /// Only videos not in an accepted format (Immich's default).
    Required,
    Disabled,
}

/// Hardware encoders (Immich's `accel`), handed to ffmpeg as encoder names and devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HardwareAcceleration {
    Disabled,
    Nvenc,
    Qsv,
    Vaapi,
    Rkmpp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToneMapping {
    Hable,
    Mobius,
    Reinhard,
    Disabled,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TranscodeSettings {
    pub policy: TranscodePolicy,
    /// `h264`, `hevc`, `vp9` or `av1`.
    pub target_video_codec: String,
    pub accepted_video_codecs: Vec<String>,
    /// `aac`, `mp3`, `libopus` or `pcm_s16le`.
    pub target_audio_codec: String,
    pub accepted_audio_codecs: Vec<String>,
    /// `mov`, `mp4`, `ogg`, `webm`.
    pub accepted_containers: Vec<String>,
    /// Shorter side in pixels; `None` keeps the original resolution.
    pub target_resolution: Option<u32>,
    pub crf: u32,
    pub preset: String,
    /// 0 = no limit. Bits per second.
    pub max_bitrate: u64,
    /// 0 = let ffmpeg choose.
    pub threads: u32,
    /// Key-frame interval; 0 = the encoder's default.
    pub gop_size: u32,
    /// B-frames between references; -1 = the encoder's default.
    pub bframes: i32,
    /// Reference frames; 0 = the encoder's default.
    pub refs: u32,
    pub tone_mapping: ToneMapping,
    pub acceleration: HardwareAcceleration,
    /// Decode on the GPU as well (Immich's `accelDecode`).
    pub accelerated_decode: bool,
    /// e.g. `/dev/dri/renderD128`; `None` = the driver's default device.
    pub preferred_device: Option<String>,
}

impl Default for TranscodeSettings {
    fn default() -> Self {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Self {
            policy: TranscodePolicy::Required,
            target_video_codec: "h264".into(),
            accepted_video_codecs: list(&["h264"]),
            target_audio_codec: "aac".into(),
            accepted_audio_codecs: list(&["aac", "mp3", "libopus"]),
            accepted_containers: list(&["mov", "ogg", "webm"]),
            target_resolution: Some(720),
            crf: 23,
            preset: "ultrafast".into(),
            max_bitrate: 0,
            threads: 0,
            gop_size: 0,
            bframes: -1,
            refs: 0,
            tone_mapping: ToneMapping::Hable,
            acceleration: HardwareAcceleration::Disabled,
            accelerated_decode: false,
            preferred_device: None,
        }
    }
}

/// What a transcode must change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TranscodePlan {
    pub video: bool,
    pub audio: bool,
    /// Only the container is unplayable: streams are copied into MP4.
    pub remux: bool,
}

impl TranscodePlan {
    pub fn is_needed(&self) -> bool {
        self.video || self.audio || self.remux
    }
}

/// Decides, as Immich does, whether `info` needs a playable copy, and of what.
pub fn plan(info: &VideoInfo, settings: &TranscodeSettings) -> TranscodePlan {
    let Some(video) = info.main_video() else {
        return TranscodePlan {
            video: false,
            audio: false,
            remux: false,
        };
    };
    let accepted_codec = settings
        .accepted_video_codecs
        .iter()
        .any(|c| codec_matches(c, &video.codec_name));
    // Players handle 4:2:0 everywhere; 4:2:2/4:4:4 and RGB they often do not.
    let required = !accepted_codec || !video.pixel_format.ends_with("420p");
    let over_resolution = settings
        .target_resolution
        .is_some_and(|target| video.width.min(video.height) > target);
    let over_bitrate = settings.max_bitrate > 0
        && video.bit_rate.or(info.bit_rate).unwrap_or(0) > settings.max_bitrate;
    let video_needed = match settings.policy {
        TranscodePolicy::Disabled => false,
        TranscodePolicy::All => true,
        TranscodePolicy::Required => required,
        TranscodePolicy::Optimal => required || over_resolution,
        TranscodePolicy::Bitrate => required || over_bitrate,
    };
    let audio_needed = match (settings.policy, info.main_audio()) {
        (_, None) | (TranscodePolicy::Disabled, _) => false,
        (TranscodePolicy::All, _) => true,
        (_, Some(audio)) => !settings
            .accepted_audio_codecs
            .iter()
            .any(|c| codec_matches(c, &audio.codec_name)),
    };
    let remux = settings.policy != TranscodePolicy::Disabled && {
        let container = container_of(info);
        container != "mp4" && !settings.accepted_containers.iter().any(|c| c == container)
    };
    TranscodePlan {
        video: video_needed,
        audio: audio_needed,
        remux,
    }
}

/// ffmpeg reports Opus as `opus`; Immich's setting names the encoder, `libopus`.
fn codec_matches(setting: &str, probed: &str) -> bool {
    setting == probed || (setting == "libopus" && probed == "opus")
}

/// The container's short name: QuickTime and MP4 share ffprobe's `format_name`, and only the
/// long name tells them apart.
fn container_of(info: &VideoInfo) -> &str {
    if info.format_long_name == "QuickTime / MOV" {
        return "mov";
    }
    let first = info.format_name.split(',').next().unwrap_or("");
    match first {
        "matroska" if info.format_name.contains("webm") => "webm",
        other => other,
    }
}

/// Arguments that transcode `input` into an MP4 at `output` following `plan`.
pub fn transcode_args(
    input: &Path,
    output: &Path,
    info: &VideoInfo,
    plan: &TranscodePlan,
    settings: &TranscodeSettings,
) -> Vec<OsString> {
    let mut args = Vec::new();
    add(&mut args, ["-nostdin", "-v", "error", "-y"]);
    let hw = settings.acceleration;
    if plan.video {
        let device = settings
            .preferred_device
            .as_deref()
            .unwrap_or("/dev/dri/renderD128");
        match hw {
            HardwareAcceleration::Vaapi => add(&mut args, ["-vaapi_device", device]),
            HardwareAcceleration::Qsv => add(
                &mut args,
                ["-init_hw_device".into(), format!("qsv=hw:{device}")],
            ),
            _ => {}
        }
        if settings.accelerated_decode {
            let decoder = match hw {
                HardwareAcceleration::Nvenc => Some("cuda"),
                HardwareAcceleration::Qsv => Some("qsv"),
                HardwareAcceleration::Vaapi => Some("vaapi"),
                HardwareAcceleration::Rkmpp => Some("rkmpp"),
                HardwareAcceleration::Disabled => None,
            };
            if let Some(decoder) = decoder {
                add(&mut args, ["-hwaccel", decoder]);
            }
        }
    }
    add(&mut args, [OsString::from("-i"), input.into()]);
    let video = info.main_video();
    let audio = info.main_audio();
    for index in video
        .map(|v| v.index)
        .into_iter()
        .chain(audio.map(|a| a.index))
    {
        add(&mut args, ["-map".into(), format!("0:{index}")]);
    }
    if plan.video {
        add(
            &mut args,
            [
                "-c:v".into(),
                encoder_name(&settings.target_video_codec, hw),
            ],
        );
        add(&mut args, quality_args(settings));
        if settings.threads > 0 {
            add(&mut args, ["-threads".into(), settings.threads.to_string()]);
        }
        if settings.gop_size > 0 {
            add(&mut args, ["-g".into(), settings.gop_size.to_string()]);
        }
        if settings.bframes >= 0 {
            add(&mut args, ["-bf".into(), settings.bframes.to_string()]);
        }
        if settings.refs > 0 {
            add(&mut args, ["-refs".into(), settings.refs.to_string()]);
        }
        if settings.max_bitrate > 0 {
            let rate = settings.max_bitrate;
            add(
                &mut args,
                [
                    "-maxrate".into(),
                    rate.to_string(),
                    "-bufsize".into(),
                    (rate * 2).to_string(),
                ],
            );
        }
        let filters = video.map(|v| filters(v, settings)).unwrap_or_default();
        if !filters.is_empty() {
            add(&mut args, ["-vf".into(), filters.join(",")]);
        }
    } else {
        add(&mut args, ["-c:v", "copy"]);
    }
    let hevc_out = if plan.video {
        settings.target_video_codec == "hevc"
    } else {
        video.is_some_and(|v| v.codec_name == "hevc")
    };
    if hevc_out {
        // Apple players only play HEVC in MP4 under the `hvc1` tag.
        add(&mut args, ["-tag:v", "hvc1"]);
    }
    if audio.is_some() {
        let codec = if plan.audio {
            settings.target_audio_codec.as_str()
        } else {
            "copy"
        };
        add(&mut args, ["-c:a", codec]);
    }
    // Playable while still downloading; keep the source's frame timing.
    add(
        &mut args,
        [
            "-movflags",
            "faststart",
            "-fps_mode",
            "passthrough",
            "-f",
            "mp4",
        ],
    );
    args.push(output.into());
    args
}

fn add<S: Into<OsString>>(args: &mut Vec<OsString>, items: impl IntoIterator<Item = S>) {
    args.extend(items.into_iter().map(Into::into));
}

fn encoder_name(codec: &str, hw: HardwareAcceleration) -> String {
    let software = match codec {
        "h264" => "libx264",
        "hevc" => "libx265",
        "vp9" => "libvpx-vp9",
        "av1" => "libsvtav1",
        other => other,
    };
    match hw {
        HardwareAcceleration::Disabled => software.into(),
        HardwareAcceleration::Nvenc => format!("{codec}_nvenc"),
        HardwareAcceleration::Qsv => format!("{codec}_qsv"),
        HardwareAcceleration::Vaapi => format!("{codec}_vaapi"),
        HardwareAcceleration::Rkmpp => format!("{codec}_rkmpp"),
    }
}

/// Each encoder family spells "constant quality" differently.
fn quality_args(settings: &TranscodeSettings) -> Vec<String> {
    let crf = settings.crf.to_string();
    let words: Vec<&str> = match settings.acceleration {
        HardwareAcceleration::Disabled => match settings.target_video_codec.as_str() {
            "vp9" => vec!["-crf", &crf, "-b:v", "0"],
            _ => vec!["-preset", &settings.preset, "-crf", &crf],
        },
        HardwareAcceleration::Nvenc => vec!["-cq:v", &crf],
        HardwareAcceleration::Qsv => vec!["-global_quality:v", &crf],
        HardwareAcceleration::Vaapi => vec!["-qp:v", &crf],
        HardwareAcceleration::Rkmpp => vec!["-rc_mode", "CQP", "-qp_init", &crf],
    };
    words.into_iter().map(String::from).collect()
}

/// Scale down to the target (shorter side), tone-map HDR to SDR, and end in 4:2:0.
fn filters(video: &super::probe::VideoStream, settings: &TranscodeSettings) -> Vec<String> {
    let mut filters = Vec::new();
    let curve = match settings.tone_mapping {
        ToneMapping::Hable => Some("hable"),
        ToneMapping::Mobius => Some("mobius"),
        ToneMapping::Reinhard => Some("reinhard"),
        ToneMapping::Disabled => None,
    };
    if video.is_hdr()
        && let Some(curve) = curve
    {
        filters.push(tone_map(curve));
    }
    if let Some(target) = settings.target_resolution {
        filters.extend(scale_down(video, target));
    }
    match settings.acceleration {
        HardwareAcceleration::Vaapi => {
            filters.push("format=nv12".into());
            filters.push("hwupload".into());
        }
        _ => filters.push("format=yuv420p".into()),
    }
    filters
}

#[cfg(test)]
mod tests {
    use super::super::probe::{AudioStream, VideoStream};
    use super::*;

    fn info(
        codec: &str,
        pix: &str,
        w: u32,
        h: u32,
        audio: Option<&str>,
        format: (&str, &str),
    ) -> VideoInfo {
        VideoInfo {
            format_name: format.0.into(),
            format_long_name: format.1.into(),
            video_streams: vec![VideoStream {
                index: 0,
                codec_name: codec.into(),
                width: w,
                height: h,
                pixel_format: pix.into(),
                frame_count: 50,
                ..VideoStream::default()
            }],
            audio_streams: audio
                .map(|a| AudioStream {
                    index: 1,
                    codec_name: a.into(),
                    ..AudioStream::default()
                })
                .into_iter()
                .collect(),
            ..VideoInfo::default()
        }
    }

    const MP4: (&str, &str) = (
        "mov,mp4,m4a,3gp,3g2,mj2",
        "QuickTime / MPEG-4 / Motion JPEG 2000",
    );
    const MOV: (&str, &str) = ("mov,mp4,m4a,3gp,3g2,mj2", "QuickTime / MOV");
    const AVI: (&str, &str) = ("avi", "AVI (Audio Video Interleaved)");

    #[test]
    fn h264_aac_mp4_plays_as_is() {
        let plan = plan(
            &info("h264", "yuv420p", 1920, 1080, Some("aac"), MP4),
            &TranscodeSettings::default(),
        );
        assert!(!plan.is_needed(), "{plan:?}");
    }

    #[test]
    fn hevc_needs_video_transcode_but_keeps_aac() {
        let plan = plan(
            &info("hevc", "yuv420p", 1920, 1080, Some("aac"), MOV),
            &TranscodeSettings::default(),
        );
        assert_eq!(
            plan,
            TranscodePlan {
                video: true,
                audio: false,
                remux: false
            }
        );
    }

    #[test]
    fn ten_bit_or_444_h264_is_transcoded() {
        let plan = plan(
            &info("h264", "yuv444p", 640, 480, None, MP4),
            &TranscodeSettings::default(),
        );
        assert!(plan.video);
        let plan = super::plan(
            &info("h264", "yuv420p10le", 640, 480, None, MP4),
            &TranscodeSettings::default(),
        );
        assert!(plan.video);
    }

    #[test]
    fn avi_with_accepted_streams_is_remuxed() {
        let plan = plan(
            &info("h264", "yuv420p", 640, 480, Some("mp3"), AVI),
            &TranscodeSettings::default(),
        );
        assert_eq!(
            plan,
            TranscodePlan {
                video: false,
                audio: false,
                remux: true
            }
        );
    }

    #[test]
    fn optimal_policy_transcodes_above_target_resolution() {
        let settings = TranscodeSettings {
            policy: TranscodePolicy::Optimal,
            ..TranscodeSettings::default()
        };
        assert!(plan(&info("h264", "yuv420p", 1920, 1080, None, MP4), &settings).video);
        assert!(!plan(&info("h264", "yuv420p", 1280, 720, None, MP4), &settings).video);
    }

    #[test]
    fn disabled_policy_never_transcodes() {
        let settings = TranscodeSettings {
            policy: TranscodePolicy::Disabled,
            ..TranscodeSettings::default()
        };
        assert!(
            !plan(
                &info("mpeg4", "yuv420p", 640, 480, Some("wmav2"), AVI),
                &settings
            )
            .is_needed()
        );
    }

    /// The ffmpeg command line for `info` under `settings`, as one string.
    fn command(
        input: &str,
        output: &str,
        info: &VideoInfo,
        settings: &TranscodeSettings,
    ) -> String {
        joined(&transcode_args(
            Path::new(input),
            Path::new(output),
            info,
            &plan(info, settings),
            settings,
        ))
    }

    fn joined(args: &[OsString]) -> String {
        args.iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn software_transcode_scales_landscape_to_720_lines() {
        let info = info("hevc", "yuv420p", 1920, 1080, Some("aac"), MOV);
        let settings = TranscodeSettings::default();
        let args = command("in.mov", "out.mp4", &info, &settings);
        assert!(
            args.contains("-c:v libx264 -preset ultrafast -crf 23"),
            "{args}"
        );
        assert!(args.contains("-vf scale=-2:720,format=yuv420p"), "{args}");
        assert!(args.contains("-c:a copy"), "{args}");
        assert!(
            args.ends_with("-movflags faststart -fps_mode passthrough -f mp4 out.mp4"),
            "{args}"
        );
    }

    #[test]
    fn rotated_portrait_scales_its_width() {
        let mut info = info("hevc", "yuv420p", 1920, 1080, None, MOV);
        info.video_streams[0].rotation = 90;
        let settings = TranscodeSettings::default();
        let args = command("a", "b", &info, &settings);
        assert!(args.contains("scale=720:-2"), "{args}");
    }

    #[test]
    fn hdr_is_tone_mapped() {
        let mut info = info("hevc", "yuv420p10le", 3840, 2160, None, MOV);
        info.video_streams[0].color_transfer = Some("arib-std-b67".into());
        let settings = TranscodeSettings::default();
        let args = command("a", "b", &info, &settings);
        assert!(args.contains("tonemap=hable"), "{args}");
    }

    #[test]
    fn hardware_settings_reach_ffmpeg() {
        let info = info("hevc", "yuv420p", 1920, 1080, None, MOV);
        let settings = TranscodeSettings {
            acceleration: HardwareAcceleration::Vaapi,
            accelerated_decode: true,
            preferred_device: Some("/dev/dri/renderD129".into()),
            ..TranscodeSettings::default()
        };
        let args = command("a", "b", &info, &settings);
        assert!(
            args.starts_with(
                "-nostdin -v error -y -vaapi_device /dev/dri/renderD129 -hwaccel vaapi -i a"
            ),
            "{args}"
        );
        assert!(args.contains("-c:v h264_vaapi -qp:v 23"), "{args}");
        assert!(args.contains("format=nv12,hwupload"), "{args}");
        let nvenc = TranscodeSettings {
            acceleration: HardwareAcceleration::Nvenc,
            ..TranscodeSettings::default()
        };
        let args = command("a", "b", &info, &nvenc);
        assert!(args.contains("-c:v h264_nvenc -cq:v 23"), "{args}");
    }
}

//! The admin's system configuration: Immich's `SystemConfigDto` (SDK 3.2.2
//! `AdminConfigDto`), its defaults, validation and storage.
//!
//! This is the one place these settings are defined. The types carry Immich's
//! field names and enum strings (serde camelCase), so the HTTP layer
//! serialises them as they are and code that obeys a setting reads the same
//! typed value (`config.ffmpeg`, `config.image`, `config.job`).
//!
//! Only the values that differ from the defaults are stored, as Immich does,
//! so a default that changes in a later release reaches every server that
//! never overrode it.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shoebox_jobs::{ConcurrencyLimits, Queue};

use crate::{Domain, DomainError, DomainResult};

/// Key of the stored overrides in the system metadata table.
const STORE_KEY: &str = "system-config";

/// Declares an enum whose wire form is a fixed string per variant (plus
/// strings older clients sent for the same value), with `as_str` and serde
/// going through those strings.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $variant:ident = $wire:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $variant ),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $wire ),+
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $( $wire $(| $alias)* => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                match raw.as_ref() {
                    $( $wire $(| $alias)* => Ok($name::$variant), )+
                    other => Err(serde::de::Error::unknown_variant(other, &[ $( $wire ),+ ])),
                }
            }
        }
    };
}

pub(crate) use wire_enum;

wire_enum! {
    /// When a video is transcoded for playback.
    pub enum TranscodePolicy {
        All = "all",
        Optimal = "optimal",
        Bitrate = "bitrate",
        Required = "required",
        Disabled = "disabled",
    }
}

wire_enum! {
    pub enum VideoCodec {
        H264 = "h264",
        Hevc = "hevc",
        Vp9 = "vp9",
        Av1 = "av1",
    }
}

wire_enum! {
    /// `libopus` is what Immich before 2.x called `opus`; it still accepts it.
    pub enum AudioCodec {
        Mp3 = "mp3",
        Aac = "aac",
        Opus = "opus" | "libopus",
        PcmS16le = "pcm_s16le",
    }
}

wire_enum! {
    pub enum VideoContainer {
        Mov = "mov",
        Mp4 = "mp4",
        Ogg = "ogg",
        Webm = "webm",
    }
}

wire_enum! {
    /// Hardware acceleration for video encoding (Immich's `TranscodeHWAccel`).
    pub enum TranscodeHwAccel {
        Nvenc = "nvenc",
        Qsv = "qsv",
        Vaapi = "vaapi",
        Rkmpp = "rkmpp",
        Disabled = "disabled",
    }
}

wire_enum! {
    /// How HDR video is mapped to SDR.
    pub enum ToneMapping {
        Hable = "hable",
        Mobius = "mobius",
        Reinhard = "reinhard",
        Disabled = "disabled",
    }
}

wire_enum! {
    /// Rate control of hardware encoders (Immich's `CQMode`).
    pub enum CqMode {
        Auto = "auto",
        Cqp = "cqp",
        Icq = "icq",
    }
}

wire_enum! {
    pub enum ImageFormat {
        Jpeg = "jpeg",
        Webp = "webp",
    }
}

wire_enum! {
    /// The colour space generated images are written in.
    pub enum Colorspace {
        Srgb = "srgb",
        P3 = "p3",
    }
}

wire_enum! {
    pub enum LogLevel {
        Verbose = "verbose",
        Debug = "debug",
        Log = "log",
        Warn = "warn",
        Error = "error",
        Fatal = "fatal",
    }
}

wire_enum! {
    pub enum ReleaseChannel {
        Stable = "stable",
        ReleaseCandidate = "releaseCandidate",
    }
}

wire_enum! {
    pub enum OAuthTokenEndpointAuthMethod {
        ClientSecretPost = "client_secret_post",
        ClientSecretBasic = "client_secret_basic",
    }
}

/// A rendition height for real-time HLS transcoding; a number on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HlsVideoResolution {
    P480,
    P720,
    P1080,
    P1440,
    P2160,
}

impl HlsVideoResolution {
    pub const ALL: &'static [HlsVideoResolution] = &[
        HlsVideoResolution::P480,
        HlsVideoResolution::P720,
        HlsVideoResolution::P1080,
        HlsVideoResolution::P1440,
        HlsVideoResolution::P2160,
    ];

    pub fn height(self) -> u32 {
        match self {
            HlsVideoResolution::P480 => 480,
            HlsVideoResolution::P720 => 720,
            HlsVideoResolution::P1080 => 1080,
            HlsVideoResolution::P1440 => 1440,
            HlsVideoResolution::P2160 => 2160,
        }
    }
}

impl Serialize for HlsVideoResolution {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.height())
    }
}

impl<'de> Deserialize<'de> for HlsVideoResolution {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let height = u32::deserialize(deserializer)?;
        Self::ALL
            .iter()
            .copied()
            .find(|r| r.height() == height)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "invalid value: {height}, expected one of 480, 720, 1080, 1440, 2160"
                ))
            })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemConfig {
    pub backup: BackupConfig,
    pub ffmpeg: FfmpegConfig,
    pub image: ImageConfig,
    /// Added after SDK 3.0; clients built against 3.0 leave it out.
    #[serde(default = "defaults::integrity_checks")]
    pub integrity_checks: IntegrityChecksConfig,
    pub job: JobConfig,
    pub library: LibraryConfig,
    pub logging: LoggingConfig,
    pub machine_learning: MachineLearningConfig,
    pub map: MapConfig,
    pub metadata: MetadataConfig,
    pub new_version_check: NewVersionCheckConfig,
    pub nightly_tasks: NightlyTasksConfig,
    pub notifications: NotificationsConfig,
    pub oauth: OAuthConfig,
    pub password_login: EnabledConfig,
    pub reverse_geocoding: EnabledConfig,
    pub server: ServerConfig,
    pub storage_template: StorageTemplateConfig,
    pub templates: TemplatesConfig,
    pub theme: ThemeConfig,
    pub trash: TrashConfig,
    pub user: UserConfig,
}

/// A section that is only switched on or off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnabledConfig {
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupConfig {
    pub database: DatabaseBackupConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseBackupConfig {
    pub enabled: bool,
    pub cron_expression: String,
    pub keep_last_amount: u32,
}

/// Video transcoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FfmpegConfig {
    /// 0–51; lower is better quality and larger files.
    pub crf: u32,
    /// 0 lets ffmpeg choose.
    pub threads: u32,
    /// The x264/x265 preset name, e.g. `ultrafast`.
    pub preset: String,
    pub target_video_codec: VideoCodec,
    pub accepted_video_codecs: Vec<VideoCodec>,
    pub target_audio_codec: AudioCodec,
    pub accepted_audio_codecs: Vec<AudioCodec>,
    pub accepted_containers: Vec<VideoContainer>,
    /// Height of the shorter side, e.g. `"720"`, or `"original"`.
    pub target_resolution: String,
    /// With a unit (`"5000k"`, `"5M"`); `"0"` means no limit.
    pub max_bitrate: String,
    /// -1 lets the encoder choose; at most 16.
    pub bframes: i32,
    /// 0 lets the encoder choose; at most 6.
    pub refs: u32,
    /// 0 lets the encoder choose.
    pub gop_size: u32,
    #[serde(rename = "temporalAQ")]
    pub temporal_aq: bool,
    pub cq_mode: CqMode,
    pub two_pass: bool,
    pub preferred_hw_device: String,
    pub transcode: TranscodePolicy,
    pub accel: TranscodeHwAccel,
    pub accel_decode: bool,
    pub tonemap: ToneMapping,
    /// Added after SDK 3.0; clients built against 3.0 leave it out.
    #[serde(default = "defaults::realtime")]
    pub realtime: RealtimeTranscodingConfig,
}

impl FfmpegConfig {
    /// The target height, or `None` for `"original"` (or anything that is not a number).
    pub fn target_height(&self) -> Option<u32> {
        self.target_resolution.parse().ok()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RealtimeTranscodingConfig {
    pub enabled: bool,
    pub resolutions: Vec<HlsVideoResolution>,
    pub video_codecs: Vec<VideoCodec>,
}

/// Generated images: thumbnail, preview and full-size renditions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageConfig {
    pub thumbnail: GeneratedImageConfig,
    pub preview: GeneratedImageConfig,
    pub fullsize: FullsizeImageConfig,
    pub colorspace: Colorspace,
    /// Use a RAW file's embedded preview when it is large enough.
    pub extract_embedded: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneratedImageConfig {
    pub format: ImageFormat,
    /// 1–100.
    pub quality: u32,
    /// Pixels of the shorter side (preview) or of the longer side (thumbnail), at least 1.
    pub size: u32,
    #[serde(default)]
    pub progressive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FullsizeImageConfig {
    pub enabled: bool,
    pub format: ImageFormat,
    /// 1–100.
    pub quality: u32,
    #[serde(default)]
    pub progressive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrityChecksConfig {
    pub missing_files: IntegrityJobConfig,
    pub untracked_files: IntegrityJobConfig,
    pub checksum_files: IntegrityChecksumJobConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrityJobConfig {
    pub enabled: bool,
    pub cron_expression: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrityChecksumJobConfig {
    pub enabled: bool,
    pub cron_expression: String,
    /// Milliseconds one run may take.
    pub time_limit: u64,
    /// Share of the assets one run checks, 0–1.
    pub percentage_limit: f64,
}

/// How many jobs of each queue run at once, per worker process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobConfig {
    pub thumbnail_generation: JobSettings,
    pub metadata_extraction: JobSettings,
    pub video_conversion: JobSettings,
    pub face_detection: JobSettings,
    pub smart_search: JobSettings,
    pub background_task: JobSettings,
    pub migration: JobSettings,
    pub search: JobSettings,
    pub sidecar: JobSettings,
    pub library: JobSettings,
    pub notifications: JobSettings,
    pub ocr: JobSettings,
    pub workflow: JobSettings,
    pub editor: JobSettings,
    /// Added after SDK 3.0; clients built against 3.0 leave it out.
    #[serde(default = "defaults::one_at_a_time")]
    pub integrity_check: JobSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSettings {
    /// At least 1.
    pub concurrency: u32,
}

impl JobConfig {
    /// The configured settings of `queue`; `None` for the queues Immich runs
    /// at a fixed concurrency (face clustering, duplicate detection, storage
    /// template migration, database backup).
    pub fn settings(&self, queue: Queue) -> Option<&JobSettings> {
        Some(match queue {
            Queue::ThumbnailGeneration => &self.thumbnail_generation,
            Queue::MetadataExtraction => &self.metadata_extraction,
            Queue::VideoConversion => &self.video_conversion,
            Queue::FaceDetection => &self.face_detection,
            Queue::SmartSearch => &self.smart_search,
            Queue::BackgroundTask => &self.background_task,
            Queue::Migration => &self.migration,
            Queue::Search => &self.search,
            Queue::Sidecar => &self.sidecar,
            Queue::Library => &self.library,
            Queue::Notifications => &self.notifications,
            Queue::Ocr => &self.ocr,
            Queue::Workflow => &self.workflow,
            Queue::Editor => &self.editor,
            Queue::IntegrityCheck => &self.integrity_check,
            Queue::FacialRecognition
            | Queue::DuplicateDetection
            | Queue::StorageTemplateMigration
            | Queue::BackupDatabase => return None,
        })
    }

    /// How many jobs of `queue` may run at once.
    pub fn concurrency(&self, queue: Queue) -> usize {
        self.settings(queue)
            .map_or(queue.default_concurrency(), |s| {
                s.concurrency.max(1) as usize
            })
    }

    fn all(&self) -> [(&'static str, &JobSettings); 15] {
        [
            ("thumbnailGeneration", &self.thumbnail_generation),
            ("metadataExtraction", &self.metadata_extraction),
            ("videoConversion", &self.video_conversion),
            ("faceDetection", &self.face_detection),
            ("smartSearch", &self.smart_search),
            ("backgroundTask", &self.background_task),
            ("migration", &self.migration),
            ("search", &self.search),
            ("sidecar", &self.sidecar),
            ("library", &self.library),
            ("notifications", &self.notifications),
            ("ocr", &self.ocr),
            ("workflow", &self.workflow),
            ("editor", &self.editor),
            ("integrityCheck", &self.integrity_check),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LibraryConfig {
    pub scan: LibraryScanConfig,
    pub watch: EnabledConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LibraryScanConfig {
    pub enabled: bool,
    pub cron_expression: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggingConfig {
    pub enabled: bool,
    pub level: LogLevel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineLearningConfig {
    pub enabled: bool,
    /// At least one.
    pub urls: Vec<String>,
    pub availability_checks: AvailabilityChecksConfig,
    pub clip: ClipConfig,
    pub duplicate_detection: DuplicateDetectionConfig,
    pub facial_recognition: FacialRecognitionConfig,
    pub ocr: OcrConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityChecksConfig {
    pub enabled: bool,
    /// Milliseconds.
    pub timeout: i64,
    /// Milliseconds.
    pub interval: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClipConfig {
    pub enabled: bool,
    pub model_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateDetectionConfig {
    pub enabled: bool,
    /// CLIP embedding distance, 0.001–0.1.
    pub max_distance: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FacialRecognitionConfig {
    pub enabled: bool,
    pub model_name: String,
    /// Detection confidence, 0.1–1.
    pub min_score: f64,
    /// Embedding distance, 0.1–2.
    pub max_distance: f64,
    /// At least 1.
    pub min_faces: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OcrConfig {
    pub enabled: bool,
    pub model_name: String,
    /// At least 1.
    pub max_resolution: u32,
    /// 0.1–1.
    pub min_detection_score: f64,
    /// 0.1–1.
    pub min_recognition_score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MapConfig {
    pub enabled: bool,
    pub light_style: String,
    pub dark_style: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataConfig {
    pub faces: FacesConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FacesConfig {
    /// Import face regions written by other software.
    pub import: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewVersionCheckConfig {
    pub enabled: bool,
    /// Added after SDK 3.0; clients built against 3.0 leave it out.
    #[serde(default = "defaults::release_channel")]
    pub channel: ReleaseChannel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NightlyTasksConfig {
    /// `HH:MM`.
    pub start_time: String,
    pub database_cleanup: bool,
    pub missing_thumbnails: bool,
    pub cluster_new_faces: bool,
    pub generate_memories: bool,
    pub sync_quota_usage: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationsConfig {
    pub smtp: SmtpConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmtpConfig {
    pub enabled: bool,
    pub from: String,
    pub reply_to: String,
    pub transport: SmtpTransportConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmtpTransportConfig {
    pub ignore_cert: bool,
    pub host: String,
    /// 0–65535.
    pub port: u32,
    pub secure: bool,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthConfig {
    #[serde(default)]
    pub account_management_url: String,
    pub allow_insecure_requests: bool,
    pub auto_launch: bool,
    pub auto_register: bool,
    pub button_text: String,
    pub client_id: String,
    pub client_secret: String,
    /// Bytes; `None` is unlimited.
    pub default_storage_quota: Option<u64>,
    pub enabled: bool,
    pub end_session_endpoint: String,
    pub issuer_url: String,
    pub mobile_override_enabled: bool,
    pub mobile_redirect_uri: String,
    pub profile_signing_algorithm: String,
    pub prompt: String,
    pub role_claim: String,
    pub scope: String,
    pub signing_algorithm: String,
    pub storage_label_claim: String,
    pub storage_quota_claim: String,
    /// Milliseconds, at least 1.
    pub timeout: u64,
    pub token_endpoint_auth_method: OAuthTokenEndpointAuthMethod,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerConfig {
    /// The address links should use; empty for the one the client called.
    pub external_domain: String,
    pub login_page_message: String,
    /// Whether users can see each other (for sharing).
    pub public_users: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageTemplateConfig {
    pub enabled: bool,
    pub hash_verification_enabled: bool,
    pub template: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplatesConfig {
    pub email: EmailTemplatesConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailTemplatesConfig {
    pub album_invite_template: String,
    pub album_update_template: String,
    pub welcome_template: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThemeConfig {
    pub custom_css: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrashConfig {
    pub enabled: bool,
    /// Days a trashed asset is kept before it is deleted for good.
    pub days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserConfig {
    /// Days between a user's deletion and the removal of their files.
    pub delete_delay: u32,
}

/// Sections added after SDK 3.0, for requests that leave them out.
mod defaults {
    use super::*;

    pub fn integrity_checks() -> IntegrityChecksConfig {
        SystemConfig::default().integrity_checks
    }

    pub fn realtime() -> RealtimeTranscodingConfig {
        SystemConfig::default().ffmpeg.realtime
    }

    pub fn one_at_a_time() -> JobSettings {
        JobSettings { concurrency: 1 }
    }

    pub fn release_channel() -> ReleaseChannel {
        ReleaseChannel::Stable
    }
}

fn jobs(concurrency: u32) -> JobSettings {
    JobSettings { concurrency }
}

/// Immich 3.x's defaults.
impl Default for SystemConfig {
    fn default() -> Self {
        Self {
            backup: BackupConfig {
                database: DatabaseBackupConfig {
                    enabled: true,
                    cron_expression: "0 02 * * *".into(),
                    keep_last_amount: 14,
                },
            },
            ffmpeg: FfmpegConfig {
                crf: 23,
                threads: 0,
                preset: "ultrafast".into(),
                target_video_codec: VideoCodec::H264,
                accepted_video_codecs: vec![VideoCodec::H264],
                target_audio_codec: AudioCodec::Aac,
                accepted_audio_codecs: vec![AudioCodec::Aac, AudioCodec::Mp3, AudioCodec::Opus],
                accepted_containers: vec![
                    VideoContainer::Mov,
                    VideoContainer::Ogg,
                    VideoContainer::Webm,
                ],
                target_resolution: "720".into(),
                max_bitrate: "0".into(),
                bframes: -1,
                refs: 0,
                gop_size: 0,
                temporal_aq: false,
                cq_mode: CqMode::Auto,
                two_pass: false,
                preferred_hw_device: "auto".into(),
                transcode: TranscodePolicy::Required,
                accel: TranscodeHwAccel::Disabled,
                // Immich 3.x turned hardware decoding on by default; it only
                // matters once `accel` names a device.
                accel_decode: true,
                tonemap: ToneMapping::Hable,
                realtime: RealtimeTranscodingConfig {
                    enabled: false,
                    resolutions: vec![
                        HlsVideoResolution::P480,
                        HlsVideoResolution::P720,
                        HlsVideoResolution::P1080,
                    ],
                    video_codecs: vec![VideoCodec::H264, VideoCodec::Hevc],
                },
            },
            integrity_checks: IntegrityChecksConfig {
                missing_files: IntegrityJobConfig {
                    enabled: true,
                    cron_expression: "0 03 * * *".into(),
                },
                untracked_files: IntegrityJobConfig {
                    enabled: true,
                    cron_expression: "0 03 * * *".into(),
                },
                checksum_files: IntegrityChecksumJobConfig {
                    enabled: true,
                    cron_expression: "0 03 * * *".into(),
                    time_limit: 60 * 60 * 1000,
                    percentage_limit: 1.0,
                },
            },
            job: JobConfig {
                thumbnail_generation: jobs(3),
                metadata_extraction: jobs(5),
                video_conversion: jobs(1),
                face_detection: jobs(2),
                smart_search: jobs(2),
                background_task: jobs(5),
                migration: jobs(5),
                search: jobs(5),
                sidecar: jobs(5),
                library: jobs(5),
                notifications: jobs(5),
                ocr: jobs(1),
                workflow: jobs(5),
                editor: jobs(2),
                integrity_check: jobs(1),
            },
            library: LibraryConfig {
                scan: LibraryScanConfig {
                    enabled: true,
                    cron_expression: "0 0 * * *".into(),
                },
                watch: EnabledConfig { enabled: false },
            },
            logging: LoggingConfig {
                enabled: true,
                level: LogLevel::Log,
            },
            machine_learning: MachineLearningConfig {
                enabled: true,
                urls: vec!["http://immich-machine-learning:3003".into()],
                availability_checks: AvailabilityChecksConfig {
                    enabled: true,
                    timeout: 2000,
                    interval: 30_000,
                },
                clip: ClipConfig {
                    enabled: true,
                    model_name: "ViT-B-32__openai".into(),
                },
                duplicate_detection: DuplicateDetectionConfig {
                    enabled: true,
                    max_distance: 0.01,
                },
                facial_recognition: FacialRecognitionConfig {
                    enabled: true,
                    model_name: "buffalo_l".into(),
                    min_score: 0.7,
                    max_distance: 0.5,
                    min_faces: 3,
                },
                ocr: OcrConfig {
                    enabled: true,
                    model_name: "PP-OCRv5_mobile".into(),
                    max_resolution: 736,
                    min_detection_score: 0.5,
                    min_recognition_score: 0.8,
                },
            },
            map: MapConfig {
                enabled: true,
                light_style: "https://tiles.immich.cloud/v1/style/light.json".into(),
                dark_style: "https://tiles.immich.cloud/v1/style/dark.json".into(),
            },
            metadata: MetadataConfig {
                faces: FacesConfig { import: false },
            },
            new_version_check: NewVersionCheckConfig {
                enabled: true,
                channel: ReleaseChannel::Stable,
            },
            nightly_tasks: NightlyTasksConfig {
                start_time: "00:00".into(),
                database_cleanup: true,
                missing_thumbnails: true,
                cluster_new_faces: true,
                generate_memories: true,
                sync_quota_usage: true,
            },
            notifications: NotificationsConfig {
                smtp: SmtpConfig {
                    enabled: false,
                    from: String::new(),
                    reply_to: String::new(),
                    transport: SmtpTransportConfig {
                        ignore_cert: false,
                        host: String::new(),
                        port: 587,
                        secure: false,
                        username: String::new(),
                        password: String::new(),
                    },
                },
            },
            oauth: OAuthConfig {
                account_management_url: String::new(),
                allow_insecure_requests: false,
                auto_launch: false,
                auto_register: true,
                button_text: "Login with OAuth".into(),
                client_id: String::new(),
                client_secret: String::new(),
                default_storage_quota: None,
                enabled: false,
                end_session_endpoint: String::new(),
                issuer_url: String::new(),
                mobile_override_enabled: false,
                mobile_redirect_uri: String::new(),
                profile_signing_algorithm: "none".into(),
                prompt: String::new(),
                role_claim: "immich_role".into(),
                scope: "openid email profile".into(),
                signing_algorithm: "RS256".into(),
                storage_label_claim: "preferred_username".into(),
                storage_quota_claim: "immich_quota".into(),
                timeout: 30_000,
                token_endpoint_auth_method: OAuthTokenEndpointAuthMethod::ClientSecretPost,
            },
            password_login: EnabledConfig { enabled: true },
            reverse_geocoding: EnabledConfig { enabled: true },
            server: ServerConfig {
                external_domain: String::new(),
                login_page_message: String::new(),
                public_users: true,
            },
            storage_template: StorageTemplateConfig {
                enabled: false,
                hash_verification_enabled: true,
                template: "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}".into(),
            },
            templates: TemplatesConfig {
                email: EmailTemplatesConfig {
                    album_invite_template: String::new(),
                    album_update_template: String::new(),
                    welcome_template: String::new(),
                },
            },
            theme: ThemeConfig {
                custom_css: String::new(),
            },
            trash: TrashConfig {
                enabled: true,
                days: 30,
            },
            user: UserConfig { delete_delay: 7 },
            image: ImageConfig {
                thumbnail: GeneratedImageConfig {
                    format: ImageFormat::Webp,
                    quality: 80,
                    size: 250,
                    progressive: false,
                },
                preview: GeneratedImageConfig {
                    format: ImageFormat::Jpeg,
                    quality: 80,
                    size: 1440,
                    progressive: false,
                },
                fullsize: FullsizeImageConfig {
                    enabled: false,
                    format: ImageFormat::Jpeg,
                    quality: 80,
                    progressive: false,
                },
                colorspace: Colorspace::P3,
                extract_embedded: false,
            },
        }
    }
}

/// The values of what a request may send that serde alone cannot check.
struct Problems(Vec<String>);

impl Problems {
    fn range<T: PartialOrd + std::fmt::Display>(&mut self, path: &str, value: T, min: T, max: T) {
        if value < min {
            self.0.push(format!("{path} must not be less than {min}"));
        } else if value > max {
            self.0
                .push(format!("{path} must not be greater than {max}"));
        }
    }

    fn at_least<T: PartialOrd + std::fmt::Display>(&mut self, path: &str, value: T, min: T) {
        if value < min {
            self.0.push(format!("{path} must not be less than {min}"));
        }
    }

    fn check(&mut self, ok: bool, message: impl FnOnce() -> String) {
        if !ok {
            self.0.push(message());
        }
    }

    fn cron(&mut self, path: &str, value: &str) {
        self.check(is_cron(value), || {
            format!("{path} must be a valid cron expression")
        });
    }

    fn url(&mut self, path: &str, value: &str) {
        self.check(is_url(value), || format!("{path} must be a URL"));
    }

    fn empty_or_url(&mut self, path: &str, value: &str) {
        self.check(value.is_empty() || is_url(value), || {
            format!("{path} must be an empty string or a valid URL")
        });
    }
}

/// Five to seven fields of digits, names and cron's operators (`* , - / ? L W #`).
fn is_cron(value: &str) -> bool {
    let fields: Vec<&str> = value.split_whitespace().collect();
    (5..=7).contains(&fields.len())
        && fields.iter().all(|f| {
            f.chars()
                .all(|c| c.is_ascii_alphanumeric() || "*,-/?#".contains(c))
        })
}

/// An absolute URL with a scheme and a host, the way a browser would follow it.
fn is_url(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !host.is_empty()
        && !value.chars().any(char::is_whitespace)
}

/// `HH:MM` on a 24-hour clock.
fn is_time_of_day(value: &str) -> bool {
    let Some((h, m)) = value.split_once(':') else {
        return false;
    };
    let two_digits = |s: &str| s.len() == 2 && s.chars().all(|c| c.is_ascii_digit());
    two_digits(h)
        && two_digits(m)
        && h.parse::<u32>().is_ok_and(|h| h < 24)
        && m.parse::<u32>().is_ok_and(|m| m < 60)
}

impl SystemConfig {
    /// The range and format rules Immich applies to an update, all broken
    /// ones in one 400.
    pub fn validate(&self) -> DomainResult<()> {
        let mut p = Problems(Vec::new());
        let f = &self.ffmpeg;
        p.range("ffmpeg.crf", f.crf, 0, 51);
        p.range("ffmpeg.bframes", f.bframes, -1, 16);
        p.range("ffmpeg.refs", f.refs, 0, 6);
        for (name, image) in [
            ("thumbnail", &self.image.thumbnail),
            ("preview", &self.image.preview),
        ] {
            p.range(&format!("image.{name}.quality"), image.quality, 1, 100);
            p.at_least(&format!("image.{name}.size"), image.size, 1);
        }
        p.range(
            "image.fullsize.quality",
            self.image.fullsize.quality,
            1,
            100,
        );
        for (name, settings) in self.job.all() {
            p.at_least(&format!("job.{name}.concurrency"), settings.concurrency, 1);
        }
        let backup = &self.backup.database;
        p.at_least("backup.database.keepLastAmount", backup.keep_last_amount, 1);
        p.cron("backup.database.cronExpression", &backup.cron_expression);
        let integrity = &self.integrity_checks;
        p.cron(
            "integrityChecks.missingFiles.cronExpression",
            &integrity.missing_files.cron_expression,
        );
        p.cron(
            "integrityChecks.untrackedFiles.cronExpression",
            &integrity.untracked_files.cron_expression,
        );
        p.cron(
            "integrityChecks.checksumFiles.cronExpression",
            &integrity.checksum_files.cron_expression,
        );
        p.range(
            "integrityChecks.checksumFiles.percentageLimit",
            integrity.checksum_files.percentage_limit,
            0.0,
            1.0,
        );
        p.cron(
            "library.scan.cronExpression",
            &self.library.scan.cron_expression,
        );
        let ml = &self.machine_learning;
        p.check(!ml.urls.is_empty(), || {
            "machineLearning.urls must contain at least 1 elements".into()
        });
        p.range(
            "machineLearning.duplicateDetection.maxDistance",
            ml.duplicate_detection.max_distance,
            0.001,
            0.1,
        );
        let faces = &ml.facial_recognition;
        p.range(
            "machineLearning.facialRecognition.minScore",
            faces.min_score,
            0.1,
            1.0,
        );
        p.range(
            "machineLearning.facialRecognition.maxDistance",
            faces.max_distance,
            0.1,
            2.0,
        );
        p.at_least(
            "machineLearning.facialRecognition.minFaces",
            faces.min_faces,
            1,
        );
        p.at_least(
            "machineLearning.ocr.maxResolution",
            ml.ocr.max_resolution,
            1,
        );
        p.range(
            "machineLearning.ocr.minDetectionScore",
            ml.ocr.min_detection_score,
            0.1,
            1.0,
        );
        p.range(
            "machineLearning.ocr.minRecognitionScore",
            ml.ocr.min_recognition_score,
            0.1,
            1.0,
        );
        p.url("map.lightStyle", &self.map.light_style);
        p.url("map.darkStyle", &self.map.dark_style);
        p.check(is_time_of_day(&self.nightly_tasks.start_time), || {
            "nightlyTasks.startTime must be a time of day in HH:MM format".into()
        });
        let oauth = &self.oauth;
        p.at_least("oauth.timeout", oauth.timeout, 1);
        p.empty_or_url("oauth.issuerUrl", &oauth.issuer_url);
        p.empty_or_url("oauth.accountManagementUrl", &oauth.account_management_url);
        p.empty_or_url("oauth.endSessionEndpoint", &oauth.end_session_endpoint);
        if oauth.mobile_override_enabled {
            p.empty_or_url("oauth.mobileRedirectUri", &oauth.mobile_redirect_uri);
        }
        p.range(
            "notifications.smtp.transport.port",
            self.notifications.smtp.transport.port,
            0,
            65_535,
        );
        p.empty_or_url("server.externalDomain", &self.server.external_domain);
        p.at_least("user.deleteDelay", self.user.delete_delay, 1);
        if p.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::BadRequest(p.0.join(", ")))
        }
    }
}

/// What `value` changes relative to `base`: objects compared key by key,
/// anything else (arrays included) kept whole when it differs.
fn diff(value: &Value, base: &Value) -> Option<Value> {
    match (value, base) {
        (Value::Object(value), Value::Object(base)) => {
            let changed: Map<String, Value> = value
                .iter()
                .filter_map(|(k, v)| match base.get(k) {
                    Some(b) => diff(v, b).map(|d| (k.clone(), d)),
                    None => Some((k.clone(), v.clone())),
                })
                .collect();
            (!changed.is_empty()).then_some(Value::Object(changed))
        }
        _ => (value != base).then(|| value.clone()),
    }
}

/// Lays `overrides` over `base`, object by object.
fn merge(base: &mut Value, overrides: &Value) {
    match (base, overrides) {
        (Value::Object(base), Value::Object(overrides)) => {
            for (k, v) in overrides {
                match base.get_mut(k) {
                    Some(b) => merge(b, v),
                    None => {
                        base.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (base, overrides) => *base = overrides.clone(),
    }
}

fn to_json(config: &SystemConfig) -> Value {
    serde_json::to_value(config).expect("the system config serialises")
}

/// The stored overrides applied to today's defaults.
fn from_overrides(overrides: &Value) -> Result<SystemConfig, String> {
    let mut json = to_json(&SystemConfig::default());
    merge(&mut json, overrides);
    let config: SystemConfig = serde_json::from_value(json).map_err(|e| e.to_string())?;
    config.validate().map_err(|e| e.to_string())?;
    Ok(config)
}

/// The overrides to store for `config`: only what differs from the defaults.
fn to_overrides(config: &SystemConfig) -> Value {
    diff(&to_json(config), &to_json(&SystemConfig::default()))
        .unwrap_or_else(|| Value::Object(Map::new()))
}

/// The loaded configuration, shared by every clone of a [`Domain`].
#[derive(Default)]
pub struct SystemConfigCache {
    current: RwLock<Option<Arc<SystemConfig>>>,
    /// Loads and updates one at a time, so a slow load cannot put back a
    /// configuration an update just replaced.
    writes: tokio::sync::Mutex<()>,
}

impl SystemConfigCache {
    fn get(&self) -> Option<Arc<SystemConfig>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set(&self, config: Arc<SystemConfig>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(config);
    }

    /// Drops the configuration so the next read loads it again; waits for a load under way,
    /// which could otherwise put back what it read before the change.
    async fn forget(&self) {
        let _writing = self.writes.lock().await;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// The options Immich's storage template editor offers.
pub struct StorageTemplateOptions {
    pub year: &'static [&'static str],
    pub month: &'static [&'static str],
    pub week: &'static [&'static str],
    pub day: &'static [&'static str],
    pub hour: &'static [&'static str],
    pub minute: &'static [&'static str],
    pub second: &'static [&'static str],
    pub presets: &'static [&'static str],
}

pub const STORAGE_TEMPLATE_OPTIONS: StorageTemplateOptions = StorageTemplateOptions {
    year: &["y", "yy"],
    month: &["M", "MM", "MMM", "MMMM"],
    week: &["W", "WW"],
    day: &["d", "dd"],
    hour: &["h", "hh", "H", "HH"],
    minute: &["m", "mm"],
    second: &["s", "ss", "SSS"],
    presets: &[
        "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
        "{{y}}/{{MM}}-{{dd}}/{{filename}}",
        "{{y}}/{{MMMM}}-{{dd}}/{{filename}}",
        "{{y}}/{{MM}}/{{filename}}",
        "{{y}}/{{#if album}}{{album}}{{else}}Other/{{MM}}{{/if}}/{{filename}}",
        "{{#if album}}{{album-startDate-y}}/{{album}}{{else}}{{y}}/Other/{{MM}}{{/if}}/{{filename}}",
        "{{y}}/{{MMM}}/{{filename}}",
        "{{y}}/{{MMMM}}/{{filename}}",
        "{{y}}/{{MM}}/{{dd}}/{{filename}}",
        "{{y}}/{{MMMM}}/{{dd}}/{{filename}}",
        "{{y}}/{{y}}-{{MM}}/{{y}}-{{MM}}-{{dd}}/{{filename}}",
        "{{y}}-{{MM}}-{{dd}}/{{filename}}",
        "{{y}}-{{MMM}}-{{dd}}/{{filename}}",
        "{{y}}-{{MMMM}}-{{dd}}/{{filename}}",
        "{{y}}/{{y}}-{{MM}}/{{filename}}",
        "{{y}}/{{y}}-{{WW}}/{{filename}}",
        "{{y}}/{{y}}-{{MM}}-{{dd}}/{{assetId}}",
        "{{y}}/{{y}}-{{MM}}/{{assetId}}",
        "{{y}}/{{y}}-{{WW}}/{{assetId}}",
        "{{album}}/{{filename}}",
        "{{make}}/{{model}}/{{lensModel}}/{{filename}}",
    ],
};

impl Domain {
    /// The configuration in force: the stored overrides over the defaults,
    /// read from the database once and then from memory.
    pub async fn system_config(&self) -> DomainResult<SystemConfig> {
        Ok(self.current_system_config().await?.as_ref().clone())
    }

    async fn current_system_config(&self) -> DomainResult<Arc<SystemConfig>> {
        if let Some(config) = self.system_config_cache.get() {
            return Ok(config);
        }
        let _writing = self.system_config_cache.writes.lock().await;
        if let Some(config) = self.system_config_cache.get() {
            return Ok(config);
        }
        let overrides = self
            .store
            .system
            .get_metadata(STORE_KEY)
            .await?
            .unwrap_or_else(|| Value::Object(Map::new()));
        let config = Arc::new(from_overrides(&overrides).map_err(|e| {
            DomainError::Internal(format!("the stored system configuration is invalid: {e}"))
        })?);
        self.system_config_cache.set(config.clone());
        Ok(config)
    }

    /// Validates and stores a whole new configuration, which takes effect at
    /// once in this process (job concurrency included).
    pub async fn update_system_config(&self, config: SystemConfig) -> DomainResult<SystemConfig> {
        config.validate()?;
        let previous_clip = self
            .current_system_config()
            .await?
            .machine_learning
            .clip
            .model_name
            .clone();
        let _writing = self.system_config_cache.writes.lock().await;
        self.store
            .system
            .set_metadata(STORE_KEY, &to_overrides(&config))
            .await?;
        // Another CLIP model's embeddings live in another space: the old ones must go (and be
        // made again by starting the smartSearch queue), as Immich does.
        if previous_clip != config.machine_learning.clip.model_name {
            self.store.smart_search.clear().await?;
        }
        self.system_config_cache.set(Arc::new(config.clone()));
        // Idle workers re-read their queue's concurrency when woken.
        self.job_wake.all();
        self.emit(crate::events::Event::ConfigUpdate).await;
        Ok(config)
    }
}

impl Domain {
    /// Reloads the configuration whenever another process (one sharing the database) changes
    /// it, and lets idle workers pick up new concurrency; runs until the bus closes.
    pub fn follow_config_updates(&self) -> tokio::task::JoinHandle<()> {
        let domain = self.clone();
        let mut events = self.events.subscribe();
        tokio::spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match events.recv().await {
                    Ok(crate::events::Event::ConfigUpdate) | Err(RecvError::Lagged(_)) => {
                        domain.system_config_cache.forget().await;
                        domain.job_wake.all();
                    }
                    Ok(_) => {}
                    Err(RecvError::Closed) => return,
                }
            }
        })
    }
}

/// Job concurrency from the system configuration, read before every claim.
pub struct ConfiguredConcurrency(pub Domain);

#[async_trait]
impl ConcurrencyLimits for ConfiguredConcurrency {
    async fn concurrency(&self, queue: Queue) -> usize {
        match self.0.current_system_config().await {
            Ok(config) => config.job.concurrency(queue),
            Err(e) => {
                tracing::warn!(error = %e, "system configuration unavailable; default concurrency");
                queue.default_concurrency()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn defaults_serialise_with_immichs_field_names_and_values() {
        let json = to_json(&SystemConfig::default());
        assert_eq!(json["ffmpeg"]["temporalAQ"], false);
        assert_eq!(
            json["ffmpeg"]["acceptedAudioCodecs"],
            json!(["aac", "mp3", "opus"])
        );
        assert_eq!(
            json["ffmpeg"]["realtime"]["resolutions"],
            json!([480, 720, 1080])
        );
        assert_eq!(
            json["image"]["thumbnail"],
            json!({"format": "webp", "quality": 80, "size": 250, "progressive": false})
        );
        assert_eq!(json["metadata"]["faces"]["import"], false);
        assert_eq!(json["oauth"]["defaultStorageQuota"], Value::Null);
        assert_eq!(json["job"]["integrityCheck"]["concurrency"], 1);
        assert_eq!(json["newVersionCheck"]["channel"], "stable");
        assert_eq!(json["notifications"]["smtp"]["from"], "");
    }

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let config = SystemConfig::default();
        config.validate().unwrap();
        let back: SystemConfig = serde_json::from_value(to_json(&config)).unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn only_values_that_differ_from_defaults_are_stored() {
        assert_eq!(to_overrides(&SystemConfig::default()), json!({}));
        let mut config = SystemConfig::default();
        config.ffmpeg.crf = 30;
        config.ffmpeg.accepted_video_codecs.push(VideoCodec::Hevc);
        config.job.thumbnail_generation.concurrency = 1;
        assert_eq!(
            to_overrides(&config),
            json!({
                "ffmpeg": {"crf": 30, "acceptedVideoCodecs": ["h264", "hevc"]},
                "job": {"thumbnailGeneration": {"concurrency": 1}},
            })
        );
        assert_eq!(from_overrides(&to_overrides(&config)).unwrap(), config);
    }

    #[test]
    fn stored_overrides_keep_following_defaults_they_do_not_mention() {
        let config = from_overrides(&json!({"trash": {"days": 7}})).unwrap();
        assert_eq!(config.trash.days, 7);
        assert!(config.trash.enabled);
        assert_eq!(config.image, SystemConfig::default().image);
    }

    #[test]
    fn libopus_is_read_as_opus() {
        let codecs: Vec<AudioCodec> = serde_json::from_value(json!(["libopus", "aac"])).unwrap();
        assert_eq!(codecs, vec![AudioCodec::Opus, AudioCodec::Aac]);
        assert_eq!(AudioCodec::Opus.as_str(), "opus");
    }

    #[test]
    fn out_of_range_values_are_all_reported() {
        let mut config = SystemConfig::default();
        config.ffmpeg.crf = 52;
        config.job.metadata_extraction.concurrency = 0;
        config.nightly_tasks.start_time = "25:00".into();
        config.map.dark_style = "not a url".into();
        let DomainError::BadRequest(message) = config.validate().unwrap_err() else {
            panic!("a 400");
        };
        for expected in [
            "ffmpeg.crf must not be greater than 51",
            "job.metadataExtraction.concurrency must not be less than 1",
            "nightlyTasks.startTime",
            "map.darkStyle must be a URL",
        ] {
            assert!(message.contains(expected), "{expected} in {message}");
        }
    }

    #[test]
    fn cron_expressions_need_five_to_seven_fields() {
        assert!(is_cron("0 02 * * *"));
        assert!(is_cron("*/5 0-6 1,15 JAN-MAR MON-FRI"));
        assert!(!is_cron("every day"));
        assert!(!is_cron("0 2 * * * * * *"));
    }

    #[test]
    fn concurrency_of_unconfigurable_queues_is_immichs_fixed_one() {
        let job = SystemConfig::default().job;
        assert_eq!(job.concurrency(Queue::ThumbnailGeneration), 3);
        assert_eq!(job.concurrency(Queue::FacialRecognition), 1);
        assert_eq!(job.concurrency(Queue::BackupDatabase), 1);
    }
}

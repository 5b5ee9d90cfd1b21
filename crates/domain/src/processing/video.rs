//! The videoConversion queue: a playable MP4 for videos whose original a browser or phone
//! cannot play, by Immich's transcoding policy. Videos that play as they are get no copy and
//! are streamed from the original.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use shoebox_jobs::{JobError, JobHandler, Queue};
use shoebox_media::video::{
    HardwareAcceleration, ToneMapping as Tonemap, TranscodePolicy as Policy, TranscodeSettings,
    VideoError, transcode_plan,
};
use shoebox_store::records::{AssetFileRecord, AssetKind, JobRecord};
use uuid::Uuid;

use super::{asset_id_of, store_err};
use crate::storage::Storage;
use crate::system_config::{FfmpegConfig, ToneMapping, TranscodeHwAccel, TranscodePolicy};
use crate::{Domain, DomainResult};

pub const JOB_NAME: &str = "AssetEncodeVideo";
pub const ENCODED_VIDEO: &str = "encoded_video";

pub struct EncodeVideo {
    pub domain: Domain,
}

impl Domain {
    /// Queues video conversion for these assets (once each while pending) and wakes the workers.
    pub async fn queue_video_conversion(&self, ids: &[Uuid]) -> DomainResult<()> {
        self.queue_asset_jobs(Queue::VideoConversion, JOB_NAME, "video", ids)
            .await
    }
}

/// A broken or unreadable video fails for good; a tool that ran out of time may be lucky on
/// a less busy machine.
pub(crate) fn video_job_error(context: &str, e: VideoError) -> JobError {
    let message = format!("{context}: {e}");
    match e {
        VideoError::Tool(shoebox_media::video::ToolError::TimedOut { .. }) => {
            JobError::transient(message)
        }
        _ => JobError::permanent(message),
    }
}

/// The transcoder's settings from the admin's `ffmpeg` configuration.
pub(crate) fn transcode_settings(c: &FfmpegConfig) -> TranscodeSettings {
    let names = |v: Vec<&str>| v.into_iter().map(String::from).collect();
    TranscodeSettings {
        policy: match c.transcode {
            TranscodePolicy::All => Policy::All,
            TranscodePolicy::Optimal => Policy::Optimal,
            TranscodePolicy::Bitrate => Policy::Bitrate,
            TranscodePolicy::Required => Policy::Required,
            TranscodePolicy::Disabled => Policy::Disabled,
        },
        target_video_codec: c.target_video_codec.as_str().into(),
        accepted_video_codecs: names(c.accepted_video_codecs.iter().map(|v| v.as_str()).collect()),
        target_audio_codec: c.target_audio_codec.as_str().into(),
        accepted_audio_codecs: names(c.accepted_audio_codecs.iter().map(|v| v.as_str()).collect()),
        accepted_containers: names(c.accepted_containers.iter().map(|v| v.as_str()).collect()),
        target_resolution: c.target_height(),
        crf: c.crf,
        preset: c.preset.clone(),
        max_bitrate: bits_per_second(&c.max_bitrate),
        threads: c.threads,
        gop_size: c.gop_size,
        bframes: c.bframes,
        refs: c.refs,
        tone_mapping: match c.tonemap {
            ToneMapping::Hable => Tonemap::Hable,
            ToneMapping::Mobius => Tonemap::Mobius,
            ToneMapping::Reinhard => Tonemap::Reinhard,
            ToneMapping::Disabled => Tonemap::Disabled,
        },
        acceleration: match c.accel {
            TranscodeHwAccel::Nvenc => HardwareAcceleration::Nvenc,
            TranscodeHwAccel::Qsv => HardwareAcceleration::Qsv,
            TranscodeHwAccel::Vaapi => HardwareAcceleration::Vaapi,
            TranscodeHwAccel::Rkmpp => HardwareAcceleration::Rkmpp,
            TranscodeHwAccel::Disabled => HardwareAcceleration::Disabled,
        },
        accelerated_decode: c.accel_decode,
        preferred_device: Some(c.preferred_hw_device.clone())
            .filter(|d| !d.is_empty() && d != "auto"),
    }
}

/// Immich's bitrate strings: `"0"` (no limit), `"5000k"`, `"5M"`, or plain bits per second.
fn bits_per_second(value: &str) -> u64 {
    let value = value.trim().to_ascii_lowercase();
    let (number, scale) = match value.strip_suffix('k') {
        Some(n) => (n, 1_000),
        None => match value.strip_suffix('m') {
            Some(n) => (n, 1_000_000),
            None => (value.as_str(), 1),
        },
    };
    number.trim().parse::<u64>().map_or(0, |n| n * scale)
}

#[async_trait]
impl JobHandler for EncodeVideo {
    async fn run(&self, job: &JobRecord) -> Result<(), JobError> {
        let id = asset_id_of(job)?;
        let domain = &self.domain;
        let Some(asset) = domain.store.assets.get(id).await.map_err(store_err)? else {
            return Ok(());
        };
        if asset.kind != AssetKind::Video {
            return Ok(());
        }
        let original = domain
            .storage
            .original_abs(&asset.original_path)
            .map_err(|e| JobError::permanent(e.to_string()))?;
        let tools = &domain.video_tools;
        let info = tools
            .probe(&original)
            .await
            .map_err(|e| video_job_error("cannot probe video", e))?;
        let config = domain.system_config().await.map_err(store_err)?;
        let settings = transcode_settings(&config.ffmpeg);
        let plan = transcode_plan(&info, &settings);
        if !plan.is_needed() {
            return Ok(());
        }
        let rel = Storage::encoded_video_rel_path(asset.owner_id, id);
        let (tmp, dest) = domain
            .storage
            .generated_temp_path(&rel)
            .await
            .map_err(store_err)?;
        if let Err(e) = tools
            .transcode(&original, &tmp, &info, &plan, &settings)
            .await
        {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(video_job_error("cannot transcode video", e));
        }
        domain
            .storage
            .commit_generated(&tmp, &dest)
            .await
            .map_err(store_err)?;
        let file = AssetFileRecord {
            kind: ENCODED_VIDEO.to_string(),
            path: rel,
            updated_at: Utc::now(),
        };
        domain
            .store
            .assets
            .upsert_file(id, &file)
            .await
            .map_err(store_err)
    }
}

pub fn handler(domain: &Domain) -> Arc<dyn JobHandler> {
    Arc::new(EncodeVideo {
        domain: domain.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system_config::SystemConfig;

    #[test]
    fn default_configuration_is_the_transcoders_default() {
        let mut from_config = transcode_settings(&SystemConfig::default().ffmpeg);
        let mut expected = TranscodeSettings::default();
        // The 3.x configuration also accepts Opus and decodes on the GPU when one is chosen.
        from_config.accepted_audio_codecs.sort();
        expected.accepted_audio_codecs = from_config.accepted_audio_codecs.clone();
        expected.accelerated_decode = from_config.accelerated_decode;
        assert_eq!(from_config, expected);
    }

    #[test]
    fn bitrates() {
        assert_eq!(bits_per_second("0"), 0);
        assert_eq!(bits_per_second("5000k"), 5_000_000);
        assert_eq!(bits_per_second("5M"), 5_000_000);
        assert_eq!(bits_per_second("720000"), 720_000);
        assert_eq!(bits_per_second("fast"), 0);
    }
}

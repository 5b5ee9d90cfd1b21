//! What ffprobe reports of an uploaded video (MP4/QuickTime atoms, Matroska, AVI), whose
//! tag values come from the file: parsed, then turned into the asset's metadata (ISO 6709
//! positions, Apple keys, creation dates, rotation) and the transcode decisions.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shoebox_media::metadata::{ReadOptions, video_metadata};
use shoebox_media::video::{TranscodeSettings, probe, transcode_args, transcode_plan};

fuzz_target!(|data: &[u8]| {
    let Ok(info) = probe::parse(data) else {
        return;
    };
    let _ = video_metadata(&info, &ReadOptions::default());
    let settings = TranscodeSettings::default();
    let plan = transcode_plan(&info, &settings);
    let _ = transcode_args("in".as_ref(), "out.mp4".as_ref(), &info, &plan, &settings);
});

//! ffmpeg filter snippets shared by the still-frame and transcode command lines.

use super::probe::VideoStream;

/// HDR (PQ or HLG) to SDR BT.709 through linear light, with the named tone curve.
pub(super) fn tone_map(curve: &str) -> String {
    format!(
        "zscale=t=linear:npl=100,tonemap={curve}:desat=0,zscale=p=bt709:t=bt709:m=bt709:range=pc"
    )
}

/// A downscale to `short_side` pixels on the shorter side, keeping the aspect ratio; `None`
/// when the video is no larger (never enlarge). ffmpeg rotates frames upright before
/// filtering, so the displayed size is what counts.
pub(super) fn scale_down(stream: &VideoStream, short_side: u32) -> Option<String> {
    let (w, h) = stream.display_size();
    (w.min(h) > short_side).then(|| {
        if w >= h {
            format!("scale=-2:{short_side}")
        } else {
            format!("scale={short_side}:-2")
        }
    })
}

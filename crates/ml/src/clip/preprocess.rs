//! The visual encoder's input, made as open_clip (and Immich's ML service, with Pillow) makes
//! it: the shortest side resized to the model's size with the configured filter (Pillow's
//! antialiased convolution, so a 1440-pixel preview is averaged, not sampled), a centred
//! square crop (or a squash to the square), values scaled to [0, 1] and normalised per
//! channel, planar.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::runtime::{MlError, MlResult};

/// `visual/preprocess_cfg.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct PreprocessConfig {
    pub size: usize,
    pub mean: [f32; 3],
    pub std: [f32; 3],
    pub filter: Filter,
    /// `squash` stretches to the square instead of cropping it.
    pub squash: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Filter {
    Nearest,
    Bilinear,
    Bicubic,
    Lanczos,
}

impl Filter {
    fn support(self) -> f32 {
        match self {
            Filter::Nearest => 0.5,
            Filter::Bilinear => 1.0,
            Filter::Bicubic => 2.0,
            Filter::Lanczos => 3.0,
        }
    }

    fn weight(self, x: f32) -> f32 {
        let x = x.abs();
        match self {
            Filter::Nearest => {
                if x < 0.5 {
                    1.0
                } else {
                    0.0
                }
            }
            Filter::Bilinear => (1.0 - x).max(0.0),
            // Pillow's bicubic, a = -0.5.
            Filter::Bicubic => {
                let a = -0.5;
                if x < 1.0 {
                    ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
                } else if x < 2.0 {
                    (((x - 5.0) * x + 8.0) * x - 4.0) * a
                } else {
                    0.0
                }
            }
            Filter::Lanczos => {
                if x < 3.0 {
                    sinc(x) * sinc(x / 3.0)
                } else {
                    0.0
                }
            }
        }
    }
}

fn sinc(x: f32) -> f32 {
    if x == 0.0 {
        1.0
    } else {
        let px = std::f32::consts::PI * x;
        px.sin() / px
    }
}

#[derive(Deserialize)]
struct RawConfig {
    size: Value,
    mean: Vec<f32>,
    std: Vec<f32>,
    #[serde(default = "bicubic")]
    interpolation: String,
    #[serde(default)]
    resize_mode: Option<String>,
}

fn bicubic() -> String {
    "bicubic".into()
}

impl PreprocessConfig {
    pub fn read(path: &Path) -> MlResult<Self> {
        let bad = |message: String| MlError::ModelLayout {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => MlError::ModelMissing(path.to_path_buf()),
            _ => bad(e.to_string()),
        })?;
        let raw: RawConfig = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let size = match &raw.size {
            Value::Number(n) => n.as_u64(),
            Value::Array(sizes) => sizes.first().and_then(Value::as_u64),
            _ => None,
        }
        .filter(|s| (1..=4096).contains(s))
        .ok_or_else(|| bad(format!("bad size {}", raw.size)))? as usize;
        let three = |v: &[f32], what: &str| -> MlResult<[f32; 3]> {
            match v {
                [a, b, c] => Ok([*a, *b, *c]),
                [a] => Ok([*a; 3]),
                _ => Err(bad(format!("{what} needs three values"))),
            }
        };
        let std = three(&raw.std, "std")?;
        if std.iter().any(|s| *s <= 0.0) {
            return Err(bad("std must be positive".into()));
        }
        let filter = match raw.interpolation.to_ascii_lowercase().as_str() {
            "nearest" => Filter::Nearest,
            "bilinear" | "linear" => Filter::Bilinear,
            "bicubic" | "cubic" => Filter::Bicubic,
            "lanczos" => Filter::Lanczos,
            other => return Err(bad(format!("unsupported interpolation {other}"))),
        };
        let squash = match raw.resize_mode.as_deref() {
            None | Some("shortest") => false,
            Some("squash") => true,
            Some(other) => return Err(bad(format!("unsupported resize_mode {other}"))),
        };
        Ok(Self {
            size,
            mean: three(&raw.mean, "mean")?,
            std,
            filter,
            squash,
        })
    }
}

/// The planar, normalised `size`×`size` tensor body of an RGB8 image.
pub fn image_tensor(rgb: &[u8], w: usize, h: usize, config: &PreprocessConfig) -> Vec<f32> {
    let size = config.size;
    let (resized, rw, rh) = if config.squash {
        (resize(rgb, w, h, size, size, config.filter), size, size)
    } else {
        // Pillow's sizes: the short side becomes `size`, the long side truncates.
        let (nw, nh) = if w < h {
            (size, ((h as f64 / w as f64) * size as f64) as usize)
        } else {
            (((w as f64 / h as f64) * size as f64) as usize, size)
        };
        let (nw, nh) = (nw.max(1), nh.max(1));
        (resize(rgb, w, h, nw, nh, config.filter), nw, nh)
    };
    // Centred crop; outside the image (never, after a shortest-side resize) is black.
    let left = (rw as f64 / 2.0 - size as f64 / 2.0) as isize;
    let top = (rh as f64 / 2.0 - size as f64 / 2.0) as isize;
    let plane = size * size;
    let mut out = vec![0f32; 3 * plane];
    for y in 0..size {
        for x in 0..size {
            let (sx, sy) = (left + x as isize, top + y as isize);
            let inside = sx >= 0 && sy >= 0 && (sx as usize) < rw && (sy as usize) < rh;
            for (c, (mean, std)) in config.mean.iter().zip(&config.std).enumerate() {
                let v = if inside {
                    f32::from(resized[(sy as usize * rw + sx as usize) * 3 + c]) / 255.0
                } else {
                    0.0
                };
                out[c * plane + y * size + x] = (v - mean) / std;
            }
        }
    }
    out
}

/// One pass of Pillow's convolution resample: for each output position, the source range
/// and normalised weights (the filter stretched by the scale when shrinking).
fn coefficients(src: usize, dst: usize, filter: Filter) -> Vec<(usize, Vec<f32>)> {
    let scale = src as f32 / dst as f32;
    let filter_scale = scale.max(1.0);
    let support = filter.support() * filter_scale;
    (0..dst)
        .map(|i| {
            let centre = (i as f32 + 0.5) * scale;
            let start = ((centre - support + 0.5).floor().max(0.0)) as usize;
            let end = ((centre + support + 0.5).floor() as usize).min(src);
            let mut weights: Vec<f32> = (start..end)
                .map(|j| filter.weight((j as f32 - centre + 0.5) / filter_scale))
                .collect();
            let total: f32 = weights.iter().sum();
            if total != 0.0 {
                weights.iter_mut().for_each(|w| *w /= total);
            }
            (start, weights)
        })
        .collect()
}

fn clamp_u8(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

/// Separable resize, horizontal pass first, each pass rounded to 8 bits as Pillow does.
pub fn resize(rgb: &[u8], w: usize, h: usize, nw: usize, nh: usize, filter: Filter) -> Vec<u8> {
    let horizontal = if nw == w {
        rgb.to_vec()
    } else {
        let coeffs = coefficients(w, nw, filter);
        let mut out = vec![0u8; nw * h * 3];
        for y in 0..h {
            let row = &rgb[y * w * 3..(y + 1) * w * 3];
            for (x, (start, weights)) in coeffs.iter().enumerate() {
                let mut acc = [0f32; 3];
                for (k, wt) in weights.iter().enumerate() {
                    let p = (start + k) * 3;
                    for (a, v) in acc.iter_mut().zip(&row[p..p + 3]) {
                        *a += f32::from(*v) * wt;
                    }
                }
                for (o, a) in out[(y * nw + x) * 3..(y * nw + x) * 3 + 3]
                    .iter_mut()
                    .zip(acc)
                {
                    *o = clamp_u8(a);
                }
            }
        }
        out
    };
    if nh == h {
        return horizontal;
    }
    let coeffs = coefficients(h, nh, filter);
    let mut out = vec![0u8; nw * nh * 3];
    for (y, (start, weights)) in coeffs.iter().enumerate() {
        let mut acc = vec![0f32; nw * 3];
        for (k, wt) in weights.iter().enumerate() {
            let row = &horizontal[(start + k) * nw * 3..(start + k + 1) * nw * 3];
            for (a, v) in acc.iter_mut().zip(row) {
                *a += f32::from(*v) * wt;
            }
        }
        for (o, a) in out[y * nw * 3..(y + 1) * nw * 3].iter_mut().zip(&acc) {
            *o = clamp_u8(*a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> PreprocessConfig {
        PreprocessConfig {
            size: 4,
            mean: [0.5; 3],
            std: [0.5; 3],
            filter: Filter::Bicubic,
            squash: false,
        }
    }

    #[test]
    fn a_flat_colour_stays_flat_through_resize_and_crop() {
        let rgb: Vec<u8> = std::iter::repeat_n([255u8, 0, 51], 30 * 20)
            .flatten()
            .collect();
        let t = image_tensor(&rgb, 30, 20, &config());
        assert_eq!(t.len(), 3 * 16);
        assert!(t[..16].iter().all(|v| (v - 1.0).abs() < 1e-6));
        assert!(t[16..32].iter().all(|v| (v + 1.0).abs() < 1e-6));
        assert!(t[32..].iter().all(|v| (v + 0.6).abs() < 1e-6));
    }

    #[test]
    fn the_crop_keeps_the_centre_of_the_long_side() {
        // 12×4: left third black, middle white, right third black; the crop is the middle.
        let mut rgb = vec![0u8; 12 * 4 * 3];
        for y in 0..4 {
            for x in 4..8 {
                rgb[(y * 12 + x) * 3..(y * 12 + x) * 3 + 3].copy_from_slice(&[255; 3]);
            }
        }
        let t = image_tensor(&rgb, 12, 4, &config());
        assert!(t[..16].iter().all(|v| (v - 1.0).abs() < 1e-6), "{t:?}");
    }

    #[test]
    fn shrinking_averages_instead_of_sampling() {
        // A one-pixel checkerboard shrunk 4× is mid grey, not black or white.
        let rgb: Vec<u8> = (0..16 * 16)
            .flat_map(|i| {
                let v = if (i % 16 + i / 16) % 2 == 0 { 255 } else { 0 };
                [v, v, v]
            })
            .collect();
        let out = resize(&rgb, 16, 16, 4, 4, Filter::Bicubic);
        assert!(out.iter().all(|v| (100..=155).contains(v)), "{out:?}");
    }

    #[test]
    fn unknown_settings_are_layout_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("preprocess_cfg.json");
        std::fs::write(
            &path,
            r#"{"size":[224,224],"mean":[0,0,0],"std":[1,1,1],"interpolation":"hamming-ish"}"#,
        )
        .unwrap();
        assert!(matches!(
            PreprocessConfig::read(&path),
            Err(MlError::ModelLayout { .. })
        ));
        std::fs::write(
            &path,
            r#"{"size":224,"mean":[0.1,0.2,0.3],"std":[1,1,1],"interpolation":"bicubic","resize_mode":"squash"}"#,
        )
        .unwrap();
        let config = PreprocessConfig::read(&path).unwrap();
        assert_eq!((config.size, config.squash), (224, true));
    }
}

//! Pixel work the models need around the decoder: letterboxing, normalised planar tensors
//! and affine warps, on RGB8 rows (three bytes per pixel).

use shoebox_media::thumbnails::{RgbImage, ThumbnailSettings, decode_rgb};

use crate::runtime::{MlError, MlResult};

/// Decodes an image file's bytes upright in sRGB, within the thumbnail pipeline's budgets.
pub fn decode(bytes: &[u8]) -> MlResult<RgbImage> {
    let image = decode_rgb(bytes, &ThumbnailSettings::default())
        .map_err(|e| MlError::Image(e.to_string()))?;
    if image.width == 0 || image.height == 0 {
        return Err(MlError::Image("image has no pixels".into()));
    }
    Ok(image)
}

/// Scales the image to fit a `size`×`size` square, keeping its aspect ratio, at the top left
/// of a black canvas (InsightFace's detector input). Returns the canvas and the scale applied.
pub fn letterbox(rgb: &[u8], width: usize, height: usize, size: usize) -> (Vec<u8>, f32) {
    let (new_w, new_h) = if height > width {
        (((size * width) / height).max(1), size)
    } else {
        (size, ((size * height) / width).max(1))
    };
    let scale = new_h as f32 / height as f32;
    let resized = resize_bilinear(rgb, width, height, new_w, new_h);
    let mut canvas = vec![0u8; size * size * 3];
    for y in 0..new_h {
        canvas[y * size * 3..(y * size + new_w) * 3]
            .copy_from_slice(&resized[y * new_w * 3..(y + 1) * new_w * 3]);
    }
    (canvas, scale)
}

/// Bilinear resize with pixel centres aligned (OpenCV's `INTER_LINEAR`).
pub fn resize_bilinear(rgb: &[u8], w: usize, h: usize, new_w: usize, new_h: usize) -> Vec<u8> {
    let sx = w as f32 / new_w as f32;
    let sy = h as f32 / new_h as f32;
    // Source columns and weights are the same for every row: work them out once.
    let cols: Vec<(usize, usize, f32)> = (0..new_w)
        .map(|x| {
            let fx = ((x as f32 + 0.5) * sx - 0.5).max(0.0);
            let x0 = (fx as usize).min(w - 1);
            ((x0), (x0 + 1).min(w - 1), fx - x0 as f32)
        })
        .collect();
    let mut out = vec![0u8; new_w * new_h * 3];
    for y in 0..new_h {
        let fy = ((y as f32 + 0.5) * sy - 0.5).max(0.0);
        let y0 = (fy as usize).min(h - 1);
        let y1 = (y0 + 1).min(h - 1);
        let wy = fy - y0 as f32;
        let r0 = &rgb[y0 * w * 3..(y0 + 1) * w * 3];
        let r1 = &rgb[y1 * w * 3..(y1 + 1) * w * 3];
        let row = &mut out[y * new_w * 3..(y + 1) * new_w * 3];
        for (x, &(x0, x1, wx)) in cols.iter().enumerate() {
            for c in 0..3 {
                let top = f32::from(r0[x0 * 3 + c]) * (1.0 - wx) + f32::from(r0[x1 * 3 + c]) * wx;
                let bottom =
                    f32::from(r1[x0 * 3 + c]) * (1.0 - wx) + f32::from(r1[x1 * 3 + c]) * wx;
                row[x * 3 + c] = (top * (1.0 - wy) + bottom * wy + 0.5) as u8;
            }
        }
    }
    out
}

/// RGB8 rows to a planar (C, H, W) float tensor body, `(v - mean) / std`.
pub fn planar_normalised(rgb: &[u8], mean: f32, std: f32) -> Vec<f32> {
    let pixels = rgb.len() / 3;
    let mut out = vec![0f32; rgb.len()];
    let (r, rest) = out.split_at_mut(pixels);
    let (g, b) = rest.split_at_mut(pixels);
    for (i, px) in rgb.chunks_exact(3).enumerate() {
        r[i] = (f32::from(px[0]) - mean) / std;
        g[i] = (f32::from(px[1]) - mean) / std;
        b[i] = (f32::from(px[2]) - mean) / std;
    }
    out
}

/// A 2×3 affine matrix mapping source to destination coordinates.
pub type Affine = [[f32; 3]; 2];

/// Samples `size`×`size` pixels from the image through the inverse of `matrix` (bilinear,
/// black outside the image), as OpenCV's `warpAffine` does.
pub fn warp_affine(rgb: &[u8], w: usize, h: usize, matrix: &Affine, size: usize) -> Vec<u8> {
    let [[a, b, tx], [c, d, ty]] = *matrix;
    let det = a * d - b * c;
    let mut out = vec![0u8; size * size * 3];
    if det.abs() < f32::EPSILON {
        return out;
    }
    // Inverse of the linear part, then of the translation.
    let (ia, ib, ic, id) = (d / det, -b / det, -c / det, a / det);
    let pixel = |x: isize, y: isize, ch: usize| -> f32 {
        if x < 0 || y < 0 || x >= w as isize || y >= h as isize {
            0.0
        } else {
            f32::from(rgb[(y as usize * w + x as usize) * 3 + ch])
        }
    };
    for oy in 0..size {
        for ox in 0..size {
            let (dx, dy) = (ox as f32 - tx, oy as f32 - ty);
            let sx = ia * dx + ib * dy;
            let sy = ic * dx + id * dy;
            let (x0, y0) = (sx.floor() as isize, sy.floor() as isize);
            let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
            for ch in 0..3 {
                let top = pixel(x0, y0, ch) * (1.0 - fx) + pixel(x0 + 1, y0, ch) * fx;
                let bottom = pixel(x0, y0 + 1, ch) * (1.0 - fx) + pixel(x0 + 1, y0 + 1, ch) * fx;
                out[(oy * size + ox) * 3 + ch] = (top * (1.0 - fy) + bottom * fy + 0.5) as u8;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letterbox_keeps_the_aspect_ratio_at_the_top_left() {
        let rgb = vec![200u8; 40 * 20 * 3];
        let (canvas, scale) = letterbox(&rgb, 40, 20, 8);
        assert_eq!(scale, 0.2);
        // The image covers 8×4; the rest is black.
        assert_eq!(canvas[(3 * 8 + 7) * 3], 200);
        assert_eq!(canvas[(4 * 8) * 3], 0);
    }

    #[test]
    fn planar_tensor_separates_channels() {
        let t = planar_normalised(&[255, 0, 127, 0, 255, 127], 127.5, 127.5);
        assert_eq!(t.len(), 6);
        assert!((t[0] - 1.0).abs() < 1e-6 && (t[1] + 1.0).abs() < 1e-6);
        assert!((t[2] + 1.0).abs() < 1e-6 && (t[3] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn identity_warp_copies_pixels() {
        let rgb: Vec<u8> = (0..4 * 4 * 3).map(|v| v as u8).collect();
        let out = warp_affine(&rgb, 4, 4, &[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], 4);
        assert_eq!(out, rgb);
    }
}

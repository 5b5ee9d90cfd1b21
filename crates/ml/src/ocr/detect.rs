//! Text detection with PP-OCR's DB model (`<pack>/detection/model.onnx`): the picture scaled
//! so its shorter side is `maxResolution` (sides rounded to multiples of 32, Lanczos), BGR
//! planes scaled to -1…1, one probability map out, boxes from [`super::db`] scaled back to
//! the picture and put in reading order.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use ort::session::Session;

use super::db::{ProbabilityMap, boxes};
use super::geometry::{distance, order_clockwise, sort_reading_order};
use super::{MIN_IMAGE_SIDE, Quad};
use crate::image::planar_normalised;
use crate::runtime::{MlError, MlResult, ModelInfo, run_single, tensor};

/// A text line the detector found, in pixels of the analysed picture: corners clockwise from
/// the top left.
#[derive(Debug, Clone, PartialEq)]
pub struct TextBox {
    pub corners: Quad,
    pub score: f32,
}

/// The detector's input size for a picture: the shorter side brought to `max_resolution`,
/// each side then rounded to a multiple of 32 (halves to even, as Python rounds).
pub fn input_size(width: usize, height: usize, max_resolution: u32) -> (usize, usize) {
    let ratio = f64::from(max_resolution.max(1)) / width.min(height) as f64;
    let side = |v: usize| {
        let scaled = (v as f64 * ratio).trunc();
        ((scaled / 32.0).round_ties_even() as usize * 32).max(32)
    };
    (side(width), side(height))
}

/// BGR planes, `v / 127.5 - 1`, from RGB8 rows.
pub fn bgr_tensor_body(rgb: &[u8]) -> Vec<f32> {
    let mut planes = planar_normalised(rgb, 127.5, 127.5);
    let n = rgb.len() / 3;
    let (red, rest) = planes.split_at_mut(n);
    red.swap_with_slice(&mut rest[n..]);
    planes
}

/// Resizes RGB8 rows with a Lanczos3 convolution.
pub fn resize_lanczos(
    rgb: &[u8],
    w: usize,
    h: usize,
    new_w: usize,
    new_h: usize,
) -> MlResult<Vec<u8>> {
    let fail = |e: &dyn std::fmt::Display| MlError::Image(format!("resize failed: {e}"));
    let src = ImageRef::new(w as u32, h as u32, rgb, PixelType::U8x3).map_err(|e| fail(&e))?;
    let mut dst = Image::new(new_w as u32, new_h as u32, PixelType::U8x3);
    Resizer::new()
        .resize(
            &src,
            &mut dst,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
        )
        .map_err(|e| fail(&e))?;
    Ok(dst.into_vec())
}

/// Finds the text lines scoring at least `min_score` in an RGB picture. Pictures under
/// 32 pixels a side have none (Immich's rule).
pub fn detect(
    session: &mut Session,
    info: &ModelInfo,
    rgb: &[u8],
    width: usize,
    height: usize,
    max_resolution: u32,
    min_score: f32,
) -> MlResult<Vec<TextBox>> {
    if width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE {
        return Ok(Vec::new());
    }
    let (in_w, in_h) = input_size(width, height, max_resolution);
    let resized = resize_lanczos(rgb, width, height, in_w, in_h)?;
    let input = tensor(&[1, 3, in_h, in_w], bgr_tensor_body(&resized))?;
    let outputs = run_single(session, info, input)?;
    let (shape, probs) = outputs
        .into_iter()
        .next()
        .ok_or_else(|| layout(info, "no output"))?;
    let (map_h, map_w) = match shape.as_slice() {
        [.., h, w] if *h > 0 && *w > 0 => (*h as usize, *w as usize),
        _ => return Err(layout(info, "the output is not a probability map")),
    };
    if probs.len() != map_w * map_h {
        return Err(layout(
            info,
            &format!("output {shape:?} is not one {map_h}×{map_w} map"),
        ));
    }
    let map = ProbabilityMap {
        data: &probs,
        width: map_w,
        height: map_h,
    };
    let (sx, sy) = (width as f32 / map_w as f32, height as f32 / map_h as f32);
    let (max_x, max_y) = ((width - 1) as f32, (height - 1) as f32);
    let mut found: Vec<TextBox> = boxes(&map, min_score)
        .into_iter()
        .filter_map(|b| {
            let scaled = b.rect.corners().map(|[x, y]| {
                [
                    (x * sx).round().clamp(0.0, width as f32),
                    (y * sy).round().clamp(0.0, height as f32),
                ]
            });
            let corners =
                order_clockwise(&scaled).map(|[x, y]| [x.clamp(0.0, max_x), y.clamp(0.0, max_y)]);
            // Slivers along the picture's edge read as nothing.
            let too_small =
                distance(corners[0], corners[1]) < 4.0 || distance(corners[0], corners[3]) < 4.0;
            (!too_small).then_some(TextBox {
                corners,
                score: b.score,
            })
        })
        .collect();
    sort_reading_order(&mut found, |b| b.corners);
    Ok(found)
}

fn layout(info: &ModelInfo, message: &str) -> MlError {
    MlError::ModelLayout {
        path: info.path.clone(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorter_side_goes_to_max_resolution_in_steps_of_32() {
        // A 1440×1080 preview: 981.33 × 736 → 992 × 736.
        assert_eq!(input_size(1440, 1080, 736), (992, 736));
        assert_eq!(input_size(1080, 1440, 736), (736, 992));
        // Small pictures grow: 100 × 18.4 is 1839.99… in floating point, truncated to 1839
        // as Python's int() does, then rounded to 57 × 32.
        assert_eq!(input_size(100, 40, 736), (1824, 736));
        // 976 = 30.5 × 32 is a tie: Python rounds 30.5 to 30 (and 31.5 to 32).
        assert_eq!(input_size(976, 736, 736), (960, 736));
        assert_eq!(input_size(1008, 736, 736), (1024, 736));
    }

    #[test]
    fn tensor_planes_are_blue_green_red() {
        let body = bgr_tensor_body(&[255, 127, 0]);
        assert_eq!(body.len(), 3);
        assert!((body[0] + 1.0).abs() < 1e-6, "blue first: {body:?}");
        assert!((body[2] - 1.0).abs() < 1e-6, "red last: {body:?}");
    }
}

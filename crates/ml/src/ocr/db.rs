//! Differentiable Binarization post-processing: from the detector's per-pixel text
//! probability map to rotated boxes around text lines, with the settings Immich runs
//! (RapidOCR's): threshold 0.3, a 2×2 dilation, at most 1000 regions, each region's smallest
//! rotated rectangle scored by the mean probability inside it, grown by
//! `area × 1.6 / perimeter` on every side, and regions thinner than 3 (5 once grown) dropped.

use super::Quad;
use super::geometry::{RotatedRect, min_area_rect};

/// A pixel belongs to text above this probability.
pub const BINARY_THRESHOLD: f32 = 0.3;
/// How far a box grows: its area times this, over its perimeter.
pub const UNCLIP_RATIO: f32 = 1.6;
/// Regions looked at per image.
pub const MAX_CANDIDATES: usize = 1000;
/// Regions whose rectangle is thinner than this are noise.
const MIN_SIZE: f32 = 3.0;

/// The probability map of one image, row-major.
pub struct ProbabilityMap<'a> {
    pub data: &'a [f32],
    pub width: usize,
    pub height: usize,
}

/// A text box in the map's pixels, before scaling to the image.
#[derive(Debug, Clone, PartialEq)]
pub struct MapBox {
    pub rect: RotatedRect,
    pub score: f32,
}

/// Pixels above the threshold, dilated by a 2×2 square anchored at its lower right (each pixel
/// takes the maximum of itself, its left, upper and upper-left neighbours), as OpenCV's
/// `dilate` with a 2×2 kernel does.
pub fn text_mask(map: &ProbabilityMap) -> Vec<bool> {
    let (w, h) = (map.width, map.height);
    let above: Vec<bool> = map.data.iter().map(|&p| p > BINARY_THRESHOLD).collect();
    let mut mask = vec![false; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut on = above[y * w + x];
            if x > 0 {
                on |= above[y * w + x - 1];
            }
            if y > 0 {
                on |= above[(y - 1) * w + x];
                if x > 0 {
                    on |= above[(y - 1) * w + x - 1];
                }
            }
            mask[y * w + x] = on;
        }
    }
    mask
}

/// The 8-connected regions of the mask, in scan order, each as the leftmost and rightmost
/// pixel of every row it covers: enough for its convex hull.
pub fn regions(mask: &[bool], width: usize, height: usize, limit: usize) -> Vec<Vec<[i64; 2]>> {
    let mut seen = vec![false; mask.len()];
    let mut found = Vec::new();
    let mut stack = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        if found.len() == limit {
            break;
        }
        // Per row covered: (min x, max x); rows are offsets from the first row.
        let y0 = start / width;
        let mut rows: Vec<(usize, usize)> = Vec::new();
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % width, i / width);
            let row = y - y0;
            if rows.len() <= row {
                rows.resize(row + 1, (usize::MAX, 0));
            }
            rows[row].0 = rows[row].0.min(x);
            rows[row].1 = rows[row].1.max(x);
            for ny in y.saturating_sub(1)..=(y + 1).min(height - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(width - 1) {
                    let n = ny * width + nx;
                    if mask[n] && !seen[n] {
                        seen[n] = true;
                        stack.push(n);
                    }
                }
            }
        }
        let mut points = Vec::with_capacity(rows.len() * 2);
        for (row, &(lo, hi)) in rows.iter().enumerate() {
            if lo != usize::MAX {
                let y = (y0 + row) as i64;
                points.push([lo as i64, y]);
                points.push([hi as i64, y]);
            }
        }
        found.push(points);
    }
    found
}

/// The mean probability over the pixels of `quad` (its corners truncated to whole pixels,
/// edges included), within the map.
pub fn mean_inside(map: &ProbabilityMap, quad: &Quad) -> f32 {
    let (w, h) = (map.width as i64, map.height as i64);
    let q: Vec<[f32; 2]> = quad.iter().map(|p| [p[0].trunc(), p[1].trunc()]).collect();
    let span = |axis: usize, limit: i64| {
        let lo = q.iter().map(|p| p[axis]).fold(f32::MAX, f32::min).floor() as i64;
        let hi = q.iter().map(|p| p[axis]).fold(f32::MIN, f32::max).ceil() as i64;
        (lo.clamp(0, limit - 1), hi.clamp(0, limit - 1))
    };
    let (x0, x1) = span(0, w);
    let (y0, y1) = span(1, h);
    // Signed area: which side of each edge is inside.
    let area2: f32 = (0..4)
        .map(|i| {
            let (a, b) = (q[i], q[(i + 1) % 4]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum();
    let orientation = if area2 < 0.0 { -1.0 } else { 1.0 };
    let inside = |px: f32, py: f32| {
        (0..4).all(|i| {
            let (a, b) = (q[i], q[(i + 1) % 4]);
            let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
            let len = (ex * ex + ey * ey).sqrt();
            if len == 0.0 {
                return true;
            }
            // Distance on the inner side of the edge; half a pixel outside still counts,
            // as the rasterised outline does.
            orientation * (ex * (py - a[1]) - ey * (px - a[0])) / len >= -0.5
        })
    };
    let (mut sum, mut count) = (0f64, 0u32);
    for y in y0..=y1 {
        for x in x0..=x1 {
            if inside(x as f32, y as f32) {
                sum += f64::from(map.data[(y * w + x) as usize]);
                count += 1;
            }
        }
    }
    if count == 0 {
        0.0
    } else {
        (sum / f64::from(count)) as f32
    }
}

/// Every text box of the map scoring at least `min_score`, grown to cover whole glyphs.
pub fn boxes(map: &ProbabilityMap, min_score: f32) -> Vec<MapBox> {
    let mask = text_mask(map);
    let mut found = Vec::new();
    for points in regions(&mask, map.width, map.height, MAX_CANDIDATES) {
        let Some(rect) = min_area_rect(points) else {
            continue;
        };
        if rect.short_side() < MIN_SIZE {
            continue;
        }
        let score = mean_inside(map, &rect.corners());
        if score < min_score {
            continue;
        }
        let grow = rect.width * rect.height * UNCLIP_RATIO / (rect.width + rect.height);
        let grown = rect.grown(grow);
        if grown.short_side() < MIN_SIZE + 2.0 {
            continue;
        }
        found.push(MapBox { rect: grown, score });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_with(width: usize, height: usize, on: impl Fn(usize, usize) -> bool) -> Vec<f32> {
        (0..width * height)
            .map(|i| if on(i % width, i / width) { 0.9 } else { 0.05 })
            .collect()
    }

    #[test]
    fn dilation_reaches_right_and_down_by_one() {
        let data = map_with(4, 4, |x, y| x == 1 && y == 1);
        let mask = text_mask(&ProbabilityMap {
            data: &data,
            width: 4,
            height: 4,
        });
        let on: Vec<usize> = (0..16).filter(|&i| mask[i]).collect();
        assert_eq!(on, vec![5, 6, 9, 10]);
    }

    #[test]
    fn diagonal_neighbours_are_one_region() {
        let mask = vec![true, false, false, false, true, false, false, false, true];
        let found = regions(&mask, 3, 3, 10);
        assert_eq!(found.len(), 1);
        let mask = vec![true, false, true, false, false, false, true, false, true];
        assert_eq!(regions(&mask, 3, 3, 10).len(), 4);
        assert_eq!(regions(&mask, 3, 3, 2).len(), 2);
    }

    #[test]
    fn two_text_lines_become_two_grown_boxes() {
        let (w, h) = (120, 60);
        let data = map_with(w, h, |x, y| {
            (10..=100).contains(&x) && ((10..=19).contains(&y) || (35..=44).contains(&y))
        });
        let map = ProbabilityMap {
            data: &data,
            width: w,
            height: h,
        };
        let found = boxes(&map, 0.5);
        assert_eq!(found.len(), 2, "{found:?}");
        for b in &found {
            // 91×10 pixels at 0.9 and the dilated rim at 0.05.
            assert!((b.score - 0.814).abs() < 0.001, "{b:?}");
            // 91×10 pixels (dilated to 92×11, 91×10 between pixel centres) grow by
            // 91×10×1.6/101 ≈ 14.4.
            let (long, short) = (b.rect.width.max(b.rect.height), b.rect.short_side());
            assert!(
                (long - 105.4).abs() < 0.5 && (short - 24.4).abs() < 0.5,
                "{b:?}"
            );
        }
    }

    #[test]
    fn faint_and_thin_regions_are_dropped() {
        let (w, h) = (60, 30);
        // A one-pixel streak (two rows once dilated, one pixel between centres: too thin)
        // and a block whose probability is barely over the threshold.
        let data: Vec<f32> = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                if y == 3 && (5..50).contains(&x) {
                    0.9
                } else if (10..=20).contains(&y) && (10..=40).contains(&x) {
                    0.35
                } else {
                    0.0
                }
            })
            .collect();
        let map = ProbabilityMap {
            data: &data,
            width: w,
            height: h,
        };
        assert!(boxes(&map, 0.5).is_empty());
        // The block passes a lower bar.
        assert_eq!(boxes(&map, 0.3).len(), 1);
    }

    #[test]
    fn mean_inside_counts_only_the_quad() {
        let (w, h) = (10, 10);
        let data = map_with(w, h, |x, _| x < 5);
        let map = ProbabilityMap {
            data: &data,
            width: w,
            height: h,
        };
        let left = mean_inside(&map, &[[0.0, 0.0], [4.0, 0.0], [4.0, 9.0], [0.0, 9.0]]);
        assert!((left - 0.9).abs() < 1e-6);
        let all = mean_inside(&map, &[[0.0, 0.0], [9.0, 0.0], [9.0, 9.0], [0.0, 9.0]]);
        assert!((all - 0.475).abs() < 1e-6);
    }
}

//! Cutting a detected text line out of the picture as an upright rectangle: a perspective
//! warp of the box's four corners onto a rectangle as wide as its longer top/bottom edge and
//! as tall as its longer left/right edge (bicubic, edges repeated), turned a quarter
//! counter-clockwise when it comes out at least 1.5 times taller than wide (a vertical line),
//! as PP-OCR does.

use super::Quad;
use super::geometry::distance;

/// An RGB8 crop.
#[derive(Debug, Clone, PartialEq)]
pub struct Crop {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

/// The projective map taking `from[i]` to `to[i]` for the four pairs, as the eight
/// coefficients of `((a x + b y + c) / (g x + h y + 1), (d x + e y + f) / (g x + h y + 1))`;
/// `None` when three of the points are collinear.
pub fn perspective(from: &Quad, to: &Quad) -> Option<[f64; 8]> {
    let mut m = [[0f64; 9]; 8];
    for i in 0..4 {
        let (x, y) = (f64::from(from[i][0]), f64::from(from[i][1]));
        let (u, v) = (f64::from(to[i][0]), f64::from(to[i][1]));
        m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gaussian elimination with partial pivoting on the augmented 8×9 matrix.
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-9 {
            return None;
        }
        m.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let f = m[row][col] / m[col][col];
                if f != 0.0 {
                    let pivot_row = m[col];
                    for (v, p) in m[row].iter_mut().zip(pivot_row).skip(col) {
                        *v -= f * p;
                    }
                }
            }
        }
    }
    Some(std::array::from_fn(|i| m[i][8] / m[i][i]))
}

/// Catmull-Rom-style cubic weight with a = -0.5 (Pillow's bicubic).
fn cubic(t: f32) -> f32 {
    let t = t.abs();
    if t < 1.0 {
        (1.5 * t - 2.5) * t * t + 1.0
    } else if t < 2.0 {
        ((-0.5 * t + 2.5) * t - 4.0) * t + 2.0
    } else {
        0.0
    }
}

/// The colour at (x, y) in pixel-centre coordinates, bicubic, edges repeated.
fn sample(rgb: &[u8], w: usize, h: usize, x: f32, y: f32) -> [u8; 3] {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let wx: [f32; 4] = std::array::from_fn(|i| cubic(fx - (i as f32 - 1.0)));
    let wy: [f32; 4] = std::array::from_fn(|i| cubic(fy - (i as f32 - 1.0)));
    let clamp = |v: f32, max: usize| (v.max(0.0) as usize).min(max - 1);
    let cols: [usize; 4] = std::array::from_fn(|i| clamp(x0 + i as f32 - 1.0, w));
    let mut out = [0f32; 3];
    for (j, wyj) in wy.iter().enumerate() {
        let row = clamp(y0 + j as f32 - 1.0, h) * w;
        for (i, wxi) in wx.iter().enumerate() {
            let p = (row + cols[i]) * 3;
            let weight = wxi * wyj;
            for (c, o) in out.iter_mut().enumerate() {
                *o += weight * f32::from(rgb[p + c]);
            }
        }
    }
    out.map(|v| v.round().clamp(0.0, 255.0) as u8)
}

/// The text line inside `corners` (clockwise from the top left, in pixels), upright; `None`
/// for a box with no area.
pub fn crop_text(rgb: &[u8], width: usize, height: usize, corners: &Quad) -> Option<Crop> {
    let [tl, tr, br, bl] = *corners;
    let crop_w = distance(tl, tr).max(distance(br, bl)) as usize;
    let crop_h = distance(tl, bl).max(distance(tr, br)) as usize;
    if crop_w == 0 || crop_h == 0 {
        return None;
    }
    let (cw, ch) = (crop_w as f32, crop_h as f32);
    let rect = [[0.0, 0.0], [cw, 0.0], [cw, ch], [0.0, ch]];
    let [a, b, c, d, e, f, g, hh] = perspective(&rect, corners)?;
    let mut out = vec![0u8; crop_w * crop_h * 3];
    for oy in 0..crop_h {
        for ox in 0..crop_w {
            // Pixel centres on both sides.
            let (x, y) = (ox as f64 + 0.5, oy as f64 + 0.5);
            let den = g * x + hh * y + 1.0;
            let sx = ((a * x + b * y + c) / den - 0.5) as f32;
            let sy = ((d * x + e * y + f) / den - 0.5) as f32;
            let px = sample(rgb, width, height, sx, sy);
            out[(oy * crop_w + ox) * 3..][..3].copy_from_slice(&px);
        }
    }
    let crop = Crop {
        width: crop_w,
        height: crop_h,
        rgb: out,
    };
    Some(if crop_h as f32 >= 1.5 * crop_w as f32 {
        rotate_counter_clockwise(&crop)
    } else {
        crop
    })
}

/// A quarter turn counter-clockwise.
pub fn rotate_counter_clockwise(crop: &Crop) -> Crop {
    let (w, h) = (crop.width, crop.height);
    let mut out = vec![0u8; w * h * 3];
    // The new picture is h wide and w tall; its row r is the old column w - 1 - r.
    for r in 0..w {
        for col in 0..h {
            let src = (col * w + (w - 1 - r)) * 3;
            out[(r * h + col) * 3..][..3].copy_from_slice(&crop.rgb[src..src + 3]);
        }
    }
    Crop {
        width: h,
        height: w,
        rgb: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(m: &[f64; 8], p: [f32; 2]) -> [f64; 2] {
        let (x, y) = (f64::from(p[0]), f64::from(p[1]));
        let den = m[6] * x + m[7] * y + 1.0;
        [
            (m[0] * x + m[1] * y + m[2]) / den,
            (m[3] * x + m[4] * y + m[5]) / den,
        ]
    }

    #[test]
    fn perspective_maps_each_corner_onto_its_pair() {
        let from = [[0.0, 0.0], [100.0, 0.0], [100.0, 20.0], [0.0, 20.0]];
        let to = [[12.0, 40.0], [108.0, 30.0], [111.0, 52.0], [14.0, 61.0]];
        let m = perspective(&from, &to).unwrap();
        for (f, t) in from.iter().zip(&to) {
            let p = apply(&m, *f);
            assert!((p[0] - f64::from(t[0])).abs() < 1e-6 && (p[1] - f64::from(t[1])).abs() < 1e-6);
        }
        assert!(perspective(&from, &[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]).is_none());
    }

    #[test]
    fn an_axis_aligned_box_crops_its_pixels() {
        // A 20×10 picture whose pixel (x, y) is (x, y, 7).
        let (w, h) = (20, 10);
        let rgb: Vec<u8> = (0..w * h)
            .flat_map(|i| [(i % w) as u8, (i / w) as u8, 7])
            .collect();
        let crop = crop_text(
            &rgb,
            w,
            h,
            &[[5.0, 2.0], [15.0, 2.0], [15.0, 7.0], [5.0, 7.0]],
        )
        .unwrap();
        assert_eq!((crop.width, crop.height), (10, 5));
        // Output pixel (0, 0) covers the input square from (5, 2) to (6, 3): pixel (5, 2).
        assert_eq!(&crop.rgb[..3], &[5, 2, 7]);
        let last = (4 * 10 + 9) * 3;
        assert_eq!(&crop.rgb[last..last + 3], &[14, 6, 7]);
    }

    #[test]
    fn tall_crops_are_turned_to_lie_flat() {
        let (w, h) = (10, 40);
        let rgb: Vec<u8> = (0..w * h).flat_map(|i| [(i / w) as u8, 0, 0]).collect();
        let crop = crop_text(
            &rgb,
            w,
            h,
            &[[2.0, 0.0], [8.0, 0.0], [8.0, 30.0], [2.0, 30.0]],
        )
        .unwrap();
        assert_eq!((crop.width, crop.height), (30, 6));
        // Turned counter-clockwise: the top of the line is now at the left.
        assert_eq!(crop.rgb[0], 0);
        assert_eq!(crop.rgb[29 * 3], 29);
    }
}

//! Face alignment for ArcFace-style recognisers: the similarity transform (rotation, uniform
//! scale, translation; least squares, as Umeyama's method gives it) that moves the five
//! detected landmarks onto the reference points of a 112×112 crop.

use crate::faces::Landmarks;
use crate::image::{Affine, warp_affine};

/// Side of the aligned crop.
pub const ALIGNED_SIZE: usize = 112;

/// Where the eyes, nose tip and mouth corners sit in ArcFace's 112×112 training crops.
pub const REFERENCE: Landmarks = [
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [41.5493, 92.3655],
    [70.7299, 92.2041],
];

/// The similarity transform taking `from` onto `to` with the least squared error.
pub fn similarity(from: &Landmarks, to: &Landmarks) -> Affine {
    let n = from.len() as f32;
    let mean = |p: &Landmarks| {
        let (sx, sy) = p.iter().fold((0.0, 0.0), |(x, y), q| (x + q[0], y + q[1]));
        (sx / n, sy / n)
    };
    let (fx, fy) = mean(from);
    let (tx, ty) = mean(to);
    let (mut dot, mut cross, mut norm) = (0.0f32, 0.0f32, 0.0f32);
    for (f, t) in from.iter().zip(to) {
        let (x, y) = (f[0] - fx, f[1] - fy);
        let (u, v) = (t[0] - tx, t[1] - ty);
        dot += x * u + y * v;
        cross += x * v - y * u;
        norm += x * x + y * y;
    }
    if norm <= f32::EPSILON {
        return [[1.0, 0.0, tx - fx], [0.0, 1.0, ty - fy]];
    }
    // [a -b; b a] is scale × rotation.
    let a = dot / norm;
    let b = cross / norm;
    [
        [a, -b, tx - (a * fx - b * fy)],
        [b, a, ty - (b * fx + a * fy)],
    ]
}

/// The 112×112 RGB crop of the face with these landmarks.
pub fn aligned_crop(rgb: &[u8], width: usize, height: usize, landmarks: &Landmarks) -> Vec<u8> {
    let matrix = similarity(landmarks, &REFERENCE);
    warp_affine(rgb, width, height, &matrix, ALIGNED_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(m: &Affine, p: [f32; 2]) -> [f32; 2] {
        [
            m[0][0] * p[0] + m[0][1] * p[1] + m[0][2],
            m[1][0] * p[0] + m[1][1] * p[1] + m[1][2],
        ]
    }

    #[test]
    fn a_scaled_rotated_face_maps_back_onto_the_reference() {
        // The reference points turned by 30°, doubled and moved: the estimate must undo it.
        let (s, c) = (30f32.to_radians().sin(), 30f32.to_radians().cos());
        let moved: Landmarks =
            REFERENCE.map(|[x, y]| [2.0 * (c * x - s * y) + 300.0, 2.0 * (s * x + c * y) + 40.0]);
        let m = similarity(&moved, &REFERENCE);
        for (p, r) in moved.iter().zip(REFERENCE) {
            let q = apply(&m, *p);
            assert!(
                (q[0] - r[0]).abs() < 1e-3 && (q[1] - r[1]).abs() < 1e-3,
                "{q:?} vs {r:?}"
            );
        }
    }
}

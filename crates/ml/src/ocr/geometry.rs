//! Plane geometry the text detector's post-processing needs: convex hulls, the smallest
//! rotated rectangle around a set of points, corner order and reading order.

use super::Quad;

/// A rotated rectangle: centre, side lengths along its two axes, and the unit vector of its
/// first axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotatedRect {
    pub center: [f32; 2],
    pub width: f32,
    pub height: f32,
    pub axis: [f32; 2],
}

impl RotatedRect {
    /// The four corners, going round the rectangle.
    pub fn corners(&self) -> Quad {
        let [ux, uy] = self.axis;
        let (vx, vy) = (-uy, ux);
        let (hw, hh) = (self.width / 2.0, self.height / 2.0);
        let [cx, cy] = self.center;
        [
            [cx - ux * hw - vx * hh, cy - uy * hw - vy * hh],
            [cx + ux * hw - vx * hh, cy + uy * hw - vy * hh],
            [cx + ux * hw + vx * hh, cy + uy * hw + vy * hh],
            [cx - ux * hw + vx * hh, cy - uy * hw + vy * hh],
        ]
    }

    /// The shorter side.
    pub fn short_side(&self) -> f32 {
        self.width.min(self.height)
    }

    /// The same rectangle with `grow` added to both sides.
    pub fn grown(&self, grow: f32) -> RotatedRect {
        RotatedRect {
            width: self.width + grow,
            height: self.height + grow,
            ..*self
        }
    }
}

fn cross(o: [i64; 2], a: [i64; 2], b: [i64; 2]) -> i64 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

/// The convex hull of integer points, without collinear points (Andrew's monotone chain).
pub fn convex_hull(mut points: Vec<[i64; 2]>) -> Vec<[i64; 2]> {
    points.sort_unstable();
    points.dedup();
    if points.len() < 3 {
        return points;
    }
    let chain = |points: &mut dyn Iterator<Item = [i64; 2]>| {
        let mut chain: Vec<[i64; 2]> = Vec::new();
        for p in points {
            while chain.len() >= 2 && cross(chain[chain.len() - 2], chain[chain.len() - 1], p) <= 0
            {
                chain.pop();
            }
            chain.push(p);
        }
        // Its last point starts the other chain.
        chain.pop();
        chain
    };
    let mut hull = chain(&mut points.iter().copied());
    hull.extend(chain(&mut points.iter().rev().copied()));
    hull
}

/// The smallest-area rectangle containing the points (rotating calipers over the hull: one
/// side of the best rectangle lies on a hull edge). `None` for fewer than three points not
/// on one line — such a region has no area.
pub fn min_area_rect(points: Vec<[i64; 2]>) -> Option<RotatedRect> {
    let hull = convex_hull(points);
    if hull.len() < 3 {
        return None;
    }
    let pts: Vec<[f64; 2]> = hull.iter().map(|p| [p[0] as f64, p[1] as f64]).collect();
    let mut best: Option<(f64, RotatedRect)> = None;
    for i in 0..pts.len() {
        let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len = (dx * dx + dy * dy).sqrt();
        if len == 0.0 {
            continue;
        }
        let (ux, uy) = (dx / len, dy / len);
        let (mut min_u, mut max_u, mut min_v, mut max_v) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for p in &pts {
            let u = p[0] * ux + p[1] * uy;
            let v = -p[0] * uy + p[1] * ux;
            min_u = min_u.min(u);
            max_u = max_u.max(u);
            min_v = min_v.min(v);
            max_v = max_v.max(v);
        }
        let area = (max_u - min_u) * (max_v - min_v);
        if best.as_ref().is_some_and(|(a, _)| *a <= area) {
            continue;
        }
        let (cu, cv) = ((min_u + max_u) / 2.0, (min_v + max_v) / 2.0);
        let rect = RotatedRect {
            center: [(cu * ux - cv * uy) as f32, (cu * uy + cv * ux) as f32],
            width: (max_u - min_u) as f32,
            height: (max_v - min_v) as f32,
            axis: [ux as f32, uy as f32],
        };
        best = Some((area, rect));
    }
    best.map(|(_, rect)| rect)
}

/// Top-left, top-right, bottom-right, bottom-left: the two leftmost points (by x) are the
/// left side, each side's upper point (by y) comes first.
pub fn order_clockwise(quad: &Quad) -> Quad {
    let mut by_x = *quad;
    by_x.sort_by(|a, b| a[0].total_cmp(&b[0]));
    let (mut left, mut right) = ([by_x[0], by_x[1]], [by_x[2], by_x[3]]);
    left.sort_by(|a, b| a[1].total_cmp(&b[1]));
    right.sort_by(|a, b| a[1].total_cmp(&b[1]));
    [left[0], right[0], right[1], left[1]]
}

/// Reading order: top to bottom by the top-left corner, and left to right among boxes whose
/// tops are within 10 pixels of each other (PP-OCR's rule).
pub fn sort_reading_order<T>(items: &mut [T], corners: impl Fn(&T) -> Quad) {
    items.sort_by(|a, b| {
        let (a, b) = (corners(a)[0], corners(b)[0]);
        a[1].total_cmp(&b[1]).then(a[0].total_cmp(&b[0]))
    });
    for i in 0..items.len().saturating_sub(1) {
        for j in (0..=i).rev() {
            let (upper, lower) = (corners(&items[j])[0], corners(&items[j + 1])[0]);
            if (lower[1] - upper[1]).abs() < 10.0 && lower[0] < upper[0] {
                items.swap(j, j + 1);
            } else {
                break;
            }
        }
    }
}

/// Euclidean distance.
pub fn distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_drops_inner_and_collinear_points() {
        let hull = convex_hull(vec![[0, 0], [2, 0], [4, 0], [4, 4], [0, 4], [2, 2], [1, 3]]);
        assert_eq!(hull.len(), 4, "{hull:?}");
        for corner in [[0, 0], [4, 0], [4, 4], [0, 4]] {
            assert!(hull.contains(&corner));
        }
    }

    #[test]
    fn min_area_rect_of_an_axis_aligned_block_is_the_block() {
        let mut points = Vec::new();
        for y in 10..=14 {
            points.push([20, y]);
            points.push([59, y]);
        }
        let rect = min_area_rect(points).unwrap();
        assert!(
            (rect.width.max(rect.height) - 39.0).abs() < 1e-4,
            "{rect:?}"
        );
        assert!((rect.short_side() - 4.0).abs() < 1e-4, "{rect:?}");
        assert!((rect.center[0] - 39.5).abs() < 1e-4 && (rect.center[1] - 12.0).abs() < 1e-4);
    }

    #[test]
    fn min_area_rect_follows_a_slanted_line() {
        // A 3-pixel-thick line rising at 45°: the best rectangle is long and thin, not the
        // square around it.
        let mut points = Vec::new();
        for i in 0..50i64 {
            for t in 0..3 {
                points.push([i + t, 100 - i]);
            }
        }
        let rect = min_area_rect(points).unwrap();
        let long = rect.width.max(rect.height);
        assert!(long > 68.0 && rect.short_side() < 3.0, "{rect:?}");
    }

    #[test]
    fn a_line_of_points_has_no_rectangle() {
        assert_eq!(min_area_rect(vec![[0, 0], [5, 0], [9, 0]]), None);
    }

    #[test]
    fn corners_come_top_left_first_clockwise() {
        let quad = order_clockwise(&[[10.0, 5.0], [0.0, 0.0], [0.0, 5.0], [10.0, 0.0]]);
        assert_eq!(quad, [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]]);
    }

    #[test]
    fn boxes_on_one_line_read_left_to_right() {
        let at = |x: f32, y: f32| [[x, y], [x + 5.0, y], [x + 5.0, y + 5.0], [x, y + 5.0]];
        let mut boxes = vec![at(50.0, 3.0), at(0.0, 40.0), at(10.0, 8.0)];
        sort_reading_order(&mut boxes, |q| *q);
        let tops: Vec<[f32; 2]> = boxes.iter().map(|q| q[0]).collect();
        assert_eq!(tops, vec![[10.0, 8.0], [50.0, 3.0], [0.0, 40.0]]);
    }
}

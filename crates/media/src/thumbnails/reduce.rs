//! Whole-factor box downscaling while rows stream out of a decoder, for the formats with no
//! reduced-scale decode of their own (PNG): a 14000×14000 image becomes ~1556×1556 without its
//! 784 MB of full-size pixels ever being in memory at once. The factor keeps the result at
//! least the preview size, so the resize that follows (as after a DCT-scaled JPEG decode)
//! decides the final quality.

use super::raster::{self, Raster};

/// The largest whole factor that keeps the shorter side at least `min_short` (or the whole
/// image, when it is no larger than that).
pub(crate) fn factor(width: u32, height: u32, min_short: u32) -> u32 {
    let short = width.min(height).max(1);
    let want = min_short.clamp(1, short);
    (short / want).max(1)
}

/// The memory a [`Reducer`] holds for an image of this size.
pub(crate) fn bytes(width: u32, height: u32, factor: u32, has_alpha: bool) -> u64 {
    let (w, h) = (width.div_ceil(factor), height.div_ceil(factor));
    let channels = if has_alpha { 4 } else { 3 };
    let out = u64::from(w) * u64::from(h) * channels;
    // Sums of up to factor² samples need 32 bits each; at factor 1 pixels go straight out.
    if factor > 1 { out * 5 } else { out }
}

pub(crate) struct Reducer {
    width: u32,
    height: u32,
    factor: u32,
    out_width: u32,
    channels: usize,
    /// Factor 1: the output pixels themselves.
    direct: Vec<u8>,
    /// Factor > 1: per output sample, the sum of the source samples in its box.
    sums: Vec<u32>,
}

impl Reducer {
    pub(crate) fn new(width: u32, height: u32, factor: u32, has_alpha: bool) -> Self {
        let out_width = width.div_ceil(factor);
        let channels = if has_alpha { 4 } else { 3 };
        let len = out_width as usize * height.div_ceil(factor) as usize * channels;
        let (direct, sums) = if factor == 1 {
            (raster::buffer(len), Vec::new())
        } else {
            (Vec::new(), vec![0; len])
        };
        Self {
            width,
            height,
            factor,
            out_width,
            channels,
            direct,
            sums,
        }
    }

    /// Adds the pixels of source row `y` found at columns `x0`, `x0 + dx`, … (every column
    /// for a plain row, one Adam7 pass's columns for an interlaced one), given as 8-bit
    /// samples of `in_channels` channels: grey, grey + alpha, RGB or RGBA.
    pub(crate) fn add_row(&mut self, y: u32, x0: u32, dx: u32, samples: &[u8], in_channels: usize) {
        if y >= self.height {
            return;
        }
        let oy = (y / self.factor) as usize;
        let row = oy * self.out_width as usize * self.channels;
        let alpha = self.channels == 4;
        for (i, px) in samples.chunks_exact(in_channels).enumerate() {
            let x = x0 + i as u32 * dx;
            if x >= self.width {
                break;
            }
            let at = row + (x / self.factor) as usize * self.channels;
            let rgba = match in_channels {
                1 => [px[0], px[0], px[0], 255],
                2 => [px[0], px[0], px[0], px[1]],
                3 => [px[0], px[1], px[2], 255],
                _ => [px[0], px[1], px[2], px[3]],
            };
            let out = &rgba[..if alpha { 4 } else { 3 }];
            if self.factor == 1 {
                self.direct[at..at + out.len()].copy_from_slice(out);
            } else {
                for (sum, &v) in self.sums[at..at + out.len()].iter_mut().zip(out) {
                    *sum += u32::from(v);
                }
            }
        }
    }

    /// The reduced image: each pixel the mean of its box (boxes at the right and bottom edges
    /// may be narrower).
    pub(crate) fn finish(self) -> Raster {
        let out_height = self.height.div_ceil(self.factor);
        let has_alpha = self.channels == 4;
        if self.factor == 1 {
            return Raster::new(self.out_width, out_height, has_alpha, self.direct);
        }
        let span = |i: u32, whole: u32| (whole - i * self.factor).min(self.factor);
        let mut out = raster::buffer_with_capacity(self.sums.len());
        let row_len = self.out_width as usize * self.channels;
        for (oy, row) in self.sums.chunks_exact(row_len).enumerate() {
            let rows = span(oy as u32, self.height);
            for (ox, px) in row.chunks_exact(self.channels).enumerate() {
                let count = span(ox as u32, self.width) * rows;
                out.extend(px.iter().map(|&s| ((s + count / 2) / count) as u8));
            }
        }
        Raster::new(self.out_width, out_height, has_alpha, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_keeps_the_shorter_side_covered() {
        assert_eq!(factor(14000, 14000, 1440), 9);
        assert_eq!(factor(12247, 8165, 1440), 5);
        assert_eq!(factor(2000, 1500, 1440), 1);
        assert_eq!(factor(800, 600, 1440), 1);
        assert_eq!(factor(14000, 14000, u32::MAX), 1);
    }

    #[test]
    fn boxes_average_their_pixels_including_narrow_edge_boxes() {
        // 3×3 grey image, factor 2: boxes of 2×2, 1×2, 2×1 and 1×1 pixels.
        let mut reducer = Reducer::new(3, 3, 2, false);
        reducer.add_row(0, 0, 1, &[0, 100, 7], 1);
        reducer.add_row(1, 0, 1, &[200, 100, 9], 1);
        reducer.add_row(2, 0, 1, &[50, 150, 255], 1);
        let out = reducer.finish();
        assert_eq!((out.width, out.height), (2, 2));
        let grey: Vec<u8> = out.data.chunks(3).map(|p| p[0]).collect();
        assert_eq!(grey, vec![100, 8, 100, 255]);
    }

    #[test]
    fn interlaced_columns_land_where_they_belong() {
        // Two "passes" of one row: even columns, then odd ones, as RGBA at factor 1.
        let mut reducer = Reducer::new(4, 1, 1, true);
        reducer.add_row(0, 0, 2, &[1, 1, 1, 10, 3, 3, 3, 30], 4);
        reducer.add_row(0, 1, 2, &[2, 2, 2, 20, 4, 4, 4, 40], 4);
        let out = reducer.finish();
        let alpha: Vec<u8> = out.data.chunks(4).map(|p| p[3]).collect();
        assert_eq!(alpha, vec![10, 20, 30, 40]);
    }
}

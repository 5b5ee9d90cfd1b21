//! Text recognition with PP-OCR's CTC model (`<pack>/recognition/model.onnx`): crops scaled
//! to 48 pixels high (bilinear) and laid on a canvas at least 320 wide, six at a time sorted
//! by width so that a batch pads little, BGR scaled to -1…1; out comes, per crop, a
//! probability for every class at every step. Greedy CTC decoding keeps each step's best
//! class, merges repeats, drops blanks, and scores the text by the mean probability of the
//! characters kept.

use ort::session::Session;

use super::crop::Crop;
use crate::image::resize_bilinear;
use crate::runtime::{MlError, MlResult, ModelInfo, run_single, tensor};

/// The height the recogniser reads at.
pub const HEIGHT: usize = 48;
/// The narrowest canvas, as a width/height ratio (PP-OCR's 3×48×320 input).
const MIN_RATIO: f32 = 320.0 / 48.0;
/// Crops per run.
pub const BATCH: usize = 6;

/// The recogniser's classes: CTC's blank, the model's characters, then a space.
#[derive(Debug, Clone, PartialEq)]
pub struct Charset {
    classes: Vec<String>,
}

impl Charset {
    /// From the character list, one per line (the `character` entry of a PP-OCR model's
    /// metadata, or a `charset.txt` beside it).
    pub fn from_lines(text: &str) -> Charset {
        let mut classes = vec![String::new()];
        classes.extend(text.lines().map(str::to_string));
        classes.push(" ".into());
        Charset { classes }
    }

    /// How many classes the model must output.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.classes.len() <= 2
    }

    /// Greedy CTC decoding of one crop's `steps × classes` probabilities; `None` when a
    /// step's best value is not a probability (a model that outputs logits).
    pub fn decode(&self, probs: &[f32]) -> Option<(String, f32)> {
        let classes = self.classes.len();
        let (mut text, mut sum, mut kept) = (String::new(), 0f32, 0u32);
        let mut previous = usize::MAX;
        for step in probs.chunks_exact(classes) {
            let (best, p) =
                step.iter().enumerate().fold(
                    (0, f32::MIN),
                    |acc, (i, &p)| if p > acc.1 { (i, p) } else { acc },
                );
            if !(0.0..=1.001).contains(&p) {
                return None;
            }
            if best != 0 && best != previous {
                text.push_str(&self.classes[best]);
                sum += p;
                kept += 1;
            }
            previous = best;
        }
        let score = if kept == 0 { 0.0 } else { sum / kept as f32 };
        Some((text, score))
    }
}

/// The charset of a loaded recogniser: its `character` metadata, else `charset.txt` in its
/// folder (Immich's two places).
pub fn charset_of(session: &Session, info: &ModelInfo) -> MlResult<Charset> {
    let from_metadata = session.metadata().ok().and_then(|m| m.custom("character"));
    let text = match from_metadata {
        Some(text) => text,
        None => {
            let file = info.path.with_file_name("charset.txt");
            std::fs::read_to_string(&file).map_err(|e| MlError::ModelLayout {
                path: info.path.clone(),
                message: format!(
                    "no `character` metadata and no readable {}: {e}",
                    file.display()
                ),
            })?
        }
    };
    let charset = Charset::from_lines(&text);
    if charset.is_empty() {
        return Err(MlError::ModelLayout {
            path: info.path.clone(),
            message: "the character list is empty".into(),
        });
    }
    Ok(charset)
}

/// Width over height.
fn ratio(crop: &Crop) -> f32 {
    crop.width as f32 / crop.height as f32
}

/// Reads every crop: (text, score) in the crops' order.
pub fn read(
    session: &mut Session,
    info: &ModelInfo,
    charset: &Charset,
    crops: &[Crop],
) -> MlResult<Vec<(String, f32)>> {
    let mut order: Vec<usize> = (0..crops.len()).collect();
    order.sort_by(|&a, &b| ratio(&crops[a]).total_cmp(&ratio(&crops[b])));
    let mut read = vec![(String::new(), 0f32); crops.len()];
    for chunk in order.chunks(BATCH) {
        let widest = ratio(&crops[*chunk.last().expect("chunks are not empty")]);
        let width = (HEIGHT as f32 * MIN_RATIO.max(widest)) as usize;
        let plane = HEIGHT * width;
        // Zero is mid-grey once scaled: the padding right of each crop.
        let mut body = vec![0f32; chunk.len() * 3 * plane];
        for (slot, &index) in chunk.iter().enumerate() {
            let crop = &crops[index];
            let new_w = ((HEIGHT as f32 * ratio(crop)).ceil() as usize).clamp(1, width);
            let resized = resize_bilinear(&crop.rgb, crop.width, crop.height, new_w, HEIGHT);
            let planes = &mut body[slot * 3 * plane..(slot + 1) * 3 * plane];
            for y in 0..HEIGHT {
                for x in 0..new_w {
                    let px = &resized[(y * new_w + x) * 3..][..3];
                    // Blue, green, red planes.
                    for (c, &v) in [px[2], px[1], px[0]].iter().enumerate() {
                        planes[c * plane + y * width + x] = f32::from(v) / 127.5 - 1.0;
                    }
                }
            }
        }
        let input = tensor(&[chunk.len(), 3, HEIGHT, width], body)?;
        let outputs = run_single(session, info, input)?;
        let (shape, probs) = outputs
            .into_iter()
            .next()
            .ok_or_else(|| MlError::ModelLayout {
                path: info.path.clone(),
                message: "no output".into(),
            })?;
        let classes = shape.last().copied().unwrap_or(0) as usize;
        if classes != charset.len()
            || probs.is_empty()
            || probs.len() % (chunk.len() * classes) != 0
        {
            return Err(MlError::ModelLayout {
                path: info.path.clone(),
                message: format!(
                    "output {shape:?} does not have one probability per class ({} classes)",
                    charset.len()
                ),
            });
        }
        let per_crop = probs.len() / chunk.len();
        for (slot, &index) in chunk.iter().enumerate() {
            read[index] = charset
                .decode(&probs[slot * per_crop..(slot + 1) * per_crop])
                .ok_or_else(|| MlError::ModelLayout {
                    path: info.path.clone(),
                    message: "the output is not per-class probabilities".into(),
                })?;
        }
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_merges_repeats_and_drops_blanks() {
        let charset = Charset::from_lines("a\nb");
        assert_eq!(charset.len(), 4);
        // Steps: a a blank a b space blank.
        let step = |class: usize, p: f32| {
            let mut s = vec![(1.0 - p) / 3.0; 4];
            s[class] = p;
            s
        };
        let probs: Vec<f32> = [
            step(1, 0.9),
            step(1, 0.7),
            step(0, 0.99),
            step(1, 0.8),
            step(2, 0.6),
            step(3, 0.5),
            step(0, 0.9),
        ]
        .concat();
        let (text, score) = charset.decode(&probs).unwrap();
        assert_eq!(text, "aab ");
        // Kept: 0.9, 0.8, 0.6, 0.5.
        assert!((score - 0.7).abs() < 1e-6, "{score}");
    }

    #[test]
    fn all_blank_reads_as_nothing_with_score_zero() {
        let charset = Charset::from_lines("a");
        assert_eq!(
            charset.decode(&[0.9, 0.1, 0.0, 0.8, 0.2, 0.0]),
            Some((String::new(), 0.0))
        );
    }

    #[test]
    fn logits_are_not_taken_for_probabilities() {
        let charset = Charset::from_lines("a");
        assert_eq!(charset.decode(&[0.1, 7.5, -2.0]), None);
    }
}

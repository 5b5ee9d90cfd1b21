//! Face recognition with an ArcFace-layout model: aligned 112×112 RGB crops in, normalised
//! to [-1, 1], one embedding per face out, L2-normalised so that cosine distance is
//! `1 - a·b`.

use ort::session::Session;

use crate::faces::align::ALIGNED_SIZE;
use crate::image::planar_normalised;
use crate::runtime::{MlError, MlResult, ModelInfo, run_single, tensor};

/// Embeddings of aligned crops (each `ALIGNED_SIZE`² × 3 bytes), in order. Crops go through
/// in one batch when the model takes any batch size, one at a time when it is fixed at one.
pub fn embed(
    session: &mut Session,
    info: &ModelInfo,
    crops: &[Vec<u8>],
) -> MlResult<Vec<Vec<f32>>> {
    if crops.is_empty() {
        return Ok(Vec::new());
    }
    let batch = if info.fixed_batch_of_one() {
        1
    } else {
        crops.len()
    };
    let mut embeddings = Vec::with_capacity(crops.len());
    for chunk in crops.chunks(batch) {
        let mut body = Vec::with_capacity(chunk.len() * 3 * ALIGNED_SIZE * ALIGNED_SIZE);
        for crop in chunk {
            body.extend(planar_normalised(crop, 127.5, 127.5));
        }
        let input = tensor(&[chunk.len(), 3, ALIGNED_SIZE, ALIGNED_SIZE], body)?;
        let outputs = run_single(session, info, input)?;
        let (_, values) = outputs.first().ok_or_else(|| MlError::ModelLayout {
            path: info.path.clone(),
            message: "no output".into(),
        })?;
        if values.is_empty() || values.len() % chunk.len() != 0 {
            return Err(MlError::ModelLayout {
                path: info.path.clone(),
                message: format!("{} values for {} faces", values.len(), chunk.len()),
            });
        }
        let dim = values.len() / chunk.len();
        embeddings.extend(values.chunks_exact(dim).map(l2_normalised));
    }
    Ok(embeddings)
}

/// The vector scaled to unit length (a zero vector stays zero).
pub fn l2_normalised(v: &[f32]) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter().map(|x| x / norm).collect()
    } else {
        v.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeddings_have_unit_length() {
        let v = l2_normalised(&[3.0, 4.0]);
        assert_eq!(v, vec![0.6, 0.8]);
    }
}

//! Stage 5 — embed: the 512-D L2-normalised embedding of an aligned face (docs/pipeline.md §5).

use crate::constants::*;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::raster::Sampled;

/// Runs fr_feature on a 112x112 aligned face.
pub fn embed(model: &Model, aligned: &Sampled) -> Result<Vec<f32>> {
    if aligned.width != ALIGNED_SIZE || aligned.height != ALIGNED_SIZE || aligned.channels != 3 {
        return Err(Error::invalid_argument("embed needs a 112x112 RGB aligned face"));
    }
    let order = match EMBED_CHANNEL_ORDER {
        ChannelOrder::Rgb => [0, 1, 2],
        ChannelOrder::Bgr => [2, 1, 0],
    };
    let outputs = model.run(aligned.to_planar(&order, EMBED_MEAN, EMBED_SCALE))?;
    let raw = outputs
        .into_iter()
        .next()
        .filter(|o| o.len() == EMBEDDING_LEN)
        .ok_or_else(|| Error::inference("fr_feature", "expected a 512-D output"))?;
    l2_normalize(raw).ok_or_else(|| Error::inference("fr_feature", "embedding has zero or non-finite norm"))
}

/// `v / |v|`, or `None` when the norm is zero or not finite.
pub fn l2_normalize(mut v: Vec<f32>) -> Option<Vec<f32>> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if !norm.is_finite() || norm <= 0.0 {
        return None;
    }
    v.iter_mut().for_each(|x| *x /= norm);
    Some(v)
}

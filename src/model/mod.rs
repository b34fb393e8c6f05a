//! Model files: the manifest, integrity checks and tract execution.
//!
//! A model is accepted only when its bytes match the sha256 and size recorded in
//! `models/manifest.json` (compiled into the crate); anything else is `MODEL_INVALID`, so a
//! truncated download or a swapped file can never produce quietly wrong faces.

pub(crate) mod prelu;

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use tract_onnx::prelude::*;

use crate::error::{Error, Result};

/// The manifest shipped with the crate (`models/manifest.json`).
pub const MANIFEST_JSON: &str = include_str!("../../models/manifest.json");

/// The models of the pipeline, by manifest name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelKind {
    Detect,
    Landmark,
    Feature,
    Eye,
    Liveness,
    /// The learned card finder (trained here: training/document).
    CardFinder,
}

impl ModelKind {
    pub const ALL: [ModelKind; 6] =
        [ModelKind::Detect, ModelKind::Landmark, ModelKind::Feature, ModelKind::Eye, ModelKind::Liveness, ModelKind::CardFinder];

    /// The manifest key, e.g. `fr_detect`.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Detect => "fr_detect",
            ModelKind::Landmark => "fr_landmark",
            ModelKind::Feature => "fr_feature",
            ModelKind::Eye => "fr_eye",
            ModelKind::Liveness => "fr_liveness",
            ModelKind::CardFinder => "card_finder",
        }
    }
}

/// One manifest entry (the fields the runtime needs; the rest documents provenance).
#[derive(Debug, Clone, Deserialize)]
pub struct ManifestEntry {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
    pub preprocessing: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TensorSpec {
    pub name: String,
    pub shape: Vec<usize>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub models: std::collections::BTreeMap<String, ManifestEntry>,
}

impl Manifest {
    /// The compiled-in manifest.
    pub fn bundled() -> Result<Manifest> {
        serde_json::from_str(MANIFEST_JSON).map_err(|e| Error::model_invalid(format!("manifest.json: {e}")))
    }

    pub fn entry(&self, kind: ModelKind) -> Result<&ManifestEntry> {
        self.models
            .get(kind.name())
            .ok_or_else(|| Error::model_invalid(format!("manifest has no entry for {}", kind.name())))
    }
}

/// Checks `bytes` against the manifest entry: size first (cheap), then sha256.
pub fn verify(entry: &ManifestEntry, bytes: &[u8]) -> Result<()> {
    verify_size(entry, bytes)?;
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if hex != entry.sha256 {
        return Err(Error::model_invalid(format!(
            "{}: sha256 {hex} does not match the manifest's {}",
            entry.file, entry.sha256
        )));
    }
    Ok(())
}

/// What [`Model::load_checked`] checks of model bytes against their manifest entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integrity {
    /// Size and sha256: what [`Model::load`] does.
    Sha256,
    /// Size only, for a caller that has already compared the sha256 itself: the npm package
    /// hashes every model with the browser's native SubtleCrypto before the bytes reach the
    /// core, and hashing the 7.5 MB a second time in wasm would only lengthen every start.
    SizeOnly,
}

fn verify_size(entry: &ManifestEntry, bytes: &[u8]) -> Result<()> {
    if bytes.len() as u64 != entry.bytes {
        return Err(Error::model_invalid(format!(
            "{}: {} bytes, the manifest expects {}",
            entry.file,
            bytes.len(),
            entry.bytes
        )));
    }
    Ok(())
}

/// A verified, optimised model ready to run on inputs of its fixed shape.
#[derive(Debug, Clone)]
pub struct Model {
    kind: ModelKind,
    input_shape: Vec<usize>,
    plan: Arc<TypedRunnableModel>,
}

impl Model {
    /// Verifies `bytes` against the manifest (size and sha256) and builds the tract plan.
    pub fn load(manifest: &Manifest, kind: ModelKind, bytes: &[u8]) -> Result<Model> {
        Model::load_checked(manifest, kind, bytes, Integrity::Sha256)
    }

    /// [`Model::load`] with the integrity check of the caller's choice.
    pub fn load_checked(manifest: &Manifest, kind: ModelKind, bytes: &[u8], integrity: Integrity) -> Result<Model> {
        let entry = manifest.entry(kind)?;
        match integrity {
            Integrity::Sha256 => verify(entry, bytes)?,
            Integrity::SizeOnly => verify_size(entry, bytes)?,
        }
        let input_shape = entry
            .inputs
            .first()
            .map(|i| i.shape.clone())
            .ok_or_else(|| Error::model_invalid(format!("{}: manifest lists no input", kind.name())))?;
        let plan = build_plan(bytes, &input_shape)
            .map_err(|e| Error::model_invalid(format!("{}: tract could not load it: {e}", kind.name())))?;
        Ok(Model { kind, input_shape, plan })
    }

    /// Reads `<dir>/<file>` and loads it.
    pub fn load_from_dir(manifest: &Manifest, kind: ModelKind, dir: &Path) -> Result<Model> {
        let file = &manifest.entry(kind)?.file;
        let path = dir.join(file);
        let bytes = std::fs::read(&path)
            .map_err(|e| Error::model_invalid(format!("cannot read {}: {e}", path.display())))?;
        Model::load(manifest, kind, &bytes)
    }

    pub fn kind(&self) -> ModelKind {
        self.kind
    }

    /// The input shape, e.g. `[1, 3, 240, 320]`.
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// Runs on one input (NCHW f32 of the manifest's shape); returns every output, flattened.
    pub fn run(&self, input: Vec<f32>) -> Result<Vec<Vec<f32>>> {
        let name = self.kind.name();
        let tensor = tract_ndarray::ArrayD::from_shape_vec(self.input_shape.clone(), input)
            .map_err(|e| Error::inference(name, e))?;
        let outputs = self
            .plan
            .run(tvec!(Tensor::from(tensor).into_tvalue()))
            .map_err(|e| Error::inference(name, e))?;
        outputs
            .iter()
            .map(|t| {
                t.to_plain_array_view::<f32>()
                    .map(|v| v.iter().copied().collect())
                    .map_err(|e| Error::inference(name, e))
            })
            .collect()
    }
}

impl Model {
    /// Runs once like [`Model::run`], timing every node with `now` (a clock in ms): the time
    /// per kind of op (`OptMatMul`, `DepthWise`, ...), slowest first. The benchmark's per-op
    /// profile (bench/web); the outputs are dropped.
    pub fn profile(&self, input: Vec<f32>, now: &dyn Fn() -> f64) -> Result<Vec<(String, f64)>> {
        let name = self.kind.name();
        let tensor = tract_ndarray::ArrayD::from_shape_vec(self.input_shape.clone(), input)
            .map_err(|e| Error::inference(name, e))?;
        let mut state = tract_onnx::tract_core::plan::SimpleState::new(&self.plan).map_err(|e| Error::inference(name, e))?;
        let mut times: Vec<(String, f64)> = Vec::new();
        state
            .run_plan_with_eval(tvec!(Tensor::from(tensor).into_tvalue()), |ctx, op_state, node, inputs| {
                let start = now();
                let outputs = tract_onnx::tract_core::plan::eval(ctx, op_state, node, inputs);
                let kind = node.op().name().to_string();
                match times.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, t)) => *t += now() - start,
                    None => times.push((kind, now() - start)),
                }
                outputs
            })
            .map_err(|e| Error::inference(name, e))?;
        times.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(times)
    }

    /// For a classifier: the softmax probability of `class` among the `classes` logits of the
    /// first output.
    pub fn class_probability(&self, input: Vec<f32>, class: usize, classes: usize) -> Result<f32> {
        let outputs = self.run(input)?;
        let logits = outputs
            .first()
            .filter(|o| o.len() == classes && class < classes)
            .ok_or_else(|| Error::inference(self.kind.name(), format!("expected {classes} class logits")))?;
        Ok(softmax(logits)[class])
    }
}

/// Numerically stable softmax.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|x| (x - max).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}

fn build_plan(bytes: &[u8], input_shape: &[usize]) -> TractResult<Arc<TypedRunnableModel>> {
    prelu::onnx()
        .model_for_read(&mut std::io::Cursor::new(bytes))?
        .with_input_fact(0, f32::fact(input_shape).into())?
        .into_optimized()?
        .into_runnable()
}

//! `likeness` — the command-line face of the SDK: analyze photos, compare a selfie with an ID
//! photo (printing the seed 004 scan record), benchmark the stages, and evaluate accuracy on a
//! labelled folder tree (`eval`, docs/eval.md).
//!
//! Output is JSON on stdout, one object per line; any failure exits with status 2 and prints
//! `{"error": {"code", "message"}}` (per image for `analyze`), plus `details` for the codes that
//! carry measured values (`QUALITY_TOO_LOW`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use likeness::decode::decode;
use likeness::detect::DetectOptions;
use likeness::{AnalyzeOptions, CompareOptions, Error, Likeness, Result, Threshold};
use serde_json::{json, Value};

const USAGE: &str = "usage:
  likeness analyze [--liveness] [--no-embedding] [--limit N] [--det-prob-threshold T] IMAGE...
  likeness compare [--threshold strict|medium|low|FLOAT] [--mode auto|selfie|document] [--reference REF] [--channel CH] SELFIE DOCUMENT
  likeness bench [--runs N] [IMAGE...]
  likeness eval --out DIR [--pairs PAIRS.TXT] [--cache FILE] [--cap-per-identity N] [--variant colour|grey|downscale:N[,...]]
                [--calibrate-split] [--bands 30,45,60] [--threads N] [--quiet] DATASET_DIR
global: --models DIR (default: $LIKENESS_MODELS, else the crate's models/ directory)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            println!("{}", error_json(&e));
            if e.code == likeness::ErrorCode::InvalidArgument {
                eprintln!("{USAGE}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode> {
    let mut args = Args::new(args);
    let models = args.value("--models")?.map(PathBuf::from).unwrap_or_else(default_models_dir);
    match args.command().as_deref() {
        Some("analyze") => analyze(args, &models),
        Some("compare") => compare(args, &models),
        Some("bench") => bench(args, &models),
        Some("eval") => eval(args, &models),
        Some("help") | Some("--help") | Some("-h") => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => Err(Error::invalid_argument(format!("unknown command {other:?}"))),
        None => Err(Error::invalid_argument("no command given")),
    }
}

fn default_models_dir() -> PathBuf {
    std::env::var_os("LIKENESS_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
}

fn analyze(mut args: Args, models: &Path) -> Result<ExitCode> {
    let liveness = args.flag("--liveness");
    let embedding = !args.flag("--no-embedding");
    let limit = args.value("--limit")?.map(|v| parse_number::<usize>("--limit", &v)).transpose()?;
    let threshold = args
        .value("--det-prob-threshold")?
        .map(|v| parse_number::<f32>("--det-prob-threshold", &v))
        .transpose()?
        .unwrap_or(likeness::constants::DEFAULT_DET_PROB_THRESHOLD);
    let images = args.positionals()?;
    if images.is_empty() {
        return Err(Error::invalid_argument("analyze needs at least one IMAGE"));
    }
    let opts = AnalyzeOptions { detect: DetectOptions { det_prob_threshold: threshold, limit }, embedding, liveness };
    opts.detect.validate()?;
    let sdk = Likeness::from_dir(models, liveness)?;
    let mut failed = false;
    for path in images {
        let line = match read_image(&sdk, &path).and_then(|img| sdk.analyze(&img, &opts)) {
            Ok(analysis) => {
                let mut v = json!({"image": path});
                if let (Some(obj), Ok(Value::Object(rest))) = (v.as_object_mut(), serde_json::to_value(&analysis)) {
                    obj.extend(rest);
                }
                v
            }
            Err(e) => {
                failed = true;
                json!({"image": path, "error": {"code": e.code.as_str(), "message": e.message}})
            }
        };
        println!("{line}");
    }
    Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

fn compare(mut args: Args, models: &Path) -> Result<ExitCode> {
    let mut opts = CompareOptions::default();
    if let Some(t) = args.value("--threshold")? {
        opts.threshold = t.parse::<Threshold>()?;
    }
    if let Some(m) = args.value("--mode")? {
        opts.mode = m.parse()?;
    }
    opts.reference = args.value("--reference")?;
    if let Some(channel) = args.value("--channel")? {
        opts.channel = channel;
    }
    let [selfie, document]: [String; 2] = args
        .positionals()?
        .try_into()
        .map_err(|_| Error::invalid_argument("compare needs exactly two images: SELFIE DOCUMENT"))?;
    let sdk = Likeness::from_dir(models, false)?;
    let scan = sdk.compare(&read_image(&sdk, &selfie)?, &read_image(&sdk, &document)?, &opts)?;
    println!("{}", serde_json::to_string(&scan).map_err(|e| Error::new(likeness::ErrorCode::Internal, e.to_string()))?);
    Ok(ExitCode::SUCCESS)
}

fn bench(mut args: Args, models: &Path) -> Result<ExitCode> {
    let runs = args.value("--runs")?.map(|v| parse_number::<usize>("--runs", &v)).transpose()?.unwrap_or(20).max(1);
    let mut images = args.positionals()?;
    if images.is_empty() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden");
        images = ["obama_640x480.png", "two_faces.png", "id_crop.png"]
            .iter()
            .map(|f| dir.join(f).to_string_lossy().into_owned())
            .collect();
    }
    let sdk = Likeness::from_dir(models, true)?;
    for path in images {
        let bytes = std::fs::read(&path).map_err(|e| Error::invalid_argument(format!("{path}: {e}")))?;
        let report = bench::stage_medians(&sdk, &bytes, runs)?;
        println!("{}", json!({"image": path, "runs": runs, "median_ms": report}));
    }
    Ok(ExitCode::SUCCESS)
}

/// Per-model and per-stage timing, each stage run on the previous stage's real output.
mod bench {
    use super::*;
    use likeness::align::{alignment, warp_aligned};
    use likeness::detect::detect;
    use likeness::embed::embed;
    use likeness::landmarks::landmarks;
    use likeness::liveness::liveness_score;
    use likeness::quality::eyes::{eye_closed_probability, Eye};

    pub fn stage_medians(sdk: &Likeness, bytes: &[u8], runs: usize) -> Result<serde_json::Map<String, Value>> {
        let mut out = serde_json::Map::new();
        let mut time = |name: &str, f: &mut dyn FnMut() -> Result<()>| -> Result<()> {
            for _ in 0..10 {
                f()?; // warm-up
            }
            let mut samples = Vec::with_capacity(runs);
            for _ in 0..runs {
                let t = Instant::now();
                f()?;
                samples.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            samples.sort_by(f64::total_cmp);
            out.insert(name.to_string(), json!((samples[samples.len() / 2] * 1000.0).round() / 1000.0));
            Ok(())
        };
        let models = [&sdk.models.detect, &sdk.models.landmark, &sdk.models.feature, &sdk.models.eye];
        for model in models.into_iter().chain(sdk.models.liveness.as_ref()) {
            // Inference alone, on a fixed input (its time does not depend on the values).
            let len: usize = model.input_shape().iter().product();
            let input: Vec<f32> = (0..len).map(|i| ((i * 7919) % 255) as f32 / 255.0).collect();
            time(&format!("model_{}", model.kind().name()), &mut || model.run(input.clone()).map(|_| ()))?;
        }
        let img = decode(bytes, &sdk.limits)?;
        time("decode", &mut || decode(bytes, &sdk.limits).map(|_| ()))?;
        let dets = detect(&sdk.models.detect, &img, &DetectOptions::default())?;
        time("detect", &mut || detect(&sdk.models.detect, &img, &DetectOptions::default()).map(|_| ()))?;
        let Some(det) = dets.first().copied() else {
            out.insert("faces".into(), json!(0));
            return Ok(out);
        };
        let lm = landmarks(&sdk.models.landmark, &img, &det)?;
        time("landmarks", &mut || landmarks(&sdk.models.landmark, &img, &det).map(|_| ()))?;
        let to_aligned = alignment(&lm.five_points())?;
        let aligned = warp_aligned(&img, &to_aligned)?;
        time("align", &mut || warp_aligned(&img, &alignment(&lm.five_points())?).map(|_| ()))?;
        time("embed", &mut || embed(&sdk.models.feature, &aligned).map(|_| ()))?;
        time("eyes", &mut || {
            eye_closed_probability(&sdk.models.eye, &img, &lm, Eye::SubjectLeft)?;
            eye_closed_probability(&sdk.models.eye, &img, &lm, Eye::SubjectRight).map(|_| ())
        })?;
        if let Some(model) = &sdk.models.liveness {
            time("liveness", &mut || liveness_score(model, &img, &det).map(|_| ()))?;
        }
        let one_face = AnalyzeOptions { detect: DetectOptions { limit: Some(1), ..Default::default() }, ..Default::default() };
        time("analyze_largest_face", &mut || sdk.analyze(&img, &one_face).map(|_| ()))?;
        time("analyze_all_faces", &mut || sdk.analyze(&img, &AnalyzeOptions::default()).map(|_| ()))?;
        out.insert("faces".into(), json!(dets.len()));
        Ok(out)
    }
}

/// `likeness eval` compiled for wasm32 (only the wasm test build compiles the CLI there): the
/// harness reads folders and uses threads, so it is native only.
#[cfg(target_arch = "wasm32")]
fn eval(_args: Args, _models: &Path) -> Result<ExitCode> {
    Err(Error::invalid_argument("likeness eval runs natively only"))
}

/// `likeness eval`: the evaluation harness (src/eval); writes report.md, report.json and
/// det.svg into `--out` and prints a one-line JSON summary.
#[cfg(not(target_arch = "wasm32"))]
fn eval(mut args: Args, models: &Path) -> Result<ExitCode> {
    use likeness::eval::{self, EvalConfig};
    let out = args.value("--out")?.map(PathBuf::from).ok_or_else(|| Error::invalid_argument("eval needs --out DIR"))?;
    let pairs = args.value("--pairs")?.map(PathBuf::from);
    let cache = args.value("--cache")?.map(PathBuf::from);
    let cap = args.value("--cap-per-identity")?.map(|v| parse_number::<usize>("--cap-per-identity", &v)).transpose()?;
    let variants = args
        .value("--variant")?
        .map(|v| v.split(',').map(str::parse::<eval::cache::Variant>).collect::<Result<Vec<_>>>())
        .transpose()?;
    let threads = args.value("--threads")?.map(|v| parse_number::<usize>("--threads", &v)).transpose()?;
    let bands = args
        .value("--bands")?
        .map(|v| {
            let edges = v.split(',').map(|e| parse_number::<f32>("--bands", e.trim())).collect::<Result<Vec<f32>>>()?;
            if edges.iter().any(|e| !e.is_finite()) || edges.windows(2).any(|w| w[0] >= w[1]) {
                return Err(Error::invalid_argument("--bands expects ascending px values, e.g. 30,45,60"));
            }
            Ok(edges)
        })
        .transpose()?;
    let calibrate_split = args.flag("--calibrate-split");
    let quiet = args.flag("--quiet");
    let [dataset]: [String; 1] = args
        .positionals()?
        .try_into()
        .map_err(|_| Error::invalid_argument("eval needs exactly one DATASET_DIR"))?;
    let mut cfg = EvalConfig::new(dataset);
    cfg.pairs = pairs;
    cfg.cache = cache;
    if let Some(cap) = cap {
        if cap < 2 {
            return Err(Error::invalid_argument("--cap-per-identity must be at least 2 (genuine pairs need two images)"));
        }
        cfg.cap_per_identity = cap;
    }
    if let Some(variants) = variants {
        cfg.variants = variants;
    }
    if let Some(t) = threads {
        cfg.threads = t.max(1);
    }
    if let Some(bands) = bands {
        cfg.band_edges = bands;
    }
    cfg.calibrate_split = calibrate_split;
    cfg.progress = !quiet;
    let sdk = Likeness::from_dir(models, false)?;
    let run = eval::run(&sdk, &cfg)?;
    let paths = eval::report::write(&out, &run)?;
    let r = &run.report;
    let summary = json!({
        "report": paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "images": r.enrolment.images,
        "failure_to_enrol": r.enrolment.failure_to_enrol.errors,
        "pairs_accuracy": r.pairs.as_ref().and_then(|p| p.folds.as_ref()).map(|f| json!({"mean": f.mean, "std": f.std})),
        "genuine_pairs": r.all_vs_all.genuine_pairs,
        "impostor_pairs": r.all_vs_all.impostor_pairs,
        "tar_at_far": r.all_vs_all.tar_at_far.iter().map(|t| json!({"far": t.far_target, "threshold": t.threshold, "tar": t.tar})).collect::<Vec<_>>(),
        "presets": r.all_vs_all.presets.iter().map(|p| json!({"name": p.name, "threshold": p.threshold, "far": p.far.rate, "frr": p.frr.rate})).collect::<Vec<_>>(),
        "seconds": r.meta.seconds_total,
    });
    println!("{summary}");
    Ok(ExitCode::SUCCESS)
}

fn read_image(sdk: &Likeness, path: &str) -> Result<likeness::raster::RgbImage> {
    let bytes = std::fs::read(path).map_err(|e| Error::invalid_argument(format!("cannot read {path}: {e}")))?;
    decode(&bytes, &sdk.limits)
}

fn error_json(e: &Error) -> Value {
    let mut error = json!({"code": e.code.as_str(), "message": e.message});
    if !e.details.is_empty() {
        error["details"] = e.details.iter().map(|(k, v)| ((*k).to_string(), json!(v))).collect::<serde_json::Map<_, _>>().into();
    }
    json!({ "error": error })
}

fn parse_number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T> {
    v.parse::<T>().map_err(|_| Error::invalid_argument(format!("{flag} expects a number, got {v:?}")))
}

/// A tiny argument reader: flags and `--name value` options anywhere, the rest positional.
struct Args(Vec<String>);

impl Args {
    fn new(args: Vec<String>) -> Self {
        Args(args)
    }
    /// Removes and returns the first positional argument.
    fn command(&mut self) -> Option<String> {
        let i = self.0.iter().position(|a| !a.starts_with("--") || a == "--help")?;
        Some(self.0.remove(i))
    }
    fn flag(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|a| a != name);
        self.0.len() != before
    }
    fn value(&mut self, name: &str) -> Result<Option<String>> {
        let Some(i) = self.0.iter().position(|a| a == name) else {
            return Ok(None);
        };
        if i + 1 >= self.0.len() {
            return Err(Error::invalid_argument(format!("{name} needs a value")));
        }
        let v = self.0.remove(i + 1);
        self.0.remove(i);
        Ok(Some(v))
    }
    /// What is left; an unknown `--option` is an error, not a file name.
    fn positionals(self) -> Result<Vec<String>> {
        if let Some(unknown) = self.0.iter().find(|a| a.starts_with("--")) {
            return Err(Error::invalid_argument(format!("unknown option {unknown}")));
        }
        Ok(self.0)
    }
}

//! Timing harness for the fused PRelu (`src/model/prelu.rs`); not part of the SDK API.
//!
//! Loads one ONNX model twice — tract's stock parser (PRelu = Mul + Greater + Iff)
//! and ours (one fused op) — optimises both for a fixed input shape, checks the
//! outputs agree on a deterministic pseudo-random input, then runs 10 warm-ups
//! and 20 timed runs of each (timed runs interleaved stock/fused so machine noise
//! hits both alike) and prints the medians. With `PRELU_PROFILE=1` in the
//! environment it also prints the mean time per op type for both plans; with
//! `PRELU_SHAPES=1` the input and slope shapes of every fused node (the layout
//! tract's optimiser chose).
//!
//! ```text
//! cargo run --release --example prelu_bench -- models/fr_feature.onnx 1,3,112,112
//! node --experimental-wasi-unstable-preview1 bench/wasi_run.mjs \
//!     target-wasi/.../prelu_bench.wasm models/fr_feature.onnx 1,3,112,112
//! ```
//! `bench/prelu.sh` builds both and runs both models; results in `bench/prelu.md`.

// The module is compiled straight into the example so that it stays `pub(crate)`
// in the library.
#[allow(dead_code)]
#[path = "../src/model/prelu.rs"]
mod prelu;

use std::sync::Arc;
use std::time::{Duration, Instant};
use tract_onnx::prelude::*;

const WARMUPS: usize = 10;
const RUNS: usize = 20;

fn pseudo_random(len: usize, mut seed: u32) -> Vec<f32> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

fn load(
    onnx: &tract_onnx::Onnx,
    path: &str,
    shape: &[usize],
) -> TractResult<Arc<TypedRunnableModel>> {
    onnx.model_for_path(path)?
        .with_input_fact(0, f32::fact(shape).into())?
        .into_optimized()?
        .into_runnable()
}

fn count_ops(plan: &TypedRunnableModel) -> String {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for n in plan.model().nodes() {
        *counts.entry(n.op.name().to_string()).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, v)| format!("{k}x{v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Time per op type (ms), summed over `runs` runs after a warm-up, for one plan.
fn profile(plan: &Arc<TypedRunnableModel>, input: &Tensor, runs: usize) -> TractResult<String> {
    use std::collections::HashMap;
    use tract_onnx::tract_core::plan::{eval, SimpleState};
    let mut per_op = HashMap::<String, Duration>::new();
    let mut state = SimpleState::new(plan)?;
    for r in 0..WARMUPS + runs {
        let timed = r >= WARMUPS;
        state.run_plan_with_eval(
            tvec!(input.clone().into_tvalue()),
            |ctx, st, node, inputs| {
                let t = Instant::now();
                let out = eval(ctx, st, node, inputs);
                if timed {
                    *per_op.entry(node.op.name().to_string()).or_default() += t.elapsed();
                }
                out
            },
        )?;
    }
    let mut v: Vec<_> = per_op.into_iter().collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.1));
    let total: f64 = v.iter().map(|(_, d)| d.as_secs_f64()).sum::<f64>() * 1e3 / runs as f64;
    let items = v
        .iter()
        .filter(|(_, d)| d.as_secs_f64() * 1e3 / runs as f64 >= 0.05)
        .map(|(k, d)| format!("{k} {:.2}", d.as_secs_f64() * 1e3 / runs as f64))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(format!("{total:.2} ms/run: {items}"))
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    let n = v.len();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    if n % 2 == 1 {
        ms(v[n / 2])
    } else {
        (ms(v[n / 2 - 1]) + ms(v[n / 2])) / 2.0
    }
}

fn main() -> TractResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("models/fr_feature.onnx");
    let shape: Vec<usize> = args
        .get(2)
        .map(String::as_str)
        .unwrap_or("1,3,112,112")
        .split(',')
        .map(|d| d.trim().parse::<usize>())
        .collect::<Result<_, _>>()?;

    let stock = load(&tract_onnx::onnx(), path, &shape)?;
    let fused = load(&prelu::onnx(), path, &shape)?;
    println!("model  {path} {shape:?}");
    println!("stock  ops: {}", count_ops(&stock));
    println!("fused  ops: {}", count_ops(&fused));

    let input = Tensor::from_shape(&shape, &pseudo_random(shape.iter().product(), 0x1234_5678))?;
    let run = |plan: &Arc<TypedRunnableModel>| -> TractResult<(Duration, TVec<TValue>)> {
        let t = Instant::now();
        let out = plan.run(tvec!(input.clone().into_tvalue()))?;
        Ok((t.elapsed(), out))
    };

    let (_, a) = run(&stock)?;
    let (_, b) = run(&fused)?;
    let mut max_diff = 0f32;
    for (a, b) in a.iter().zip(b.iter()) {
        let (a, b) = (
            a.to_plain_array_view::<f32>()?,
            b.to_plain_array_view::<f32>()?,
        );
        for (x, y) in a.iter().zip(b.iter()) {
            max_diff = max_diff.max((x - y).abs());
        }
    }
    println!("max abs diff stock vs fused: {max_diff:e}");

    for _ in 0..WARMUPS {
        run(&stock)?;
        run(&fused)?;
    }
    let (mut ts, mut tf) = (Vec::with_capacity(RUNS), Vec::with_capacity(RUNS));
    for _ in 0..RUNS {
        ts.push(run(&stock)?.0);
        tf.push(run(&fused)?.0);
    }
    if std::env::var_os("PRELU_SHAPES").is_some() {
        for n in fused
            .model()
            .nodes()
            .iter()
            .filter(|n| n.op.name() == "PreluF32")
        {
            let facts = fused.model().node_input_facts(n.id)?;
            println!(
                "  {} x {:?} slope {:?}",
                n.name, facts[0].shape, facts[1].shape
            );
        }
    }
    if std::env::var_os("PRELU_PROFILE").is_some() {
        println!("stock  profile {}", profile(&stock, &input, RUNS)?);
        println!("fused  profile {}", profile(&fused, &input, RUNS)?);
    }
    let (ms, mf) = (median(ts), median(tf));
    println!(
        "median of {RUNS} (after {WARMUPS} warm-ups): stock {ms:.2} ms, fused {mf:.2} ms, speed-up x{:.2}",
        ms / mf
    );
    Ok(())
}

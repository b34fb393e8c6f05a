//! Single-pass ONNX `PRelu` for tract.
//!
//! tract-onnx 0.23 expands `PRelu(x, slope)` into three typed ops: `Mul(x, slope)`,
//! `Greater(0, x)` and `Iff(test, x*slope, x)`. Each one is a full pass over the
//! activation (plus two temporaries), and in the MobileFaceNet embedding model
//! (`fr_feature.onnx`: Conv, PRelu, Add) those passes took about 62% of the run
//! time, more than the convolutions themselves.
//!
//! This module replaces that expansion with one fused op, [`PreluF32`], that
//! computes `y = if x < 0 { x * slope[c] } else { x }` in place over the input
//! buffer. Both layouts tract produces are plain slice loops the compiler
//! vectorises (SSE/AVX natively, simd128 in wasm): channels-first (`[C,H,W]`,
//! one slope value per contiguous run of `H*W`) and channels-last (`[H,W,C]`,
//! which tract's optimiser picks in wasm32: data and a `C`-long slope pattern
//! advance together).
//!
//! Use [`onnx`] instead of `tract_onnx::onnx()` to load models: it is the stock
//! ONNX parser with the `PRelu` builder swapped for ours. The fused op is a
//! normal tract [`TypedOp`] that survives `into_optimized()` (declutter and
//! codegen leave it alone; axis changes are propagated through it exactly as
//! through tract's own binary ops).
//!
//! Scope: f32 input and slope, slope unidirectionally broadcastable to the
//! input (numpy rules, right-aligned — e.g. `[C,1,1]`, `[1]`, `[W]`, the full
//! shape). Anything else (f16, integer types, a slope that would grow the
//! input) falls back to tract's stock three-op expansion, reproduced here.
//! Results are bit-identical to the stock expansion: same test (`x < 0`), same
//! single f32 multiplication.

use tract_onnx::model::ParsingContext;
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

/// The stock ONNX parser, with `PRelu` parsed into the fused single-pass op.
pub(crate) fn onnx() -> tract_onnx::Onnx {
    let mut onnx = tract_onnx::onnx();
    onnx.op_register.insert("PRelu", parse_prelu);
    onnx
}

fn parse_prelu(
    _ctx: &ParsingContext,
    _node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    Ok((expand(PreluExpansion), vec![]))
}

/// Inference-time (hir) side: shape rules, then wiring into the typed model.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
struct PreluExpansion;

impl Expansion for PreluExpansion {
    fn name(&self) -> StaticName {
        "Prelu".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 2)?;
        check_output_arity(outputs, 1)?;
        s.equals(&inputs[0].datum_type, &outputs[0].datum_type)?;
        s.equals(&inputs[0].shape, &outputs[0].shape)?;
        Ok(())
    }

    fn wire(
        &self,
        name: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        ensure!(
            inputs.len() == 2,
            "PRelu expects 2 inputs, got {}",
            inputs.len()
        );
        let x = inputs[0];
        let mut slope = inputs[1];
        let x_fact = model.outlet_fact(x)?.clone();
        let slope_fact = model.outlet_fact(slope)?.clone();
        if !fusable(&x_fact, &slope_fact) {
            return wire_stock(name, model, x, slope);
        }
        // Right-align the slope: give it the input's rank with leading unit axes.
        while model.outlet_fact(slope)?.rank() < x_fact.rank() {
            slope = model.wire_node(
                format!("{}.add-axis-{}", name, model.outlet_fact(slope)?.rank()),
                AxisOp::Add(0),
                &[slope],
            )?[0];
        }
        model.wire_node(name, PreluF32, &[x, slope])
    }
}

/// Whether the fused op handles these facts; otherwise the stock expansion is used.
fn fusable(x: &TypedFact, slope: &TypedFact) -> bool {
    let f32_dt = f32::datum_type();
    if x.datum_type != f32_dt || slope.datum_type != f32_dt || !x.is_plain() || !slope.is_plain() {
        return false;
    }
    if slope.rank() > x.rank() {
        return false;
    }
    let offset = x.rank() - slope.rank();
    slope.shape.iter().enumerate().all(|(i, s)| {
        let d = &x.shape[offset + i];
        // A symbolic input dim is checked again at run time.
        s.is_one() || s == d || d.to_usize().is_err()
    })
}

/// tract-onnx 0.23.9's own `PRelu` expansion (its `Prelu` type is private).
fn wire_stock(
    name: &str,
    model: &mut TypedModel,
    a: OutletId,
    mut b: OutletId,
) -> TractResult<TVec<OutletId>> {
    let rank = model.outlet_fact(a)?.rank();
    while model.outlet_fact(b)?.rank() < rank {
        b = model.wire_node(
            format!("{}.add-axis-{}", name, model.outlet_fact(b)?.rank()),
            AxisOp::Add(0),
            &[b],
        )?[0];
    }
    let zero = tensor0(0.0)
        .cast_to_dt(model.outlet_fact(a)?.datum_type)?
        .into_owned()
        .broadcast_into_rank(rank)?;
    let ab = model.wire_node(format!("{name}.mul"), tract_core::ops::math::mul(), &[a, b])?[0];
    let zero = model.add_const(name.to_string() + ".zero", zero)?;
    let test = model.wire_node(
        name.to_string() + ".test",
        tract_core::ops::binary::TypedBinOp(tract_core::ops::logic::comp_gt(), None),
        &[zero, a],
    )?;
    model.wire_node(
        name.to_string() + ".iff",
        tract_core::ops::logic::Iff,
        &[test[0], ab, a],
    )
}

/// Fused PRelu over f32: inputs `[x, slope]`, slope broadcastable to `x`
/// (right-aligned), output has the shape of `x`. Evaluated in place when the
/// input buffer is not shared.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub(crate) struct PreluF32;

impl Op for PreluF32 {
    fn name(&self) -> StaticName {
        "PreluF32".into()
    }

    op_as_typed_op!();
}

impl EvalOp for PreluF32 {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        ensure!(
            inputs.len() == 2,
            "PreluF32 expects 2 inputs, got {}",
            inputs.len()
        );
        let mut inputs = inputs;
        let slope = inputs.pop().context("PreluF32: missing slope")?;
        let x = inputs.pop().context("PreluF32: missing input")?;
        // Takes the buffer without a copy when nothing else holds it.
        let mut x = x.into_tensor();
        prelu_in_place(&mut x, &slope)?;
        Ok(tvec!(x.into_tvalue()))
    }
}

impl TypedOp for PreluF32 {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(
            inputs.len() == 2,
            "PreluF32 expects 2 inputs, got {}",
            inputs.len()
        );
        let (x, slope) = (inputs[0], inputs[1]);
        ensure!(
            x.datum_type == f32::datum_type() && slope.datum_type == f32::datum_type(),
            "PreluF32 needs f32 input and slope, got {:?} and {:?}",
            x.datum_type,
            slope.datum_type
        );
        ensure!(
            slope.rank() <= x.rank(),
            "PreluF32: slope rank {} above input rank {}",
            slope.rank(),
            x.rank()
        );
        Ok(tvec!(f32::datum_type().fact(x.shape.clone())))
    }

    fn axes_mapping(
        &self,
        inputs: &[&TypedFact],
        outputs: &[&TypedFact],
    ) -> TractResult<AxesMapping> {
        // Point-wise in x, slope broadcast along its unit axes: the same
        // mapping tract uses for its binary element-wise ops.
        AxesMapping::natural(inputs, outputs)
    }

    fn change_axes(
        &self,
        model: &TypedModel,
        node: &TypedNode,
        _io: InOut,
        change: &AxisOp,
    ) -> TractResult<Option<AxisChangeConsequence>> {
        // Same policy as tract's TypedBinOp: apply the change to both inputs
        // and the output (the constant slope node transforms its tensor), but
        // only remove an axis that is 1 everywhere.
        let (inputs, outputs) = model.node_facts(node.id)?;
        if inputs.len() != 2 || outputs.len() != 1 || inputs[0].rank() != inputs[1].rank() {
            return Ok(None);
        }
        if let AxisOp::Rm(rm) = change {
            if *rm >= inputs[0].rank() {
                return Ok(None);
            }
            if !(inputs[0].shape[*rm].is_one()
                && inputs[1].shape[*rm].is_one()
                && outputs[0].shape[*rm].is_one())
            {
                return Ok(None);
            }
        }
        Ok(Some(AxisChangeConsequence::new(model, node, None, change)))
    }

    fn cost(&self, inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        let count: TDim = inputs[0].shape.iter().product();
        Ok(tvec!((Cost::FMA(f32::datum_type()), count)))
    }

    as_op!();
}

/// `x[i] = if x[i] < 0 { x[i] * slope[..] } else { x[i] }`, slope broadcast to `x`
/// (right-aligned numpy rules, without growing `x`).
pub(crate) fn prelu_in_place(x: &mut Tensor, slope: &Tensor) -> TractResult<()> {
    ensure!(
        x.datum_type() == f32::datum_type() && slope.datum_type() == f32::datum_type(),
        "PRelu: f32 input and slope required, got {:?} and {:?}",
        x.datum_type(),
        slope.datum_type()
    );
    let shape: TVec<usize> = x.shape().into();
    let rank = shape.len();
    ensure!(
        slope.rank() <= rank,
        "PRelu: slope {:?} has more axes than input {:?}",
        slope.shape(),
        shape
    );
    let offset = rank - slope.rank();
    // The slope's shape, right-aligned to the input's rank.
    let sdims: TVec<usize> = (0..rank)
        .map(|i| {
            if i < offset {
                1
            } else {
                slope.shape()[i - offset]
            }
        })
        .collect();
    for (s, d) in sdims.iter().zip(shape.iter()) {
        ensure!(
            *s == 1 || s == d,
            "PRelu: slope {:?} does not broadcast to input {:?}",
            slope.shape(),
            shape
        );
    }
    if x.len() == 0 {
        return Ok(());
    }
    let slope_view = slope.try_as_plain_ram()?;
    let slope_data = slope_view.as_slice::<f32>()?;
    let mut x_view = x.try_as_plain_ram_mut()?;
    let xs = x_view.as_slice_mut::<f32>()?;
    // The span of axes along which the slope varies: [first, last]. Axes
    // after `last` form contiguous runs sharing one slope value (NCHW with a
    // [C,1,1] slope: runs of H*W); axes before `first` repeat the whole slope
    // pattern (channels-last, which tract picks for some targets, e.g. wasm32:
    // [H,W,C] with a [1,1,C] slope repeats a C-long pattern H*W times).
    let Some(last) = (0..rank).rev().find(|&i| sdims[i] != 1) else {
        let s = *slope_data.first().context("PRelu: empty slope")?;
        prelu_run(xs, s);
        return Ok(());
    };
    let first = (0..=last).find(|&i| sdims[i] != 1).unwrap_or(last);
    let inner: usize = shape[last + 1..].iter().product();
    if sdims[first..=last] == shape[first..=last] {
        // No broadcast hole inside the span: the slope tensor itself is the
        // pattern, one value per run.
        prelu_pattern(xs, slope_data, inner)
    } else {
        // The slope is broadcast along an axis inside its span (e.g. [4,1,5]
        // on [4,3,5]): materialise one value per run of the span.
        let span = &shape[first..=last];
        let per_run =
            Tensor::from_shape(&sdims[first..=last], slope_data)?.broadcast_to_shape(span)?;
        let per_run_view = per_run.try_as_plain_ram()?;
        prelu_pattern(xs, per_run_view.as_slice::<f32>()?, inner)
    }
}

/// `xs` is a repetition of blocks of `pattern.len() * inner` values; in each
/// block, the k-th run of `inner` contiguous values uses `pattern[k]`.
fn prelu_pattern(xs: &mut [f32], pattern: &[f32], inner: usize) -> TractResult<()> {
    let block = pattern.len() * inner;
    ensure!(
        block > 0 && xs.len() % block == 0,
        "PRelu: {} values do not split into blocks of {} runs of {}",
        xs.len(),
        pattern.len(),
        inner
    );
    for chunk in xs.chunks_exact_mut(block) {
        if inner == 1 {
            // Channels-last: slope and data advance together, both vectorised.
            for (v, &s) in chunk.iter_mut().zip(pattern) {
                *v = prelu1(*v, s);
            }
        } else {
            for (run, &s) in chunk.chunks_exact_mut(inner).zip(pattern) {
                prelu_run(run, s);
            }
        }
    }
    Ok(())
}

/// The hot loop: one slope over a plain slice, vectorised by LLVM.
#[inline]
fn prelu_run(xs: &mut [f32], s: f32) {
    for v in xs.iter_mut() {
        *v = prelu1(*v, s);
    }
}

/// One element, written so that it stays branch-free: the product is computed
/// unconditionally, then selected. (With `if x < 0.0 { x * s } else { x }`
/// LLVM turns a per-element slope load into a branch and the channels-last
/// loop stays scalar: measured 40x slower in wasm32.) `x < 0` is false for
/// -0.0 and NaN, which pass through unchanged, as in tract's expansion.
#[inline(always)]
fn prelu1(x: f32, s: f32) -> f32 {
    let p = x * s;
    if x < 0.0 {
        p
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tract_onnx::pb;

    /// Deterministic pseudo-random values in [-1, 1) (xorshift32).
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

    fn model_path(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(name)
    }

    fn optimized(model: InferenceModel, shape: &[usize]) -> TractResult<Arc<TypedRunnableModel>> {
        model
            .with_input_fact(0, f32::fact(shape).into())?
            .into_optimized()?
            .into_runnable()
    }

    fn run(plan: &Arc<TypedRunnableModel>, input: &Tensor) -> TractResult<Tensor> {
        let out = plan.run(tvec!(input.clone().into_tvalue()))?;
        Ok(out[0].clone().into_tensor())
    }

    fn max_abs_diff(a: &Tensor, b: &Tensor) -> TractResult<f32> {
        ensure!(
            a.shape() == b.shape(),
            "shapes differ: {:?} {:?}",
            a.shape(),
            b.shape()
        );
        let (a, b) = (a.try_as_plain_ram()?, b.try_as_plain_ram()?);
        let (a, b) = (a.as_slice::<f32>()?, b.as_slice::<f32>()?);
        Ok(a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs())))
    }

    fn op_names(plan: &TypedRunnableModel) -> Vec<String> {
        plan.model()
            .nodes()
            .iter()
            .map(|n| n.op.name().to_string())
            .collect()
    }

    fn compare_on_file(file: &str, shape: &[usize], seed: u32) -> TractResult<()> {
        let path = model_path(file);
        let stock_onnx = tract_onnx::onnx();
        let fused_onnx = super::onnx();
        let stock = optimized(stock_onnx.model_for_path(&path)?, shape)?;
        let fused = optimized(fused_onnx.model_for_path(&path)?, shape)?;
        let names = op_names(&fused);
        let fused_count = names.iter().filter(|n| *n == "PreluF32").count();
        assert!(
            fused_count > 0,
            "{file}: no fused PRelu in optimised model: {names:?}"
        );
        assert!(
            !names.iter().any(|n| n == "Iff"),
            "{file}: Iff left in fused model: {names:?}"
        );
        assert!(
            op_names(&stock).iter().any(|n| n == "Iff"),
            "{file}: stock model changed"
        );
        let len = shape.iter().product();
        let input = Tensor::from_shape(shape, &pseudo_random(len, seed))?;
        let (a, b) = (run(&stock, &input)?, run(&fused, &input)?);
        let diff = max_abs_diff(&a, &b)?;
        assert!(diff <= 1e-5, "{file}: max abs diff {diff}");
        // Run the same plan a second time: in-place evaluation must not leak state.
        let b2 = run(&fused, &input)?;
        assert_eq!(max_abs_diff(&b, &b2)?, 0.0);
        Ok(())
    }

    #[test]
    fn fr_feature_matches_stock() -> TractResult<()> {
        compare_on_file("fr_feature.onnx", &[1, 3, 112, 112], 0x1234_5678)
    }

    #[test]
    fn fr_liveness_matches_stock() -> TractResult<()> {
        compare_on_file("fr_liveness.onnx", &[1, 3, 128, 128], 0x0bad_cafe)
    }

    fn value_info(name: &str, elem_type: i32, shape: &[usize]) -> pb::ValueInfoProto {
        use pb::tensor_shape_proto::{dimension::Value, Dimension};
        let dim = shape
            .iter()
            .map(|&d| Dimension {
                value: Some(Value::DimValue(d as i64)),
                ..Default::default()
            })
            .collect();
        pb::ValueInfoProto {
            name: name.into(),
            r#type: Some(pb::TypeProto {
                value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                    elem_type,
                    shape: Some(pb::TensorShapeProto { dim }),
                })),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// A one-node `PRelu` model over `x` (ONNX element type `elem_type`, 1 = FLOAT,
    /// 11 = DOUBLE). `Ok(shape)`: the slope is a float initializer of that shape;
    /// `Err(shape)`: the slope is a second graph input of that shape.
    fn synthetic(
        elem_type: i32,
        x_shape: &[usize],
        slope: Result<&[usize], &[usize]>,
    ) -> pb::ModelProto {
        let mut graph = pb::GraphProto {
            name: "prelu".into(),
            node: vec![pb::NodeProto {
                input: vec!["x".into(), "slope".into()],
                output: vec!["y".into()],
                name: "prelu".into(),
                op_type: "PRelu".into(),
                ..Default::default()
            }],
            input: vec![value_info("x", elem_type, x_shape)],
            output: vec![pb::ValueInfoProto {
                name: "y".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        match slope {
            Ok(s) => {
                let len = s.iter().product();
                graph.initializer.push(pb::TensorProto {
                    name: "slope".into(),
                    dims: s.iter().map(|&d| d as i64).collect(),
                    data_type: 1, // FLOAT
                    float_data: pseudo_random(len, 0x5eed ^ len as u32),
                    ..Default::default()
                });
            }
            Err(s) => graph.input.push(value_info("slope", elem_type, s)),
        }
        pb::ModelProto {
            ir_version: 4,
            opset_import: vec![pb::OperatorSetIdProto {
                domain: String::new(),
                version: 9,
            }],
            graph: Some(graph),
            ..Default::default()
        }
    }

    /// Plain reference: index-by-index broadcast.
    fn reference(x: &Tensor, slope: &Tensor) -> TractResult<Tensor> {
        let slope = slope
            .clone()
            .broadcast_into_rank(x.rank())?
            .broadcast_to_shape(x.shape())?;
        let xv = x.try_as_plain_ram()?;
        let sv = slope.try_as_plain_ram()?;
        let out: Vec<f32> = xv
            .as_slice::<f32>()?
            .iter()
            .zip(sv.as_slice::<f32>()?)
            .map(|(&x, &s)| if x < 0.0 { x * s } else { x })
            .collect();
        Tensor::from_shape(x.shape(), &out)
    }

    #[test]
    fn synthetic_slope_shapes() -> TractResult<()> {
        let x_shape = [2usize, 4, 3, 5];
        let cases: &[&[usize]] = &[
            &[4, 1, 1],
            &[1, 4, 1, 1],
            &[2, 4, 1, 1],
            &[1],
            &[],
            &[5],
            &[3, 5],
            &[4, 1, 5],
            &[2, 1, 3, 1],
            &[2, 4, 3, 5],
        ];
        let input = Tensor::from_shape(&x_shape, &pseudo_random(2 * 4 * 3 * 5, 42))?;
        for slope_shape in cases {
            let proto = synthetic(1, &x_shape, Ok(slope_shape));
            let stock_onnx = tract_onnx::onnx();
            let fused_onnx = super::onnx();
            let stock = optimized(stock_onnx.model_for_proto_model(&proto)?, &x_shape)?;
            let fused = optimized(fused_onnx.model_for_proto_model(&proto)?, &x_shape)?;
            assert!(
                op_names(&fused).iter().any(|n| n == "PreluF32"),
                "slope {slope_shape:?}: not fused: {:?}",
                op_names(&fused)
            );
            let (a, b) = (run(&stock, &input)?, run(&fused, &input)?);
            assert_eq!(max_abs_diff(&a, &b)?, 0.0, "slope {slope_shape:?}");
            let len = slope_shape.iter().product();
            let slope = Tensor::from_shape(slope_shape, &pseudo_random(len, 0x5eed ^ len as u32))?;
            assert_eq!(
                max_abs_diff(&reference(&input, &slope)?, &b)?,
                0.0,
                "slope {slope_shape:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn synthetic_slope_as_input() -> TractResult<()> {
        let x_shape = [1usize, 3, 4, 4];
        let proto = synthetic(1, &x_shape, Err(&[3, 1, 1]));
        let plan = super::onnx()
            .model_for_proto_model(&proto)?
            .into_optimized()?
            .into_runnable()?;
        assert!(op_names(&plan).iter().any(|n| n == "PreluF32"));
        let x = Tensor::from_shape(&x_shape, &pseudo_random(48, 7))?;
        let slope = Tensor::from_shape(&[3, 1, 1], &[0.25f32, -1.0, 2.0])?;
        let y = plan.run(tvec!(x.clone().into_tvalue(), slope.clone().into_tvalue()))?;
        assert_eq!(max_abs_diff(&reference(&x, &slope)?, &y[0])?, 0.0);
        Ok(())
    }

    #[test]
    fn non_f32_falls_back_to_stock() -> TractResult<()> {
        let x_shape = [1usize, 3, 2, 2];
        let proto = synthetic(11, &x_shape, Err(&[3, 1, 1]));
        let model = super::onnx()
            .model_for_proto_model(&proto)?
            .into_optimized()?;
        let names: Vec<_> = model
            .nodes()
            .iter()
            .map(|n| n.op.name().to_string())
            .collect();
        assert!(!names.iter().any(|n| n == "PreluF32"), "{names:?}");
        let x = Tensor::from_shape(
            &x_shape,
            &[-1f64, 2., -3., 4., -5., 6., -7., 8., -9., 10., -11., 12.],
        )?;
        let slope = Tensor::from_shape(&[3, 1, 1], &[0.5f64, 0.25, 2.0])?;
        let y = model
            .into_runnable()?
            .run(tvec!(x.into_tvalue(), slope.into_tvalue()))?;
        let y = y[0].try_as_plain_ram()?;
        assert_eq!(
            y.as_slice::<f64>()?,
            &[-0.5, 2., -1.5, 4., -1.25, 6., -1.75, 8., -18., 10., -22., 12.]
        );
        Ok(())
    }

    #[test]
    fn bad_shapes_are_errors_not_panics() -> TractResult<()> {
        let mut x = Tensor::from_shape(&[1, 3, 2, 2], &[1f32; 12])?;
        let slope = Tensor::from_shape(&[4, 1, 1], &[0.5f32; 4])?;
        assert!(prelu_in_place(&mut x, &slope).is_err());
        let slope = Tensor::from_shape(&[1, 1, 3, 2, 2], &[0.5f32; 12])?;
        assert!(prelu_in_place(&mut x, &slope).is_err());
        let slope = Tensor::from_shape(&[3, 1, 1], &[1f64; 3])?;
        assert!(prelu_in_place(&mut x, &slope).is_err());
        let out = PreluF32.eval(&EvalContext::out_of_plan(), tvec!(x.into_tvalue()));
        assert!(out.is_err());
        Ok(())
    }

    #[test]
    fn kernel_matches_reference_for_layouts() -> TractResult<()> {
        let cases: &[(&[usize], &[usize])] = &[
            (&[1, 8, 5, 5], &[8, 1, 1]), // NCHW, runs of 25
            (&[5, 5, 8], &[1, 1, 8]),    // HWC, an 8-long pattern repeated 25 times
            (&[5, 5, 8], &[8]),          // same, right-aligned
            (&[7, 6], &[7, 1]),          // runs of 6
            (&[3, 4, 5], &[4, 5]),       // pattern of 20 repeated 3 times
            (&[3, 4, 5], &[3, 1, 5]),    // broadcast hole inside the span
            (&[2, 3, 4, 5], &[2, 1, 1, 5]),
            (&[2, 3, 4, 5], &[2, 3, 4, 5]),
            (&[2, 3, 4, 5], &[1]),
        ];
        for (x_shape, s_shape) in cases {
            let x_len = x_shape.iter().product();
            let s_len = s_shape.iter().product();
            let x = Tensor::from_shape(x_shape, &pseudo_random(x_len, 99))?;
            let slope = Tensor::from_shape(s_shape, &pseudo_random(s_len, 7))?;
            let mut y = x.clone();
            prelu_in_place(&mut y, &slope)?;
            let diff = max_abs_diff(&reference(&x, &slope)?, &y)?;
            assert_eq!(diff, 0.0, "x {x_shape:?} slope {s_shape:?}");
        }
        Ok(())
    }

    #[test]
    fn kernel_handles_zero_nan_and_odd_lengths() -> TractResult<()> {
        for len in [0usize, 1, 3, 4, 7, 16, 33] {
            let data: Vec<f32> = (0..len).map(|i| i as f32 - 3.0).collect();
            let mut x = Tensor::from_shape(&[len], &data)?;
            prelu_in_place(&mut x, &tensor1(&[0.5f32]))?;
            let got = x.try_as_plain_ram()?.as_slice::<f32>()?.to_vec();
            let want: Vec<f32> = data
                .iter()
                .map(|&v| if v < 0.0 { v * 0.5 } else { v })
                .collect();
            assert_eq!(got, want);
        }
        let mut x = tensor1(&[f32::NAN, -0.0, 0.0, f32::NEG_INFINITY]);
        prelu_in_place(&mut x, &tensor0(-2.0f32))?;
        let view = x.try_as_plain_ram()?;
        let got = view.as_slice::<f32>()?;
        assert!(got[0].is_nan());
        assert_eq!(got[1].to_bits(), (-0.0f32).to_bits());
        assert_eq!(got[2].to_bits(), 0.0f32.to_bits());
        assert_eq!(got[3], f32::INFINITY);
        Ok(())
    }
}

//! Our own wasm32 matrix-multiply kernels, plugged into tract (issue 13).
//!
//! In the browser 60–65 % of `analyze()` is matrix products (1x1 convolutions above all). tract
//! 0.23.9 runs every wasm f32 GEMM on its 8x8 tile: 16 `f32x4` accumulators, as many as x86-64
//! has xmm registers, so V8's code spills in the inner loop. The tiles in [`gemm`] keep 8
//! accumulators; `bench/kernels/` has the measurement that chose [`KERNEL_NAME`].
//!
//! How they plug in, without a patched tract: tract-linalg keeps two `inventory` registries,
//! kernels (`MmmRoutine`) and dispatch tiers (`MmmTier`, asked in descending precedence, the
//! first answer that names a suitable kernel wins). We submit one kernel and one tier at
//! precedence 2, above tract's own wasm tier (1). Upgrading tract only needs these public types
//! to stay; if a future tract renames them this module fails to compile, loudly, and
//! tests/wasm_kernels.rs + the golden tests in Chromium say whether the pick still happens.
//! Matrix-vector products (n = 1) stay with tract's GEMV kernels: the tier declines them.
//!
//! Two builds: the plain one (`f32x4.mul` + `f32x4.add`, any browser with SIMD) and, with the
//! `LIKENESS_RELAXED_SIMD=1` build (build.rs), `f32x4.relaxed_madd`. js/index.js picks the `.wasm` at load time.
//! Native builds do not compile this module: tract's x86/ARM kernels stay.
mod gemm;

use std::sync::LazyLock;
use tract_linalg::mmm::{DynKernel, FusedKerSpec, MatMatMul, Query, Suitable};
use tract_linalg::isa::{Arch, Isa, IsaReq, IsaSet};
use tract_linalg::mmm_routines::MmmRoutine;
use tract_linalg::mmm_tiers::MmmTier;
use tract_linalg::pack::Packing;
use tract_onnx::prelude::DatumType;

/// The tile every f32 GEMM of this build runs on (`TILES[0]`, 4 rows of A x 8 columns of B per
/// call): its name in tract's kernel registry and in the benchmark's `likenessKernels()`.
pub const KERNEL_NAME: &str = "likeness_f32_4x8";

/// Whether this build's kernels use relaxed SIMD's fused multiply-add.
pub const RELAXED: bool = cfg!(likeness_relaxed_simd);

type KernelFn = unsafe fn(&[FusedKerSpec<f32>]) -> isize;

/// One candidate tile: name, rows, columns and its code (fused in the relaxed build).
pub struct Tile {
    pub name: &'static str,
    pub mr: usize,
    pub nr: usize,
    run: KernelFn,
}

impl Tile {
    /// Runs a `FusedKerSpec` program over one tile.
    ///
    /// # Safety
    /// Every pointer in `spec` must be valid for the tile's MR x NR (and its packed panels for
    /// `k` steps), as tract guarantees for the programs it builds.
    pub unsafe fn run(&self, spec: &[FusedKerSpec<f32>]) -> isize {
        unsafe { (self.run)(spec) }
    }
}

macro_rules! tiles {
    ($($name:literal: $mr:literal x $nr:literal => $run:ident,)*) => {
        /// Every tile this build carries (the registered one and the candidates the kernel
        /// benchmark compares with it), in this build's flavour: fused when relaxed.
        pub static TILES: &[Tile] = &[$(Tile {
            name: $name,
            mr: $mr,
            nr: $nr,
            run: gemm::$run,
        },)*];
    };
}

tiles! {
    "likeness_f32_4x8": 4 x 8 => f32_4x8,
    "likeness_f32_2x16": 2 x 16 => f32_2x16,
    "likeness_f32_6x8": 6 x 8 => f32_6x8,
    "likeness_f32_8x8": 8 x 8 => f32_8x8,
}

/// The registered kernel, as tract sees it: packings of A in panels of 4 rows and of B in panels
/// of 8 columns (tract packs the weights in this layout once, when the model is optimised).
static KERNEL: LazyLock<DynKernel<4, 8, f32>> = LazyLock::new(|| {
    let tile = &TILES[0];
    debug_assert_eq!((tile.name, tile.mr, tile.nr), (KERNEL_NAME, 4, 8));
    let mut kernel = DynKernel::<4, 8, f32>::new(KERNEL_NAME, tile.run, f32::packing(4), f32::packing(8));
    kernel.arch = Some(Arch::Wasm32Simd128);
    kernel.with_isa(IsaReq::ANY.needing(&[Isa::Wasm32Simd128]))
});

inventory::submit! {
    MmmRoutine { make: || KERNEL.mmm() }
}

/// Our dispatch opinion: every f32 matrix product with more than one column runs on [`KERNEL`].
fn preferred(_isa: &IsaSet, accumulator: DatumType, query: &Query, _suitable: &[Suitable]) -> Option<&'static str> {
    match (accumulator, query.n) {
        (DatumType::F32, Some(1)) => None,
        (DatumType::F32, _) => Some(KERNEL_NAME),
        _ => None,
    }
}

inventory::submit! {
    MmmTier {
        arch: Some(Arch::Wasm32Simd128),
        precedence: 2,
        name: "likeness-wasm",
        applies: |_| true,
        preferred,
    }
}

/// The kernel tract would run for an f32 matrix product of these dimensions (a check that our
/// tier is heard: tests/wasm_kernels.rs).
pub fn dispatched(m: usize, k: usize, n: usize) -> Option<String> {
    let kernel: Box<dyn MatMatMul> =
        tract_linalg::mmm::MmmDispatch::native().preferred_kernel(DatumType::F32, Some(m), Some(k), Some(n))?;
    Some(kernel.name().to_string())
}

pub mod bench;

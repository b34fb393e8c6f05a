//! Our wasm matrix-multiply kernels (src/kernels) in headless Chromium, in the build under test
//! (`scripts/test_browser.sh` runs this file for the plain and the relaxed-SIMD build):
//! tract dispatches f32 matrix products to the registered tile, and every tile computes what a
//! plain triple loop computes — the product and each epilogue step tract fuses into the kernel —
//! on tile-edge sizes, with C row-major, strided and column-major (channels-last).
#![cfg(all(target_arch = "wasm32", target_feature = "simd128"))]

use likeness::kernels::{dispatched, Tile, KERNEL_NAME, RELAXED, TILES};
use tract_linalg::mmm::{FusedKerSpec, OutputStoreKer};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn tract_runs_our_tile_for_matrix_products_and_its_own_for_vectors() {
    for (m, k, n) in [(128, 64, 784), (512, 128, 49), (16, 27, 19200), (3, 5, 2)] {
        assert_eq!(dispatched(m, k, n).as_deref(), Some(KERNEL_NAME), "{m}x{k}x{n}");
    }
    let gemv = dispatched(128, 512, 1);
    assert!(gemv.as_deref().is_some_and(|name| name != KERNEL_NAME), "n = 1 went to {gemv:?}");
    // The build under test is the one scripts/test_browser.sh asked for (build.rs heard it).
    assert_eq!(RELAXED, option_env!("LIKENESS_RELAXED_SIMD") == Some("1"), "LIKENESS_RELAXED_SIMD vs the kernels' flavour");
    web_sys_log(&format!("kernels: {} build, f32 GEMM on {KERNEL_NAME}", if RELAXED { "relaxed-SIMD" } else { "plain SIMD" }));
}

/// A small deterministic generator (no rand in the wasm tests).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    }
    fn vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next()).collect()
    }
}

/// One tile's worth of inputs and the expected result, computed the slow way.
struct Case {
    k: usize,
    a: Vec<f32>,       // packed [k][mr]
    b: Vec<f32>,       // packed [k][nr]
    bias: Vec<f32>,    // per row
    scale: Vec<f32>,   // per column
    residual: Vec<f32>, // mr x nr, row-major
    rows: Vec<f32>,     // AddRowColProducts
    cols: Vec<f32>,
}

impl Case {
    fn new(tile: &Tile, k: usize, seed: u64) -> Case {
        let mut g = Lcg(seed);
        Case {
            k,
            a: g.vec(k * tile.mr),
            b: g.vec(k * tile.nr),
            bias: g.vec(tile.mr),
            scale: g.vec(tile.nr),
            residual: g.vec(tile.mr * tile.nr),
            rows: g.vec(tile.mr),
            cols: g.vec(tile.nr),
        }
    }

    /// max(0.1·x, x) of ((A·B + bias) · scale + residual + rows ⊗ cols), element (r, c).
    fn expected(&self, tile: &Tile, r: usize, c: usize) -> f32 {
        let dot: f32 = (0..self.k).map(|i| self.a[i * tile.mr + r] * self.b[i * tile.nr + c]).sum();
        let x = (dot + self.bias[r]) * self.scale[c] + self.residual[r * tile.nr + c] + self.rows[r] * self.cols[c];
        if x > 0.0 { x } else { 0.1 * x }
    }

    /// Runs the tile's program on a C laid out as `layout` (floats between rows, between
    /// columns, total); C as the tile wrote it.
    fn run(&self, tile: &Tile, (row_stride, col_stride, len): (usize, usize, usize)) -> Vec<f32> {
        let mut c = vec![f32::NAN; len];
        let mut residual = vec![0f32; len];
        for r in 0..tile.mr {
            for j in 0..tile.nr {
                residual[r * row_stride + j * col_stride] = self.residual[r * tile.nr + j];
            }
        }
        let store = |ptr: *mut f32| OutputStoreKer {
            ptr: ptr as *mut u8,
            row_byte_stride: (row_stride * 4) as isize,
            col_byte_stride: (col_stride * 4) as isize,
            item_size: 4,
        };
        let spec = [
            FusedKerSpec::Clear,
            FusedKerSpec::AddMatMul { k: self.k, pa: self.a.as_ptr() as *const u8, pb: self.b.as_ptr() as *const u8, packing: 0 },
            FusedKerSpec::PerRowAdd(self.bias.as_ptr()),
            FusedKerSpec::PerColMul(self.scale.as_ptr()),
            FusedKerSpec::AddUnicast(store(residual.as_mut_ptr())),
            FusedKerSpec::AddRowColProducts(self.rows.as_ptr(), self.cols.as_ptr()),
            FusedKerSpec::LeakyRelu(0.1),
            FusedKerSpec::Store(store(c.as_mut_ptr())),
            FusedKerSpec::Done,
        ];
        unsafe { tile.run(&spec) };
        c
    }
}

#[wasm_bindgen_test]
fn every_tile_computes_the_product_and_its_fused_epilogue() {
    let mut problems = vec![];
    for tile in TILES {
        for (seed, k) in [1usize, 2, 3, 8, 17, 64, 301].into_iter().enumerate() {
            let case = Case::new(tile, k, seed as u64 + 1);
            // Row-major C (NCHW convolutions), strided, column-major (channels-last) and
            // column-major with a gap between columns.
            let (mr, nr) = (tile.mr, tile.nr);
            let layouts = [
                ("row-major", nr, 1, mr * nr),
                ("strided rows", 3 * nr, 3, 3 * mr * nr),
                ("column-major", 1, mr, mr * nr),
                ("column-major, padded", 1, mr + 2, (mr + 2) * nr),
            ];
            for (layout, row_stride, col_stride, len) in layouts {
                let c = case.run(tile, (row_stride, col_stride, len));
                let mut inside = vec![false; len];
                for r in 0..tile.mr {
                    for j in 0..tile.nr {
                        inside[r * row_stride + j * col_stride] = true;
                        let got = c[r * row_stride + j * col_stride];
                        let want = case.expected(tile, r, j);
                        // Summation order and FMA rounding differ from the loop: relative 1e-5 of
                        // the magnitudes summed (k terms of at most 0.25).
                        let tol = 1e-5 * (1.0 + 0.25 * k as f32);
                        if !((got - want).abs() <= tol) {
                            problems.push(format!("{} k={k} {layout}: C[{r}][{j}] = {got}, expected {want}", tile.name));
                        }
                    }
                }
                // Nothing but the tile's own cells is written.
                let strays = c.iter().zip(&inside).filter(|(v, inside)| !**inside && !v.is_nan()).count();
                if strays > 0 {
                    problems.push(format!("{} k={k} {layout}: {strays} cells outside the tile written", tile.name));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} wrong cells, first: {:#?}", problems.len(), &problems[..problems.len().min(8)]);
}

#[wasm_bindgen_test]
fn load_tile_and_scalar_steps_reach_every_accumulator() {
    for tile in TILES {
        let n = tile.mr * tile.nr;
        let saved: Vec<f32> = (0..n).map(|i| i as f32 - 10.0).collect();
        let mut c = vec![0f32; n];
        let store = OutputStoreKer { ptr: c.as_mut_ptr() as *mut u8, row_byte_stride: (tile.nr * 4) as isize, col_byte_stride: 4, item_size: 4 };
        let spec = [
            FusedKerSpec::LoadTile(std::ptr::null(), saved.as_ptr()),
            FusedKerSpec::ScalarMul(2.0),
            FusedKerSpec::ScalarAdd(1.0),
            FusedKerSpec::ScalarMax(0.0),
            FusedKerSpec::ScalarMin(20.0),
            FusedKerSpec::Store(store),
            FusedKerSpec::Done,
        ];
        unsafe { tile.run(&spec) };
        let want: Vec<f32> = saved.iter().map(|v| (v * 2.0 + 1.0).clamp(0.0, 20.0)).collect();
        assert_eq!(c, want, "{}", tile.name);
    }
}

fn web_sys_log(line: &str) {
    wasm_bindgen_test::console_log!("{line}");
}

//! The kernel micro-benchmark behind bench/kernels (`npm run bench:kernels`): GFLOP/s of each
//! tile shape on one matrix product, tiles driven the way tract drives them (a packed panel of A,
//! one of B, the product stored to C), against the machine's peak for `f32x4` multiply-adds.
//! Exported to JavaScript for the benchmark page only (not part of the documented API).
use super::{Tile, TILES};
use std::arch::wasm32::*;
use tract_linalg::mmm::{FusedKerSpec, OutputStoreKer};
use crate::clock::performance_now as now;
use wasm_bindgen::prelude::*;

/// Names [`kernel_bench`] knows: ours, then tract's own 8x8 and 4x16, then "peak".
#[wasm_bindgen(js_name = likenessKernels)]
pub fn kernels() -> Vec<String> {
    let mut names: Vec<String> = TILES.iter().map(|t| t.name.to_string()).collect();
    names.extend(["tract_wasm_f32_8x8", "tract_wasm_f32_4x16", "peak"].map(String::from));
    names
}

/// Whether this build is the relaxed-SIMD one.
#[wasm_bindgen(js_name = likenessRelaxedSimd)]
pub fn relaxed_simd() -> bool {
    super::RELAXED
}

/// GFLOP/s of kernel `name` on an `m x k` by `k x n` product (m, n rounded up to its tile),
/// repeated for at least `millis` ms, C row-major (NCHW) or, with `column_major`, channels-last
/// (what tract asks of some convolutions); `peak` times independent multiply-adds in registers.
#[wasm_bindgen(js_name = likenessKernelBench)]
pub fn kernel_bench(name: &str, m: usize, k: usize, n: usize, millis: f64, column_major: bool) -> Result<f64, JsValue> {
    if name == "peak" {
        return Ok(peak(millis));
    }
    let (mr, nr, run): (usize, usize, Box<dyn Fn(&[FusedKerSpec<f32>])>) = match name {
        "tract_wasm_f32_8x8" => (8, 8, Box::new(|s| unsafe { (tract_linalg::wasm::wasm_f32_8x8.kernel)(s); })),
        "tract_wasm_f32_4x16" => (4, 16, Box::new(|s| unsafe { (tract_linalg::wasm::wasm_f32_4x16.kernel)(s); })),
        _ => {
            let tile: &Tile = TILES.iter().find(|t| t.name == name).ok_or_else(|| JsValue::from_str("unknown kernel"))?;
            (tile.mr, tile.nr, Box::new(move |s| unsafe { tile.run(s); }))
        }
    };
    if m == 0 || k == 0 || n == 0 || m * k > 1 << 24 || k * n > 1 << 24 || m * n > 1 << 24 {
        return Err(JsValue::from_str("dimensions out of range"));
    }
    let (mp, np) = (m.div_ceil(mr), n.div_ceil(nr));
    // Packed panels: A as [panel][k][mr], B as [panel][k][nr]; C row-major, m x n padded.
    let a: Vec<f32> = (0..mp * k * mr).map(|i| ((i * 7919) % 97) as f32 / 97.0 - 0.5).collect();
    let b: Vec<f32> = (0..np * k * nr).map(|i| ((i * 104729) % 89) as f32 / 89.0 - 0.5).collect();
    let (rows, cols) = (mp * mr, np * nr);
    let mut c = vec![0f32; rows * cols];
    let pass = |c: &mut [f32]| {
        for i in 0..mp {
            for j in 0..np {
                let (row_stride, col_stride) = if column_major { (1, rows) } else { (cols, 1) };
                let tile = OutputStoreKer {
                    ptr: c[i * mr * row_stride + j * nr * col_stride..].as_mut_ptr() as *mut u8,
                    row_byte_stride: (row_stride * 4) as isize,
                    col_byte_stride: (col_stride * 4) as isize,
                    item_size: 4,
                };
                let pa = a[i * k * mr..].as_ptr() as *const u8;
                let pb = b[j * k * nr..].as_ptr() as *const u8;
                run(&[FusedKerSpec::AddMatMul { k, pa, pb, packing: 0 }, FusedKerSpec::Store(tile), FusedKerSpec::Done]);
            }
        }
    };
    pass(&mut c); // warm-up
    let flops = 2.0 * (m * k * n) as f64;
    let (mut passes, start) = (0u64, now());
    while now() - start < millis {
        pass(&mut c);
        passes += 1;
    }
    std::hint::black_box(&c);
    Ok(flops * passes as f64 / ((now() - start) * 1e6))
}

/// Peak `f32x4` multiply-add rate: the best of 8, 10 and 12 independent chains in registers
/// (gemm::madd_chains), each timed for `millis` / 3.
fn peak(millis: f64) -> f64 {
    [chains::<8>(millis / 3.0), chains::<10>(millis / 3.0), chains::<12>(millis / 3.0)].into_iter().fold(0.0, f64::max)
}

fn chains<const N: usize>(millis: f64) -> f64 {
    let mut acc: [v128; N] = std::array::from_fn(|i| f32x4_splat(i as f32 * 0.1));
    let (x, y) = (std::hint::black_box(f32x4_splat(1e-4)), std::hint::black_box(f32x4_splat(0.9999)));
    let (mut steps, start) = (0u64, now());
    while now() - start < millis {
        unsafe { super::gemm::madd_chains(&mut acc, x, y, 10_000) };
        steps += 10_000;
    }
    std::hint::black_box(acc);
    // N vectors x 4 lanes x 2 flops per step.
    (8 * N) as f64 * steps as f64 / ((now() - start) * 1e6)
}

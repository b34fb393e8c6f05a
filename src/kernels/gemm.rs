//! The f32 matrix-multiply microkernels for wasm32 `simd128`: one tile of C (MR rows × NR = 4·NV
//! columns) kept in `MR·NV` `f32x4` accumulators while the packed panels of A (MR values per k)
//! and B (NR values per k) stream by.
//!
//! A kernel interprets tract's `FusedKerSpec` program for its tile: `AddMatMul` is the hot loop,
//! the other arms are the epilogue tract fuses into the kernel's pass over the tile (bias as
//! `PerRowAdd`, ReLU as `ScalarMax`, a residual as `AddUnicast`, ...), so none of them needs a
//! pass of its own over C.
//!
//! Why our own: tract 0.23.9 sends every wasm f32 GEMM to its 8x8 tile, 16 accumulators. V8 on
//! x86-64 has 16 xmm registers, so with the B vectors and the broadcast A value live too, the
//! inner loop spills. 8 accumulators (4x8, 2x16) leave room; `bench/kernels` measures each shape
//! (`likeness_kernel_bench`), and src/kernels/mod.rs registers the one chosen.
//!
//! Each kernel exists twice, built from one body: with `f32x4_add(acc, f32x4_mul(a, b))`, and
//! with the relaxed-SIMD fused `f32x4_relaxed_madd` (one instruction, one rounding) under the
//! `LIKENESS_RELAXED_SIMD=1` build (build.rs) — a separate `.wasm`, since a module holding relaxed opcodes does
//! not even validate on an engine without them (Safari).
use std::arch::wasm32::*;
use tract_linalg::mmm::{FusedKerSpec, OutputStoreKer};
use tract_linalg::Scaler;

/// `acc + a·b` in two roundings: the plain build.
#[cfg(not(likeness_relaxed_simd))]
#[inline(always)]
fn madd_plain(acc: v128, a: v128, b: v128) -> v128 {
    f32x4_add(acc, f32x4_mul(a, b))
}

/// `acc + a·b` fused (relaxed SIMD: one rounding on hosts with FMA hardware).
#[cfg(likeness_relaxed_simd)]
#[target_feature(enable = "relaxed-simd")]
#[inline]
fn madd_fused(acc: v128, a: v128, b: v128) -> v128 {
    f32x4_relaxed_madd(a, b, acc)
}

/// Loads one row of the tile (NV vectors) from `ptr`, columns `col_byte_stride` apart.
#[inline(always)]
unsafe fn load_row<const NV: usize>(ptr: *const u8, col_byte_stride: isize) -> [v128; NV] {
    unsafe {
        if col_byte_stride == 4 {
            // A contiguous row (C in NCHW, every convolution here): whole vectors.
            std::array::from_fn(|j| v128_load(ptr.add(16 * j) as *const v128))
        } else {
            std::array::from_fn(|j| {
                let at = |c: usize| *(ptr.offset(col_byte_stride * (4 * j + c) as isize) as *const f32);
                f32x4(at(0), at(1), at(2), at(3))
            })
        }
    }
}

/// Stores one row of the tile to `ptr`, columns `col_byte_stride` apart.
#[inline(always)]
unsafe fn store_row<const NV: usize>(ptr: *mut u8, col_byte_stride: isize, row: &[v128; NV]) {
    unsafe {
        if col_byte_stride == 4 {
            for (j, v) in row.iter().enumerate() {
                v128_store(ptr.add(16 * j) as *mut v128, *v);
            }
        } else {
            for (j, v) in row.iter().enumerate() {
                let at = |c: usize| ptr.offset(col_byte_stride * (4 * j + c) as isize) as *mut f32;
                *at(0) = f32x4_extract_lane::<0>(*v);
                *at(1) = f32x4_extract_lane::<1>(*v);
                *at(2) = f32x4_extract_lane::<2>(*v);
                *at(3) = f32x4_extract_lane::<3>(*v);
            }
        }
    }
}

/// The epilogue arms: everything but `AddMatMul`, `AddRowColProducts` and `Done`, which each
/// kernel writes out with its own multiply-add. Inlined into every kernel.
#[inline(always)]
unsafe fn epilogue<const MR: usize, const NV: usize>(acc: &mut [[v128; NV]; MR], spec: &FusedKerSpec<f32>) {
    use tract_linalg::mmm::FusedKerSpec::*;
    unsafe {
        match *spec {
            Clear => *acc = [[f32x4_splat(0.0); NV]; MR],
            LoadTile(_cols, rows) => {
                for (r, row) in acc.iter_mut().enumerate() {
                    *row = load_row::<NV>(rows.add(r * NV * 4) as *const u8, 4);
                }
            }
            ScalarMin(s) => all(acc, |v| f32x4_min(f32x4_splat(s), v)),
            ScalarMax(s) => all(acc, |v| f32x4_max(f32x4_splat(s), v)),
            ScalarAdd(s) => all(acc, |v| f32x4_add(f32x4_splat(s), v)),
            ScalarMul(s) => all(acc, |v| f32x4_mul(f32x4_splat(s), v)),
            ScalarSub(s) => all(acc, |v| f32x4_sub(f32x4_splat(s), v)),
            ScalarSubF(s) => all(acc, |v| f32x4_sub(v, f32x4_splat(s))),
            LeakyRelu(alpha) => all(acc, |v| v128_bitselect(v, f32x4_mul(f32x4_splat(alpha), v), f32x4_gt(v, f32x4_splat(0.0)))),
            PerRowMin(p) => per_row(acc, p, |s, v| f32x4_min(s, v)),
            PerRowMax(p) => per_row(acc, p, |s, v| f32x4_max(s, v)),
            PerRowAdd(p) => per_row(acc, p, |s, v| f32x4_add(s, v)),
            PerRowMul(p) => per_row(acc, p, |s, v| f32x4_mul(s, v)),
            PerRowSub(p) => per_row(acc, p, |s, v| f32x4_sub(s, v)),
            PerRowSubF(p) => per_row(acc, p, |s, v| f32x4_sub(v, s)),
            PerColMin(p) => per_col(acc, p, |s, v| f32x4_min(s, v)),
            PerColMax(p) => per_col(acc, p, |s, v| f32x4_max(s, v)),
            PerColAdd(p) => per_col(acc, p, |s, v| f32x4_add(s, v)),
            PerColMul(p) => per_col(acc, p, |s, v| f32x4_mul(s, v)),
            PerColSub(p) => per_col(acc, p, |s, v| f32x4_sub(s, v)),
            PerColSubF(p) => per_col(acc, p, |c, v| f32x4_sub(v, c)),
            QScale(shift, rp, mult) => {
                let s = Scaler::from_fuse_params(shift, rp, mult).scale;
                all(acc, |v| f32x4_mul(f32x4_splat(s), v))
            }
            RoundingShiftRight(shift, _) => all(acc, |v| f32x4_mul(f32x4_splat(2f32.powi(-(shift as i32))), v)),
            ShiftLeft(shift) => all(acc, |v| f32x4_mul(f32x4_splat(2f32.powi(shift as i32)), v)),
            AddUnicast(tile) if MR == 4 && tile.row_byte_stride == 4 => {
                // Channels-last C (a column's 4 rows are contiguous): load columns, transpose.
                for j in 0..NV {
                    let col = |c: usize| v128_load(tile.ptr.offset(tile.col_byte_stride * (4 * j + c) as isize) as *const v128);
                    let rows = transpose4([col(0), col(1), col(2), col(3)]);
                    for (r, v) in rows.into_iter().enumerate() {
                        acc[r][j] = f32x4_add(acc[r][j], v);
                    }
                }
            }
            AddUnicast(tile) => each_row(acc, tile, |row, ptr| {
                let m = load_row::<NV>(ptr, tile.col_byte_stride);
                for j in 0..NV {
                    row[j] = f32x4_add(row[j], m[j]);
                }
            }),
            Store(tile) if MR == 4 && tile.row_byte_stride == 4 => {
                // Channels-last C: 4x4 transposes, then one vector store per column (instead of
                // 4 lane extracts and scalar stores per vector).
                for j in 0..NV {
                    let cols = transpose4([acc[0][j], acc[1][j], acc[2][j], acc[3][j]]);
                    for (c, v) in cols.into_iter().enumerate() {
                        v128_store(tile.ptr.offset(tile.col_byte_stride * (4 * j + c) as isize) as *mut v128, v);
                    }
                }
            }
            Store(tile) => each_row(acc, tile, |row, ptr| store_row::<NV>(ptr as *mut u8, tile.col_byte_stride, row)),
            Done | AddMatMul { .. } | AddRowColProducts(..) => {}
        }
    }
}

/// The transpose of a 4x4 block held as 4 row vectors: its 4 column vectors.
#[inline(always)]
fn transpose4([r0, r1, r2, r3]: [v128; 4]) -> [v128; 4] {
    let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0, r1);
    let t1 = i32x4_shuffle::<2, 6, 3, 7>(r0, r1);
    let t2 = i32x4_shuffle::<0, 4, 1, 5>(r2, r3);
    let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2, r3);
    [
        i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
        i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
        i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
        i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
    ]
}

/// `acc[r][j] = f(acc[r][j])`.
#[inline(always)]
fn all<const MR: usize, const NV: usize>(acc: &mut [[v128; NV]; MR], f: impl Fn(v128) -> v128) {
    for v in acc.iter_mut().flatten() {
        *v = f(*v);
    }
}

/// `acc[r][j] = op(splat(p[r]), acc[r][j])`.
#[inline(always)]
unsafe fn per_row<const MR: usize, const NV: usize>(acc: &mut [[v128; NV]; MR], p: *const f32, op: impl Fn(v128, v128) -> v128) {
    for (r, row) in acc.iter_mut().enumerate() {
        let s = unsafe { f32x4_splat(*p.add(r)) };
        for v in row.iter_mut() {
            *v = op(s, *v);
        }
    }
}

/// `acc[r][j] = op(p[4j..4j+4], acc[r][j])`.
#[inline(always)]
unsafe fn per_col<const MR: usize, const NV: usize>(acc: &mut [[v128; NV]; MR], p: *const f32, op: impl Fn(v128, v128) -> v128) {
    let cols: [v128; NV] = std::array::from_fn(|j| unsafe { v128_load(p.add(4 * j) as *const v128) });
    for row in acc.iter_mut() {
        for (v, c) in row.iter_mut().zip(cols) {
            *v = op(c, *v);
        }
    }
}

/// Calls `f` with each accumulator row and the address of its row in the C tile.
#[inline(always)]
unsafe fn each_row<const MR: usize, const NV: usize>(acc: &mut [[v128; NV]; MR], tile: OutputStoreKer, mut f: impl FnMut(&mut [v128; NV], *const u8)) {
    let mut ptr = tile.ptr as *const u8;
    for row in acc.iter_mut() {
        f(row, ptr);
        ptr = unsafe { ptr.offset(tile.row_byte_stride) };
    }
}

/// One kernel: `$name(spec)` runs a `FusedKerSpec` program over an MR x 4·NV tile, with `$madd`
/// as its multiply-add (and `$attr` the target feature that multiply-add needs).
macro_rules! gemm_kernel {
    ($(#[$attr:meta])* $name:ident, $mr:literal, $nv:literal, $madd:ident) => {
        $(#[$attr])*
        pub(super) unsafe fn $name(spec: &[FusedKerSpec<f32>]) -> isize {
            const MR: usize = $mr;
            const NV: usize = $nv;
            let mut acc = [[f32x4_splat(0.0); NV]; MR];
            unsafe {
                for op in spec {
                    match *op {
                        FusedKerSpec::Done => break,
                        FusedKerSpec::AddMatMul { k, pa, pb, packing: _ } => {
                            // A packed [k][MR], B packed [k][NR]: per k, NV vectors of B and MR
                            // broadcast values of A (v128.load32_splat: one instruction each).
                            // The loop works on a copy: `acc` is address-taken by the epilogue
                            // arms, so LLVM would store every accumulator back each k step.
                            let mut sum = acc;
                            let mut a = pa as *const u32;
                            let mut b = pb as *const v128;
                            for _ in 0..k {
                                let bv: [v128; NV] = std::array::from_fn(|j| v128_load(b.add(j)));
                                for r in 0..MR {
                                    let s = v128_load32_splat(a.add(r));
                                    for j in 0..NV {
                                        sum[r][j] = $madd(sum[r][j], s, bv[j]);
                                    }
                                }
                                a = a.add(MR);
                                b = b.add(NV);
                            }
                            acc = sum;
                        }
                        FusedKerSpec::AddRowColProducts(rows, cols) => {
                            let bv: [v128; NV] = std::array::from_fn(|j| v128_load((cols as *const v128).add(j)));
                            for r in 0..MR {
                                let s = f32x4_splat(*rows.add(r));
                                for j in 0..NV {
                                    acc[r][j] = $madd(acc[r][j], s, bv[j]);
                                }
                            }
                        }
                        ref other => epilogue::<MR, NV>(&mut acc, other),
                    }
                }
            }
            0
        }
    };
}

/// The kernels of this build's flavour: plain, or fused in the relaxed build (build.rs).
macro_rules! gemm_kernels {
    ($($name:ident: $mr:literal x $nv:literal;)*) => {
        $(
            #[cfg(not(likeness_relaxed_simd))]
            gemm_kernel!($name, $mr, $nv, madd_plain);
            #[cfg(likeness_relaxed_simd)]
            gemm_kernel!(#[target_feature(enable = "relaxed-simd")] $name, $mr, $nv, madd_fused);
        )*
    };
}

// The candidate tiles (rows x vectors of 4 columns). bench/kernels measured them; mod.rs
// registers the winner.
gemm_kernels! {
    f32_4x8: 4 x 2;
    f32_2x16: 2 x 4;
    f32_6x8: 6 x 2;
    f32_8x8: 8 x 2;
}

/// `steps` rounds of N independent chains `acc[i] = x + acc[i]·y`: each multiply-add waits for
/// the last one of its chain, so N chains are needed to cover that latency on two vector ports,
/// and too many spill (a product of loop invariants would be hoisted instead). bench.rs takes
/// the best N as the peak the tiles are held to, in this build's flavour. Never inlined: V8
/// moves a wasm function to its optimising tier between calls, not inside one.
#[cfg_attr(likeness_relaxed_simd, target_feature(enable = "relaxed-simd"))]
#[inline(never)]
pub(super) unsafe fn madd_chains<const N: usize>(acc: &mut [v128; N], x: v128, y: v128, steps: usize) {
    let mut sum = *acc;
    for _ in 0..steps {
        for v in sum.iter_mut() {
            #[cfg(not(likeness_relaxed_simd))]
            {
                *v = madd_plain(x, *v, y);
            }
            #[cfg(likeness_relaxed_simd)]
            {
                *v = madd_fused(x, *v, y);
            }
        }
    }
    *acc = sum;
}

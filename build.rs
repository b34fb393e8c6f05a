//! One switch for the relaxed-SIMD build of the browser core: `LIKENESS_RELAXED_SIMD=1` compiles
//! src/kernels with `f32x4.relaxed_madd` (cfg `likeness_relaxed_simd`).
//!
//! Why an environment variable and not a cargo feature: features enter the crate's metadata hash,
//! so every mangled symbol, and with them the names wasm-bindgen's JavaScript glue calls, would
//! differ between the two builds. With the cfg set here both `.wasm` files share one glue, and
//! js/index.js only chooses which file to instantiate (scripts/build_pkg.sh checks the glues match).
fn main() {
    println!("cargo::rerun-if-env-changed=LIKENESS_RELAXED_SIMD");
    println!("cargo::rustc-check-cfg=cfg(likeness_relaxed_simd)");
    if std::env::var("LIKENESS_RELAXED_SIMD").is_ok_and(|v| v == "1") {
        println!("cargo::rustc-cfg=likeness_relaxed_simd");
    }
}

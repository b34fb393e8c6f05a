// Runs a wasm32-wasip1 command module under node's WASI, with the repository's
// models/ directory preopened as `models` (so `models/fr_feature.onnx` resolves).
//
//   node --experimental-wasi-unstable-preview1 bench/wasi_run.mjs <module.wasm> [args...]
//
// Used for the PRelu timing harness (examples/prelu_bench.rs, see bench/prelu.md).
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, env, exit } from 'node:process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const [wasmPath, ...args] = argv.slice(2);
if (!wasmPath) {
  console.error('usage: wasi_run.mjs <module.wasm> [args...]');
  exit(2);
}
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wasi = new WASI({
  version: 'preview1',
  args: [path.basename(wasmPath), ...args],
  // Only what the harness reads is passed through (see examples/prelu_bench.rs).
  env: Object.fromEntries(
    ['RUST_BACKTRACE', 'PRELU_PROFILE', 'PRELU_SHAPES']
      .filter((k) => env[k] !== undefined)
      .map((k) => [k, env[k]]),
  ),
  preopens: { models: path.join(repo, 'models') },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance));

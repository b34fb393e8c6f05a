// Checks every model file against models/manifest.json (size and sha256). Exit 1 on mismatch.
// Node only (no Python needed on a fresh machine); the Rust loader checks the same at run time.
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'models');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
let bad = 0;
for (const [name, m] of Object.entries(manifest.models)) {
  const path = join(dir, m.file);
  if (!existsSync(path)) { console.error(`${name}: ${m.file} is missing`); bad++; continue; }
  const bytes = readFileSync(path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  const ok = bytes.length === m.bytes && sha === m.sha256;
  console.log(`${ok ? 'ok  ' : 'BAD '} ${m.file} ${bytes.length} bytes sha256 ${sha}`);
  if (!ok) bad++;
}
process.exit(bad ? 1 : 0);

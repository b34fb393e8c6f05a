// A bare worker for the benchmark's ?mode=inner: `Likeness.create()` inside a worker of our own,
// each `detectForVideo` timed inside the worker too, so the worker's end-to-end time splits into
// compute on the worker thread and the message round trip (bench/capture/bench.js).
import { Likeness } from '/pkg/index.js';

let sdk = null;
self.onmessage = async ({ data }) => {
  try {
    if (data.op === 'create') {
      sdk = await Likeness.create();
      self.postMessage({ id: data.id, ok: true });
    } else if (data.op === 'reset') {
      sdk.resetVideo();
      self.postMessage({ id: data.id, ok: true });
    } else {
      const t0 = performance.now();
      const f = await sdk.detectForVideo(data.frame, data.ts, data.options);
      const inner = performance.now() - t0;
      self.postMessage({ id: data.id, ok: true, result: { method: f.method, faces: f.faces, inner } });
    }
  } catch (e) {
    self.postMessage({ id: data.id, ok: false, error: `${e && e.code ? e.code + ': ' : ''}${e && e.message ? e.message : e}` });
  }
};

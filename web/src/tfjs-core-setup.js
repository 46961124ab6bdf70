// TF.js's start-up for the page: what tfjs-core's base_side_effects does (the engine, its
// flags, the browser platform, the tensors' op handler), but not the localStorage and
// IndexedDB model stores its browser platform registers: the page keeps no model there,
// and registering them read window.localStorage (a round trip to the browser) and shipped
// their code (~3 KB gzipped) on the way to the first answer.
import { getOrMakeEngine } from '@tensorflow/tfjs-core/dist/engine';
import '@tensorflow/tfjs-core/dist/flags';
import { env } from '@tensorflow/tfjs-core/dist/environment';
import { isTypedArrayBrowser } from '@tensorflow/tfjs-core/dist/platforms/is_typed_array_browser';
import { buffer } from '@tensorflow/tfjs-core/dist/ops/buffer';
import { cast } from '@tensorflow/tfjs-core/dist/ops/cast';
import { clone } from '@tensorflow/tfjs-core/dist/ops/clone';
import { print } from '@tensorflow/tfjs-core/dist/ops/print';
import { setOpHandler } from '@tensorflow/tfjs-core/dist/tensor';

getOrMakeEngine();
// tfjs-core's Platform interface, as its PlatformBrowser implements it (without the
// setTimeout trick for deep nesting, which flags off by default).
env().setPlatform('browser', {
  fetch: (path, init) => fetch(path, init),
  now: () => performance.now(),
  encode: (text) => new TextEncoder().encode(text),
  decode: (bytes, encoding) => new TextDecoder(encoding).decode(bytes),
  setTimeoutCustom: (functionRef, delay) => setTimeout(functionRef, delay),
  isTypedArray: isTypedArrayBrowser,
});
setOpHandler({ buffer, cast, clone, print });

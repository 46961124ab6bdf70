// What the CPU backend's files import from '@tensorflow/tfjs-core', each from its own
// module (web/build.mjs points their imports here). The package's entry re-exports all
// of core: its IO handlers and optimizers register themselves when loaded, so importing
// it, even for a few names, ships them all (~20 KB gzipped the page never runs).
// The namespaces they use (backend_util, util, ...) are imported as modules by the
// build itself, so that only the members used are bundled.
export * from '@tensorflow/tfjs-core/dist/kernel_names';
export { DataStorage, KernelBackend } from '@tensorflow/tfjs-core/dist/backends/backend';
export { buffer } from '@tensorflow/tfjs-core/dist/ops/buffer';
export { broadcastTo } from '@tensorflow/tfjs-core/dist/ops/broadcast_to';
export { reshape } from '@tensorflow/tfjs-core/dist/ops/reshape';
export { engine, registerBackend, tidy } from '@tensorflow/tfjs-core/dist/globals';
export { env } from '@tensorflow/tfjs-core/dist/environment';
export { TensorBuffer } from '@tensorflow/tfjs-core/dist/tensor';
export { upcastType } from '@tensorflow/tfjs-core/dist/types';
export * as slice_util from '@tensorflow/tfjs-core/dist/ops/slice_util';

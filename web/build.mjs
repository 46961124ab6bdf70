// `npm run build`: bundle the page from web/src into web/dist with esbuild.
//  - digitpad.js, the page; model.js, its model code with TF.js, split off
//    (dynamic import) so the two run in separate tasks; chunk.js, what both use.
//    Chunk names carry no hash: site.py and sw.js list the files by name.
//  - teach-worker.js, the teaching worker, built on its own (a worker cannot
//    share the page's chunks).
//  - measure.js, the timings tests and `make bench` read, built on its own: the
//    page imports it by name only when its address asks (?measure), and none of
//    the page's chunks holds any of it.
import { build } from 'esbuild';

const common = {
  // es2022: class fields and ??= as written, not rewritten longer (every browser since 2022).
  bundle: true, minify: true, format: 'esm', target: 'es2022', sourcemap: true,
  legalComments: 'linked', outdir: 'web/dist', logLevel: 'warning',
  // tfjs-core's copy of long.js probes WebAssembly when loaded, which the page's
  // CSP refuses (Firefox reports it on every load). Nothing we run needs 64-bit
  // integer arithmetic, so the bundle sees no WebAssembly and long.js takes its
  // plain JavaScript path.
  define: { WebAssembly: 'undefined' },
};
await build({ ...common, entryPoints: { digitpad: 'web/src/main.js' }, splitting: true, chunkNames: '[name]',
  external: ['./measure.js'] });
await build({ ...common, entryPoints: { 'teach-worker': 'web/src/teach-worker.js' } });
await build({ ...common, entryPoints: { measure: 'web/src/measure.js' } });

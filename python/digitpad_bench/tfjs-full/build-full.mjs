// Build the page with model-full.js (beside this file) in place of web/src/model.js,
// into <outdir>/digitpad-full.js (used by `make bench`).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const outdir = process.argv[2];
const swapModel = {
  name: 'swap-model',
  setup(b) {
    b.onResolve({ filter: /^\.\/model\.js$/ }, () => ({
      path: fileURLToPath(new URL('./model-full.js', import.meta.url)),
    }));
  },
};
await build({
  entryPoints: [fileURLToPath(new URL('../../../web/src/main.js', import.meta.url))],
  bundle: true, minify: true, format: 'esm', target: 'es2020',
  outfile: `${outdir}/digitpad-full.js`, plugins: [swapModel],
});

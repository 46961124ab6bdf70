// `npm run build`: bundle the page from web/src into web/dist with esbuild.
//  - digitpad.js, the page's script: main.js with the model's code and TF.js (loading.js,
//    model.js). `make site` puts it in the page itself (site.py), so a first visit asks for
//    no script before its first answer. Names carry no hash: site.py and sw.js list the
//    parts loaded later by name.
//  - teach.js, why.js and about.js, what the first answer does not need: loaded
//    once the model is ready (main.js), each built whole on its own.
//  - teach-worker.js, the teaching worker, built on its own (a worker cannot
//    share the page's chunks).
//  - measure.js, the timings tests and `make bench` read, built on its own: the
//    page imports it by name only when its address asks (?measure), and none of
//    the page's chunks holds any of it.
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// The CPU backend imports what it needs from '@tensorflow/tfjs-core', whose entry loads
// all of core (IO handlers, optimizers: they register themselves, so no bundler can leave
// them out). Its files import from the modules that define those names instead: the
// namespaces as modules of their own (only the members used are kept), the rest from
// src/tfjs-core-parts.js. A name missing there fails the build ("No matching export").
const NAMESPACES = {
  backend_util: '@tensorflow/tfjs-core/dist/backends/backend_util',
  broadcast_util: '@tensorflow/tfjs-core/dist/ops/broadcast_util',
  kernel_impls: '@tensorflow/tfjs-core/dist/backends/kernel_impls',
  util: '@tensorflow/tfjs-core/dist/util',
};
const PARTS = fileURLToPath(new URL('src/tfjs-core-parts.js', import.meta.url));
const CORE_IMPORT = /import\s*\{([^}]*)\}\s*from\s*'@tensorflow\/tfjs-core';/g;
const coreParts = {
  name: 'tfjs-core-parts',
  setup(b) {
    b.onLoad({ filter: /[\\/]@tensorflow[\\/]tfjs-backend-cpu[\\/]dist[\\/].*\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const contents = source.replace(CORE_IMPORT, (_, list) => {
        const names = list.split(',').map((name) => name.trim()).filter(Boolean);
        const rest = names.filter((name) => !NAMESPACES[name]);
        return [
          ...names.filter((name) => NAMESPACES[name]).map((name) => `import * as ${name} from '${NAMESPACES[name]}';`),
          ...(rest.length ? [`import { ${rest.join(', ')} } from ${JSON.stringify(PARTS)};`] : []),
        ].join('\n');
      });
      if (/from\s*'@tensorflow\/tfjs-core'/.test(contents)) throw new Error(`${path}: an import of '@tensorflow/tfjs-core' left as it was`);
      return { contents, loader: 'js' };
    });
  },
};

await rm('web/dist', { recursive: true, force: true }); // no script of an earlier build left to publish

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
// The parts loaded after the first answer, each a script of its own (main.js imports them
// by their place in the site): shared chunks would need names that change with their
// content, and the few small modules they share are copied into each instead.
const LATER = ['teach', 'why', 'about'];
await build({ ...common, entryPoints: { digitpad: 'web/src/main.js' }, plugins: [coreParts] });
await build({ ...common, entryPoints: Object.fromEntries(LATER.map((name) => [name, `web/src/${name}.js`])) });
await build({ ...common, entryPoints: { 'teach-worker': 'web/src/teach-worker.js' } });
await build({ ...common, entryPoints: { measure: 'web/src/measure.js' } });

// Builds the views into dist/: the leader view (index.html, app.js + app.css), the planner
// view (planner.html, planner.js + planner.css), the patrol view (patrol.html, patrol.js +
// patrol.css) and the leaders' dashboard (dashboard.html, dashboard.js + dashboard.css), the audit log (audit.html, audit.js, the dashboard's CSS), bundled by esbuild, and MapLibre's worker beside
// them (MapLibre loads it from `new URL('./maplibre-gl-worker.mjs', import.meta.url)`).
// `node build.mjs --watch` rebuilds on change.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const watch = process.argv.includes('--watch');
const require = createRequire(import.meta.url);
const maplibreDist = dirname(require.resolve('maplibre-gl/package.json')) + '/dist';

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const copyStatic = () => {
  for (const page of ['index.html', 'planner.html', 'patrol.html', 'dashboard.html', 'audit.html']) copyFileSync(join(here, page), join(dist, page));
  copyFileSync(join(maplibreDist, 'maplibre-gl-worker.mjs'), join(dist, 'maplibre-gl-worker.mjs'));
};

const options = {
  entryPoints: { app: join(here, 'src/main.js'), planner: join(here, 'src/planner.js'), patrol: join(here, 'src/patrol.js'), dashboard: join(here, 'src/dashboard.js'), audit: join(here, 'src/audit.js') },
  outdir: dist,
  bundle: true,
  // MapLibre and the shared modules go into one chunk both views load (beside them, so MapLibre's
  // worker URL, relative to the chunk, still points at dist/)
  splitting: true,
  chunkNames: 'shared-[hash]',
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
  minify: !watch,
  sourcemap: watch ? 'inline' : 'linked',
  legalComments: 'linked',
  logLevel: 'info',
  plugins: [{ name: 'static', setup: (b) => b.onEnd(copyStatic) }],
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}

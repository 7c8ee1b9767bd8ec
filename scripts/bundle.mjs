#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js, from tsc) and its dependencies into dist/cli/, which
// bin/net-higress.js and the image run. Loaded as ~100 separate ES modules, the controller idled at 71 MiB of
// RSS; bundled and minified, V8 keeps one module record and a third of the source text (npm run bench:operator
// prints the idle RSS). Each subcommand is its own chunk, loaded only when run. client-node stays external: it
// is loaded only for kubeconfigs our own loader cannot read (exec plugins), from node_modules.
// Names are minified too (keeping them costs about 4 MiB): for readable stack traces run with
// NODE_OPTIONS=--enable-source-maps, which reads the .map files written beside the chunks.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = 'dist/cli';
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: ['dist/src/cli/main.js'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  external: ['@kubernetes/client-node'],
  // winston and prom-client are CommonJS and require() Node's built-ins.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});

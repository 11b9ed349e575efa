// `npm run build`: tsc writes dist/ (typed, one file per module), then esbuild bundles the command
// line into dist/bundle/haops.mjs, which bin/haops.js loads: one file starts in about 0.15 s where
// the ~300 modules take 0.24 s, and every command pays that start. ssh2 stays outside the bundle
// so it finds its native crypto binding. `--clean` (prepack) empties dist/ first.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.argv.includes('--clean')) rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  // Two levels under the root, like dist/cli/main.js: paths read relative to the module
  // (package.json, playbooks/) resolve the same from either.
  outfile: join(root, 'dist/bundle/haops.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['ssh2'],
  // The CommonJS packages inside the bundle call require() for Node's own modules.
  banner: { js: "import { createRequire as __haopsRequire } from 'node:module'; const require = __haopsRequire(import.meta.url);" },
  logLevel: 'warning',
});

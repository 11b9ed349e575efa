// `npm run build`: tsc writes dist/ (typed, one file per module), then esbuild bundles the command
// line into dist/bundle/haops.mjs, which bin/haops.js loads: one file starts in about 0.15 s where
// the ~300 modules take 0.24 s, and every command pays that start. ssh2 is bundled too (its ~60
// CommonJS files cost a deploy ~0.05 s to find and load); its native crypto binding is still
// loaded from the installed ssh2 package. `--clean` (prepack) empties dist/ first.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

/**
 * ssh2 loads its AES-GCM and ChaCha20 binding by a path relative to its own file, which the bundle
 * moves: the binding is asked of the installed ssh2 package instead (ssh2 falls back to slower
 * ciphers without it, as it does when the binding was never built).
 */
const nativeBinding = {
  name: 'ssh2-native-binding',
  setup(b) {
    b.onLoad({ filter: /ssh2[\\/]lib[\\/]protocol[\\/]crypto\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const from = "require('./crypto/build/Release/sshcrypto.node')";
      if (!text.includes(from)) throw new Error(`ssh2's crypto.js no longer loads ${from}: check scripts/build.mjs`);
      const to = "require(require('node:path').join(require('node:path').dirname(require.resolve('ssh2/lib/protocol/crypto.js')), 'crypto/build/Release/sshcrypto.node'))";
      return { contents: text.replace(from, to), loader: 'js' };
    });
  },
};

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
  // Native add-ons stay where npm put them: ssh2's optional CPU probe, and (below) its crypto binding.
  external: ['cpu-features'],
  plugins: [nativeBinding],
  // The CommonJS packages inside the bundle call require() for Node's own modules, and ssh2's
  // poly1305 (emscripten) reads __dirname.
  banner: {
    js: [
      "import { createRequire as __haopsRequire } from 'node:module';",
      "import { dirname as __haopsDirname } from 'node:path';",
      "import { fileURLToPath as __haopsPath } from 'node:url';",
      'const require = __haopsRequire(import.meta.url);',
      'const __filename = __haopsPath(import.meta.url);',
      'const __dirname = __haopsDirname(__filename);',
    ].join(' '),
  },
  logLevel: 'warning',
});

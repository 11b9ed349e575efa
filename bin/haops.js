#!/usr/bin/env node
// The bundle (scripts/build.mjs) when it is there: it starts faster than the tsc output it is made from.
let cli;
try {
  cli = await import('../dist/bundle/haops.mjs');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('haops.mjs')) throw e;
  cli = await import('../dist/cli/main.js');
}
cli.main(process.argv).then((code) => {
  process.exitCode = code;
});

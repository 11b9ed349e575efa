// The CLI from the sources, as a process (for tests that need a real terminal or real stdio):
// `node --import tsx test/cli/run-cli.ts ARGS...`.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);

// The haops command line from the TypeScript sources, for tests that run it as a user would.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);

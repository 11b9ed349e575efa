// Vitest global setup: brings the built-in lab up once for the whole run (2 nodes) and always
// tears it down, also on Ctrl-C. Lab tests read inventory/lab.yaml. HAOPS_LAB=0 skips it.
import { fileURLToPath } from 'node:url';
import { labDown, labUp } from '../src/lab/index.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const log = (s: string) => console.error(`lab: ${s}`);

export function labWanted(): boolean {
  return process.env.HAOPS_LAB !== '0' && process.platform === 'linux' && process.getuid?.() === 0;
}

export default async function setup(): Promise<(() => Promise<void>) | void> {
  if (!labWanted()) return;
  const down = () => labDown({ repoRoot, log });
  const onSignal = (sig: NodeJS.Signals) => {
    void down().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await labUp({ nodes: 2, repoRoot, log });
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await down();
  };
}

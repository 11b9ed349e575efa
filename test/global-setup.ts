// Vitest global setup of the `lab` project: uses the lab of this HAOPS_LAB_ID if one is up, or
// boots one (2 nodes) and then tears down only that one, also on Ctrl-C. A lab someone else
// started is never taken down. Lab tests read inventory/lab.yaml. HAOPS_LAB=0 skips the lab.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { INVENTORY_FILE, labDown, labInventoryYaml, labStatus, labUp, type LabInfo } from '../src/lab/index.js';
import { STATE_FILE } from '../src/lab/paths.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const log = (s: string) => console.error(`lab: ${s}`);

export function labWanted(): boolean {
  return process.env.HAOPS_LAB !== '0' && process.platform === 'linux' && process.getuid?.() === 0;
}

export default async function setup(): Promise<(() => Promise<void>) | void> {
  if (!labWanted()) return;
  const id = process.env.HAOPS_LAB_ID || '(default)';
  if ((await labStatus({ repoRoot })).up) {
    // Someone's lab is up: test on it, leave it up. It may have been started from another
    // checkout, so write its inventory here from the lab's own state.
    const info = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LabInfo;
    mkdirSync(`${repoRoot}/inventory`, { recursive: true });
    writeFileSync(`${repoRoot}/${INVENTORY_FILE}`, labInventoryYaml(info));
    log(`using lab ${id}, already up; it stays up after the tests`);
    return;
  }
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

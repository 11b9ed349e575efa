// Shared by the notify tests: a model whose notify script and log live in a temp dir, the rendered
// script run for real with /bin/sh, and loopback servers that refuse or hang.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInventory } from '../../src/inventory/load.js';
import { buildModel, type Model } from '../../src/model/derive.js';
import type { ExecOptions, ExecResult, Host, StreamHandle } from '../../src/ssh/host.js';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'haops-notify-'));
}

/** A two-node pair; `notifyYaml` is the notify: block's body, indented by six spaces. */
export function modelWith(dir: string, notifyYaml: string): Model {
  const text = `hosts:
  lb1: { address: 10.0.0.11 }
  lb2: { address: 10.0.0.12 }
pairs:
  web:
    nodes: [lb1, lb2]
    interface: eth0
    subnet: 10.0.0.0/24
    instances:
      - name: VI_WEB
        virtual_router_id: 51
        vip: 10.0.0.100
        master: lb1
        priorities: { lb1: 200, lb2: 199 }
    notify:
${notifyYaml}
    nginx:
      upstreams: [{ name: app, servers: [10.0.0.21:8080] }]
`;
  const model = buildModel(parseInventory(text, 'test.yaml', {}));
  // The inventory refuses /tmp for node-side files (world-writable): the test moves them there
  // in the model, to run the rendered script on this machine.
  for (const node of model.nodes) node.notify = { ...node.notify, script: `${dir}/keepalived_notify.sh`, log: `${dir}/notify.log` };
  return model;
}

export function writeScript(path: string, content: string): void {
  writeFileSync(path, content);
  chmodSync(path, 0o755);
}

export interface RunResult {
  code: number | null;
  /** Until the process exited and every stdio stream closed: a background job holding one shows here. */
  ms: number;
  stdout: string;
  stderr: string;
}

export function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, ms: performance.now() - t0, stdout, stderr }));
  });
}

/** A TCP port on 127.0.0.1 where nothing listens (connection refused). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Accepts connections and never answers: a hung webhook. */
export async function hungServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const s: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    port: (s.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const x of sockets) x.destroy();
        s.close(() => r());
      }),
  };
}

export async function until<T>(fn: () => T | undefined | null | false, timeoutMs: number, stepMs = 50): Promise<T | null> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) return null;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** This machine as a "node": commands run with /bin/sh -c, as over SSH. Not a simulated host: real processes. */
export class LocalHost implements Host {
  roundTrips = 0;
  constructor(readonly name: string) {}
  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.roundTrips++;
    const t0 = Date.now();
    const r = await new Promise<RunResult>((resolve, reject) => {
      const p = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
      p.stdin.on('error', () => undefined);
      p.stdin.end(opts.stdin ?? '');
      let stdout = '';
      let stderr = '';
      const timer = opts.timeoutMs ? setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs) : undefined;
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, ms: 0, stdout, stderr });
      });
    });
    return { command, code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr, durationMs: Date.now() - t0 };
  }
  async stream(): Promise<StreamHandle> {
    throw new Error('LocalHost does not stream');
  }
  async close(): Promise<void> {}
}

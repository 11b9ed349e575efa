// The reads of a measured move, run by sh on a fake node (test/protocol/fake-node.ts): the node's
// clock, the interface's MAC, and the notify log's tail.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bind } from '../../src/protocol/script.js';
import {
  NODE_CLOCK,
  NODE_MAC,
  NOTIFY_LOG_TAIL,
  parseMac,
  parseNodeClock,
  REMOVE_NOTIFY_TOKEN,
  WRITE_NOTIFY_TOKEN,
} from '../../src/protocol/watch.js';
import { fakeNode, type FakeNode } from './fake-node.js';

let node: FakeNode;
afterEach(() => node?.remove());

describe('what a measured move reads on a node', () => {
  it("the node's clock, in ms, to the nanosecond it printed", () => {
    node = fakeNode();
    const now = parseNodeClock(node.run(bind(NODE_CLOCK, {})));
    expect(Math.abs(now! - Date.now())).toBeLessThan(5000);
    expect(parseNodeClock('1764070000123456789\n')).toBeCloseTo(1764070000123.4568, 3);
    expect(parseNodeClock('date: invalid\n')).toBeNull();
  });

  it("the interface's MAC from ip's one-line form", () => {
    node = fakeNode({
      ip: "echo '2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 0a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff'",
    });
    expect(parseMac(node.run(bind(NODE_MAC, { IFACE: 'eth0' })))).toBe('0a:1b:2c:3d:4e:5f');
    expect(node.log()).toEqual(['ip -o link show dev eth0']);
    expect(parseMac('Device "eth9" does not exist.\n')).toBeNull();
  });

  it('the last 400 lines of the notify log, nothing when there is none', () => {
    node = fakeNode();
    node.write('/run/notify.log', Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const out = node
      .run(bind(NOTIFY_LOG_TAIL, { LOG: '/run/notify.log' }))
      .trim()
      .split('\n');
    expect(out).toHaveLength(400);
    expect(out[0]).toBe('line 100');
    expect(node.run(bind(NOTIFY_LOG_TAIL, { LOG: '/run/none.log' }))).toBe('');
  });
});

describe('the drill token on a node (this machine: a scratch directory for /run/haops)', () => {
  const write = (file: string, token: string) =>
    spawnSync('sh', ['-c', bind(WRITE_NOTIFY_TOKEN, { TOKEN_FILE: file })], { input: `${token}\n`, encoding: 'utf8' });

  it('is written from stdin into a directory only its owner may enter, and removed at the end', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'haops-token-')), 'haops');
    const file = join(dir, 'notify.token');
    expect(write(file, 'tok-1').status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('tok-1\n');
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    spawnSync('sh', ['-c', bind(REMOVE_NOTIFY_TOKEN, { TOKEN_FILE: file })]);
    expect(existsSync(file)).toBe(false);
  });

  it('a symlink planted where the directory goes is removed, not followed', () => {
    const base = mkdtempSync(join(tmpdir(), 'haops-token-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'haops-elsewhere-'));
    symlinkSync(elsewhere, join(base, 'haops'));
    expect(write(join(base, 'haops', 'notify.token'), 'tok-2').status).toBe(0);
    expect(lstatSync(join(base, 'haops')).isSymbolicLink()).toBe(false);
    expect(existsSync(join(elsewhere, 'notify.token'))).toBe(false);
  });
});

// --verbose: every command run over SSH is reported with its host and time as it starts, and its
// exit code as it ends, from the one place commands are run (against a simulated sshd).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/ssh/connect.js';
import { knownHostsLine } from '../../src/ssh/known-hosts.js';
import { formatTrace, traceCommands, type TraceEvent } from '../../src/ssh/trace.js';
import { makeHome, startSimSshd } from './sim-sshd.js';

afterEach(() => traceCommands(null));

describe('SSH command trace (simulated sshd)', () => {
  it('each exec is reported with host and time at its start, and with its exit code at its end', async () => {
    const home = makeHome();
    const sshd = await startSimSshd({ authorizedKeys: [home.publicKey] });
    writeFileSync(join(home.sshDir, 'known_hosts'), `${knownHostsLine(`[127.0.0.1]:${sshd.port}`, sshd.hostKeys[0]!)}\n`);
    const events: TraceEvent[] = [];
    traceCommands((e) => events.push(e));
    const before = Date.now();
    const host = await connect(
      { name: 'node1', address: '127.0.0.1', port: sshd.port, user: 'root' },
      { env: { HOME: home.home }, connectTimeoutMs: 5000 },
    );
    try {
      await host.exec('echo one');
      await host.exec('exit 3');
    } finally {
      await host.close();
      await sshd.close();
    }
    expect(events.map((e) => [e.kind, e.host, e.command, e.kind === 'end' ? e.code : null])).toEqual([
      ['start', 'node1', 'echo one', null],
      ['end', 'node1', 'echo one', 0],
      ['start', 'node1', 'exit 3', null],
      ['end', 'node1', 'exit 3', 3],
    ]);
    expect(events.every((e) => e.at.getTime() >= before - 5 && e.at.getTime() <= Date.now())).toBe(true);
    const line = formatTrace(events[0]!);
    expect(line.startsWith(events[0]!.at.toISOString())).toBe(true);
    expect(line).toContain('node1# echo one');
  });

  it('without --verbose nothing is reported', async () => {
    const home = makeHome();
    const sshd = await startSimSshd({ authorizedKeys: [home.publicKey] });
    writeFileSync(join(home.sshDir, 'known_hosts'), `${knownHostsLine(`[127.0.0.1]:${sshd.port}`, sshd.hostKeys[0]!)}\n`);
    const events: TraceEvent[] = [];
    traceCommands((e) => events.push(e));
    traceCommands(null);
    const host = await connect({ name: 'n', address: '127.0.0.1', port: sshd.port, user: 'root' }, { env: { HOME: home.home } });
    await host.exec('true');
    await host.close();
    await sshd.close();
    expect(events).toEqual([]);
  });
});

// Simulated hosts on ssh2's in-process Server (127.0.0.1, random port, fresh host key):
// each plays one EL system and records every command it receives.

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { SimOs } from './profiles.js';
import { runCommand } from './shell.js';
import { SimSystem } from './system.js';
import { soundKeyPair } from './keys.js';

const { Server } = ssh2;

export interface SimHost {
  os: SimOs;
  port: number;
  /** The host's public key, OpenSSH format (`ssh-ed25519 AAAA…`). */
  hostKey: string;
  /** Every command received, in order. */
  commands: string[];
  state: SimSystem;
  stop(): Promise<void>;
  /** Listens again on the same port with the same host key and state (a node back up). */
  restart(): Promise<void>;
}

/** `stock`: the node as installed (firewall, SELinux, no EPEL; see el-system.ts). */
export async function startSimHost(os: SimOs, opts: { stock?: boolean } = {}): Promise<SimHost> {
  const key = soundKeyPair();
  const state = new SimSystem(os, opts);
  const commands: string[] = [];
  const server = new Server({ hostKeys: [key.private] }, (client) => {
    client.on('error', () => {});
    // No Nagle: each exec's reply (data, exit status, EOF, close) is several small writes, and
    // with Nagle against the peer's delayed ACK every round trip here waited about 40 ms more.
    (client as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true); // in ssh2, not in its types
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        acceptSession().on('exec', (accept, _reject, info) => {
          const channel = accept();
          commands.push(info.command);
          const chunks: Buffer[] = [];
          channel.on('data', (d: Buffer) => chunks.push(d));
          // Answer after stdin's EOF: a put script reads its content from stdin.
          channel.on('end', () => {
            const o = runCommand(state, info.command, Buffer.concat(chunks).toString('utf8'));
            if (o.stdout) channel.write(o.stdout);
            if (o.stderr) channel.stderr.write(o.stderr);
            channel.exit(o.code);
            channel.end();
          });
        });
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    os,
    port,
    hostKey: key.public,
    commands,
    state,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    restart: async () => {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
  };
}

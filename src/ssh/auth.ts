// Client authentication: the ssh-agent first, then the identity files that exist; a passphrase
// is asked for only when an encrypted key is actually reached, and once per key for the run.

import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, ParsedKey } from 'ssh2';

export interface AuthSources {
  env: NodeJS.ProcessEnv;
  passphrase?: () => Promise<string>;
  /** Decrypted keys are kept per run: pass the same object for every host of a run. */
  run: object;
}

/** Authentication cannot go on (a wrong passphrase): stop, and say this. */
export class AuthStop extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

type LoadedKey = { key: ParsedKey } | { note: string } | undefined;

// Keys are decrypted once per run, however many hosts use them.
const loaded = new WeakMap<object, Map<string, Promise<LoadedKey>>>();

export interface Authenticator {
  handler: AuthHandlerMiddleware;
  /** What was tried, for the message when every method fails. */
  tried: string[];
  /** Set when authentication stopped early. */
  stopped?: AuthStop;
}

export function authenticator(username: string, identityFiles: string[], sources: AuthSources): Authenticator {
  const tried: string[] = [];
  const steps: Array<() => Promise<AnyAuthMethod | undefined>> = [];
  const agent = sources.env.SSH_AUTH_SOCK;
  if (agent) {
    steps.push(async () => {
      tried.push('ssh-agent');
      return { type: 'agent', username, agent };
    });
  }
  for (const file of identityFiles) {
    steps.push(async () => {
      const got = await loadKey(file, sources);
      if (!got) return undefined;
      if ('note' in got) {
        tried.push(`${file} (${got.note})`);
        return undefined;
      }
      tried.push(file);
      return { type: 'publickey', username, key: got.key };
    });
  }

  const auth: Authenticator = {
    tried,
    handler: (_methodsLeft, _partial, next) => {
      void (async () => {
        try {
          for (let step = steps.shift(); step; step = steps.shift()) {
            const method = await step();
            if (method) return next(method);
          }
        } catch (e) {
          // a wrong passphrase, or the passphrase prompt itself failed
          auth.stopped = e instanceof AuthStop ? e : new AuthStop(`could not unlock a key: ${(e as Error).message}`, 'try again');
        }
        // ssh2 takes `false` for "no more methods"; its types leave that out.
        next(false as unknown as AnyAuthMethod);
      })();
    },
  };
  return auth;
}

function loadKey(file: string, sources: AuthSources): Promise<LoadedKey> {
  let cache = loaded.get(sources.run);
  if (!cache) loaded.set(sources.run, (cache = new Map()));
  let key = cache.get(file);
  if (!key) cache.set(file, (key = readKey(file, sources)));
  return key;
}

async function readKey(file: string, sources: AuthSources): Promise<LoadedKey> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { note: `unreadable: ${(e as Error).message}` };
  }
  const plain = ssh2.utils.parseKey(data);
  if (!(plain instanceof Error)) return plain.isPrivateKey() ? { key: plain } : { note: 'not a private key' };
  if (!/no passphrase given/.test(plain.message)) return { note: `not a usable key: ${plain.message}` };

  const fromEnv = sources.env.HAOPS_SSH_PASSPHRASE;
  const passphrase = fromEnv ?? (await sources.passphrase?.());
  if (passphrase === undefined) return { note: 'encrypted; set HAOPS_SSH_PASSPHRASE' };
  const unlocked = ssh2.utils.parseKey(data, passphrase);
  if (unlocked instanceof Error) {
    throw new AuthStop(
      `wrong passphrase for ${file}`,
      fromEnv !== undefined ? 'HAOPS_SSH_PASSPHRASE does not unlock this key: fix or unset it' : 'try again with the right passphrase',
    );
  }
  return { key: unlocked };
}

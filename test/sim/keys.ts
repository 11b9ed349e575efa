// ed25519 key pairs that ssh2 can read back: its generateKeyPairSync drops a public key's leading
// zero byte (about 1 key in 256), and parseKey then calls the key malformed (mscdex/ssh2 #1390).
import ssh2 from 'ssh2';

const generate = ssh2.utils.generateKeyPairSync.bind(ssh2.utils);

export function soundKeyPair(): { private: string; public: string } {
  for (;;) {
    const key = generate('ed25519');
    if (!(ssh2.utils.parseKey(key.private) instanceof Error) && !(ssh2.utils.parseKey(key.public) instanceof Error)) return key;
  }
}

/** Makes every ssh2 ed25519 key generation in this process sound (for the simulated hosts' host keys). */
export function patchKeyGeneration(): void {
  ssh2.utils.generateKeyPairSync = ((type: string, opts?: unknown) =>
    type === 'ed25519'
      ? soundKeyPair()
      : (generate as (t: string, o?: unknown) => unknown)(type, opts)) as typeof ssh2.utils.generateKeyPairSync;
}

// The status asset's notify-log reading with this machine's sh: the last transition per instance,
// not the channel outcome lines the notify script writes after it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bind } from '../../src/protocol/script.js';
import { DUMP_TRUSTED, parseStatusLines, STATUS } from '../../src/protocol/status.js';

describe('status: the notify log (local sh)', () => {
  it("takes each instance's last transition line, skipping the channel results written after it", () => {
    const log = join(mkdtempSync(join(tmpdir(), 'haops-status-')), 'notify.log');
    writeFileSync(
      log,
      [
        '2026-12-03T18:41:01.000Z host=node2 pair=lab instance=VI_LAB state=MASTER priority=202',
        '2026-12-03T18:41:08.835Z host=node2 pair=lab instance=VI_LAB state=BACKUP priority=201',
        '2026-12-03T18:41:08.837Z host=node2 pair=lab instance=VI_LAB_V6 state=BACKUP priority=201',
        '2026-12-03T18:41:09.878Z host=node2 pair=lab instance=VI_LAB state=BACKUP channel=webhook target=http://198.18.0.1:8025/k result=failed: curl exit 7',
        '2026-12-03T18:41:10.000Z host=node2 pair=lab instance=VI_LAB_V6 state=BACKUP channel=email target=ops@example.com result=sent',
        '',
      ].join('\n'),
    );
    const out = execFileSync('sh', ['-c', bind(STATUS, { INSTANCES: ['VI_LAB', 'VI_LAB_V6'], NOTIFY_LOG: log })], { encoding: 'utf8' });
    expect(out.split('\n').filter((l) => l.startsWith('notify '))).toEqual([
      'notify 2026-12-03T18:41:08.835Z host=node2 pair=lab instance=VI_LAB state=BACKUP priority=201',
      'notify 2026-12-03T18:41:08.837Z host=node2 pair=lab instance=VI_LAB_V6 state=BACKUP priority=201',
    ]);
    // ...and the parser reads them as the state and priority each instance entered.
    expect(parseStatusLines(out).notified).toEqual({
      VI_LAB: { state: 'BACKUP', priority: 201 },
      VI_LAB_V6: { state: 'BACKUP', priority: 201 },
    });
  });
});

describe('status lines, parsed', () => {
  // A dump as keepalived 2.2 writes it (instances, then interfaces with State lines of their own).
  const dump = [
    'data VRRP Instance = VI_1',
    'data State = MASTER',
    'data Effective priority = 202',
    'data VRRP Instance = VI_2',
    'data State = BACKUP,',
    'data Effective priority = 100',
    'data State = UP',
  ];

  it('reads the dump only after the script vouched for it; each instance takes its first State and its Effective priority', () => {
    const lines = parseStatusLines(['svc keepalived up', 'svc nginx down', 'svc nginx-after up', DUMP_TRUSTED, ...dump].join('\n'));
    expect(lines.services).toEqual({ keepalived: true, nginx: false, 'nginx-after': true });
    expect(lines.dumped).toEqual({ VI_1: { state: 'MASTER', effective: 202 }, VI_2: { state: 'BACKUP', effective: 100 } });
  });

  it('a planted dump (no "dump trusted" line) is not read; why it was skipped is kept', () => {
    const lines = parseStatusLines(
      ['dump skipped /tmp/keepalived.data: owner uid 1000, 1 links, written 5 (signal at 9)', ...dump].join('\n'),
    );
    expect(lines.dumped).toEqual({});
    expect(lines.dumpSkipped).toEqual(['/tmp/keepalived.data: owner uid 1000, 1 links, written 5 (signal at 9)']);
  });
});

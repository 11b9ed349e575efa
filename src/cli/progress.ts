// Live progress of a deploy on the terminal: listr2 as a renderer of the engine's events. Each
// listr task waits for the events of its own part (a pair, a host, a step) and shows them; the
// engine decides order, skipping and failure, this only draws them.
import { Listr, type ListrDefaultRenderer, type ListrSimpleRenderer, type ListrTask, type ListrTaskWrapper } from 'listr2';
import { CONFIRM_STEP, type DeployEvent } from '../runner/engine.js';

type Task = ListrTaskWrapper<unknown, ListrDefaultRenderer, ListrSimpleRenderer>;
type Renderer = 'default' | 'simple';

/** Events of one key (a pair, or pair/host), handed out in order to whoever waits for them. */
class Queues {
  private readonly queued = new Map<string, DeployEvent[]>();
  private readonly waiting = new Map<string, (e: DeployEvent) => void>();

  push(key: string, e: DeployEvent): void {
    const w = this.waiting.get(key);
    if (w) {
      this.waiting.delete(key);
      w(e);
    } else this.queued.set(key, [...(this.queued.get(key) ?? []), e]);
  }

  /** The next event of `key` whose type is one of `types` (the ones before it are dropped). */
  async take<T extends DeployEvent['type']>(key: string, ...types: T[]): Promise<Extract<DeployEvent, { type: T }>> {
    for (;;) {
      const q = this.queued.get(key) ?? [];
      const e = q.length ? q.shift()! : await new Promise<DeployEvent>((r) => this.waiting.set(key, r));
      if ((types as string[]).includes(e.type)) return e as Extract<DeployEvent, { type: T }>;
    }
  }
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** Starts drawing the pairs; feed it every event with `onEvent`; `done` settles once all is drawn. */
export function listrProgress(pairs: string[], opts: { check?: boolean; concurrency: number; renderer: Renderer }) {
  const q = new Queues();
  const unreachable = new Map<string, string>();
  const onEvent = (e: DeployEvent): void => {
    if (e.type === 'run-finished') return;
    if (e.type === 'host-unreachable') unreachable.set(`${e.pair}/${e.host}`, e.error);
    q.push('host' in e ? `${e.pair}/${e.host}` : e.pair, e);
  };

  const stepTask = (key: string, title: string): ListrTask<unknown> => ({
    title,
    task: async () => {
      const e = await q.take(key, 'step-changed', 'step-failed', 'host-finished');
      if (e.type === 'step-failed') throw new Error(`${e.step.message ?? title}${e.step.hint ? ` (fix: ${e.step.hint})` : ''}`);
      if (e.type === 'host-finished') throw new Error(e.report.error ?? `${title} did not run`);
    },
  });
  const confirmTask = (key: string): ListrTask<unknown> => ({
    title: CONFIRM_STEP,
    task: async () => {
      const e = await q.take(key, 'step-failed', 'host-finished');
      if (e.type === 'step-failed' || !e.report.ok) throw new Error(e.type === 'step-failed' ? e.step.message : e.report.error);
    },
  });

  const hostTask = (pair: string, host: string, role: string): ListrTask<unknown> => ({
    title: `${opts.check ? 'check' : 'converge'} ${host} (${role})`,
    task: async (_: unknown, t: Task) => {
      const key = `${pair}/${host}`;
      const first = await q.take(key, 'host-started', 'host-skipped');
      if (first.type === 'host-skipped') return t.skip(first.reason);
      if (first.complete && first.steps.length === 0) {
        await q.take(key, 'host-finished');
        t.title = `${t.title}: no changes`;
        return;
      }
      if (first.check) {
        await q.take(key, 'host-finished');
        t.title = `${t.title}: ${plural(first.steps.length, 'change')} (not applied: --check)`;
        return;
      }
      const later: ListrTask<unknown>[] = first.complete
        ? [confirmTask(key)]
        : [
            {
              // Facts again after the packages: every file is rendered for the keepalived now installed.
              title: 'gather facts again and plan the rest',
              task: async (_x: unknown, t2: Task) => {
                const planned = await q.take(key, 'host-planned', 'host-finished');
                if (planned.type === 'host-finished') throw new Error(planned.report.error ?? 'stopped');
                return t2.newListr([...planned.steps.map((s) => stepTask(key, s)), confirmTask(key)], {
                  concurrent: false,
                  exitOnError: true,
                });
              },
            },
          ];
      return t.newListr([...first.steps.map((s) => stepTask(key, s)), ...later], { concurrent: false, exitOnError: true });
    },
  });

  const pairTask = (pair: string): ListrTask<unknown> => ({
    title: `pair ${pair}`,
    task: async (_: unknown, t: Task) => {
      const started = await q.take(pair, 'pair-started');
      return t.newListr(
        [
          {
            title: `connect and gather facts (${started.hosts.join(', ')})`,
            task: async () => {
              const e = await q.take(pair, 'facts-gathered');
              if (e.failed.length) throw new Error(e.failed.map((h) => `${h}: ${unreachable.get(`${pair}/${h}`)}`).join('; '));
            },
          },
          ...started.order.filter((o) => o.runs).map((o) => hostTask(pair, o.host, o.role)),
          {
            title: 'check who holds each VIP',
            enabled: () => started.verify,
            task: async (_x: unknown, t2: Task) => {
              const e = await q.take(pair, 'vip-verified');
              t2.title = `VIPs: ${e.vips.map((v) => `${v.vips.length > 1 ? v.vips.join('+') : v.vip} on ${v.holders.join('+') || 'nobody'}${v.client?.ok ? `, HTTP from ${v.client.from ? `probe host ${v.client.from}` : 'here'} answered by ${v.client.node ?? '?'}` : !v.client && v.servedBy ? `, HTTP served by ${v.servedBy}` : ''}`).join('; ')}`;
              if (!e.ok) throw new Error(e.problem);
            },
          },
        ],
        { concurrent: false, exitOnError: false },
      );
    },
  });

  const list = new Listr(pairs.map(pairTask), {
    concurrent: opts.concurrency,
    exitOnError: false,
    renderer: opts.renderer,
    fallbackRenderer: 'simple',
    rendererOptions: { collapseSubtasks: false, showErrorMessage: true },
  });
  const done = list.run().then(
    () => undefined,
    () => undefined,
  );
  return { onEvent, done };
}

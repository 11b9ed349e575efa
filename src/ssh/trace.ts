// `--verbose`: every command haops runs over SSH, said as it starts and as it ends (host, time,
// exit code). One hook, set by the CLI, called from the one place commands are run (connect.ts).

export type TraceEvent =
  | { kind: 'start'; host: string; command: string; root: boolean; at: Date }
  | { kind: 'end'; host: string; command: string; code: number | null; durationMs: number; at: Date };

let tracer: ((e: TraceEvent) => void) | null = null;

/** Sets (or with null, clears) where SSH commands are reported. */
export function traceCommands(fn: ((e: TraceEvent) => void) | null): void {
  tracer = fn;
}

export function trace(e: TraceEvent): void {
  tracer?.(e);
}

/** One event as lines for stderr: `TIME HOST$ command` (continuation lines indented), or its end. */
export function formatTrace(e: TraceEvent): string {
  const head = `${e.at.toISOString()} ${e.host}`;
  if (e.kind === 'end') return `${head}: ${e.code === null ? 'failed to run' : `exit ${e.code}`} after ${e.durationMs} ms`;
  const [first, ...rest] = e.command.split('\n');
  return [`${head}${e.root ? '#' : '$'} ${first}`, ...rest.map((l) => `    ${l}`)].join('\n');
}

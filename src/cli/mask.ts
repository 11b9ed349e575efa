// Secrets never reach the terminal: while a command that holds them runs, everything written to
// stdout and stderr (ours, listr2's, a library's) has them replaced — a JSON document (one
// `--json` write) in its strings only, so it stays valid JSON (core/mask.ts).
import { maskOutput } from '../core/mask.js';

/** Masks process.stdout/stderr until the returned function is called; `secrets` may grow meanwhile. */
export function masked(secrets: string[]): () => void {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write.bind(s));
  streams.forEach((s, i) => {
    s.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
      return (originals[i] as (...a: unknown[]) => boolean)(maskOutput(text, secrets), ...rest);
    }) as typeof s.write;
  });
  return () => {
    streams.forEach((s, i) => {
      s.write = originals[i] as typeof s.write;
    });
  };
}

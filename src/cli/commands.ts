// Commands that talk to nodes or the lab, registered onto the program.
import type { Command } from 'commander';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  setCode: (c: number) => void;
}

export function register(program: Command, io: CliIo): void {
  void program;
  void io;
}

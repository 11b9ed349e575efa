// Flags every command that talks to nodes takes, declared once.
import type { Command } from 'commander';

export function nodeOptions(c: Command): Command {
  return c
    .option('--accept-new', 'record unknown host keys in known_hosts (a changed key is always refused)')
    .option('--ssh-config <file>', 'ssh config file (default ~/.ssh/config)')
    .option('--connect-timeout <seconds>', 'SSH connect timeout', '10');
}

// `haops completion bash|zsh|fish`: a completion script written from the command tree itself,
// so a new command or flag completes without anyone editing a script.
import type { Command, Option } from 'commander';
import { UsageError } from '../core/errors.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

interface Cmd {
  /** Words to reach it: ['deploy'] or ['lab', 'up']. */
  path: string[];
  description: string;
  options: { flag: string; description: string; takesValue: boolean }[];
  /** Takes positional arguments (inventory, playbook, node): complete file names. */
  files: boolean;
  subcommands: string[];
}

function walk(c: Command, path: string[] = []): Cmd[] {
  const here: Cmd[] = path.length
    ? [
        {
          path,
          description: c.description(),
          options: c.options
            .filter((o: Option) => o.long)
            .map((o: Option) => ({ flag: o.long!, description: o.description, takesValue: o.required || o.optional })),
          files: c.registeredArguments.length > 0,
          subcommands: c.commands.map((s) => s.name()),
        },
      ]
    : [];
  return [...here, ...c.commands.flatMap((s) => walk(s, [...path, s.name()]))];
}

export function completionScript(program: Command, shell: string): string {
  const cmds = walk(program);
  const top = program.commands.map((c) => c.name());
  if (shell === 'bash') return bash(cmds, top);
  if (shell === 'zsh') return zsh(cmds);
  if (shell === 'fish') return fish(cmds);
  throw new UsageError(`completion ${shell}: unknown shell`, `use one of: ${SHELLS.join(', ')}`);
}

const squote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(cmds: Cmd[], top: string[]): string {
  const cases = cmds
    .map((c) => {
      const words = [...c.options.map((o) => o.flag), '--help', ...c.subcommands].join(' ');
      return `    ${squote(c.path.join(' '))}) words=${squote(words)}; files=${c.files ? 1 : 0} ;;`;
    })
    .join('\n');
  return `# bash completion for haops: source <(haops completion bash)
_haops() {
  local cur=\${COMP_WORDS[COMP_CWORD]} path='' words='' files=0 i w
  # The command words typed so far (skipping flags and their values is good enough here).
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    [[ $w == -* ]] && continue
    case "\${path:+$path }$w" in
${cmds.map((c) => `      ${squote(c.path.join(' '))}) path=${squote(c.path.join(' '))} ;;`).join('\n')}
    esac
  done
  case "$path" in
    '') words=${squote([...top, '--help', '--version', '--verbose'].join(' '))} ;;
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  if [[ $files == 1 && $cur != -* ]]; then COMPREPLY+=($(compgen -f -- "$cur")); fi
}
complete -o filenames -F _haops haops
`;
}

/** zsh's _arguments spec text: brackets and colons in descriptions escaped. */
const zdesc = (s: string) => s.replace(/[[\]:\\']/g, (m) => (m === "'" ? `'\\''` : `\\${m}`));

function zsh(cmds: Cmd[]): string {
  const fn = (c: Cmd) => `_haops_${c.path.join('_').replace(/-/g, '_')}`;
  const list = (cs: Cmd[]) => cs.map((c) => `'${c.path[c.path.length - 1]}:${zdesc(c.description)}'`).join(' ');
  const bodies = cmds.map((c) => {
    const subs = cmds.filter((s) => s.path.length === c.path.length + 1 && s.path.join(' ').startsWith(`${c.path.join(' ')} `));
    const opts = c.options.map((o) => `'${o.flag}[${zdesc(o.description)}]${o.takesValue ? ':value:' : ''}'`);
    const tail = subs.length ? [`'1:command:->sub'`, `'*::arg:->args'`] : c.files ? [`'*:file:_files'`] : [];
    const dispatch = subs.length
      ? `
  case $state in
    sub) local -a subs; subs=(${list(subs)}); _describe command subs ;;
    args) case $words[1] in
${subs.map((s) => `      ${s.path[s.path.length - 1]}) ${fn(s)} ;;`).join('\n')}
    esac ;;
  esac`
      : '';
    return `${fn(c)}() {
  _arguments -C ${[...opts, ...tail].join(' ')}${dispatch}
}`;
  });
  const tops = cmds.filter((c) => c.path.length === 1);
  return `#compdef haops
# zsh completion for haops: source <(haops completion zsh)
${bodies.join('\n')}
_haops() {
  _arguments -C '--verbose[print every SSH command with host and time on stderr]' '(- *)'{-V,--version}'[print the version]' '1:command:->cmd' '*::arg:->args'
  case $state in
    cmd) local -a cmds; cmds=(${list(tops)}); _describe command cmds ;;
    args) case $words[1] in
${tops.map((c) => `      ${c.path[0]}) ${fn(c)} ;;`).join('\n')}
    esac ;;
  esac
}
if (( $+functions[compdef] )); then compdef _haops haops; fi
`;
}

function fish(cmds: Cmd[]): string {
  const lines = [
    '# fish completion for haops: haops completion fish > ~/.config/fish/completions/haops.fish',
    'complete -c haops -f',
    "complete -c haops -n __fish_use_subcommand -l verbose -d 'print every SSH command with host and time on stderr'",
    "complete -c haops -n __fish_use_subcommand -s V -l version -d 'print the version'",
  ];
  for (const c of cmds) {
    const [first, ...rest] = c.path;
    if (!rest.length) lines.push(`complete -c haops -n __fish_use_subcommand -a ${first} -d ${squote(c.description)}`);
    else
      lines.push(
        `complete -c haops -n ${squote(
          `__fish_seen_subcommand_from ${first}; and not __fish_seen_subcommand_from ${cmds
            .filter((s) => s.path.length === 2 && s.path[0] === first)
            .map((s) => s.path[1])
            .join(' ')}`,
        )} -a ${rest[0]} -d ${squote(c.description)}`,
      );
    const when = squote(`__fish_seen_subcommand_from ${c.path[c.path.length - 1]}`);
    for (const o of c.options)
      lines.push(`complete -c haops -n ${when} -l ${o.flag.slice(2)}${o.takesValue ? ' -r' : ''} -d ${squote(o.description)}`);
    if (c.files && !c.subcommands.length) lines.push(`complete -c haops -n ${when} -F`);
  }
  return `${lines.join('\n')}\n`;
}

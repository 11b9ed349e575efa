// keepalived.conf as keepalived reads it: words and quoted strings, `{ }` blocks, comments from
// `#` or `!` to the end of the line, and `include GLOB` (relative to the including file's
// directory, matches in sorted order). Pure: the files arrive as a map of path -> text.
import { posix } from 'node:path';

/** Where a keyword was written: the file and its 1-based line. */
export interface At {
  file: string;
  line: number;
}

export interface KaNode {
  keyword: string;
  args: string[];
  /** Set for a block (`keyword args { ... }`), even an empty one. */
  children?: KaNode[];
  at: At;
}

interface Token {
  text: string;
  quoted: boolean;
  at: At;
}

/** One file's tokens, line by line (a keyword's arguments end at the end of its line). */
function tokenize(file: string, text: string): Token[][] {
  const lines: Token[][] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const at = { file, line: i + 1 };
    const tokens: Token[] = [];
    let j = 0;
    while (j < raw.length) {
      const c = raw[j]!;
      if (c === '#' || c === '!') break;
      if (/\s/.test(c)) {
        j++;
        continue;
      }
      if (c === '{' || c === '}') {
        tokens.push({ text: c, quoted: false, at });
        j++;
        continue;
      }
      if (c === '"') {
        const end = raw.indexOf('"', j + 1);
        const stop = end < 0 ? raw.length : end;
        tokens.push({ text: raw.slice(j + 1, stop), quoted: true, at });
        j = stop + 1;
        continue;
      }
      let k = j;
      while (k < raw.length && !/[\s{}#!"]/.test(raw[k]!)) k++;
      tokens.push({ text: raw.slice(j, k), quoted: false, at });
      j = k;
    }
    if (tokens.length) lines.push(tokens);
  });
  return lines;
}

/** A shell-style glob (`*`, `?`, `[...]`; no `/` crossing) as a regular expression. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export interface ParsedConf {
  nodes: KaNode[];
  /** Every file read, in the order keepalived reads them. */
  files: string[];
  /** Includes that matched no file, braces that do not balance: what keepalived would log. */
  problems: { message: string; at: At }[];
}

/**
 * Parses `main` and everything it includes. `files` maps every path the node sent to its text
 * (a path absent from the map does not exist).
 */
export function parseKeepalivedConf(main: string, files: ReadonlyMap<string, string>): ParsedConf {
  const problems: ParsedConf['problems'] = [];
  const read: string[] = [];
  // Tokens of a file with its includes spliced in, as keepalived's reader does.
  const expand = (path: string, depth: number): Token[][] => {
    const text = files.get(path);
    if (text === undefined) return [];
    read.push(path);
    const out: Token[][] = [];
    for (const line of tokenize(path, text)) {
      if (line[0]!.text === 'include' && !line[0]!.quoted) {
        for (const pattern of line.slice(1).map((t) => t.text)) {
          const abs = pattern.startsWith('/') ? pattern : posix.join(posix.dirname(path), pattern);
          const re = globToRegExp(abs);
          const matches = [...files.keys()].filter((f) => re.test(f)).sort();
          if (!matches.length) problems.push({ message: `include ${pattern} matches no file`, at: line[0]!.at });
          if (depth > 8) {
            problems.push({ message: `include ${pattern} nests deeper than 8 files`, at: line[0]!.at });
            continue;
          }
          for (const m of matches) out.push(...expand(m, depth + 1));
        }
        continue;
      }
      out.push(line);
    }
    return out;
  };
  const tokens = expand(main, 0).flat();
  let i = 0;
  const block = (closeAt?: At): KaNode[] => {
    const nodes: KaNode[] = [];
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (t.text === '}' && !t.quoted) {
        i++;
        if (!closeAt) problems.push({ message: 'a } closes no block', at: t.at });
        else return nodes;
        continue;
      }
      if (t.text === '{' && !t.quoted) {
        // An anonymous block (virtual_ipaddress's values on the next line): children of the previous keyword.
        i++;
        const prev = nodes[nodes.length - 1];
        const kids = block(t.at);
        if (prev && !prev.children) prev.children = kids;
        continue;
      }
      const node: KaNode = { keyword: t.text, args: [], at: t.at };
      i++;
      while (i < tokens.length && tokens[i]!.at === t.at && !(tokens[i]!.text === '{' && !tokens[i]!.quoted)) {
        if (tokens[i]!.text === '}' && !tokens[i]!.quoted) break;
        node.args.push(tokens[i]!.text);
        i++;
      }
      if (i < tokens.length && tokens[i]!.text === '{' && !tokens[i]!.quoted) {
        const open = tokens[i]!.at;
        i++;
        node.children = block(open);
      }
      nodes.push(node);
    }
    if (closeAt) problems.push({ message: 'this { is never closed', at: closeAt });
    return nodes;
  };
  const nodes = block();
  return { nodes, files: read, problems };
}

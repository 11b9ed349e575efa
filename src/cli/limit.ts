// --limit, one parser and matcher for every command that touches nodes: host names, pair names
// and globs (`*`, `?`, `[...]`) over both; a pair name stands for its two nodes.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { Model, PairModel } from '../model/derive.js';

/** Repeatable, and each value a comma list: `--limit lab --limit 'web-*'` or `--limit lab,web-*`. */
export const collectLimit = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

export const LIMIT_HELP = 'only these hosts: host names, pair names or globs like web-* (repeatable, or a comma list)';

export function limitOption(c: Command): Command {
  return c.option('--limit <hosts>', LIMIT_HELP, collectLimit);
}

function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * The hosts a --limit selects, in inventory order; undefined when no --limit was given (all).
 * A pattern that matches no host and no pair is bad input, naming what there is.
 */
export function selectHosts(model: Model, patterns: string[] | undefined): string[] | undefined {
  if (!patterns?.length) return undefined;
  const chosen = new Set<string>();
  for (const p of patterns) {
    const re = globRegExp(p);
    const hosts = model.nodes.filter((n) => re.test(n.host)).map((n) => n.host);
    const pairs = model.pairs.filter((pair) => re.test(pair.name));
    for (const h of [...hosts, ...pairs.flatMap((pair) => pair.nodes)]) chosen.add(h);
    if (!hosts.length && !pairs.length)
      throw new UsageError(
        `--limit ${p}: matches no host and no pair of the inventory`,
        `use host names (${model.nodes.map((n) => n.host).join(', ')}), pair names (${model.pairs.map((x) => x.name).join(', ')}) or a glob over them`,
      );
  }
  return model.nodes.map((n) => n.host).filter((h) => chosen.has(h));
}

/** The pairs that hold at least one selected host (all when no --limit). */
export function selectPairs(model: Model, patterns: string[] | undefined): PairModel[] {
  const hosts = selectHosts(model, patterns);
  return hosts ? model.pairs.filter((p) => p.nodes.some((n) => hosts.includes(n))) : model.pairs;
}

/**
 * For commands that work on one pair (drill, soak, switchover): --pair, else the one pair --limit
 * selects, else the first. A --limit over several pairs is refused: it would be a guess.
 */
export function onePair(model: Model, pairFlag: string | undefined, limit: string[] | undefined): PairModel {
  if (pairFlag) {
    const pair = model.pairs.find((p) => p.name === pairFlag);
    if (!pair) throw new UsageError(`--pair ${pairFlag}: no such pair`, `use one of: ${model.pairs.map((p) => p.name).join(', ')}`);
    if (limit?.length && !selectPairs(model, limit).includes(pair))
      throw new UsageError(`--pair ${pairFlag} is outside --limit ${limit.join(',')}`, 'drop one of the two, or make them agree');
    return pair;
  }
  const pairs = selectPairs(model, limit);
  if (limit?.length && pairs.length > 1)
    throw new UsageError(
      `--limit ${limit.join(',')}: selects ${pairs.length} pairs (${pairs.map((p) => p.name).join(', ')}); this command works on one`,
      'name one pair with --pair NAME or --limit NAME',
    );
  const pair = pairs[0];
  if (!pair) throw new UsageError('the inventory has no pair');
  return pair;
}

/**
 * `--site NAME`: the pair as the drill and the switchover see it, probing that site of
 * nginx.sites instead of the default one. Without the flag, the pair as it is.
 */
export function withSite(pair: PairModel, site: string | undefined): PairModel {
  if (site === undefined) return pair;
  const names = pair.sites.flatMap((s) => (s.site ? [s.site] : []));
  const health = pair.sites.find((s) => s.site === site);
  if (!health)
    throw new UsageError(
      `--site ${site}: ${names.length ? `no such site in pair ${pair.name}` : `pair ${pair.name} has no nginx.sites`}`,
      names.length ? `use one of: ${names.join(', ')}` : 'leave --site out: the pair has one site',
    );
  return { ...pair, health };
}

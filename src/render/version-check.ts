// What one node's rendered keepalived.conf would lose on the keepalived it is for: a keyword the
// release's parser lacks, a value it would truncate, round or drop, script_user where it does not
// exist. Pure; render refuses with it on a known version, validate reports it for every node.
import type { NodeModel } from '../model/derive.js';
import { ASSUMED_KEEPALIVED, describeVersion } from '../model/keepalived-versions.js';
import { knows, syntaxProblems } from '../model/keepalived-syntax.js';

export interface VersionRefusal {
  message: string;
  fix: string;
}

export function versionRefusals(node: NodeModel, conf: string, version: string | null | undefined): VersionRefusal[] {
  const v = version ?? ASSUMED_KEEPALIVED.version;
  const out: VersionRefusal[] = [];
  if (node.scriptUser && !knows(v, 'global_defs', 'script_user'))
    out.push({
      message: `script_user ${node.scriptUser}: keepalived ${describeVersion(v)} has no script_user, so every script runs as root`,
      fix: 'remove script_user (scripts run as root on this keepalived), or upgrade keepalived to 1.3.0+',
    });
  for (const p of syntaxProblems(conf, v)) out.push({ message: `${p.where}: ${p.message}`, fix: p.fix });
  return out;
}

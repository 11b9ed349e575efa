// Deploy's pure half. A HostSpec is what one host should be, as data (the playbook, the node's
// model, the check to prove); planDeployHost turns it and the facts gathered on the host into
// the host's whole plan: every step in order, the injected ones included (the archive repo file,
// EL repositories, firewall and SELinux, the fast profile's drop-in), with the notes that say
// why. `deploy --check` reports this plan; the engine applies it. Nothing here does I/O.
import type { CheckSpec } from '../inventory/schema.js';
import type { Model, NodeModel } from '../model/derive.js';
import { targetOf } from '../model/profile.js';
import { fitNode } from '../render/keepalived.js';
import { ARCHIVE_REPO_FILE } from '../ops/el.js';
import { planNode } from '../ops/plan.js';
import type { Change, Facts, WantedState } from '../core/state.js';
import { wantedState, type Playbook } from './playbook.js';

/** The tracked check, proven on the node as keepalived will run it before keepalived.conf goes live. */
export interface ProofSpec {
  check: Pick<CheckSpec, 'name' | 'script'>;
  scriptUser?: string;
}

/** One host of a run, as data: where it sits and what it should look like. */
export interface HostSpec {
  pair: string;
  name: string;
  role: string;
  /** Packages, services and file paths (no contents): what the facts script asks about. */
  skeleton: WantedState;
  /**
   * What the wanted state is rendered from, for the keepalived found on the node (and where it
   * runs). Absent: the skeleton is the whole wanted state (a literal one, as tests give).
   */
  render?: { playbook: Playbook; node: NodeModel; model: Model };
  /** The check to prove before any file goes live (absent: none, e.g. track_process or no VIP check). */
  proof?: ProofSpec;
  /** What keepalived runs as root on this node and what it writes: checked for ownership in the facts round trip. */
  trusted?: string[];
  /** Script appended to the facts round trip that reads who holds the VIPs (absent: not read). */
  vipProbe?: string;
}

/** A host's plan for the facts it was planned from. */
export interface HostPlan {
  /** The wanted state, rendered once for these facts. */
  wanted: WantedState;
  /** Every step in order, the install phase first. */
  changes: Change[];
  /**
   * The install phase (archive repo file, EL repositories, packages): applied first; the facts are
   * then gathered again and the rest planned anew, so files fit the keepalived just installed.
   */
  install: Change[];
  /** What this node's keepalived.conf fell back to (a fast profile on an older keepalived, a container). */
  notes: string[];
  /** What haops does (or leaves alone) on this node's system and why: SELinux, repositories, streams (EL). */
  systemNotes: string[];
}

const inInstallPhase = (c: Change) =>
  c.kind === 'packages' || (c.kind === 'file' && c.file.path === ARCHIVE_REPO_FILE) || (c.kind === 'system' && c.area === 'repos');

/** The plan of one host from its facts; throws RefusalError (EL) or FailoverFitError (render). */
export function planDeployHost(spec: HostSpec, facts: Facts): HostPlan {
  // The install phase from the skeleton alone (what the inventory asks, before anything is
  // rendered): an EL refusal (a check SELinux makes impossible, a mirror yum cannot reach)
  // stops the host here, before any change.
  const repoFiles = spec.skeleton.files.filter((f) => f.path === ARCHIVE_REPO_FILE);
  const first = planNode({ ...spec.skeleton, services: [], files: repoFiles }, facts);
  const target = targetOf(facts.keepalivedVersion, facts.container, facts.init, facts.os.family);
  const r = spec.render;
  // The site fits the nginx installed (planned again after the install phase, so a fresh node's too).
  const nginx = facts.nginxVersion ? { nginxVersion: facts.nginxVersion } : {};
  const wanted = r ? wantedState(r.playbook, r.node, r.model, { ...target, ...nginx }) : spec.skeleton;
  // Only when keepalived is there to fit to; a failover setting it cannot take fails in render.
  const notes = r && facts.keepalivedVersion ? fitNode(r.node, target).fallbacks : [];
  const { changes, systemNotes } = planNode(wanted, facts);
  return {
    wanted,
    changes,
    install: first.changes.filter(inInstallPhase),
    notes,
    systemNotes: [...new Set([...first.systemNotes, ...systemNotes])],
  };
}

// dependency-cruiser (`npm run deps`): the import graph of haops has no loop, and no part imports
// one above it. Layers, bottom to top: every folder under src/ has a rank (a folder without one
// fails), a part imports only parts of a lower rank or its own; parts on one rank may import each
// other (one way: the loop rule catches both ways). test/ may import anything but bench/; src/ never
// imports test/ or bench/; bench/ may use the simulated hosts in test/sim/. docs/architecture.md draws the same table.
/** @type {[string, number][]} folder under src/ (or top-level folder), rank */
const LAYERS = [
  ['src/core', 0], // state vocabulary, shell quoting and sections, polling: imports nothing of ours
  ['src/ssh', 1], // one connection, its channels, sudo, host keys
  ['src/inventory', 1], // load, schema, cross-checks
  ['src/protocol', 1], // the node protocol: every node-side script as an asset with its parser
  ['src/model', 2], // nodes and pairs derived from the inventory, failover math
  ['src/nodes', 3], // one SSH connection per inventory host (connector, prompts)
  ['src/render', 3], // keepalived.conf, nginx site, notify script, drain hook: text from the model
  ['src/facts', 4], // what a node is: the facts script and its parser, the check proof
  ['src/platforms', 4], // commands per OS family and init system
  ['src/ops', 5], // plan (pure: wanted + facts -> changes) and apply (one change through a Host)
  ['src/import', 5], // haops import: reads a running pair; deploy --check compares its keepalived.conf
  ['src/runner', 6], // deploy: host-plan.ts (pure), engine.ts (one host), deploy.ts (the fleet)
  ['src/status', 7], // haops status: who holds each VIP, the daemons, HTTP through the VIP
  ['src/measure', 7], // the measuring room: HTTP probes, VIP and neighbour watches, the clock, traces and the HTML report
  ['src/notify', 7], // notification channels, the collector, notify-test
  ['src/drill', 8], // the failover drill
  ['src/soak', 8], // watches an idle pair with the measuring room's VIP monitor parser
  ['src/switchover', 8], // drain, undrain, switchover
  ['src/lab', 8], // the lab: nodes under systemd-nspawn on this machine
  ['src/cli', 9], // one file per command: parse flags, call a part, print
  ['bench', 10], // benchmarks and their simulated fleet (the hosts themselves are test/sim/'s)
];

const path = (folder) => `^${folder}/`;
const above = (rank) => LAYERS.filter(([, r]) => r > rank).map(([f]) => path(f));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import loop: move what both sides need down a layer (src/core for shared types).',
      from: {},
      to: { circular: true },
    },
    ...LAYERS.map(([folder, rank]) => ({
      name: `layer-${folder.replace(/\//g, '-')}`,
      severity: 'error',
      comment: `${folder} (rank ${rank}) imports a higher layer: invert the arrow (pass a value or callback in, or move the shared part down).`,
      from: { path: path(folder) },
      to: { path: above(rank).length ? above(rank) : ['^$'] },
    })),
    {
      name: 'drill-switchover-side-by-side',
      severity: 'error',
      comment: 'The drill and the switchover stand side by side over the measuring room (src/measure): neither imports the other; move what both need into src/measure.',
      from: { path: '^src/(drill|switchover|soak)/' },
      to: { path: '^src/(drill|switchover|soak)/', pathNot: '^src/$1/' },
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'Production code never imports tests or benchmarks.',
      from: { path: '^src/' },
      to: { path: ['^test/', '^bench/'] },
    },
    {
      name: 'bench-not-to-test',
      severity: 'error',
      comment: 'bench/ runs shipped code; of the tests it may use only the simulated hosts (test/sim/, not its *.test.ts).',
      from: { path: '^bench/' },
      to: { path: '^test/', pathNot: '^test/sim/(?!.*[.]test[.]ts$)' },
    },
    {
      name: 'test-not-to-bench',
      severity: 'error',
      comment: 'Tests never import benchmarks: what both need (the simulated hosts) lives in test/sim/.',
      from: { path: '^test/' },
      to: { path: '^bench/' },
    },
    {
      name: 'part-without-a-layer',
      severity: 'error',
      comment: 'A folder under src/ that is not in the layer table of .dependency-cruiser.cjs: give it a rank.',
      from: { path: '^src/', pathNot: LAYERS.map(([f]) => path(f)) },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^node_modules/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
// The layer table for test/scripts/architecture-doc.test.ts, not enumerable: dependency-cruiser refuses unknown keys.
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS, enumerable: false });

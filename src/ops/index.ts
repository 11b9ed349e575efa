// Operations: plan (pure) and apply (through a Host).
export { planHost, sha256 } from './plan.js';
export { applyChange } from './apply.js';
export { fileDiff } from './diff.js';
export type * from '../core/state.js';

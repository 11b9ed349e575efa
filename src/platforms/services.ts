// Service actions for commands built before the node's init system is known: their shell text is
// the protocol room's (protocol/init.ts: the systemd-or-SysV test; protocol/service.ts: starting,
// stopping and asking), named here too for the callers that reach for platforms.
export { byInit, IS_SYSTEMD } from '../protocol/init.js';
export { runningLine, saysRunning, serviceAction, serviceActive, waitGone } from '../protocol/service.js';

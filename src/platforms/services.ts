// Service actions for commands built before the node's init system is known: their shell text is
// the protocol room's (protocol/init.ts), named here too for the callers that reach for platforms.
export { byInit, IS_SYSTEMD, serviceAction, serviceActive, waitGone } from '../protocol/init.js';

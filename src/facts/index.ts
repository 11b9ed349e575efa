// Facts: what a host looks like, learned in one round trip.
export { gatherFacts, fetchContents } from './gather.js';
export { parseFacts, parseKeepalivedVersion, FactsError } from './parse.js';
export { factsScript } from './script.js';
export { detectOs } from './os.js';

// ES module entry: the CommonJS build re-exported with named exports.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const lib = require('./dist/api/index.js');

export const {
  Ring,
  Chain,
  ChainFile,
  Server,
  Connection,
  localAddress,
  remoteAddress,
  Stats,
  AbortError,
  ChainError,
  isAddonLoaded,
  isIoUringAvailable,
  DurableLog,
  RingDestination,
  RingWriteStream,
  destination,
  createWriteStream,
  createFs,
} = lib;
export default lib;

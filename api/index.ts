// uring-loop: Linux io_uring on Node's own event loop.
export { Ring, type RingOptions, type OpOptions, type RingStats, type WriteOptions } from './ring';
export { Chain, type ChainOpOptions, type RunOptions } from './chain';
export { ChainFile } from '../loop/chain-file';
export { Server, type AddressInfo } from './net/server';
export { Connection } from './net/connection';
export { localAddress, remoteAddress } from './net/names';
export type { ListenOptions, ConnectOptions, ConnectionOptions } from './net/options';
export type { BindAddress } from '../loop/ops/bind';
export type { RecvOptions } from '../loop/ops/net-common';
export { Stats } from '../loop/stats';
export { createFs, type FsPromises } from './fs/create-fs';
export type { IowqLimits } from '../loop/iowq';
export {
  AbortError,
  ChainError,
  type ErrnoError,
  type ShortIoError,
  type SettledResult,
} from '../loop/errors';
import { loadAddon } from '../loop/binding';
import { probeIoUring } from '../loop/uring-backend';

let available: boolean | undefined;

/** Whether io_uring works here: the addon loaded and the kernel lets this process create a ring. */
export function isIoUringAvailable(): boolean {
  available ??= probeIoUring();
  return available;
}

/** Whether the native addon loaded (io_uring may still be refused by the kernel). */
export function isAddonLoaded(): boolean {
  return loadAddon() !== undefined;
}
export {
  DurableLog,
  type AppendResult,
  type DurableLogStats,
  type DurableLogOptions,
  type LogRecord,
  type ReadOptions,
  type RecoveryReport,
  type DropReason,
} from './log';
export {
  RingDestination,
  RingWriteStream,
  destination,
  createWriteStream,
  type DestinationOptions,
  type WriteStreamOptions,
} from './stream';

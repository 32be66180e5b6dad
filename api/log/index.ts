export { DurableLog } from './durable-log';
export type {
  AppendResult,
  DurableLogStats,
  DurableLogOptions,
  LogRecord,
  ReadOptions,
  RecoveryReport,
} from './durable-log';
export type { DropReason } from './recovery';

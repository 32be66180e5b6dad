export { RingDestination, destination } from './destination';
export { RingWriteStream, createWriteStream, type WriteStreamOptions } from './write-stream';
export type { DestinationOptions } from './options';

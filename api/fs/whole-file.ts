// PLACEHOLDER, replaced by the one-submission whole-file calls when the branches are merged:
// readFile, writeFile and appendFile on a path, delegated to node:fs/promises.
import * as nodeFs from 'node:fs/promises';
import type { RingOf } from './ring-of';

type Call = (...args: unknown[]) => Promise<unknown>;

function delegated(fn: Call) {
  return (ringOf: RingOf): Call => {
    void ringOf;
    return Object.defineProperty((...args: unknown[]) => fn(...args), 'name', { value: fn.name });
  };
}

export const readFileOn = delegated(nodeFs.readFile as Call);
export const writeFileOn = delegated(nodeFs.writeFile as Call);
export const appendFileOn = delegated(nodeFs.appendFile as Call);

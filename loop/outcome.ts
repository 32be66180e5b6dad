// Turns a finished request into its value or its error; shared by both backends.
import {
  AbortError,
  ECANCELED,
  EINTR,
  canceledByShutdown,
  errnoError,
  shortIoError,
  timeoutError,
} from './errors';
import type { Request } from './request';

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Whether the request succeeded, as outcomeOf() would say, without making its value. */
export function succeeded(req: Request, inChain: boolean): boolean {
  const kind = req.kind;
  const res = kind.normalize ? kind.normalize(req.res) : req.res;
  if (res < 0) return false;
  return !inChain || !kind.expected || req.hardlink || res >= kind.expected(req);
}

export function outcomeOf(req: Request, inChain: boolean): Outcome {
  const kind = req.kind;
  const res = kind.normalize ? kind.normalize(req.res) : req.res;
  if (res >= 0) {
    // A hardlinked op reads or writes "up to N": a short result is its value.
    if (inChain && kind.expected && !req.hardlink) {
      const expected = kind.expected(req);
      if (res < expected) return { ok: false, error: shortIoError(kind.name, res, expected) };
    }
    return { ok: true, value: kind.result(req, res) };
  }
  if (req.timedOut && (res === ECANCELED || res === EINTR)) {
    return { ok: false, error: timeoutError(kind.name, req.timeout, req.path) };
  }
  if (req.aborted && (res === ECANCELED || res === EINTR)) {
    const signal = req.signal ?? req.chain?.signal;
    return { ok: false, error: new AbortError(undefined, { cause: signal?.reason }) };
  }
  if (req.shutdown && res === ECANCELED) {
    return { ok: false, error: canceledByShutdown(kind.name, req.path) };
  }
  return { ok: false, error: errnoError(res, kind.name, req.path, req.dest) };
}

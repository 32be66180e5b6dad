// Parses a human duration for command-line flags: "1500ms", "30s", "10m", "1h", "1m30s".
// A bare number means seconds. Returns milliseconds; throws a RangeError on anything else.
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text) {
  const input = String(text).trim();
  if (/^\d+(\.\d+)?$/.test(input)) return Math.round(Number(input) * 1000);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = part.exec(input); m; m = part.exec(input)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    matched = part.lastIndex;
  }
  if (input === '' || matched !== input.length) {
    throw new RangeError(`not a duration: ${JSON.stringify(text)} (use e.g. 30s, 10m, 1h, 1m30s)`);
  }
  return Math.round(total);
}

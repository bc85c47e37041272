// Axis ticks at round numbers.

/** niceTicks returns about count round values covering [lo, hi]. */
export function niceTicks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

/** logTicks returns at most count whole exponents in [lo, hi] (log10 of the
 * values), a round number of decades apart (1, 2, 5, 10, 20, 50, …), so
 * that a wide axis reads 1e-50, 1e-100 rather than 1e-51, 1e-123. */
export function logTicks(lo, hi, count) {
  const a = Math.ceil(lo - 1e-9), b = Math.floor(hi + 1e-9);
  if (b - a < 2) {
    // Two decades or less: 1, 2 and 5 times the powers of ten, or, within
    // a decade, round values; as log10.
    const out = [];
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
      for (const m of [1, 2, 5]) {
        const t = k + Math.log10(m);
        if (t >= lo - 1e-9 && t <= hi + 1e-9) out.push(t);
      }
    }
    if (out.length >= 2 && out.length <= count) return out;
    if (out.length > count) return out.filter((t) => Number.isInteger(Math.round(t * 1e9) / 1e9));
    return niceTicks(Math.pow(10, lo), Math.pow(10, hi), Math.max(2, count - 1)).filter((v) => v > 0).map(Math.log10);
  }
  let every = 1;
  for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500]) {
    every = m;
    if (Math.floor(b / m) - Math.ceil(a / m) + 1 <= count) break;
  }
  const out = [];
  for (let k = Math.ceil(a / every) * every; k <= b; k += every) out.push(k);
  return out;
}

/** formatTick writes a tick value briefly. */
export function formatTick(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace('.0e', 'e').replace('e+', 'e');
  return String(+v.toPrecision(3));
}

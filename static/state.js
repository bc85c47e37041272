// The page's state: what the race is (surface, racers, start, seed, clock,
// speed, tolerance), kept apart from the views and the socket. Specs are
// written in the NAME:key=value form that the server and `saddle run` read.

/** formatValue writes a parameter value as a spec writes it. */
export function formatValue(p, v) {
  if (p.kind === 'bool') return v ? 'true' : 'false';
  if (p.kind === 'choice') return String(v);
  return String(+Number(v).toPrecision(12));
}

/** specOf writes NAME:key=value,… with only the values that differ from their defaults. */
export function specOf(name, values, params) {
  const parts = [];
  for (const p of params) {
    if (!(p.name in values)) continue;
    const v = formatValue(p, values[p.name]);
    const def = p.kind === 'bool' ? (p.default === 'true' ? 'true' : 'false') : p.default;
    if (v !== def && !(p.kind !== 'choice' && p.kind !== 'bool' && Number(v) === Number(def) && !p.defaultText)) {
      parts.push(`${p.name}=${v}`);
    }
  }
  return parts.length ? `${name}:${parts.join(',')}` : name;
}

/** parseSpec reads NAME:key=value,… into {name, values}; values stay strings. */
export function parseSpec(spec) {
  const i = spec.indexOf(':');
  const name = (i < 0 ? spec : spec.slice(0, i)).trim();
  const values = {};
  if (i >= 0) {
    for (const pair of spec.slice(i + 1).split(',')) {
      const j = pair.indexOf('=');
      if (j > 0) values[pair.slice(0, j).trim()] = pair.slice(j + 1).trim();
    }
  }
  return { name, values };
}

/** The default race on a first visit. */
export function defaultState() {
  return {
    surface: { name: 'rosenbrock', values: {} },
    racers: [
      { id: 'r1', spec: 'momentum:lr=0.0015' },
      { id: 'r2', spec: 'adam:lr=0.05' },
      { id: 'r3', spec: 'bfgs' },
    ],
    start: null, // the surface's default start
    seed: 1,
    clock: 'iterations',
    speed: 30,
    tol: 1e-6,
  };
}

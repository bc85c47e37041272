// The page's state: what the race is (surface, racers, start, seed, clock,
// speed, tolerance), kept apart from the views and the socket. Specs are
// written in the NAME:key=value form that the server and `saddle run` read.

import { parse } from './spec.js';

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

/** parseSpec reads NAME:key=value,… into {name, values}; values stay strings.
 * A spec of a bad form keeps its name and no values (the server names what
 * is wrong with it). */
export function parseSpec(text) {
  const s = parse(text, ['f']);
  if (s.error) return { name: text.split(':')[0].trim(), values: {} };
  return { name: s.name, values: Object.fromEntries(s.pairs) };
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
    patience: 0,
  };
}

/** fromLesson is the race a lesson presets. */
export function fromLesson(lesson) {
  const st = defaultState();
  st.lesson = lesson.slug;
  st.surface = parseSpec(lesson.surface);
  st.racers = lesson.racers.map((spec, i) => ({ id: `r${i + 1}`, spec }));
  st.start = lesson.start || null;
  st.clock = lesson.clock || 'iterations';
  st.speed = lesson.speed || 30;
  return st;
}

const numbers = (text, n) => {
  if (text === null) return null;
  const v = text.split(',').map(Number);
  return v.length === n && v.every(Number.isFinite) ? v : null;
};

/**
 * fromURL reads a permalink: ?lesson=…&surface=SPEC&opt=SPEC&opt=…&start=x,y
 * &seed=S&clock=…&speed=…&tol=…&view=x0,x1,y0,y1&t=CLOCK. A lesson gives the
 * defaults; the other parameters override them.
 */
export function fromURL(search, lessons) {
  const q = new URLSearchParams(search);
  const lesson = lessons.find((l) => l.slug === q.get('lesson'));
  const st = lesson ? fromLesson(lesson) : defaultState();
  if (q.has('surface')) {
    st.surface = parseSpec(q.get('surface'));
    if (!q.has('start')) st.start = null;
  }
  if (q.has('opt')) st.racers = q.getAll('opt').map((spec, i) => ({ id: `r${i + 1}`, spec }));
  if (q.has('start')) st.start = (q.get('start') === '' ? null : q.get('start').split(',').map(Number));
  if (q.has('seed') && /^\d+$/.test(q.get('seed'))) st.seed = Number(q.get('seed'));
  if (q.has('clock')) st.clock = q.get('clock');
  if (q.has('speed') && Number(q.get('speed')) > 0) st.speed = Number(q.get('speed'));
  if (q.has('tol') && Number(q.get('tol')) >= 0) st.tol = Number(q.get('tol'));
  if (q.has('patience') && Number(q.get('patience')) >= 0) st.patience = Number(q.get('patience'));
  st.view = numbers(q.get('view'), 4);
  st.t = q.has('t') && Number(q.get('t')) > 0 ? Number(q.get('t')) : 0;
  return st;
}

/** toURL writes the state as a permalink's query string. */
export function toURL(st, surfaceSpec) {
  const q = new URLSearchParams();
  if (st.lesson) q.set('lesson', st.lesson);
  q.set('surface', surfaceSpec);
  for (const r of st.racers) q.append('opt', r.spec);
  if (st.start) q.set('start', st.start.map((v) => +v.toPrecision(17)).join(','));
  q.set('seed', String(st.seed));
  q.set('clock', st.clock);
  q.set('speed', String(+st.speed.toPrecision(4)));
  q.set('tol', String(st.tol));
  if (st.patience > 0) q.set('patience', String(st.patience));
  if (st.view) q.set('view', st.view.map((v) => +v.toPrecision(6)).join(','));
  if (st.t > 0) q.set('t', String(st.t));
  return '?' + q.toString();
}

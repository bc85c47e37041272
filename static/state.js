// The page's state: what the race is (surface, racers, start, seed, clock,
// speed, tolerance), kept apart from the views and the socket. Specs are
// written in the NAME:key=value form that the server and `saddle run` read.

import { parse } from './spec.js';

/** formatValue writes a parameter value as a spec writes it. */
export function formatValue(p, v) {
  // A box's value comes as the string 'false' too, which is truthy.
  if (p.kind === 'bool') return v === true || v === 'true' || v === '1' || v === 1 ? 'true' : 'false';
  if (p.kind === 'choice') return String(v);
  return String(+Number(v).toPrecision(12));
}

/** specOf writes NAME:key=value,… with only the values that differ from their defaults. */
export function specOf(name, values, params) {
  const parts = [];
  // A formula takes the rest of a spec, commas included: it comes last.
  const ordered = [...params.filter((p) => p.kind !== 'text'), ...params.filter((p) => p.kind === 'text')];
  for (const p of ordered) {
    if (!(p.name in values)) continue;
    if (p.kind === 'text') {
      if (values[p.name] !== p.default) parts.push(`${p.name}=${values[p.name]}`);
      continue;
    }
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
    curvature: true,
    mapBlur: null, // the map's own blur, for looking only; null follows the racers
    present: false, // presentation mode, for a projector
    inside: [], // the racers (ids) whose optimizer state is drawn on the map
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
  // A lesson's map shows the racers; the curvature is a click away.
  st.curvature = false;
  return st;
}

const numbers = (text, n) => {
  if (text === null) return null;
  const v = text.split(',').map(Number);
  return v.length === n && v.every(Number.isFinite) ? v : null;
};

/**
 * fromURL reads a permalink: ?lesson=…&surface=SPEC&opt=SPEC&opt=…&start=x,y
 * &seed=S&clock=…&speed=…&tol=…&patience=…&view=x0,x1,y0,y1&t=CLOCK
 * &map_blur=S&curvature=on|off&present=on|off. A lesson gives the defaults; the
 * other parameters override them. A part that cannot be right (an unknown
 * surface or clock, a number out of range) stays at its default, and
 * st.notes says so in words; what only the server can judge (a racer's or a
 * parameter's value) it judges when the race is configured.
 */
export function fromURL(search, reg) {
  const q = new URLSearchParams(search);
  const notes = [];
  const bad = (key, what) => notes.push(`${key}=${q.get(key).slice(0, 40)} is not accepted (${what}), so it is back to its default`);
  let lesson = null;
  if (q.has('lesson')) {
    lesson = reg.lessons.find((l) => l.slug === q.get('lesson'));
    if (!lesson) bad('lesson', 'no lesson has that name; the lessons are listed at /lessons');
  }
  const st = lesson ? fromLesson(lesson) : defaultState();
  if (q.has('surface')) {
    const s = parseSpec(q.get('surface'));
    if (reg.surfaces.some((x) => x.name === s.name)) {
      st.surface = s;
      if (!q.has('start')) st.start = null;
    } else bad('surface', `accepted surfaces: ${reg.surfaces.map((x) => x.name).join(', ')}`);
  }
  if (q.has('opt')) st.racers = q.getAll('opt').slice(0, reg.maxRacers).map((spec, i) => ({ id: `r${i + 1}`, spec }));
  if (q.getAll('opt').length > reg.maxRacers) notes.push(`a race has at most ${reg.maxRacers} racers, so the racers after the ${reg.maxRacers}th are left out`);
  if (q.has('start')) {
    const v = q.get('start') === '' ? [] : q.get('start').split(',').map(Number);
    if (v.length === 0) st.start = null;
    else if (v.every((x) => Number.isFinite(x) && Math.abs(x) <= reg.maxStart)) st.start = v;
    else bad('start', `the start is numbers x,y,… each of magnitude at most ${reg.maxStart}`);
  }
  const number = (key, ok, what, set) => {
    if (!q.has(key)) return;
    const v = Number(q.get(key));
    if (q.get(key) !== '' && ok(v)) set(v);
    else bad(key, what);
  };
  number('seed', (v) => Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER, 'a whole number ≥ 0', (v) => { st.seed = v; });
  if (q.has('clock')) {
    if (reg.clocks.includes(q.get('clock'))) st.clock = q.get('clock');
    else bad('clock', `accepted clocks: ${reg.clocks.join(', ')}`);
  }
  number('speed', (v) => v > 0 && v <= reg.maxSpeed, `a number in (0, ${reg.maxSpeed}]`, (v) => { st.speed = v; });
  number('tol', (v) => v >= 0 && v <= 1000, 'a number in [0, 1000]', (v) => { st.tol = v; });
  number('patience', (v) => v >= 0 && v <= 1e6, 'epochs in [0, 1e6]', (v) => { st.patience = v; });
  number('map_blur', (v) => v >= 0 && v <= 10, 'a blur in [0, 10]', (v) => { st.mapBlur = v; });
  number('t', (v) => v >= 0 && Number.isFinite(v), 'a clock value ≥ 0', (v) => { st.t = v; });
  st.t ||= 0;
  if (q.has('view')) {
    const v = numbers(q.get('view'), 4);
    if (v && v[1] > v[0] && v[3] > v[2] && v.every((x) => Math.abs(x) <= reg.maxStart)) st.view = v;
    else bad('view', 'the view is xmin,xmax,ymin,ymax with each maximum above its minimum');
  }
  st.view ||= null;
  for (const [key, set] of [['curvature', (on) => { st.curvature = on; }], ['present', (on) => { st.present = on; }]]) {
    if (!q.has(key)) continue;
    const v = q.get(key);
    if (['on', '1', 'true'].includes(v)) set(true);
    else if (['off', '0', 'false'].includes(v)) set(false);
    else bad(key, 'on or off');
  }
  if (q.has('inside')) {
    const ids = q.get('inside').split(',').filter((id) => id !== '');
    if (ids.every((id) => st.racers.some((r) => r.id === id))) st.inside = ids;
    else bad('inside', `racers' ids, ${st.racers.map((r) => r.id).join(', ')}`);
  }
  st.inside ||= [];
  st.notes = notes;
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
  if (st.mapBlur !== null) q.set('map_blur', String(st.mapBlur));
  if (st.present) q.set('present', 'on');
  if (st.curvature !== !st.lesson) q.set('curvature', st.curvature ? 'on' : 'off');
  if (st.view) q.set('view', st.view.map((v) => +v.toPrecision(6)).join(','));
  const inside = (st.inside || []).filter((id) => st.racers.some((r) => r.id === id));
  if (inside.length) q.set('inside', inside.join(','));
  if (st.t > 0) q.set('t', String(st.t));
  return '?' + q.toString();
}

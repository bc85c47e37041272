// The race page: wires the socket, the page state, the landscape, the
// racer cards, the charts and the leaderboard together.

import { Connection } from './socket.js';
import { defaultState, specOf, parseSpec } from './state.js';
import { Landscape } from './landscape.js';
import { Chart } from './charts.js';
import { RacerCard, surfaceParams } from './controls.js';
import { racerColor } from './colors.js';

const reg = JSON.parse(document.getElementById('registry').textContent);
const $ = (id) => document.getElementById(id);

const state = defaultState();
let gen = -1;
let playing = false;
let surfaceMsg = null;
const racers = new Map(); // id → the racer's data
const cards = new Map(); // id → RacerCard
let dirty = true;

// --- the socket -------------------------------------------------------------

const conn = new Connection(onMessage, onStatus, configure);

function onStatus(status, detail) {
  const el = $('connection');
  el.textContent = detail;
  el.dataset.status = status;
}

function send(msg) {
  conn.send(msg);
}

/** configure sends the whole race: on connecting, and when the surface changes. */
function configure() {
  send({
    type: 'configure', req: 'surface', surface: surfaceSpec(), start: state.start || undefined,
    seed: state.seed, clock: state.clock, speed: state.speed, tol: state.tol,
    racers: state.racers.map((r) => ({ id: r.id, opt: r.spec })),
  });
}

function surfaceSpec() {
  const info = reg.surfaces.find((s) => s.name === state.surface.name);
  return specOf(state.surface.name, state.surface.values, [...info.params, ...reg.common]);
}

function onMessage(msg) {
  switch (msg.type) {
    case 'state': return onState(msg);
    case 'surface': return onSurface(msg);
    case 'frame': return onFrame(msg);
    case 'error': return onError(msg);
  }
}

function onState(s) {
  clearErrors();
  if (s.gen !== gen) {
    gen = s.gen;
    racers.clear();
  }
  playing = s.playing;
  state.start = s.start;
  state.clock = s.clock;
  state.speed = s.speed;
  state.tol = s.tol;
  state.seed = s.seed;
  state.racers = s.racers.map((r) => ({ id: r.id, spec: r.opt }));
  $('play').textContent = playing ? 'Pause' : 'Play';
  $('play').setAttribute('aria-pressed', String(playing));
  $('clock').value = s.clock;
  $('speed').value = String(Math.log10(s.speed));
  $('tol').value = String(s.tol);
  showSpeed();
  if (s.message) $('connection').textContent = s.message;
  syncCards();
  landscape.setStart(s.start);
  dirty = true;
}

function onSurface(msg) {
  const same = surfaceMsg && surfaceMsg.spec === msg.spec;
  surfaceMsg = msg;
  landscape.setSurface(msg, same);
  $('surface-title').textContent = msg.title;
  $('surface-explain').textContent = msg.explain;
  $('surface-blur').textContent = msg.blur === 'none' ? '' : `Blur: ${msg.blur}.`;
  dirty = true;
}

function racerData(id) {
  let r = racers.get(id);
  if (!r) {
    r = { id, xs: [], iter: [], evals: [], cost: [], us: [], t: [], f: [], gnorm: [], eigT: [], eigMin: [], eigMax: [], curvT: [], gtg: [], gthg: [] };
    racers.set(id, r);
  }
  return r;
}

function onFrame(f) {
  if (f.gen !== gen) return;
  const dim = surfaceMsg ? surfaceMsg.dim : 2;
  for (const rf of f.racers) {
    const r = racerData(rf.id);
    for (const p of rf.points) {
      r.iter.push(p[0]);
      r.evals.push(p[1]);
      r.cost.push(p[1] + dim * p[2]);
      r.us.push(p[3]);
      r.f.push(p[4]);
      r.gnorm.push(p[5]);
      r.xs.push(p[6], p[7] ?? 0);
      r.t.push(clockOf(r, r.iter.length - 1));
    }
    r.diag = rf;
    r.status = rf.status;
    r.reason = rf.reason;
    r.reached = rf.reached;
    const t = clockOf(r, r.iter.length - 1);
    if (rf.eig && rf.eig.length) {
      r.eigT.push(t);
      r.eigMin.push(rf.eig[0]);
      r.eigMax.push(rf.eig[rf.eig.length - 1]);
    }
    r.curvT.push(t);
    r.gtg.push(rf.gTg);
    r.gthg.push(rf.gTHg);
  }
  dirty = true;
}

function clockOf(r, i) {
  if (state.clock === 'evaluations') return r.cost[i];
  if (state.clock === 'time') return r.us[i] / 1000;
  return r.iter[i];
}

function onError(e) {
  const where = document.querySelector(`[data-error-for="${CSS.escape(e.req || '')}"]`) || document.querySelector('[data-error-for="transport"]');
  where.textContent = e.message;
  where.classList.add('shown');
}

function clearErrors() {
  for (const el of document.querySelectorAll('.field-error.shown')) {
    el.textContent = '';
    el.classList.remove('shown');
  }
}

// --- the landscape ------------------------------------------------------------

const landscape = new Landscape($('landscape'), {
  onStart: (p) => {
    state.start = p;
    send({ type: 'start', req: 'transport', start: p });
  },
  onView: (box) => send({ type: 'view', req: 'transport', view: box }),
  onHover: (text) => { $('hover-info').textContent = text; },
});
$('zoom-in').addEventListener('click', () => landscape.zoom(1 / 1.25));
$('zoom-out').addEventListener('click', () => landscape.zoom(1.25));
$('zoom-fit').addEventListener('click', () => landscape.fit());

// --- the surface controls -------------------------------------------------------

const surfaceSelect = $('surface');
surfaceSelect.value = state.surface.name;
let surfaceTimer;
function buildSurfaceParams() {
  surfaceParams($('surface-params'), reg, state.surface.name, state.surface.values, () => {
    clearTimeout(surfaceTimer);
    surfaceTimer = setTimeout(configure, 250);
  });
}
surfaceSelect.addEventListener('change', () => {
  state.surface = { name: surfaceSelect.value, values: {} };
  state.start = null;
  buildSurfaceParams();
  configure();
});
buildSurfaceParams();

// --- the transport ------------------------------------------------------------

const UNITS = { iterations: 'iterations/s', evaluations: 'evaluations/s', time: 'µs of computing/s' };
function showSpeed() {
  $('speed-value').textContent = `${+state.speed.toPrecision(2)} ${UNITS[state.clock]}`;
}
function togglePlay() {
  send({ type: playing ? 'pause' : 'play', req: 'transport' });
}
$('play').addEventListener('click', togglePlay);
$('step').addEventListener('click', () => send({ type: 'step', req: 'transport' }));
$('reset').addEventListener('click', () => send({ type: 'reset', req: 'transport' }));
$('speed').addEventListener('input', () => {
  state.speed = Math.pow(10, Number($('speed').value));
  showSpeed();
  send({ type: 'speed', req: 'transport', speed: state.speed });
});
$('clock').addEventListener('change', () => send({ type: 'clock', req: 'transport', clock: $('clock').value }));
$('tol').addEventListener('change', () => {
  state.tol = Number($('tol').value);
  configure();
});
document.addEventListener('keydown', (ev) => {
  const t = ev.target;
  if (t.closest && t.closest('input, select, textarea, [contenteditable]')) return;
  if (ev.key === ' ') { togglePlay(); ev.preventDefault(); }
  else if (ev.key === 'ArrowRight' && t.id !== 'landscape') { send({ type: 'step', req: 'transport' }); ev.preventDefault(); }
  else if (ev.key === 'r' && !ev.ctrlKey && !ev.metaKey) send({ type: 'reset', req: 'transport' });
});

// --- the racers -----------------------------------------------------------------

const retuneTimers = new Map();
function syncCards() {
  const box = $('racers');
  const ids = new Set(state.racers.map((r) => r.id));
  for (const [id, card] of cards) {
    if (!ids.has(id)) {
      card.el.remove();
      cards.delete(id);
    }
  }
  state.racers.forEach((r, i) => {
    let card = cards.get(r.id);
    if (!card || (card.spec() !== r.spec && !retuneTimers.has(r.id))) {
      const fresh = new RacerCard(reg, r, i, { onChange: retune, onRemove: remove });
      if (card) card.el.replaceWith(fresh.el);
      card = fresh;
      cards.set(r.id, card);
    }
    card.setIndex(i);
    box.append(card.el); // keeps the order of the state
  });
  $('add-racer').disabled = state.racers.length >= reg.maxRacers;
}

function retune(id, spec) {
  clearTimeout(retuneTimers.get(id));
  retuneTimers.set(id, setTimeout(() => {
    retuneTimers.delete(id);
    send({ type: 'retune', req: `racer:${id}`, id, opt: spec });
  }, 250));
}

function remove(id) {
  send({ type: 'remove', req: `racer:${id}`, id });
}

const SUGGESTIONS = ['gd:lr=0.001', 'nesterov:lr=0.001', 'rmsprop:lr=0.01', 'adagrad:lr=0.1', 'newton', 'lbfgs', 'cg', 'adadelta', 'saddle-free-newton', 'rprop'];
$('add-racer').addEventListener('click', () => {
  const used = new Set(state.racers.map((r) => parseSpec(r.spec).name));
  const spec = SUGGESTIONS.find((s) => !used.has(parseSpec(s).name)) || 'gd';
  let n = state.racers.length + 1;
  while (state.racers.some((r) => r.id === `r${n}`)) n++;
  send({ type: 'add', req: 'racer', racer: { id: `r${n}`, opt: spec } });
});

// --- charts and leaderboard ---------------------------------------------------

const charts = {
  loss: new Chart($('chart-loss'), 'log'),
  gnorm: new Chart($('chart-gnorm'), 'log'),
  eig: new Chart($('chart-eig'), 'symlog'),
  curv: new Chart($('chart-curv'), 'symlog'),
};

function fstar() {
  let best = Infinity;
  for (const c of (surfaceMsg && surfaceMsg.critical) || []) if (c.kind === 'minimum') best = Math.min(best, c.f);
  for (const r of racers.values()) {
    // The lowest value seen, kept up to date as points arrive.
    for (let i = r.fminAt || 0; i < r.f.length; i++) if (!(r.fmin <= r.f[i])) r.fmin = r.f[i];
    r.fminAt = r.f.length;
    if (r.fmin < best) best = r.fmin;
  }
  return best;
}

const X_LABEL = { iterations: 'iterations', evaluations: 'evaluations (a Hessian costs n)', time: 'computing time (ms)' };

function updateViews() {
  const ordered = state.racers.map((s, index) => {
    const r = racerData(s.id);
    const n = r.f.length;
    return Object.assign(r, { index, spec: s.spec, f: r.f, last: n - 1 });
  });
  landscape.setRacers(ordered.map((r) => ({
    id: r.id, index: r.index, xs: r.xs, diag: r.diag, status: r.status, spec: r.spec,
    f: r.f[r.last], gnorm: r.gnorm[r.last],
  })), reg.colors);
  const fs = fstar();
  const loss = [], gnorm = [], eig = [], curv = [];
  for (const r of ordered) {
    const scale = Math.max(1, Math.abs(fs));
    // The loss is drawn as f − f*, floored so that the log axis shows f*.
    loss.push({ key: r.id, index: r.index, x: r.t, y: r.f, offset: fs, floor: 1e-16 * scale });
    gnorm.push({ key: r.id, index: r.index, x: r.t, y: r.gnorm });
    eig.push({ key: r.id + '+', index: r.index, x: r.eigT, y: r.eigMax }, { key: r.id + '-', index: r.index, x: r.eigT, y: r.eigMin, dashed: true });
    curv.push({ key: r.id + 'g', index: r.index, x: r.curvT, y: r.gtg }, { key: r.id + 'h', index: r.index, x: r.curvT, y: r.gthg, dashed: true });
  }
  const xl = X_LABEL[state.clock];
  charts.loss.set(loss, reg.colors, xl);
  charts.gnorm.set(gnorm, reg.colors, xl);
  charts.eig.set(eig, reg.colors, xl);
  charts.curv.set(curv, reg.colors, xl);
  leaderboard(ordered);
  for (const r of ordered) {
    const card = cards.get(r.id);
    if (!card || r.last < 0) continue;
    const d = r.diag || {};
    const lr = d.lr === null || d.lr === undefined ? '' : ` · lr ${+d.lr.toPrecision(3)}`;
    const why = r.reason ? `: ${r.reason}` : '';
    card.showStatus(`${r.status || 'ready'}${why} · iteration ${r.iter[r.last]} · ${r.evals[r.last]} evaluations · f = ${r.f[r.last].toPrecision(6)} · ‖g‖ = ${r.gnorm[r.last].toPrecision(3)}${lr}`);
    card.el.dataset.status = r.status || '';
  }
}

let lastBoard = 0;
function leaderboard(ordered) {
  const now = performance.now();
  if (now - lastBoard < 200) return;
  lastBoard = now;
  const rows = ordered.filter((r) => r.last >= 0).sort((a, b) => {
    if (a.reached && b.reached) return a.reached.clock - b.reached.clock;
    if (a.reached || b.reached) return a.reached ? -1 : 1;
    return a.f[a.last] - b.f[b.last];
  });
  const body = $('leaderboard').tBodies[0];
  body.replaceChildren(...rows.map((r, i) => {
    const tr = document.createElement('tr');
    tr.dataset.id = r.id;
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = racerColor(reg.colors, r.index);
    const reached = r.reached ? `it. ${r.reached.iter}, ${r.reached.evals} ev.` : '—';
    const cells = [String(i + 1), r.spec, r.status || '', reached, String(r.iter[r.last]), String(r.evals[r.last]), r.f[r.last].toPrecision(5), r.gnorm[r.last].toPrecision(2)];
    cells.forEach((text, j) => {
      const td = document.createElement('td');
      if (j === 1) td.append(sw, ' ');
      td.append(text);
      tr.append(td);
    });
    return tr;
  }));
}

function frame() {
  if (dirty) {
    dirty = false;
    updateViews();
  }
  landscape.draw();
  for (const c of Object.values(charts)) c.draw();
  requestAnimationFrame(frame);
}

// For tests and the curious: the page's live data.
window.saddle = {
  state, racers, landscape, send, charts, updateViews,
  get playing() { return playing; }, get gen() { return gen; }, get surface() { return surfaceMsg; },
  /** invalidate forces a full redraw of every view at the next animation frame. */
  invalidate() {
    dirty = true;
    landscape.invalidate();
    lastBoard = 0;
  },
};

conn.connect();
requestAnimationFrame(frame);

// The race page: wires the socket, the page state, the landscape, the
// racer cards, the charts and the leaderboard together.

import { Connection } from './socket.js';
import { specOf, parseSpec, fromURL, toURL, defaultState } from './state.js';
import { Landscape } from './landscape.js';
import { View3D } from './view3d.js';
import { NetView } from './netview.js';
import { SliceView, drawSpectrum, drawCritical } from './sliceview.js';
import { Compare } from './compare.js';
import { Chart } from './charts.js';
import { RacerCard, surfaceParams, guardBox } from './controls.js';
import { FormulaBox } from './formula.js';
import { DataBox, SESSION_ONLY } from './data.js';
import { QuadPanel, model as quadModel } from './quadratic.js';
import { racerColor, racerMarker, setPalettes } from './colors.js';

const reg = JSON.parse(document.getElementById('registry').textContent);
setPalettes(reg);
const $ = (id) => document.getElementById(id);

// The state comes from the address: a permalink or a lesson reproduces a race.
const state = fromURL(location.search, reg);
let seekPending = state.t; // run to this clock once the race is configured
let lastSeek = 0; // the seek that went with the last configure
let viewPending = state.view; // show this box once the surface has come
let raceClock = 0;
let gen = -1;
let playing = false;
let surfaceMsg = null;
const racers = new Map(); // id → the racer's data
const cards = new Map(); // id → RacerCard
let dirty = true;

// --- the socket -------------------------------------------------------------

const conn = new Connection(onMessage, onStatus, onOpen);

// A reconnection (a server restart, an idle timeout) restores the race as it
// was: configured again, run to the clock it showed, and playing again if
// it was playing, or if Play was pressed while disconnected.
let opened = false, resume = false, wantPlay = null, opens = 0, seeking = false;
function onOpen() {
  opens++;
  if (opened) {
    // A seek under way (a link's race) is taken up again; it was never play.
    seekPending = Math.max(seekPending, raceClock, state.t || 0, seeking ? lastSeek : 0);
    resume = wantPlay ?? (playing && !seeking);
    wantPlay = null;
    gen = -1; // a new session: whatever generation it starts at, start afresh
  }
  opened = true;
  configure();
  if (resume && lastSeek === 0) {
    resume = false;
    send({ type: 'play', req: 'transport' });
  }
}

function onStatus(status, detail) {
  const el = $('connection');
  el.textContent = detail;
  el.dataset.status = status;
  if (status !== 'open') showPlay();
}

/** showPlay labels the play button with what pressing it will do: while
 * disconnected, with what the race will do when the page reconnects. */
function showPlay() {
  const on = conn && !conn.open && wantPlay !== null ? wantPlay : playing;
  $('play').textContent = on ? 'Pause' : 'Play';
  $('play').setAttribute('aria-pressed', String(on));
}

function send(msg) {
  conn.send(msg);
}

/** configure sends the whole race: on connecting, and when the surface changes. */
function configure() {
  viewPending = state.view;
  send({
    type: 'configure', req: 'surface', surface: surfaceSpec(), start: state.start || undefined,
    seed: state.seed, clock: state.clock, speed: state.speed, tol: state.tol, patience: state.patience,
    racers: state.racers.map((r) => ({ id: r.id, opt: r.spec })),
  });
  lastSeek = seekPending;
  seeking = seekPending > 0;
  if (seekPending > 0) {
    send({ type: 'seek', req: 'transport', to: seekPending });
    seekPending = 0;
  }
}

// --- the address: permalinks and history ------------------------------------------

let lastURL = location.search;
/** remember writes the state into the address: a new history entry for a
 * change a person would step back over, a replacement for a slider's drift. */
function remember(push) {
  const url = toURL(state, surfaceSpec());
  if (url === lastURL) return;
  lastURL = url;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

let pops = 0; // how many history steps the page has taken (tests wait on it)
window.addEventListener('popstate', () => {
  pops++;
  const st = fromURL(location.search, reg);
  Object.assign(state, st);
  lastURL = location.search;
  seekPending = st.t;
  viewPending = st.view;
  fromLink = true;
  surfaceSelect.value = state.surface.name;
  buildSurfaceParams();
  showLesson();
  showCurvature();
  showPresent();
  noteLink();
  configure();
});

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
    case 'slice_start': return sliceView.start(msg);
    case 'slice_row': return sliceView.row(msg);
    case 'slice_done':
      sliceView.done(msg);
      if (!msg.cancelled && sliceView.job) compare.slice(sliceView.job.id, racerSpec(sliceView.job.id), $('slice-map'), sliceView.job);
      return;
    case 'tuned': return onTuned(msg);
    case 'spectrum':
      $('spectrum-figure').hidden = false;
      drawSpectrum($('spectrum'), $('spectrum-caption'), msg);
      return compare.spectrum(msg.id, racerSpec(msg.id), $('spectrum'), msg);
    case 'critical':
      $('critical-figure').hidden = false;
      return drawCritical($('critical'), $('critical-caption'), msg);
  }
}

function onState(s) {
  clearErrors();
  // The note stays while the racers left are the ones it was written for.
  fromLink = false;
  if (leftOut && leftOut.key === raceKey(s.racers.map((r) => r.opt))) onError({ req: 'surface', message: leftOut.message });
  if (s.gen !== gen) {
    gen = s.gen;
    racers.clear();
    compare.clear(); // pictures of weights the race no longer has
    raceClock = 0;
  }
  playing = s.playing;
  if (!playing) lastBoard = 0; // the board shows where the race stopped
  if (!playing && s.message) seeking = false; // arrived, or the race is over
  if (resume && !playing && s.message === 'arrived') {
    resume = false;
    send({ type: 'play', req: 'transport' });
  }
  state.start = s.start;
  state.clock = s.clock;
  state.speed = s.speed;
  state.tol = s.tol;
  state.seed = s.seed;
  state.racers = s.racers.map((r) => ({ id: r.id, spec: r.opt, avgCol: r.avg_col || 0 }));
  showPlay();
  $('clock').value = s.clock;
  $('speed').value = String(Math.log10(s.speed));
  $('tol').value = s.tol > 0 && s.tol < 1e-3 ? s.tol.toExponential() : String(s.tol);
  state.patience = s.patience || 0;
  $('patience').value = String(state.patience);
  showSpeed();
  // Why play stopped by itself: a link's race arrived where it was left,
  // or every racer has stopped.
  const why = $('race-status');
  why.dataset.message = playing ? '' : s.message || '';
  why.textContent = playing || !s.message ? '' : s.message === 'arrived' ? 'Arrived where the link left the race.' : s.message.charAt(0).toUpperCase() + s.message.slice(1) + '.';
  syncCards();
  for (const id of ['slice-racer', 'slice-other']) {
    const pick = $(id), was = pick.value;
    pick.replaceChildren(...state.racers.map((r) => new Option(r.spec, r.id)));
    if (state.racers.some((r) => r.id === was)) pick.value = was;
    else if (id === 'slice-other' && state.racers.length > 1) pick.value = state.racers[1].id;
  }
  landscape.setStart(s.start);
  // The address says how far the race has run, so that the link
  // reproduces what is on the screen.
  state.t = raceClock;
  remember(false);
  dirty = true;
}

function onSurface(msg) {
  surfaceMsg = msg;
  // A network has no map: its racers' decision regions (or confusion
  // matrices) take the map's place, and the error chart appears.
  const network = !msg.n;
  $('netview').hidden = !network;
  if (network) {
    // No surface to show in 3-D either.
    $('view3d').hidden = $('view3d-labels').hidden = true;
    $('toggle-3d').setAttribute('aria-pressed', 'false');
  }
  $('landscape').hidden = network || !$('view3d').hidden;
  // A regression (the deep linear network) has no 0-1 error to chart.
  $('error-figure').hidden = !network || !!msg.singular;
  $('slices').hidden = !network;
  for (const id of ['zoom-in', 'zoom-out', 'zoom-fit', 'toggle-curvature', 'toggle-3d']) $(id).hidden = network;
  if (network && msg.reason === 'configure') netview.setData(msg.data || null, msg.title, msg.singular || null, msg.classes || null);
  // A new configuration shows the whole view box; a zoom, a new start or a
  // continuation racer's changing blur keep the view.
  landscape.setSurface(msg, msg.reason !== 'configure');
  view3d.setSurface(landscape.surface);
  if (msg.reason === 'configure') {
    // The view of the address (or of the race before a reconnection), with
    // the map's own blur if one was chosen.
    if (viewPending) {
      landscape.box = viewPending.slice();
      landscape.viewChanged();
      viewPending = null;
    } else if (state.mapBlur !== null && !msg.map_blur && msg.n) sendView();
  }
  $('surface-title').textContent = msg.title;
  $('surface-explain').textContent = msg.explain;
  showMapBlur(msg);
  if (msg.reason === 'configure') syncCards(); // the Inside buttons: 2-D maps only
  dirty = true;
}

function racerData(id) {
  let r = racers.get(id);
  if (!r) {
    r = { id, xs: [], iter: [], evals: [], cost: [], us: [], t: [], f: [], gnorm: [], eigT: [], eigMin: [], eigMax: [], curvT: [], gtg: [], gthg: [], errT: [], trainErr: [], valErr: [] };
    racers.set(id, r);
  }
  return r;
}

let lastT = 0;
function onFrame(f) {
  if (f.gen !== gen) return;
  if (f.clock !== null) raceClock = f.clock;
  if (state.t !== raceClock && (!playing || performance.now() - lastT > 1000)) {
    // The address keeps up with the race: at once when paused (a step, a
    // seek's last frames), once a second while it plays.
    state.t = raceClock;
    lastT = performance.now();
    remember(false);
  }
  const dim = surfaceMsg ? surfaceMsg.dim : 2;
  const singular = surfaceMsg && surfaceMsg.singular;
  for (const rf of f.racers) {
    let r = racerData(rf.id);
    if (rf.points.rows > 0 && r.iter.length && rf.points.data[0] <= r.iter[r.iter.length - 1]) {
      // The racer started again (a retune): its old path and curves go.
      racers.delete(rf.id);
      r = racerData(rf.id);
    }
    if (rf.frac !== undefined && rf.frac !== null) r.frac = rf.frac;
    // The rows of [iter, evals, hessian_evals, µs, f, ‖g‖, x0, x1, …],
    // one Float64Array (frames.js).
    const { stride: S, rows, data: D } = rf.points;
    // An averaging racer's rows end with its averaged iterate: f̄, x̄0, x̄1, ….
    const sr = state.racers.find((x) => x.id === rf.id), ac = sr ? sr.avgCol : 0;
    const xEnd = ac || S - (singular ? singular.length : 0); // the iterate's coordinates end here
    if (ac) {
      r.avgF ||= [];
      r.avgXs ||= [];
    }
    r.hev = r.hev || [];
    for (let i = 0, o = 0; i < rows; i++, o += S) {
      r.hev.push(D[o + 2]);
      r.iter.push(D[o]);
      r.evals.push(D[o + 1]);
      r.cost.push(D[o + 1] + dim * D[o + 2]);
      r.us.push(D[o + 3]);
      r.f.push(D[o + 4]);
      r.gnorm.push(D[o + 5]);
      r.xs.push(D[o + 6], xEnd > 7 ? D[o + 7] : 0);
      if (ac) {
        r.avgF.push(D[o + ac]);
        r.avgXs.push(D[o + ac + 1], xEnd > 7 ? D[o + ac + 2] : 0);
      }
      r.t.push(clockOf(r, r.iter.length - 1));
      if (singular) {
        // A deep linear network's mode strengths end the row.
        r.modes ||= singular.map(() => []);
        singular.forEach((_, k) => r.modes[k].push(D[o + xEnd + k]));
      }
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
    // The change of f a gradient step of size ε predicts (ch. 8.2.1).
    const eps = rf.lr;
    r.pred = r.pred || [];
    r.pred.push(eps === null || rf.gTg === null || rf.gTHg === null ? null : -eps * rf.gTg + 0.5 * eps * eps * rf.gTHg);
    if (rf.net && rf.diag_iter !== undefined && rf.diag_iter !== r.lastDiagIter) {
      // A new report, drawn at the iterate it describes (a seek's frames
      // carry the last one again and again).
      r.lastDiagIter = rf.diag_iter;
      const k = r.iter[rf.diag_iter] === rf.diag_iter ? rf.diag_iter : r.iter.lastIndexOf(rf.diag_iter);
      const td = k >= 0 ? clockOf(r, k) : t;
      if (rf.net.grad_noise !== undefined) {
        // The minibatch gradient's spread around the full gradient.
        (r.noiseT ||= []).push(td);
        (r.noise ||= []).push(rf.net.grad_noise);
      }
      r.errT.push(td);
      (r.valLoss ||= []).push(rf.net.val_loss ?? NaN);
      r.trainErr.push(rf.net.train_err);
      r.valErr.push(rf.net.val_err ?? null);
    }
  }
  dirty = true;
}

function clockOf(r, i) {
  if (state.clock === 'evaluations') return r.cost[i];
  if (state.clock === 'epochs') return r.evals[i] * (r.frac ?? 1) + (surfaceMsg ? surfaceMsg.dim : 2) * r.hev[i];
  if (state.clock === 'time') return r.us[i] / 1000;
  return r.iter[i];
}

// leftOut says what of a rejected link was left out, shown while the race
// it left is the one on the page; fromLink is true until a race from the
// address has been accepted.
let leftOut = null, fromLink = true;
const raceKey = (specs) => `${surfaceSpec()} ${specs.join(' ')}`;
noteLink();

// The settings a link may get wrong, each back to its default when the
// server refuses it.
const SETTINGS = { start: 'the start', clock: 'the clock', speed: 'the speed', tol: 'the tolerance', patience: 'the patience' };

/** noteLink keeps what fromURL found wrong with the address, to be shown
 * with the race it left. */
function noteLink() {
  fromLink = true;
  leftOut = state.notes && state.notes.length
    ? { message: state.notes.join('; ') + '.', key: raceKey(state.racers.map((r) => r.spec)) }
    : null;
}

function onError(e) {
  if (e.req === 'tune') $('tune-go').disabled = false;
  // Uploaded data this server does not hold (a link's, after its session
  // ended): the race waits, as the link left it, for the file again.
  if (e.req === 'surface' && (e.problems || []).some((p) => p.field === 'surface.csv')) {
    seekPending = lastSeek;
    dataBox.fail(e.problems.find((p) => p.field === 'surface.csv').message.replace(/^mlp: csv: /, ''));
    return;
  }
  // A race from a link (hand-edited, say) whose only problems are some
  // racers' specs, surface parameters or settings goes on without those
  // racers and with those parameters and settings at their defaults, and
  // says so.
  const fixes = (e.problems || []).map((p) => {
    const f = p.field || '', r = /^racers\[(\d+)\]/.exec(f), q = /^surface\.(\w+)$/.exec(f);
    if (r) return { racer: Number(r[1]) };
    if (q && fromLink && q[1] in state.surface.values) return { param: q[1] };
    if (fromLink && f in SETTINGS) return { setting: f };
    if (fromLink && f === 'surface' && state.surface.name !== 'rosenbrock') return { surface: true };
    return null;
  });
  if (e.req === 'surface' && fixes.length && fixes.every(Boolean)) {
    const drop = new Set(fixes.filter((f) => 'racer' in f).map((f) => f.racer));
    const reset = fixes.filter((f) => f.param).map((f) => f.param);
    const said = [];
    if (drop.size) said.push(`Left out ${state.racers.filter((_, i) => drop.has(i)).map((r) => `“${r.spec}”`).join(', ')}`);
    if (reset.length) said.push(`${reset.join(', ')} back to the default`);
    const defaults = defaultState();
    for (const f of fixes.filter((x) => x.setting)) {
      state[f.setting] = f.setting === 'start' ? null : defaults[f.setting];
      said.push(`${SETTINGS[f.setting]} back to the default`);
    }
    if (fixes.some((f) => f.surface)) {
      state.surface = defaults.surface;
      state.start = null;
      surfaceSelect.value = state.surface.name;
      said.push('the default surface instead');
    }
    state.racers = state.racers.filter((_, i) => !drop.has(i));
    for (const k of reset) delete state.surface.values[k];
    if (reset.length || fixes.some((f) => f.surface)) buildSurfaceParams();
    // The server may find the racers' problems only once the surface is
    // good: the notes of one link add up.
    const before = leftOut && fromLink ? leftOut.message.replace(/ the race goes on\.$/, ' ') : '';
    leftOut = { message: `${before}${e.message}. ${said.join('; ')}; the race goes on.`, key: raceKey(state.racers.map((r) => r.spec)) };
    seekPending = lastSeek;
    configure();
    remember(false);
    return;
  }
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
    state.t = 0;
    send({ type: 'start', req: 'transport', start: p });
    remember(true);
  },
  onView: (box) => {
    state.view = box;
    sendView();
    remember(false);
  },
  onHover: (text) => { $('hover-info').textContent = text; },
});
$('zoom-in').addEventListener('click', () => landscape.zoom(1 / 1.25));
$('zoom-out').addEventListener('click', () => landscape.zoom(1.25));
$('zoom-fit').addEventListener('click', () => landscape.fit());
function showCurvature() {
  landscape.curvature = state.curvature;
  landscape.invalidate();
  $('toggle-curvature').setAttribute('aria-pressed', String(state.curvature));
}
$('toggle-curvature').addEventListener('click', () => {
  state.curvature = !state.curvature;
  showCurvature();
  remember(false);
});
showCurvature();

/** sendView sends what the map shows: its box and, if chosen, its own blur. */
function sendView() {
  send({ type: 'view', req: 'transport', view: landscape.box.slice(), map_blur: state.mapBlur ?? undefined });
}

// The map's blur: what the racers see (a continuation racer's current blur,
// else the surface's), or any blur a student wants to look at.
function showMapBlur(msg) {
  const fixed = state.mapBlur !== null;
  const continuation = state.racers.some((r) => Number(parseSpec(r.spec).values.blur_from) > 0);
  $('map-blur-row').hidden = !msg.n || !(fixed || continuation || msg.surface_blur > 0);
  $('map-blur-mode').value = fixed ? 'fixed' : 'follow';
  $('map-blur').disabled = !fixed;
  if (fixed) $('map-blur').value = String(state.mapBlur);
  $('map-blur-value').textContent = fixed ? String(state.mapBlur) : '';
  const s = +msg.blur_s.toPrecision(3), own = +msg.surface_blur.toPrecision(3);
  const scored = own
    ? `Every racer is scored on the surface blurred by s = ${own}, the surface's “blur s” setting above.`
    : 'Every racer is scored on the surface itself (its “blur s” setting above is 0): that is the f of the leaderboard.';
  let text = '';
  if (msg.map_blur) text = `The map shows the surface blurred by s = ${s}, for looking only. ${scored}`;
  else if (msg.follows) {
    const r = state.racers.find((x) => x.id === msg.follows);
    text = `The map shows the surface as ${r ? r.spec : msg.follows} sees it at its current step: blurred by s = ${s}, where its continuation schedule is now. ${scored}`;
  } else if (own) text = `Every racer descends the surface blurred by s = ${own} (${msg.blur}), the “blur s” setting above; the map shows it.`;
  $('surface-blur').textContent = text;
}
$('map-blur-mode').addEventListener('change', () => {
  state.mapBlur = $('map-blur-mode').value === 'fixed' ? Number($('map-blur').value) : null;
  sendView();
  remember(true);
});
$('map-blur').addEventListener('input', () => {
  state.mapBlur = Number($('map-blur').value);
  $('map-blur-value').textContent = String(state.mapBlur);
  clearTimeout(mapBlurTimer);
  mapBlurTimer = setTimeout(() => { sendView(); remember(false); }, 150);
});
let mapBlurTimer = 0;

// The 3-D view shares the landscape's place.
const view3d = new View3D($('view3d'), $('view3d-labels'));
$('toggle-3d').addEventListener('click', () => {
  const on = $('view3d').hidden;
  if (on && !view3d.ok) {
    $('hover-info').textContent = 'The 3-D view needs WebGL, which this browser does not offer.';
    return;
  }
  $('view3d').hidden = !on;
  $('view3d-labels').hidden = !on;
  $('landscape').hidden = on;
  $('toggle-3d').setAttribute('aria-pressed', String(on));
  view3d.resize(landscape.size);
  view3d.dirty = true;
  dirty = true; // the paths go to whichever view shows
  (on ? $('view3d') : $('landscape')).focus();
});

const netview = new NetView($('netview'));
const sliceView = new SliceView($('slice-map'), $('slice-line'), $('slice-error'), $('slice-progress'), $('slice-caption'));
const compare = new Compare($('compare'), $('compare-figures'), $('compare-clear'));
function racerSpec(id) {
  const r = state.racers.find((x) => x.id === id);
  return r ? r.spec : id;
}
$('slice-kind').addEventListener('change', () => { $('slice-other-label').hidden = !['between', 'matched'].includes($('slice-kind').value); });
$('slice-cancel').addEventListener('click', () => send({ type: 'cancel', req: 'slice' }));
$('spectrum-go').addEventListener('click', () => send({ type: 'spectrum', req: 'slice', id: $('slice-racer').value }));
$('critical-go').addEventListener('click', () => send({ type: 'critical', req: 'slice', id: $('slice-racer').value }));
$('slice-go').addEventListener('click', () => {
  const note = document.querySelector('[data-error-for="slice"]');
  if (!guardBox($('slice-n'), note, { name: 'points', min: 3, max: 101, integer: true }) ||
      !guardBox($('slice-range'), note, { name: 'range', min: 0.01, max: 100 })) {
    note.classList.add('shown');
    return;
  }
  send({
    type: 'slice', req: 'slice', id: $('slice-racer').value,
    slice: { kind: $('slice-kind').value, n: Number($('slice-n').value), range: Number($('slice-range').value), ignore_bias: $('slice-bias').checked, other: $('slice-other').value },
  });
});

// --- the lesson -------------------------------------------------------------

function showLesson() {
  const l = reg.lessons.find((x) => x.slug === state.lesson);
  $('lesson').hidden = !l;
  if (!l) return;
  $('lesson-title').textContent = `${l.title} (§${l.section})`;
  $('lesson-text').textContent = l.text;
  $('lesson-question').textContent = l.question;
}
showLesson();

// --- presentation mode ----------------------------------------------------------

/** showPresent puts the page in presentation mode (large type; the map, the
 * lesson, the controls, the leaderboard and the loss chart) or takes it out. */
function showPresent() {
  document.documentElement.classList.toggle('present', state.present);
  $('present').setAttribute('aria-pressed', String(state.present));
  $('present').textContent = state.present ? 'Leave presentation' : 'Present';
  // The canvases' type follows the page's.
  for (const c of Object.values(charts)) c.dirty = true;
  landscape.resize();
  dirty = true;
}
function togglePresent() {
  state.present = !state.present;
  showPresent();
  remember(false);
}
$('present').addEventListener('click', togglePresent);

// --- export -------------------------------------------------------------------

/** exportURL names the race on the screen for the export endpoint: the same
 * specs, start and seed, and as many steps as the furthest racer has run. */
function exportURL(format) {
  const q = new URLSearchParams({ format, surface: surfaceSpec(), seed: String(state.seed) });
  for (const r of state.racers) q.append('opt', r.spec);
  if (state.start) q.set('start', state.start.map((v) => +v.toPrecision(17)).join(','));
  // The export runs the same race to the clock the screen shows.
  q.set('clock', state.clock);
  q.set('t', String(raceClock));
  q.set('tol', String(state.tol));
  return '/export?' + q.toString();
}
for (const a of document.querySelectorAll('#export a[data-format]')) {
  const update = () => { a.href = exportURL(a.dataset.format); };
  a.addEventListener('pointerenter', update);
  a.addEventListener('focus', update);
  a.addEventListener('click', update);
}
$('copy-link').addEventListener('click', async () => {
  state.t = raceClock;
  remember(false);
  const where = document.querySelector('[data-error-for="export"]');
  try {
    await navigator.clipboard.writeText(location.href);
    where.textContent = 'Link copied.';
  } catch {
    where.textContent = location.href; // no clipboard here: the link to copy by hand
  }
  where.classList.add('shown');
});

// --- the surface controls -------------------------------------------------------

const surfaceSelect = $('surface');
surfaceSelect.value = state.surface.name;
let surfaceTimer;
function buildSurfaceParams() {
  surfaceParams($('surface-params'), reg, state.surface.name, state.surface.values, () => {
    if (state.surface.values.data !== 'csv' && 'csv' in state.surface.values) {
      delete state.surface.values.csv; // other data: the upload's name goes with data=csv
      dataBox.say('');
    }
    clearTimeout(surfaceTimer);
    surfaceTimer = setTimeout(() => {
      state.t = 0;
      configure();
      remember(true);
    }, 250);
  });
  showFormula();
}

// A user-entered surface's formula has a box of its own beside the menu.
const formulaBox = new FormulaBox($('formula'), {
  onChange(f) {
    if (state.surface.values.f === f) return;
    state.surface.values.f = f;
    state.t = 0;
    state.start = null;
    buildSurfaceParams(); // the settings' summary writes the spec
    configure();
    remember(true);
  },
});
function showFormula() {
  const info = reg.surfaces.find((s) => s.name === state.surface.name);
  const text = info && info.params.find((p) => p.kind === 'text' && p.name === 'f');
  formulaBox.show(!!text, text ? state.surface.values[text.name] ?? text.default : '');
}
// Your own data: an uploaded CSV trains the MLP (with its settings, if it
// is the surface already); a race exported as JSON opens as it was shared;
// the file a link's race needs runs that race as the link left it.
const dataBox = new DataBox($('data-box'), {
  onData(d, shared) {
    const values = state.surface.name === 'mlp' ? state.surface.values : {};
    const again = values.data === 'csv' && values.csv === d.id;
    if (shared) {
      const s = parseSpec(shared.surface);
      state.surface = { name: 'mlp', values: { ...(s.name === 'mlp' ? s.values : {}), data: 'csv', csv: d.id } };
      if (shared.opts.length) state.racers = shared.opts.slice(0, reg.maxRacers).map((spec, i) => ({ id: `r${i + 1}`, spec }));
      if (Number.isInteger(shared.seed)) state.seed = shared.seed;
      if (Number.isFinite(shared.tol)) state.tol = shared.tol;
      if (shared.clock in UNITS) state.clock = shared.clock;
      seekPending = state.t = Number.isFinite(shared.to) ? shared.to : 0;
      state.start = null;
    } else if (again) {
      seekPending = Math.max(seekPending, lastSeek);
    } else {
      state.surface = { name: 'mlp', values: { ...values, data: 'csv', csv: d.id } };
      state.t = 0;
      state.start = null;
    }
    state.view = null;
    surfaceSelect.value = 'mlp';
    dataBox.say(`${DataBox.describe(d)} ${SESSION_ONLY}`);
    clearErrors();
    buildSurfaceParams();
    configure();
    remember(true);
  },
});
if (state.surface.values.data === 'csv') dataBox.say(SESSION_ONLY);

surfaceSelect.addEventListener('change', () => {
  dataBox.say('');
  state.surface = { name: surfaceSelect.value, values: {} };
  state.start = null;
  state.view = null;
  state.t = 0;
  buildSurfaceParams();
  configure();
  remember(true);
});
buildSurfaceParams();

// --- the transport ------------------------------------------------------------

const UNITS = { iterations: 'iterations/s', evaluations: 'evaluations/s', epochs: 'epochs/s', time: 'ms of computing/s' };
function showSpeed() {
  $('speed-value').textContent = `${+state.speed.toPrecision(2)} ${UNITS[state.clock]}`;
}
function togglePlay() {
  seeking = false; // what the race does now is what was asked for
  if (!conn.open) {
    // Kept until the page reconnects, and shown at once.
    wantPlay = !(wantPlay ?? playing);
    showPlay();
    return;
  }
  send({ type: playing ? 'pause' : 'play', req: 'transport' });
}
$('play').addEventListener('click', togglePlay);
$('step').addEventListener('click', () => send({ type: 'step', req: 'transport' }));
$('reset').addEventListener('click', () => send({ type: 'reset', req: 'transport' }));
$('speed').addEventListener('input', () => {
  state.speed = Math.pow(10, Number($('speed').value));
  showSpeed();
  send({ type: 'speed', req: 'transport', speed: state.speed });
  remember(false);
});
$('clock').addEventListener('change', () => {
  state.clock = $('clock').value;
  state.t = 0;
  send({ type: 'clock', req: 'transport', clock: state.clock });
  remember(true);
});
$('patience').addEventListener('change', () => {
  if (!guardBox($('patience'), $('patience-note'), { name: 'patience', min: 0, max: 1e6 })) return;
  state.patience = Number($('patience').value);
  configure();
  remember(true);
});
$('tol').addEventListener('change', () => {
  if (!guardBox($('tol'), $('tol-note'), { name: 'the tolerance', min: 0, max: 1000 })) return;
  state.tol = Number($('tol').value);
  configure();
  remember(true);
});
// Keys: space plays or pauses, → steps, r resets, anywhere but in a field
// (the maps take the arrow keys for themselves).
document.addEventListener('keydown', (ev) => {
  const t = ev.target;
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (t.closest && t.closest('input, select, textarea, [contenteditable]')) return;
  if (ev.key === ' ' && !(t.closest && t.closest('button, a'))) { togglePlay(); ev.preventDefault(); }
  else if (ev.key === 'ArrowRight') { send({ type: 'step', req: 'transport' }); ev.preventDefault(); }
  else if (ev.key === 'r') send({ type: 'reset', req: 'transport' });
  else if (ev.key === 'p') togglePresent();
  else if (ev.key === 'Escape' && state.present) togglePresent();
});
// On the map, Enter puts the start at the middle of the view.
$('landscape').addEventListener('keydown', (ev) => {
  if (ev.key !== 'Enter') return;
  const b = landscape.box;
  landscape.hooks.onStart([(b[0] + b[1]) / 2, (b[2] + b[3]) / 2]);
  ev.preventDefault();
});

// --- the racers -----------------------------------------------------------------

const retuneTimers = new Map();
function syncCards() {
  const box = $('racers');
  const ids = new Set(state.racers.map((r) => r.id));
  const surface = surfaceSpec();
  for (const [id, card] of cards) {
    if (!ids.has(id)) {
      card.el.remove();
      cards.delete(id);
    }
  }
  state.racers.forEach((r, i) => {
    let card = cards.get(r.id);
    if (!card || (card.spec() !== r.spec && !retuneTimers.has(r.id))) {
      const fresh = new RacerCard(reg, r, i, { onChange: retune, onRemove: remove, onInside: setInside, surface: () => state.surface });
      if (card) card.el.replaceWith(fresh.el);
      card = fresh;
      cards.set(r.id, card);
    }
    card.setIndex(i);
    if (card.surfaceSpec !== surface) {
      if (card.surfaceSpec !== undefined) card.build(); // the own-model group's defaults are the surface's
      card.surfaceSpec = surface;
    }
    card.insideButton.hidden = !(landscape.surface && landscape.surface.dim === 2 && landscape.surface.grid);
    card.insideButton.setAttribute('aria-pressed', String(state.inside.includes(r.id)));
    box.append(card.el); // keeps the order of the state
  });
  landscape.setInside(state.inside);
  const full = state.racers.length >= reg.maxRacers;
  $('add-racer').disabled = full;
  $('add-racer-why').textContent = full ? `A race has at most ${reg.maxRacers} racers: remove one to add another.` : '';
}

// Why it works: the local quadratic at the leader's point, with the
// settings of a racer the student picks (by default the first of the
// gradient-descent family).
const quadPanel = new QuadPanel($('quad-panel'));
const QUAD_K = 100; // iterations of the model drawn
$('quad-racer').addEventListener('change', () => { dirty = true; });
function updateQuad(ordered) {
  const map = landscape.surface && landscape.surface.dim === 2 && landscape.surface.grid;
  $('quad-panel').hidden = !map || !ordered.length;
  if ($('quad-panel').hidden) return;
  const pick = $('quad-racer'), was = pick.value;
  if (pick.options.length !== ordered.length || ordered.some((r, i) => pick.options[i].value !== r.id || pick.options[i].text !== r.spec)) {
    pick.replaceChildren(...ordered.map((r) => new Option(r.spec, r.id)));
    const gdLike = ordered.find((r) => /^(gd|sgd|momentum|nesterov)\b/.test(r.spec));
    pick.value = ordered.some((r) => r.id === was) ? was : (gdLike || ordered[0]).id;
  }
  // The leader: the lowest f among the racers with a Hessian at their point.
  const withH = ordered.filter((r) => r.diag && r.diag.eig && r.diag.vecs && r.last >= 0);
  if (!withH.length) return;
  const leader = withH.reduce((a, b) => (b.f[b.last] < a.f[a.last] ? b : a));
  const who = ordered.find((r) => r.id === pick.value) || ordered[0];
  const { name, values } = parseSpec(who.spec);
  const info = reg.optimizers.find((o) => o.name === name);
  const param = (k) => info && info.params.find((p) => p.name === k);
  const n = leader.xs.length, at = { x: [leader.xs[n - 2], leader.xs[n - 1]], g: leader.diag.grad, eig: leader.diag.eig, vecs: leader.diag.vecs };
  let alpha = Number(values.lr ?? (param('lr') ? param('lr').default : NaN));
  let beta = Number(values.momentum ?? (param('momentum') ? param('momentum').default : 0));
  const notes = [];
  if (!(beta > 0)) { beta = 0.9; notes.push('0.9 assumed: it has none'); }
  let m = quadModel(at, Number.isFinite(alpha) ? alpha : 1, beta, QUAD_K);
  if (!Number.isFinite(alpha) && !m.problem) {
    alpha = m.best.momentum.alpha; // no learning rate of its own: the best
    m = quadModel(at, alpha, beta, QUAD_K);
    notes.push('and α the best, as it has no learning rate');
  }
  quadPanel.show(m, { leader: leader.spec, racer: who.spec, color: racerColor(reg.colors, who.index), assumed: notes.join(' ') });
}

/** setInside shows or hides what a racer's method carries, on the map. */
function setInside(id, on) {
  state.inside = state.inside.filter((x) => x !== id);
  if (on) state.inside.push(id);
  syncCards();
  remember(false);
}

/** showInsideCaption says in words what the map's inside glyphs are. */
let insideText = '', insideDrawn = null;
function showInsideCaption() {
  if (landscape.insideShown === insideDrawn) return; // the map was not redrawn
  insideDrawn = landscape.insideShown;
  const text = landscape.insideShown.map((s) => `Inside ${s.spec}${s.magnified > 1 ? ` (drawn ×${s.magnified})` : ''}: ${s.words.length ? s.words.join('; ') : 'it carries nothing from one step to the next: its step is the gradient’s alone'}.`).join(' ');
  if (text !== insideText) $('inside-caption').textContent = insideText = text;
}

function retune(id, spec) {
  clearTimeout(retuneTimers.get(id));
  retuneTimers.set(id, setTimeout(() => {
    retuneTimers.delete(id);
    send({ type: 'retune', req: `racer:${id}`, id, opt: spec });
    const r = state.racers.find((x) => x.id === id);
    if (r) r.spec = spec;
    remember(true);
  }, 250));
}

function remove(id) {
  send({ type: 'remove', req: `racer:${id}`, id });
  state.racers = state.racers.filter((r) => r.id !== id);
  remember(true);
}

const SUGGESTIONS = ['gd:lr=0.001', 'nesterov:lr=0.001', 'rmsprop:lr=0.01', 'adagrad:lr=0.1', 'newton', 'lbfgs', 'cg', 'adadelta', 'saddle-free-newton', 'rprop'];
$('add-racer').addEventListener('click', () => {
  const used = new Set(state.racers.map((r) => parseSpec(r.spec).name));
  const spec = SUGGESTIONS.find((s) => !used.has(parseSpec(s).name)) || 'gd';
  let n = state.racers.length + 1;
  while (state.racers.some((r) => r.id === `r${n}`)) n++;
  send({ type: 'add', req: 'racer', racer: { id: `r${n}`, opt: spec } });
  state.racers.push({ id: `r${n}`, spec });
  remember(true);
});

// --- a fair race ------------------------------------------------------------

$('tune-go').addEventListener('click', () => {
  const note = document.querySelector('[data-error-for="tune"]');
  if (!guardBox($('tune-trials'), note, { name: 'trials', min: 2, max: 30, integer: true }) ||
      !guardBox($('tune-steps'), note, { name: 'steps each', min: 1, max: 5000, integer: true })) {
    note.classList.add('shown');
    return;
  }
  $('tune-go').disabled = true;
  $('tuned').tBodies[0].replaceChildren();
  send({ type: 'tune', req: 'tune', tune: { trials: Number($('tune-trials').value), steps: Number($('tune-steps').value), target: $('tune-target').value } });
});

/** onTuned shows each racer's search and races the tuned specs. */
function onTuned(msg) {
  $('tune-go').disabled = false;
  $('tuned').tBodies[0].replaceChildren(...msg.racers.map((r) => {
    const tr = document.createElement('tr');
    const cells = [r.spec, '→', r.tuned, r.value === null ? '' : `${msg.target === 'val' ? 'validation loss' : 'f'} ${r.value.toPrecision(4)}`, r.note || ''];
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.append(td);
    }
    return tr;
  }));
  for (const r of msg.racers) {
    const s = state.racers.find((x) => x.id === r.id);
    if (s) s.spec = r.tuned;
  }
  state.t = 0;
  configure();
  remember(true);
}

// --- charts and leaderboard ---------------------------------------------------

const charts = {
  loss: new Chart($('chart-loss'), 'log'),
  gnorm: new Chart($('chart-gnorm'), 'log'),
  eig: new Chart($('chart-eig'), 'symlog'),
  curv: new Chart($('chart-curv'), 'symlog'),
  error: new Chart($('chart-error'), 'linear'),
};

function fstar() {
  // A network's loss (cross-entropy or squared error, plus L2) is ≥ 0.
  if (surfaceMsg && !surfaceMsg.n) return 0;
  let best = Infinity;
  for (const c of (surfaceMsg && surfaceMsg.critical) || []) if (c.kind === 'minimum') best = Math.min(best, c.f);
  for (const r of racers.values()) {
    // The lowest value seen, kept up to date as points arrive.
    for (let i = r.fminAt || 0; i < r.f.length; i++) {
      if (!(r.fmin <= r.f[i])) r.fmin = r.f[i];
      if (r.avgF && !(r.fmin <= r.avgF[i])) r.fmin = r.avgF[i];
    }
    r.fminAt = r.f.length;
    if (r.fmin < best) best = r.fmin;
  }
  return best;
}

const X_LABEL = { iterations: 'iterations', evaluations: 'evaluations (a Hessian costs n)', epochs: 'epochs (passes over the data)', time: 'computing time (ms)' };

function updateViews() {
  const ordered = state.racers.map((s, index) => {
    const r = racerData(s.id);
    const n = r.f.length;
    return Object.assign(r, { index, spec: s.spec, f: r.f, last: n - 1 });
  });
  landscape.setRacers(ordered.map((r) => ({
    id: r.id, index: r.index, xs: r.xs, avgXs: r.avgXs, diag: r.diag, status: r.status, spec: r.spec,
    f: r.f[r.last], gnorm: r.gnorm[r.last],
  })), reg.colors);
  if (!$('view3d').hidden) view3d.setRacers(ordered, reg.colors);
  // The map moves every frame; the charts, the tiles, the board and the
  // cards at most ten times a second while the race plays (they are read,
  // not watched), at once when it stops.
  const now = performance.now();
  if (!playing || now - lastPanels >= 100) {
    lastPanels = now;
    updatePanels(ordered);
  } else if (!panelTimer) {
    panelTimer = setTimeout(() => {
      panelTimer = 0;
      dirty = true;
    }, 100 - (now - lastPanels));
  }
}

let lastPanels = 0, panelTimer = 0;

/** updatePanels gives the charts, the network tiles, the leaderboard and
 * the racers' cards the racers' data. */
function updatePanels(ordered) {
  const fs = fstar();
  const loss = [], averaged = [], gnorm = [], eig = [], curv = [], error = [];
  for (const r of ordered) {
    const scale = Math.max(1, Math.abs(fs));
    // The loss is drawn as f − f*, floored so that the log axis shows f*.
    loss.push({ key: r.id, index: r.index, x: r.t, y: r.f, offset: fs, floor: 1e-16 * scale });
    // A network's validation loss (an estimate of the true risk), dashed.
    if (r.valLoss && r.valLoss.some((v) => v === v)) loss.push({ key: r.id + 'v', index: r.index, x: r.errT, y: r.valLoss, offset: fs, floor: 1e-16 * scale, dashed: true });
    // The averaged iterate's loss, dotted (average=polyak or ema), over
    // every racer's own.
    if (r.avgF) averaged.push({ key: r.id + 'a', index: r.index, x: r.t, y: r.avgF, offset: fs, floor: 1e-16 * scale, dotted: true });
    gnorm.push({ key: r.id, index: r.index, x: r.t, y: r.gnorm });
    if (r.noise) gnorm.push({ key: r.id + 'n', index: r.index, x: r.noiseT, y: r.noise, dashed: true });
    eig.push({ key: r.id + '+', index: r.index, x: r.eigT, y: r.eigMax }, { key: r.id + '-', index: r.index, x: r.eigT, y: r.eigMin, dashed: true });
    curv.push({ key: r.id + 'g', index: r.index, x: r.curvT, y: r.gtg }, { key: r.id + 'h', index: r.index, x: r.curvT, y: r.gthg, dashed: true },
      { key: r.id + 'p', index: r.index, x: r.curvT, y: r.pred || [], dotted: true });
    error.push({ key: r.id + 't', index: r.index, x: r.errT, y: r.trainErr }, { key: r.id + 'v', index: r.index, x: r.errT, y: r.valErr, dashed: true });
  }
  const xl = X_LABEL[state.clock];
  charts.loss.set(loss.concat(averaged), reg.colors, xl);
  charts.gnorm.set(gnorm, reg.colors, xl);
  charts.eig.set(eig, reg.colors, xl);
  charts.curv.set(curv, reg.colors, xl);
  charts.error.set(error, reg.colors, xl);
  if (!$('netview').hidden) netview.update(ordered, reg.colors);
  updateQuad(ordered);
  leaderboard(ordered);
  for (const r of ordered) {
    const card = cards.get(r.id);
    if (!card || r.last < 0) continue;
    const d = r.diag || {};
    const lr = (d.lr === null || d.lr === undefined ? '' : ` · lr ${+d.lr.toPrecision(3)}`) + (d.blur ? ` · blur ${+d.blur.toPrecision(3)}` : '');
    const why = r.reason ? `: ${r.reason}` : '';
    const n = d.net;
    let net = '';
    if (n) {
      net = n.train_err === null ? ` · training loss ${n.train_loss.toPrecision(3)}` : ` · error ${(100 * n.train_err).toFixed(1)}%`;
      if (n.val_loss !== null) net += n.val_err === null ? ` (validation loss ${n.val_loss.toPrecision(3)})` : ` (validation ${(100 * n.val_err).toFixed(1)}%, loss ${n.val_loss.toPrecision(3)})`;
      if (n.act_std) net += ` · layer σ of activations ${n.act_std.map((v) => (v === 0 ? '0' : v.toPrecision(2))).join(' ')}, of gradients ${n.grad_std.map((v) => (v === 0 ? '0' : v.toExponential(0))).join(' ')}`;
      if (n.grad_noise !== undefined) net += ` · minibatches of ${n.batch}: spread ${n.grad_noise.toPrecision(3)} around the full gradient`;
      if (n.dh_norms) net += ` · ‖∂L/∂hₜ‖ from t = 1: ${n.dh_norms.map((v) => v.toExponential(0)).join(' ')}`;
      if (d.best) net += ` · best validation loss ${d.best.val_loss.toPrecision(3)} at iteration ${d.best.iter} (epoch ${+d.best.epoch.toPrecision(3)})`;
    }
    const hess = r.hev && r.hev[r.last] ? ` + ${r.hev[r.last]} Hessians (${r.cost[r.last]} evaluations' worth)` : '';
    const avg = r.avgF ? ` · averaged iterate: f = ${r.avgF[r.last].toPrecision(6)}` : '';
    card.showStatus(`${r.status || 'ready'}${why} · iteration ${r.iter[r.last]} · ${r.evals[r.last]} evaluations${hess} · f = ${r.f[r.last].toPrecision(6)} · ‖g‖ = ${r.gnorm[r.last].toPrecision(3)}${avg}${lr}${net}`);
    card.el.dataset.status = r.status || '';
  }
}

let lastBoard = 0, boardTimer = 0;
function leaderboard(ordered) {
  const now = performance.now();
  if (now - lastBoard < 200) {
    // At most five updates a second, and never a stale board: the last
    // frame of a burst (a seek, say) is shown when the 200 ms are up.
    if (!boardTimer) {
      boardTimer = setTimeout(() => {
        boardTimer = 0;
        lastBoard = 0;
        dirty = true;
      }, 200 - (now - lastBoard));
    }
    return;
  }
  lastBoard = now;
  // Lowest f first (a racer stuck in a local minimum also meets the
  // gradient tolerance); among equals, whoever met the tolerance first.
  const rows = ordered.filter((r) => r.last >= 0).sort((a, b) => {
    const fa = a.f[a.last], fb = b.f[b.last];
    if (Math.abs(fa - fb) > 1e-9 * Math.max(1, Math.abs(fa), Math.abs(fb))) return fa - fb;
    if (a.reached && b.reached) return a.reached.clock - b.reached.clock;
    return a.reached ? -1 : b.reached ? 1 : 0;
  });
  const head = $('leaderboard').tHead.rows[0].cells[5];
  head.textContent = state.clock === 'evaluations' ? 'evals (H = n)' : 'evals';
  head.title = state.clock === 'evaluations' ? 'evaluations, with each Hessian or Fisher counted as n evaluations, as the clock counts them' : 'evaluations of the value and gradient (Hessians are counted apart)';
  const body = $('leaderboard').tBodies[0];
  body.replaceChildren(...rows.map((r, i) => {
    const tr = document.createElement('tr');
    tr.dataset.id = r.id;
    const sw = document.createElement('span');
    sw.className = `swatch ${racerMarker(reg.colors, r.index)}`;
    sw.style.background = racerColor(reg.colors, r.index);
    // Under the evaluations clock the evals column counts what the clock
    // counts: a Hessian (or Fisher) as n evaluations.
    const byCost = state.clock === 'evaluations';
    const reached = r.reached ? `it. ${r.reached.iter}, ${byCost ? r.reached.clock : r.reached.evals} ev.` : '—';
    const evals = byCost ? r.cost[r.last] : r.evals[r.last];
    // A long spec may break after its colon and commas, not inside a word.
    const cells = [String(i + 1), r.spec.replace(/([:,])/g, '$1\u200b'), r.status || '', reached, String(r.iter[r.last]), String(evals), r.f[r.last].toPrecision(5), r.gnorm[r.last].toPrecision(2)];
    cells.forEach((text, j) => {
      const td = document.createElement('td');
      if (j === 1) td.append(sw, ' ');
      td.append(text);
      tr.append(td);
    });
    return tr;
  }));
}

const chartList = Object.values(charts);
let chartTurn = 0;
function frame() {
  if (dirty) {
    dirty = false;
    updateViews();
  }
  landscape.draw();
  showInsideCaption();
  view3d.draw();
  // At most one chart a frame, in turn: a chart's redraw and the map's fit
  // in one frame's time, four charts do not.
  for (let k = 0; k < chartList.length; k++) {
    const c = chartList[(chartTurn + k) % chartList.length];
    if (c.dirty) {
      c.draw();
      chartTurn = (chartTurn + k + 1) % chartList.length;
      break;
    }
  }
  requestAnimationFrame(frame);
}

// For tests and the curious: the page's live data.
window.saddle = {
  state, racers, landscape, view3d, netview, sliceView, send, charts, updateViews,
  get playing() { return playing; }, get gen() { return gen; }, get surface() { return surfaceMsg; },
  get opens() { return opens; }, get pops() { return pops; },
  dataUploads: () => dataBox.uploads,
  quad: { panel: quadPanel, model: quadModel },
  /** invalidate forces a full redraw of every view at the next animation frame. */
  invalidate() {
    dirty = true;
    landscape.invalidate();
    lastBoard = 0;
  },
};

showPresent();
conn.connect();
requestAnimationFrame(frame);

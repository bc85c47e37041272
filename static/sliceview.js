// Views of a network's loss landscape, drawn as their rows arrive: a 2-D
// slice (random filter-normalized directions, or the plane of a racer's
// trajectory with its path) as a heat map of log₁₀ loss with contours, or
// the interpolation from the initial weights as a line; for the plane, the
// true loss along the path against the loss at its projections.

import { viridis, marker } from './colors.js';
import { frameAxes, colorBar, COLORBAR } from './axes.js';
import { fitCanvas } from './canvas.js';
import { traceContours } from './landscape.js';
import { Chart } from './charts.js';

// A map's margins: its axes' ticks and titles, and its colour bar.
const MAP = { left: 58, right: COLORBAR + 14, top: 10, bottom: 44 };

// The kinds drawn as a line of losses rather than a map.
const LINES = ['interpolate', 'between', 'matched'];

export class SliceView {
  constructor(canvas, lineCanvas, errorCanvas, progress, caption) {
    this.canvas = canvas;
    this.line = new Chart(lineCanvas, 'log');
    this.error = new Chart(errorCanvas, 'linear');
    this.progress = progress;
    this.caption = caption;
    this.job = null;
  }

  start(msg) {
    this.job = { ...msg, rows: new Array(msg.rows).fill(null), got: 0 };
    this.progress.max = msg.rows;
    this.progress.value = 0;
    this.progress.hidden = false;
    document.getElementById('slice-cancel').hidden = false;
    const line = LINES.includes(msg.kind);
    this.canvas.hidden = line;
    this.line.canvas.parentElement.hidden = !line;
    const what = { random: 'two random filter-normalized directions', plane: "the plane of the racer's trajectory", interpolate: 'the line from the initial weights (α = 0) to the racer\'s (α = 1)', between: 'the line from the racer\'s solution (α = 0) to the other racer\'s (α = 1)', matched: `the line from the racer's solution (α = 0) to the other racer's (α = 1) as it is (dashed, vermillion) and with its hidden units permuted to match this racer's by weight matching (solid, blue; Ainsworth et al. 2022: ${msg.moved} units moved, the same function)`, eigmap: 'two random filter-normalized directions' }[msg.kind];
    this.lineLabel = msg.kind === 'between' || msg.kind === 'matched' ? 'α (0: this racer, 1: the other)' : 'α (0: initial weights, 1: the racer\'s)';
    this.caption.textContent = (msg.kind === 'eigmap' ? 'The Hessian\'s smallest eigenvalue (left: vermillion where negative, at saddles; blue where positive) and largest (right) along ' : 'Training loss along ') + what + (msg.explained ? `; the plane holds ${(100 * msg.explained[0]).toFixed(1)}% and ${(100 * msg.explained[1]).toFixed(1)}% of the path's variance` : '') + '.' +
      (msg.kind === 'random' || msg.kind === 'eigmap'
        ? (msg.ignore_bias ? ' Biases left out: the directions do not move them.' : ' Biases included as in Li et al.\'s code: each direction moves every bias by the bias itself (d = b).')
        : '');
  }

  row(msg) {
    if (!this.job) return;
    this.job.rows[msg.row] = msg;
    this.job.got++;
    this.progress.value = this.job.got;
    if (LINES.includes(this.job.kind)) this.drawLine();
    else this.drawMap();
  }

  done(msg) {
    if (!this.job) return;
    this.progress.hidden = true;
    document.getElementById('slice-cancel').hidden = true;
    if (msg.cancelled) this.caption.textContent += ' (cancelled)';
    if (msg.barrier && msg.barrier.length === 2) {
      this.job.barrier = msg.barrier;
      this.caption.textContent += ` The loss barrier (the most the loss rises above the straight line between the ends' losses) is ${msg.barrier[0].toPrecision(3)} as they are and ${msg.barrier[1].toPrecision(3)} after matching: ` +
        (msg.barrier[1] < msg.barrier[0] / 2 ? 'much of the barrier was the permutation symmetry of the hidden units, not a ridge between two different solutions.' : 'the permutation explains little of it here.');
    }
    if (msg.truth) {
      let worst = 0;
      for (let i = 0; i < msg.truth.length; i++) worst = Math.max(worst, Math.abs(msg.truth[i] - msg.projected[i]));
      this.caption.textContent += ` Along the path, the loss at the projected points differs from the true loss by up to ${worst.toPrecision(3)}: ` +
        (worst < 0.05 ? 'the picture is faithful.' : 'the picture misleads where they differ.');
      this.job.truth = msg.truth;
      this.job.projected = msg.projected;
      this.drawMap();
      // Beside the plane: the true loss along the path and the loss at its
      // projections onto the plane.
      const xs = msg.truth.map((_, i) => i);
      this.line.canvas.parentElement.hidden = false;
      this.error.canvas.hidden = true;
      this.line.set([
        { key: 'truth', index: 0, x: xs, y: msg.truth },
        { key: 'projected', index: 0, x: xs, y: msg.projected, dashed: true },
      ], ['#0072B2'], 'point of the path: true loss (solid), at its projection (dashed)');
      this.line.draw();
    }
  }

  drawLine() {
    const j = this.job, r = j.rows[0];
    const xs = r.train_loss.map((_, i) => j.lo + ((j.hi - j.lo) * i) / (j.n - 1));
    if (j.kind === 'matched') {
      const after = j.rows[1];
      this.line.set([
        { key: 'before', index: 1, x: xs, y: r.train_loss, dashed: true },
        ...(after ? [{ key: 'after', index: 0, x: xs, y: after.train_loss }] : []),
      ], ['#0072B2', '#D55E00'], this.lineLabel + ': training loss');
      this.line.draw();
      this.error.canvas.hidden = true;
      return;
    }
    this.line.set([
      { key: 'train', index: 0, x: xs, y: r.train_loss },
      { key: 'val', index: 0, x: xs, y: r.val_loss, dashed: true },
    ], ['#0072B2'], this.lineLabel + ': loss');
    this.line.draw();
    this.error.canvas.hidden = !r.train_err;
    if (!r.train_err) return;
    this.error.set([
      { key: 'train', index: 0, x: xs, y: r.train_err },
      { key: 'val', index: 0, x: xs, y: r.val_err || [], dashed: true },
    ], ['#0072B2'], '0-1 error');
    this.error.draw();
  }

  /**
   * panels sizes the canvas for count maps, side by side where the page is
   * wide enough and one above the other where it is not, each with room for
   * its axes and colour bar, and returns the maps' areas.
   */
  panels(count) {
    const avail = Math.max(240, this.canvas.parentElement.clientWidth || 0);
    const side = MAP.left + MAP.right;
    const across = count > 1 && avail >= count * (220 + side) ? count : 1;
    const w = Math.min(380, Math.floor(avail / across) - side);
    const ph = w + MAP.top + MAP.bottom, pw = w + side;
    const ctx = fitCanvas(this.canvas, pw * across, ph * Math.ceil(count / across));
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, pw * across, ph * Math.ceil(count / across));
    const areas = [];
    for (let k = 0; k < count; k++) areas.push({ x: (k % across) * pw + MAP.left, y: Math.floor(k / across) * ph + MAP.top, w, h: w });
    this.areas = areas; // for tests: where the maps are, in CSS pixels
    return { ctx, areas };
  }

  axisLabels() {
    return this.job.kind === 'plane'
      ? { xLabel: '1st principal direction of the path', yLabel: '2nd principal direction' }
      : { xLabel: 'α (along direction δ)', yLabel: 'β (along direction η)' };
  }

  drawMap() {
    if (this.job.kind === 'eigmap') return this.drawEigMap();
    const j = this.job, n = j.n;
    const { ctx, areas: [a] } = this.panels(1);
    ctx.fillStyle = '#eee';
    ctx.fillRect(a.x, a.y, a.w, a.h);
    const z = new Float32Array(n * n).fill(NaN);
    let lo = Infinity, hi = -Infinity;
    j.rows.forEach((r, row) => {
      if (!r) return;
      r.train_loss.forEach((v, col) => {
        const t = Math.log10(Math.max(v, 1e-12));
        z[row * n + col] = t;
        lo = Math.min(lo, t);
        hi = Math.max(hi, t);
      });
    });
    if (!(hi > lo)) hi = lo + 1;
    const img = new ImageData(n, n);
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        const v = z[row * n + col], o = 4 * ((n - 1 - row) * n + col);
        const [R, G, B] = Number.isFinite(v) ? viridis((v - lo) / (hi - lo)) : [230, 230, 230];
        img.data[o] = R; img.data[o + 1] = G; img.data[o + 2] = B; img.data[o + 3] = 255;
      }
    }
    const off = document.createElement('canvas');
    off.width = off.height = n;
    off.getContext('2d').putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    // The grid's points are the pixels' centres.
    const cell = a.w / (n - 1);
    ctx.save();
    ctx.beginPath();
    ctx.rect(a.x, a.y, a.w, a.h);
    ctx.clip();
    ctx.drawImage(off, a.x - cell / 2, a.y - cell / 2, a.w + cell, a.h + cell);
    const box = [j.lo, j.hi, j.lo, j.hi];
    const px = (x) => a.x + ((x - j.lo) / (j.hi - j.lo)) * a.w, py = (y) => a.y + (1 - (y - j.lo) / (j.hi - j.lo)) * a.h;
    if (j.got === j.rows.length) {
      const levels = [];
      for (let k = 1; k <= 10; k++) levels.push(lo + ((hi - lo) * k) / 11);
      ctx.strokeStyle = 'rgba(255,255,255,0.55)';
      ctx.lineWidth = 0.8;
      ctx.beginPath();
      for (const segs of traceContours(z, n, levels, box)) {
        for (let i = 0; i < segs.length; i += 4) {
          ctx.moveTo(px(segs[i]), py(segs[i + 1]));
          ctx.lineTo(px(segs[i + 2]), py(segs[i + 3]));
        }
      }
      ctx.stroke();
    }
    if (j.path) {
      for (const [w, color] of [[6, 'rgba(0,0,0,0.45)'], [4, '#fff'], [2, '#D55E00']]) {
        ctx.lineWidth = w;
        ctx.strokeStyle = color;
        ctx.beginPath();
        j.path.forEach(([u, v], i) => (i ? ctx.lineTo(px(u), py(v)) : ctx.moveTo(px(u), py(v))));
        ctx.stroke();
      }
    }
    // The racer's weights sit at the centre (the slice's origin).
    marker(ctx, 'circle', px(0), py(0), 5, '#fff');
    ctx.restore();
    frameAxes(ctx, a, box, this.axisLabels());
    colorBar(ctx, { x: a.x + a.w + 10, y: a.y, w: 12, h: a.h }, viridis, lo, hi, { log: true, title: 'training loss (log scale)' });
  }
}

/** colour of a signed value on a colour-blind-safe diverging map:
 * vermillion (negative) through white to blue (positive). */
function diverging(t) {
  const a = t < 0 ? [0xd5, 0x5e, 0x00] : [0x00, 0x72, 0xb2], s = Math.min(1, Math.abs(t));
  return a.map((c) => Math.round(255 + (c - 255) * s));
}

/** fillCell fills the cell (col, row) of a map's area on whole pixels, so
 * that neighbouring cells meet without a seam. */
function fillCell(ctx, a, cell, col, row) {
  const x0 = Math.floor(a.x + col * cell), x1 = Math.ceil(a.x + (col + 1) * cell);
  const y0 = Math.floor(a.y + row * cell), y1 = Math.ceil(a.y + (row + 1) * cell);
  ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
}

SliceView.prototype.drawEigMap = function () {
  const j = this.job, n = j.n;
  // Two maps: the smallest eigenvalue (diverging: negative is vermillion)
  // and the largest (viridis, log scale), each with its colour bar.
  const { ctx, areas: [left, right] } = this.panels(2);
  for (const a of [left, right]) {
    ctx.fillStyle = '#eee';
    ctx.fillRect(a.x, a.y, a.w, a.h);
  }
  // The colour scale is the 90th percentile of |λ|, so one extreme point
  // does not wash out the rest.
  const mags = [];
  for (const r of j.rows) if (r) for (const v of r.eig_min) mags.push(Math.abs(v));
  mags.sort((a, b) => a - b);
  const scale = mags[Math.floor(0.9 * (mags.length - 1))] || 1;
  const cell = left.w / n;
  let negative = 0, total = 0;
  j.rows.forEach((r, row) => {
    if (!r) return;
    r.eig_min.forEach((v, col) => {
      const [R, G, B] = diverging(v / (scale || 1));
      ctx.fillStyle = `rgb(${R},${G},${B})`;
      fillCell(ctx, left, cell, col, n - 1 - row);
      total++;
      if (v < 0) negative++;
    });
  });
  let maxLo = Infinity, maxHi = -Infinity;
  for (const r of j.rows) if (r) for (const v of r.eig_max) { maxLo = Math.min(maxLo, v); maxHi = Math.max(maxHi, v); }
  const lg = (v) => Math.log10(Math.max(v, 1e-12));
  j.rows.forEach((r, row) => {
    if (!r) return;
    r.eig_max.forEach((v, col) => {
      const t = maxHi > maxLo ? (lg(v) - lg(maxLo)) / (lg(maxHi) - lg(maxLo) || 1) : 0.5;
      const [R, G, B] = viridis(t);
      ctx.fillStyle = `rgb(${R},${G},${B})`;
      fillCell(ctx, right, cell, col, n - 1 - row);
    });
  });
  // The cells are centred on the grid's points: the axes span half a cell more.
  const half = (j.hi - j.lo) / (n - 1) / 2, box = [j.lo - half, j.hi + half, j.lo - half, j.hi + half];
  const labels = this.axisLabels();
  frameAxes(ctx, left, box, labels);
  frameAxes(ctx, right, box, labels);
  colorBar(ctx, { x: left.x + left.w + 10, y: left.y, w: 12, h: left.h }, (t) => diverging(2 * t - 1), -scale, scale, { title: 'smallest eigenvalue λmin' });
  if (maxHi > maxLo) colorBar(ctx, { x: right.x + right.w + 10, y: right.y, w: 12, h: right.h }, viridis, lg(maxLo), lg(maxHi), { log: true, title: 'largest eigenvalue λmax (log)' });
  if (j.got === j.rows.length) {
    let lo = Infinity, hi = -Infinity;
    for (const r of j.rows) for (const v of r.eig_max) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    this.caption.textContent = this.caption.textContent.replace(/ \(.*% of the points.*$/, '') + ` (${(100 * negative / total).toFixed(0)}% of the points have a negative eigenvalue; colours saturate at |λ| = ${scale.toPrecision(3)}; the largest eigenvalue, on the right in viridis, ranges from ${lo.toPrecision(3)} to ${hi.toPrecision(3)} over the slice).`;
  }
};

/** drawSpectrum draws the stochastic Lanczos quadrature density of the
 * Hessian's eigenvalues (smoothed), with the exact eigenvalues as ticks
 * below the axis where they are known. */
export function drawSpectrum(canvas, caption, msg) {
  const w = 420, h = 180;
  const ctx = fitCanvas(canvas, w, h);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  const all = msg.nodes.concat(msg.exact || []);
  let lo = Math.min(...all), hi = Math.max(...all);
  const pad = 0.05 * (hi - lo || 1);
  lo -= pad; hi += pad;
  const sigma = (hi - lo) / 120;
  const xs = [], ys = [];
  for (let i = 0; i <= 300; i++) {
    const x = lo + ((hi - lo) * i) / 300;
    let d = 0;
    msg.nodes.forEach((node, k) => {
      const z = (x - node) / sigma;
      d += msg.weights[k] * Math.exp(-z * z / 2) / (sigma * Math.sqrt(2 * Math.PI));
    });
    xs.push(x);
    ys.push(d);
  }
  const top = Math.max(...ys) || 1;
  const px = (x) => 30 + ((x - lo) / (hi - lo)) * (w - 40), py = (y) => h - 30 - (y / top) * (h - 50);
  ctx.strokeStyle = '#0072B2';
  ctx.lineWidth = 2;
  ctx.beginPath();
  xs.forEach((x, i) => (i ? ctx.lineTo(px(x), py(ys[i])) : ctx.moveTo(px(x), py(ys[i]))));
  ctx.stroke();
  ctx.strokeStyle = '#D55E00';
  ctx.lineWidth = 1;
  for (const e of msg.exact || []) {
    ctx.beginPath();
    ctx.moveTo(px(e), h - 28);
    ctx.lineTo(px(e), h - 20);
    ctx.stroke();
  }
  ctx.fillStyle = '#333';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText(lo.toPrecision(3), px(lo), h - 6);
  if (Math.min(px(0) - px(lo), px(hi) - px(0)) > 28) ctx.fillText('0', px(0), h - 6); // else it would overprint an end's label
  ctx.fillText(hi.toPrecision(3), px(hi), h - 6);
  const neg = (msg.exact || []).filter((e) => e < 0).length;
  caption.textContent = `Eigenvalue density of the Hessian (stochastic Lanczos quadrature, blue)` +
    (msg.exact ? `, exact eigenvalues as ticks (orange): ${neg} of ${msg.dim} negative` : '') +
    `. Trace ${msg.trace.toPrecision(4)} ± ${msg.trace_se.toPrecision(2)} (Hutchinson)` + (msg.exact ? `, exactly ${msg.exact.reduce((a, b) => a + b, 0).toPrecision(4)}` : '') +
    `. Top eigenvalue per layer: ${msg.layer_top.map((v) => v.toPrecision(3)).join(', ')}.`;
}

/** drawCritical plots the explorer's critical points, index (the share of
 * the Hessian's eigenvalues that are negative) against training loss:
 * found from the racer's path (orange squares) or from random weights
 * (blue circles); searches that stopped short of ∇L = 0 as small grey
 * rings. Dauphin et al. (2014) show the same picture: the higher the loss,
 * the more directions lead down. */
export function drawCritical(canvas, caption, msg) {
  const w = 420, h = 240;
  const ctx = fitCanvas(canvas, w, h);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  const found = msg.points.filter((p) => p.converged);
  const losses = msg.points.map((p) => p.loss).filter((v) => v !== null);
  let lo = Math.min(...losses), hi = Math.max(...losses);
  const pad = 0.05 * (hi - lo || 1);
  lo = Math.max(0, lo - pad); hi += pad;
  const top = Math.max(0.1, ...msg.points.map((p) => p.index || 0)) * 1.1;
  const a = { x: 56, y: 10, w: w - 70, h: h - 56 }, box = [lo, hi, 0, top];
  frameAxes(ctx, a, box, { xLabel: 'training loss', yLabel: 'index (share of λ < 0)', ticks: 5 });
  const px = (x) => a.x + ((x - lo) / (hi - lo)) * a.w, py = (y) => a.y + (1 - y / top) * a.h;
  for (const p of msg.points) {
    if (p.converged || p.loss === null) continue;
    ctx.beginPath();
    ctx.arc(px(p.loss), py(p.index), 2.5, 0, 2 * Math.PI);
    ctx.strokeStyle = '#999';
    ctx.lineWidth = 1;
    ctx.stroke();
  }
  for (const p of found) marker(ctx, p.from === 'path' ? 'square' : 'circle', px(p.loss), py(p.index), 4.5, p.from === 'path' ? '#D55E00' : '#0072B2');
  const minima = found.filter((p) => p.negative === 0), saddles = found.length - minima.length;
  const best = found.reduce((b, p) => (b && b.loss <= p.loss ? b : p), null);
  caption.textContent = `Critical points of the training loss (${msg.dim} weights): searches by Newton's method on ‖∇L‖ from ${msg.starts} starts, ` +
    `${msg.points.length} done. ${found.length} reached ∇L = 0 (‖∇L‖ ≤ 1e−8): ${minima.length} minima and ${saddles} saddles` +
    (best ? `; the lowest loss, ${best.loss.toPrecision(4)}, has ${best.negative} negative eigenvalues` : '') +
    '. Orange squares started on the racer\'s path, blue circles at random weights, grey rings stopped short of a critical point.';
  canvas.dataset.minima = String(minima.length);
  canvas.dataset.saddles = String(saddles);
}

// The network view: for each racer a tile with its decision regions over the
// 2-D data (training points filled, validation points hollow) and a legend
// of the classes' names, its predicted target for a regression on 2-D data
// (viridis, the points on the same scale), or for data of more dimensions
// its validation confusion matrix.

import { racerColor } from './colors.js';
import { viridis } from './colors.js';
import { fitCanvas } from './canvas.js';

// Class colours: Okabe–Ito, then two more for ten digits.
const CLASS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000', '#999999', '#882255'];

function rgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** paint draws an n×n image over the size×size tile, smoothed. */
function paint(ctx, img, n, size) {
  const off = document.createElement('canvas');
  off.width = off.height = n;
  off.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, size, size);
}

/** legend names what the tiles' colours mean: each class's colour and
 * name, or a regression's target scale; training points filled,
 * validation points hollow. */
function legend(data, classes) {
  const el = document.createElement('p');
  el.className = 'net-legend';
  const item = (color, text, hollow = false) => {
    const span = document.createElement('span');
    const dot = document.createElement('span');
    dot.className = 'dot';
    dot.style.background = hollow ? '#fff' : color;
    dot.style.borderColor = hollow ? color : '#222';
    span.append(dot, text);
    return span;
  };
  if (data.t) {
    const lo = Math.min(...data.t), hi = Math.max(...data.t);
    const ramp = document.createElement('span');
    ramp.className = 'ramp';
    ramp.style.background = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((u) => `rgb(${viridis(u).map(Math.round).join(',')})`).join(', ')})`;
    el.append('predicted and true target (standardized) from ', lo.toPrecision(2), ' ', ramp, ' ', hi.toPrecision(2), '; ');
  } else {
    const names = classes && classes.length ? classes : Array.from({ length: data.classes }, (_, i) => String(i));
    el.append(...names.map((name, i) => item(CLASS[i % CLASS.length], name)), ' ');
  }
  el.append(item('#222', 'training'), item('#222', 'validation', true));
  return el;
}

/** normRange is the whole decades [lo, hi] around log10 values from a to
 * b, at least two decades wide and at most 30 (below that, as good as 0). */
function normRange(a, b) {
  let lo = Math.floor(a), hi = Math.ceil(b);
  hi = Math.max(hi, lo + 2);
  lo = Math.max(lo, hi - 30);
  return [lo, hi];
}

export class NetView {
  constructor(container) {
    this.el = container;
    this.tiles = new Map();
    this.data = null;
  }

  /** setData takes the surface message's data (null beyond 2-D), its title
   * and, for a deep linear network, its task's singular values; classes
   * are the class names. */
  setData(data, title, singular, classes) {
    this.data = data;
    this.classes = classes;
    this.title = title;
    this.singular = singular;
    this.el.replaceChildren();
    this.tiles.clear();
    this.legend = data ? legend(data, classes) : null;
  }

  tile(r, colors) {
    let t = this.tiles.get(r.id);
    if (!t) {
      const fig = document.createElement('figure');
      fig.className = 'net-tile';
      const canvas = document.createElement('canvas');
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `${r.spec}: waiting for the network's first report`);
      const cap = document.createElement('figcaption');
      fig.append(canvas, cap);
      this.el.append(fig);
      t = { fig, canvas, cap, drawn: null };
      this.tiles.set(r.id, t);
    }
    t.fig.style.borderColor = racerColor(colors, r.index);
    return t;
  }

  /** update draws every racer that has a report: {id, index, spec, diag}. */
  update(racers, colors) {
    const ids = new Set(racers.map((r) => r.id));
    for (const [id, t] of this.tiles) {
      if (!ids.has(id)) {
        t.fig.remove();
        this.tiles.delete(id);
      }
    }
    // Every racer's ‖∂L/∂hₜ‖ on one logarithmic scale, whole decades, so
    // that the tiles compare at a glance.
    const logs = racers.flatMap((r) => (r.diag && r.diag.net && r.diag.net.dh_norms) || []).filter((v) => v > 0).map(Math.log10);
    const range = logs.length ? normRange(Math.min(...logs), Math.max(...logs)) : [-2, 0];
    for (const r of racers) {
      const net = r.diag && r.diag.net;
      const t = this.tile(r, colors);
      this.el.append(t.fig); // keeps the racers' order
      if (this.singular && r.modes && t.drawnModes !== r.t.length) {
        t.drawnModes = r.t.length;
        t.fig.hidden = false;
        this.drawModes(t.canvas, r.t, r.modes, colors);
        t.cap.textContent = `${r.spec}: mode strengths ${r.modes.map((m) => m[m.length - 1].toFixed(2)).join(', ')} of ${this.singular.map((v) => +v.toPrecision(3)).join(', ')}`;
        t.canvas.setAttribute('aria-label', t.cap.textContent);
        continue;
      }
      if (!net || this.singular) continue;
      const key = range.join();
      if (t.drawn === net && t.range === key) continue;
      t.drawn = net;
      t.range = key;
      const val = net.val_err === null || net.val_err === undefined ? '' : `, validation ${(100 * net.val_err).toFixed(1)}%`;
      t.cap.textContent = net.train_err === null || net.train_err === undefined
        ? `${r.spec}: training loss ${net.train_loss.toPrecision(3)}`
        : `${r.spec}: error ${(100 * net.train_err).toFixed(1)}%${val}`;
      t.fig.hidden = !net.regions && !net.confusion && !net.dh_norms;
      t.canvas.setAttribute('aria-label', t.cap.textContent);
      if (net.dh_norms) {
        this.drawNorms(t.canvas, net.dh_norms, range);
        t.canvas.setAttribute('aria-label', `${t.cap.textContent}; ‖∂L/∂hₜ‖ for t = 1 … ${net.dh_norms.length} from 1e${range[0]} to 1e${range[1]}, the same scale in every tile`);
      }
      t.fig.hidden = t.fig.hidden && !net.pred;
      if (net.regions) this.drawRegions(t.canvas, net);
      else if (net.pred) this.drawPredictions(t.canvas, net);
      else if (net.confusion) this.drawConfusion(t.canvas, net.confusion, this.classes);
    }
    if (this.legend) this.el.append(this.legend); // after the tiles
  }

  /** drawPredictions draws a regression's predicted target over the data's
   * box in viridis, and the points in the colour of their own target on
   * the same scale: where a point stands out, the network misses it. */
  drawPredictions(canvas, net) {
    const size = 220;
    const ctx = fitCanvas(canvas, size);
    const n = net.res, cells = Uint8Array.from(atob(net.pred), (c) => c.charCodeAt(0));
    const img = new ImageData(n, n);
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        const [R, G, B] = viridis(cells[row * n + col] / 255);
        const o = 4 * ((n - 1 - row) * n + col);
        img.data.set([R, G, B, 255], o);
      }
    }
    paint(ctx, img, n, size);
    if (!this.data) return;
    const b = net.box, [lo, hi] = net.pred_range, val = new Set(this.data.val);
    const px = (x) => ((x - b[0]) / (b[1] - b[0])) * size, py = (y) => (1 - (y - b[2]) / (b[3] - b[2])) * size;
    for (let i = 0; i < this.data.t.length; i++) {
      const [R, G, B] = viridis((this.data.t[i] - lo) / (hi - lo));
      ctx.beginPath();
      ctx.arc(px(this.data.x[2 * i]), py(this.data.x[2 * i + 1]), 2.6, 0, 2 * Math.PI);
      ctx.fillStyle = val.has(i) ? '#fff' : `rgb(${R},${G},${B})`;
      ctx.strokeStyle = val.has(i) ? `rgb(${R},${G},${B})` : '#fff';
      ctx.lineWidth = val.has(i) ? 1.5 : 1;
      ctx.fill();
      ctx.stroke();
    }
  }

  drawRegions(canvas, net) {
    const size = 220;
    const ctx = fitCanvas(canvas, size);
    const n = net.res, cells = Uint8Array.from(atob(net.regions), (c) => c.charCodeAt(0));
    const classes = this.data ? this.data.classes : 2;
    const img = new ImageData(n, n);
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        const k = 2 * (row * n + col), c = cells[k], p = cells[k + 1] / 255;
        // Pale where the network is unsure, full where it is sure.
        const sure = Math.max(0, (p - 1 / classes) / (1 - 1 / classes));
        const [R, G, B] = rgb(CLASS[c % CLASS.length]);
        const o = 4 * ((n - 1 - row) * n + col);
        img.data[o] = 255 + (R - 255) * 0.55 * sure;
        img.data[o + 1] = 255 + (G - 255) * 0.55 * sure;
        img.data[o + 2] = 255 + (B - 255) * 0.55 * sure;
        img.data[o + 3] = 255;
      }
    }
    paint(ctx, img, n, size);
    if (!this.data) return;
    const b = net.box, val = new Set(this.data.val);
    const px = (x) => ((x - b[0]) / (b[1] - b[0])) * size, py = (y) => (1 - (y - b[2]) / (b[3] - b[2])) * size;
    for (let i = 0; i < this.data.y.length; i++) {
      ctx.beginPath();
      ctx.arc(px(this.data.x[2 * i]), py(this.data.x[2 * i + 1]), 2.6, 0, 2 * Math.PI);
      ctx.lineWidth = 1;
      ctx.strokeStyle = '#222';
      if (val.has(i)) {
        ctx.fillStyle = '#fff';
      } else {
        ctx.fillStyle = CLASS[this.data.y[i] % CLASS.length];
      }
      ctx.fill();
      ctx.stroke();
      if (val.has(i)) {
        ctx.strokeStyle = CLASS[this.data.y[i] % CLASS.length];
        ctx.lineWidth = 1.5;
        ctx.stroke();
      }
    }
  }

  /** drawNorms charts ‖∂L/∂hₜ‖ against the time step t on a log scale
   * over the decades [lo, hi] (the same for every tile): vanishing
   * gradients fall to the left, exploding ones rise. */
  drawNorms(canvas, norms, [lo, hi]) {
    const size = 220, left = 34, right = size - 8, top = 10, bottom = size - 34;
    const ctx = fitCanvas(canvas, size);
    canvas.dataset.lo = String(lo);
    canvas.dataset.hi = String(hi);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    const T = norms.length;
    const px = (t) => left + ((t - 1) / Math.max(1, T - 1)) * (right - left);
    const py = (l) => top + (1 - (l - lo) / (hi - lo)) * (bottom - top);
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillStyle = '#333';
    ctx.strokeStyle = '#ddd';
    ctx.lineWidth = 1;
    // A grid line and a label at every decade, or every few when many.
    const every = Math.max(1, Math.ceil((hi - lo) / 6));
    ctx.textAlign = 'right';
    for (let d = hi; d >= lo; d -= every) {
      ctx.beginPath();
      ctx.moveTo(left, py(d));
      ctx.lineTo(right, py(d));
      ctx.stroke();
      ctx.fillText(`1e${d}`, left - 3, py(d) + 3);
    }
    // The time axis: t = 1, the middle, T.
    ctx.textAlign = 'center';
    for (const t of [...new Set([1, Math.round((T + 1) / 2), T])]) {
      ctx.beginPath();
      ctx.moveTo(px(t), bottom);
      ctx.lineTo(px(t), bottom + 3);
      ctx.strokeStyle = '#333';
      ctx.stroke();
      ctx.fillText(String(t), px(t), bottom + 13);
    }
    ctx.fillText('‖∂L/∂hₜ‖ against time step t', (left + right) / 2, size - 6);
    ctx.strokeStyle = '#0072B2';
    ctx.lineWidth = 2;
    ctx.beginPath();
    norms.forEach((v, k) => {
      const l = Math.log10(Math.max(v, Math.pow(10, lo)));
      if (k) ctx.lineTo(px(k + 1), py(l));
      else ctx.moveTo(px(k + 1), py(l));
    });
    ctx.stroke();
  }


  /** drawModes charts a deep linear network's mode strengths uᵢᵀWvᵢ against
   * the race clock, each with its singular value sᵢ dashed: from small
   * weights they rise one at a time, the largest first (Saxe et al. 2014). */
  drawModes(canvas, ts, modes, colors) {
    const size = 220, s = this.singular;
    const ctx = fitCanvas(canvas, size);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    const L = 30, R = size - 8, T = 10, B = size - 34;
    const tmax = Math.max(1, ts[ts.length - 1] || 1), hi = 1.1 * Math.max(...s);
    const px = (t) => L + (t / tmax) * (R - L), py = (v) => B - (Math.max(-0.05 * hi, Math.min(hi, v)) / hi) * (B - T);
    ctx.font = '10px system-ui, sans-serif';
    ctx.lineWidth = 1;
    s.forEach((v, k) => {
      ctx.strokeStyle = colors[k % colors.length];
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(L, py(v));
      ctx.lineTo(R, py(v));
      ctx.stroke();
      ctx.setLineDash([]);
    });
    ctx.lineWidth = 2;
    modes.forEach((m, k) => {
      ctx.strokeStyle = colors[k % colors.length];
      ctx.beginPath();
      const step = Math.max(1, Math.floor(m.length / 400));
      for (let i = 0; i < m.length; i += step) (i ? ctx.lineTo(px(ts[i]), py(m[i])) : ctx.moveTo(px(ts[i]), py(m[i])));
      ctx.stroke();
    });
    ctx.fillStyle = '#333';
    ctx.textAlign = 'right';
    for (const v of [0, ...s.slice(0, 4)]) ctx.fillText(String(+v.toPrecision(2)), L - 3, py(v) + 3);
    ctx.textAlign = 'center';
    ctx.fillText('0', L, B + 12);
    ctx.fillText(String(+tmax.toPrecision(3)), R - 8, B + 12);
    ctx.fillText('uᵢᵀWvᵢ against the clock; sᵢ dashed', size / 2, size - 8);
  }

  /** drawConfusion draws the validation confusion matrix: a row per true
   * class, a column per predicted class, each cell coloured by its share
   * of the row, with the classes' names. */
  drawConfusion(canvas, m, names) {
    const c = m.length, size = 220;
    const ctx = fitCanvas(canvas, size);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    const name = (i) => (names && names[i]) || String(i);
    ctx.font = '10px system-ui, sans-serif';
    const widest = Math.max(...m.map((_, i) => ctx.measureText(name(i)).width));
    const left = Math.min(84, 18 + widest + 4), top = 30;
    const cell = Math.min((size - left - 2) / c, (size - top - 2) / c);
    // Names too wide for a column are cut short; the row labels keep them whole.
    const fit = (text, w) => {
      if (ctx.measureText(text).width <= w) return text;
      while (text.length > 1 && ctx.measureText(text + '…').width > w) text = text.slice(0, -1);
      return text + '…';
    };
    ctx.fillStyle = '#333';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText('predicted class →', left + (c * cell) / 2, 7);
    ctx.save();
    ctx.translate(7, top + (c * cell) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText('true class →', 0, 0);
    ctx.restore();
    for (let i = 0; i < c; i++) {
      ctx.fillStyle = '#333';
      ctx.textAlign = 'right';
      ctx.fillText(fit(name(i), left - 20), left - 3, top + (i + 0.5) * cell);
      ctx.textAlign = 'center';
      ctx.fillText(fit(name(i), cell - 2), left + (i + 0.5) * cell, top - 8);
    }
    ctx.font = `${Math.max(8, Math.min(12, cell * 0.45))}px system-ui, sans-serif`;
    for (let i = 0; i < c; i++) {
      const total = m[i].reduce((a, b) => a + b, 0) || 1;
      for (let j = 0; j < c; j++) {
        const share = m[i][j] / total;
        const [R, G, B] = viridis(share);
        ctx.fillStyle = `rgb(${R},${G},${B})`;
        ctx.fillRect(left + j * cell, top + i * cell, cell - 1, cell - 1);
        ctx.fillStyle = share > 0.6 ? '#000' : '#fff';
        if (m[i][j]) ctx.fillText(String(m[i][j]), left + (j + 0.5) * cell, top + (i + 0.5) * cell);
      }
    }
  }
}

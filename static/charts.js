// Line charts that update live: one series per racer against the race
// clock, on a log or symmetric-log axis, each series thinned to about one
// point per pixel column when drawn.

import { niceTicks, logTicks, formatTick } from './ticks.js';
import { racerColor, racerDash } from './colors.js';
import { font } from './canvas.js';

const M = { left: 56, right: 10, top: 8, bottom: 26 };
const MAX_DECADES = 24;

export class Chart {
  /** @param {HTMLCanvasElement} canvas @param {'log'|'symlog'|'linear'} scale */
  constructor(canvas, scale) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.scale = scale;
    this.series = [];
    this.colors = [];
    this.xLabel = '';
    this.dirty = true;
    new ResizeObserver(() => this.resize()).observe(canvas.parentElement);
    this.resize();
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    this.w = Math.max(160, this.canvas.parentElement.clientWidth);
    this.h = Math.round(Math.min(200, this.w * 0.45));
    this.canvas.style.width = this.w + 'px';
    this.canvas.style.height = this.h + 'px';
    this.canvas.width = this.w * dpr;
    this.canvas.height = this.h * dpr;
    this.dpr = dpr;
    this.dirty = true;
    if (this.series.length) this.draw(); // resizing clears the canvas
  }

  /** set gives the series: [{key, index, x: number[], y: number[], dashed?: boolean,
   * offset?: number, floor?: number}]; a series with an offset is drawn as
   * max(y − offset, floor). */
  set(series, colors, xLabel) {
    this.series = series;
    this.colors = colors;
    this.xLabel = xLabel;
    this.dirty = true;
  }

  ty(v) {
    if (this.scale === 'log') return Math.log10(v);
    if (this.scale === 'symlog') return Math.sign(v) * Math.log10(1 + Math.abs(v));
    return v;
  }

  untY(t) {
    if (this.scale === 'log') return Math.pow(10, t);
    if (this.scale === 'symlog') return Math.sign(t) * (Math.pow(10, Math.abs(t)) - 1);
    return t;
  }

  /**
   * transformed returns the series' values on the chart's axis (log10, symlog
   * or as they are), cached per series key and extended only by the points
   * that arrived since the last draw; a new offset recomputes the cache.
   */
  transformed(s) {
    this.cache ||= new Map();
    let c = this.cache.get(s.key);
    if (!c || c.offset !== s.offset || c.n > s.x.length || c.y !== s.y) {
      c = { n: 0, offset: s.offset, y: s.y, t: new Float64Array(Math.max(1024, s.x.length * 2)), lo: Infinity, hi: -Infinity };
      this.cache.set(s.key, c);
    }
    if (c.t.length < s.x.length) {
      const t = new Float64Array(s.x.length * 2);
      t.set(c.t.subarray(0, c.n));
      c.t = t;
    }
    for (let i = c.n; i < s.x.length; i++) {
      let y = s.y[i];
      if (s.offset !== undefined) y = Math.max(y - s.offset, s.floor);
      const v = y === null || !Number.isFinite(y) || (this.scale === 'log' && y <= 0) ? NaN : this.ty(y);
      c.t[i] = v;
      if (v < c.lo) c.lo = v;
      if (v > c.hi) c.hi = v;
    }
    c.n = s.x.length;
    return c;
  }

  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.w, this.h);
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    const cached = this.series.map((s) => this.transformed(s));
    this.series.forEach((s, k) => {
      const n = s.x.length;
      if (n === 0) return;
      // The race clock only grows, so a series spans its first to last x.
      x0 = Math.min(x0, s.x[0]);
      x1 = Math.max(x1, s.x[n - 1]);
      y0 = Math.min(y0, cached[k].lo);
      y1 = Math.max(y1, cached[k].hi);
    });
    const a = { x: M.left, y: M.top, w: this.w - M.left - M.right, h: this.h - M.top - M.bottom };
    ctx.strokeStyle = '#888';
    ctx.lineWidth = 1;
    ctx.strokeRect(a.x, a.y, a.w, a.h);
    if (!(x1 >= x0) || !(y1 >= y0) || this.series.every((s) => s.x.length === 0)) {
      ctx.fillStyle = '#666';
      ctx.font = font(12);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText('fills in while the race plays', a.x + a.w / 2, a.y + a.h / 2);
      return;
    }
    // One clock value (the race at its start): the axis runs from it to one
    // more, never below zero.
    if (x1 === x0) x1 = x0 + 1;
    // A log axis spans at most MAX_DECADES below its top: a racer that
    // reaches 1e-200 leaves through the bottom rather than squashing the
    // rest of the race into a line.
    if (this.scale === 'log') y0 = Math.max(y0, y1 - MAX_DECADES);
    if (!(y1 > y0)) { y0 -= 0.5; y1 += 0.5; }
    const pad = (y1 - y0) * 0.05;
    y0 -= pad; y1 += pad;
    const kx = a.w / (x1 - x0), ky = a.h / (y1 - y0);
    const px = (x) => a.x + (x - x0) * kx;
    const py = (t) => a.y + a.h - (t - y0) * ky;
    ctx.font = font(11);
    ctx.fillStyle = '#333';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.strokeStyle = '#e4e4e4';
    for (const t of this.yTicks(y0, y1)) {
      const y = py(t);
      ctx.beginPath(); ctx.moveTo(a.x, y); ctx.lineTo(a.x + a.w, y); ctx.stroke();
      ctx.fillText(formatTick(this.untY(t)), a.x - 4, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of niceTicks(x0, x1, 5)) ctx.fillText(formatTick(t), px(t), a.y + a.h + 3);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    ctx.fillText(this.xLabel, a.x + a.w, this.h);
    ctx.save();
    ctx.beginPath();
    ctx.rect(a.x, a.y, a.w, a.h);
    ctx.clip();
    this.series.forEach((s, k) => {
      const t = cached[k].t, xs = s.x, n = xs.length;
      ctx.strokeStyle = racerColor(this.colors, s.index);
      ctx.lineWidth = 1.8;
      ctx.setLineDash(s.dotted ? [1.5, 3] : s.dashed ? [4, 3] : racerDash(this.colors, s.index));
      // Many points share a pixel column: each column is drawn as its
      // first, lowest, highest and last point, so the stroke has a few
      // segments per pixel whatever the number of points.
      ctx.beginPath();
      let col = NaN, first = 0, lo = 0, hi = 0, last = 0, pen = false;
      const flush = () => {
        if (Number.isNaN(col)) return;
        if (pen) ctx.lineTo(col, first); else ctx.moveTo(col, first);
        if (hi !== lo) { ctx.lineTo(col, lo); ctx.lineTo(col, hi); }
        ctx.lineTo(col, last);
        pen = true;
      };
      const bx = a.x - x0 * kx, by = a.y + a.h + y0 * ky;
      for (let i = 0; i < n; i++) {
        const v = t[i];
        if (v !== v) { flush(); col = NaN; pen = false; continue; }
        const X = Math.round(bx + xs[i] * kx), Y = by - v * ky;
        if (X !== col) {
          flush();
          col = X; first = lo = hi = last = Y;
        } else {
          if (Y < lo) lo = Y;
          if (Y > hi) hi = Y;
          last = Y;
        }
      }
      flush();
      ctx.stroke();
      // A lone point (a race that jumped there in one frame) is a dot.
      if (n === 1 && t[0] === t[0]) {
        ctx.beginPath();
        ctx.arc(Math.round(bx + xs[0] * kx), by - t[0] * ky, 3, 0, 2 * Math.PI);
        ctx.fillStyle = ctx.strokeStyle;
        ctx.fill();
      }
    });
    ctx.restore();
    ctx.setLineDash([]);
  }

  yTicks(y0, y1) {
    if (this.scale === 'linear') return niceTicks(y0, y1, 4);
    if (this.scale === 'log') return logTicks(y0, y1, 5);
    // Symmetric log: 0 and ±1, ±10, ±100, … where they fall in range.
    const out = [];
    for (let k = 0; k <= 12; k++) {
      for (const sgn of k === 0 ? [0] : [1, -1]) {
        const v = sgn * (k === 0 ? 0 : Math.pow(10, k - 1));
        const t = this.ty(v);
        if (t >= y0 && t <= y1) out.push(t);
      }
    }
    // Keep ticks at least an eighth of the axis apart, the ones nearest 0 first.
    const kept = [];
    for (const t of out) if (kept.every((k) => Math.abs(k - t) >= (y1 - y0) / 8)) kept.push(t);
    return kept;
  }
}

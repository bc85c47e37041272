// Line charts that update live: one series per racer against the race
// clock, on a log or symmetric-log axis, each series thinned to about one
// point per pixel column when drawn.

import { niceTicks, formatTick } from './ticks.js';
import { racerColor, racerDash } from './colors.js';

const M = { left: 56, right: 10, top: 8, bottom: 26 };

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
  }

  /** set gives the series: [{index, x: number[], y: number[], dashed?: boolean}]. */
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

  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.w, this.h);
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const s of this.series) {
      for (let i = 0; i < s.x.length; i++) {
        const y = s.y[i];
        if (y === null || !Number.isFinite(y) || (this.scale === 'log' && y <= 0)) continue;
        const t = this.ty(y);
        if (s.x[i] < x0) x0 = s.x[i];
        if (s.x[i] > x1) x1 = s.x[i];
        if (t < y0) y0 = t;
        if (t > y1) y1 = t;
      }
    }
    const a = { x: M.left, y: M.top, w: this.w - M.left - M.right, h: this.h - M.top - M.bottom };
    ctx.strokeStyle = '#888';
    ctx.lineWidth = 1;
    ctx.strokeRect(a.x, a.y, a.w, a.h);
    if (!(x1 >= x0)) return;
    if (x1 === x0) x1 = x0 + 1;
    if (!(y1 > y0)) { y0 -= 0.5; y1 += 0.5; }
    const pad = (y1 - y0) * 0.05;
    y0 -= pad; y1 += pad;
    const px = (x) => a.x + ((x - x0) / (x1 - x0)) * a.w;
    const py = (t) => a.y + (1 - (t - y0) / (y1 - y0)) * a.h;
    ctx.font = '11px system-ui, sans-serif';
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
    for (const s of this.series) {
      ctx.strokeStyle = racerColor(this.colors, s.index);
      ctx.lineWidth = 1.8;
      ctx.setLineDash(s.dashed ? [4, 3] : racerDash(this.colors, s.index));
      ctx.beginPath();
      let lx = NaN, ly = NaN, pen = false;
      for (let i = 0; i < s.x.length; i++) {
        const y = s.y[i];
        if (y === null || !Number.isFinite(y) || (this.scale === 'log' && y <= 0)) { pen = false; continue; }
        const X = px(s.x[i]), Y = py(this.ty(y));
        if (pen && i < s.x.length - 1 && Math.abs(X - lx) < 0.5 && Math.abs(Y - ly) < 0.5) continue;
        if (pen) ctx.lineTo(X, Y); else ctx.moveTo(X, Y);
        pen = true; lx = X; ly = Y;
      }
      ctx.stroke();
    }
    ctx.restore();
    ctx.setLineDash([]);
  }

  yTicks(y0, y1) {
    if (this.scale === 'linear') return niceTicks(y0, y1, 4);
    const lo = Math.ceil(y0), hi = Math.floor(y1);
    if (this.scale === 'log') {
      const every = Math.max(1, Math.ceil((hi - lo + 1) / 5));
      const out = [];
      for (let k = lo; k <= hi; k += every) out.push(k);
      return out.length ? out : niceTicks(y0, y1, 3);
    }
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

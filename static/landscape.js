// The landscape: the surface as a heat map (viridis, log-scaled where the
// range is wide) with contour lines and axes, the racers' paths, the start
// point (click or drag to move it), zoom and pan, and at the focused racer's
// point the Hessian's eigenvectors scaled by their eigenvalues (negative
// curvature dashed, so a saddle shows) and the descent direction −∇f.

import { viridis, racerColor, racerDash, racerMarker, marker } from './colors.js';
import { formatTick } from './ticks.js';
import { frameAxes, colorBar, COLORBAR } from './axes.js';
import { font, typeScale } from './canvas.js';
import { glyphs, ellipsePoints, magnification } from './inside.js';

const MARGIN = { left: 54, right: 12 + COLORBAR, top: 12, bottom: 52 };
const CONTOUR_LEVELS = 14;
const NEGATIVE = '#D55E00'; // vermillion: negative curvature

export class Landscape {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onStart: (p: number[]) => void, onView: (box: number[]) => void, onHover: (text: string) => void}} hooks
   */
  constructor(canvas, hooks) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.hooks = hooks;
    this.surface = null;
    this.box = [0, 1, 0, 1]; // the view shown: [xmin, xmax, ymin, ymax]
    this.start = null;
    this.racers = [];
    // The racers whose state (momentum, scale, inverse Hessian, line
    // searches) is drawn: ids; insideShown says what was drawn, for the
    // caption and tests.
    this.inside = new Set();
    this.insideShown = [];
    this.colors = [];
    this.focus = null; // the hovered racer's id
    this.ghost = null; // the start being dragged
    // The leader's curvature (eigen-axes, −∇f) is drawn when this is on;
    // the hovered racer's always is.
    this.curvature = true;
    this.dirty = true;
    this.bindPointer();
    new ResizeObserver(() => this.resize()).observe(canvas.parentElement);
    this.resize();
  }

  resize() {
    const parent = this.canvas.parentElement;
    const avail = Math.max(240, Math.min(parent.clientWidth, window.innerHeight - 120));
    const dpr = window.devicePixelRatio || 1;
    this.size = Math.floor(avail);
    this.canvas.style.width = this.canvas.style.height = this.size + 'px';
    this.canvas.width = this.canvas.height = Math.floor(this.size * dpr);
    this.dpr = dpr;
    // The view's buttons sit in the map's top right corner, left of the
    // colour bar.
    parent.style.setProperty('--map-inset-right', `${parent.clientWidth - this.size + MARGIN.right + 6}px`);
    parent.style.setProperty('--map-inset-top', `${MARGIN.top + 6}px`);
    this.invalidate();
  }

  invalidate() {
    this.dirty = true;
  }

  // --- coordinates ---------------------------------------------------------

  area() {
    return { x: MARGIN.left, y: MARGIN.top, w: this.size - MARGIN.left - MARGIN.right, h: this.size - MARGIN.top - MARGIN.bottom };
  }

  toPx(x, y) {
    const a = this.area(), b = this.box;
    return [a.x + ((x - b[0]) / (b[1] - b[0])) * a.w, a.y + (1 - (y - b[2]) / (b[3] - b[2])) * a.h];
  }

  toWorld(px, py) {
    const a = this.area(), b = this.box;
    return [b[0] + ((px - a.x) / a.w) * (b[1] - b[0]), b[2] + (1 - (py - a.y) / a.h) * (b[3] - b[2])];
  }

  // --- the surface ---------------------------------------------------------

  /** setSurface takes a "surface" message: decodes the grid, paints it, traces contours. */
  setSurface(msg, keepView) {
    if (!msg.n) {
      // A network: its weights are too many for a map here.
      this.surface = { ...msg, grid: null, contours: [] };
      this.box = msg.box.slice();
      this.invalidate();
      return;
    }
    const bytes = Uint8Array.from(atob(msg.f), (c) => c.charCodeAt(0));
    const f = new Float32Array(bytes.buffer);
    const n = msg.n;
    const z = new Float32Array(n * n);
    let zmin = Infinity, zmax = -Infinity;
    for (let i = 0; i < f.length; i++) {
      const v = msg.log ? Math.log10(f[i] - msg.floor + msg.delta) : f[i];
      z[i] = v;
      if (Number.isFinite(v)) {
        if (v < zmin) zmin = v;
        if (v > zmax) zmax = v;
      }
    }
    if (!(zmax > zmin)) zmax = zmin + 1;
    const img = new ImageData(n, n);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const v = z[r * n + c];
        const o = 4 * ((n - 1 - r) * n + c);
        const [R, G, B] = Number.isFinite(v) ? viridis((v - zmin) / (zmax - zmin)) : [200, 200, 200];
        img.data[o] = R; img.data[o + 1] = G; img.data[o + 2] = B; img.data[o + 3] = 255;
      }
    }
    const grid = document.createElement('canvas');
    grid.width = grid.height = n;
    grid.getContext('2d').putImageData(img, 0, 0);
    const levels = [];
    for (let k = 1; k <= CONTOUR_LEVELS; k++) levels.push(zmin + ((zmax - zmin) * k) / (CONTOUR_LEVELS + 1));
    this.surface = { ...msg, grid, z, zmin, zmax, contours: traceContours(z, n, levels, msg.box) };
    this.surfaceVersion = (this.surfaceVersion || 0) + 1;
    if (!keepView) this.box = msg.box.slice();
    this.invalidate();
  }

  setStart(start) {
    this.start = start;
    this.invalidate();
  }

  /** setRacers takes the racers to draw: {id, index, xs: [x0, y0, x1, y1, …], diag}. */
  setRacers(racers, colors) {
    this.racers = racers;
    this.colors = colors;
    this.invalidate();
  }

  fit() {
    if (!this.surface) return;
    this.box = this.surface.view.slice();
    this.viewChanged();
  }

  zoom(factor, cx, cy) {
    const b = this.box;
    if (cx === undefined) { cx = (b[0] + b[1]) / 2; cy = (b[2] + b[3]) / 2; }
    const w = (b[1] - b[0]) * factor, h = (b[3] - b[2]) * factor;
    if (w < 1e-8 || w > 1e6) return;
    const fx = (cx - b[0]) / (b[1] - b[0]), fy = (cy - b[2]) / (b[3] - b[2]);
    this.box = [cx - fx * w, cx + (1 - fx) * w, cy - fy * h, cy + (1 - fy) * h];
    this.viewChanged();
  }

  pan(dxFrac, dyFrac) {
    const b = this.box, w = b[1] - b[0], h = b[3] - b[2];
    this.box = [b[0] + dxFrac * w, b[1] + dxFrac * w, b[2] + dyFrac * h, b[3] + dyFrac * h];
    this.viewChanged();
  }

  /** viewChanged redraws at once and asks for a sharper grid when the view settles. */
  viewChanged() {
    this.invalidate();
    clearTimeout(this.viewTimer);
    this.viewTimer = setTimeout(() => this.hooks.onView(this.box.slice()), 250);
  }

  // --- interaction ---------------------------------------------------------

  bindPointer() {
    const c = this.canvas;
    const local = (ev) => {
      const r = c.getBoundingClientRect();
      return [ev.clientX - r.left, ev.clientY - r.top];
    };
    let down = null;
    c.addEventListener('pointerdown', (ev) => {
      const [px, py] = local(ev);
      c.setPointerCapture(ev.pointerId);
      let mode = 'click';
      if (this.start) {
        const [sx, sy] = this.toPx(this.start[0], this.start[1]);
        if (Math.hypot(px - sx, py - sy) < 12) mode = 'start';
      }
      down = { px, py, box: this.box.slice(), mode, moved: false };
    });
    c.addEventListener('pointermove', (ev) => {
      const [px, py] = local(ev);
      if (down) {
        if (Math.hypot(px - down.px, py - down.py) > 4) down.moved = true;
        if (down.mode === 'start') {
          this.ghost = this.toWorld(px, py);
          this.invalidate();
        } else if (down.moved) {
          const a = this.area(), b = down.box;
          const dx = ((px - down.px) / a.w) * (b[1] - b[0]), dy = ((py - down.py) / a.h) * (b[3] - b[2]);
          this.box = [b[0] - dx, b[1] - dx, b[2] + dy, b[3] + dy];
          this.viewChanged();
        }
        return;
      }
      this.hover(px, py);
    });
    c.addEventListener('pointerup', (ev) => {
      const [px, py] = local(ev);
      if (down && (down.mode === 'start' || !down.moved)) {
        this.ghost = null;
        this.hooks.onStart(this.toWorld(px, py));
      }
      down = null;
    });
    c.addEventListener('pointerleave', () => {
      if (!down) {
        this.focus = null;
        this.invalidate();
      }
    });
    c.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const [px, py] = local(ev);
      const [x, y] = this.toWorld(px, py);
      this.zoom(ev.deltaY > 0 ? 1.2 : 1 / 1.2, x, y);
    }, { passive: false });
    c.addEventListener('dblclick', (ev) => ev.preventDefault());
    c.addEventListener('keydown', (ev) => {
      const keys = {
        ArrowLeft: () => this.pan(-0.1, 0), ArrowRight: () => this.pan(0.1, 0),
        ArrowUp: () => this.pan(0, 0.1), ArrowDown: () => this.pan(0, -0.1),
        '+': () => this.zoom(1 / 1.25), '=': () => this.zoom(1 / 1.25), '-': () => this.zoom(1.25), '0': () => this.fit(),
      };
      if (keys[ev.key]) {
        keys[ev.key]();
        ev.preventDefault();
        ev.stopPropagation();
      }
    });
  }

  hover(px, py) {
    let best = null, bestD = 14;
    for (const r of this.racers) {
      const n = r.xs.length;
      if (n < 2) continue;
      const [x, y] = this.toPx(r.xs[n - 2], r.xs[n - 1]);
      const d = Math.hypot(px - x, py - y);
      if (d < bestD) { best = r; bestD = d; }
    }
    const id = best ? best.id : null;
    if (id !== this.focus) {
      this.focus = id;
      this.invalidate();
    }
    const [x, y] = this.toWorld(px, py);
    const text = best ? describe(best) : `(${x.toPrecision(4)}, ${y.toPrecision(4)})`;
    this.hooks.onHover(text);
  }

  /** focused is the racer whose curvature is drawn: the hovered one, else,
   * with the curvature shown, the leader (lowest f). */
  focused() {
    let leader = null;
    for (const r of this.racers) {
      if (r.id === this.focus) return r;
      if (r.diag && r.f !== undefined && (!leader || r.f < leader.f)) leader = r;
    }
    return this.curvature ? leader : null;
  }

  // --- drawing -------------------------------------------------------------

  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    const ctx = this.ctx, a = this.area();
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.size, this.size);
    if (!this.surface) return;
    if (!this.surface.grid) {
      ctx.fillStyle = '#444';
      ctx.font = font(15);
      ctx.textAlign = 'center';
      ctx.fillText(`This landscape has ${this.surface.dim} dimensions:`, this.size / 2, this.size / 2 - 12);
      ctx.fillText('follow the race in the charts and the leaderboard.', this.size / 2, this.size / 2 + 12);
      return;
    }
    // Three layers kept between frames (the map with its axes, the paths'
    // halos, their colours), and over them what changes every frame: only
    // what is new is drawn into the layers (a race of 16 racers at 1,000
    // iterations a second holds 60 frames a second).
    const bg = this.background(), [halo, color] = this.pathLayers();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(bg, 0, 0);
    ctx.drawImage(halo, 0, 0);
    ctx.drawImage(color, 0, 0);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.save();
    ctx.beginPath();
    ctx.rect(a.x, a.y, a.w, a.h);
    ctx.clip();
    for (const r of this.racers) this.drawProbes(ctx, r);
    this.insideShown = [];
    for (const r of this.racers) if (this.inside.has(r.id)) this.drawInside(ctx, r);
    this.drawCritical(ctx);
    this.drawStart(ctx);
    // The racers' current points are what a lesson asks about: nothing is
    // drawn over them, and the curvature's labels keep clear of them.
    const ends = this.ends();
    const legend = this.placeLegend(ctx, ends);
    const f = this.focused();
    const marks = [...ends, ...(this.surface.critical || []).map((c) => this.toPx(c.x[0], c.x[1])).map(([x, y]) => ({ x, y }))];
    if (this.start) marks.push({ x: this.toPx(...this.start)[0], y: this.toPx(...this.start)[1] });
    if (f) this.drawCurvature(ctx, f, [...marks.map((e) => ({ x: e.x - 9, y: e.y - 9, w: 18, h: 18 })), legend].filter(Boolean));
    for (const e of ends) this.drawEnd(ctx, e);
    for (const r of this.racers) {
      // An averaged iterate's current point: a ring in the racer's colour.
      const n = r.avgXs ? r.avgXs.length : 0;
      if (n < 2) continue;
      const [x, y] = this.toPx(r.avgXs[n - 2], r.avgXs[n - 1]);
      if (Math.abs(x) < 1e6 && Math.abs(y) < 1e6) ring(ctx, x, y, 4, racerColor(this.colors, r.index));
    }
    if (legend) this.drawLegend(ctx, legend);
    ctx.restore();
  }

  /** layer returns the offscreen canvas named, the size of the map in
   * device pixels, and whether it was made or resized (so is blank). */
  layer(name) {
    const w = this.canvas.width, h = this.canvas.height;
    this.layers ||= {};
    let c = this.layers[name];
    const fresh = !c || c.width !== w || c.height !== h;
    if (!c) c = this.layers[name] = document.createElement('canvas');
    if (fresh) {
      c.width = w;
      c.height = h;
    }
    return [c, fresh];
  }

  /** background is the map without the racers: the heat map, contours,
   * axes and colour bar, redrawn only when the surface, view or size changes. */
  background() {
    const [c, fresh] = this.layer('bg');
    const key = `${this.surfaceVersion}|${this.box}|${this.size}|${this.dpr}|${font(12)}`;
    if (!fresh && c.key === key) return c;
    c.key = key;
    const ctx = c.getContext('2d'), a = this.area();
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.size, this.size);
    ctx.save();
    ctx.beginPath();
    ctx.rect(a.x, a.y, a.w, a.h);
    ctx.clip();
    this.drawHeat(ctx);
    this.drawContours(ctx);
    ctx.restore();
    frameAxes(ctx, a, this.box, { xLabel: 'x₀', yLabel: 'x₁' });
    this.drawColorBar(ctx);
    return c;
  }

  /** pathLayers are the paths' halos and colours, extended by each racer's
   * new points; drawn afresh when the view, the size, the racers or the
   * focus change, or a racer starts again. */
  pathLayers() {
    const [halo, h0] = this.layer('halo'), [color, c0] = this.layer('color');
    const key = `${this.box}|${this.size}|${this.dpr}|${this.focus}|${this.racers.map((r) => r.id + ':' + r.index).join(',')}|${this.colors}`;
    const drawn = (this.drawn ||= new Map());
    let fresh = h0 || c0 || halo.key !== key;
    // An averaging racer's averaged iterate is a path of its own, thinner
    // and over every racer's own path (the iterates wander over it).
    const paths = [...this.racers, ...this.racers.filter((r) => r.avgXs).map((r) => ({ id: r.id + ':avg', index: r.index, xs: r.avgXs, thin: true }))];
    for (const r of paths) {
      const d = drawn.get(r.id);
      if (d && (d.xs !== r.xs || r.xs.length / 2 < d.n)) fresh = true; // it started again
    }
    const hc = halo.getContext('2d'), cc = color.getContext('2d'), a = this.area();
    for (const ctx of [hc, cc]) {
      ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      if (fresh) ctx.clearRect(0, 0, this.size, this.size);
      ctx.save();
      ctx.beginPath();
      ctx.rect(a.x, a.y, a.w, a.h);
      ctx.clip();
    }
    if (fresh) {
      drawn.clear();
      halo.key = key;
    }
    for (const r of paths) {
      let d = drawn.get(r.id);
      if (!d) drawn.set(r.id, (d = { n: 0, x: NaN, y: NaN, dash: 0, xs: r.xs }));
      this.extendPath(hc, cc, r, d);
    }
    hc.restore();
    cc.restore();
    return [halo, color];
  }

  /** extendPath draws a racer's points from d.n on (joined to the last one
   * drawn), thinned to points at least 0.7 px apart: the double halo (dark
   * outside, white inside, so that every colour stands out, the yellow
   * racer on viridis's yellow end too) on hc, the colour on cc. */
  extendPath(hc, cc, r, d) {
    const xs = r.xs, n = xs.length / 2;
    if (n <= d.n) return;
    const a = this.area(), b = this.box;
    const kx = a.w / (b[1] - b[0]), ox = a.x - b[0] * kx;
    const ky = a.h / (b[3] - b[2]), oy = a.y + a.h + b[2] * ky;
    const need = 2 * (n - d.n) + 2;
    const pts = this.scratch && this.scratch.length >= need ? this.scratch : (this.scratch = new Float64Array(need + 1024));
    let m = 0;
    if (d.n > 0 && Number.isFinite(d.x)) {
      pts[m++] = d.x; pts[m++] = d.y;
    }
    let lx = d.x, ly = d.y, i = d.n;
    for (; i < n; i++) {
      const x = ox + xs[2 * i] * kx, y = oy - xs[2 * i + 1] * ky;
      if (!(Math.abs(x) < 1e6 && Math.abs(y) < 1e6)) {
        i = n; // off the map for good (a diverging racer): stop drawing it
        break;
      }
      if (i < n - 1 && Math.abs(x - lx) < 0.7 && Math.abs(y - ly) < 0.7) continue;
      pts[m++] = x; pts[m++] = y;
      lx = x; ly = y;
    }
    d.n = i;
    if (m < 2) return;
    d.x = pts[m - 2]; d.y = pts[m - 1];
    const trace = (ctx) => {
      ctx.beginPath();
      ctx.moveTo(pts[0], pts[1]);
      for (let j = 2; j < m; j += 2) ctx.lineTo(pts[j], pts[j + 1]);
      if (m === 2) ctx.lineTo(pts[0] + 0.01, pts[1]); // a lone point, as a dot
    };
    hc.lineJoin = hc.lineCap = cc.lineJoin = cc.lineCap = 'round';
    const wide = r.id === this.focus ? 1.5 : 0, thin = r.thin ? 0.5 : 1;
    trace(hc);
    hc.strokeStyle = 'rgba(0,0,0,0.45)';
    hc.lineWidth = 6.5 * thin + wide;
    hc.stroke();
    hc.strokeStyle = 'rgba(255,255,255,0.9)';
    hc.lineWidth = 4.5 * thin + wide;
    hc.stroke();
    // A dashed racer's pattern goes on where the last piece left it; an
    // averaged path is dotted.
    const dash = r.thin ? [1.5, 2.5] : racerDash(this.colors, r.index);
    cc.setLineDash(dash);
    cc.lineDashOffset = -d.dash;
    trace(cc);
    cc.strokeStyle = racerColor(this.colors, r.index);
    cc.lineWidth = 2.2 * thin;
    cc.stroke();
    cc.setLineDash([]);
    for (let j = 2; j < m; j += 2) d.dash += Math.hypot(pts[j] - pts[j - 2], pts[j + 1] - pts[j - 1]);
  }

  /** setInside sets the racers (ids) whose inside is drawn. */
  setInside(ids) {
    this.inside = new Set(ids);
    this.invalidate();
  }

  /** drawInside draws what a racer's method carries (inside.js) at its
   * current point, magnified by a power of ten where it would be too small
   * to see. */
  drawInside(ctx, r) {
    const n = r.xs.length;
    if (n < 2) return;
    const gl = glyphs(r);
    const p = [r.xs[n - 2], r.xs[n - 1]];
    const [cx, cy] = this.toPx(...p);
    if (!(Math.abs(cx) < 1e6 && Math.abs(cy) < 1e6)) return;
    const a = this.area();
    const sx = a.w / (this.box[1] - this.box[0]), sy = a.h / (this.box[3] - this.box[2]);
    const px = (v, k) => [cx + k * v[0] * sx, cy - k * v[1] * sy];
    const ells = gl.ellipses.map((e) => ({ ...e, pts: ellipsePoints(e.m, e.r) }));
    const extent = Math.max(0, ...gl.arrows.filter((x) => x.kind === 'velocity').map((x) => Math.hypot(x.to[0] * sx, x.to[1] * sy)),
      ...ells.flatMap((e) => e.pts.map((q) => Math.hypot(q[0] * sx, q[1] * sy))));
    const k = magnification(extent);
    const color = racerColor(this.colors, r.index);
    // The line searches: long lines through their starts.
    const far = 4 * (a.w + a.h);
    for (const l of gl.lines) {
      const [fx, fy] = this.toPx(...l.from);
      const dx = l.dir[0] * sx, dy = -l.dir[1] * sy, len = Math.hypot(dx, dy);
      if (!(len > 0)) continue;
      ctx.globalAlpha = [0.9, 0.55, 0.3][l.age] ?? 0.3;
      for (const [w, c] of [[3.2, 'rgba(0,0,0,0.6)'], [1.4, color]]) {
        ctx.lineWidth = w;
        ctx.strokeStyle = c;
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(fx - (dx / len) * far, fy - (dy / len) * far);
        ctx.lineTo(fx + (dx / len) * far, fy + (dy / len) * far);
        ctx.stroke();
      }
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    }
    for (const e of ells) {
      const dash = e.kind === 'true' ? [5, 4] : [];
      for (const [w, c] of [[4, 'rgba(0,0,0,0.7)'], [2, e.kind === 'true' ? '#fff' : color]]) {
        ctx.setLineDash(dash);
        ctx.lineWidth = w;
        ctx.strokeStyle = c;
        ctx.beginPath();
        e.pts.forEach((q, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, ...px(q, k)));
        ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    for (const ar of gl.arrows) {
      const [x1, y1] = px(ar.to, k);
      if (Math.hypot(x1 - cx, y1 - cy) < 1) continue;
      if (ar.kind === 'velocity') arrow(ctx, cx, cy, x1, y1, color);
      else arrow(ctx, cx, cy, x1, y1, ar.kind === 'newton' ? '#fff' : color, true);
    }
    if (k > 1 && (gl.arrows.length || ells.length)) {
      ctx.font = font(12, '600');
      ctx.textAlign = 'left';
      ctx.lineWidth = 3;
      ctx.strokeStyle = '#fff';
      ctx.strokeText(`×${k}`, cx + 9, cy + 18);
      ctx.fillStyle = '#000';
      ctx.fillText(`×${k}`, cx + 9, cy + 18);
    }
    this.insideShown.push({ id: r.id, spec: r.spec, magnified: k, words: gl.words, mismatch: gl.mismatch, kinds: [...gl.arrows.map((x) => x.kind), ...ells.map((e) => e.kind), ...gl.lines.map(() => 'line')] });
  }

  /** drawProbes marks a racer's line-search probes and its look-ahead point. */
  drawProbes(ctx, r) {
    const d = r.diag, color = racerColor(this.colors, r.index);
    if (d && d.probes) {
      for (const p of d.probes) dot(ctx, ...this.toPx(p[0], p[1]), 2.6, color, '#000');
    }
    if (d && d.lookahead) ring(ctx, ...this.toPx(d.lookahead[0], d.lookahead[1]), 4, color);
  }

  /** ends are the racers' current points on the screen, with their shapes. */
  ends() {
    const out = [];
    for (const r of this.racers) {
      const n = r.xs.length;
      if (n < 2) continue;
      const [x, y] = this.toPx(r.xs[n - 2], r.xs[n - 1]);
      if (!(Math.abs(x) < 1e6 && Math.abs(y) < 1e6)) continue;
      out.push({ r, x, y, color: racerColor(this.colors, r.index), shape: racerMarker(this.colors, r.index) });
    }
    return out;
  }

  drawEnd(ctx, e) {
    marker(ctx, e.shape, e.x, e.y, 5.5, e.color);
    if (e.r.status === 'diverged') cross(ctx, e.x, e.y, 7, NEGATIVE);
  }

  /**
   * placeLegend finds the legend's place: the corner of the map that the
   * paths cross least, never over a racer's current point if it can help
   * it, and never under the view's buttons.
   */
  placeLegend(ctx, ends) {
    if (!this.racers.length) return null;
    const a = this.area();
    ctx.font = font(12);
    const rowH = Math.round(16 * typeScale()), pad = 6;
    const text = (r) => (r.spec.length > 30 ? r.spec.slice(0, 29) + '…' : r.spec) + (r.status === 'diverged' ? ' (diverged)' : '') + (r.avgXs ? ' · dotted: average' : '');
    const w = Math.min(a.w - 20, 34 + Math.max(...this.racers.map((r) => ctx.measureText(text(r)).width)) + pad);
    const h = this.racers.length * rowH + pad;
    const corners = [[a.x + 6, a.y + a.h - h - 6], [a.x + a.w - w - 6, a.y + a.h - h - 6], [a.x + 6, a.y + 6], [a.x + a.w - w - 6, a.y + 6]];
    // The view's buttons lie over the map's top: a corner under them is out.
    const buttons = this.canvas.parentElement.querySelector('.view-buttons');
    let covered = null;
    if (buttons && buttons.offsetParent && getComputedStyle(buttons).position === 'absolute') {
      const b = buttons.getBoundingClientRect(), c = this.canvas.getBoundingClientRect();
      covered = { x: b.left - c.left, y: b.top - c.top, w: b.width, h: b.height };
    }
    const inside = (x, y, c) => x >= c[0] - 8 && x <= c[0] + w + 8 && y >= c[1] - 8 && y <= c[1] + h + 8;
    let best = corners[0], fewest = Infinity;
    for (const c of corners) {
      let n = 0;
      for (const r of this.racers) {
        // The current points count most; the paths' points too.
        const xs = r.xs, step = Math.max(2, 2 * Math.floor(xs.length / 400));
        for (let i = 0; i < xs.length; i += step) if (inside(...this.toPx(xs[i], xs[i + 1]), c)) n++;
      }
      for (const e of ends) if (inside(e.x, e.y, c)) n += 1000;
      if (covered && c[0] < covered.x + covered.w && covered.x < c[0] + w && c[1] < covered.y + covered.h && covered.y < c[1] + h) n += 1e6;
      if (n < fewest) { best = c; fewest = n; }
    }
    return { x: best[0], y: best[1], w, h, rowH, pad, text };
  }

  /** drawLegend names each racer beside its line and marker. */
  drawLegend(ctx, legend) {
    const { x: x0, y: y0, w, h, rowH, pad, text } = legend;
    this.legendBox = legend;
    ctx.font = font(12);
    ctx.fillStyle = 'rgba(255,255,255,0.88)';
    ctx.strokeStyle = '#777';
    ctx.lineWidth = 1;
    ctx.fillRect(x0, y0, w, h);
    ctx.strokeRect(x0, y0, w, h);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    this.racers.forEach((r, i) => {
      const y = y0 + pad / 2 + rowH * (i + 0.5), color = racerColor(this.colors, r.index);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2.2;
      ctx.setLineDash(racerDash(this.colors, r.index));
      ctx.beginPath(); ctx.moveTo(x0 + 5, y); ctx.lineTo(x0 + 27, y); ctx.stroke();
      ctx.setLineDash([]);
      marker(ctx, racerMarker(this.colors, r.index), x0 + 16, y, 4, color);
      ctx.fillStyle = '#111';
      ctx.fillText(text(r), x0 + 33, y);
    });
  }

  /** drawColorBar says what the colours mean: f, or f above its minimum on a log scale. */
  drawColorBar(ctx) {
    const s = this.surface, a = this.area();
    if (!s || !s.grid) return;
    colorBar(ctx, { x: a.x + a.w + 10, y: a.y, w: 12, h: a.h }, viridis, s.zmin, s.zmax,
      s.log ? { log: true, title: 'f − min f + δ (log scale)' } : { title: 'f' });
  }

  drawHeat(ctx) {
    const s = this.surface, g = s.box, n = s.n;
    // The image's pixels are centred on the grid points.
    const hx = (g[1] - g[0]) / (n - 1) / 2, hy = (g[3] - g[2]) / (n - 1) / 2;
    const [x0, y0] = this.toPx(g[0] - hx, g[3] + hy);
    const [x1, y1] = this.toPx(g[1] + hx, g[2] - hy);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.fillStyle = '#ccc';
    const a = this.area();
    ctx.fillRect(a.x, a.y, a.w, a.h);
    ctx.drawImage(s.grid, x0, y0, x1 - x0, y1 - y0);
  }

  drawContours(ctx) {
    ctx.strokeStyle = 'rgba(255,255,255,0.55)';
    ctx.lineWidth = 0.8;
    ctx.beginPath();
    for (const segs of this.surface.contours) {
      for (let i = 0; i < segs.length; i += 4) {
        const [ax, ay] = this.toPx(segs[i], segs[i + 1]);
        const [bx, by] = this.toPx(segs[i + 2], segs[i + 3]);
        ctx.moveTo(ax, ay);
        ctx.lineTo(bx, by);
      }
    }
    ctx.stroke();
  }

  drawCritical(ctx) {
    for (const c of this.surface.critical || []) {
      const [x, y] = this.toPx(c.x[0], c.x[1]);
      ctx.lineWidth = 3.5;
      ctx.strokeStyle = '#000';
      glyph(ctx, c.kind, x, y);
      ctx.lineWidth = 1.6;
      ctx.strokeStyle = '#fff';
      glyph(ctx, c.kind, x, y);
    }
  }

  drawStart(ctx) {
    const s = this.ghost || this.start;
    if (!s) return;
    const [x, y] = this.toPx(s[0], s[1]);
    ctx.lineWidth = 4;
    ctx.strokeStyle = '#000';
    ctx.beginPath(); ctx.arc(x, y, 8, 0, 2 * Math.PI); ctx.stroke();
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#fff';
    ctx.beginPath(); ctx.arc(x, y, 8, 0, 2 * Math.PI); ctx.stroke();
  }

  /** drawCurvature draws the Hessian's eigenvectors as axes whose half-lengths
   * grow with |λ| (dashed vermillion where λ < 0) and the arrow −∇f, with
   * labels placed clear of the obstacles (the racers' current points, the
   * legend) and of each other. */
  drawCurvature(ctx, r, obstacles) {
    const d = r.diag, n = r.xs.length;
    if (!d || !d.eig || !d.vecs || d.vecs.length < 2 || n < 2) return;
    const [cx, cy] = this.toPx(r.xs[n - 2], r.xs[n - 1]);
    const lmax = Math.max(...d.eig.map((l) => Math.abs(l ?? 0)), 1e-300);
    const a = this.area();
    const pxPerX = a.w / (this.box[1] - this.box[0]), pxPerY = a.h / (this.box[3] - this.box[2]);
    const labels = [];
    for (let k = 0; k < 2; k++) {
      const l = d.eig[k], v = d.vecs[k];
      if (l === null || !v) continue;
      let vx = v[0] * pxPerX, vy = -v[1] * pxPerY;
      const len = Math.hypot(vx, vy) || 1;
      const half = 8 + 42 * (Math.abs(l) / lmax);
      vx = (vx / len) * half; vy = (vy / len) * half;
      for (const [w, color, dash] of [[5, 'rgba(0,0,0,0.75)', l < 0 ? [5, 4] : []], [2.4, l < 0 ? NEGATIVE : '#fff', l < 0 ? [5, 4] : []]]) {
        ctx.setLineDash(dash);
        ctx.lineWidth = w;
        ctx.strokeStyle = color;
        ctx.beginPath();
        ctx.moveTo(cx - vx, cy - vy);
        ctx.lineTo(cx + vx, cy + vy);
        ctx.stroke();
      }
      ctx.setLineDash([]);
      // Either end of the axis will do for its label.
      labels.push({ text: `λ${k === 0 ? '₁' : '₂'}=${formatTick(l)}`, at: [[cx + vx, cy + vy], [cx - vx, cy - vy]] });
    }
    if (d.grad && d.grad.length >= 2) {
      let gx = -d.grad[0] * pxPerX, gy = d.grad[1] * pxPerY;
      const len = Math.hypot(gx, gy);
      if (len > 0) {
        gx = (gx / len) * 46; gy = (gy / len) * 46;
        arrow(ctx, cx, cy, cx + gx, cy + gy);
        labels.push({ text: '−∇f', at: [[cx + gx, cy + gy]] });
      }
    }
    this.labels = placeLabels(ctx, labels, obstacles, a);
  }
}

function describe(r) {
  const d = r.diag || {};
  const eig = (d.eig || []).map((l) => formatTick(l)).join(', ');
  return `${r.spec}: f = ${r.f?.toPrecision(6)}, ‖g‖ = ${r.gnorm?.toPrecision(3)}, eigenvalues [${eig}]${d.inertia ? `, ${d.inertia} negative (a saddle)` : ''}`;
}

function dot(ctx, x, y, r, fill, stroke) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = stroke;
  ctx.stroke();
}

function ring(ctx, x, y, r, color) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.lineWidth = 2;
  ctx.strokeStyle = color;
  ctx.stroke();
}

function cross(ctx, x, y, r, color) {
  ctx.lineWidth = 3;
  ctx.strokeStyle = color;
  ctx.beginPath();
  ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r);
  ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r);
  ctx.stroke();
}

function glyph(ctx, kind, x, y) {
  const r = 6;
  ctx.beginPath();
  if (kind === 'minimum') {
    ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r);
    ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r);
  } else if (kind === 'saddle') {
    ctx.moveTo(x - r, y); ctx.lineTo(x + r, y);
    ctx.moveTo(x, y - r); ctx.lineTo(x, y + r);
  } else {
    ctx.moveTo(x, y - r); ctx.lineTo(x + r, y + r * 0.7); ctx.lineTo(x - r, y + r * 0.7); ctx.closePath();
  }
  ctx.stroke();
}

/** arrow draws an arrow in a colour over a dark halo: bold (the
 * gradient, a velocity) or thin (a step). */
function arrow(ctx, x0, y0, x1, y1, color = '#fff', thin = false) {
  const ang = Math.atan2(y1 - y0, x1 - x0), head = thin ? 7 : 9;
  for (const [w, c] of thin ? [[3, 'rgba(0,0,0,0.7)'], [1.3, color]] : [[5, 'rgba(0,0,0,0.75)'], [2.2, color]]) {
    ctx.lineWidth = w;
    ctx.strokeStyle = c;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - head * Math.cos(ang - 0.45), y1 - head * Math.sin(ang - 0.45));
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - head * Math.cos(ang + 0.45), y1 - head * Math.sin(ang + 0.45));
    ctx.stroke();
  }
}

/**
 * placeLabels writes each label {text, at: [[x, y], …]} near one of its
 * anchors, trying eight positions around each, at the first place where it
 * covers none of the obstacles (rectangles {x, y, w, h}), no label placed
 * before it, and stays inside the area. A label with no such place is left
 * out: a hidden end point would be worse than a missing label. It returns
 * the labels placed, with their rectangles.
 */
export function placeLabels(ctx, labels, obstacles, area) {
  ctx.font = font(12, 'bold');
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  const taken = obstacles.slice();
  const overlaps = (p, q) => p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;
  const placed = [];
  for (const l of labels) {
    const w = ctx.measureText(l.text).width + 4, h = Math.round(15 * typeScale());
    let spot = null;
    for (const [ax, ay] of l.at) {
      for (const [dx, dy] of [[6, -h / 2], [-w - 6, -h / 2], [-w / 2, -h - 6], [-w / 2, 6], [6, -h - 4], [-w - 6, -h - 4], [6, 4], [-w - 6, 4]]) {
        const box = { x: ax + dx, y: ay + dy, w, h };
        if (box.x < area.x || box.y < area.y || box.x + w > area.x + area.w || box.y + h > area.y + area.h) continue;
        if (taken.some((o) => overlaps(box, o))) continue;
        spot = box;
        break;
      }
      if (spot) break;
    }
    if (!spot) continue;
    taken.push(spot);
    placed.push({ ...spot, text: l.text });
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'rgba(0,0,0,0.8)';
    ctx.strokeText(l.text, spot.x + 2, spot.y + 1);
    ctx.fillStyle = '#fff';
    ctx.fillText(l.text, spot.x + 2, spot.y + 1);
  }
  return placed;
}

/** traceContours runs marching squares over the n×n grid z (row 0 at ymin)
 * and returns, per level, segments as world coordinates [ax, ay, bx, by, …]. */
export function traceContours(z, n, levels, box) {
  const X = (c) => box[0] + ((box[1] - box[0]) * c) / (n - 1);
  const Y = (r) => box[2] + ((box[3] - box[2]) * r) / (n - 1);
  const out = [];
  for (const level of levels) {
    const segs = [];
    for (let r = 0; r < n - 1; r++) {
      for (let c = 0; c < n - 1; c++) {
        const v0 = z[r * n + c], v1 = z[r * n + c + 1], v2 = z[(r + 1) * n + c + 1], v3 = z[(r + 1) * n + c];
        if (!(Number.isFinite(v0) && Number.isFinite(v1) && Number.isFinite(v2) && Number.isFinite(v3))) continue;
        const idx = (v0 > level) | ((v1 > level) << 1) | ((v2 > level) << 2) | ((v3 > level) << 3);
        if (idx === 0 || idx === 15) continue;
        // Crossing points on the four edges: bottom, right, top, left.
        const e = [
          () => [X(c + (level - v0) / (v1 - v0)), Y(r)],
          () => [X(c + 1), Y(r + (level - v1) / (v2 - v1))],
          () => [X(c + (level - v3) / (v2 - v3)), Y(r + 1)],
          () => [X(c), Y(r + (level - v0) / (v3 - v0))],
        ];
        for (const [i, j] of CASES[idx]) segs.push(...e[i](), ...e[j]());
      }
    }
    out.push(new Float64Array(segs));
  }
  return out;
}

// Which edges each of the 16 corner patterns joins (saddle cases split).
const CASES = [
  [], [[3, 0]], [[0, 1]], [[3, 1]], [[1, 2]], [[3, 0], [1, 2]], [[0, 2]], [[3, 2]],
  [[2, 3]], [[0, 2]], [[0, 1], [2, 3]], [[1, 2]], [[1, 3]], [[0, 1]], [[3, 0]], [],
];

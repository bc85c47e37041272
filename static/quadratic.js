// Why it works, on the local quadratic (after Goh, "Why Momentum Really
// Works", Distill 2017). At a racer's point x with gradient g and Hessian
// H = Σ λᵢ qᵢqᵢᵀ (positive definite), the quadratic model has its minimum at
// x* = x − H⁻¹g, and gradient descent with momentum (PyTorch's SGD: lr α,
// momentum β, which is the heavy ball xₖ₊₁ = xₖ − α∇f(xₖ) + β(xₖ − xₖ₋₁))
// moves the error eᵢ = qᵢᵀ(x − x*) along each eigen-direction on its own:
//   eᵢ⁽ᵏ⁺¹⁾ = (1 + β − αλᵢ) eᵢ⁽ᵏ⁾ − β eᵢ⁽ᵏ⁻¹⁾,  eᵢ⁽⁻¹⁾ = eᵢ⁽⁰⁾ = qᵢᵀH⁻¹g,
// and converges at the rate max over i of the spectral radius of
// [[1 + β − αλᵢ, −β], [1, 0]]. With κ = λmax/λmin the best setting is
// α* = (2/(√λmax + √λmin))², β* = ((√κ − 1)/(√κ + 1))², rate (√κ − 1)/(√κ + 1);
// gradient descent's best is α = 2/(λmin + λmax), rate (κ − 1)/(κ + 1).

import { viridis, racerColor } from './colors.js';
import { fitCanvas, font } from './canvas.js';
import { logTicks, niceTicks, formatTick } from './ticks.js';

/** rate is the convergence rate of momentum (α, β) on eigenvalues lams:
 * the largest spectral radius; ≥ 1 diverges (or stalls). */
export function rate(lams, alpha, beta) {
  let worst = 0;
  for (const l of lams) {
    const t = 1 + beta - alpha * l, disc = t * t - 4 * beta;
    const r = disc >= 0 ? Math.max(Math.abs((t + Math.sqrt(disc)) / 2), Math.abs((t - Math.sqrt(disc)) / 2)) : Math.sqrt(beta);
    worst = Math.max(worst, r);
  }
  return worst;
}

/** optimal is the best setting for the extreme eigenvalues lo ≤ hi. */
export function optimal(lo, hi) {
  const k = hi / lo, s = (Math.sqrt(k) - 1) / (Math.sqrt(k) + 1);
  return {
    kappa: k,
    momentum: { alpha: (2 / (Math.sqrt(hi) + Math.sqrt(lo))) ** 2, beta: s * s, rate: s },
    gd: { alpha: 2 / (lo + hi), beta: 0, rate: (k - 1) / (k + 1) },
  };
}

/** model is the local quadratic at a point: {x, g, eig, vecs} from a
 * frame, run for K iterations of gradient descent (β = 0) and of momentum
 * with (alpha, beta): the error along each eigen-direction, the rates and
 * the optimum; or {problem} where the model has no minimum. */
export function model(at, alpha, beta, K) {
  const { x, g, eig, vecs } = at;
  if (!eig || !vecs || eig.length !== 2 || eig.some((l) => l === null) || !g || g.some((v) => v === null)) {
    return { problem: 'no Hessian at this point' };
  }
  if (!(eig[0] > 0 && eig[1] > 0)) {
    return { problem: `the Hessian here has eigenvalues ${eig.map(formatTick).join(' and ')}: the local quadratic has no minimum (a saddle or a ridge), so no setting converges to one` };
  }
  const q = vecs, e0 = [0, 1].map((i) => (q[i][0] * g[0] + q[i][1] * g[1]) / eig[i]);
  const xstar = [x[0] - (q[0][0] * e0[0] + q[1][0] * e0[1]), x[1] - (q[0][1] * e0[0] + q[1][1] * e0[1])];
  const run = (b) => [0, 1].map((i) => {
    const out = [e0[i]];
    let prev = e0[i], cur = e0[i];
    for (let k = 0; k < K; k++) {
      const next = (1 + b - alpha * eig[i]) * cur - b * prev;
      prev = cur;
      cur = next;
      out.push(cur);
    }
    return out;
  });
  const lo = Math.min(...eig), hi = Math.max(...eig);
  return {
    eig, vecs: q, xstar, e0, alpha, beta,
    gd: { errors: run(0), rate: rate(eig, alpha, 0) },
    momentum: { errors: run(beta), rate: rate(eig, alpha, beta) },
    best: optimal(lo, hi),
  };
}

/** digits is how many iterations a rate takes to gain a decimal digit. */
export function digits(r) {
  return r < 1 ? Math.log(10) / -Math.log(r) : Infinity;
}

const DIR = ['#0072B2', '#D55E00']; // the two eigen-directions: blue, vermillion

/** QuadPanel draws the model: the errors over iterations and the map of
 * rates over (α, β). */
export class QuadPanel {
  constructor(root) {
    this.root = root;
    this.text = root.querySelector('#quad-text');
    this.errCanvas = root.querySelector('#quad-errors');
    this.mapCanvas = root.querySelector('#quad-map');
    this.last = null;
  }

  /** show draws the model m for racer spec at the point of `leader`. */
  show(m, { leader, racer, color, assumed }) {
    this.last = m;
    if (m.problem) {
      this.text.textContent = `At ${leader}'s point ${m.problem}.`;
      this.errCanvas.hidden = this.mapCanvas.hidden = true;
      return;
    }
    this.errCanvas.hidden = this.mapCanvas.hidden = false;
    const b = m.best, f = (v) => formatTick(+v.toPrecision(3));
    const it = (r) => (r < 1 ? `${f(digits(r))} iterations a digit` : 'diverges');
    this.text.textContent = `At ${leader}'s point the Hessian has λ₁ = ${f(m.eig[0])}, λ₂ = ${f(m.eig[1])} (κ = ${f(b.kappa)}); the quadratic model's minimum is at (${m.xstar.map((v) => f(Math.abs(v) < 1e-12 * (1 + Math.hypot(...m.e0)) ? 0 : v)).join(', ')}). ` +
      `With ${racer}'s lr α = ${f(m.alpha)}${assumed ? ` and momentum β = ${f(m.beta)} (${assumed})` : ` and momentum β = ${f(m.beta)}`}: gradient descent converges at rate ${f(m.gd.rate)} (${it(m.gd.rate)}), momentum at ${f(m.momentum.rate)} (${it(m.momentum.rate)}). ` +
      `Best for κ = ${f(b.kappa)}: α* = ${f(b.momentum.alpha)}, β* = ${f(b.momentum.beta)}, rate (√κ − 1)/(√κ + 1) = ${f(b.momentum.rate)}; gradient descent's best, α = 2/(λ₁ + λ₂) = ${f(b.gd.alpha)}, rate (κ − 1)/(κ + 1) = ${f(b.gd.rate)}.`;
    this.drawErrors(m);
    this.drawMap(m, color);
  }

  drawErrors(m) {
    const W = 300, H = 190, a = { x: 52, y: 8, w: W - 62, h: H - 44 };
    const ctx = fitCanvas(this.errCanvas, W, H);
    const series = [];
    for (const [kind, dash] of [['gd', [5, 4]], ['momentum', []]]) {
      m[kind].errors.forEach((e, i) => series.push({ e: e.map(Math.abs), color: DIR[i], dash, kind, i }));
    }
    const vals = series.flatMap((s) => s.e).filter((v) => v > 0 && Number.isFinite(v));
    const hi = Math.log10(Math.max(...vals, 1e-300)), lo = Math.max(Math.log10(Math.min(...vals, 1)), hi - 16);
    const top = Math.ceil(Math.min(hi, lo + 30)), bottom = Math.floor(lo);
    const K = series[0].e.length - 1;
    const px = (k) => a.x + (k / K) * a.w, py = (v) => a.y + (1 - (Math.log10(v) - bottom) / (top - bottom || 1)) * a.h;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    ctx.strokeStyle = '#444';
    ctx.strokeRect(a.x, a.y, a.w, a.h);
    ctx.font = font(11);
    ctx.fillStyle = '#222';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const e of logTicks(bottom, top, 5)) ctx.fillText(formatTick(10 ** e), a.x - 4, py(10 ** e));
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of niceTicks(0, K, 5)) ctx.fillText(String(t), px(t), a.y + a.h + 3);
    ctx.fillText('iterations of the local quadratic', a.x + a.w / 2, a.y + a.h + 16);
    ctx.save();
    ctx.beginPath();
    ctx.rect(a.x, a.y, a.w, a.h);
    ctx.clip();
    for (const s of series) {
      ctx.setLineDash(s.dash);
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      let pen = false;
      s.e.forEach((v, k) => {
        if (!(v > 0) || !Number.isFinite(v)) { pen = false; return; }
        const y = Math.max(a.y - 10, Math.min(a.y + a.h + 10, py(v)));
        if (pen) ctx.lineTo(px(k), y); else ctx.moveTo(px(k), y);
        pen = true;
      });
      ctx.stroke();
    }
    ctx.restore();
    ctx.setLineDash([]);
  }

  /** drawMap colours (α, β) by iterations per digit (log), grey where
   * momentum diverges, with the racer's setting and the optimum marked. */
  drawMap(m, color) {
    const W = 300, H = 220, a = { x: 44, y: 8, w: W - 54, h: H - 48 };
    const ctx = fitCanvas(this.mapCanvas, W, H);
    const b = m.best, hiL = Math.max(...m.eig);
    const lo = Math.log10(Math.min(m.alpha / 3, 0.01 / hiL)), hi = Math.log10(Math.max(m.alpha * 3, 4.5 / hiL));
    const nx = 120, ny = 100, img = ctx.createImageData(nx, ny);
    for (let j = 0; j < ny; j++) {
      const beta = 0.999 * (1 - (j + 0.5) / ny);
      for (let i = 0; i < nx; i++) {
        const alpha = 10 ** (lo + ((i + 0.5) / nx) * (hi - lo));
        const r = rate(m.eig, alpha, beta), o = 4 * (j * nx + i);
        const c = r < 1 ? viridis(1 - Math.min(1, Math.log10(digits(r)) / 4)) : [215, 215, 215];
        img.data.set([c[0], c[1], c[2], 255], o);
      }
    }
    const off = document.createElement('canvas');
    off.width = nx; off.height = ny;
    off.getContext('2d').putImageData(img, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, a.x, a.y, a.w, a.h);
    ctx.strokeStyle = '#444';
    ctx.strokeRect(a.x, a.y, a.w, a.h);
    const px = (alpha) => a.x + ((Math.log10(alpha) - lo) / (hi - lo)) * a.w, py = (beta) => a.y + (1 - beta / 0.999) * a.h;
    ctx.font = font(11);
    ctx.fillStyle = '#222';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const e of logTicks(lo, hi, 4)) ctx.fillText(formatTick(10 ** e), px(10 ** e), a.y + a.h + 3);
    ctx.fillText('learning rate α (log)', a.x + a.w / 2, a.y + a.h + 16);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of [0, 0.5, 0.9, 0.99]) ctx.fillText(String(t), a.x - 4, py(t));
    ctx.save();
    ctx.translate(10, a.y + a.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('momentum β', 0, 0);
    ctx.restore();
    const mark = (alpha, beta, shape, fill) => {
      const x = px(alpha), y = py(beta);
      ctx.lineWidth = 2;
      ctx.strokeStyle = '#000';
      ctx.fillStyle = fill;
      ctx.beginPath();
      if (shape === 'star') {
        for (let k = 0; k < 10; k++) {
          const r = k % 2 ? 3 : 7.5, ang = -Math.PI / 2 + (k * Math.PI) / 5;
          ctx.lineTo(x + r * Math.cos(ang), y + r * Math.sin(ang));
        }
        ctx.closePath();
      } else if (shape === 'square') ctx.rect(x - 5, y - 5, 10, 10);
      else ctx.arc(x, y, 5.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    };
    mark(b.gd.alpha, 0, 'square', '#fff');
    mark(b.momentum.alpha, b.momentum.beta, 'star', '#fff');
    mark(m.alpha, m.beta, 'circle', color);
    this.marks = { racer: [px(m.alpha), py(m.beta)], best: [px(b.momentum.alpha), py(b.momentum.beta)] };
  }
}

// Inside the optimizer: glyphs for what a racer's method carries from one
// step to the next (the frame's `inside`, docs/protocol.md), at its current
// point p with gradient g:
//   - momentum: an arrow p → p + v, the step its momentum alone would take;
//   - an adaptive scale s (AdaGrad, RMSProp, Adam, AdaDelta): the ellipse
//     {diag(s)·u : ‖u‖ = ‖g‖}, where the scale sends gradients as long as
//     the current one, and its next step −s∘g inside it;
//   - a quasi-Newton approximation H ≈ ∇²f⁻¹ (BFGS, L-BFGS): the ellipse
//     {H·u : ‖u‖ = ‖g‖} beside the true inverse Hessian's at p (dashed),
//     and the two steps −H·g and Newton's −∇²f⁻¹·g;
//   - line searches (BFGS, L-BFGS, CG, coordinate descent): the lines the
//     last three ran along, the latest darkest.
// Glyphs too small to see are drawn magnified by a power of ten, and say so.

/** The inverse of the Hessian from the frame's eigen-decomposition (2-D), or
 * null where it is singular. */
export function trueInverse(d) {
  if (!d || !d.eig || !d.vecs || d.vecs.length < 2 || d.eig.some((l) => !l)) return null;
  const m = [0, 0, 0, 0];
  for (let k = 0; k < 2; k++) {
    const [a, b] = d.vecs[k], w = 1 / d.eig[k];
    m[0] += w * a * a; m[1] += w * a * b; m[2] += w * b * a; m[3] += w * b * b;
  }
  return m;
}

const mul = (m, v) => [m[0] * v[0] + m[1] * v[1], m[2] * v[0] + m[3] * v[1]];

/** glyphs returns what to draw for a racer, in data coordinates relative to
 * its current point: {arrows: [{to, kind}], ellipses: [{m, r, kind}],
 * lines: [{from, dir, age}]}, and the words for the caption. */
export function glyphs(r) {
  const d = r.diag, ins = d && d.inside;
  const out = { arrows: [], ellipses: [], lines: [], words: [], mismatch: null };
  if (!ins) return out;
  const g = d.grad && d.grad.length >= 2 && d.grad.every((v) => v !== null) ? d.grad : null;
  const gn = g ? Math.hypot(g[0], g[1]) : 0;
  if (ins.velocity) {
    out.arrows.push({ to: ins.velocity, kind: 'velocity' });
    out.words.push('the arrow is the step its momentum alone would take next');
  }
  if (ins.scale && g) {
    const m = [ins.scale[0], 0, 0, ins.scale[1]];
    out.ellipses.push({ m, r: gn, kind: 'scale' });
    out.arrows.push({ to: mul(m, g).map((v) => -v), kind: 'step' });
    out.words.push('the ellipse is where its per-coordinate scale sends gradients as long as the current one, the thin arrow its next step (−scale∘g)');
  }
  if (ins.inv_hess && g) {
    const h = ins.inv_hess;
    out.ellipses.push({ m: h, r: gn, kind: 'approx' });
    out.arrows.push({ to: mul(h, g).map((v) => -v), kind: 'step' });
    const t = trueInverse(d);
    if (t) {
      out.ellipses.push({ m: t, r: gn, kind: 'true' });
      out.arrows.push({ to: mul(t, g).map((v) => -v), kind: 'newton' });
      const norm = (m) => Math.hypot(...m);
      out.mismatch = norm(h.map((v, i) => v - t[i])) / norm(t);
      out.words.push(`the solid ellipse is its inverse-Hessian approximation H applied to gradients as long as the current one, the dashed one the true inverse Hessian's at the same point (H is off by ${(100 * out.mismatch).toPrecision(2)}%), the thin arrows its next direction −H·g and Newton's`);
    } else {
      out.words.push('the ellipse is its inverse-Hessian approximation H applied to gradients as long as the current one (the true Hessian is singular here)');
    }
  }
  if (ins.lines && ins.lines.length) {
    ins.lines.forEach((l, i) => out.lines.push({ from: [l[0], l[1]], dir: [l[2], l[3]], age: ins.lines.length - 1 - i }));
    out.words.push(`the line${ins.lines.length > 1 ? 's are its last ' + ins.lines.length + ' line searches, the latest darkest' : ' is its line search'}; the dots are this step's probes`);
  }
  return out;
}

/** ellipsePoints are n points of {m·u : ‖u‖ = r}. */
export function ellipsePoints(m, r, n = 48) {
  const pts = [];
  for (let i = 0; i <= n; i++) {
    const a = (2 * Math.PI * i) / n;
    pts.push(mul(m, [r * Math.cos(a), r * Math.sin(a)]));
  }
  return pts;
}

/** magnification is the power of ten (≥ 1) that makes the largest glyph at
 * least min pixels long, given its largest extent in pixels. */
export function magnification(extentPx, min = 24) {
  if (!(extentPx > 0) || extentPx >= min) return 1;
  return Math.min(1e6, 10 ** Math.ceil(Math.log10(min / extentPx)));
}

// Axes and colour bars for the maps (the landscape, slices of a network's
// loss, eigenvalue maps): the frame with round-number ticks and axis titles,
// and a colour bar that says what each colour means.

import { niceTicks, formatTick, logTicks } from './ticks.js';
import { font } from './canvas.js';

/**
 * frameAxes draws the frame of a map's area {x, y, w, h}, which shows the
 * box [xmin, xmax, ymin, ymax], with ticks and the axes' titles.
 */
export function frameAxes(ctx, a, box, { xLabel = '', yLabel = '', ticks = 6 } = {}) {
  const px = (x) => a.x + ((x - box[0]) / (box[1] - box[0])) * a.w;
  const py = (y) => a.y + (1 - (y - box[2]) / (box[3] - box[2])) * a.h;
  ctx.save();
  ctx.fillStyle = '#222';
  ctx.strokeStyle = '#444';
  ctx.lineWidth = 1;
  ctx.font = font(12);
  ctx.strokeRect(a.x, a.y, a.w, a.h);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const xt = niceTicks(box[0], box[1], Math.max(2, Math.min(ticks, Math.floor(a.w / 60))));
  for (const t of xt) {
    const x = px(t);
    ctx.beginPath(); ctx.moveTo(x, a.y + a.h); ctx.lineTo(x, a.y + a.h + 5); ctx.stroke();
    ctx.fillText(formatTick(t), x, a.y + a.h + 7);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of niceTicks(box[2], box[3], Math.max(2, Math.min(ticks, Math.floor(a.h / 40))))) {
    const y = py(t);
    ctx.beginPath(); ctx.moveTo(a.x - 5, y); ctx.lineTo(a.x, y); ctx.stroke();
    ctx.fillText(formatTick(t), a.x - 7, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  if (xLabel) ctx.fillText(xLabel, a.x + a.w / 2, a.y + a.h + 21);
  if (yLabel) {
    ctx.translate(a.x - 44, a.y + a.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(yLabel, 0, 0);
  }
  ctx.restore();
}

/** COLORBAR is the room a colour bar takes at a map's right: the bar, its
 * tick labels and its rotated title. */
export const COLORBAR = 70;

/**
 * colorBar draws a vertical colour bar in the rectangle {x, y, w, h} for
 * values lo (bottom) to hi (top) coloured by map(t), t in [0, 1]. With log,
 * lo and hi are log10 of the values and the ticks are powers of ten.
 */
export function colorBar(ctx, r, map, lo, hi, { log = false, title = '' } = {}) {
  if (!(hi > lo)) return;
  ctx.save();
  const steps = Math.max(2, Math.round(r.h));
  for (let i = 0; i < steps; i++) {
    const [R, G, B] = map(1 - i / (steps - 1));
    ctx.fillStyle = `rgb(${Math.round(R)},${Math.round(G)},${Math.round(B)})`;
    ctx.fillRect(r.x, r.y + (i * r.h) / steps, r.w, r.h / steps + 1);
  }
  ctx.strokeStyle = '#444';
  ctx.lineWidth = 1;
  ctx.strokeRect(r.x, r.y, r.w, r.h);
  ctx.fillStyle = '#222';
  ctx.font = font(11);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const count = Math.max(2, Math.min(6, Math.floor(r.h / 35)));
  const ticks = log ? logTicks(lo, hi, count) : niceTicks(lo, hi, count);
  for (const t of ticks) {
    const y = r.y + r.h * (1 - (t - lo) / (hi - lo));
    ctx.beginPath(); ctx.moveTo(r.x + r.w, y); ctx.lineTo(r.x + r.w + 4, y); ctx.stroke();
    ctx.fillText(formatTick(log ? Math.pow(10, t) : t), r.x + r.w + 6, y);
  }
  if (title) {
    ctx.translate(r.x + r.w + 50, r.y + r.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(title, 0, 0);
  }
  ctx.restore();
}

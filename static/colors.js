// Colour maps that colour-blind readers can use: viridis for the surface
// (perceptually uniform) and Okabe–Ito for the racers, both served by the
// page's registry.

let VIRIDIS = [[0, 0, 0], [255, 255, 255]];

/** setPalettes takes the colour maps from the server's registry: the same
 * tables that the exported plots use, kept once, in web/plot.go. */
export function setPalettes(reg) {
  VIRIDIS = reg.viridis;
}

/** viridis returns [r, g, b] at t in [0, 1]. */
export function viridis(t) {
  if (!(t >= 0)) t = 0;
  if (t > 1) t = 1;
  const s = t * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(s), VIRIDIS.length - 2);
  const u = s - i;
  const a = VIRIDIS[i], b = VIRIDIS[i + 1];
  return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u];
}

/** racerColor is the colour of the i-th racer; past eight they repeat,
 * told apart by a second channel: a dashed line and a square marker. */
export function racerColor(colors, i) {
  return colors[i % colors.length];
}

/** racerDash is the dash pattern of the i-th racer's line. */
export function racerDash(colors, i) {
  return i >= colors.length ? [6, 3] : [];
}

/** racerMarker is the shape of the i-th racer's current point: a circle for
 * the first eight, a square for the eight that repeat their colours. */
export function racerMarker(colors, i) {
  return i >= colors.length ? 'square' : 'circle';
}

/** marker draws a racer's current point: its shape filled with its colour,
 * outlined in white and then dark so that it shows on any colour. */
export function marker(ctx, shape, x, y, r, fill) {
  const path = () => {
    ctx.beginPath();
    if (shape === 'square') ctx.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
    else ctx.arc(x, y, r, 0, 2 * Math.PI);
  };
  path();
  ctx.lineWidth = 4;
  ctx.strokeStyle = 'rgba(0,0,0,0.7)';
  ctx.stroke();
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.lineWidth = 1.6;
  ctx.strokeStyle = '#fff';
  ctx.stroke();
}

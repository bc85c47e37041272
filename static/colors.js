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

/** racerColor is the colour of the i-th racer; past eight they repeat, dashed. */
export function racerColor(colors, i) {
  return colors[i % colors.length];
}

/** racerDash is the dash pattern of the i-th racer's line. */
export function racerDash(colors, i) {
  return i >= colors.length ? [6, 3] : [];
}

// Colour maps that colour-blind readers can use: viridis for the surface
// (perceptually uniform) and Okabe–Ito for the racers (served by the page's
// registry, the same list the exported plots use).

const VIRIDIS = [
  [0x44, 0x01, 0x54], [0x48, 0x24, 0x75], [0x41, 0x44, 0x87], [0x35, 0x5f, 0x8d],
  [0x2a, 0x78, 0x8e], [0x21, 0x91, 0x8c], [0x22, 0xa8, 0x84], [0x44, 0xbf, 0x70],
  [0x7a, 0xd1, 0x51], [0xbd, 0xdf, 0x26], [0xfd, 0xe7, 0x25],
];

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

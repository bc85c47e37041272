// fitCanvas sizes a canvas to w×h CSS pixels at the screen's pixel density
// and returns its context, scaled so that drawing uses CSS pixels.
export function fitCanvas(canvas, w, h = w) {
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = w + 'px';
  canvas.style.height = h + 'px';
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** font is a canvas font of size px at the page's type scale: larger in
 * presentation mode, where the root font grows from 15 px. */
export function font(px, weight = '') {
  return `${weight ? weight + ' ' : ''}${Math.round(px * typeScale())}px system-ui, sans-serif`;
}

/** typeScale is the page's type size against the usual 15 px. */
export function typeScale() {
  return (parseFloat(getComputedStyle(document.documentElement).fontSize) || 15) / 15;
}

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

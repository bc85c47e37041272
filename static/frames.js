// Binary frames (docs/protocol.md, "Binary frames"): the page asks for them
// (/ws?frames=binary) and reads each into the object a JSON frame is, with
// the points as one Float64Array of rows of `stride` numbers instead of an
// array of arrays. A number JSON writes as null (NaN, ±Inf) reads as null
// where JSON has one: in the scalars, vectors and matrices of a racer;
// the points keep their NaNs, which the page draws as gaps.

const KIND_FRAME = 1;
const VERSION = 1;
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const text = new TextDecoder();

/** decodeFrame reads a binary frame from an ArrayBuffer, or returns null
 * for a message of another kind or version. */
export function decodeFrame(buf) {
  const v = new DataView(buf);
  if (v.byteLength < 24 || v.getUint16(0, true) !== KIND_FRAME || v.getUint16(2, true) !== VERSION) return null;
  let off = 4;
  const u32 = () => { const x = v.getUint32(off, true); off += 4; return x; };
  const i32 = () => { const x = v.getInt32(off, true); off += 4; return x; };
  const f64 = () => { const x = v.getFloat64(off, true); off += 8; return x; };
  const num = () => { const x = f64(); return Number.isFinite(x) ? x : null; };
  const str = () => { const n = u32(); const s = text.decode(new Uint8Array(buf, off, n)); off += n; return s; };
  const vec = () => { const n = u32(), out = new Array(n); for (let i = 0; i < n; i++) out[i] = num(); return out; };
  const rows = () => {
    const n = u32(), cols = u32(), out = new Array(n);
    for (let i = 0; i < n; i++) { const r = new Array(cols); for (let j = 0; j < cols; j++) r[j] = num(); out[i] = r; }
    return out;
  };
  const frame = { type: 'frame', gen: u32(), clock: num(), racers: [] };
  const count = u32();
  for (let k = 0; k < count; k++) {
    const r = { id: str(), status: str() };
    const reason = str();
    r.reason = reason;
    const stride = u32(), n = u32();
    off += (8 - (off % 8)) % 8;
    let data;
    if (LITTLE) data = new Float64Array(buf, off, n * stride);
    else { data = new Float64Array(n * stride); for (let i = 0; i < data.length; i++) data[i] = v.getFloat64(off + 8 * i, true); }
    off += 8 * n * stride;
    r.points = { stride, rows: n, data };
    r.lr = num(); r.damping = num(); r.gTg = num(); r.gTHg = num(); r.blur = num(); r.frac = num();
    r.inertia = i32();
    const diag = i32();
    if (diag >= 0) r.diag_iter = diag;
    const grad = vec(), eig = vec(), vecs = rows(), probes = rows(), look = vec();
    if (grad.length) r.grad = grad;
    if (eig.length) r.eig = eig;
    if (vecs.length) r.vecs = vecs;
    if (probes.length) r.probes = probes;
    if (look.length) r.lookahead = look;
    if (u32() === 1) r.reached = { iter: i32(), evals: i32(), clock: f64() };
    const extra = str();
    if (extra) Object.assign(r, JSON.parse(extra));
    frame.racers.push(r);
  }
  return frame;
}

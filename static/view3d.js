// The surface in 3-D (WebGL 1, no library): the grid as a mesh in viridis,
// lit from above and the side so that its shape reads (a saddle as a
// saddle), with axes, and the racers' paths and current points as balls on
// the surface; turned by dragging or the arrow keys and zoomed by the wheel
// or + and −. Axis labels are drawn on a 2-D canvas laid over it.

import { viridis, racerColor } from './colors.js';
import { niceTicks, formatTick } from './ticks.js';
import { font } from './canvas.js';

const MESH = 101; // the mesh samples the grid at most this many points a side
const HEIGHT = 0.7; // the surface's height against its width of 2
const FLOOR = -HEIGHT / 2 - 0.05; // the axes' floor, just under the surface

// mode 0: a lit surface; 1: flat colour (lines, path dots); 2: a shaded ball.
const VERTEX = `
attribute vec3 position;
attribute vec3 color;
attribute vec3 normal;
uniform mat4 mvp;
uniform float pointSize;
varying vec3 vColor;
varying vec3 vNormal;
void main() {
  gl_Position = mvp * vec4(position, 1.0);
  gl_PointSize = pointSize;
  vColor = color;
  vNormal = normal;
}`;

const FRAGMENT = `
precision mediump float;
uniform int mode;
uniform vec3 light;
varying vec3 vColor;
varying vec3 vNormal;
void main() {
  if (mode == 2) {
    vec2 p = gl_PointCoord * 2.0 - 1.0;
    float r2 = dot(p, p);
    if (r2 > 1.0) discard;
    if (r2 > 0.72) { gl_FragColor = vec4(1.0, 1.0, 1.0, 1.0); return; }
    vec3 n = vec3(p.x, -p.y, sqrt(1.0 - r2));
    float d = max(dot(n, normalize(vec3(-0.4, 0.6, 0.7))), 0.0);
    gl_FragColor = vec4(vColor * (0.35 + 0.65 * d) + vec3(0.35) * pow(d, 24.0), 1.0);
    return;
  }
  if (mode == 1) { gl_FragColor = vec4(vColor, 1.0); return; }
  // Both faces are lit: the underside of a surface seen from below too.
  vec3 n = normalize(vNormal);
  float d = abs(dot(n, light));
  vec3 h = normalize(light + vec3(0.0, 0.0, 1.0));
  float spec = pow(abs(dot(n, h)), 40.0) * 0.25;
  gl_FragColor = vec4(vColor * (0.38 + 0.62 * d) + vec3(spec), 1.0);
}`;

export class View3D {
  constructor(canvas, labels) {
    this.canvas = canvas;
    this.labels = labels; // the 2-D canvas for the axes' labels
    this.gl = canvas.getContext('webgl', { antialias: true, preserveDrawingBuffer: true });
    this.ok = !!this.gl;
    this.yaw = -0.6;
    this.pitch = 0.9;
    this.distance = 4.6;
    this.racers = [];
    this.dirty = true;
    this.frames = 0; // how many times it has drawn (tests wait on it)
    if (!this.ok) return;
    const gl = this.gl;
    this.program = link(gl, VERTEX, FRAGMENT);
    this.loc = {
      position: gl.getAttribLocation(this.program, 'position'),
      color: gl.getAttribLocation(this.program, 'color'),
      normal: gl.getAttribLocation(this.program, 'normal'),
      mvp: gl.getUniformLocation(this.program, 'mvp'),
      pointSize: gl.getUniformLocation(this.program, 'pointSize'),
      mode: gl.getUniformLocation(this.program, 'mode'),
      light: gl.getUniformLocation(this.program, 'light'),
    };
    this.bind();
  }

  resize(size) {
    const dpr = window.devicePixelRatio || 1;
    for (const c of [this.canvas, this.labels]) {
      if (!c) continue;
      c.style.width = c.style.height = size + 'px';
      c.width = c.height = Math.floor(size * dpr);
    }
    this.size = size;
    this.dirty = true;
  }

  bind() {
    const c = this.canvas;
    let drag = null;
    c.addEventListener('pointerdown', (ev) => {
      c.setPointerCapture(ev.pointerId);
      drag = { x: ev.clientX, y: ev.clientY, yaw: this.yaw, pitch: this.pitch };
    });
    c.addEventListener('pointermove', (ev) => {
      if (!drag) return;
      this.yaw = drag.yaw + (ev.clientX - drag.x) * 0.01;
      this.pitch = clamp(drag.pitch + (ev.clientY - drag.y) * 0.01, 0.05, 1.5);
      this.dirty = true;
    });
    c.addEventListener('pointerup', () => { drag = null; });
    c.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      this.distance = clamp(this.distance * (ev.deltaY > 0 ? 1.1 : 1 / 1.1), 1.5, 10);
      this.dirty = true;
    }, { passive: false });
    c.addEventListener('keydown', (ev) => {
      const keys = {
        ArrowLeft: () => { this.yaw -= 0.1; }, ArrowRight: () => { this.yaw += 0.1; },
        ArrowUp: () => { this.pitch = clamp(this.pitch + 0.1, 0.05, 1.5); },
        ArrowDown: () => { this.pitch = clamp(this.pitch - 0.1, 0.05, 1.5); },
        '+': () => { this.distance = clamp(this.distance / 1.1, 1.5, 10); },
        '=': () => { this.distance = clamp(this.distance / 1.1, 1.5, 10); },
        '-': () => { this.distance = clamp(this.distance * 1.1, 1.5, 10); },
      };
      if (keys[ev.key]) {
        keys[ev.key]();
        this.dirty = true;
        ev.preventDefault();
        ev.stopPropagation();
      }
    });
  }

  /** setSurface takes the landscape's decoded surface (grid z, its range and box). */
  setSurface(s) {
    this.surface = s;
    if (!this.ok || !s.grid) {
      this.mesh = null;
      return;
    }
    const gl = this.gl, n = s.n;
    const step = Math.max(1, Math.ceil((n - 1) / (MESH - 1)));
    const m = Math.floor((n - 1) / step) + 1;
    const pos = new Float32Array(m * m * 3), col = new Float32Array(m * m * 3), nor = new Float32Array(m * m * 3);
    const h = (r, c) => this.height(s.z[r * n + c]);
    const dxy = 2 / (m - 1);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const r = i * step, c = j * step, k = 3 * (i * m + j);
        pos[k] = -1 + j * dxy;
        pos[k + 1] = h(r, c);
        pos[k + 2] = 1 - i * dxy;
        // The normal from central differences of the height: x runs with
        // the columns, z against the rows.
        const c0 = Math.max(c - step, 0), c1 = Math.min(c + step, n - 1);
        const r0 = Math.max(r - step, 0), r1 = Math.min(r + step, n - 1);
        const hx = (h(r, c1) - h(r, c0)) / (((c1 - c0) / step) * dxy);
        const hz = -(h(r1, c) - h(r0, c)) / (((r1 - r0) / step) * dxy);
        const len = Math.hypot(hx, 1, hz);
        nor[k] = -hx / len; nor[k + 1] = 1 / len; nor[k + 2] = -hz / len;
        const [R, G, B] = viridis(this.norm(s.z[r * n + c]));
        col[k] = R / 255; col[k + 1] = G / 255; col[k + 2] = B / 255;
      }
    }
    const idx = new Uint16Array((m - 1) * (m - 1) * 6);
    let q = 0;
    for (let i = 0; i < m - 1; i++) {
      for (let j = 0; j < m - 1; j++) {
        const a = i * m + j, b = a + 1, c = a + m, d = c + 1;
        idx.set([a, c, b, b, c, d], q);
        q += 6;
      }
    }
    if (this.mesh) for (const b of [this.mesh.pos, this.mesh.col, this.mesh.nor, this.mesh.idx]) gl.deleteBuffer(b);
    this.mesh = { pos: buffer(gl, pos), col: buffer(gl, col), nor: buffer(gl, nor), idx: indexBuffer(gl, idx), count: idx.length };
    this.dirty = true;
  }

  norm(z) {
    const s = this.surface;
    return Number.isFinite(z) ? clamp((z - s.zmin) / (s.zmax - s.zmin), 0, 1) : 1;
  }

  height(z) {
    return HEIGHT * this.norm(z) - HEIGHT / 2;
  }

  /** setRacers takes the racers' paths in surface coordinates with their f. */
  setRacers(racers, colors) {
    this.racers = racers;
    this.colors = colors;
    this.dirty = true;
  }

  draw() {
    if (!this.ok || !this.dirty || !this.mesh || this.canvas.hidden) return;
    this.dirty = false;
    this.frames++;
    const gl = this.gl, s = this.surface, L = this.loc;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(1, 1, 1, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.enable(gl.DEPTH_TEST);
    gl.useProgram(this.program);
    const mvp = this.matrix();
    gl.uniformMatrix4fv(L.mvp, false, mvp);
    const light = normalize([-0.5, 0.8, 0.45]);
    gl.uniform3fv(L.light, light);
    const dpr = window.devicePixelRatio || 1;
    // The surface, lit.
    gl.uniform1i(L.mode, 0);
    attrib(gl, L.position, this.mesh.pos);
    attrib(gl, L.color, this.mesh.col);
    attrib(gl, L.normal, this.mesh.nor);
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.mesh.idx);
    gl.drawElements(gl.TRIANGLES, this.mesh.count, gl.UNSIGNED_SHORT, 0);
    gl.disableVertexAttribArray(L.normal);
    gl.vertexAttrib3f(L.normal, 0, 1, 0);
    // The axes: the floor's frame and an upright at its back left corner.
    gl.uniform1i(L.mode, 1);
    const ax = [-1, FLOOR, 1, 1, FLOOR, 1, -1, FLOOR, 1, -1, FLOOR, -1, -1, FLOOR, -1, 1, FLOOR, -1, 1, FLOOR, -1, 1, FLOOR, 1, -1, FLOOR, -1, -1, HEIGHT / 2, -1];
    this.lines(ax, [0.25, 0.25, 0.3], gl.LINES);
    // The paths, lifted a little above the surface so that they show, as
    // lines with dots close enough to read as a thick line, and each
    // racer's current point as a ball.
    const box = s.box;
    const transform = s.log ? (f) => Math.log10(f - s.floor + s.delta) : (f) => f;
    for (const r of this.racers) {
      const n = r.xs.length / 2;
      if (n === 0) continue;
      const pts = [];
      for (let i = 0; i < n; i++) {
        const x = -1 + (2 * (r.xs[2 * i] - box[0])) / (box[1] - box[0]);
        const y = -1 + (2 * (r.xs[2 * i + 1] - box[2])) / (box[3] - box[2]);
        if (!(Math.abs(x) <= 1.02 && Math.abs(y) <= 1.02)) continue;
        pts.push(x, this.height(transform(r.f[i])) + 0.02, -y);
      }
      if (pts.length === 0) continue;
      const rgb = hexRGB(racerColor(this.colors, r.index));
      gl.uniform1f(L.pointSize, 4 * dpr);
      const dense = densify(pts, 0.012);
      this.lines(dense, rgb, gl.POINTS);
      this.lines(pts, rgb, gl.LINE_STRIP);
      gl.uniform1i(L.mode, 2);
      gl.uniform1f(L.pointSize, 18 * dpr);
      this.lines(pts.slice(-3), rgb, gl.POINTS);
      gl.uniform1i(L.mode, 1);
    }
    this.drawLabels(mvp);
  }

  /** lines draws the points (x, y, z triples) in one colour as prim. */
  lines(points, rgb, prim) {
    const gl = this.gl, L = this.loc;
    const pos = new Float32Array(points);
    const col = new Float32Array(pos.length);
    for (let i = 0; i < col.length; i += 3) col.set(rgb, i);
    const pb = buffer(gl, pos), cb = buffer(gl, col);
    attrib(gl, L.position, pb);
    attrib(gl, L.color, cb);
    gl.drawArrays(prim, 0, pos.length / 3);
    gl.deleteBuffer(pb);
    gl.deleteBuffer(cb);
  }

  /** drawLabels writes the axes' ticks and names at their projected places. */
  drawLabels(mvp) {
    const c = this.labels, s = this.surface;
    if (!c) return;
    const ctx = c.getContext('2d'), dpr = window.devicePixelRatio || 1, size = this.size || c.width / dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size, size);
    const at = (x, y, z) => {
      const v = [0, 1, 2, 3].map((r) => mvp[r] * x + mvp[4 + r] * y + mvp[8 + r] * z + mvp[12 + r]);
      return v[3] > 0 ? [(v[0] / v[3] + 1) * size / 2, (1 - v[1] / v[3]) * size / 2] : null;
    };
    const text = (p, t, bold) => {
      if (!p) return;
      ctx.font = font(bold ? 13 : 11, bold ? 'bold' : '');
      ctx.lineWidth = 3;
      ctx.strokeStyle = 'rgba(255,255,255,0.9)';
      ctx.strokeText(t, p[0], p[1]);
      ctx.fillStyle = '#222';
      ctx.fillText(t, p[0], p[1]);
    };
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const b = s.box;
    // x₀ along the front edge (z = 1), x₁ along the left edge (x = −1).
    for (const t of niceTicks(b[0], b[1], 4)) text(at(-1 + (2 * (t - b[0])) / (b[1] - b[0]), FLOOR, 1.12), formatTick(t));
    for (const t of niceTicks(b[2], b[3], 4)) text(at(-1.14, FLOOR, -(-1 + (2 * (t - b[2])) / (b[3] - b[2]))), formatTick(t));
    text(at(0, FLOOR, 1.3), 'x₀', true);
    text(at(-1.32, FLOOR, 0), 'x₁', true);
    // The height: f (or log₁₀ of f above its minimum) at the upright's ends.
    const z0 = s.zmin, z1 = s.zmax;
    const fmtZ = (z) => (s.log ? formatTick(Math.pow(10, z)) : formatTick(z));
    text(at(-1.1, -HEIGHT / 2, -1.1), fmtZ(z0));
    text(at(-1.1, HEIGHT / 2, -1.1), fmtZ(z1));
    text(at(-1, HEIGHT / 2 + 0.12, -1), s.log ? 'f − min f + δ (log)' : 'f', true);
  }

  /** matrix is projection × view for the orbit camera, column-major. */
  matrix() {
    const aspect = this.canvas.width / this.canvas.height;
    const f = 1 / Math.tan(0.5 * 0.75), near = 0.1, far = 50;
    const proj = [f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) / (near - far), -1, 0, 0, (2 * far * near) / (near - far), 0];
    const eye = [
      this.distance * Math.cos(this.pitch) * Math.sin(this.yaw),
      this.distance * Math.sin(this.pitch),
      this.distance * Math.cos(this.pitch) * Math.cos(this.yaw),
    ];
    return multiply(proj, lookAt(eye, [0, 0, 0], [0, 1, 0]));
  }
}

/** densify puts points between consecutive ones (x, y, z triples) at most
 * step apart, so that dots along a path read as a thick line. */
function densify(pts, step) {
  const out = [pts[0], pts[1], pts[2]];
  for (let i = 3; i < pts.length; i += 3) {
    const d = Math.hypot(pts[i] - pts[i - 3], pts[i + 1] - pts[i - 2], pts[i + 2] - pts[i - 1]);
    const k = Math.min(200, Math.ceil(d / step));
    for (let j = 1; j <= k; j++) {
      const u = j / k;
      out.push(pts[i - 3] + u * (pts[i] - pts[i - 3]), pts[i - 2] + u * (pts[i + 1] - pts[i - 2]), pts[i - 1] + u * (pts[i + 2] - pts[i - 1]));
    }
  }
  return out;
}

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

function normalize(a) {
  const l = Math.hypot(...a);
  return a.map((v) => v / l);
}

function hexRGB(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
}

function link(gl, vs, fs) {
  const compile = (type, src) => {
    const s = gl.createShader(type);
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s));
    return s;
  };
  const p = gl.createProgram();
  gl.attachShader(p, compile(gl.VERTEX_SHADER, vs));
  gl.attachShader(p, compile(gl.FRAGMENT_SHADER, fs));
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(p));
  return p;
}

function buffer(gl, data) {
  const b = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, b);
  gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
  return b;
}

function indexBuffer(gl, data) {
  const b = gl.createBuffer();
  gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, b);
  gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, data, gl.STATIC_DRAW);
  return b;
}

function attrib(gl, loc, buf) {
  gl.bindBuffer(gl.ARRAY_BUFFER, buf);
  gl.enableVertexAttribArray(loc);
  gl.vertexAttribPointer(loc, 3, gl.FLOAT, false, 0, 0);
}

function lookAt(eye, center, up) {
  const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const z = normalize(sub(eye, center)), x = normalize(cross(up, z)), y = cross(z, x);
  return [x[0], y[0], z[0], 0, x[1], y[1], z[1], 0, x[2], y[2], z[2], 0, -dot(x, eye), -dot(y, eye), -dot(z, eye), 1];
}

function multiply(a, b) {
  const out = new Float32Array(16);
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
      out[c * 4 + r] = s;
    }
  }
  return out;
}

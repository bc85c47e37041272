// The surface in 3-D (WebGL 1, no library): the grid as a shaded mesh in
// viridis, the racers' paths lifted onto it, turned by dragging or the arrow
// keys and zoomed by the wheel or + and −.

import { viridis, racerColor } from './colors.js';

const MESH = 101; // the mesh samples the grid at most this many points a side
const HEIGHT = 0.7; // the surface's height against its width of 2

const VERTEX = `
attribute vec3 position;
attribute vec3 color;
uniform mat4 mvp;
uniform float pointSize;
varying vec3 vColor;
void main() {
  gl_Position = mvp * vec4(position, 1.0);
  gl_PointSize = pointSize;
  vColor = color;
}`;

const FRAGMENT = `
precision mediump float;
varying vec3 vColor;
void main() { gl_FragColor = vec4(vColor, 1.0); }`;

export class View3D {
  constructor(canvas) {
    this.canvas = canvas;
    this.gl = canvas.getContext('webgl', { antialias: true, preserveDrawingBuffer: true });
    this.ok = !!this.gl;
    this.yaw = -0.6;
    this.pitch = 0.9;
    this.distance = 3.6;
    this.racers = [];
    this.dirty = true;
    if (!this.ok) return;
    const gl = this.gl;
    this.program = link(gl, VERTEX, FRAGMENT);
    this.loc = {
      position: gl.getAttribLocation(this.program, 'position'),
      color: gl.getAttribLocation(this.program, 'color'),
      mvp: gl.getUniformLocation(this.program, 'mvp'),
      pointSize: gl.getUniformLocation(this.program, 'pointSize'),
    };
    this.bind();
  }

  resize(size) {
    const dpr = window.devicePixelRatio || 1;
    this.canvas.style.width = this.canvas.style.height = size + 'px';
    this.canvas.width = this.canvas.height = Math.floor(size * dpr);
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
    const pos = new Float32Array(m * m * 3), col = new Float32Array(m * m * 3);
    const h = (r, c) => this.height(s.z[r * n + c]);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const r = i * step, c = j * step, k = 3 * (i * m + j);
        const zn = this.norm(s.z[r * n + c]);
        pos[k] = -1 + (2 * j) / (m - 1);
        pos[k + 1] = h(r, c);
        pos[k + 2] = 1 - (2 * i) / (m - 1);
        // Shade by the slope, lit from the upper left, so the shape reads.
        const dx = h(r, Math.min(c + step, n - 1)) - h(r, Math.max(c - step, 0));
        const dz = h(Math.min(r + step, n - 1), c) - h(Math.max(r - step, 0), c);
        const shade = clamp(0.85 - 2.5 * dx * (m / 100) + 2.5 * dz * (m / 100), 0.45, 1.15);
        const [R, G, B] = viridis(zn);
        col[k] = Math.min(1, (R / 255) * shade); col[k + 1] = Math.min(1, (G / 255) * shade); col[k + 2] = Math.min(1, (B / 255) * shade);
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
    this.mesh = { pos: buffer(gl, pos), col: buffer(gl, col), idx: indexBuffer(gl, idx), count: idx.length };
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
    const gl = this.gl, s = this.surface;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(1, 1, 1, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.enable(gl.DEPTH_TEST);
    gl.useProgram(this.program);
    gl.uniformMatrix4fv(this.loc.mvp, false, this.matrix());
    gl.uniform1f(this.loc.pointSize, 9 * (window.devicePixelRatio || 1));
    attrib(gl, this.loc.position, this.mesh.pos);
    attrib(gl, this.loc.color, this.mesh.col);
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.mesh.idx);
    gl.drawElements(gl.TRIANGLES, this.mesh.count, gl.UNSIGNED_SHORT, 0);
    // The paths, lifted a little above the surface so that they show.
    const box = s.box;
    const transform = s.log ? (f) => Math.log10(f - s.floor + s.delta) : (f) => f;
    for (const r of this.racers) {
      const n = r.xs.length / 2;
      if (n === 0) continue;
      const pos = new Float32Array(3 * n), col = new Float32Array(3 * n);
      const [R, G, B] = hexRGB(racerColor(this.colors, r.index));
      let k = 0;
      for (let i = 0; i < n; i++) {
        const x = -1 + (2 * (r.xs[2 * i] - box[0])) / (box[1] - box[0]);
        const y = -1 + (2 * (r.xs[2 * i + 1] - box[2])) / (box[3] - box[2]);
        if (!(Math.abs(x) <= 1.5 && Math.abs(y) <= 1.5)) continue;
        pos[k] = x; pos[k + 1] = this.height(transform(r.f[i])) + 0.015; pos[k + 2] = -y;
        col[k] = R; col[k + 1] = G; col[k + 2] = B;
        k += 3;
      }
      if (k === 0) continue;
      const pb = buffer(gl, pos.subarray(0, k)), cb = buffer(gl, col.subarray(0, k));
      attrib(gl, this.loc.position, pb);
      attrib(gl, this.loc.color, cb);
      gl.drawArrays(gl.LINE_STRIP, 0, k / 3);
      gl.drawArrays(gl.POINTS, k / 3 - 1, 1);
      gl.deleteBuffer(pb);
      gl.deleteBuffer(cb);
    }
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

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
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
  const normalize = (a) => { const l = Math.hypot(...a); return a.map((v) => v / l); };
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

// Controls made from the registry: a slider (log-scaled where the parameter
// says so) with a number box, a check box or a menu for each parameter of a
// surface or an optimizer, and a card per racer.

import { racerColor, racerMarker } from './colors.js';
import { formatValue, specOf, parseSpec } from './state.js';

let uid = 0;

/**
 * checkNumber reads a typed number and says, in words a student reads, why
 * it is not accepted (null when it is): it must be a number, within
 * [min, max], and whole for an integer. name is what the box is called.
 */
export function checkNumber(text, { name, min, max, integer = false }) {
  const t = String(text).trim();
  const range = `${integer ? 'a whole number' : 'a number'} from ${fmt(min)} to ${fmt(max)}`;
  if (t === '') return `${name} needs a value: type ${range}.`;
  const v = Number(t);
  if (Number.isNaN(v)) return `“${t.slice(0, 20)}” is not a number: ${name} takes ${range}.`;
  if (!Number.isFinite(v) || v > max) return `${t.slice(0, 20)} is too large: ${name} takes ${range}.`;
  if (v < min) return `${t.slice(0, 20)} is too small: ${name} takes ${range}.`;
  if (integer && !Number.isInteger(v)) return `${name} takes ${range}, not ${t.slice(0, 20)}.`;
  return null;
}

const fmt = (v) => (Math.abs(v) >= 1e6 ? v.toExponential().replace('e+', 'e') : String(v));

/** guardBox shows checkNumber's verdict on a box beside it (and to screen
 * readers) and says whether the value may be used. */
export function guardBox(box, note, limits) {
  const why = checkNumber(box.value, limits);
  note.textContent = why || '';
  box.setAttribute('aria-invalid', String(!!why));
  return !why;
}

/** sliderRange gives the slider's ends for a parameter. */
function sliderRange(p) {
  const def = Number(p.default);
  if (p.log) {
    const lo = p.min > 0 ? p.min : Math.min(1e-6, def > 0 ? def / 1e3 : 1e-6);
    return { lo: Math.log10(lo), hi: Math.log10(p.max), log: true };
  }
  return { lo: p.min, hi: p.max, log: false };
}

/**
 * paramControl makes the control of one parameter. value is a string as a
 * spec writes it; onChange gets the new string.
 */
export function paramControl(p, value, onChange) {
  const id = `param-${++uid}`;
  const wrap = document.createElement('div');
  wrap.className = `param param-${p.kind}`;
  wrap.dataset.param = p.name;
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = p.label || p.name;
  // The tooltip names the key a spec (and PyTorch, for an optimizer) uses.
  label.title = `${p.name}: ${p.doc}` + (p.defaultText ? ` (default ${p.defaultText})` : ` (default ${p.default})`);
  wrap.append(label);
  if (p.kind === 'bool') {
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.id = id;
    box.checked = value === 'true' || value === '1';
    box.addEventListener('change', () => onChange(box.checked ? 'true' : 'false'));
    wrap.append(box);
    return wrap;
  }
  if (p.kind === 'choice') {
    const sel = document.createElement('select');
    sel.id = id;
    for (const c of p.choices) sel.add(new Option(c, c, false, c === value));
    sel.addEventListener('change', () => onChange(sel.value));
    wrap.append(sel);
    return wrap;
  }
  const r = sliderRange(p);
  const slider = document.createElement('input');
  slider.type = 'range';
  slider.id = id;
  slider.min = String(r.lo);
  slider.max = String(r.hi);
  slider.step = p.kind === 'integer' && !r.log ? '1' : String((r.hi - r.lo) / 1000);
  slider.setAttribute('aria-label', `${p.label || p.name}${r.log ? ' (log scale)' : ''}`);
  const box = document.createElement('input');
  // A text box, not type=number: a number box empties itself on letters and
  // says nothing; this one keeps what was typed and says what is wrong.
  box.type = 'text';
  box.inputMode = 'decimal';
  box.className = 'param-value';
  box.setAttribute('aria-label', `${p.label || p.name} value`);
  const note = document.createElement('span');
  note.className = 'field-error param-note';
  note.id = `${id}-note`;
  note.setAttribute('role', 'alert');
  box.setAttribute('aria-describedby', note.id);
  const limits = { name: p.label || p.name, min: p.min, max: p.max, integer: p.kind === 'integer' };
  const show = (v) => {
    box.value = v;
    const n = Number(v);
    if (Number.isFinite(n)) slider.value = String(r.log ? Math.log10(Math.max(n, Math.pow(10, r.lo))) : n);
  };
  show(value);
  slider.addEventListener('input', () => {
    let v = r.log ? Math.pow(10, Number(slider.value)) : Number(slider.value);
    if (p.kind === 'integer') v = Math.round(v);
    const s = formatValue(p, Number(v.toPrecision(3)));
    box.value = s;
    onChange(s);
  });
  box.addEventListener('change', () => {
    // A value that is not accepted stays in the box, marked, with the reason
    // beside it; the race (and the address) keep the last good value.
    if (!guardBox(box, note, limits)) return;
    const v = formatValue(p, Number(box.value.trim()));
    show(v);
    onChange(v);
  });
  slider.addEventListener('input', () => {
    note.textContent = '';
    box.setAttribute('aria-invalid', 'false');
  });
  wrap.append(slider, box, note);
  return wrap;
}

/** defaults returns the default values of parameters, as spec strings. */
export function defaults(params) {
  const v = {};
  for (const p of params) v[p.name] = p.default;
  return v;
}

// MANY is the number of settings past which a surface's controls fold away
// behind a summary (a network's twenty would fill a projector's screen).
const MANY = 6;
let unfolded = false;

/** SurfaceParams fills the surface's parameter controls: in the open for a
 * surface with a few, folded behind their spec for one with many. */
export function surfaceParams(container, reg, name, values, onChange) {
  container.replaceChildren();
  const info = reg.surfaces.find((s) => s.name === name);
  if (!info) return;
  const all = [...info.params, ...reg.common];
  const current = { ...defaults(all), ...values };
  let box = container, summary = null;
  if (all.length > MANY) {
    const fold = document.createElement('details');
    fold.className = 'surface-settings';
    fold.open = unfolded;
    fold.addEventListener('toggle', () => { unfolded = fold.open; });
    summary = document.createElement('summary');
    box = document.createElement('div');
    box.className = 'params';
    fold.append(summary, box);
    container.append(fold);
  }
  const sum = () => {
    if (summary) summary.textContent = `Settings: ${specOf(name, values, all)}`;
  };
  sum();
  // A formula (a text parameter) has its own box (formula.js).
  for (const p of all.filter((q) => q.kind !== 'text')) {
    box.append(paramControl(p, current[p.name], (v) => {
      values[p.name] = v;
      sum();
      onChange(specOf(name, values, all));
    }));
  }
}

/**
 * RacerCard is one racer: its colour, its optimizer, sliders for the
 * optimizer's parameters and modifiers, its update rule and its status.
 */
export class RacerCard {
  constructor(reg, racer, index, { onChange, onRemove, onInside, surface }) {
    this.reg = reg;
    this.racer = racer;
    this.onChange = onChange;
    this.surface = surface; // () => the race's surface {name, values}
    this.el = document.createElement('div');
    this.el.className = 'racer';
    this.el.dataset.id = racer.id;
    const head = document.createElement('div');
    head.className = 'racer-head';
    this.swatch = document.createElement('span');
    this.swatch.className = 'swatch';
    this.swatch.setAttribute('aria-hidden', 'true');
    this.select = document.createElement('select');
    this.select.className = 'opt';
    this.select.setAttribute('aria-label', 'Optimizer');
    const families = {};
    for (const o of reg.optimizers) (families[o.family] ||= []).push(o);
    for (const [family, opts] of Object.entries(families)) {
      const g = document.createElement('optgroup');
      g.label = family;
      for (const o of opts) g.append(new Option(o.name, o.name));
      this.select.append(g);
    }
    this.select.addEventListener('change', () => {
      this.values = {};
      this.build();
      this.changed();
    });
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'remove';
    remove.textContent = '×';
    remove.setAttribute('aria-label', `Remove racer ${racer.id}`);
    remove.addEventListener('click', () => onRemove(racer.id));
    this.specText = document.createElement('code');
    this.specText.className = 'spec';
    // Inside: draw what the method carries (momentum, scale, inverse
    // Hessian, line searches) on the map.
    this.insideButton = document.createElement('button');
    this.insideButton.type = 'button';
    this.insideButton.className = 'inside';
    this.insideButton.textContent = 'Inside';
    this.insideButton.title = 'Draw what this optimizer carries from step to step on the map: its momentum, its per-coordinate scale, its inverse-Hessian approximation beside the true one, its line searches';
    this.insideButton.setAttribute('aria-pressed', String(!!racer.inside));
    this.insideButton.addEventListener('click', () => onInside(racer.id, this.insideButton.getAttribute('aria-pressed') !== 'true'));
    head.append(this.swatch, this.select, this.specText, this.insideButton, remove);
    this.params = document.createElement('div');
    this.params.className = 'params';
    this.modifiers = document.createElement('details');
    this.modifiers.className = 'modifiers';
    // The keys every optimizer takes, a group each, open when in use.
    this.groups = [
      { params: reg.batch, title: 'Minibatches and own initial weights (networks)', used: (v) => Number(v.batch) > 0 || Number(v.init_seed) > 0 || v.online === 'true' },
      // Filled by build from the surface: the settings of its network
      // this racer may change for itself, the surface's values as defaults.
      { params: [], own: true, title: 'Own model: this racer’s network', used: () => this.ownGroup.params.some((p) => p.name in this.values) },
      { params: reg.continuation, title: 'Continuation: follow a blur schedule', used: (v) => Number(v.blur_from) > 0 },
      { params: reg.averaging, title: 'Averaging: Polyak or EMA of the iterates', used: (v) => v.average && v.average !== 'none' },
      { params: reg.bias, title: 'Biased gradient: add an offset', used: (v) => Number(v.grad_bias) > 0 },
    ].map((g) => {
      const el = document.createElement('details');
      el.className = 'modifiers';
      return { ...g, el };
    });
    this.ownGroup = this.groups.find((g) => g.own);
    this.formula = document.createElement('div');
    this.status = document.createElement('p');
    this.status.className = 'racer-status';
    this.status.setAttribute('aria-live', 'polite');
    this.error = document.createElement('span');
    this.error.className = 'field-error';
    this.error.dataset.errorFor = `racer:${racer.id}`;
    this.el.append(head, this.params, this.modifiers, ...this.groups.map((g) => g.el), this.error, this.status, this.formula);
    const { name, values } = parseSpec(racer.spec);
    this.select.value = name;
    this.values = values;
    this.setIndex(index);
    this.build();
  }

  info() {
    return this.reg.optimizers.find((o) => o.name === this.select.value);
  }

  allParams() {
    const o = this.info();
    return [...o.params, ...(o.modifiers ? this.reg.modifiers : []), ...this.groups.flatMap((g) => g.params)];
  }

  /** ownModel is the model keys the race's surface has, each with the
   * surface's value as its default: a key is written into the racer's spec
   * only where the racer's model differs from the surface's. */
  ownModel() {
    const s = this.surface && this.surface();
    const info = s && this.reg.surfaces.find((x) => x.name === s.name);
    if (!info) return [];
    const out = [];
    for (const p of this.reg.model) {
      const q = info.params.find((x) => x.name === p.name);
      if (q) out.push({ ...p, default: String(s.values[p.name] ?? q.default) });
    }
    return out;
  }

  setIndex(index) {
    this.index = index;
    this.swatch.style.background = racerColor(this.reg.colors, index);
    this.swatch.className = `swatch ${racerMarker(this.reg.colors, index)}`;
    this.el.style.borderLeftColor = racerColor(this.reg.colors, index);
  }

  spec() {
    return specOf(this.select.value, this.values, this.allParams());
  }

  build() {
    const o = this.info();
    this.ownGroup.params = this.ownModel(); // the surface may have changed since
    const shown = { ...defaults(this.allParams()), ...this.values };
    this.params.replaceChildren();
    for (const p of o.params) {
      this.params.append(paramControl(p, shown[p.name], (v) => { this.values[p.name] = v; this.changed(); }));
    }
    this.modifiers.replaceChildren();
    if (o.modifiers) {
      const summary = document.createElement('summary');
      summary.textContent = 'Clipping, curriculum, pretraining, transfer and learning-rate schedule';
      const box = document.createElement('div');
      box.className = 'params';
      const schedule = shown.schedule || 'constant';
      const own = new Set(['clip_norm', 'clip_value', 'curriculum', 'pretrain', 'transfer', 'freeze', 'schedule', ...(this.reg.scheduleKeys[schedule] || [])]);
      for (const p of this.reg.modifiers) {
        if (!own.has(p.name)) continue;
        box.append(paramControl(p, shown[p.name], (v) => {
          this.values[p.name] = v;
          if (p.name === 'schedule') {
            // Keys of another schedule would be refused: drop them.
            for (const k of Object.values(this.reg.scheduleKeys).flat()) if (!(this.reg.scheduleKeys[v] || []).includes(k)) delete this.values[k];
            this.build();
          }
          this.changed();
        }));
      }
      this.modifiers.append(summary, box);
      this.modifiers.hidden = false;
    } else {
      this.modifiers.hidden = true;
    }
    for (const g of this.groups) {
      g.el.hidden = !g.params.length;
      g.el.replaceChildren();
      const summary = document.createElement('summary');
      summary.textContent = g.title;
      const box = document.createElement('div');
      box.className = 'params';
      for (const p of g.params) {
        box.append(paramControl(p, shown[p.name], (v) => { this.values[p.name] = v; this.changed(); }));
      }
      g.el.append(summary, box);
      g.el.open = g.used(shown);
    }
    const tpl = document.getElementById(`formula-${o.name}`);
    this.formula.replaceChildren(tpl ? tpl.content.cloneNode(true) : '');
    this.select.title = o.explain;
    this.specText.textContent = this.spec();
  }

  changed() {
    this.specText.textContent = this.spec();
    this.onChange(this.racer.id, this.spec());
  }

  showStatus(text) {
    this.status.textContent = text;
  }
}

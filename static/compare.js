// Side by side: each racer's latest 2-D slice and Hessian spectrum kept as a
// picture with the numbers that tell them apart, so that racers of
// different models in one race (a plain deep net and its residual twin)
// can be looked at together (Li et al. 2018). Pictures are taken from the
// canvases once a figure is complete; nothing is recomputed.

/** sliceSummary describes a finished 2-D slice (rows of training loss, the
 * racer at the centre): the loss at the racer and whether it is the
 * slice's lowest, the spread over the slice, and the bumps (strict local
 * minima among the eight neighbours, inside the grid). */
export function sliceSummary(rows) {
  const n = rows.length, c = (n - 1) / 2;
  const at = (i, j) => rows[i].train_loss[j];
  let lo = Infinity, hi = -Infinity, bumps = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      lo = Math.min(lo, at(i, j));
      hi = Math.max(hi, at(i, j));
      if (i === 0 || j === 0 || i === n - 1 || j === n - 1) continue;
      let min = true;
      for (let di = -1; di <= 1 && min; di++) for (let dj = -1; dj <= 1; dj++) if ((di || dj) && at(i + di, j + dj) <= at(i, j)) { min = false; break; }
      if (min) bumps++;
    }
  }
  const centre = at(c, c);
  return { centre, lo, hi, lowest: centre <= lo, bumps, n };
}

function sliceText(s) {
  const p = (v) => v.toPrecision(3);
  return `loss ${p(s.centre)} at the racer, ` + (s.lowest ? 'the lowest on the slice' : `not the lowest (${p(s.lo)} elsewhere)`) +
    `; ${p(s.lo)} to ${p(s.hi)} over the slice (×${p(s.hi / s.lo)}); ${s.bumps} bumps (strict local minima of the ${s.n}×${s.n} grid)`;
}

/** spectrumText: the eigenvalues' range lo … hi and, where some are
 * negative, |λmin/λmax| (curvature), the measure of non-convexity Li et al.
 * (2018) map. */
function spectrumText(msg, lo, hi, curvature) {
  return `eigenvalues from ${lo.toPrecision(3)} to ${hi.toPrecision(3)}` + (lo < 0 ? ` (|λmin/λmax| = ${curvature.toPrecision(2)})` : '') +
    `, trace ${msg.trace.toPrecision(3)}; top per layer ${msg.layer_top.map((v) => v.toPrecision(2)).join(', ')}`;
}

export class Compare {
  /** section is shown once there is a picture; box holds them. */
  constructor(section, box, clear) {
    this.section = section;
    this.box = box;
    this.items = new Map(); // kind:id → {kind, id, figure}
    clear.addEventListener('click', () => this.clear());
  }

  clear() {
    this.items.clear();
    this.box.replaceChildren();
    this.section.hidden = true;
  }

  /** slice keeps a finished 2-D random slice of racer id. */
  slice(id, spec, canvas, job) {
    if (job.kind !== 'random' || job.rows.some((r) => !r)) return;
    const s = sliceSummary(job.rows);
    this.keep('slice', id, spec, canvas, `2-D slice (range ${job.hi}): ${sliceText(s)}.`, s);
  }

  /** spectrum keeps a Hessian spectrum of racer id. */
  spectrum(id, spec, canvas, msg) {
    const all = msg.nodes.concat(msg.exact || []);
    const lo = Math.min(...all), hi = Math.max(...all), curvature = lo < 0 ? Math.abs(lo / hi) : 0;
    this.keep('spectrum', id, spec, canvas, `Hessian spectrum: ${spectrumText(msg, lo, hi, curvature)}.`, null).dataset.curvature = String(curvature);
  }

  keep(kind, id, spec, canvas, text, summary) {
    const fig = document.createElement('figure');
    fig.className = 'compare-item';
    fig.dataset.kind = kind;
    fig.dataset.id = id;
    if (summary) fig.dataset.summary = JSON.stringify(summary);
    const img = document.createElement('img');
    img.src = canvas.toDataURL('image/png');
    img.alt = `${kind === 'slice' ? 'Loss slice' : 'Hessian spectrum'} of racer ${id}, ${spec}`;
    img.width = Math.min(300, canvas.clientWidth || 300);
    const cap = document.createElement('figcaption');
    const who = document.createElement('strong');
    who.textContent = `${id} · ${spec}`;
    cap.append(who, ' — ', text);
    fig.append(img, cap);
    this.items.set(`${kind}:${id}`, { kind, id, fig });
    // Slices together, then spectra; in the racers' order within each.
    const order = [...this.items.values()].sort((a, b) => (a.kind === b.kind ? a.id.localeCompare(b.id, undefined, { numeric: true }) : a.kind === 'slice' ? -1 : 1));
    this.box.replaceChildren(...order.map((x) => x.fig));
    this.section.hidden = false;
    return fig;
  }
}

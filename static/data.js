// The data box: a student's own points. A CSV file (x,y,label or
// x,y,target) goes to the server (POST /api/data), which reads it, names
// it by its points (16 hex digits) and keeps it in memory while a race of
// this page trains on it; a JSON file exported from a race on uploaded data
// carries its data and its race, and opens as both. The box says what was
// read, or what is wrong with the file and where.

/** Uploaded data stays on the server only while a session races on it. */
export const SESSION_ONLY = 'Your data stays on the server only while this page races on it (never on disk): a link to this race needs the file again.';

export class DataBox {
  /** onData({id, name, rows, classes, class_names, regression}, race) is
   * called with what the server read, and for a JSON export the race it
   * carries ({surface, opts, seed, tol, clock, to}). */
  constructor(root, { onData }) {
    this.input = root.querySelector('#data-file');
    this.status = root.querySelector('#data-status');
    this.error = root.querySelector('#data-error');
    this.onData = onData;
    this.uploads = 0; // finished uploads, good or bad (tests wait on it)
    root.querySelector('#data-choose').addEventListener('click', () => this.input.click());
    this.input.addEventListener('change', () => {
      const file = this.input.files[0];
      this.input.value = ''; // the same file again is a new choice
      if (file) this.read(file);
    });
  }

  async read(file) {
    this.say(`Reading ${file.name}…`);
    try {
      const text = await file.text();
      let csv = text, name = file.name, race = null;
      if (/\.json$/i.test(file.name) || /^\s*\{/.test(text)) {
        race = exportedRace(text, file.name);
        csv = race.data.csv;
        name = race.data.name || file.name;
      }
      const resp = await fetch(`/api/data?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: csv });
      const reply = await resp.json();
      if (reply.error) throw new Error(`${name}: ${reply.error.message}`);
      this.onData(reply, race);
    } catch (err) {
      this.fail(err.message);
    } finally {
      this.uploads++;
    }
  }

  /** say shows what the race trains on (or how to give it data). */
  say(text) {
    this.status.textContent = text;
    this.error.hidden = true;
    this.error.textContent = '';
  }

  fail(text) {
    this.error.textContent = text;
    this.error.hidden = false;
  }

  /** describe says what a reply's data is. */
  static describe(d) {
    const what = d.regression ? 'a regression target' : `${d.classes} classes (${d.class_names.join(', ')})`;
    return `${d.name}: ${d.rows} points, ${what}; inputs standardized to mean 0 and standard deviation 1.`;
  }
}

/** exportedRace reads a race exported as JSON: its data and its race. */
function exportedRace(text, name) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${name} is not a CSV file, and not JSON either (${err.message}); give a CSV of x,y,label or a race exported as JSON`);
  }
  if (!doc || !doc.data || typeof doc.data.csv !== 'string') {
    throw new Error(`${name} is JSON without data: only a race on uploaded data carries its points (its "data" field); give a CSV of x,y,label instead`);
  }
  const opts = Array.isArray(doc.runs) ? doc.runs.map((r) => r && r.opt).filter((o) => typeof o === 'string') : [];
  return { data: doc.data, surface: String(doc.surface || ''), opts, seed: doc.seed, tol: doc.tol, clock: doc.clock, to: doc.to };
}

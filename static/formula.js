// The formula box of a user-entered surface (expr:f=…): the user types
// f(x, y); the server checks it as they type (/api/formula) and answers
// with the formula as MathML, or with its first problem and the column,
// which the box marks under the formula. A good formula is handed to
// onChange, which races on it.

const CHECK_DELAY = 250; // ms after the last key

export class FormulaBox {
  constructor(root, { onChange }) {
    this.root = root;
    this.input = root.querySelector('#formula-input');
    this.echo = root.querySelector('#formula-echo');
    this.error = root.querySelector('#formula-error');
    this.note = root.querySelector('#formula-note');
    this.examples = root.querySelector('#formula-examples');
    this.onChange = onChange;
    this.timer = 0;
    this.serial = 0;
    this.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.check(this.input.value, true), CHECK_DELAY);
    });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        clearTimeout(this.timer);
        this.check(this.input.value, true);
      }
    });
    this.examples.addEventListener('change', () => {
      if (!this.examples.value) return;
      this.input.value = this.examples.value;
      this.examples.value = '';
      this.check(this.input.value, true);
    });
  }

  /** show shows the box (for the expr surface) with the formula f, or hides it. */
  show(visible, f) {
    this.root.hidden = !visible;
    if (!visible) return;
    if (this.input.value !== f || !this.echo.firstChild) {
      this.input.value = f;
      this.check(f, false);
    }
  }

  /** check asks the server about the formula; with race, a good one that
   * differs from the last raced goes to onChange. */
  async check(f, race) {
    const serial = ++this.serial;
    let reply;
    try {
      const res = await fetch(`/api/formula?f=${encodeURIComponent(f)}`);
      reply = await res.json();
    } catch {
      return; // offline for a moment: the race's own check will speak
    }
    if (serial !== this.serial) return; // a later check is on its way
    this.root.dataset.checked = f;
    if (reply.error) {
      this.input.setAttribute('aria-invalid', 'true');
      this.error.hidden = false;
      // The formula, and a caret under the failing column.
      const col = reply.error.column;
      this.error.textContent = col > 0 ? `${f}\n${' '.repeat(col - 1)}^ ${reply.error.message}` : reply.error.message;
      this.error.dataset.column = String(col);
      return;
    }
    this.input.removeAttribute('aria-invalid');
    this.error.hidden = true;
    this.error.textContent = '';
    this.echo.innerHTML = reply.mathml; // MathML made by the server from the parsed tree
    this.note.textContent = reply.kinks
      ? 'abs, min and max have kinks: there the derivative of one side is used (abs′(0) = 1; min and max follow their first argument at a tie).'
      : '';
    if (race) this.onChange(f);
  }
}

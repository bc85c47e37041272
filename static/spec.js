// The NAME:key=value,… form of a surface or an optimizer, as the server
// reads it (package spec: Parse and String). Both are tested on the cases of
// spec/testdata/specs.json, so that the page and the server agree.

/**
 * parse reads a spec into {name, pairs: [[key, value], …]}, or returns
 * {error: {field, message}} saying what is wrong with its form. A key in
 * rest takes the rest of the spec as its value, commas included.
 */
export function parse(text, rest = []) {
  const fail = (field, message) => ({ error: { field, message } });
  if (text.length > 4096) return fail('', `the spec is ${text.length} characters long; at most 4096 are accepted`);
  const t = text.trim();
  const colon = t.indexOf(':');
  const name = (colon < 0 ? t : t.slice(0, colon)).trim();
  if (name === '') return fail('name', 'the spec has no name; write NAME or NAME:key=value,key=value');
  if (colon < 0) return { name, pairs: [] };
  let params = t.slice(colon + 1);
  if (params.trim() === '') return fail('', `nothing follows ${JSON.stringify(name + ':')}; write ${name}:key=value,key=value or just ${name}`);
  const pairs = [];
  for (;;) {
    const comma = params.indexOf(',');
    let item = comma < 0 ? params : params.slice(0, comma);
    let more = comma < 0 ? '' : params.slice(comma + 1);
    let last = comma < 0;
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim();
    let value = eq < 0 ? '' : item.slice(eq + 1);
    if (eq >= 0 && !last && rest.includes(key)) {
      value = value + ',' + more; // the rest, commas included
      last = true;
    }
    value = value.trim();
    if (eq < 0 || key === '' || value === '') return fail(key, `${JSON.stringify(item.trim())} is not of the form key=value`);
    pairs.push([key, value]);
    if (last) return { name, pairs };
    params = more;
  }
}

/** format writes {name, pairs} as NAME or NAME:key=value,…. */
export function format(spec) {
  if (!spec.pairs.length) return spec.name;
  return `${spec.name}:${spec.pairs.map(([k, v]) => `${k}=${v}`).join(',')}`;
}

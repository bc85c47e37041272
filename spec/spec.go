// Package spec is the one compact form that names a surface or an optimizer
// with its parameters everywhere (command line, links, the websocket
// protocol, exports):
//
//	NAME:key=value,key=value
//
// Parse reads the form into a Spec, which Get, Set and Del change as a
// value and String writes back; Resolve checks a Spec's keys and values
// against declared parameters (Param) and fills in their defaults. Errors
// list every problem at once, each keyed by the part it concerns, so that a
// form can show it beside its input. The page's static/spec.js mirrors Parse
// and String; both are tested on testdata/specs.json.
package spec

import (
	"fmt"
	"slices"
	"strings"
)

// MaxLen is the longest spec accepted.
const MaxLen = 4096

// Spec is a parsed NAME:key=value,… in the order written.
type Spec struct {
	Name  string
	pairs []pair
	text  string // as given to Parse, for messages
}

type pair struct{ key, value string }

// Parse reads a spec. It checks only the form: a name, then key=value pairs
// separated by commas, blanks around names, keys and values ignored. A key
// in rest takes the rest of the spec as its value, commas included, so it
// must come last (a formula: expr:xmin=-2,f=atan2(y, x)).
func Parse(text string, rest ...string) (Spec, error) {
	fail := func(field, format string, a ...any) (Spec, error) {
		return Spec{}, &Error{Spec: text, Problems: []Problem{{field, fmt.Sprintf(format, a...)}}}
	}
	if len(text) > MaxLen {
		return fail("", "the spec is %d characters long; at most %d are accepted", len(text), MaxLen)
	}
	name, params, hasParams := strings.Cut(strings.TrimSpace(text), ":")
	s := Spec{Name: strings.TrimSpace(name), text: text}
	if s.Name == "" {
		return fail("name", "the spec has no name; write NAME or NAME:key=value,key=value")
	}
	if !hasParams {
		return s, nil
	}
	if strings.TrimSpace(params) == "" {
		return fail("", "nothing follows %q; write %s:key=value,key=value or just %s", s.Name+":", s.Name, s.Name)
	}
	for {
		item, more, comma := strings.Cut(params, ",")
		k, v, ok := strings.Cut(item, "=")
		k = strings.TrimSpace(k)
		if ok && comma && slices.Contains(rest, k) {
			v, comma = v+","+more, false // the rest, commas included
		}
		v = strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return fail(k, "%q is not of the form key=value", strings.TrimSpace(item))
		}
		s.pairs = append(s.pairs, pair{k, v})
		if !comma {
			return s, nil
		}
		params = more
	}
}

// Text is the spec as it was given to Parse (String for one made otherwise).
func (s Spec) Text() string {
	if s.text == "" {
		return s.String()
	}
	return s.text
}

// Get is the value written for a key.
func (s Spec) Get(key string) (string, bool) {
	for _, p := range s.pairs {
		if p.key == key {
			return p.value, true
		}
	}
	return "", false
}

// Keys are the keys in the order written.
func (s Spec) Keys() []string {
	keys := make([]string, len(s.pairs))
	for i, p := range s.pairs {
		keys[i] = p.key
	}
	return keys
}

// Set is the spec with key set to value: in its place if written, else
// appended.
func (s Spec) Set(key, value string) Spec {
	out := Spec{Name: s.Name, pairs: slices.Clone(s.pairs)}
	for i, p := range out.pairs {
		if p.key == key {
			out.pairs[i].value = value
			return out
		}
	}
	out.pairs = append(out.pairs, pair{key, value})
	return out
}

// Del is the spec without key.
func (s Spec) Del(key string) Spec {
	out := Spec{Name: s.Name}
	for _, p := range s.pairs {
		if p.key != key {
			out.pairs = append(out.pairs, p)
		}
	}
	return out
}

// String writes NAME or NAME:key=value,… in the order of the keys.
func (s Spec) String() string {
	if len(s.pairs) == 0 {
		return s.Name
	}
	var b strings.Builder
	b.WriteString(s.Name)
	for i, p := range s.pairs {
		if i == 0 {
			b.WriteByte(':')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// Problem is one thing wrong with a spec, keyed by the part it concerns (the
// name, or a parameter key) so a form can show it beside the input.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error lists every problem of one spec at once.
type Error struct {
	Spec     string    `json:"spec"`
	Problems []Problem `json:"problems"`
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return fmt.Sprintf("%q: %s", e.Spec, strings.Join(msgs, "; "))
}

// Lookup finds the registry entry a spec names (a surface, an optimizer),
// or says which names are accepted; what names the kind of entry.
func Lookup[T any](s Spec, what string, entries []T, name func(T) string) (T, error) {
	known := make([]string, len(entries))
	for i, e := range entries {
		if known[i] = name(e); known[i] == s.Name {
			return e, nil
		}
	}
	var none T
	slices.Sort(known)
	return none, &Error{Spec: s.Text(), Problems: []Problem{{"name", fmt.Sprintf("unknown %s %q; accepted: %s", what, s.Name, strings.Join(known, ", "))}}}
}

package landscapes

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// This file holds the one compact form that names a surface or an optimizer
// with its parameters everywhere (command line, links, export):
//
//	NAME:key=value,key=value
//
// Surfaces and optimizers both describe their parameters with Param, and both
// resolve a spec with Resolve, so the form, its errors and its defaults are the
// same in the CLI, the websocket protocol and the UI.

// Kind is the type of value a parameter takes.
type Kind int

const (
	Real    Kind = iota // a float64
	Integer             // a whole number, stored as float64
	Bool                // true or false (also 1 or 0)
	Choice              // one word of Param.Choices
)

// Param describes one parameter: its name, default, accepted range and how a
// slider should move through it.
type Param struct {
	Name    string
	Kind    Kind
	Default float64  // for Bool 0 or 1; for Choice the index into Choices
	Min     float64  // inclusive bounds for Real and Integer
	Max     float64  //
	Log     bool     // a slider for it moves on a log scale
	Choices []string // the accepted words of a Choice
	Doc     string   // one line for `saddle list` and tooltips
	// DefaultText replaces the printed default where it depends on another
	// parameter (the gamma of a schedule).
	DefaultText string
}

// Accepts says in words what the parameter accepts, for error messages.
func (p Param) Accepts() string {
	switch p.Kind {
	case Bool:
		return "true or false"
	case Choice:
		return "one of " + strings.Join(p.Choices, ", ")
	case Integer:
		return fmt.Sprintf("a whole number in [%s, %s]", Format(p.Min), Format(p.Max))
	default:
		return fmt.Sprintf("a number in [%s, %s]", Format(p.Min), Format(p.Max))
	}
}

// DefaultString is the default as it would be written in a spec.
func (p Param) DefaultString() string {
	if p.DefaultText != "" {
		return p.DefaultText
	}
	return p.format(p.Default)
}

func (p Param) format(v float64) string {
	switch p.Kind {
	case Bool:
		return strconv.FormatBool(v != 0)
	case Choice:
		return p.Choices[int(v)]
	default:
		return Format(v)
	}
}

// parse reads one value of the parameter from text.
func (p Param) parse(text string) (float64, error) {
	bad := func() error {
		return fmt.Errorf("%s=%s is not accepted; %s takes %s", p.Name, text, p.Name, p.Accepts())
	}
	switch p.Kind {
	case Bool:
		switch strings.ToLower(text) {
		case "true", "1", "yes", "on":
			return 1, nil
		case "false", "0", "no", "off":
			return 0, nil
		}
		return 0, bad()
	case Choice:
		for i, c := range p.Choices {
			if strings.EqualFold(c, text) {
				return float64(i), nil
			}
		}
		return 0, bad()
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < p.Min || v > p.Max {
		return 0, bad()
	}
	if p.Kind == Integer && v != math.Trunc(v) {
		return 0, bad()
	}
	return v, nil
}

// Format prints a number with full float64 precision and no more digits than
// it needs (strconv 'g', -1), the way every number leaves this program.
func Format(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Values are the resolved parameters of one spec: every declared parameter has
// a value, given or default.
type Values struct {
	params []Param
	vals   []float64
	given  []bool
}

func (v Values) index(name string) int {
	for i, p := range v.params {
		if p.Name == name {
			return i
		}
	}
	panic("landscapes: no parameter " + name) // a programmer error: the name is not declared
}

// Float is the value of a Real or Integer parameter.
func (v Values) Float(name string) float64 { return v.vals[v.index(name)] }

// Int is the value of an Integer parameter.
func (v Values) Int(name string) int { return int(v.vals[v.index(name)]) }

// Bool is the value of a Bool parameter.
func (v Values) Bool(name string) bool { return v.vals[v.index(name)] != 0 }

// String is the word chosen for a Choice parameter.
func (v Values) String(name string) string {
	i := v.index(name)
	return v.params[i].Choices[int(v.vals[i])]
}

// Given reports whether the spec set the parameter explicitly.
func (v Values) Given(name string) bool { return v.given[v.index(name)] }

// Has reports whether the parameter is declared at all.
func (v Values) Has(name string) bool {
	for _, p := range v.params {
		if p.Name == name {
			return true
		}
	}
	return false
}

func (v Values) clone() Values {
	return Values{params: v.params, vals: append([]float64(nil), v.vals...), given: append([]bool(nil), v.given...)}
}

func (v Values) with(name string, x float64) Values {
	c := v.clone()
	c.Set(name, x)
	return c
}

// Set changes a value; it is for defaults that depend on other values.
func (v Values) Set(name string, x float64) { v.vals[v.index(name)] = x }

// Canonical writes the values back as a spec with only the parameters that
// differ from their defaults, in declaration order.
func (v Values) Canonical(name string) string {
	var parts []string
	for i, p := range v.params {
		if v.given[i] && (v.vals[i] != p.Default || p.DefaultText != "") {
			parts = append(parts, p.Name+"="+p.format(v.vals[i]))
		}
	}
	if len(parts) == 0 {
		return name
	}
	return name + ":" + strings.Join(parts, ",")
}

// Problem is one thing wrong with a spec, keyed by the part it concerns (the
// name, or a parameter key) so a form can show it beside the input.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// SpecError lists every problem of one spec at once.
type SpecError struct {
	Spec     string    `json:"spec"`
	Problems []Problem `json:"problems"`
}

func (e *SpecError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return fmt.Sprintf("%q: %s", e.Spec, strings.Join(msgs, "; "))
}

// Split cuts a spec into its name and its key=value pairs, in order. It
// checks only the form; Resolve checks the keys and values.
func Split(spec string) (name string, keys, values []string, err error) {
	fail := func(field, format string, a ...any) (string, []string, []string, error) {
		return "", nil, nil, &SpecError{Spec: spec, Problems: []Problem{{field, fmt.Sprintf(format, a...)}}}
	}
	if len(spec) > 4096 {
		return fail("", "the spec is %d characters long; at most 4096 are accepted", len(spec))
	}
	name, rest, hasParams := strings.Cut(strings.TrimSpace(spec), ":")
	name = strings.TrimSpace(name)
	if name == "" {
		return fail("name", "the spec has no name; write NAME or NAME:key=value,key=value")
	}
	if !hasParams {
		return name, nil, nil, nil
	}
	if strings.TrimSpace(rest) == "" {
		return fail("", "nothing follows %q; write %s:key=value,key=value or just %s", name+":", name, name)
	}
	for _, pair := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(pair, "=")
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if !ok || k == "" || val == "" {
			return fail(k, "%q is not of the form key=value", strings.TrimSpace(pair))
		}
		keys = append(keys, k)
		values = append(values, val)
	}
	return name, keys, values, nil
}

// Resolve checks the pairs of a spec against the declared parameters and
// fills in defaults. owner names the surface or optimizer in messages. Every
// problem is reported, not only the first.
func Resolve(spec, owner string, params []Param, keys, values []string) (Values, error) {
	v := Values{params: params, vals: make([]float64, len(params)), given: make([]bool, len(params))}
	for i, p := range params {
		v.vals[i] = p.Default
	}
	var problems []Problem
	for j, k := range keys {
		i := -1
		for n, p := range params {
			if p.Name == k {
				i = n
			}
		}
		switch {
		case i < 0:
			problems = append(problems, Problem{k, fmt.Sprintf("%s has no parameter %q; accepted: %s", owner, k, paramNames(params))})
		case v.given[i]:
			problems = append(problems, Problem{k, fmt.Sprintf("%s is given twice", k)})
		default:
			x, err := params[i].parse(values[j])
			if err != nil {
				problems = append(problems, Problem{k, owner + ": " + err.Error()})
				continue
			}
			v.vals[i], v.given[i] = x, true
		}
	}
	if problems != nil {
		return Values{}, &SpecError{Spec: spec, Problems: problems}
	}
	return v, nil
}

func paramNames(params []Param) string {
	if len(params) == 0 {
		return "none"
	}
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// UnknownName is the error for a name that no registry entry has.
func UnknownName(spec, what, name string, known []string) error {
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return &SpecError{Spec: spec, Problems: []Problem{{"name", fmt.Sprintf("unknown %s %q; accepted: %s", what, name, strings.Join(sorted, ", "))}}}
}

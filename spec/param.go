package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind is the type of value a parameter takes.
type Kind int

const (
	Real    Kind = iota // a float64
	Integer             // a whole number, stored as float64
	Bool                // true or false (also 1 or 0)
	Choice              // one word of Param.Choices
	// Text is a string (a formula): it takes the rest of a spec, commas
	// included, so a spec writes it last; Param.Check validates it.
	Text
)

// Param describes one parameter: its name, default, accepted range and how a
// slider should move through it. Surfaces and optimizers both describe their
// parameters with it, so the form, its errors and its defaults are the same
// in the command line, the websocket protocol and the page.
type Param struct {
	Name    string
	Kind    Kind
	Default float64  // for Bool 0 or 1; for Choice the index into Choices
	Min     float64  // inclusive bounds for Real and Integer
	Max     float64  //
	Log     bool     // a slider for it moves on a log scale
	Choices []string // the accepted words of a Choice
	Doc     string   // one line for `saddle list` and tooltips
	// Label is the name a student reads in the page ("hidden layer 3" for
	// h3); empty means the name itself.
	Label string
	// DefaultText replaces the printed default where it depends on another
	// parameter (the gamma of a schedule); for a Text parameter it is the
	// default itself.
	DefaultText string
	// Check, for a Text parameter, says what is wrong with a value (nil if
	// nothing is).
	Check func(text string) error
	// Accept says in words what a Text parameter accepts (default: a
	// formula).
	Accept string
}

// Accepts says in words what the parameter accepts, for error messages.
func (p Param) Accepts() string {
	switch p.Kind {
	case Bool:
		return "true or false"
	case Choice:
		return "one of " + strings.Join(p.Choices, ", ")
	case Text:
		if p.Accept != "" {
			return p.Accept
		}
		return "a formula"
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
	return p.Text(p.Default)
}

// Text writes a value of the parameter as a spec writes it.
func (p Param) Text(v float64) string {
	switch p.Kind {
	case Bool:
		return strconv.FormatBool(v != 0)
	case Choice:
		return p.Choices[int(v)]
	default:
		return Format(v)
	}
}

// Parse reads one value of the parameter from text.
func (p Param) Parse(text string) (float64, error) {
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

// Values are the resolved parameters of one spec: every declared parameter
// has a value, given or default. A Values is not changed once resolved; With
// makes a changed copy.
type Values struct {
	params []Param
	vals   []float64
	texts  []string // the values of Text parameters
	given  []bool
}

func (v Values) index(name string) int {
	for i, p := range v.params {
		if p.Name == name {
			return i
		}
	}
	panic("spec: no parameter " + name) // a programmer error: the name is not declared
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

// Text is the value of a Text parameter.
func (v Values) Text(name string) string { return v.texts[v.index(name)] }

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

// With is a copy with one value changed, marked as given.
func (v Values) With(name string, x float64) Values {
	c := Values{params: v.params, vals: append([]float64(nil), v.vals...), texts: v.texts, given: append([]bool(nil), v.given...)}
	i := c.index(name)
	c.vals[i], c.given[i] = x, true
	return c
}

// Spec writes the values back as a spec with only the parameters that were
// given and differ from their defaults, in declaration order: the canonical
// form of the spec.
// A Text parameter comes last, since it takes the rest of a spec.
func (v Values) Spec(name string) Spec {
	s := Spec{Name: name}
	var last []pair
	for i, p := range v.params {
		switch {
		case p.Kind == Text:
			if v.given[i] && v.texts[i] != p.DefaultText {
				last = append(last, pair{p.Name, v.texts[i]})
			}
		case v.given[i] && (v.vals[i] != p.Default || p.DefaultText != ""):
			s.pairs = append(s.pairs, pair{p.Name, p.Text(v.vals[i])})
		}
	}
	s.pairs = append(s.pairs, last...)
	return s
}

// TextParams are the names of the Text parameters, the keys that take the
// rest of a spec (for Parse).
func TextParams(params []Param) []string {
	var out []string
	for _, p := range params {
		if p.Kind == Text {
			out = append(out, p.Name)
		}
	}
	return out
}

// Resolve checks a spec's pairs against the declared parameters and fills in
// defaults. owner names the surface or optimizer in messages. Every problem
// is reported, not only the first.
func Resolve(s Spec, owner string, params []Param) (Values, error) {
	v := Values{params: params, vals: make([]float64, len(params)), texts: make([]string, len(params)), given: make([]bool, len(params))}
	for i, p := range params {
		v.vals[i], v.texts[i] = p.Default, p.DefaultText
	}
	var problems []Problem
	seen := map[string]bool{}
	for _, kv := range s.pairs {
		i := -1
		for n, p := range params {
			if p.Name == kv.key {
				i = n
			}
		}
		twice := seen[kv.key]
		seen[kv.key] = true
		switch {
		case i < 0:
			problems = append(problems, Problem{kv.key, fmt.Sprintf("%s has no parameter %q; accepted: %s", owner, kv.key, names(params))})
		case twice:
			problems = append(problems, Problem{kv.key, fmt.Sprintf("%s is given twice", kv.key)})
		case params[i].Kind == Text:
			if params[i].Check != nil {
				if err := params[i].Check(kv.value); err != nil {
					problems = append(problems, Problem{kv.key, owner + ": " + kv.key + ": " + err.Error()})
					continue
				}
			}
			v.texts[i], v.given[i] = kv.value, true
		default:
			x, err := params[i].Parse(kv.value)
			if err != nil {
				problems = append(problems, Problem{kv.key, owner + ": " + err.Error()})
				continue
			}
			v.vals[i], v.given[i] = x, true
		}
	}
	if problems != nil {
		return Values{}, &Error{Spec: s.Text(), Problems: problems}
	}
	return v, nil
}

func names(params []Param) string {
	if len(params) == 0 {
		return "none"
	}
	out := make([]string, len(params))
	for i, p := range params {
		out[i] = p.Name
	}
	return strings.Join(out, ", ")
}

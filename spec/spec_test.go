package spec

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// specCase is one case of testdata/specs.json, which static/spec.js is
// tested on too, so that the page and the server read specs alike.
type specCase struct {
	Text    string     `json:"text"`
	Rest    []string   `json:"rest"`
	Name    string     `json:"name"`
	Pairs   [][]string `json:"pairs"`
	String  string     `json:"string"`
	Error   *string    `json:"error"`
	Message string     `json:"message"`
}

func TestParseAndString(t *testing.T) {
	data, err := os.ReadFile("testdata/specs.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []specCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		s, err := Parse(c.Text, c.Rest...)
		if c.Error != nil {
			e, ok := err.(*Error)
			if !ok || e.Problems[0].Field != *c.Error || !strings.Contains(e.Problems[0].Message, c.Message) {
				t.Errorf("Parse(%q) = %v; want an error at %q saying %q", c.Text, err, *c.Error, c.Message)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.Text, err)
			continue
		}
		var pairs [][]string
		for _, k := range s.Keys() {
			v, _ := s.Get(k)
			pairs = append(pairs, []string{k, v})
		}
		if s.Name != c.Name || !reflect.DeepEqual(pairs, append([][]string(nil), c.Pairs...)) && len(c.Pairs)+len(pairs) > 0 || s.String() != c.String {
			t.Errorf("Parse(%q) = %s %v (%q); want %s %v (%q)", c.Text, s.Name, pairs, s.String(), c.Name, c.Pairs, c.String)
		}
	}
}

func TestSetAndDelAreValues(t *testing.T) {
	s, _ := Parse("adam:lr=0.1,beta1=0.8")
	set := s.Set("lr", "0.5").Set("eps", "1e-6")
	if got := set.String(); got != "adam:lr=0.5,beta1=0.8,eps=1e-6" {
		t.Errorf("Set gave %q", got)
	}
	if got := s.Del("lr").String(); got != "adam:beta1=0.8" {
		t.Errorf("Del gave %q", got)
	}
	if s.String() != "adam:lr=0.1,beta1=0.8" {
		t.Errorf("Set and Del changed the spec they were called on: %q", s.String())
	}
	if v, ok := set.Get("eps"); !ok || v != "1e-6" {
		t.Errorf("Get(eps) = %q, %v", v, ok)
	}
}

func TestResolveReportsEveryProblem(t *testing.T) {
	params := []Param{
		{Name: "a", Kind: Real, Default: 1, Min: 0, Max: 10},
		{Name: "n", Kind: Integer, Default: 2, Min: 1, Max: 5},
		{Name: "on", Kind: Bool},
		{Name: "mode", Kind: Choice, Choices: []string{"x", "y"}},
	}
	s, _ := Parse("thing:a=11,n=2.5,on=maybe,mode=z,b=1,a=2")
	_, err := Resolve(s, "thing", params)
	e, ok := err.(*Error)
	if !ok || len(e.Problems) != 6 {
		t.Fatalf("Resolve = %v; want six problems", err)
	}
	for i, want := range []string{"a takes a number in [0, 10]", "n takes a whole number in [1, 5]", "on takes true or false", "mode takes one of x, y", `thing has no parameter "b"; accepted: a, n, on, mode`, "a is given twice"} {
		if !strings.Contains(e.Problems[i].Message, want) {
			t.Errorf("problem %d: %q; want %q", i, e.Problems[i].Message, want)
		}
	}
	ok2, _ := Parse("thing:mode=Y,on=1,a=1")
	v, err := Resolve(ok2, "thing", params)
	if err != nil || v.String("mode") != "y" || !v.Bool("on") || v.Int("n") != 2 || v.Given("n") || !v.Given("a") {
		t.Fatalf("Resolve = %v, %v", v, err)
	}
	// The canonical spec leaves out defaults and keeps declaration order.
	if got := v.Spec("thing").String(); got != "thing:on=true,mode=y" {
		t.Errorf("canonical spec %q", got)
	}
}

package landscapes

import (
	"fmt"
	"slices"
	"strings"

	"github.com/saddle-viz/saddle/spec"
)

// modelKeys are the settings of a network's model, as opposed to its data,
// split and seeds: the ones a racer may give itself so that two models race
// on the same examples in one race (a plain net beside its residual twin,
// with and without batch normalization, an LSTM beside a tanh RNN).
var modelKeys = map[string][]string{
	"mlp": {"residual", "batchnorm", "aux", "aux_weight", "act"},
	"rnn": {"cell", "forget_bias", "gain"},
}

// ModelParams are the model settings a racer may give itself, as the
// surfaces declare them (names, ranges, choices), each once.
func ModelParams() []spec.Param {
	var out []spec.Param
	for _, name := range []string{"mlp", "rnn"} {
		in, _ := Lookup(name)
		for _, p := range in.Params {
			if slices.Contains(modelKeys[name], p.Name) {
				out = append(out, p)
			}
		}
	}
	return out
}

// ModelKeys are the model settings of this landscape a racer may change,
// none for an analytic surface.
func (l *Landscape) ModelKeys() []string { return modelKeys[l.Info.Name] }

// ModelChange is one model setting a racer gives itself: a value as its
// parameter stores it (a choice's index).
type ModelChange struct {
	Key   string
	Value float64
}

// WithModel is the landscape with its network's model changed, on the same
// data, split and seeds: a racer's own model. A key the surface has no such
// setting for, or values the surface refuses together (an auxiliary head
// beyond the last layer), is an error that names the key.
func (l *Landscape) WithModel(changes []ModelChange) (*Landscape, *spec.Problem) {
	keys := l.ModelKeys()
	v := l.Values
	for _, c := range changes {
		if !slices.Contains(keys, c.Key) {
			return nil, &spec.Problem{Field: c.Key, Message: modelRefusal(l, c.Key)}
		}
		v = v.With(c.Key, c.Value)
	}
	if l.Info.check != nil {
		if p := l.Info.check(v); p != nil {
			return nil, &spec.Problem{Field: p.Field, Message: "this racer's own model: " + p.Message}
		}
	}
	return build(l.Info, v), nil
}

func modelRefusal(l *Landscape, key string) string {
	var has []string
	for _, name := range []string{"mlp", "rnn"} {
		has = append(has, name+" has "+strings.Join(modelKeys[name], ", "))
	}
	what := "is not a network"
	if keys := l.ModelKeys(); keys != nil {
		what = "has no setting " + key
	}
	return fmt.Sprintf("%s changes this racer's own network, and the surface %s %s (%s)", key, l.Info.Name, what, strings.Join(has, "; "))
}

package stream

import (
	"testing"

	"github.com/saddle-viz/saddle/race"
)

// FuzzMessage feeds arbitrary bytes through the decoder and, when they
// decode, through the race after a configure: a message is refused with a
// problem or applied, never a panic.
func FuzzMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"configure","surface":"rosenbrock","racers":[{"id":"a","opt":"adam:lr=0.05"}]}`,
		`{"type":"configure","surface":"mlp:data=moons,n=40,h1=3,h2=0","racers":[{"opt":"natural-gradient"}],"start":[1,2]}`,
		`{"type":"view","view":[0,1,null,1]}`, `{"type":"seek","to":1e308}`, `{"type":"add","racer":{"id":"\u0000","opt":"gd"}}`,
		`{"type":"slice","id":"a","slice":{"kind":"random","n":3,"range":1}}`, `{"type":"tune","tune":{"trials":2,"steps":1,"target":"val"}}`,
		`{"type":"step"}`, `{"type":"retune","id":"a","opt":"bfgs:x=1"}`, `[1,2]`, `{"type":"configure","surface":"quadratic","speed":-0}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := race.DefaultLimits
		rc := race.New(lim)
		rc.Handle(race.Message{Type: "configure", Surface: "rosenbrock", Racers: []race.RacerSpec{{ID: "a", Opt: "adam"}, {ID: "b", Opt: "bfgs"}}})
		m, perr := decode(data)
		if perr != nil {
			if len(perr.Problems) == 0 || perr.Error() == "" {
				t.Fatalf("%q refused without a problem", data)
			}
			return
		}
		if m.Type == "tune" || m.Type == "slice" || m.Type == "spectrum" || m.Type == "critical" {
			return // background jobs are fuzzed through their checks only
		}
		if _, p := rc.Handle(m); p != nil && len(p.Problems) == 0 {
			t.Fatalf("%q refused without a problem", data)
		}
		rc.StepOnce()
		rc.Frame()
	})
}

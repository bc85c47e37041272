package stream

import (
	"context"
	"math"
	"strings"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/optim"
)

// TuneRequest asks for a fair race: every racer gets the same number of
// trial runs, each of Steps iterations from the race's start and seed, with
// learning rates log-spaced from a hundredth to ten times its own, and keeps
// the one with the lowest target: the final training loss (f on a surface)
// or, for networks, the validation loss.
type TuneRequest struct {
	Trials int    `json:"trials"`
	Steps  int    `json:"steps"`
	Target string `json:"target"` // "train" or "val"
}

// Tuned reports the search: for each racer its trials and the tuned spec.
type Tuned struct {
	Type   string       `json:"type"` // "tuned"
	Target string       `json:"target"`
	Racers []TunedRacer `json:"racers"`
}

// TunedRacer is one racer's search.
type TunedRacer struct {
	ID     string   `json:"id"`
	Spec   string   `json:"spec"`
	Tuned  string   `json:"tuned"` // the spec with the best learning rate
	LR     num      `json:"lr"`
	Value  num      `json:"value"`  // its target value (null if every trial diverged)
	Trials [][2]num `json:"trials"` // (lr, target value) per trial
	Note   string   `json:"note,omitempty"`
}

type tuneJob struct {
	req    TuneRequest
	land   string
	start  []float64
	seed   uint64
	racers []RacerSpec
}

func (rc *Race) prepareTune(m Message, t *TuneRequest) (*tuneJob, *ProblemError) {
	if t == nil {
		return nil, problem("tune", "tune needs {\"trials\": …, \"steps\": …, \"target\": train|val}")
	}
	if t.Trials < 2 || t.Trials > 30 {
		return nil, problem("tune.trials", "trials = %d is not accepted; give 2 to 30", t.Trials)
	}
	if t.Steps < 1 || t.Steps > 5000 {
		return nil, problem("tune.steps", "steps = %d is not accepted; give 1 to 5000", t.Steps)
	}
	if t.Target != "train" && t.Target != "val" {
		return nil, problem("tune.target", "target %q is not accepted; accepted: train, val", t.Target)
	}
	o, isNet := rc.land.Surface.(*nets.Objective)
	if t.Target == "val" && (!isNet || len(o.Val) == 0) {
		return nil, problem("tune.target", "target val needs a network with a validation set")
	}
	job := &tuneJob{req: *t, land: rc.land.Spec, start: append([]float64(nil), rc.start...), seed: rc.seed}
	for _, r := range rc.racers {
		job.racers = append(job.racers, RacerSpec{ID: r.id, Opt: r.run.Spec})
	}
	return job, nil
}

// withLR writes the spec with its lr set.
func withLR(spec string, lr float64) string {
	name, keys, vals, _ := landscapes.Split(spec)
	parts := []string{}
	set := false
	for i, k := range keys {
		if k == "lr" {
			vals[i], set = landscapes.Format(lr), true
		}
		parts = append(parts, k+"="+vals[i])
	}
	if !set {
		parts = append([]string{"lr=" + landscapes.Format(lr)}, parts...)
	}
	return name + ":" + strings.Join(parts, ",")
}

// runTune searches every racer's learning rate and sends the result.
func runTune(ctx context.Context, job *tuneJob, send func(any) bool) {
	out := Tuned{Type: "tuned", Target: job.req.Target}
	for _, rs := range job.racers {
		tr := TunedRacer{ID: rs.ID, Spec: rs.Opt, Tuned: rs.Opt, LR: num(math.NaN()), Value: num(math.NaN())}
		_, info, err := optim.Build(rs.Opt)
		if err != nil {
			continue
		}
		base := math.NaN()
		if _, keys, vals, err := landscapes.Split(rs.Opt); err == nil {
			if v, err := landscapes.Resolve(rs.Opt, info.Name, info.AllParams(), keys, vals); err == nil && v.Has("lr") {
				base = v.Float("lr")
			}
		}
		if math.IsNaN(base) || base <= 0 {
			tr.Note = info.Name + " has no learning rate to tune"
			out.Racers = append(out.Racers, tr)
			continue
		}
		best := math.Inf(1)
		for i := range job.req.Trials {
			if ctx.Err() != nil {
				return
			}
			lr := base * math.Pow(10, -2+3*float64(i)/float64(job.req.Trials-1))
			lr = math.Min(lr, 100)
			value := trial(job, withLR(rs.Opt, lr))
			tr.Trials = append(tr.Trials, [2]num{num(lr), num(value)})
			if value < best {
				best = value
				tr.LR, tr.Value, tr.Tuned = num(lr), num(value), withLR(rs.Opt, lr)
			}
		}
		if math.IsInf(best, 1) {
			tr.Note = "every trial diverged"
		}
		out.Racers = append(out.Racers, tr)
	}
	send(out)
}

// trial runs one spec for the job's steps and returns its target value
// (+Inf when it diverged or failed).
func trial(job *tuneJob, spec string) float64 {
	land, err := landscapes.Build(job.land)
	if err != nil {
		return math.Inf(1)
	}
	r, err := optim.Start(land, spec, job.start, job.seed)
	if err != nil {
		return math.Inf(1)
	}
	for r.Iter < job.req.Steps && r.Step() {
	}
	if r.Status == optim.Diverged || r.Status == optim.Failed || r.Status == optim.Refused {
		return math.Inf(1)
	}
	if job.req.Target == "val" {
		o := land.Surface.(*nets.Objective)
		return o.Model.Loss(r.X, o.Val)
	}
	if math.IsNaN(r.F) {
		return math.Inf(1)
	}
	return r.F
}

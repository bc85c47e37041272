package optim

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/spec"
)

// Info describes one optimizer: its name and parameters (the contract in
// docs/spec/optimizers.md), and how to build it. Adding an optimizer means
// adding an Info, nothing else.
type Info struct {
	Name    string
	Title   string
	Family  string // "first order", "second order", "quasi-Newton"
	Params  []spec.Param
	Explain string // for students
	// Modifiers says the optimizer takes the clip and schedule keys.
	Modifiers bool

	build func(v spec.Values) (Optimizer, error)
}

// AllParams is the optimizer's own parameters followed by the modifiers' keys
// where it takes them, then the keys every optimizer takes: continuation,
// averaging and a biased gradient.
func (in *Info) AllParams() []spec.Param {
	ps := append([]spec.Param(nil), in.Params...)
	if in.Modifiers {
		ps = append(ps, modifierParams...)
	}
	return slices.Concat(ps, batchParams, modelParams, continuationParams, averagingParams, biasParams)
}

// modelParams give a network racer a model of its own on the race's data
// and minibatches: the surface's model settings (residual connections,
// batch normalization, an auxiliary head, the activation; an RNN's cell),
// in force where the racer's spec gives them, so that a plain net and its
// residual twin, or an LSTM and a tanh RNN, race side by side (ch. 8.7.5,
// 8.7.1, 10.10).
var modelParams = ownModel(landscapes.ModelParams())

func ownModel(ps []spec.Param) []spec.Param {
	for i, p := range ps {
		ps[i].Label = "own " + p.Label
		ps[i].Doc = "networks: this racer's own model, trained on the race's data and minibatches from its own initial weights, where the racer's spec gives this key (else the surface's setting): " + p.Doc
	}
	return ps
}

// ModelParams are the keys of a racer's own model.
func ModelParams() []spec.Param { return append([]spec.Param(nil), modelParams...) }

// batchParams give any racer a minibatch size of its own, on a network: the
// same seeded stream of examples, dealt in batches of this size (ch. 8.1.3).
var batchParams = []spec.Param{
	{Name: "batch", Label: "minibatch size", Kind: spec.Integer, Default: 0, Min: 0, Max: 1e5,
		Doc: "networks: the examples each of this racer's gradients is taken on, drawn without replacement from the same seeded stream for every racer, one minibatch an iteration (a line search's probes share it); at least the training set's size is the full batch; 0 = the surface's batch for first-order methods, the full batch for the others"},
	{Name: "online", Label: "online: fresh examples", Kind: spec.Bool, Default: 0,
		Doc: "networks on generated data: every minibatch is drawn from a stream of fresh examples of the same distribution (20,000, none repeated before all are used) instead of the training set, so that the racer follows the gradient of the true risk (ch. 8.1); the loss shown is still the training set's"},
	{Name: "init_seed", Label: "own initial weights (seed)", Kind: spec.Integer, Default: 0, Min: 0, Max: 1 << 30,
		Doc: "networks: start from the surface's initialization drawn with this seed instead of the race's start (0 = the race's start): racers from different initial weights reach solutions that may differ by a permutation of their hidden units (ch. 8.2.2)"},
}

// BatchParams are the key of a racer's own minibatch size.
func BatchParams() []spec.Param { return append([]spec.Param(nil), batchParams...) }

// averagingParams give any racer an averaged iterate, streamed and drawn
// beside its own (Polyak averaging, ch. 8.7.3).
var averagingParams = []spec.Param{
	{Name: "average", Label: "average the iterates", Kind: spec.Choice, Choices: []string{"none", "polyak", "ema"},
		Doc: "polyak: the mean of the iterates θ₀ … θₜ, θ̄ₜ = θ̄ₜ₋₁ + (θₜ − θ̄ₜ₋₁)/(t + 1) (Polyak & Juditsky 1992); ema: θ̄ₜ = decay·θ̄ₜ₋₁ + (1 − decay)·θₜ, as PyTorch's AveragedModel with get_ema_multi_avg_fn; both from θ̄₀ = θ₀"},
	{Name: "ema_decay", Label: "EMA decay", Kind: spec.Real, Default: 0.99, Min: 0, Max: 0.999999, Doc: "average=ema: the weight of the old average"},
}

// biasParams give any racer a biased gradient estimate: a constant offset,
// or one whose direction turns, added to every gradient it sees (ch. 8.2.6).
var biasParams = []spec.Param{
	{Name: "grad_bias", Label: "gradient bias", Kind: spec.Real, Default: 0, Min: 0, Max: 1e3,
		Doc: "adds an offset of this length to every gradient the method sees, in the plane of the first two coordinates: a biased estimate (0 = off)"},
	{Name: "grad_bias_angle", Label: "bias direction (degrees)", Kind: spec.Real, Default: 0, Min: -360, Max: 360, Doc: "the offset's direction, counter-clockwise from the x0 axis"},
	{Name: "grad_bias_drift", Label: "bias drift (degrees an evaluation)", Kind: spec.Real, Default: 0, Min: -180, Max: 180, Doc: "the offset's direction turns by this much at every evaluation"},
}

// AveragingParams and BiasParams are the keys of averaging and of a biased
// gradient, on every optimizer.
func AveragingParams() []spec.Param { return append([]spec.Param(nil), averagingParams...) }
func BiasParams() []spec.Param      { return append([]spec.Param(nil), biasParams...) }

// continuationParams let any racer follow a blur schedule: the surface it
// sees is blurred by s_t = blur_from·max(0, 1 − (t−1)/blur_steps) at step t,
// from blur_from down to 0 (continuation, ch. 8.7.6).
var continuationParams = []spec.Param{
	{Name: "blur_from", Label: "blur at the start", Kind: spec.Real, Default: 0, Min: 0, Max: 10, Doc: "continuation: the blur of the first step, lowered linearly to 0 (0 = off)"},
	{Name: "blur_steps", Label: "steps to blur 0", Kind: spec.Integer, Default: 100, Min: 1, Max: 1e6, Doc: "continuation: the steps over which the blur falls to 0"},
}

// ContinuationParams are the keys of the blur schedule, on every optimizer.
func ContinuationParams() []spec.Param {
	return append([]spec.Param(nil), continuationParams...)
}

var registry []*Info

func register(in *Info) { registry = append(registry, in) }

// Optimizers lists every optimizer in the order of the spec.
func Optimizers() []*Info { return append([]*Info(nil), registry...) }

// Lookup finds an optimizer by name.
func Lookup(name string) (*Info, bool) {
	for _, in := range registry {
		if in.Name == name {
			return in, true
		}
	}
	return nil, false
}

// fieldError names the parameter a cross-parameter check is about.
type fieldError struct{ field, msg string }

func (e fieldError) Error() string { return e.msg }

func fieldOf(err error) string {
	if fe, ok := err.(fieldError); ok {
		return fe.field
	}
	return ""
}

// Parameters shared by many optimizers.
func lr(def float64) spec.Param {
	return spec.Param{Name: "lr", Label: "learning rate", Kind: spec.Real, Default: def, Min: 0, Max: 100, Log: true, Doc: "learning rate"}
}

var (
	weightDecay = spec.Param{Name: "weight_decay", Label: "weight decay", Kind: spec.Real, Default: 0, Min: 0, Max: 100, Doc: "L2 penalty added to the gradient: g ← g + weight_decay·θ"}
	epsParam    = func(def float64) spec.Param {
		return spec.Param{Name: "eps", Kind: spec.Real, Default: def, Min: 0, Max: 1, Log: true, Doc: "added to the denominator for numerical stability"}
	}
	unitInterval = func(name string, def float64, doc string) spec.Param {
		return spec.Param{Name: name, Kind: spec.Real, Default: def, Min: 0, Max: 1, Doc: doc}
	}
	belowOne = func(name string, def float64, doc string) spec.Param {
		return spec.Param{Name: name, Kind: spec.Real, Default: def, Min: 0, Max: 0.999999, Doc: doc}
	}
	flag = func(name string, doc string) spec.Param {
		return spec.Param{Name: name, Kind: spec.Bool, Doc: doc}
	}
)

// modifierParams are the keys of the clip and schedule modifiers.
var modifierParams = []spec.Param{
	{Name: "clip_norm", Label: "clip gradient norm", Kind: spec.Real, Default: 0, Min: 0, Max: 1e6, Doc: "rescale the gradient to at most this norm (0 = off), as clip_grad_norm_"},
	{Name: "clip_value", Label: "clip gradient value", Kind: spec.Real, Default: 0, Min: 0, Max: 1e6, Doc: "clamp each gradient coordinate to ±this (0 = off), as clip_grad_value_"},
	{Name: "curriculum", Label: "curriculum steps", Kind: spec.Integer, Default: 0, Min: 0, Max: 1e6, Doc: "networks: for this many steps draw minibatches from the easiest examples first (20% growing to all; easy = far from every other class); 0 = off"},
	{Name: "pretrain", Label: "pretraining steps per layer", Kind: spec.Integer, Default: 0, Min: 0, Max: 1e6, Doc: "networks: greedy layer-wise pretraining, this many steps per hidden layer (each with a fresh output layer), then fine-tuning of the whole; 0 = off"},
	{Name: "transfer", Label: "transfer: steps on the other task", Kind: spec.Integer, Default: 0, Min: 0, Max: 1e6, Doc: "networks on half the classes (classes=low or high): first train this many steps on the other half's task, then keep the hidden layers, take a fresh output layer (the start's) and train on this task; 0 = off (ch. 8.7.4)"},
	{Name: "freeze", Label: "freeze the hidden layers", Kind: spec.Bool, Default: 0, Doc: "networks: train only the output layer, the hidden layers fixed where they start (after transfer: the transferred features)"},
	{Name: "schedule", Kind: spec.Choice, Choices: scheduleNames, Doc: "learning-rate schedule, stepped after every optimizer step"},
	{Name: "step_size", Kind: spec.Integer, Default: 50, Min: 1, Max: 1e6, Doc: "schedule=step: steps between decays"},
	{Name: "gamma", Kind: spec.Real, Default: 0.5, Min: 0, Max: 1, Doc: "schedule=step or exponential: decay factor", DefaultText: "0.5 (step), 0.99 (exponential)"},
	{Name: "start_factor", Kind: spec.Real, Default: 1, Min: 1e-8, Max: 1, Doc: "schedule=linear: factor at the first step"},
	{Name: "end_factor", Kind: spec.Real, Default: 0.01, Min: 0, Max: 1, Doc: "schedule=linear: factor after total_iters steps"},
	{Name: "total_iters", Kind: spec.Integer, Default: 100, Min: 1, Max: 1e6, Doc: "schedule=linear: steps over which the factor moves"},
	{Name: "decay", Kind: spec.Real, Default: 0.01, Min: 0, Max: 1e3, Doc: "schedule=inverse: lr/(1 + decay·(t−1))"},
	{Name: "t_max", Kind: spec.Integer, Default: 100, Min: 1, Max: 1e6, Doc: "schedule=cosine: half period in steps"},
	{Name: "eta_min", Kind: spec.Real, Default: 0, Min: 0, Max: 100, Doc: "schedule=cosine: the smallest learning rate"},
}

var scheduleNames = []string{"constant", "step", "exponential", "linear", "inverse", "cosine"}

// scheduleKeys says which keys belong to which schedule.
var scheduleKeys = map[string][]string{
	"step":        {"step_size", "gamma"},
	"exponential": {"gamma"},
	"linear":      {"start_factor", "end_factor", "total_iters"},
	"inverse":     {"decay"},
	"cosine":      {"t_max", "eta_min"},
}

// schedule is the learning rate at step t = 1, 2, … as PyTorch's schedulers
// give it when stepped once after every optimizer step (closed forms of
// StepLR, ExponentialLR, LinearLR and CosineAnnealingLR; inverse is
// LambdaLR with 1/(1 + decay·(t−1))).
type schedule struct {
	kind                                 string
	lr, gamma, start, end, decay, etaMin float64
	stepSize, totalIters, tMax           int
}

func newSchedule(v spec.Values) (schedule, error) {
	s := schedule{kind: v.String("schedule"), lr: v.Float("lr"), gamma: v.Float("gamma"),
		start: v.Float("start_factor"), end: v.Float("end_factor"), decay: v.Float("decay"), etaMin: v.Float("eta_min"),
		stepSize: v.Int("step_size"), totalIters: v.Int("total_iters"), tMax: v.Int("t_max")}
	own := scheduleKeys[s.kind]
	for _, p := range modifierParams {
		var owners []string
		for _, name := range scheduleNames { // in a fixed order, unlike the map
			if slices.Contains(scheduleKeys[name], p.Name) {
				owners = append(owners, name)
			}
		}
		if owners != nil && v.Given(p.Name) && !slices.Contains(own, p.Name) {
			return s, fieldError{p.Name, fmt.Sprintf("%s belongs to schedule=%s; this spec has schedule=%s", p.Name, strings.Join(owners, " or "), s.kind)}
		}
	}
	if s.kind == "exponential" && !v.Given("gamma") {
		s.gamma = 0.99
	}
	return s, nil
}

func (s *schedule) at(t int) float64 {
	k := float64(t - 1)
	switch s.kind {
	case "step":
		return s.lr * math.Pow(s.gamma, float64((t-1)/s.stepSize))
	case "exponential":
		return s.lr * math.Pow(s.gamma, k)
	case "linear":
		return s.lr * (s.start + (s.end-s.start)*math.Min(k, float64(s.totalIters))/float64(s.totalIters))
	case "inverse":
		return s.lr / (1 + s.decay*k)
	case "cosine":
		return s.etaMin + (s.lr-s.etaMin)*(1+math.Cos(math.Pi*math.Min(k, float64(s.tMax))/float64(s.tMax)))/2
	}
	return s.lr
}

// ModifierParams are the keys that every first-order optimizer also takes.
func ModifierParams() []spec.Param { return append([]spec.Param(nil), modifierParams...) }

// ScheduleKeys says which modifier keys belong to which schedule.
func ScheduleKeys() map[string][]string { return scheduleKeys }

package optim

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/spec"
)

// Config is an optimizer spec resolved once: the method, its parameters
// and its modifiers' (clipping, schedule, curriculum, pretraining,
// continuation) as values. A race keeps the Config of each racer and starts
// it again on a reset; nothing is parsed twice.
type Config struct {
	Info   *Info
	Values spec.Values
	Spec   spec.Spec // as written, for the racer's name and its changes
	// own is the racer's own model last built, and the landscape it was
	// built from: a race checks, starts and resets a racer on the same
	// landscape, and a model costs milliseconds and megabytes to build.
	own atomic.Pointer[builtModel]
}

type builtModel struct{ of, land *landscapes.Landscape }

// Parse resolves an optimizer spec such as "adam:lr=0.05,clip_norm=1" and
// checks its parameters together (a schedule's keys, nesterov's momentum),
// so that every error a spec can have is reported here.
func Parse(text string) (*Config, error) {
	s, err := spec.Parse(text)
	if err != nil {
		return nil, err
	}
	in, err := spec.Lookup(s, "optimizer", registry, func(in *Info) string { return in.Name })
	if err != nil {
		return nil, err
	}
	v, err := spec.Resolve(s, in.Name, in.AllParams())
	if err != nil {
		return nil, err
	}
	c := &Config{Info: in, Values: v, Spec: s}
	if _, err := c.core(); err != nil {
		return nil, err
	}
	return c, nil
}

// Text is the spec as written: the racer's name in a race and in `saddle run`.
func (c *Config) Text() string { return c.Spec.Text() }

// Averages says whether the run keeps an averaged iterate (average=polyak
// or ema).
func (c *Config) Averages() bool { return c.Values.String("average") != "none" }

// With is the config with one parameter changed, in its values and in its
// spec (a tuned learning rate).
func (c *Config) With(name string, value float64) *Config {
	p := c.param(name)
	return &Config{Info: c.Info, Values: c.Values.With(name, value), Spec: c.Spec.Set(name, p.Text(value))}
}

func (c *Config) param(name string) spec.Param {
	for _, p := range c.Info.AllParams() {
		if p.Name == name {
			return p
		}
	}
	panic("optim: " + c.Info.Name + " has no parameter " + name) // a programmer error
}

// core builds the method itself, without its modifiers, in a fresh state.
func (c *Config) core() (Optimizer, error) {
	opt, err := c.Info.build(c.Values)
	if err != nil {
		return nil, &spec.Error{Spec: c.Spec.Text(), Problems: []spec.Problem{{Field: fieldOf(err), Message: c.Info.Name + ": " + err.Error()}}}
	}
	return opt, nil
}

// Needs says what the method asks of an objective.
func (c *Config) Needs() Needs {
	opt, _ := c.core() // Parse built it once already
	return opt.Needs()
}

// Check refuses the method on a landscape that lacks what it needs, before
// anything runs: natural gradient on a surface without a Fisher.
func (c *Config) Check(land *landscapes.Landscape) error {
	_, err := c.Landscape(land)
	return err
}

// Landscape is the landscape the racer trains on, checked: the race's, or
// its own model on the race's data where its spec gives model keys
// (residual=true, cell=lstm).
func (c *Config) Landscape(land *landscapes.Landscape) (*landscapes.Landscape, error) {
	if m := c.own.Load(); m != nil && m.of == land {
		return m.land, nil // checked when it was built
	}
	race := land
	if changes := c.ownChanges(); changes != nil {
		own, p := land.WithModel(changes)
		if p != nil {
			return nil, &spec.Error{Spec: c.Spec.Text(), Problems: []spec.Problem{*p}}
		}
		if own.Spec != land.Spec {
			land = own
		}
	}
	if err := c.check(land); err != nil {
		return nil, err
	}
	c.own.Store(&builtModel{of: race, land: land})
	return land, nil
}

// ownChanges is the model settings the racer's spec gives, nil for none.
func (c *Config) ownChanges() []landscapes.ModelChange {
	var out []landscapes.ModelChange
	for _, p := range modelParams {
		if c.Values.Given(p.Name) {
			out = append(out, landscapes.ModelChange{Key: p.Name, Value: c.Values.Float(p.Name)})
		}
	}
	return out
}

func (c *Config) check(land *landscapes.Landscape) error {
	if _, ok := land.Surface.(Model); c.Needs().Fisher && !ok {
		return &spec.Error{Spec: c.Spec.Text(), Problems: []spec.Problem{{Field: "name", Message: fmt.Sprintf("%s (the surface %s has no Fisher information)", errNoFisher, land.Info.Name)}}}
	}
	st, ok := land.Surface.(Stochastic)
	if c.int("batch") > 0 && !ok {
		return &spec.Error{Spec: c.Spec.Text(), Problems: []spec.Problem{{Field: "batch", Message: fmt.Sprintf("a minibatch needs examples: the surface %s is not a finite sum (use a network: mlp, rnn or deeplinear, or batch=0)", land.Info.Name)}}}
	}
	if c.int("init_seed") > 0 {
		if !land.Values.Has("init_seed") { // a network's weight seed (StartWithSeed)
			return &spec.Error{Spec: c.Spec.Text(), Problems: []spec.Problem{{Field: "init_seed", Message: fmt.Sprintf("init_seed draws a network's initial weights: the surface %s has none (use mlp, rnn or deeplinear, or init_seed=0)", land.Info.Name)}}}
		}
	}
	if c.bool("freeze") && mlpOf(land) == nil {
		return &spec.Error{Spec: c.Spec.Text(), Problems: []spec.Problem{{Field: "freeze", Message: fmt.Sprintf("freezing keeps a network's hidden layers: %s is not an mlp", land.Info.Name)}}}
	}
	if c.int("transfer") > 0 {
		if o := land.Network(); o == nil || o.Other == nil || mlpOf(land) == nil {
			return &spec.Error{Spec: c.Spec.Text(), Problems: []spec.Problem{{Field: "transfer", Message: fmt.Sprintf("transfer trains first on another task of the same network: give the surface a task of half the classes (mlp:data=digits,classes=low or high); %s has none", land.Spec)}}}
		}
		if c.int("pretrain") > 0 {
			return &spec.Error{Spec: c.Spec.Text(), Problems: []spec.Problem{{Field: "transfer", Message: "transfer and pretrain are two ways to start: use one"}}}
		}
	}
	if m := mlpOf(land); m != nil && m.Norm {
		if err := c.checkNormalized(st); err != nil {
			return err
		}
	}
	if c.bool("online") {
		if s, ok := land.Surface.(streamer); !ok || s.Stream() == nil {
			return &spec.Error{Spec: c.Spec.Text(), Problems: []spec.Problem{{Field: "online", Message: fmt.Sprintf("online learning needs an endless source of examples: an mlp on generated data (spirals, moons, circles, xor, blobs); %s has none", land.Info.Name)}}}
		}
		if c.batchSize(st, c.Needs()) == 0 {
			return &spec.Error{Spec: c.Spec.Text(), Problems: []spec.Problem{{Field: "online", Message: "online learning draws minibatches: give this racer batch=B (or the surface a batch)"}}}
		}
	}
	return nil
}

// checkNormalized refuses what a batch-normalized network cannot take: a
// minibatch of one example (its variance is 0: PyTorch's BatchNorm1d
// refuses it in training too), pretraining (its shallower stages have no
// normalization) and freezing (which keeps the hidden layers' weights but
// would go on training their γ and β).
func (c *Config) checkNormalized(st Stochastic) error {
	problem := func(field, msg string) error {
		return &spec.Error{Spec: c.Spec.Text(), Problems: []spec.Problem{{Field: field, Message: msg}}}
	}
	switch {
	case c.batchSize(st, c.Needs()) == 1:
		return problem("batch", "batch normalization needs at least 2 examples in a minibatch (one example has no spread to normalize by): give batch=2 or more")
	case c.int("pretrain") > 0:
		return problem("pretrain", "greedy pretraining trains shallower networks without batch normalization: use it on a network with batchnorm=false")
	case c.bool("freeze"):
		return problem("freeze", "freeze keeps a transferred network's hidden layers; a batch-normalized network is not transferred (its running statistics belong to one task)")
	}
	return nil
}

// streamer is a finite sum with a source of fresh examples (nets.Objective
// on generated data).
type streamer interface{ Stream() *nets.Objective }

// batchSize is the minibatch the racer takes on st: its own batch, else the
// surface's for a method that takes minibatches; 0 for the full batch.
func (c *Config) batchSize(st Stochastic, needs Needs) int {
	size := c.int("batch")
	if size == 0 && needs.Minibatches {
		size = st.BatchSize()
	}
	if c.bool("online") {
		return size // fresh examples: no training set to be the full batch
	}
	if size >= st.Examples() {
		return 0
	}
	return size
}

// Start builds the optimizer with its modifiers and starts a run at x0. The
// error is for a landscape the method cannot use (Check) or a start of the
// wrong size; a method that refuses this start gives a Run whose Status is
// Refused.
//
// The modifiers wrap what they modify: pretraining wraps the method (each
// stage is a run of this config without pretrain on a smaller network);
// continuation wraps the landscape and, to lower its blur before each step,
// the method; minibatches, a curriculum, the surface's noise and clipping
// wrap the gradient the oracle hands out.
func (c *Config) Start(race *landscapes.Landscape, x0 []float64, seed uint64) (*Run, error) {
	land, err := c.Landscape(race)
	if err != nil {
		return nil, err
	}
	if len(x0) != race.Dim() {
		return nil, fmt.Errorf("the start has %d coordinates; %s has %d", len(x0), race.Info.Name, race.Dim())
	}
	opt, err := c.core()
	if err != nil {
		return nil, err
	}
	switch k := c.int("init_seed"); {
	case k > 0:
		x0, _ = land.StartWithSeed(k) // its own initial weights
	case land != race:
		x0 = land.Start() // its own model's, from the surface's weight seed
	}
	r := &Run{Config: c, Spec: c.Text(), Info: c.Info, Land: land, X: append([]float64(nil), x0...), g: make([]float64, len(x0)), Blur: land.Blur}
	seen := land.Surface
	switch {
	case c.int("transfer") > 0:
		tr := &transferred{cfg: c.With("transfer", 0), steps: c.int("transfer"), seed: seed, land: land, needs: opt.Needs()}
		opt, r.staged = tr, true
	case c.int("pretrain") > 0:
		p := &pretrained{cfg: c.With("pretrain", 0), steps: c.int("pretrain"), seed: seed, land: land, needs: opt.Needs()}
		opt, r.staged, r.blurOf = p, true, p.blur
	case c.float("blur_from") > 0 && land.Values.Has("blur"):
		cont := landscapes.NewContinuation(land, seed)
		cont.SetBlur(c.float("blur_from"))
		seen = cont
		w := &continued{Optimizer: opt, cont: cont, from: c.float("blur_from"), steps: c.int("blur_steps")}
		opt, r.blurOf = w, cont.Blur
	}
	r.opt = opt
	r.o = c.oracle(land, seen, opt.Needs(), seed)
	if r.blurOf != nil {
		r.Blur = r.blurOf()
	}
	if c.Averages() {
		r.Avg, r.AvgF = append([]float64(nil), x0...), land.Func(x0)
		r.polyak, r.decay = c.Values.String("average") == "polyak", c.Values.Float("ema_decay")
	}
	defer r.recover()
	r.F, r.GNorm = r.measure(r.X)
	if err := opt.Init(r.o, x0); err != nil {
		r.Status, r.Reason = Refused, err.Error()
	}
	return r, nil
}

// Start parses an optimizer spec and starts it: Parse, then Config.Start.
func Start(land *landscapes.Landscape, text string, x0 []float64, seed uint64) (*Run, error) {
	c, err := Parse(text)
	if err != nil {
		return nil, err
	}
	return c.Start(land, x0, seed)
}

// Check parses an optimizer spec and checks it against a landscape.
func Check(land *landscapes.Landscape, text string) error {
	c, err := Parse(text)
	if err != nil {
		return err
	}
	return c.Check(land)
}

// bool is a key's value, false where the optimizer has no such key.
func (c *Config) bool(name string) bool { return c.Values.Has(name) && c.Values.Bool(name) }

func (c *Config) int(name string) int {
	if !c.Values.Has(name) {
		return 0
	}
	return c.Values.Int(name)
}

func (c *Config) float(name string) float64 {
	if !c.Values.Has(name) {
		return 0
	}
	return c.Values.Float(name)
}

// oracle composes the gradient the method sees on the surface s (the
// landscape, or its continuation): the exact gradient, or a minibatch's when
// the method takes minibatches and the landscape is a finite sum (dealt easy
// first for a curriculum); then the landscape's noise; then a bias; then
// clipping. One
// generator, seeded by the run's seed, draws the minibatches and the noise.
func (c *Config) oracle(land *landscapes.Landscape, s landscapes.Surface, needs Needs, seed uint64) *Oracle {
	rng := rand.New(rand.NewPCG(seed, 0x5add1e))
	o := &Oracle{s: s, exact: true}
	o.model, _ = land.Surface.(Model)
	var g gradient = exactGradient{s}
	if st, ok := s.(Stochastic); ok {
		if size := c.batchSize(st, needs); size > 0 && c.bool("online") {
			// Online learning: minibatches of fresh examples, counted in
			// epochs of the training set.
			src := land.Surface.(streamer).Stream()
			o.batch = &dealt{st: src, deal: newShuffled(src, size, rng), size: size, of: st.Examples(), fresh: true}
			g, o.exact = o.batch, false
		} else if size > 0 {
			var d dealer = newShuffled(st, size, rng)
			if steps := c.int("curriculum"); steps > 0 {
				if cur, ok := land.Surface.(Curriculum); ok {
					if easy := cur.EasyFirst(); easy != nil {
						d = &easyFirst{then: d, easy: append([]int(nil), easy...), size: size, steps: steps, rng: rng}
					}
				}
			}
			o.batch = &dealt{st: st, deal: d, size: size, of: st.Examples(), fresh: true}
			g, o.exact = o.batch, false
		}
	}
	if land.Noise > 0 {
		g, o.exact = noisy{inner: g, nu: land.Noise, rng: rng}, false
	}
	if b := c.float("grad_bias"); b > 0 {
		g, o.exact = biased{inner: g, mag: b, angle: c.float("grad_bias_angle"), drift: c.float("grad_bias_drift"), k: new(int)}, false
	}
	if m := mlpOf(land); m != nil && m.Norm {
		// Every evaluation is a training-mode pass that folds its batch's
		// statistics into the racer's running ones, as BatchNorm1d's
		// forward does.
		o.running = m.NewRunning()
		g = tracked{inner: g, run: o.running, batch: o.batch, land: land.Network()}
	}
	if c.bool("freeze") {
		if m := mlpOf(land); m != nil {
			g = frozen{inner: g, upto: layerEnd(m, m.Layers()-1)}
		}
	}
	if norm, value := c.float("clip_norm"), c.float("clip_value"); norm > 0 || value > 0 {
		g = clipping{inner: g, norm: norm, value: value}
	}
	o.grad = g
	return o
}

// continued lowers the blur of a continuation before each step of the
// method it wraps: step t sees s_t = blur_from·max(0, 1 − (t−1)/blur_steps)
// (continuation, Goodfellow et al. 2016, sec. 8.7.6).
type continued struct {
	Optimizer
	cont  *landscapes.Continuation
	from  float64
	steps int
	t     int
}

func (c *continued) Step() Report {
	c.cont.SetBlur(c.from * max(0, 1-float64(c.t)/float64(c.steps)))
	c.t++
	return c.Optimizer.Step()
}

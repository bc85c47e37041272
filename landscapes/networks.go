package landscapes

import (
	"fmt"
	"sync"

	"github.com/saddle-viz/saddle/spec"

	"github.com/saddle-viz/saddle/landscapes/nets"
)

// Networks: the training loss of an MLP classifier as a landscape over its
// parameters, so that every optimizer races on it as on a surface.

var dataSets = append(append([]string(nil), "spirals", "moons", "circles", "xor", "blobs"), "digits", "iris", "csv")

// The parameters every network has, each with its own default and words.
var valParam = spec.Param{Name: "val", Label: "validation share", Kind: spec.Real, Default: 0.2, Min: 0, Max: 0.9, Doc: "fraction of examples held out for validation"}

func dataSeedParam(doc string) spec.Param {
	return spec.Param{Name: "data_seed", Label: "data seed", Kind: spec.Integer, Default: 1, Min: 0, Max: 1 << 30, Doc: doc}
}

func weightSeedParam(doc string) spec.Param {
	return spec.Param{Name: "init_seed", Label: "weight seed", Kind: spec.Integer, Default: 1, Min: 0, Max: 1 << 30, Doc: doc}
}

func batchParam(def float64) spec.Param {
	return spec.Param{Name: "batch", Label: "minibatch size", Kind: spec.Integer, Default: def, Min: 0, Max: 5000, Doc: "minibatch size of first-order methods (0 = full batch)"}
}

var mlpParams = []spec.Param{
	{Name: "data", Label: "data set", Kind: spec.Choice, Choices: dataSets, Doc: "the data set: generated 2-D (seeded), the real digits and iris, or csv: your own uploaded points (csv=ID)"},
	{Name: "n", Label: "examples", Kind: spec.Integer, Default: 200, Min: 20, Max: 5000, Doc: "examples of a generated data set"},
	{Name: "spread", Label: "input noise", Kind: spec.Real, Default: 0.1, Min: 0, Max: 2, Doc: "input noise of a generated data set"},
	{Name: "label_noise", Label: "label noise", Kind: spec.Real, Default: 0, Min: 0, Max: 1, Doc: "fraction of labels replaced at random"},
	dataSeedParam("seed of the data and of the train/validation split"),
	valParam,
	{Name: "h1", Label: "layer 1 units", Kind: spec.Integer, Default: 16, Min: 0, Max: 64, Doc: "units in hidden layer 1 (0 = none)"},
	{Name: "h2", Label: "layer 2 units", Kind: spec.Integer, Default: 16, Min: 0, Max: 64, Doc: "units in hidden layer 2 (0 = none)"},
	{Name: "h3", Label: "layer 3 units", Kind: spec.Integer, Default: 0, Min: 0, Max: 64, Doc: "units in hidden layer 3 (0 = none)"},
	{Name: "h4", Label: "layer 4 units", Kind: spec.Integer, Default: 0, Min: 0, Max: 64, Doc: "units in hidden layer 4 (0 = none)"},
	{Name: "depth", Label: "deep: hidden layers", Kind: spec.Integer, Default: 0, Min: 0, Max: 32, Doc: "a deep network: this many hidden layers of width units each, in place of h1…h4 (0 = h1…h4)"},
	{Name: "width", Label: "deep: units per layer", Kind: spec.Integer, Default: 16, Min: 1, Max: 64, Doc: "units in each hidden layer of a deep network (depth > 0)"},
	{Name: "residual", Label: "residual connections", Kind: spec.Bool, Default: 0, Doc: "an identity skip around every hidden layer after the first whose width is its input's: z_l = σ(a_l) + z_{l−1} (He et al. 2016; ch. 8.7.5)"},
	{Name: "aux", Label: "auxiliary head on layer", Kind: spec.Integer, Default: 0, Min: 0, Max: 32, Doc: "an auxiliary softmax head on this hidden layer, its loss added with weight aux_weight (Szegedy et al. 2015; ch. 8.7.5); it starts at zero; 0 = none"},
	{Name: "aux_weight", Label: "auxiliary loss weight", Kind: spec.Real, Default: 0.3, Min: 0, Max: 10, Doc: "the weight of the auxiliary head's loss"},
	{Name: "batchnorm", Label: "batch normalization", Kind: spec.Bool, Default: 0, Doc: "normalize each hidden layer's pre-activations over the minibatch, then scale and shift by a learned γ and β (Ioffe & Szegedy 2015; ch. 8.7.1; PyTorch's BatchNorm1d, eps 1e-5); evaluation uses each racer's running statistics (momentum 0.1)"},
	{Name: "act", Label: "activation", Kind: spec.Choice, Choices: nets.Activations, Doc: "hidden units"},
	{Name: "classes", Label: "task: classes", Kind: spec.Choice, Choices: []string{"all", "low", "high"}, Doc: "data of at least 4 classes: all of them, or the task of the first half (low: digits 0–4) or the second half (high: 5–9), relabelled from 0; a racer with transfer=N trains first on the other half (ch. 8.7.4)"},
	{Name: "l2", Label: "L2 penalty", Kind: spec.Real, Default: 0, Min: 0, Max: 10, Doc: "L2 penalty (l2/2)‖W‖² on the weights"},
	{Name: "init", Label: "initialization", Kind: spec.Choice, Choices: nets.Inits, Doc: "weight initialization: glorot (PyTorch's xavier_uniform_), he (kaiming_normal_), normal, uniform, orthogonal, sparse (Martens 2010: a few non-zero weights per unit, not PyTorch's sparse_), zeros, constant"},
	{Name: "init_scale", Label: "init scale", Kind: spec.Real, Default: 1, Min: 0, Max: 10, Doc: "normal: std; uniform: half-width; constant: value; orthogonal: gain"},
	{Name: "init_gain", Label: "init gain", Kind: spec.Real, Default: 0, Min: 0, Max: 10, Doc: "glorot and he: the gain; 0 = PyTorch's calculate_gain for each layer's activation (tanh 5/3, relu √2, otherwise 1; 1 for the output layer)"},
	{Name: "init_sparse", Label: "non-zero weights per unit (sparse)", Kind: spec.Integer, Default: 2, Min: 1, Max: 64, Doc: "sparse (Martens 2010, not PyTorch's sparse_): non-zero N(0, 1) incoming weights per unit"},
	{Name: "bias", Label: "initial bias", Kind: spec.Real, Default: 0, Min: 0, Max: 1, Doc: "initial value of every bias (small and positive helps ReLU)"},
	weightSeedParam("seed of the initial weights: every racer starts from them"),
	batchParam(32),
	csvParam,
}

// dataCache keeps the data sets built lately, so that a race, its resets
// and its exports share one copy; it holds at most maxCachedData of them
// (each at most 5,000 examples), the oldest dropped first, so that no
// stream of new seeds can grow it.
var dataCache = struct {
	sync.Mutex
	sets map[string]*nets.Dataset
	keys []string // oldest first
}{sets: map[string]*nets.Dataset{}}

const maxCachedData = 32

// cached returns the data set of a key, building it once.
func cached(key string, build func() (*nets.Dataset, error)) (*nets.Dataset, error) {
	dataCache.Lock()
	defer dataCache.Unlock()
	if d, ok := dataCache.sets[key]; ok {
		return d, nil
	}
	d, err := build()
	if err != nil {
		return nil, err
	}
	if len(dataCache.keys) == maxCachedData {
		delete(dataCache.sets, dataCache.keys[0])
		dataCache.keys = dataCache.keys[1:]
	}
	dataCache.sets[key] = d
	dataCache.keys = append(dataCache.keys, key)
	return d, nil
}

// dataset builds (once) the data set the values name.
func dataset(v spec.Values) (*nets.Dataset, error) {
	if v.String("data") == "csv" {
		u, ok := Uploaded(v.Text("csv"))
		if !ok {
			return nil, fmt.Errorf("the uploaded data csv=%s is not on this server", v.Text("csv"))
		}
		return u.Data, nil
	}
	key := fmt.Sprintf("%s/%d/%g/%g/%d", v.String("data"), v.Int("n"), v.Float("spread"), v.Float("label_noise"), v.Int("data_seed"))
	return cached(key, func() (*nets.Dataset, error) {
		switch v.String("data") {
		case "digits":
			return nets.Digits()
		case "iris":
			return nets.Iris()
		}
		return nets.Generate(v.String("data"), v.Int("n"), v.Float("spread"), v.Float("label_noise"), uint64(v.Int("data_seed")))
	})
}

func mlpModel(v spec.Values) (*nets.Objective, error) {
	d, err := dataset(v)
	if err != nil {
		return nil, err
	}
	task := v.String("classes")
	if task == "all" {
		o := mlpOn(v, d)
		if name := v.String("data"); name != "digits" && name != "iris" && name != "csv" {
			var once sync.Once
			var stream *nets.Objective
			o.Source = func() *nets.Objective {
				once.Do(func() { stream = streamOf(v, o.Model.(*nets.MLP)) })
				return stream
			}
		}
		return o, nil
	}
	// One half of the classes; the other half is the same network's other
	// task, for a racer that transfers from it.
	high := task == "high"
	o := mlpOn(v, d.Half(high))
	var once sync.Once
	var other *nets.Objective
	o.Other = func() *nets.Objective {
		once.Do(func() { other = mlpOn(v, d.Half(!high)) })
		return other
	}
	return o, nil
}

// mlpOn is the network the values describe, trained on d.
func mlpOn(v spec.Values, d *nets.Dataset) *nets.Objective {
	var hidden []int
	for _, h := range []string{"h1", "h2", "h3", "h4"} {
		if k := v.Int(h); k > 0 {
			hidden = append(hidden, k)
		}
	}
	if depth := v.Int("depth"); depth > 0 {
		hidden = hidden[:0]
		for range depth {
			hidden = append(hidden, v.Int("width"))
		}
	}
	act := nets.Activation(0)
	for i, a := range nets.Activations {
		if a == v.String("act") {
			act = nets.Activation(i)
		}
	}
	m := nets.NewMLP(d, hidden, act, v.Float("l2"))
	m.Residual = v.Bool("residual")
	if k := v.Int("aux"); k > 0 && k <= len(hidden) {
		m.SetAux(k, v.Float("aux_weight"))
	}
	m.SetBatchNorm(v.Bool("batchnorm"))
	train, val := nets.Split(d.N(), v.Float("val"), uint64(v.Int("data_seed")))
	return &nets.Objective{Model: m, Train: train, Val: val, Batch: v.Int("batch")}
}

// hiddenLayers is how many hidden layers the values give the network.
func hiddenLayers(v spec.Values) int {
	if d := v.Int("depth"); d > 0 {
		return d
	}
	n := 0
	for _, h := range []string{"h1", "h2", "h3", "h4"} {
		if v.Int(h) > 0 {
			n++
		}
	}
	return n
}

// mlpCheck refuses a task of half the classes on data with fewer than four
// or an odd number of them (the two halves must be tasks of one network).
func mlpCheck(v spec.Values) *spec.Problem {
	if p := checkUpload(v); p != nil {
		return p
	}
	if k, n := v.Int("aux"), hiddenLayers(v); k > n {
		return &spec.Problem{Field: "aux", Message: fmt.Sprintf("aux=%d puts a head on hidden layer %d; this network has %d hidden layers: give 1 to %d, or 0 for none", k, k, n, n)}
	}
	if v.Bool("batchnorm") {
		switch {
		case v.String("act") == "maxout":
			return &spec.Problem{Field: "batchnorm", Message: "batch normalization takes one pre-activation per unit; a maxout unit has several: use another activation, or batchnorm=false"}
		case v.Int("aux") > 0:
			return &spec.Problem{Field: "batchnorm", Message: "batch normalization and an auxiliary head are two ways to help a deep net train: use one (aux=0 or batchnorm=false)"}
		case v.String("classes") != "all":
			return &spec.Problem{Field: "batchnorm", Message: "a task of half the classes is for transfer, which does not carry a racer's running statistics across tasks: use classes=all, or batchnorm=false"}
		}
	}
	if v.String("classes") == "all" {
		return nil
	}
	d, err := dataset(v)
	if err != nil || d.Regression() || d.Classes < 4 || d.Classes%2 != 0 {
		return &spec.Problem{Field: "classes", Message: fmt.Sprintf("classes=%s, a task of half the classes, needs data of an even number of classes, at least 4 (digits); %s has %d: use classes=all", v.String("classes"), v.String("data"), d.Classes)}
	}
	return nil
}

// streamSize is how many fresh examples an online racer can draw before it
// meets one again: 200 steps of the largest minibatch, or 100 epochs of a
// 200-example set at batch 1.
const streamSize = 20000

// streamOf is the network m over a fresh draw of streamSize examples from
// the generator of the values' data set (another seed, the same
// distribution), every one of them a training example.
func streamOf(v spec.Values, m *nets.MLP) *nets.Objective {
	key := fmt.Sprintf("stream/%s/%g/%g/%d", v.String("data"), v.Float("spread"), v.Float("label_noise"), v.Int("data_seed"))
	d, err := cached(key, func() (*nets.Dataset, error) {
		return nets.Generate(v.String("data"), streamSize, v.Float("spread"), v.Float("label_noise"), uint64(v.Int("data_seed"))+streamSeed)
	})
	if err != nil {
		return nil
	}
	all := make([]int, d.N())
	for i := range all {
		all[i] = i
	}
	return &nets.Objective{Model: m.On(d), Train: all}
}

// streamSeed sets a stream's generator apart from the data set's.
const streamSeed = 0x5eed0000

func mlpStart(v spec.Values) []float64 {
	o, err := mlpModel(v)
	if err != nil {
		return nil
	}
	theta, _ := nets.Init{Scheme: v.String("init"), Scale: v.Float("init_scale"), Sparse: v.Int("init_sparse"), Bias: v.Float("bias"), Gain: v.Float("init_gain")}.Weights(o.Model.(*nets.MLP), uint64(v.Int("init_seed")))
	return theta
}

func init() {
	register(&Info{
		Name: "mlp", Title: "A multilayer perceptron's training loss",
		Explain: "The cross-entropy of a small network on real minibatches, as a function of all its weights. " +
			"First-order methods see minibatches; the others the whole training set. Its curvature comes from exact Hessian-vector products " +
			"(Lanczos gives the extreme eigenvalues), so a negative eigenvalue shows a saddle (ch. 8.1, 8.2).",
		Params: mlpParams, View: [4]float64{-3, 3, -3, 3},
		startFor: mlpStart, check: mlpCheck,
		build: func(v spec.Values) Surface {
			o, err := mlpModel(v)
			if err != nil {
				panic(err) // the data set names come from the spec.Choice; reading embedded data cannot fail
			}
			return o
		},
	})
}

func init() {
	register(&Info{
		Name: "deeplinear", Title: "A deep linear network on a linear regression task",
		Explain: "A stack of linear layers fitted to y = A x: the function is linear, yet the loss over the weights is not convex. " +
			"From a small initialization training stalls on plateaus and escapes saddle points one singular value of A at a time (Saxe et al. 2014; ch. 8.2.3, 8.4).",
		Params: []spec.Param{
			{Name: "d", Label: "input and output size", Kind: spec.Integer, Default: 4, Min: 2, Max: 16, Doc: "input and output dimension"},
			{Name: "depth", Label: "hidden layers", Kind: spec.Integer, Default: 2, Min: 1, Max: 4, Doc: "hidden layers"},
			{Name: "width", Label: "units per layer", Kind: spec.Integer, Default: 4, Min: 1, Max: 32, Doc: "units per hidden layer"},
			{Name: "n", Label: "examples", Kind: spec.Integer, Default: 200, Min: 10, Max: 5000, Doc: "examples"},
			{Name: "spread", Label: "target noise", Kind: spec.Real, Default: 0.1, Min: 0, Max: 5, Doc: "noise in the targets"},
			dataSeedParam("seed of the task and the split"),
			valParam,
			{Name: "init", Label: "initialization", Kind: spec.Choice, Choices: []string{"normal", "orthogonal", "glorot", "uniform", "zeros"}, Doc: "weight initialization"},
			{Name: "init_scale", Label: "init scale", Kind: spec.Real, Default: 0.1, Min: 0, Max: 10, Log: true, Doc: "normal: std; uniform: half-width; orthogonal: gain. Small scales give long plateaus"},
			weightSeedParam("seed of the initial weights"),
			batchParam(0),
		},
		View: [4]float64{-3, 3, -3, 3},
		startFor: func(v spec.Values) []float64 {
			o := deepLinear(v)
			theta, _ := nets.Init{Scheme: v.String("init"), Scale: v.Float("init_scale")}.Weights(o.Model.(*nets.MLP), uint64(v.Int("init_seed")))
			return theta
		},
		build: func(v spec.Values) Surface { return deepLinear(v) },
	})
}

func deepLinear(v spec.Values) *nets.Objective {
	key := fmt.Sprintf("linear/%d/%d/%g/%d", v.Int("d"), v.Int("n"), v.Float("spread"), v.Int("data_seed"))
	d, _ := cached(key, func() (*nets.Dataset, error) {
		return nets.LinearTask(v.Int("d"), v.Int("n"), v.Float("spread"), uint64(v.Int("data_seed"))), nil
	})
	hidden := make([]int, v.Int("depth"))
	for i := range hidden {
		hidden[i] = v.Int("width")
	}
	m := nets.NewMLP(d, hidden, nets.Linear, 0)
	train, val := nets.Split(d.N(), v.Float("val"), uint64(v.Int("data_seed")))
	return &nets.Objective{Model: m, Train: train, Val: val, Batch: v.Int("batch")}
}

func init() {
	register(&Info{
		Name: "rnn", Title: "A recurrent network remembering a bit",
		Explain: "A recurrent network must report, after T steps of noise, the bit it saw first. In a vanilla tanh RNN the gradient reaches the first step through T products of the recurrent weights: " +
			"with a small gain it vanishes, with a large one it explodes, and a single step can throw the weights away unless the gradient is clipped (ch. 8.2.4, 8.2.5, 10.7). " +
			"An LSTM carries the bit in its cell through the forget gate alone: with the gate open, its gradient reaches the first step with far less loss (ch. 10.10).",
		Params: []spec.Param{
			{Name: "cell", Label: "cell", Kind: spec.Choice, Choices: []string{"tanh", "lstm"}, Doc: "tanh: the vanilla RNN hₜ = tanh(W hₜ₋₁ + U xₜ + b); lstm: long short-term memory (PyTorch's LSTMCell gates)"},
			{Name: "steps", Label: "time steps T", Kind: spec.Integer, Default: 20, Min: 5, Max: 100, Doc: "T: the steps between the bit and the answer"},
			{Name: "hidden", Label: "hidden units", Kind: spec.Integer, Default: 16, Min: 2, Max: 64, Doc: "units in the recurrent layer"},
			{Name: "n", Label: "examples", Kind: spec.Integer, Default: 200, Min: 10, Max: 5000, Doc: "sequences"},
			{Name: "spread", Label: "input noise", Kind: spec.Real, Default: 0.5, Min: 0, Max: 5, Doc: "noise in the inputs after the bit"},
			dataSeedParam("seed of the sequences and the split"),
			valParam,
			{Name: "gain", Label: "recurrent gain (tanh)", Kind: spec.Real, Default: 1, Min: 0, Max: 10, Doc: "tanh cell: scale of the recurrent weights, about their spectral radius"},
			{Name: "forget_bias", Label: "forget-gate bias (lstm)", Kind: spec.Real, Default: 1, Min: -5, Max: 5, Doc: "lstm cell: the forget gate's initial bias; 1 starts it open, as Jozefowicz et al. (2015) recommend; PyTorch starts it near 0"},
			weightSeedParam("seed of the initial weights"),
			batchParam(20),
		},
		View: [4]float64{-3, 3, -3, 3},
		startFor: func(v spec.Values) []float64 {
			switch m := rnnModel(v).Model.(type) {
			case *nets.LSTM:
				return m.InitWeights(v.Float("forget_bias"), uint64(v.Int("init_seed")))
			case *nets.RNN:
				return m.InitWeights(v.Float("gain"), uint64(v.Int("init_seed")))
			}
			return nil
		},
		build: func(v spec.Values) Surface { return rnnModel(v) },
	})
}

func rnnModel(v spec.Values) *nets.Objective {
	r := nets.NewBitTask(v.Int("hidden"), v.Int("steps"), v.Int("n"), v.Float("spread"), uint64(v.Int("data_seed")))
	train, val := nets.Split(v.Int("n"), v.Float("val"), uint64(v.Int("data_seed")))
	var m nets.Model = r
	if v.String("cell") == "lstm" {
		m = nets.NewLSTM(r, v.Int("hidden"))
	}
	return &nets.Objective{Model: m, Train: train, Val: val, Batch: v.Int("batch")}
}

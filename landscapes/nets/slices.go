package nets

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Views of a network's loss landscape: 1-D interpolations, 2-D slices along
// filter-normalized directions (Li et al. 2018), the plane of a trajectory's
// principal directions, and the Hessian's spectral density.

// Point is the loss and 0-1 error (NaN for regression) on the training and
// validation sets at one parameter vector.
type Point struct {
	TrainLoss, TrainErr, ValLoss, ValErr float64
}

// evaluate computes a Point with the given model (each worker has its own).
func (o *Objective) evaluate(m Model, theta []float64) Point {
	p := Point{ValLoss: math.NaN(), ValErr: math.NaN()}
	p.TrainLoss, p.TrainErr = m.LossAndErrors(theta, o.Train)
	if len(o.Val) > 0 {
		p.ValLoss, p.ValErr = m.LossAndErrors(theta, o.Val)
	}
	return p
}

// parallel runs job(i) for i in [0, n) on as many workers as there are
// cores, each with its own clone of the model, until ctx is done.
func (o *Objective) parallel(ctx context.Context, n int, job func(m Model, i int)) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		m := o.Model.Clone()
		go func() {
			defer wg.Done()
			for i := range next {
				job(m, i)
			}
		}()
	}
	var err error
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	return err
}

// Interpolate evaluates θ(α) = (1 − α)θa + αθb at n values of α evenly
// spaced on [from, to] (Goodfellow et al. 2015's linear interpolation).
func (o *Objective) Interpolate(ctx context.Context, a, b []float64, from, to float64, n int) ([]float64, []Point, error) {
	alphas := make([]float64, n)
	points := make([]Point, n)
	err := o.parallel(ctx, n, func(m Model, i int) {
		alpha := from + (to-from)*float64(i)/float64(max(n-1, 1))
		theta := make([]float64, len(a))
		for k := range theta {
			theta[k] = (1-alpha)*a[k] + alpha*b[k]
		}
		alphas[i], points[i] = alpha, o.evaluate(m, theta)
	})
	return alphas, points, err
}

// FilterDirection draws a Gaussian direction from the seed and rescales each
// filter of it (an MLP unit's incoming weights; the RNN's weight matrices by
// row) to the norm of the same filter of θ (Li et al. 2018). The biases'
// part of the direction is zero when ignoreBias, else the biases themselves
// (d = b), as Li et al.'s reference code does (loss-landscape,
// normalize_directions_for_weights: d.copy_(w) for one-dimensional
// parameters).
func (o *Objective) FilterDirection(theta []float64, seed uint64, ignoreBias bool) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0xd1e))
	d := make([]float64, len(theta))
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	for _, f := range o.filters() {
		dn, tn := floats.Norm(d[f.from:f.to], 2), floats.Norm(theta[f.from:f.to], 2)
		switch {
		case f.bias && ignoreBias:
			clear(d[f.from:f.to])
		case f.bias:
			copy(d[f.from:f.to], theta[f.from:f.to])
		case dn > 0:
			floats.Scale(tn/dn, d[f.from:f.to])
		}
	}
	return d
}

type filter struct {
	from, to int
	bias     bool
}

// filters lists the parameter ranges that filter normalization treats as
// one filter each.
func (o *Objective) filters() []filter {
	var fs []filter
	switch m := o.Model.(type) {
	case *MLP:
		for l := 1; l <= m.Layers(); l++ {
			in := m.Sizes[l-1]
			base := m.off[l-1]
			for r := range m.Rows(l) {
				fs = append(fs, filter{from: base + r*in, to: base + (r+1)*in})
			}
			bStart := base + m.Rows(l)*in
			for r := range m.Rows(l) {
				fs = append(fs, filter{from: bStart + r, to: bStart + r + 1, bias: true})
			}
		}
		if m.Aux > 0 { // the auxiliary head's units are filters too
			in, out, base := m.Sizes[m.Aux], m.Sizes[m.Layers()], m.off[m.Layers()]
			for r := range out {
				fs = append(fs, filter{from: base + r*in, to: base + (r+1)*in})
				fs = append(fs, filter{from: base + out*in + r, to: base + out*in + r + 1, bias: true})
			}
		}
		// Batch normalization's γ and β are one-dimensional, as biases
		// (Li et al.'s code treats them alike: ignored, or d = θ).
		for i := m.normOff(1); i < m.Dim(); i++ {
			fs = append(fs, filter{from: i, to: i + 1, bias: true})
		}
	case *RNN:
		H := m.H
		for r := range H {
			fs = append(fs, filter{from: r * H, to: (r + 1) * H})       // W
			fs = append(fs, filter{from: H*H + 2*r, to: H*H + 2*r + 2}) // U
			fs = append(fs, filter{from: H*H + 2*H + r, to: H*H + 2*H + r + 1, bias: true})
		}
		for o := range 2 {
			fs = append(fs, filter{from: H*H + 3*H + o*H, to: H*H + 3*H + (o+1)*H}) // V
			fs = append(fs, filter{from: H*H + 5*H + o, to: H*H + 5*H + o + 1, bias: true})
		}
	case *LSTM:
		// Each of the 4H gate units' incoming recurrent and input weights
		// is a filter, as the RNN's units'.
		wo, uo, bo, vo, co := m.offsets()
		H := m.H
		for r := range 4 * H {
			fs = append(fs, filter{from: wo + r*H, to: wo + (r+1)*H})
			fs = append(fs, filter{from: uo + 2*r, to: uo + 2*r + 2})
			fs = append(fs, filter{from: bo + r, to: bo + r + 1, bias: true})
		}
		for o := range 2 {
			fs = append(fs, filter{from: vo + o*H, to: vo + (o+1)*H})
			fs = append(fs, filter{from: co + o, to: co + o + 1, bias: true})
		}
	}
	return fs
}

// Slice evaluates θ + x·d1 + y·d2 on an n×n grid over [lo, hi]², in parallel,
// and sends each finished row to rowDone (rows in any order, each once) so
// that it can be streamed; it stops when ctx is done.
func (o *Objective) Slice(ctx context.Context, theta, d1, d2 []float64, lo, hi float64, n int, rowDone func(row int, points []Point)) error {
	return o.parallel(ctx, n, func(m Model, row int) {
		y := lo + (hi-lo)*float64(row)/float64(max(n-1, 1))
		p := make([]float64, len(theta))
		out := make([]Point, n)
		for col := range n {
			if ctx.Err() != nil {
				return
			}
			x := lo + (hi-lo)*float64(col)/float64(max(n-1, 1))
			for k := range p {
				p[k] = theta[k] + x*d1[k] + y*d2[k]
			}
			out[col] = o.evaluate(m, p)
		}
		rowDone(row, out)
	})
}

// Plane is the plane of a trajectory's two principal directions through its
// last point (Li et al. 2018, sec. 7), with the path projected onto it.
type Plane struct {
	Origin    []float64    // the last point
	D1, D2    []float64    // orthonormal principal directions
	Explained [2]float64   // fractions of the path's variance along D1 and D2
	Path      [][2]float64 // the path's coordinates in the plane
}

// TrajectoryPlane finds the principal directions of θ_t − θ_T (gonum's
// stat.PC) and projects the path onto them.
func TrajectoryPlane(path [][]float64) Plane {
	n, dim := len(path), len(path[0])
	last := path[n-1]
	x := mat.NewDense(n, dim, nil)
	for i, p := range path {
		for k := range dim {
			x.Set(i, k, p[k]-last[k])
		}
	}
	var pc stat.PC
	pc.PrincipalComponents(x, nil)
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	vars := pc.VarsTo(nil)
	total := floats.Sum(vars)
	pl := Plane{Origin: append([]float64(nil), last...), D1: make([]float64, dim), D2: make([]float64, dim)}
	for k := range dim {
		pl.D1[k] = vecs.At(k, 0)
		if vecs.RawMatrix().Cols > 1 {
			pl.D2[k] = vecs.At(k, 1)
		}
	}
	if total > 0 {
		pl.Explained[0] = vars[0] / total
		if len(vars) > 1 {
			pl.Explained[1] = vars[1] / total
		}
	}
	for _, p := range path {
		var a, b float64
		for k := range dim {
			a += (p[k] - last[k]) * pl.D1[k]
			b += (p[k] - last[k]) * pl.D2[k]
		}
		pl.Path = append(pl.Path, [2]float64{a, b})
	}
	return pl
}

// Faithfulness compares the true training loss along the path with the loss
// at the path's projections onto the plane: where they differ, the picture
// of the plane misleads.
func (o *Objective) Faithfulness(ctx context.Context, path [][]float64, pl Plane) (truth, projected []float64, err error) {
	truth, projected = make([]float64, len(path)), make([]float64, len(path))
	err = o.parallel(ctx, len(path), func(m Model, i int) {
		truth[i] = m.Loss(path[i], o.Train)
		p := make([]float64, len(pl.Origin))
		for k := range p {
			p[k] = pl.Origin[k] + pl.Path[i][0]*pl.D1[k] + pl.Path[i][1]*pl.D2[k]
		}
		projected[i] = m.Loss(p, o.Train)
	})
	return truth, projected, err
}

// Density is a spectral density estimate: the Ritz values of several
// Lanczos runs with their quadrature weights (each run's weights sum to 1).
type Density struct {
	Nodes, Weights []float64
}

// SpectralDensity is stochastic Lanczos quadrature (Ubaru, Chen & Saad
// 2017; Ghorbani, Krishnan & Xiao 2019): for each of `probes` random unit
// vectors v, m Lanczos steps give T = QΛQᵀ, and the density is
// (1/probes) Σ Σₖ (Q₀ₖ)² δ(λ − Λₖ). It integrates to 1, and its mean is an
// estimate of trace(H)/n.
func SpectralDensity(n, m, probes int, mul func(dst, v []float64), seed uint64) Density {
	var d Density
	for p := range probes {
		es := lanczosEigen(n, m, mul, seed+uint64(p), true)
		vals := es.Values(nil)
		var q mat.Dense
		es.VectorsTo(&q)
		for j, v := range vals {
			d.Nodes = append(d.Nodes, v)
			d.Weights = append(d.Weights, q.At(0, j)*q.At(0, j)/float64(probes))
		}
	}
	return d
}

// Smooth evaluates the density convolved with a Gaussian of width sigma at x.
func (d Density) Smooth(x, sigma float64) float64 {
	var s float64
	for i, node := range d.Nodes {
		z := (x - node) / sigma
		s += d.Weights[i] * math.Exp(-z*z/2) / (sigma * math.Sqrt(2*math.Pi))
	}
	return s
}

// HutchinsonTrace estimates trace(H) by the mean of vᵀHv over `samples`
// Rademacher vectors v (Hutchinson 1989), and returns the standard error
// of that mean.
func HutchinsonTrace(n, samples int, mul func(dst, v []float64), seed uint64) (trace, stderr float64) {
	rng := rand.New(rand.NewPCG(seed, 0x7ace))
	v, hv := make([]float64, n), make([]float64, n)
	est := make([]float64, samples)
	for s := range samples {
		for i := range v {
			v[i] = float64(2*rng.IntN(2) - 1)
		}
		mul(hv, v)
		est[s] = floats.Dot(v, hv)
	}
	mean, sd := stat.MeanStdDev(est, nil)
	return mean, sd / math.Sqrt(float64(samples))
}

// Spectrum is a summary of the Hessian's eigenvalues at θ on the training
// set: the stochastic Lanczos quadrature density, Hutchinson's trace with its
// standard error, the exact eigenvalues where the model is small enough to
// form the Hessian, and each layer's top eigenvalue (Lanczos on the Hessian's
// block for that layer's parameters).
type Spectrum struct {
	Nodes, Weights []float64
	Trace, TraceSE float64
	Exact          []float64 // nil above maxExactSpectrum parameters
	LayerTop       []float64
}

const maxExactSpectrum = 400

// Spectrum computes the summary with m Lanczos steps, the given number of
// probe vectors, and Hutchinson samples. It checks ctx before every
// Hessian-vector product and returns its error if it ended.
func (o *Objective) Spectrum(ctx context.Context, theta []float64, m, probes, samples int, seed uint64) (Spectrum, error) {
	n := o.Dim()
	mul := func(dst, v []float64) {
		if ctx.Err() != nil {
			clear(dst) // every loop below then ends at once
			return
		}
		o.HessVec(dst, theta, v)
	}
	d := SpectralDensity(n, m, probes, mul, seed)
	tr, se := HutchinsonTrace(n, samples, mul, seed)
	s := Spectrum{Nodes: d.Nodes, Weights: d.Weights, Trace: tr, TraceSE: se}
	if n <= maxExactSpectrum && ctx.Err() == nil {
		h := mat.NewSymDense(n, nil)
		o.Hess(h, theta)
		var es mat.EigenSym
		if es.Factorize(h, false) {
			s.Exact = es.Values(nil)
		}
	}
	for _, block := range o.layerBlocks() {
		full := make([]float64, n)
		out := make([]float64, n)
		k := block[1] - block[0]
		eig := Lanczos(k, min(20, k), func(dst, v []float64) {
			clear(full)
			copy(full[block[0]:block[1]], v)
			mul(out, full)
			copy(dst, out[block[0]:block[1]])
		}, seed)
		s.LayerTop = append(s.LayerTop, eig[len(eig)-1])
	}
	return s, ctx.Err()
}

// layerBlocks are the parameter ranges of each layer (the MLP's W_l and b_l;
// the RNN's recurrent and output parts).
func (o *Objective) layerBlocks() [][2]int {
	switch m := o.Model.(type) {
	case *MLP:
		var bs [][2]int
		for l := 1; l <= m.Layers(); l++ {
			bs = append(bs, [2]int{m.off[l-1], m.off[l]})
		}
		if m.Aux > 0 {
			bs = append(bs, [2]int{m.off[m.Layers()], m.off[m.Layers()] + m.auxN})
		}
		if m.Norm {
			bs = append(bs, [2]int{m.normOff(1), m.Dim()})
		}
		return bs
	case *RNN:
		H := m.H
		return [][2]int{{0, H*H + 3*H}, {H*H + 3*H, m.Dim()}}
	case *LSTM:
		_, _, _, vo, _ := m.offsets()
		return [][2]int{{0, vo}, {vo, m.Dim()}}
	}
	return nil
}

// EigenMap evaluates the smallest and largest Hessian eigenvalue (k
// Lanczos steps on exact Hessian-vector products) on an n×n grid of
// θ + x·d1 + y·d2 over [lo, hi]², in parallel, row by row.
func (o *Objective) EigenMap(ctx context.Context, theta, d1, d2 []float64, lo, hi float64, n, k int, rowDone func(row int, min, max []float64)) error {
	return o.parallel(ctx, n, func(m Model, row int) {
		y := lo + (hi-lo)*float64(row)/float64(max(n-1, 1))
		p := make([]float64, len(theta))
		mins, maxs := make([]float64, n), make([]float64, n)
		for col := range n {
			if ctx.Err() != nil {
				return
			}
			x := lo + (hi-lo)*float64(col)/float64(max(n-1, 1))
			for i := range p {
				p[i] = theta[i] + x*d1[i] + y*d2[i]
			}
			eig := Lanczos(len(p), k, func(dst, v []float64) { m.HVP(dst, p, v, o.Train, false) }, 1)
			mins[col], maxs[col] = eig[0], eig[len(eig)-1]
		}
		rowDone(row, mins, maxs)
	})
}

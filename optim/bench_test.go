package optim

import (
	"testing"

	"github.com/saddle-viz/saddle/landscapes"
)

// BenchmarkStep measures one step of each optimizer on rosenbrock from its
// default start; first-order steps should report 0 allocs/op. A run that
// stops (a line search converged) is restarted outside the timer.
func BenchmarkStep(b *testing.B) {
	land, _ := landscapes.Build("rosenbrock")
	for _, in := range Optimizers() {
		spec := in.Name
		if in.Name == "natural-gradient" {
			continue // refused on a plain surface
		}
		if in.Family == "first order" && in.Name != "adadelta" {
			spec += ":lr=0.0005" // small enough not to diverge in b.N steps
		}
		b.Run(in.Name, func(b *testing.B) {
			r, _ := Start(land, spec, land.Start(), 1)
			b.ReportAllocs()
			for b.Loop() {
				if !r.Step() {
					b.StopTimer()
					r, _ = Start(land, spec, land.Start(), 1)
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkRacerOptions measures a racer's step on a network (the step, and
// the exact full-batch value and gradient a run records at every iterate)
// with each racer option of issue 14 against the plain racer; the ratios are
// in docs/performance.md.
func BenchmarkRacerOptions(b *testing.B) {
	land, _ := landscapes.Build("mlp:data=moons,n=600,h1=16,h2=16,batch=32")
	digits, _ := landscapes.Build("mlp:data=digits,h1=32,h2=0,classes=high,batch=16")
	normed, _ := landscapes.Build("mlp:data=moons,n=600,h1=16,h2=16,batch=32,batchnorm=true")
	rnn, _ := landscapes.Build("rnn:steps=25,hidden=8")
	lstm, _ := landscapes.Build("rnn:cell=lstm,steps=25,hidden=8")
	deep, _ := landscapes.Build("mlp:data=spirals,n=300,depth=20,width=16,batch=32")
	residual, _ := landscapes.Build("mlp:data=spirals,n=300,depth=20,width=16,batch=32,residual=true")
	for _, c := range []struct {
		name, spec string
		land       *landscapes.Landscape
	}{
		{"plain", "sgd:lr=0.05", land},
		{"average=ema", "sgd:lr=0.05,average=ema", land},
		{"grad_bias", "sgd:lr=0.05,grad_bias=0.1", land},
		{"batch=1", "sgd:lr=0.05,batch=1", land},
		{"batch=256", "sgd:lr=0.05,batch=256", land},
		{"online", "sgd:lr=0.05,online=true", land},
		{"lbfgs-batch=128", "lbfgs:batch=128", land},
		{"digits-plain", "sgd:lr=0.1", digits},
		{"digits-transfer", "sgd:lr=0.1,transfer=1000000", digits},
		{"digits-freeze", "sgd:lr=0.1,freeze=true", digits},
		// Batch normalization (its running statistics tracked every step)
		// and the LSTM against the tanh RNN on the bit task.
		{"batchnorm", "sgd:lr=0.05", normed},
		{"rnn-tanh", "adam:lr=0.01", rnn},
		{"rnn-lstm", "adam:lr=0.01", lstm},
		// A racer's own model steps as the surface of that model does.
		{"deep-residual-surface", "sgd:lr=0.05", residual},
		{"deep-own-residual", "sgd:lr=0.05,residual=true", deep},
		{"rnn-own-lstm", "adam:lr=0.01,cell=lstm", rnn},
	} {
		b.Run(c.name, func(b *testing.B) {
			r, _ := Start(c.land, c.spec, c.land.Start(), 1)
			b.ReportAllocs()
			for b.Loop() {
				if !r.Step() {
					b.StopTimer()
					r, _ = Start(c.land, c.spec, c.land.Start(), 1)
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// BenchmarkStartOwnModel: starting a racer again (a reset) on the race's
// landscape, and on its own model of it (built once per race landscape).
func BenchmarkStartOwnModel(b *testing.B) {
	deep, _ := landscapes.Build("mlp:data=spirals,n=300,depth=20,width=16,batch=32")
	for _, spec := range []string{"sgd:lr=0.05", "sgd:lr=0.05,residual=true", "sgd:lr=0.05,batchnorm=true"} {
		b.Run(spec, func(b *testing.B) {
			cfg, err := Parse(spec) // once, as a race does: a reset starts it again
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cfg.Start(deep, deep.Start(), 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

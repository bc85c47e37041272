package nets

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// The map of the linear task, recovered from noise-free data by least
// squares, has exactly the singular values the task states, and the modes
// it records are its singular vectors.
func TestLinearTaskHasTheStatedSingularValues(t *testing.T) {
	for _, d := range []int{2, 4, 9} {
		task := LinearTask(d, 50, 0, 3)
		n := task.N()
		X := mat.NewDense(n, d, task.X)
		Y := mat.NewDense(n, d, task.T)
		var At mat.Dense // Aᵀ = argmin ‖X Aᵀ − Y‖
		if err := At.Solve(X, Y); err != nil {
			t.Fatal(err)
		}
		var svd mat.SVD
		if !svd.Factorize(&At, mat.SVDNone) {
			t.Fatal("SVD failed")
		}
		got := svd.Values(nil)
		for i, s := range got {
			if want := LinearTaskSingular(i); math.Abs(s-want) > 1e-12*want {
				t.Errorf("d = %d: singular value %d is %.15g, want %.15g", d, i, s, want)
			}
		}
		a := mat.DenseCopyOf(At.T())
		strengths := task.Modes.Strengths(a.RawMatrix().Data)
		for i, s := range strengths {
			if want := LinearTaskSingular(i); math.Abs(s-want) > 1e-11 {
				t.Errorf("d = %d: uᵢᵀ A vᵢ for mode %d is %.15g, want sᵢ = %.15g", d, i, s, want)
			}
		}
	}
}

// A deep linear network trained by gradient descent from small weights
// learns the modes one at a time, the largest singular value first: each
// strength uᵢᵀ W vᵢ rises sigmoidally from near 0 to near sᵢ (Saxe et al.
// 2014), and the times at which they pass sᵢ/2 come in order.
func TestDeepLinearLearnsOneModeAtATime(t *testing.T) {
	task := LinearTask(4, 200, 0.1, 1)
	m := NewMLP(task, []int{4, 4}, Linear, 0)
	train, _ := Split(task.N(), 0.2, 1)
	theta, _ := Init{Scheme: "normal", Scale: 0.1}.Weights(m, 1)
	g := make([]float64, len(theta))
	half := []int{-1, -1, -1, -1}
	for it := 0; it <= 2000; it++ {
		s := task.Modes.Strengths(m.Product(theta))
		for i, v := range s {
			if it == 0 && math.Abs(v) > 0.05 {
				t.Errorf("mode %d starts at strength %g; small weights start every mode near 0", i, v)
			}
			if half[i] < 0 && v > LinearTaskSingular(i)/2 {
				half[i] = it
			}
		}
		m.Grad(g, theta, train)
		for i := range theta {
			theta[i] -= 0.02 * g[i]
		}
	}
	for i := 1; i < 4; i++ {
		if half[i] < 0 || half[i] <= half[i-1]+20 {
			t.Errorf("modes passed sᵢ/2 at iterations %v; each must come clearly after the one of the larger singular value", half)
		}
	}
	final := task.Modes.Strengths(m.Product(theta))
	for i, v := range final {
		if want := LinearTaskSingular(i); math.Abs(v-want) > 0.15*want {
			t.Errorf("mode %d ends at strength %g, want near sᵢ = %g", i, v, want)
		}
	}
}

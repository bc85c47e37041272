package optim

// Formula is an optimizer's update rule, in the small TeX-like notation
// that the page turns into MathML (package templ's MathML).
type Formula struct {
	Rule     string // the update as saddle computes it (PyTorch's form where PyTorch has it)
	Textbook string // Goodfellow, Bengio & Courville's form, where it differs
	Note     string // how the two differ, in words
}

// Formula returns the optimizer's formulas.
func (in *Info) Formula() Formula {
	f := formulas[in.Name]
	return Formula{Rule: f[0], Textbook: f[1], Note: f[2]}
}

// formulas holds, for each optimizer, its rule, the textbook's form (empty if
// the same) and a note, in the small TeX-like notation that MathML reads.
// TestEveryOptimizerHasAFormula keeps it complete.
var formulas = map[string][3]string{
	"gd": {`θ ← θ − ε g`, ``, ``},
	"sgd": {`g ← g + λθ;\; b ← μ b + (1 − τ) g;\; θ ← θ − ε b \text{ (or } θ − ε(g + μ b) \text{ with nesterov)}`,
		`v ← α v − ε g;\; θ ← θ + v`,
		`PyTorch accumulates the gradient, b = −v/ε, and multiplies by ε afterwards: the same path while ε is constant, a different one under a schedule.`},
	"momentum": {`b ← μ b + (1 − τ) g;\; θ ← θ − ε b`, `v ← α v − ε g;\; θ ← θ + v`,
		`PyTorch accumulates the gradient, b = −v/ε: the same path while ε is constant.`},
	"nesterov": {`b ← μ b + g;\; θ ← θ − ε (g + μ b)`, `θ̃ = θ + α v;\; v ← α v − ε ∇f(θ̃);\; θ ← θ + v`,
		`PyTorch's form evaluates the gradient at the iterate, a change of variables of the textbook's look-ahead (Algorithm 8.3; see nesterov-lookahead).`},
	"adagrad": {`r ← r + g ⊙ g;\; θ ← θ − \frac{ε}{1 + (t − 1) η} \frac{g}{\sqrt{r} + δ}`, `r ← r + g ⊙ g;\; θ ← θ − \frac{ε}{δ + \sqrt{r}} ⊙ g`,
		`The same rule; PyTorch adds the decay η of the learning rate (lr_decay) and uses δ = 1e−10 where the book uses 1e−7.`},
	"rmsprop": {`v ← ρ v + (1 − ρ) g^2;\; θ ← θ − ε \frac{g}{\sqrt{v} + δ}`, `r ← ρ r + (1 − ρ) g ⊙ g;\; θ ← θ − \frac{ε}{\sqrt{δ + r}} ⊙ g`,
		`δ is outside the square root in PyTorch and inside it in the book (Algorithm 8.5).`},
	"adam": {`m ← β_1 m + (1 − β_1) g;\; v ← β_2 v + (1 − β_2) g^2;\; θ ← θ − ε \frac{m / (1 − β_1^t)}{\sqrt{v / (1 − β_2^t)} + δ}`, ``,
		`The same as Algorithm 8.7 (s, r there are m, v here).`},
	"adamw": {`θ ← θ (1 − ε λ);\; m ← β_1 m + (1 − β_1) g;\; v ← β_2 v + (1 − β_2) g^2;\; θ ← θ − ε \frac{m̂}{\sqrt{v̂} + δ}`, ``,
		`Weight decay acts on θ directly, not through the gradient (Loshchilov & Hutter 2019).`},
	"adadelta": {`v ← ρ v + (1 − ρ) g^2;\; Δ = \frac{\sqrt{u + δ}}{\sqrt{v + δ}} g;\; u ← ρ u + (1 − ρ) Δ^2;\; θ ← θ − ε Δ`, ``,
		`Zeiler (2012) has no learning rate; PyTorch's lr = 1 is his method.`},
	"rprop": {`η ← \text{clamp}(η ⋅ η_±, η_\text{min}, η_\text{max});\; θ ← θ − η \text{ sign}(g)`, ``, ``},
	"delta-bar-delta": {`ε_i ← ε_i + κ \text{ if } δ̄_i g_i > 0, \; ε_i (1 − φ) \text{ if } δ̄_i g_i < 0;\; δ̄ ← (1 − θ_δ) g + θ_δ δ̄;\; θ ← θ − ε ⊙ g`, ``,
		`Jacobs (1988), as in section 8.5 of the book.`},
	"nesterov-lookahead": {`θ̃ = θ + α v;\; g = ∇f(θ̃);\; v ← α v − ε g;\; θ ← θ + v`, ``, `Algorithm 8.3 of the book.`},
	"coordinate-descent": {`θ_i ← \text{argmin}_{θ_i} f(θ) \text{ (exact), or } θ_i ← θ_i − ε g_i;\; i = (t − 1) \text{ mod } n`, ``, ``},
	"newton": {`θ ← θ − ε (H + λ I)^{−1} g`, `θ^* = θ_0 − H^{−1} ∇f(θ_0)`,
		`Levenberg–Marquardt (adaptive) takes a step only if it lowers f, dividing λ by 10, else multiplies λ by 10.`},
	"saddle-free-newton": {`θ ← θ − ε (|H| + λ I)^{−1} g,\; |H| = Q |Λ| Q^T`, ``, `Dauphin et al. (2014).`},
	"cg": {`d ← −g + β d_\text{prev};\; θ ← θ + α d,\; β_\text{PR+} = \text{max}(0, \frac{g^T (g − g_\text{prev})}{g_\text{prev}^T g_\text{prev}})`, ``,
		`α from a line search satisfying the strong Wolfe conditions (gonum's More–Thuente).`},
	"bfgs": {`θ ← θ − α M g,\; M ← (I − ρ s y^T) M (I − ρ y s^T) + ρ s s^T,\; ρ = \frac{1}{y^T s}`, ``,
		`M approximates H^−1 from s = Δθ and y = Δg (gonum's BFGS).`},
	"lbfgs":            {`θ ← θ − α M g,\; M \text{ from the last } m \text{ pairs } (s, y)`, ``, `The two-loop recursion (gonum's LBFGS).`},
	"natural-gradient": {`θ ← θ − ε (F + λ I)^{−1} g,\; F = 𝔼[∇ \text{log } p ∇ \text{log } p^T]`, ``, `Amari (1998).`},
}

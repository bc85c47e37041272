package web

import (
	"net/http"

	pages "github.com/saddle-viz/saddle/templ"
)

// Lessons walk through the chapter one idea at a time: each is a preset race
// with a few sentences and the question to watch for. The presets were tuned
// with `saddle run` so that what the text promises happens; the browser tests
// check each promise.
var Lessons = []pages.Lesson{
	{
		Slug: "ill-conditioning", Title: "Ill-conditioning", Section: "8.2.1",
		Text: "This quadratic curves 50 times more steeply across its valley than along it. " +
			"Gradient descent must keep its learning rate below 2/50 = 0.04 to stay stable across the valley; at 0.038 every step overshoots the valley's floor, " +
			"so it zig-zags from wall to wall (its path is long) while it crawls along the floor. " +
			"Momentum, with a smaller learning rate of 0.03, adds up successive steps: the across-valley parts, which alternate in sign, cancel, and the along-valley parts, which agree, build up speed. " +
			"Its first swings die out and it runs along the floor. Nesterov's method evaluates the gradient where the momentum is about to carry it, so it brakes before it overshoots and swings least. " +
			"The last chart shows the chapter's monitor: a gradient step changes f by −εgᵀg + ½ε²gᵀHg, so when gᵀHg grows against gᵀg, learning stalls even though the gradient is large.",
		Question: "How many iterations does each racer need to reach the tolerance, and how much longer is gradient descent's zig-zag path than the others?",
		Surface:  "quadratic:kappa=50", Racers: []string{"gd:lr=0.038", "momentum:lr=0.03,momentum=0.6", "nesterov:lr=0.02,momentum=0.8"}, Clock: "iterations", Speed: 20,
	},
	{
		Slug: "saddle-points", Title: "Saddle points", Section: "8.2.3",
		Text: "At the origin this surface curves up along x and down along y: a saddle point, with the minima at (0, ±1). " +
			"Newton's method jumps to the point where its quadratic model is stationary, and near a saddle that is the saddle itself. " +
			"Saddle-free Newton takes the absolute values of the Hessian's eigenvalues, so negative curvature pushes it away. " +
			"Hover a racer to see the Hessian's axes; a dashed axis has negative curvature.",
		Question: "Where does each racer end, and what do the Hessian's eigenvalues say there?",
		Surface:  "saddle", Racers: []string{"gd:lr=0.1", "newton", "saddle-free-newton"}, Clock: "iterations", Speed: 10,
	},
	{
		Slug: "plateaus", Title: "Plateaus", Section: "8.2.3",
		Text: "Far from its minimum this surface is almost flat: the gradient norm at the start is about 3e−5. " +
			"Gradient descent takes steps proportional to the gradient and barely moves. " +
			"Adam divides by a running estimate of the gradient's size, so its steps stay near its learning rate however flat the surface.",
		Question: "How far has each racer moved after 100 iterations?",
		Surface:  "plateau", Racers: []string{"gd:lr=0.1", "adam:lr=0.05"}, Clock: "iterations", Speed: 30,
	},
	{
		Slug: "cliffs", Title: "Cliffs and exploding gradients", Section: "8.2.4",
		Text: "A gentle bowl ends at a steep wall 20 high, and both racers start on the wall's face, where the gradient is about 50. " +
			"Plain SGD takes the step the gradient asks for and is thrown 25 units away, four times the width of the view, " +
			"like the exploding gradients of a recurrent network; it has to walk all the way back. " +
			"Clipping the gradient's norm to 1 keeps its direction and bounds the step to 0.5: the clipped racer steps off the wall and settles in the minimum at its foot. " +
			"(Here the bowl is convex, so the thrown racer finds its way back; in a network it can land where learning stops, as the recurrent network's lesson shows.)",
		Question: "How far is each racer thrown by its first step, and how many steps does the clipped racer need to settle at the foot of the wall?",
		Surface:  "cliff:h=20,k=10", Start: []float64{2, 1.5}, Racers: []string{"sgd:lr=0.5", "sgd:lr=0.5,clip_norm=1"}, Clock: "iterations", Speed: 10,
	},
	{
		Slug: "continuation-rastrigin", Title: "Local minima and continuation: Rastrigin", Section: "8.7.6",
		Text: "Rastrigin's function has a local minimum near every integer point, and gradient descent stops in the nearest one. " +
			"The second racer follows a continuation schedule (its card's “Continuation” settings): it descends the surface blurred by s = 2, which is nearly a smooth bowl, " +
			"and its blur falls to 0 over 600 steps, so that it ends on the true surface. The surface itself is not blurred: both racers are scored on it. " +
			"The map follows what the second racer sees, and its caption says the blur at each step; to look at the surface at a blur of your choosing, set “Map shows” under the map to “the surface blurred by s =”.",
		Question: "Which minimum does each racer end in, and what does the surface look like blurred by s = 0.5?",
		Surface:  "rastrigin", Racers: []string{"gd:lr=0.004", "gd:lr=0.004,blur_from=2,blur_steps=600"}, Clock: "iterations", Speed: 60,
	},
	{
		Slug: "continuation-wells", Title: "Local minima and continuation: wells", Section: "8.7.6",
		Text: "Four Gaussian wells sit in a wide bowl, with a shallow dip near the centre. From this start gradient descent settles in the dip. " +
			"The continuation racer starts on the surface blurred by s = 1.5, where the wells merge into broad basins, and tracks a basin as the blur is taken away. " +
			"Continuation follows the broadest basin, which is not always the deepest well.",
		Question: "Which minimum does each racer reach? Is it the deepest well?",
		Surface:  "wells", Start: []float64{-1, 1}, Racers: []string{"gd:lr=0.1", "gd:lr=0.1,blur_from=1.5,blur_steps=200"}, Clock: "iterations", Speed: 30,
	},
	{
		Slug: "weight-space-symmetry", Title: "Weight-space symmetry", Section: "8.2.2",
		Text: "The loss of a linear network with one weight per layer depends only on the product xy, " +
			"so every point of the hyperbola xy = 1 is a minimum: rescaling one weight by α and the other by 1/α changes nothing. " +
			"Weight decay adds (λ/2)(x² + y²), which prefers the balanced solution and leaves just two minima.",
		Question: "Where on the hyperbola does each racer end?",
		Surface:  "symmetry", Racers: []string{"sgd:lr=0.05", "sgd:lr=0.05,weight_decay=0.2"}, Clock: "iterations", Speed: 30,
	},
	{
		Slug: "permutation-symmetry", Title: "Permutation symmetry: the barrier that is not there", Section: "8.2.2",
		Text: "Two racers train the same network of 16 hidden units on the moons, with the same method, from different initial weights (the second racer's init_seed). " +
			"Both reach a low loss, yet on the straight line between their weights the loss rises high: they look like two solutions in two valleys. " +
			"But swapping two hidden units, with their incoming and outgoing weights, does not change the function, so each solution has 16! copies. " +
			"Under the loss landscape, choose “to another racer's, before and after matching hidden units” and Compute: weight matching (Ainsworth et al. 2022) permutes the second racer's units to line up with the first's, by one linear assignment, and the line between them loses almost all its barrier.",
		Question: "How high is the barrier between the two solutions as they are, and after matching? What was it made of?",
		Surface:  "mlp:data=moons,n=100,h1=16,h2=0,batch=0", Racers: []string{"adam:lr=0.03", "adam:lr=0.03,init_seed=7"}, Clock: "iterations", Speed: 60,
	},
	{
		Slug: "adaptive-methods", Title: "Adaptive learning rates", Section: "8.5",
		Text: "Beale's function has flat arms and sharp ridges, so its gradients differ by orders of magnitude from place to place. " +
			"AdaGrad, RMSProp, AdaDelta and Adam each scale every coordinate's step by a history of its squared gradients. " +
			"Open a racer's card to compare its rule with the textbook's: PyTorch puts RMSProp's ε outside the square root.",
		Question: "Which methods reach the minimum at (3, 0.5), and which slow down on the way?",
		Surface:  "beale", Racers: []string{"adagrad:lr=0.5", "rmsprop:lr=0.01", "adadelta", "adam:lr=0.05"}, Clock: "iterations", Speed: 40,
	},
	{
		Slug: "second-order", Title: "Newton's method and saddle points", Section: "8.6.1",
		Text: "Newton's method jumps to the stationary point of its local quadratic model, whatever the curvature. From this start on Beale's function that point is the saddle at (0, 1), " +
			"where the Hessian has a negative eigenvalue of −27.7, and plain Newton converges to it. " +
			"Adaptive Newton (Levenberg–Marquardt with a Hessian modification) raises its damping λ until H + λI is positive definite, so that every step goes downhill, and takes a step only if it lowers f; " +
			"saddle-free Newton replaces the Hessian's eigenvalues by their absolute values (damped by 1 here). Both reach the minimum at (3, 0.5).",
		Question: "Where does each racer end, and what are the Hessian's eigenvalues there? How does adaptive Newton's damping (on its card) change on the way?",
		Surface:  "beale", Racers: []string{"newton", "newton:adaptive=true", "saddle-free-newton:damping=1"}, Clock: "iterations", Speed: 10,
	},
	{
		Slug: "quasi-newton", Title: "Second-order and quasi-Newton methods", Section: "8.6",
		Text: "Newton's method, conjugate gradients, BFGS and L-BFGS race along Rosenbrock's valley, timed by evaluations: " +
			"every line-search probe counts, and a Hessian counts as n gradient evaluations (the leaderboard's evals column counts both). " +
			"Newton uses the exact curvature; BFGS and L-BFGS build it from the gradients they have seen; CG needs only the last direction.",
		Question: "Who reaches the tolerance in the fewest evaluations, and who in the fewest iterations?",
		Surface:  "rosenbrock", Racers: []string{"newton", "cg", "bfgs", "lbfgs"}, Clock: "evaluations", Speed: 10,
	},
	{
		Slug: "natural-gradient", Title: "Natural gradient", Section: "8.6",
		Text: "The natural gradient preconditions the gradient with the Fisher information F of the model's predictive distribution: it measures a step by how much it changes the predictions, not the parameters (Amari 1998). " +
			"For logistic regression F equals the Hessian, so natural gradient is Newton's method with damping. " +
			"Far from the data's boundary the loss is nearly flat and its curvature nearly zero: plain Newton's step is enormous and after two steps its Hessian is singular. " +
			"Natural gradient's damping adapts to how well its quadratic model predicted the last step (Martens 2010): its first step overshoots out of the view, then the damping grows and it homes in on the minimum in a few steps, where gradient descent crawls.",
		Question: "How many iterations does each racer need, and what happens to plain Newton?",
		Surface:  "logreg", Racers: []string{"gd:lr=3", "natural-gradient", "newton"}, Clock: "iterations", Speed: 10,
	},
	{
		Slug: "natural-gradient-network", Title: "Natural gradient on a network", Section: "8.6",
		Text: "On a network the Fisher (the Gauss–Newton matrix of the softmax output) is positive semi-definite, unlike the Hessian, and its geometry follows the predictions: " +
			"natural gradient trains this 114-parameter network on moons in a few dozen iterations, where gradient descent needs thousands and adaptive Newton hundreds. " +
			"It is not free: forming F costs n backpropagations per example and factoring it n³ operations. Switch the clock to epochs, which counts a Fisher as n passes over the data, and the lead shrinks; " +
			"for a network of millions of weights F cannot even be stored, which is why practical methods approximate it.",
		Question: "Who leads by iterations, and who by epochs?",
		Surface:  "mlp:data=moons,h1=8,h2=8,batch=0", Racers: []string{"gd:lr=2", "natural-gradient", "newton:adaptive=true"}, Clock: "iterations", Speed: 10,
	},
	{
		Slug: "sgd-noise-and-schedules", Title: "SGD noise and learning-rate schedules", Section: "8.3.1",
		Text: "Here every gradient carries Gaussian noise, as a minibatch gradient does. " +
			"With a constant learning rate SGD reaches the minimum's neighbourhood and then wanders in it, at a distance set by the learning rate and the noise. " +
			"The chapter recommends decaying the rate linearly until iteration τ and keeping it constant after: the second racer does that over 300 steps.",
		Question: "How close to the minimum does each racer stay after 300 iterations?",
		Surface:  "quadratic:noise=5", Racers: []string{"sgd:lr=0.03", "sgd:lr=0.03,schedule=linear,total_iters=300,end_factor=0.01"}, Clock: "iterations", Speed: 40,
	},
	{
		Slug: "coordinate-descent", Title: "Coordinate descent", Section: "8.7.2",
		Text: "Coordinate descent minimizes along one axis at a time. When the variables are nearly independent that is fast; " +
			"here the valley is rotated by 30°, the coordinates are coupled, and each exact line search along an axis undoes part of the last. " +
			"Set the angle to 0 and race again.",
		Question: "How does the number of iterations change when the angle is 0?",
		Surface:  "quadratic", Racers: []string{"coordinate-descent", "coordinate-descent:mode=gradient,lr=0.035", "gd:lr=0.035"}, Clock: "iterations", Speed: 10,
	},
	{
		Slug: "networks-spirals", Title: "Training a network on minibatches", Section: "8.1.3",
		Text: "A ReLU network with two hidden layers of 24 units learns to separate two interleaved spirals from minibatches of 20 examples. " +
			"Each tile shows one racer's decision regions over the data (hollow points are held out for validation). " +
			"The loss is the surrogate the optimizers minimize; the 0-1 error, the quantity we care about, is charted beside it, on the training and the validation set.",
		Question: "Which optimizer separates the spirals first, and does the validation error follow the training error?",
		Surface:  "mlp:data=spirals,n=200,h1=24,h2=24,act=relu,batch=20", Racers: []string{"sgd:lr=0.5", "momentum:lr=0.05", "adam:lr=0.01"}, Clock: "iterations", Speed: 150,
	},
	{
		Slug: "deep-linear-plateaus", Title: "Plateaus and saddles of a deep linear network", Section: "8.2.3",
		Text: "Three linear layers are fitted to a linear map A = U diag(s) Vᵀ with singular values s = 3, 2, 1.33 and 0.89, from small random weights. " +
			"The network computes a linear function, but its loss over the weights has a saddle at zero and plateaus between the stages: " +
			"gradient descent learns the map one singular mode at a time, the largest first, each after a long wait (Saxe et al. 2014). " +
			"Each tile charts a racer's mode strengths uᵢᵀWvᵢ, how much of the i-th singular direction the product W of its layers has learned, against the dashed sᵢ; the loss falls one step per mode.",
		Question: "In which order are the modes learned, how long is each plateau, and what does the Hessian's smallest eigenvalue do on each?",
		Surface:  "deeplinear", Racers: []string{"gd:lr=0.02", "adam:lr=0.01"}, Clock: "iterations", Speed: 100,
	},
	{
		Slug: "rnn-exploding-gradients", Title: "Exploding gradients in a recurrent network", Section: "8.2.4",
		Text: "A tanh RNN must remember a bit over 30 steps of noise. Its recurrent weights start with gain 2.5, so gradients sent back through time can grow step after step. " +
			"Unclipped SGD meets such a gradient, takes one enormous step and lands where the network has forgotten how to learn; the clipped racer takes the same direction with a bounded step. " +
			"Each tile charts ‖∂L/∂hₜ‖ against the time step t.",
		Question: "How large does each racer's gradient norm get, and which one learns the task?",
		Surface:  "rnn:steps=30,gain=2.5", Racers: []string{"sgd:lr=1", "sgd:lr=1,clip_norm=1"}, Clock: "iterations", Speed: 60,
	},
	{
		Slug: "long-term-dependencies", Title: "Long-term dependencies and the forget gate", Section: "8.2.5",
		Text: "An LSTM of 10 units must remember a bit over 25 steps of noise. Its cell carries the bit from step to step through the forget gate alone, cₜ = f ⊙ cₜ₋₁ + i ⊙ g, not through a product of weights and squashed derivatives as a tanh RNN does, " +
			"and for the first two racers the forget gate starts open: its bias is 1, as Jozefowicz et al. (2015) recommend. Both learn. Each tile shows ‖∂L/∂hₜ‖ against t, every tile on the same scale. " +
			"At the start the gradient at the first step is about 2·10⁻⁴ of the last step's: small, but Adam's steps do not shrink with the gradient, and it finds the bit. " +
			"The third racer is the same LSTM with the forget gate's bias at 0 (forget_bias=0 in its spec, about where PyTorch starts it): the cell loses half of itself at every step, the first step's gradient starts at 7·10⁻⁸ of the last's, and after 600 steps it has not learned the bit. " +
			"The fourth trains a vanilla tanh RNN on the same sequences (cell=tanh, recurrent gain 1): at this gain its first step's gradient starts at 3·10⁻² of the last's, and over 25 steps it learns fastest of all; with gain 0.5 (add gain=0.5 to its spec) it starts at 9·10⁻⁷. " +
			"With the LSTM's bias at 3 (Settings) its gradient starts at 3·10⁻² too. The longer the dependency (time steps T), the more these starts matter (the steps to learn against T are tabulated in the repository’s docs/lessons.md).",
		Question: "How large is ‖∂L/∂h₁‖ against ‖∂L/∂h₂₅‖ for each racer at the start? Which racers learn the bit?",
		Surface:  "rnn:cell=lstm,steps=25,hidden=10,forget_bias=1", Racers: []string{"adam:lr=0.01", "adam:lr=0.003", "adam:lr=0.01,forget_bias=0", "adam:lr=0.01,cell=tanh"}, Clock: "iterations", Speed: 30,
	},
	{
		Slug: "initialization", Title: "Initialization and symmetry", Section: "8.4",
		Text: "Every weight of this network starts at zero. Then every hidden unit computes the same thing and receives the same gradient, " +
			"so no amount of training can tell them apart: each card shows the spread of the activations in every layer, and it stays at zero. " +
			"Set init to glorot (or he, orthogonal, sparse) above and race again; set it to normal with a large init_scale and watch tanh units saturate.",
		Question: "What do the hidden layers' activation spreads show, and how low can the loss go from a zero start?",
		Surface:  "mlp:data=moons,h1=16,h2=16,init=zeros", Racers: []string{"sgd:lr=0.5", "adam:lr=0.02"}, Clock: "iterations", Speed: 60,
	},
	{
		Slug: "network-landscapes", Title: "Looking at a network's loss landscape", Section: "8.2.7",
		Text: "Two optimizers train the same tanh network on moons. Below the tiles, compute views of the loss around a racer: a slice along two random directions rescaled filter by filter (Li et al. 2018), " +
			"the plane of its trajectory with how faithful that flat picture is, the line from the initial weights, the line between the two solutions, " +
			"a map of the Hessian's smallest eigenvalue, and the Hessian's spectrum. Two-dimensional pictures of a million-dimensional function can mislead; the faithfulness check says when.",
		Question: "Is there a barrier on the line between the two solutions, and how much of the path does the trajectory plane hold?",
		Surface:  "mlp:data=moons,n=160,h1=12,h2=12,batch=16", Racers: []string{"adam:lr=0.02", "sgd:lr=0.3,momentum=0.5"}, Clock: "iterations", Speed: 60,
	},
	{
		Slug: "curriculum", Title: "Curriculum learning", Section: "8.7.6",
		Text: "Both racers train the same ReLU network on noisy spirals by SGD with the same minibatch size. The second follows a curriculum for 400 steps: its minibatches come from the easiest examples first " +
			"(easy meaning far from every example of the other class), 20% of them at the start, growing to all. " +
			"From this start the plain racer sits on a plateau near the loss of guessing (log 2 ≈ 0.69) for a long time; the easy, consistent minibatches of the curriculum show the second racer a way off it earlier, and its loss (the loss chart) falls while the other's stays flat. " +
			"With other seeds the lead can be smaller: a curriculum helps in some settings, not in all.",
		Question: "When does each racer leave the plateau, and does the curriculum racer's lead last after its curriculum ends at step 400?",
		Surface:  "mlp:data=spirals,n=300,h1=24,h2=24,act=relu,batch=20,label_noise=0.1", Racers: []string{"sgd:lr=0.1", "sgd:lr=0.1,curriculum=400"}, Clock: "iterations", Speed: 100,
	},
	{
		Slug: "pretraining", Title: "Greedy layer-wise pretraining", Section: "8.7.4",
		Text: "A network of four hidden layers starts from small weights. The second racer pretrains greedily: 100 steps for layer 1 with a fresh output layer on top, then layer 2 on top of it, and so on, " +
			"and only then fine-tunes the whole network. While it pretrains, the whole network's loss hardly moves, since the layers above wait at their initial values; when fine-tuning starts it falls at once.",
		Question: "How does the whole network's loss behave during each stage, and where does each racer end?",
		Surface:  "mlp:data=moons,n=200,h1=16,h2=16,h3=16,h4=16,init=normal,init_scale=0.1,batch=20", Racers: []string{"sgd:lr=0.3", "sgd:lr=0.3,pretrain=100"}, Clock: "iterations", Speed: 60,
	},
	{
		Slug: "continuation-network", Title: "Smoothing a network's loss", Section: "8.7.6",
		Text: "Continuation on a network: the second racer takes every gradient at weights perturbed by Gaussian noise of size 0.3, lowered to 0 over 400 steps, which descends the loss averaged over that noise, a smoothed landscape. " +
			"The smoothing costs progress while the noise is large; as it fades the racer descends the real loss.",
		Question: "How much slower is the smoothed racer while the noise lasts, and what happens once it fades?",
		Surface:  "mlp:data=spirals,n=300,h1=24,h2=24,act=relu,batch=20,label_noise=0.1", Racers: []string{"adam:lr=0.01", "adam:lr=0.01,blur_from=0.3,blur_steps=400"}, Clock: "iterations", Speed: 60,
	},
	{
		Slug: "biased-gradients", Title: "Biased gradient estimates", Section: "8.2.6",
		Text: "A minibatch gradient is noisy but right on average. Some estimates are not: every gradient the second racer sees is off by the same vector b of length 1, along x₀. " +
			"It stops where the gradient it sees vanishes, where ∇f = −b, at x = −A⁻¹b: the bias is divided by the curvature, so the error is largest along the valley's flat direction, not along b. " +
			"The third racer's bias turns by 45° at every step; errors that change direction quickly cancel much as noise does.",
		Question: "Where does each racer stop? Why is the second one off along the valley rather than along x₀, and what does its ‖∇f‖ say?",
		Surface:  "quadratic:kappa=10", Start: []float64{-2.5, 1.5}, Racers: []string{"gd:lr=0.1", "gd:lr=0.1,grad_bias=1", "gd:lr=0.1,grad_bias=1,grad_bias_drift=45"}, Clock: "iterations", Speed: 30,
	},
	{
		Slug: "online-learning", Title: "Empirical risk and the true risk", Section: "8.1",
		Text: "Training minimizes the empirical risk, the average loss on a fixed training set (here 50 noisy moons); what we want is low loss on the distribution the data come from, the true risk, estimated by the held-out validation set (dashed in the loss chart). " +
			"The first racer cycles over the 50 examples: its training loss goes to zero while its validation loss climbs, since it learns the sample, noise included. " +
			"The second learns online: every minibatch is fresh data from the same distribution, never seen before, so each step follows an unbiased estimate of the gradient of the true risk. Its training and validation losses stay together.",
		Question: "Which racer has the lower training loss, and which the lower validation loss? How far apart are each one's two curves?",
		Surface:  "mlp:data=moons,n=100,spread=0.3,h1=32,h2=32,batch=10,val=0.5", Racers: []string{"adam:lr=0.01", "adam:lr=0.01,online=true"}, Clock: "iterations", Speed: 100,
	},
	{
		Slug: "transfer", Title: "Pretraining on another task", Section: "8.7.4",
		Text: "The task is to tell the digits 5 to 9 apart, from only 90 training examples. The first racer learns it from scratch. The second first trains 400 steps on the digits 0 to 4 (its loss on 5–9 meanwhile is meaningless and high), " +
			"then keeps the hidden layer, takes a fresh output layer and learns 5–9: the features learned on one task serve the other, and it reaches a lower validation error than training from scratch. " +
			"The third does the same but freezes the transferred hidden layer and trains only the new output layer; the fourth trains only an output layer on the random hidden layer it started with. Compare the third racer's loss 400 steps after its switch with the fourth's at step 400: features learned on a related task fit the new one better than random features do.",
		Question: "After the switch, how fast does each transferring racer's loss fall compared with the racer from scratch? Which validation error is lowest at the end?",
		Surface:  "mlp:data=digits,h1=32,h2=0,classes=high,batch=16,val=0.9", Racers: []string{"sgd:lr=0.1", "sgd:lr=0.1,transfer=400", "sgd:lr=0.1,transfer=400,freeze=true", "sgd:lr=0.1,freeze=true"}, Clock: "iterations", Speed: 60,
	},
	{
		Slug: "critical-points", Title: "Saddle points outnumber minima", Section: "8.2.3",
		Text: "A small network (2 inputs, 3 tanh units, 2 classes, 17 weights) has been trained by gradient descent. Press Critical points: from points along the racer's path and from random weights, " +
			"Newton's method drives ‖∇L‖ to zero, which it does as readily at a saddle as at a minimum (Pascanu et al. 2014), and each point found is plotted by its loss and its index, the share of the Hessian's eigenvalues that are negative. " +
			"As Dauphin et al. (2014) found for larger networks, the critical points at high loss are saddles, with directions that lead down; only near the lowest loss is the index 0.",
		Question: "Of the critical points found, how many are minima? How does the index change with the loss?",
		Surface:  "mlp:data=moons,n=60,h1=3,h2=0,l2=0.01,batch=0", Racers: []string{"gd:lr=1"}, Clock: "iterations", Speed: 200,
	},
	{
		Slug: "deep-network", Title: "A deep network that will not train", Section: "8.7.5",
		Text: "Twenty tanh layers of 16 units on the spirals, initialized as PyTorch does (Glorot with tanh's gain 5/3). Neither SGD nor Adam gets anywhere: the loss stays near log 2 and the decision regions are pale stripes. " +
			"The gradient does not vanish: each racer's card lists, layer by layer from the input, the spread of the activations and of the gradients, and the gradient reaching the first layers is as large as at the top or larger. " +
			"It is useless instead: twenty layers at this scale scramble the input, so the output hardly depends on where a point lies and each layer's gradient is dominated by that scrambling (the shattered gradients of Balduzzi et al. 2017). " +
			"Press Hessian spectrum or Compute a slice to see the landscape around a racer; then open the next lesson, the same network with skip connections.",
		Question: "How large is the gradient at the first layers compared with the top? Then why does the loss not fall?",
		Surface:  "mlp:data=spirals,n=300,depth=20,width=16,act=tanh,batch=32", Racers: []string{"sgd:lr=0.05", "adam:lr=0.003"}, Clock: "iterations", Speed: 60,
	},
	{
		Slug: "residual-network", Title: "Skip connections make it trainable", Section: "8.7.5",
		Text: "The previous lesson's twenty tanh layers, each beside its residual twin: the second and fourth racers train their own network, the same layers with an identity skip around each, z_l = tanh(a_l) + z_{l−1} (He et al. 2016; residual=true in their specs), " +
			"on the same spirals, minibatches and initial weights. Every layer of the twin adds a correction to what it receives, and the gradient reaches the first layer through the sum of the skips. " +
			"The plain racers stay near log 2; the residual ones fall below 0.05 within 400 steps (their loss starts higher, since the skips add up the layers' outputs). Compare the layers' gradient spreads in the cards. " +
			"Then, below the tiles, compute a plain racer's 2-D slice and Hessian spectrum, and its twin's: “Side by side” keeps each racer's latest of each. " +
			"The residual racer sits at the bottom of a basin, the lowest point of its slice, with the loss rising by a factor of hundreds to the slice's edge; the plain racer sits on a bumpy plateau near log 2 where the loss varies by a factor of about three. " +
			"The spectra say the same in numbers: at the plain racer's point the Hessian has large negative eigenvalues, |λmin/λmax| about 0.3, while at the twin's it is nearly convex, |λmin/λmax| below 0.01 (the measure Li et al. 2018 map to show the same contrast on larger networks).",
		Question: "Where does each racer's loss go? How do a plain racer's slice and spectrum differ from its residual twin's?",
		Surface:  "mlp:data=spirals,n=300,depth=20,width=16,act=tanh,batch=32", Racers: []string{"sgd:lr=0.05", "sgd:lr=0.05,residual=true", "adam:lr=0.003", "adam:lr=0.003,residual=true"}, Clock: "iterations", Speed: 60,
	},
	{
		Slug: "auxiliary-head", Title: "An auxiliary head for a deep network", Section: "8.7.5",
		Text: "Six sigmoid layers of 16 units on the moons. Without help this network stays at chance for thousands of steps: the gradient reaching the lower layers through six sigmoids is too weak and too garbled to teach them anything. " +
			"Here a second softmax output, an auxiliary head, sits on hidden layer 3, and its loss is added to the main one (weight 1): the lower layers get a gradient through three layers instead of six, learn features that separate the moons, and the main output then learns from them. " +
			"The loss shown is the sum of both heads'; the error is the main head's. To see the network without the head, open Settings, set “auxiliary head on layer” to 0 and press Reset.",
		Question: "How many steps does each racer take to separate the moons? What happens with the head removed?",
		Surface:  "mlp:data=moons,n=300,depth=6,width=16,act=sigmoid,batch=32,aux=3,aux_weight=1", Racers: []string{"sgd:lr=1", "sgd:lr=0.3,momentum=0.9"}, Clock: "iterations", Speed: 100,
	},
	{
		Slug: "batch-normalization", Title: "Batch normalization", Section: "8.7.1",
		Text: "Ten ReLU layers of 16 units on the spirals, initialized as He et al. recommend, trained by SGD at learning rates 1 and 0.5: large steps for a network this deep. " +
			"Every hidden layer here normalizes its pre-activations over each minibatch, to mean 0 and variance 1 per unit, and then scales and shifts them by a learned γ and β (Ioffe & Szegedy 2015). " +
			"A step on a lower layer's weights can then no longer change the mean and scale of what the layers above receive, so each layer's update does what its gradient promised, to first order, however the others move (sec. 8.7.1): both racers fit the spirals. " +
			"The loss shown is the training loss with each minibatch's own statistics, as training sees it; the validation loss (dashed), the errors and the decision regions use each racer's running averages of those statistics (momentum 0.1), as a trained network is used. " +
			"The third racer trains the same network without the normalization (its own model, batchnorm=false), from the same initial weights at learning rate 1: it gets nowhere. " +
			"To see every racer without it, open Settings at the top of the page and untick “batch normalization”: the race starts again, and at these learning rates none gets anywhere.",
		Question: "What loss does each racer reach? And without the normalization, at the same learning rates?",
		Surface:  "mlp:data=spirals,n=300,depth=10,width=16,act=relu,init=he,batch=32,batchnorm=true", Racers: []string{"sgd:lr=1", "sgd:lr=0.5", "sgd:lr=1,batchnorm=false"}, Clock: "iterations", Speed: 60,
	},
	{
		Slug: "batch-size", Title: "Minibatch size", Section: "8.1.3",
		Text: "Four SGD racers with the same learning rate draw from the same shuffled stream of examples, in minibatches of 1, 32 and 256 and the full training set of 480. " +
			"The clock counts epochs, passes over the data: each racer has processed the same number of examples. A minibatch of B estimates the gradient with a spread that falls only as σ/√B (the dashed curves in the ‖g‖ chart), " +
			"while its cost grows as B: small batches take many cheap, noisy steps and get further per example processed. Switch the clock to iterations to see the other side: per step the large batches are ahead.",
		Question: "After four passes over the data, which batch size has the lowest loss? Which is ahead after the same number of iterations?",
		Surface:  "mlp:data=moons,n=600,h1=16,h2=16,batch=0", Racers: []string{"sgd:lr=0.1,batch=1", "sgd:lr=0.1,batch=32", "sgd:lr=0.1,batch=256", "sgd:lr=0.1"}, Clock: "epochs", Speed: 1,
	},
	{
		Slug: "second-order-minibatches", Title: "Second-order methods need large batches", Section: "8.6",
		Text: "L-BFGS builds its curvature model from differences of gradients, and its line search compares loss values. On minibatches both come from different examples at every step: " +
			"the pairs of steps and gradient changes stop describing one function, the direction can turn uphill and the search fails, sooner the smaller the batch. " +
			"SGD on the same small minibatches carries on, since a noisy step only has to point downhill on average. The full-batch L-BFGS converges in a few dozen iterations.",
		Question: "When does each L-BFGS racer stop, and why? What does SGD on minibatches of 16 do meanwhile?",
		Surface:  "mlp:data=moons,n=600,h1=16,h2=16,batch=0", Racers: []string{"lbfgs:batch=16", "lbfgs:batch=128", "lbfgs", "sgd:lr=0.1,batch=16"}, Clock: "iterations", Speed: 10,
	},
	{
		Slug: "polyak-averaging", Title: "Polyak averaging", Section: "8.7.3",
		Text: "With noisy gradients and a constant learning rate SGD does not settle: it wanders around the minimum. Polyak averaging keeps the mean of all the iterates, " +
			"which settles where the iterates wander about; the exponential moving average (decay 0.98, about the last 50 iterates) forgets the start sooner, as the chapter recommends for non-convex problems. " +
			"Both racers take the same noisy steps, so their paths coincide; each one's average is the thin dotted path with a ring at its end, and the dotted curve in the loss chart.",
		Question: "After 1,000 iterations, how far above the minimum is the iterate, the running mean and the moving average?",
		Surface:  "quadratic:kappa=10,noise=3", Racers: []string{"sgd:lr=0.05,average=polyak", "sgd:lr=0.05,average=ema,ema_decay=0.98"}, Clock: "iterations", Speed: 60,
	},
	{
		Slug: "polyak-averaging-network", Title: "Averaging a network's weights", Section: "8.7.3",
		Text: "The same on a network trained by SGD with a large learning rate on minibatches of 4: the training loss of the weights themselves jumps about, " +
			"while the loss of the averaged weights (dotted) falls steadily. On this non-convex loss the moving average (decay 0.99) does better than the mean of all the iterates, which still remembers the first bad ones.",
		Question: "Over the last few hundred iterations, which is lower: the loss at the iterate, or at each average?",
		Surface:  "mlp:data=moons,h1=16,h2=16,batch=4", Racers: []string{"sgd:lr=0.3,average=ema,ema_decay=0.99", "sgd:lr=0.3,average=polyak"}, Clock: "iterations", Speed: 60,
	},
}

func handleLessons() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := pages.LessonList(Lessons).Render(r.Context(), w); err != nil {
			http.Error(w, "rendering the page failed", http.StatusInternalServerError)
		}
	})
}

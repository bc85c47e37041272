// Package pages holds saddle's templ components (in the folder templ/). The
// page is built from the registries of surfaces and optimizers, which reach
// it as a Registry: adding a surface or an optimizer never means editing HTML.
package pages

// Registry describes everything the page offers.
type Registry struct {
	Surfaces     []Surface           `json:"surfaces"`
	Common       []Param             `json:"common"` // blur and noise, on every surface
	Optimizers   []Optimizer         `json:"optimizers"`
	Modifiers    []Param             `json:"modifiers"` // clip and schedule keys of first-order optimizers
	ScheduleKeys map[string][]string `json:"scheduleKeys"`
	Continuation []Param             `json:"continuation"` // the blur schedule keys of every optimizer
	Batch        []Param             `json:"batch"`        // a racer's own minibatch size, on every optimizer
	Averaging    []Param             `json:"averaging"`    // the averaged iterate's keys, on every optimizer
	Bias         []Param             `json:"bias"`         // a biased gradient's keys, on every optimizer
	Model        []Param             `json:"model"`        // a racer's own model's keys, on a network
	Clocks       []string            `json:"clocks"`
	Colors       []string            `json:"colors"`  // the racers' (Okabe–Ito), as the exported plots draw them
	Viridis      [][3]uint8          `json:"viridis"` // the stops of the surfaces' colour map, as the exported plots use them
	MaxRacers    int                 `json:"maxRacers"`
	DefaultSpeed float64             `json:"defaultSpeed"`
	DefaultTol   float64             `json:"defaultTol"`
	MaxSpeed     float64             `json:"maxSpeed"`
	MaxStart     float64             `json:"maxStart"` // the largest magnitude of a start's coordinate
	Lessons      []Lesson            `json:"lessons"`
	Formulas     []FormulaExample    `json:"formulas"` // examples for the formula box
}

// FormulaExample is a formula a user can start from.
type FormulaExample struct {
	Name    string `json:"name"`
	Formula string `json:"formula"`
}

// Surface is one surface of the registry.
type Surface struct {
	Name      string     `json:"name"`
	Title     string     `json:"title"`
	Explain   string     `json:"explain"`
	Canonical bool       `json:"canonical"`
	ExactBlur bool       `json:"exactBlur"`
	View      [4]float64 `json:"view"`
	Start     []float64  `json:"start"`
	Params    []Param    `json:"params"`
}

// Optimizer is one optimizer of the registry, with its update rule.
type Optimizer struct {
	Name      string  `json:"name"`
	Title     string  `json:"title"`
	Family    string  `json:"family"`
	Explain   string  `json:"explain"`
	Modifiers bool    `json:"modifiers"`
	Params    []Param `json:"params"`
	Rule      string  `json:"-"` // MathML, rendered into <template> elements
	Textbook  string  `json:"-"`
	Note      string  `json:"note"`
}

// Param is one parameter: the page makes a slider, a check box or a menu.
type Param struct {
	Name        string   `json:"name"`
	Label       string   `json:"label"` // what the page calls it; the name where that reads well
	Kind        string   `json:"kind"`  // real, integer, bool, choice
	Default     string   `json:"default"`
	DefaultText string   `json:"defaultText,omitempty"`
	Min         float64  `json:"min"`
	Max         float64  `json:"max"`
	Log         bool     `json:"log"`
	Choices     []string `json:"choices,omitempty"`
	Doc         string   `json:"doc"`
}

// Lesson is a preset race with its explanation and question.
type Lesson struct {
	Slug     string    `json:"slug"`
	Title    string    `json:"title"`
	Section  string    `json:"section"` // of the chapter
	Text     string    `json:"text"`
	Question string    `json:"question"`
	Surface  string    `json:"surface"`
	Racers   []string  `json:"racers"`
	Start    []float64 `json:"start,omitempty"`
	Clock    string    `json:"clock"`
	Speed    float64   `json:"speed"`
}

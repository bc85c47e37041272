package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/saddle-viz/saddle/landscapes/expr"
	pages "github.com/saddle-viz/saddle/templ"
)

// formulaReply is what the page's formula box shows as the user types: the
// formula as MathML, whether it has kinks (where one side's derivative is
// used), or the first problem and its column.
type formulaReply struct {
	MathML string        `json:"mathml,omitempty"`
	Kinks  bool          `json:"kinks,omitempty"`
	Error  *formulaError `json:"error,omitempty"`
}

type formulaError struct {
	Column  int    `json:"column"` // 1-based; 0 for the whole formula
	Message string `json:"message"`
}

// handleFormula reads ?f=FORMULA and answers formulaReply: a check of the
// formula without building a race, for the page's live echo.
func handleFormula() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var reply formulaReply
		e, err := expr.Parse(r.URL.Query().Get("f"))
		var pe *expr.Error
		switch {
		case errors.As(err, &pe):
			reply.Error = &formulaError{Column: pe.Col, Message: pe.Error()}
		case err != nil:
			reply.Error = &formulaError{Message: err.Error()}
		default:
			reply.MathML, reply.Kinks = pages.FormulaMathML(e.Root), e.Kinks()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(reply)
	})
}

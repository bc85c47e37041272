package web

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The formula check answers MathML for a good formula and the column and
// message of a bad one's first problem.
func TestHandleFormula(t *testing.T) {
	h := handleFormula()
	for f, want := range map[string]formulaReply{
		"abs(x) + y^2":            {Kinks: true},
		"x + y^":                  {Error: &formulaError{Column: 7, Message: `column 7: expected an expression after "^"`}},
		"":                        {Error: &formulaError{Column: 1, Message: "column 1: expected an expression"}},
		strings.Repeat("x", 2001): {Error: &formulaError{Column: 0, Message: "at most 2000 are accepted"}},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/formula?f="+url.QueryEscape(f), nil))
		var got formulaReply
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
			t.Fatalf("%.20q: %d %v", f, rec.Code, err)
		}
		switch {
		case want.Error == nil && (got.Error != nil || !strings.HasPrefix(got.MathML, "<math") || got.Kinks != want.Kinks):
			t.Errorf("%q: %+v", f, got)
		case want.Error != nil && (got.Error == nil || got.Error.Column != want.Error.Column || !strings.Contains(got.Error.Message, want.Error.Message)):
			t.Errorf("%.20q: %+v, want %+v", f, got.Error, want.Error)
		}
	}
}

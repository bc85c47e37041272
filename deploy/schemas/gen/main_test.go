package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// expand inlines every $ref, closes objects with properties, writes
// int-or-string as a oneOf, and refuses a recursive definition.
func TestExpand(t *testing.T) {
	var defs map[string]any
	json.Unmarshal([]byte(`{
		"Port": {"type": "object", "properties": {"number": {"type": "integer"}, "target": {"type": "string", "format": "int-or-string"}}},
		"Svc": {"type": "object", "properties": {"ports": {"type": "array", "items": {"$ref": "#/definitions/Port"}}}, "additionalProperties": true},
		"Loop": {"type": "object", "properties": {"next": {"$ref": "#/definitions/Loop"}}}
	}`), &defs)
	got, err := expand(defs["Svc"], defs, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	for _, want := range []string{`"items":{"additionalProperties":false,"properties":{"number":{"type":"integer"},"target":{"oneOf":[{"type":"string"},{"type":"integer"}]}}`, `"additionalProperties":true,"properties"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	if _, err := expand(defs["Loop"], defs, nil); err == nil || !strings.Contains(err.Error(), "recursive") {
		t.Errorf("a recursive definition gave %v", err)
	}
}

// Command gen writes the JSON schemas that `make check` validates the
// Kubernetes manifests (deploy/k8s) against with kubeconform, offline: the
// kinds the manifests use, from Kubernetes' own OpenAPI definitions, each
// standalone (every $ref expanded) and strict (no property a definition
// does not name), as kubeconform's schema repository has them.
//
//	go mod download -json k8s.io/kubernetes@v1.31.4   # "Dir": the module
//	go run ./deploy/schemas/gen -swagger DIR/api/openapi-spec/swagger.json -o deploy/schemas
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// kinds are the definitions the manifests need, by kubeconform's file name.
var kinds = map[string]string{
	"deployment-apps-v1":                     "io.k8s.api.apps.v1.Deployment",
	"service-v1":                             "io.k8s.api.core.v1.Service",
	"horizontalpodautoscaler-autoscaling-v2": "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
	"poddisruptionbudget-policy-v1":          "io.k8s.api.policy.v1.PodDisruptionBudget",
}

func main() {
	swagger := flag.String("swagger", "", "Kubernetes' api/openapi-spec/swagger.json")
	out := flag.String("o", "deploy/schemas", "directory for the schemas")
	flag.Parse()
	if err := run(*swagger, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(swagger, out string) error {
	b, err := os.ReadFile(swagger)
	if err != nil {
		return err
	}
	var doc struct {
		Definitions map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	for file, name := range kinds {
		def, ok := doc.Definitions[name]
		if !ok {
			return fmt.Errorf("%s is not in %s", name, swagger)
		}
		s, err := expand(def, doc.Definitions, nil)
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		s.(map[string]any)["$schema"] = "http://json-schema.org/schema#"
		js, err := json.MarshalIndent(s, "", " ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, file+".json"), append(js, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// expand returns the schema with every $ref replaced by its definition,
// objects with properties closed to others, and Kubernetes' int-or-string
// written as JSON schema says it; path guards against a recursive type.
func expand(v any, defs map[string]any, path []string) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = expand(e, defs, path); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/definitions/")
			for _, p := range path {
				if p == name {
					return nil, fmt.Errorf("recursive definition %s", strings.Join(append(path, name), " → "))
				}
			}
			def, ok := defs[name]
			if !ok {
				return nil, fmt.Errorf("no definition %s", name)
			}
			return expand(def, defs, append(path, name))
		}
		out := map[string]any{}
		for k, e := range x {
			var err error
			if out[k], err = expand(e, defs, path); err != nil {
				return nil, err
			}
		}
		if out["format"] == "int-or-string" {
			delete(out, "type")
			delete(out, "format")
			out["oneOf"] = []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}
		}
		if _, ok := out["properties"]; ok {
			if _, set := out["additionalProperties"]; !set {
				out["additionalProperties"] = false
			}
		}
		return out, nil
	}
	return v, nil
}

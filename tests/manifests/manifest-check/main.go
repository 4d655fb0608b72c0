// Command manifest-check renders and validates the repository's manifests without a cluster,
// with the code a real API server runs:
//
//	manifest-check build DIR        kustomize build, as `kubectl apply -k DIR` does
//	manifest-check validate FILE…   strict decoding of built-in kinds; OpenAPI schema, unknown
//	                                fields and CEL rules of Istio's CRDs
//	manifest-check analyze FILE…    every Istio analyzer, Pods and Services in the files included
//
// validate prints one JSON line per document and exits 1 if any document is invalid; analyze
// prints the analyzers' messages as a JSON array.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	istiolog "istio.io/istio/pkg/log"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: manifest-check build DIR | validate FILE… | analyze FILE…")
		os.Exit(2)
	}
	// Standard output carries the results; Istio's libraries log, warnings and worse only, to stderr.
	logging := istiolog.DefaultOptions()
	logging.OutputPaths = []string{"stderr"}
	logging.SetDefaultOutputLevel(istiolog.OverrideScopeName, istiolog.WarnLevel)
	if err := istiolog.Configure(logging); err != nil {
		fmt.Fprintln(os.Stderr, "manifest-check:", err)
		os.Exit(1)
	}
	var err error
	switch os.Args[1] {
	case "build":
		err = build(os.Args[2], os.Stdout)
	case "validate":
		err = validateFiles(os.Args[2:], os.Stdout)
	case "analyze":
		err = analyze(os.Args[2:], os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "manifest-check:", err)
		os.Exit(1)
	}
}

func build(dir string, out io.Writer) error {
	options := krusty.MakeDefaultOptions()
	// kubectl's default: namespaces, config and accounts before the workloads that use them.
	options.Reorder = krusty.ReorderOptionUnspecified
	resources, err := krusty.MakeKustomizer(options).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return err
	}
	yaml, err := resources.AsYaml()
	if err != nil {
		return err
	}
	_, err = out.Write(yaml)
	return err
}

// result is what validate reports for one YAML document.
type result struct {
	File     string   `json:"file"`
	Document int      `json:"document"`
	Kind     string   `json:"kind,omitempty"`
	Name     string   `json:"name,omitempty"`
	Errors   []string `json:"errors"`
}

var errInvalid = errors.New("invalid manifests")

func validateFiles(files []string, out io.Writer) error {
	istio, err := newIstioValidator()
	if err != nil {
		return err
	}
	encoder := json.NewEncoder(out)
	invalid := false
	for _, file := range files {
		results, err := validateFile(file, istio)
		if err != nil {
			return err
		}
		for _, r := range results {
			invalid = invalid || len(r.Errors) > 0
			if err := encoder.Encode(r); err != nil {
				return err
			}
		}
	}
	if invalid {
		return errInvalid
	}
	return nil
}

func validateFile(file string, istio *istioValidator) ([]result, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	reader := kubeyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var results []result
	for index := 0; ; index++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return results, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		r := validateDocument(doc, istio)
		r.File, r.Document = file, index
		results = append(results, r)
	}
}

func stripComments(doc []byte) []byte {
	var kept [][]byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 && trimmed[0] != '#' && !bytes.Equal(trimmed, []byte("---")) {
			kept = append(kept, line)
		}
	}
	return bytes.Join(kept, []byte("\n"))
}

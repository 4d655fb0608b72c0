package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"istio.io/istio/pkg/config/analysis/analyzers"
	"istio.io/istio/pkg/config/analysis/local"
	"istio.io/istio/pkg/config/resource"
)

// analyze runs every Istio analyzer over the files, as Istio's own analyzer tests do.
//
// `istioctl analyze --use-kube=false` does not read Pods, Services, Namespaces or Secrets from
// files, and therefore skips every analyzer that needs one of them: destination hosts, selectors,
// authorization principals, gateway secrets, port names, injection. Here those objects are read
// too, so the cluster state the labs create (namespaces, running pods, the TLS secret) can be
// given as files and every analyzer runs. It prints the messages as JSON, like `istioctl analyze
// -o json`, and fails if an analyzer was skipped.
func analyze(files []string, out io.Writer) error {
	analyzer := local.NewSourceAnalyzer(analyzers.AllCombined(), "", resource.Namespace("istio-system"), nil)
	readers := make([]local.ReaderSource, 0, len(files))
	for _, file := range files {
		reader, err := os.Open(file)
		if err != nil {
			return err
		}
		defer reader.Close()
		readers = append(readers, local.ReaderSource{Name: file, Reader: reader})
	}
	if err := analyzer.AddTestReaderKubeSource(readers); err != nil {
		return err
	}
	if err := analyzer.AddDefaultResources(); err != nil {
		return err
	}
	cancel := make(chan struct{})
	defer close(cancel)
	result, err := analyzer.Analyze(cancel)
	if err != nil {
		return err
	}
	if len(result.SkippedAnalyzers) > 0 {
		return fmt.Errorf("analyzers skipped for lack of input: %v", result.SkippedAnalyzers)
	}
	messages := make([]map[string]any, 0, len(result.Messages))
	for _, message := range result.Messages {
		messages = append(messages, message.Unstructured(true))
	}
	encoder := json.NewEncoder(out)
	encoder.SetIndent("", "  ")
	return encoder.Encode(messages)
}

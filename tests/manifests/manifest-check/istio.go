package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"istio.io/istio/manifests"
	"istio.io/istio/pkg/config/crd"
)

// istioValidator checks Istio resources against the CRDs shipped with the same Istio version as
// istioctl: OpenAPI schema, list types, pruning (unknown fields) and the CEL validation rules.
type istioValidator struct{ crds *crd.Validator }

func newIstioValidator() (*istioValidator, error) {
	definitions, err := fs.ReadFile(manifests.FS, "charts/base/files/crd-all.gen.yaml")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "manifest-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "crd-all.gen.yaml")
	if err := os.WriteFile(file, definitions, 0o600); err != nil {
		return nil, err
	}
	validator, err := crd.NewValidatorFromFilesWithOptions([]string{file}, crd.WithoutCRDValidation())
	if err != nil {
		return nil, fmt.Errorf("loading Istio CRDs: %w", err)
	}
	return &istioValidator{crds: validator}, nil
}

func (v *istioValidator) validate(object *unstructured.Unstructured) error {
	return v.crds.ValidateCustomResource(object)
}

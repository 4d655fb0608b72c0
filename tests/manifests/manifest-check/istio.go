package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
	celconfig "k8s.io/apiserver/pkg/apis/cel"

	"istio.io/istio/manifests"
)

// crdVersion is what the API server checks for one version of a custom resource.
type crdVersion struct {
	schema     validation.SchemaCreateValidator
	structural *structuralschema.Structural
	cel        *cel.Validator
}

// istioValidator checks Istio resources as an API server with Istio's CRDs installed would: the
// OpenAPI schema, list types, unknown fields (pruning) and the CEL validation rules. The CRDs are
// those shipped with the Istio version istioctl is built from.
type istioValidator struct {
	versions map[schema.GroupVersionKind]crdVersion
}

func newIstioValidator() (*istioValidator, error) {
	definitions, err := fs.ReadFile(manifests.FS, "charts/base/files/crd-all.gen.yaml")
	if err != nil {
		return nil, err
	}
	v := &istioValidator{versions: map[schema.GroupVersionKind]crdVersion{}}
	decoder := kubeyaml.NewYAMLOrJSONDecoder(bytes.NewReader(definitions), 4096)
	for {
		object := &unstructured.Unstructured{}
		if err := decoder.Decode(object); errors.Is(err, io.EOF) {
			return v, nil
		} else if err != nil {
			return nil, fmt.Errorf("reading Istio CRDs: %w", err)
		}
		if object.GetKind() != "CustomResourceDefinition" {
			continue
		}
		if err := v.add(object); err != nil {
			return nil, fmt.Errorf("CRD %s: %w", object.GetName(), err)
		}
	}
}

func (v *istioValidator) add(object *unstructured.Unstructured) error {
	external := &apiextensionsv1.CustomResourceDefinition{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(object.Object, external); err != nil {
		return err
	}
	definition := &apiextensions.CustomResourceDefinition{}
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(external, definition, nil); err != nil {
		return err
	}
	for _, version := range definition.Spec.Versions {
		// The internal form keeps a schema that all versions share once, at the top.
		versionSchema := version.Schema
		if versionSchema == nil {
			versionSchema = definition.Spec.Validation
		}
		if versionSchema == nil {
			return fmt.Errorf("version %s has no schema", version.Name)
		}
		schemaValidator, _, err := validation.NewSchemaValidator(versionSchema.OpenAPIV3Schema)
		if err != nil {
			return err
		}
		structural, err := structuralschema.NewStructural(versionSchema.OpenAPIV3Schema)
		if err != nil {
			return err
		}
		gvk := schema.GroupVersionKind{Group: definition.Spec.Group, Version: version.Name, Kind: definition.Spec.Names.Kind}
		v.versions[gvk] = crdVersion{
			schema:     schemaValidator,
			structural: structural,
			cel:        cel.NewValidator(structural, true, celconfig.PerCallLimit),
		}
	}
	return nil
}

func (v *istioValidator) validate(object *unstructured.Unstructured) error {
	version, found := v.versions[object.GroupVersionKind()]
	if !found {
		return fmt.Errorf("no Istio CRD defines %s", object.GroupVersionKind())
	}
	content := object.DeepCopy().Object
	structuraldefaulting.Default(content, version.structural)
	if errs := validation.ValidateCustomResource(nil, content, version.schema); len(errs) > 0 {
		return errs.ToAggregate()
	}
	if errs := structurallisttype.ValidateListSetsAndMaps(nil, version.structural, content); len(errs) > 0 {
		return errs.ToAggregate()
	}
	unknown := structuralpruning.PruneWithOptions(object.DeepCopy().Object, version.structural, false,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	var reported []string
	for _, path := range unknown {
		// The CRDs leave metadata to the API server, which checks it for every kind.
		if !strings.HasPrefix(path, "metadata.") {
			reported = append(reported, path)
		}
	}
	if len(reported) > 0 {
		return fmt.Errorf("unknown fields %v", reported)
	}
	if version.cel != nil {
		errs, _ := version.cel.Validate(context.Background(), nil, version.structural, content, nil, celconfig.RuntimeCELCostBudget)
		if len(errs) > 0 {
			return errs.ToAggregate()
		}
	}
	return nil
}

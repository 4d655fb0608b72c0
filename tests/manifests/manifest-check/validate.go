package main

import (
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// Strict decoding is what the API server does with `fieldValidation=Strict` (kubectl's default
// since 1.27): unknown and duplicate fields are errors, as are values of the wrong type or format.
var strictDecoder = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

func validateDocument(doc []byte, istio *istioValidator) result {
	r := result{Errors: []string{}}
	// YAMLToJSONStrict reads YAML as kubectl does (YAML 1.1 scalars) and refuses duplicate keys.
	data, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		r.Errors = append(r.Errors, err.Error())
		return r
	}
	object := &unstructured.Unstructured{}
	if err := object.UnmarshalJSON(data); err != nil {
		r.Errors = append(r.Errors, err.Error())
		return r
	}
	r.Kind, r.Name = object.GetKind(), object.GetName()
	gvk := object.GroupVersionKind()

	if strings.HasSuffix(gvk.Group, ".istio.io") {
		if err := istio.validate(object); err != nil {
			r.Errors = append(r.Errors, err.Error())
		}
		return r
	}
	if !scheme.Scheme.Recognizes(gvk) {
		r.Errors = append(r.Errors, "no schema for "+gvk.String()+": not a built-in Kubernetes kind or an Istio kind")
		return r
	}
	if _, _, err := strictDecoder.Decode(data, nil, nil); err != nil {
		r.Errors = append(r.Errors, err.Error())
	}
	return r
}

package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xds"
)

// The mesh as the labs build it: `kubectl kustomize k8s`, istio/ file by file, and one running pod
// per Deployment. istiod's own config pipeline (a FakeDiscoveryServer) compiles it into the Envoy
// configuration each proxy would get, and Istio's simulator replays calls against that.

const (
	repoRoot       = "../../.."
	inClusterKeys  = "http://keycloak.demo.svc.cluster.local:8080"
	ingressGateway = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"
)

// mesh is the compiled configuration of one cluster state.
type mesh struct {
	t      *testing.T
	server *xds.FakeDiscoveryServer
	pods   map[string]*corev1.Pod
}

// kubeObjects renders k8s/ and returns, as YAML, what istiod's service registry reads: Namespaces,
// Services, and a running pod per Deployment whose container ports carry the names the Services'
// target ports use. The pods are returned too, by app label.
func kubeObjects(t *testing.T) (string, map[string]*corev1.Pod) {
	t.Helper()
	var rendered bytes.Buffer
	if err := build(filepath.Join(repoRoot, "k8s"), &rendered); err != nil {
		t.Fatalf("kustomize build k8s: %v", err)
	}
	docs := []string{"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n"}
	pods := map[string]*corev1.Pod{}
	decoder := kubeyaml.NewYAMLOrJSONDecoder(&rendered, 4096)
	for index := 0; ; index++ {
		var object map[string]any
		if err := decoder.Decode(&object); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("k8s document %d: %v", index, err)
		}
		raw, err := yaml.Marshal(object)
		if err != nil {
			t.Fatal(err)
		}
		switch object["kind"] {
		case "Namespace", "Service":
			docs = append(docs, string(raw))
		case "Deployment":
			var deployment appsv1.Deployment
			if err := yaml.Unmarshal(raw, &deployment); err != nil {
				t.Fatal(err)
			}
			pod := runningPod(&deployment, len(pods)+1)
			podYAML, err := yaml.Marshal(pod)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, string(podYAML))
			pods[pod.Labels["app"]] = pod
		}
	}
	return strings.Join(docs, "---\n"), pods
}

func runningPod(deployment *appsv1.Deployment, index int) *corev1.Pod {
	template := deployment.Spec.Template
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      deployment.Name + "-0",
			Namespace: deployment.Namespace,
			Labels:    template.Labels,
		},
		Spec: template.Spec,
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			PodIP:      fmt.Sprintf("10.0.0.%d", index),
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}
}

// istioFile reads one file of istio/, with the key set URL pointed at keys (a loopback stand-in
// for Keycloak): istiod fetches it while it compiles, and the cluster's name resolves nowhere here.
func istioFile(t *testing.T, name, keys string) string {
	t.Helper()
	content, err := os.ReadFile(filepath.Join(repoRoot, "istio", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(content), inClusterKeys, keys)
}

// keyServer serves a key set the way Keycloak does, or refuses it with the status given.
func keyServer(t *testing.T, status int) string {
	t.Helper()
	keySet := publicKeySet(t)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if status != http.StatusOK {
			http.Error(w, "RBAC: access denied", status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(keySet)
	}))
	t.Cleanup(server.Close)
	return server.URL
}

// newMesh compiles the k8s/ objects and the given istio/ files.
func newMesh(t *testing.T, keys string, istioFiles ...string) *mesh {
	t.Helper()
	kube, pods := kubeObjects(t)
	var config []string
	for _, file := range istioFiles {
		config = append(config, istioFile(t, file, keys))
	}
	server := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{
		KubernetesObjectString: kube,
		ConfigString:           strings.Join(config, "\n---\n"),
	})
	return &mesh{t: t, server: server, pods: pods}
}

// sidecar is the proxy of the running pod of an app.
func (m *mesh) sidecar(app string) *simulation.Simulation {
	m.t.Helper()
	pod, found := m.pods[app]
	if !found {
		m.t.Fatalf("k8s/ has no Deployment with the pod label app=%s", app)
	}
	proxy := m.server.SetupProxy(&model.Proxy{
		Type:            model.SidecarProxy,
		ID:              pod.Name + "." + pod.Namespace,
		IPAddresses:     []string{pod.Status.PodIP},
		ConfigNamespace: pod.Namespace,
		Labels:          pod.Labels,
		Metadata: &model.NodeMetadata{
			Namespace:      pod.Namespace,
			Labels:         pod.Labels,
			ServiceAccount: pod.Spec.ServiceAccountName,
		},
	})
	return simulation.NewSimulation(m.t, m.server, proxy)
}

// ingressGatewayProxy is the proxy of Istio's ingress gateway (istio: ingressgateway).
func (m *mesh) ingressGatewayProxy() *simulation.Simulation {
	labels := map[string]string{"istio": "ingressgateway"}
	proxy := m.server.SetupProxy(&model.Proxy{
		Type:            model.Router,
		ID:              "istio-ingressgateway-0.istio-system",
		ConfigNamespace: "istio-system",
		Labels:          labels,
		Metadata:        &model.NodeMetadata{Namespace: "istio-system", Labels: labels},
	})
	return simulation.NewSimulation(m.t, m.server, proxy)
}

// targetPorts are the container ports the Services of an app send traffic to.
func (m *mesh) targetPorts(app string) []int {
	m.t.Helper()
	pod := m.pods[app]
	var ports []int
	for _, container := range pod.Spec.Containers {
		for _, port := range container.Ports {
			ports = append(ports, int(port.ContainerPort))
		}
	}
	return ports
}

// publicKeySet is a fresh RSA public key in JWKS form; no token is signed with it, the tests only
// look for it in the sidecars' configuration.
func publicKeySet(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	encode := base64.RawURLEncoding.EncodeToString
	set, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kid": "lab-key", "kty": "RSA", "alg": "RS256", "use": "sig",
		"n": encode(key.N.Bytes()), "e": encode(big.NewInt(int64(key.E)).Bytes()),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

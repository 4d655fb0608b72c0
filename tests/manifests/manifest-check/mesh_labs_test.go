package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	jwtauthn "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/jwt_authn/v3"
	rbac "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	"google.golang.org/protobuf/encoding/protojson"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xdstest"
)

// The files of each lab's cluster state, in the order the labs apply them.
var (
	permissiveFiles = []string{"01-ingress.yaml", "02-destination-rules.yaml"}
	strictFiles     = append(slices.Clone(permissiveFiles), "03-mtls-strict.yaml")
	authorizedFiles = append(slices.Clone(strictFiles), "04-request-authentication.yaml", "05-authorization.yaml")
	exchangeFiles   = append(slices.Clone(authorizedFiles), "07-token-exchange.yaml")
)

func inbound(port int, tls simulation.TLSMode) simulation.Call {
	return simulation.Call{Port: port, Protocol: simulation.HTTP, TLS: tls, CallMode: simulation.CallModeInbound}
}

func accepted(port int) simulation.Result {
	return simulation.Result{ClusterMatched: fmt.Sprintf("inbound|%d||", port)}
}

var refused = simulation.Result{Error: simulation.ErrNoFilterChain}

func TestLab6MutualTLSTable(t *testing.T) {
	keys := keyServer(t, http.StatusOK)
	permissive := newMesh(t, keys, permissiveFiles...)
	strict := newMesh(t, keys, strictFiles...)
	webAPIPort := 8081

	t.Run("plain HTTP from outside the mesh reaches web-api under PERMISSIVE", func(t *testing.T) {
		permissive.sidecar("web-api").Run(inbound(webAPIPort, simulation.Plaintext)).Matches(t, accepted(webAPIPort))
	})
	t.Run("plain HTTP matches no filter chain of web-api under STRICT (the reset curl shows)", func(t *testing.T) {
		strict.sidecar("web-api").Run(inbound(webAPIPort, simulation.Plaintext)).Matches(t, refused)
	})
	for name, state := range map[string]*mesh{"PERMISSIVE": permissive, "STRICT": strict} {
		t.Run("mTLS from a mesh workload reaches web-api under "+name, func(t *testing.T) {
			state.sidecar("web-api").Run(inbound(webAPIPort, simulation.MTLS)).Matches(t, accepted(webAPIPort))
		})
	}
	// The one exception of 03-mtls-strict.yaml: istiod, which has no sidecar, fetches the keys.
	t.Run("under STRICT only Keycloak's HTTP port 8080 accepts plain HTTP", func(t *testing.T) {
		for app := range strict.pods {
			for _, port := range strict.targetPorts(app) {
				want := refused
				if app == "keycloak" && port == 8080 {
					want = accepted(port)
				}
				t.Run(fmt.Sprintf("%s:%d", app, port), func(t *testing.T) {
					strict.sidecar(app).Run(inbound(port, simulation.Plaintext)).Matches(t, want)
				})
			}
		}
	})
}

func TestLab3GatewayRoutes(t *testing.T) {
	gateway := newMesh(t, keyServer(t, http.StatusOK), permissiveFiles...).ingressGatewayProxy()
	https := func(path string) simulation.Call {
		return simulation.Call{
			Port: 443, Protocol: simulation.HTTP, TLS: simulation.TLS, HostHeader: "demo.k8s.local",
			Path: path, CallMode: simulation.CallModeGateway,
		}
	}
	routes := map[string]string{
		"/auth/realms/quarkus/protocol/openid-connect/token":     "outbound|8080||keycloak.demo.svc.cluster.local",
		"/auth/resources/abc12/login/keycloak.v2/css/styles.css": "outbound|8080||keycloak.demo.svc.cluster.local",
		"/articles":        "outbound|8081||web-api.demo.svc.cluster.local",
		"/":                "outbound|80||web-app.demo.svc.cluster.local",
		"/assets/index.js": "outbound|80||web-app.demo.svc.cluster.local",
		"/authx":           "outbound|80||web-app.demo.svc.cluster.local",
		"/articlesfoo":     "outbound|80||web-app.demo.svc.cluster.local",
	}
	for path, cluster := range routes {
		t.Run("https://demo.k8s.local"+path+" reaches "+cluster, func(t *testing.T) {
			result := gateway.Run(https(path))
			if result.Error != nil || result.ClusterMatched != cluster {
				t.Errorf("Lab 3: %s: got cluster %q (route %q, error %v), want %q",
					path, result.ClusterMatched, result.RouteMatched, result.Error, cluster)
			}
		})
	}
	// Keycloak's reverse-proxy guide: never expose the admin console, its REST API or the master realm.
	for _, path := range []string{"/auth", "/auth/", "/auth/admin/", "/auth/admin/master/console/",
		"/auth/admin/realms/quarkus/users", "/auth/realms/master/protocol/openid-connect/token", "/auth/realms/quarkusx"} {
		t.Run("https://demo.k8s.local"+path+" reaches no backend", func(t *testing.T) {
			result := gateway.Run(https(path))
			if result.Error != nil || result.RouteMatched != "keycloak-not-exposed" || result.ClusterMatched != "" {
				t.Errorf("Lab 3: %s must be answered by the gateway's route keycloak-not-exposed, got route %q cluster %q error %v",
					path, result.RouteMatched, result.ClusterMatched, result.Error)
			}
		})
	}
	t.Run("client-sent forwarding headers never reach Keycloak", func(t *testing.T) {
		var removed []string
		for _, config := range gateway.Routes {
			for _, host := range config.GetVirtualHosts() {
				for _, r := range host.GetRoutes() {
					if r.GetName() == "keycloak" {
						removed = append(removed, r.GetRequestHeadersToRemove()...)
					}
				}
			}
		}
		for _, header := range []string{"x-forwarded-host", "x-forwarded-port", "x-forwarded-prefix", "forwarded"} {
			if !slices.Contains(removed, header) {
				t.Errorf("Lab 4: the gateway must remove %s before Keycloak (which trusts X-Forwarded-*), removes %v", header, removed)
			}
		}
	})
	t.Run("port 80 redirects to HTTPS", func(t *testing.T) {
		gateway.Run(simulation.Call{
			Port: 80, Protocol: simulation.HTTP, HostHeader: "demo.k8s.local", Path: "/",
			CallMode: simulation.CallModeGateway,
		}).Matches(t, simulation.Result{Error: simulation.ErrTLSRedirect})
	})
	t.Run("the TLS server of demo.k8s.local uses the secret demo-credential", func(t *testing.T) {
		result := gateway.Run(https("/"))
		l := xdstest.ExtractListener(result.ListenerMatched, gateway.Listeners)
		if l == nil {
			t.Fatalf("Lab 3: no listener for HTTPS on 443 (%v)", result.Error)
		}
		secrets := slices.DeleteFunc(xdstest.ExtractListenerSecretResources(t, l), func(name string) bool { return name == "" })
		if !slices.Equal(secrets, []string{"kubernetes://demo-credential"}) {
			t.Errorf("Lab 3: the HTTPS listener uses the secrets %v, want only kubernetes://demo-credential", secrets)
		}
	})
}

// inboundHTTPFilters is the HTTP filter chain web-api's or articles' sidecar runs for an mTLS call.
func inboundHTTPFilters(t *testing.T, sim *simulation.Simulation, port int) (*listener.FilterChain, []string) {
	t.Helper()
	result := sim.Run(inbound(port, simulation.MTLS))
	if result.Error != nil {
		t.Fatalf("Lab 7: an mTLS call to port %d matches nothing: %v", port, result.Error)
	}
	chain := xdstest.ExtractFilterChain(result.FilterChainMatched, xdstest.ExtractListener(result.ListenerMatched, sim.Listeners))
	_, httpFilters := xdstest.ExtractFilterNames(t, chain)
	return chain, httpFilters
}

func httpFilterConfig[T any](t *testing.T, chain *listener.FilterChain, name string) []*T {
	t.Helper()
	var configs []*T
	for _, filter := range xdstest.ExtractHTTPConnectionManager(t, chain).GetHttpFilters() {
		if filter.GetName() == name {
			configs = append(configs, xdstest.UnmarshalAny[T](t, filter.GetTypedConfig()))
		}
	}
	return configs
}

func TestLab7FilterOrderAndPrincipals(t *testing.T) {
	state := newMesh(t, keyServer(t, http.StatusOK), authorizedFiles...)
	services := []struct {
		app     string
		port    int
		allowed string
	}{
		{"web-api", 8081, ingressGateway},
		{"articles", 8082, "cluster.local/ns/demo/sa/web-api"},
	}
	for _, service := range services {
		t.Run(service.app, func(t *testing.T) {
			chain, names := inboundHTTPFilters(t, state.sidecar(service.app), service.port)
			jwt := slices.Index(names, "envoy.filters.http.jwt_authn")
			firstRBAC := slices.Index(names, "envoy.filters.http.rbac")
			if jwt < 0 || firstRBAC < 0 || jwt > firstRBAC {
				t.Errorf("Lab 7: %s's sidecar must check the token (jwt_authn) before the policies (rbac): %v", service.app, names)
			}
			for _, authn := range httpFilterConfig[jwtauthn.JwtAuthentication](t, chain, "envoy.filters.http.jwt_authn") {
				for name, provider := range authn.GetProviders() {
					headers := provider.GetFromHeaders()
					if len(headers) != 1 || headers[0].GetName() != "Authorization" || headers[0].GetValuePrefix() != "Bearer " ||
						len(provider.GetFromParams()) > 0 || len(provider.GetFromCookies()) > 0 {
						t.Errorf("Lab 7: %s's token provider %s must read the token from the Authorization header only "+
							"(the services refuse ?access_token=): headers %v, params %v", service.app, name, headers, provider.GetFromParams())
					}
				}
			}
			allow, deny := rbacPolicies(t, chain)
			// allow-nothing compiles to an ALLOW rule that matches nothing.
			allowPolicy := fmt.Sprintf("ns[demo]-policy[%s]-rule[0] ", service.app)
			if len(allow) != 2 || !strings.HasPrefix(allow[0], "ns[demo]-policy[allow-nothing]-rule[0] ") ||
				!strings.HasPrefix(allow[1], allowPolicy) || !strings.Contains(allow[1], `"spiffe://`+service.allowed+`"`) {
				t.Errorf("Lab 7: %s's ALLOW rules must be allow-nothing's and %sfor spiffe://%s, compiled: %v",
					service.app, allowPolicy, service.allowed, allow)
			}
			if len(deny) != 1 || !strings.HasPrefix(deny[0], fmt.Sprintf("ns[demo]-policy[%s-require-token]-rule[0] ", service.app)) {
				t.Errorf("Lab 7: %s's only DENY rule must be %s-require-token, compiled: %v", service.app, service.app, deny)
			}
		})
	}
}

// jwksOf is the key set web-api's sidecar checks tokens with.
func jwksOf(t *testing.T, state *mesh) []string {
	t.Helper()
	chain, _ := inboundHTTPFilters(t, state.sidecar("web-api"), 8081)
	var sets []string
	for _, authn := range httpFilterConfig[jwtauthn.JwtAuthentication](t, chain, "envoy.filters.http.jwt_authn") {
		for _, provider := range authn.GetProviders() {
			sets = append(sets, provider.GetLocalJwks().GetInlineString())
		}
	}
	if len(sets) == 0 {
		t.Fatal("Lab 7: web-api's sidecar has no token provider")
	}
	return sets
}

// What apply-authorization.sh's order protects against: if Keycloak refuses istiod's key fetch when
// a RequestAuthentication arrives, the sidecars get a key set nobody can sign for, until istiod's
// next refresh (PILOT_JWT_PUB_KEY_REFRESH_INTERVAL). tests/manifests/scripts.test.ts checks that
// the script never applies a RequestAuthentication while Keycloak refuses that fetch.
func TestLab7KeysWhenIstiodsFetchIsRefused(t *testing.T) {
	t.Run("Keycloak serves the keys: the sidecars get them", func(t *testing.T) {
		for _, set := range jwksOf(t, newMesh(t, keyServer(t, http.StatusOK), authorizedFiles...)) {
			if !strings.Contains(set, `"kid":"lab-key"`) {
				t.Errorf("Lab 7: web-api's sidecar did not get Keycloak's keys: %s", set)
			}
		}
	})
	t.Run("Keycloak refuses istiod (RBAC: access denied): the sidecars fail closed", func(t *testing.T) {
		for _, set := range jwksOf(t, newMesh(t, keyServer(t, http.StatusForbidden), authorizedFiles...)) {
			if set != model.PublicOnlyJwks {
				t.Errorf("Lab 7: expected istiod's fail-closed key set, got %s", set)
			}
		}
	})
}

// rbacPolicies are the compiled RBAC policies of a filter chain, "name {json}", by action.
func rbacPolicies(t *testing.T, chain *listener.FilterChain) (allow, deny []string) {
	t.Helper()
	for _, config := range httpFilterConfig[rbac.RBAC](t, chain, "envoy.filters.http.rbac") {
		rules := config.GetRules()
		for name, policy := range rules.GetPolicies() {
			compiled, err := protojson.Marshal(policy)
			if err != nil {
				t.Fatal(err)
			}
			if rules.GetAction().String() == "DENY" {
				deny = append(deny, name+" "+string(compiled))
			} else {
				allow = append(allow, name+" "+string(compiled))
			}
		}
	}
	slices.Sort(allow)
	slices.Sort(deny)
	return allow, deny
}

func TestLab11TokenExchangePolicies(t *testing.T) {
	state := newMesh(t, keyServer(t, http.StatusOK), exchangeFiles...)
	webAPI := `"spiffe://cluster.local/ns/demo/sa/web-api"`

	chain, _ := inboundHTTPFilters(t, state.sidecar("articles"), 8082)
	allow, deny := rbacPolicies(t, chain)
	if len(allow) != 2 || !strings.HasPrefix(allow[1], "ns[demo]-policy[articles]-rule[0] ") || !strings.Contains(allow[1], webAPI) {
		t.Errorf("Lab 11: articles keeps lab 7's ALLOW rule for web-api, compiled: %v", allow)
	}
	exchanged := "ns[demo]-policy[articles-exchanged-tokens-only]-rule[0] "
	if len(deny) != 2 || !strings.HasPrefix(deny[0], exchanged) ||
		!strings.Contains(deny[0], `"azp"`) || !strings.Contains(deny[0], `"web-api"`) ||
		!strings.HasPrefix(deny[1], "ns[demo]-policy[articles-require-token]-rule[0] ") {
		t.Errorf("Lab 11: articles must deny tokens whose azp is not web-api (%s) beside articles-require-token, compiled: %v", exchanged, deny)
	}

	chain, _ = inboundHTTPFilters(t, state.sidecar("keycloak"), 8080)
	allow, _ = rbacPolicies(t, chain)
	var exchange string
	for _, entry := range allow {
		if strings.HasPrefix(entry, "ns[demo]-policy[keycloak-token-exchange]-rule[0] ") {
			exchange = entry
		}
	}
	if !strings.Contains(exchange, webAPI) || !strings.Contains(exchange, "/auth/realms/quarkus/protocol/openid-connect/token") {
		t.Errorf("Lab 11: Keycloak must let web-api POST its token endpoint, compiled ALLOW rules: %v", allow)
	}
}

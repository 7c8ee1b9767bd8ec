// xds-dump connects to istiod's plaintext xDS port as a gateway proxy (node type `router`) and prints, as one
// JSON object, the listeners, routes and clusters it receives, plus every resource that fails the
// protoc-gen-validate rules Envoy applies before accepting a resource (an Envoy would NACK those).
//
// It is test infrastructure for net-higress: the Higress gateway is a fork of Istio's gateway proxy, and no
// Envoy runs here, so this is what stands in for "what the gateway receives".
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	// Registers every Envoy extension type istiod may put into an Any, so they print as JSON.
	_ "istio.io/istio/pkg/config/xds"
)

const (
	clusterType  = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	listenerType = "type.googleapis.com/envoy.config.listener.v3.Listener"
	routeType    = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
)

type invalid struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Error string `json:"error"`
}

type dump struct {
	Listeners []json.RawMessage `json:"listeners"`
	Routes    []json.RawMessage `json:"routes"`
	Clusters  []json.RawMessage `json:"clusters"`
	Invalid   []invalid         `json:"invalid"`
}

// validatable is what protoc-gen-validate generates on every Envoy message.
type validatable interface{ ValidateAll() error }

func main() {
	addr := flag.String("xds", "", "istiod plaintext xDS address host:port")
	id := flag.String("id", "", "node id, e.g. router~10.0.0.1~higress-gateway-0.higress-system~higress-system.svc.cluster.local")
	namespace := flag.String("namespace", "higress-system", "proxy namespace (metadata NAMESPACE)")
	podName := flag.String("pod", "higress-gateway-0", "proxy pod name (metadata NAME)")
	labels := flag.String("labels", "app=higress-gateway,higress=higress-system-higress-gateway", "proxy labels k=v,k=v")
	ip := flag.String("ip", "", "proxy IP (metadata INSTANCE_IPS)")
	istioVersion := flag.String("istio-version", "1.31.0", "metadata ISTIO_VERSION")
	timeout := flag.Duration("timeout", 20*time.Second, "overall timeout")
	flag.Parse()
	if *addr == "" || *id == "" {
		fail("--xds and --id are required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	out, err := run(ctx, *addr, node(*id, *namespace, *podName, *labels, *ip, *istioVersion))
	if err != nil {
		fail(err.Error())
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "xds-dump:", msg)
	os.Exit(1)
}

func node(id, namespace, pod, labels, ip, version string) *core.Node {
	lbl := map[string]any{}
	for _, kv := range strings.Split(labels, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			lbl[k] = v
		}
	}
	meta := map[string]any{
		"NAMESPACE":     namespace,
		"NAME":          pod,
		"LABELS":        lbl,
		"CLUSTER_ID":    "Kubernetes",
		"ISTIO_VERSION": version,
	}
	if ip != "" {
		meta["INSTANCE_IPS"] = ip
	}
	st, err := structpb.NewStruct(meta)
	if err != nil {
		fail(err.Error())
	}
	return &core.Node{Id: id, Metadata: st}
}

// run asks for clusters and listeners (wildcard), then for the route configurations the listeners name.
func run(ctx context.Context, addr string, n *core.Node) (*dump, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(256<<20)))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stream, err := discovery.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		return nil, fmt.Errorf("ADS stream: %w", err)
	}
	s := &session{stream: stream, node: n}
	out := &dump{Listeners: []json.RawMessage{}, Routes: []json.RawMessage{}, Clusters: []json.RawMessage{}, Invalid: []invalid{}}

	clusters, err := s.fetch(clusterType, nil)
	if err != nil {
		return nil, err
	}
	listeners, err := s.fetch(listenerType, nil)
	if err != nil {
		return nil, err
	}
	routeNames := map[string]bool{}
	for _, r := range listeners {
		l := &listener.Listener{}
		if err := r.UnmarshalTo(l); err != nil {
			return nil, fmt.Errorf("listener: %w", err)
		}
		out.add(&out.Listeners, "listener", l.GetName(), l)
		for _, name := range rdsNames(l) {
			routeNames[name] = true
		}
	}
	for _, r := range clusters {
		c := &cluster.Cluster{}
		if err := r.UnmarshalTo(c); err != nil {
			return nil, fmt.Errorf("cluster: %w", err)
		}
		out.add(&out.Clusters, "cluster", c.GetName(), c)
	}
	if len(routeNames) > 0 {
		names := make([]string, 0, len(routeNames))
		for name := range routeNames {
			names = append(names, name)
		}
		sort.Strings(names)
		routes, err := s.fetch(routeType, names)
		if err != nil {
			return nil, err
		}
		for _, r := range routes {
			rc := &route.RouteConfiguration{}
			if err := r.UnmarshalTo(rc); err != nil {
				return nil, fmt.Errorf("route: %w", err)
			}
			out.add(&out.Routes, "route", rc.GetName(), rc)
		}
	}
	return out, nil
}

func (d *dump) add(list *[]json.RawMessage, kind, name string, m proto.Message) {
	if v, ok := m.(validatable); ok {
		if err := v.ValidateAll(); err != nil {
			d.Invalid = append(d.Invalid, invalid{Type: kind, Name: name, Error: err.Error()})
		}
	}
	b, err := (protojson.MarshalOptions{Resolver: lenientResolver{}}).Marshal(m)
	if err != nil {
		fail(fmt.Sprintf("%s %s: %v", kind, name, err))
	}
	*list = append(*list, b)
}

// rdsNames are the route configurations the HTTP connection managers of a listener load over RDS.
func rdsNames(l *listener.Listener) []string {
	var names []string
	chains := append([]*listener.FilterChain{}, l.GetFilterChains()...)
	if l.GetDefaultFilterChain() != nil {
		chains = append(chains, l.GetDefaultFilterChain())
	}
	for _, fc := range chains {
		for _, f := range fc.GetFilters() {
			tc := f.GetTypedConfig()
			if tc == nil || !strings.HasSuffix(tc.GetTypeUrl(), "HttpConnectionManager") {
				continue
			}
			m := &hcm.HttpConnectionManager{}
			if err := tc.UnmarshalTo(m); err == nil && m.GetRds() != nil {
				names = append(names, m.GetRds().GetRouteConfigName())
			}
		}
	}
	return names
}

type session struct {
	stream discovery.AggregatedDiscoveryService_StreamAggregatedResourcesClient
	node   *core.Node
	sent   bool
}

// fetch sends a request for typeURL and waits for its response (other types pushed meanwhile are ACKed
// and ignored), then ACKs it.
func (s *session) fetch(typeURL string, names []string) ([]*anypb.Any, error) {
	req := &discovery.DiscoveryRequest{TypeUrl: typeURL, ResourceNames: names}
	if !s.sent {
		req.Node = s.node
		s.sent = true
	}
	if err := s.stream.Send(req); err != nil {
		return nil, fmt.Errorf("send %s: %w", typeURL, err)
	}
	for {
		resp, err := s.stream.Recv()
		if err != nil {
			return nil, fmt.Errorf("waiting for %s: %w", typeURL, err)
		}
		ack := &discovery.DiscoveryRequest{TypeUrl: resp.GetTypeUrl(), VersionInfo: resp.GetVersionInfo(), ResponseNonce: resp.GetNonce()}
		if resp.GetTypeUrl() == typeURL {
			ack.ResourceNames = names
		}
		if err := s.stream.Send(ack); err != nil {
			return nil, fmt.Errorf("ack %s: %w", resp.GetTypeUrl(), err)
		}
		if resp.GetTypeUrl() == typeURL {
			return resp.GetResources(), nil
		}
	}
}

// lenientResolver prints an Any of a type this binary does not know as an empty object with its @type,
// instead of failing the whole dump.
type lenientResolver struct{}

func (lenientResolver) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(name)
	if err != nil {
		return (&emptypb.Empty{}).ProtoReflect().Type(), nil
	}
	return mt, nil
}

func (lenientResolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByURL(url)
	if err != nil {
		return (&emptypb.Empty{}).ProtoReflect().Type(), nil
	}
	return mt, nil
}

func (lenientResolver) FindExtensionByName(field protoreflect.FullName) (protoreflect.ExtensionType, error) {
	return protoregistry.GlobalTypes.FindExtensionByName(field)
}

func (lenientResolver) FindExtensionByNumber(message protoreflect.FullName, field protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	return protoregistry.GlobalTypes.FindExtensionByNumber(message, field)
}

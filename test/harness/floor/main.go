// The floor of the operator benchmark: a client-go program that makes exactly the writes net-higress
// makes for a new KIngress (finalizer patch, object creates, the Created Event of each VirtualService and
// Secret, status update), precomputed by the benchmark with `net-higress render`, with the same number of
// workers and no client-side rate limit.
// What it costs the API server and this process is the least any operator can pay for that work.
//
//	floor --kubeconfig FILE --writes FILE.jsonl --workers 4 --label-selector SEL
//	floor --kubeconfig FILE --sync informers|bytes
//
// Each line of --writes: {"namespace":..., "name":..., "objects":[...], "status":{...}}.
// Prints one JSON line: elapsed time, CPU, max RSS, requests sent and failures.
//
// With --sync it only reads every KIngress and the VirtualServices labelled with their KIngress, the two large
// caches the operator fills before /readyz, and exits. `informers` fills client-go informer caches, as a Go
// controller does; `bytes` streams the same lists and reads their bytes without decoding them, the least any
// client waits for on this API server. Prints one JSON line: objects read and CPU.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

const finalizer = "ingresses.networking.internal.knative.dev"

var kingresses = schema.GroupVersionResource{Group: "networking.internal.knative.dev", Version: "v1alpha1", Resource: "ingresses"}
var events = schema.GroupVersionResource{Version: "v1", Resource: "events"}
var virtualServices = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1beta1", Resource: "virtualservices"}

// The label of every VirtualService made for a KIngress; the operator's informer selects on it.
const ingressLabel = "networking.internal.knative.dev/ingress"

type work struct {
	Namespace string                   `json:"namespace"`
	Name      string                   `json:"name"`
	Objects   []map[string]interface{} `json:"objects"`
	Status    map[string]interface{}   `json:"status"`
}

func resourceOf(obj *unstructured.Unstructured) schema.GroupVersionResource {
	gv, _ := schema.ParseGroupVersion(obj.GetAPIVersion())
	return gv.WithResource(strings.ToLower(obj.GetKind()) + "s")
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig file")
	writesFile := flag.String("writes", "", "JSON lines of precomputed writes")
	workers := flag.Int("workers", 4, "concurrent workers (the operator's --workers)")
	selector := flag.String("label-selector", "", "which KIngresses to list")
	syncOnly := flag.String("sync", "", "informers|bytes: only read every KIngress and VirtualService, then exit")
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail("kubeconfig: %v", err)
	}
	// The operator has no client-side rate limit; neither does the floor.
	cfg.QPS = -1
	cfg.Burst = 0
	cfg.UserAgent = "net-higress-floor"
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		fail("client: %v", err)
	}

	switch *syncOnly {
	case "":
	case "informers":
		syncCaches(client, cfg)
		return
	case "bytes":
		streamBytes(cfg)
		return
	default:
		fail("--sync: %q is neither informers nor bytes", *syncOnly)
	}

	items, err := readWrites(*writesFile)
	if err != nil {
		fail("%v", err)
	}
	ctx := context.Background()
	start := time.Now()
	var requests, failures atomic.Int64

	// Like an informer's initial list: the resourceVersion of every KIngress, for the conditional patch.
	versions := map[string]string{}
	opts := metav1.ListOptions{LabelSelector: *selector, Limit: 500}
	for {
		requests.Add(1)
		list, err := client.Resource(kingresses).List(ctx, opts)
		if err != nil {
			fail("list: %v", err)
		}
		for _, it := range list.Items {
			versions[it.GetNamespace()+"/"+it.GetName()] = it.GetResourceVersion()
		}
		if list.GetContinue() == "" {
			break
		}
		opts.Continue = list.GetContinue()
	}

	queue := make(chan work)
	// Events are posted in the background, as the operator's recorder (and client-go's) does.
	var eventsSent sync.WaitGroup
	var wg sync.WaitGroup
	for i := 0; i < *workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range queue {
				if err := converge(ctx, client, w, versions[w.Namespace+"/"+w.Name], &requests, &eventsSent, &failures); err != nil {
					failures.Add(1)
					fmt.Fprintf(os.Stderr, "floor: %s/%s: %v\n", w.Namespace, w.Name, err)
				}
			}
		}()
	}
	for _, w := range items {
		queue <- w
	}
	close(queue)
	wg.Wait()
	eventsSent.Wait()
	elapsed := time.Since(start)

	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	out, _ := json.Marshal(map[string]interface{}{
		"kingresses": len(items), "elapsedMs": elapsed.Milliseconds(), "cpuMs": cpu.Milliseconds(),
		"maxRssKiB": ru.Maxrss, "requests": requests.Load(), "failures": failures.Load(),
	})
	fmt.Println(string(out))
	if failures.Load() > 0 {
		os.Exit(1)
	}
}

// converge makes the operator's writes for one new KIngress: finalizer, objects and their Events, status.
func converge(ctx context.Context, client dynamic.Interface, w work, rv string, requests *atomic.Int64, eventsSent *sync.WaitGroup, failures *atomic.Int64) error {
	patch, _ := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{"finalizers": []string{finalizer}, "resourceVersion": rv}})
	requests.Add(1)
	ing, err := client.Resource(kingresses).Namespace(w.Namespace).Patch(ctx, w.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "net-higress"})
	if err != nil {
		return fmt.Errorf("finalizer: %w", err)
	}
	for _, o := range w.Objects {
		obj := &unstructured.Unstructured{Object: o}
		requests.Add(1)
		if _, err := client.Resource(resourceOf(obj)).Namespace(obj.GetNamespace()).Create(ctx, obj, metav1.CreateOptions{FieldManager: "net-higress"}); err != nil {
			return fmt.Errorf("create %s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
		if kind := obj.GetKind(); kind == "VirtualService" || kind == "Secret" {
			// Built here: the goroutine must not read ing, whose status is set below.
			ev := createdEvent(ing, fmt.Sprintf("Created %s %q", kind, obj.GetName()))
			requests.Add(1)
			eventsSent.Add(1)
			go func(ns, name string) {
				defer eventsSent.Done()
				if _, err := client.Resource(events).Namespace(ns).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
					failures.Add(1)
					fmt.Fprintf(os.Stderr, "floor: event for %s/%s: %v\n", ns, name, err)
				}
			}(ing.GetNamespace(), ing.GetName())
		}
	}
	ing.Object["status"] = w.Status
	requests.Add(1)
	if _, err := client.Resource(kingresses).Namespace(w.Namespace).UpdateStatus(ctx, ing, metav1.UpdateOptions{FieldManager: "net-higress"}); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	return nil
}

// createdEvent is the Event the operator records on a KIngress when it creates one of its objects.
func createdEvent(ing *unstructured.Unstructured, message string) *unstructured.Unstructured {
	now := time.Now().UTC()
	stamp := now.Format(time.RFC3339)
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "v1",
		"kind":       "Event",
		"metadata":   map[string]interface{}{"name": fmt.Sprintf("%s.%x", ing.GetName(), now.UnixNano()), "namespace": ing.GetNamespace()},
		"involvedObject": map[string]interface{}{
			"apiVersion": ing.GetAPIVersion(), "kind": ing.GetKind(), "name": ing.GetName(),
			"namespace": ing.GetNamespace(), "uid": string(ing.GetUID()), "resourceVersion": ing.GetResourceVersion(),
		},
		"reason": "Created", "message": message, "type": "Normal",
		"source":             map[string]interface{}{"component": "net-higress", "host": "floor"},
		"reportingComponent": "net-higress", "reportingInstance": "floor",
		"firstTimestamp": stamp, "lastTimestamp": stamp, "count": int64(1),
	}}
}

// syncCaches fills the two caches as client-go's informers do (a streaming list where the API server offers one,
// as the operator's; the VirtualServices' metadata only, as the operator's), prints what they hold and the CPU
// spent, and returns.
func syncCaches(client dynamic.Interface, cfg *rest.Config) {
	stop := make(chan struct{})
	defer close(stop)
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		fail("metadata client: %v", err)
	}
	all := dynamicinformer.NewFilteredDynamicInformer(client, kingresses, "", 0, cache.Indexers{}, nil)
	labelled := metadatainformer.NewFilteredMetadataInformer(meta, virtualServices, "", 0, cache.Indexers{},
		func(o *metav1.ListOptions) { o.LabelSelector = ingressLabel })
	go all.Informer().Run(stop)
	go labelled.Informer().Run(stop)
	if !cache.WaitForCacheSync(stop, all.Informer().HasSynced, labelled.Informer().HasSynced) {
		fail("caches did not sync")
	}
	printRead(len(all.Informer().GetStore().ListKeys()), len(labelled.Informer().GetStore().ListKeys()))
}

// printRead prints what a --sync mode read and the CPU this process spent on it.
func printRead(kingresses, virtualServices int) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	out, _ := json.Marshal(map[string]interface{}{
		"kingresses": kingresses, "virtualServices": virtualServices,
		"cpuMs": time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Milliseconds(),
	})
	fmt.Println(string(out))
}

// streamBytes asks for both lists as the operator does (streaming lists, at once, the VirtualServices' metadata
// only) and reads each to the bookmark that ends its initial events, decoding nothing.
func streamBytes(cfg *rest.Config) {
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		fail("client: %v", err)
	}
	end := []byte(`"k8s.io/initial-events-end":"true"`)
	read := func(path, selector, accept string) (int, error) {
		q := url.Values{"watch": {"true"}, "sendInitialEvents": {"true"}, "resourceVersionMatch": {"NotOlderThan"},
			"allowWatchBookmarks": {"true"}, "labelSelector": {selector}}
		req, err := http.NewRequest(http.MethodGet, cfg.Host+path+"?"+q.Encode(), nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Accept", accept)
		res, err := httpClient.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("%s: %s", path, res.Status)
		}
		r := bufio.NewReaderSize(res.Body, 1<<20)
		n := 0
		for {
			line, err := r.ReadSlice('\n')
			if err == bufio.ErrBufferFull {
				// A line longer than the buffer: the rest of it is read, and counted, on the next turns.
				continue
			}
			if err != nil {
				return n, fmt.Errorf("%s: stream ended before its initial events did: %w", path, err)
			}
			if bytes.Contains(line, end) {
				return n, nil
			}
			n++
		}
	}
	counts := make([]int, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, p := range []struct{ path, selector, accept string }{
		{"/apis/networking.internal.knative.dev/v1alpha1/ingresses", "", "application/json"},
		{"/apis/networking.istio.io/v1beta1/virtualservices", ingressLabel,
			"application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], errs[i] = read(p.path, p.selector, p.accept)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			fail("%v", err)
		}
	}
	printRead(counts[0], counts[1])
}

func readWrites(file string) ([]work, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var items []work
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var w work
		if err := json.Unmarshal(sc.Bytes(), &w); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		items = append(items, w)
	}
	return items, sc.Err()
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "floor: "+format+"\n", args...)
	os.Exit(2)
}

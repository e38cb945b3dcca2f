package main

// A burst: many pods ADDed (or DELed) at once by one runtime, as containerd does when a Deployment scales or a node
// comes back — one goroutine per sandbox, each through libcni, each plugin started by libcni's own exec
// (CreateProcess on Windows). The bench uses it so that the processes of a burst start the way they do on a node,
// not through one Linux launcher chain per pod.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/containernetworking/cni/pkg/types"
)

type burstPod struct {
	ContainerID string `json:"containerId"`
	NetNS       string `json:"netns"`
}

type burstOutcome struct {
	ContainerID string  `json:"containerId"`
	Ms          float64 `json:"ms"`
	PodIP       string  `json:"podIP,omitempty"`
	Error       string  `json:"error,omitempty"`
}

// runBurst runs the command for every pod of the --pods file at once and answers with the wall time from the
// first start to the last end, and each pod's own.
func runBurst(ctx context.Context, s *session) (map[string]interface{}, error) {
	data, err := os.ReadFile(s.opts.podsFile)
	if err != nil {
		return nil, fail("usage", err)
	}
	var pods []burstPod
	if err := json.Unmarshal(data, &pods); err != nil {
		return nil, fail("usage", fmt.Errorf("--pods: %v", err))
	}
	outcomes := make([]burstOutcome, len(pods))
	var wg sync.WaitGroup
	started := time.Now()
	for i, pod := range pods {
		wg.Add(1)
		go func(i int, pod burstPod) {
			defer wg.Done()
			podStarted := time.Now()
			podIP, err := s.runOne(ctx, pod)
			outcomes[i] = burstOutcome{ContainerID: pod.ContainerID, Ms: msSince(podStarted), PodIP: podIP}
			if err != nil {
				outcomes[i].Error = err.Error()
			}
		}(i, pod)
	}
	wg.Wait()
	out := map[string]interface{}{"ms": msSince(started), "pods": outcomes}
	for _, o := range outcomes {
		if o.Error != "" {
			return out, fail("libcni", fmt.Errorf("pod %s: %s", o.ContainerID, o.Error))
		}
	}
	return out, nil
}

// runOne is one sandbox's ADD (answering the pod IP containerd would find, or its refusal) or DEL, with its own
// exec so that the plugins' stderr stays with their pod.
func (s *session) runOne(ctx context.Context, pod burstPod) (string, error) {
	stderr := &bytes.Buffer{}
	cni, _ := newLibcni(s.opts, stderr)
	rt := *s.rt
	rt.ContainerID, rt.NetNS = pod.ContainerID, pod.NetNS
	podIP, err := "", error(nil)
	if s.opts.command == "add" {
		var result types.Result
		if result, err = cni.AddNetworkList(ctx, s.list, &rt); err == nil {
			var network *podNetwork
			if network, err = podNetworkFrom(result, rt.IfName); err == nil {
				podIP = network.PodIP
			}
		}
	} else {
		err = cni.DelNetworkList(ctx, s.list, &rt)
	}
	if err != nil && stderr.Len() > 0 {
		return podIP, fmt.Errorf("%v (plugin stderr: %s)", err, stderr.String())
	}
	return podIP, err
}

func msSince(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

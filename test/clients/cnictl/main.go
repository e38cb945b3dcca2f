// cnictl drives a CNI plugin through libcni the way containerd's CRI plugin does (go-cni over libcni): it loads a
// conflist, runs ADD/CHECK/DEL/GC/STATUS/VERSION, keeps libcni's result cache in a directory of our choosing, and
// re-parses every ADD result into the 1.0.0 Go types exactly as go-cni does before containerd looks for the pod IP.
// Built from Debian's libcni (golang-github-appc-cni-dev 1.1.2) in GOPATH mode, for Linux and, cross-built, for
// Windows (run under Wine) — see scripts/build-go-client.sh.
//
// Output contract (tests rely on it): a success prints one JSON document on stdout and exits 0; a failure prints
// one JSON document {"error", "stage", "code"?, "msg"?, "details"?} as the last line of stderr and exits 1
// (2 for a usage error). A plugin's own stderr is captured and returned in the "pluginStderr" field.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/version"
)

// stageError says which layer refused: "usage", "config", "libcni" (the plugin or libcni itself),
// "convert" (types100.NewResultFromResult, as go-cni) or "containerd" (no IP for the pod interface).
type stageError struct {
	stage string
	err   error
}

func (e *stageError) Error() string { return e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

func fail(stage string, err error) error { return &stageError{stage: stage, err: err} }

type session struct {
	opts       *options
	cni        *libcni.CNIConfig
	list       *libcni.NetworkConfigList
	rt         *libcni.RuntimeConf
	exec       *invoke.DefaultExec
	pluginErrs *bytes.Buffer
}

func (s *session) cacheDir() string {
	if s.opts.cacheDir != "" {
		return s.opts.cacheDir
	}
	return libcni.CacheDir
}

func main() {
	opts, err := parseOptions(os.Args[1:])
	if err != nil {
		os.Exit(report(nil, fail("usage", err), 2))
	}
	s, err := newSession(opts)
	if err != nil {
		os.Exit(report(s, err, 1))
	}
	ctx, cancel := context.WithTimeout(context.Background(), opts.timeout)
	defer cancel()
	out, err := s.run(ctx)
	if err != nil {
		if out != nil { // a burst answers with every pod's outcome, failed ones too
			printJSON(os.Stdout, out)
		}
		os.Exit(report(s, err, 1))
	}
	if s.pluginErrs.Len() > 0 {
		out["pluginStderr"] = s.pluginErrs.String()
	}
	printJSON(os.Stdout, out)
}

func newSession(opts *options) (*session, error) {
	pluginErrs := &bytes.Buffer{}
	cni, exec := newLibcni(opts, pluginErrs)
	s := &session{
		opts:       opts,
		cni:        cni,
		exec:       exec,
		pluginErrs: pluginErrs,
		rt: &libcni.RuntimeConf{
			ContainerID:    opts.containerID,
			NetNS:          opts.netns,
			IfName:         opts.ifName,
			Args:           opts.cniArgs,
			CapabilityArgs: opts.capArgs,
		},
	}
	if opts.command == "version" && opts.pluginType != "" {
		return s, nil
	}
	list, err := loadConfList(opts)
	if err != nil {
		return s, fail("config", err)
	}
	s.list = list
	return s, nil
}

// newLibcni is libcni with our own exec: identical to libcni's default except that the plugins' stderr goes to
// `stderr` (kept for the report) instead of being interleaved with ours.
func newLibcni(opts *options, stderr *bytes.Buffer) (*libcni.CNIConfig, *invoke.DefaultExec) {
	exec := &invoke.DefaultExec{RawExec: &invoke.RawExec{Stderr: stderr}, PluginDecoder: version.PluginDecoder{}}
	return libcni.NewCNIConfigWithCacheDir(opts.binDirs, opts.cacheDir, exec), exec
}

func (s *session) run(ctx context.Context) (map[string]interface{}, error) {
	if s.opts.podsFile != "" {
		return runBurst(ctx, s)
	}
	switch s.opts.command {
	case "add":
		return s.add(ctx)
	case "check":
		if err := s.cni.CheckNetworkList(ctx, s.list, s.rt); err != nil {
			return nil, fail("libcni", err)
		}
		return map[string]interface{}{"ok": true}, nil
	case "del":
		if err := s.cni.DelNetworkList(ctx, s.list, s.rt); err != nil {
			return nil, fail("libcni", err)
		}
		return map[string]interface{}{"ok": true}, nil
	case "gc":
		return gcNetworkList(ctx, s, s.opts.valid)
	case "status":
		if err := getStatusNetworkList(ctx, s); err != nil {
			return nil, fail("libcni", err)
		}
		return map[string]interface{}{"ok": true}, nil
	case "version":
		return s.versions(ctx)
	}
	return nil, fail("usage", fmt.Errorf("unknown command %q", s.opts.command))
}

func (s *session) add(ctx context.Context) (map[string]interface{}, error) {
	result, err := s.cni.AddNetworkList(ctx, s.list, s.rt)
	if err != nil {
		return nil, fail("libcni", err)
	}
	network, err := podNetworkFrom(result, s.opts.ifName)
	if err != nil {
		return nil, err
	}
	return map[string]interface{}{"result": result, "current": network.current, "podNetwork": network}, nil
}

// versions answers with what libcni's GetVersionInfo decoded, for the --type given or each plugin of the conflist.
func (s *session) versions(ctx context.Context) (map[string]interface{}, error) {
	pluginTypes := []string{s.opts.pluginType}
	if s.opts.pluginType == "" {
		pluginTypes = pluginTypes[:0]
		for _, p := range s.list.Plugins {
			pluginTypes = append(pluginTypes, p.Network.Type)
		}
	}
	plugins := map[string]interface{}{}
	for _, t := range pluginTypes {
		info, err := s.cni.GetVersionInfo(ctx, t)
		if err != nil {
			return nil, fail("libcni", fmt.Errorf("plugin %s: %w", t, err))
		}
		plugins[t] = map[string]interface{}{"supportedVersions": info.SupportedVersions()}
	}
	return map[string]interface{}{"plugins": plugins}, nil
}

// report prints the error document on stderr and returns the exit code.
func report(s *session, err error, exitCode int) int {
	doc := map[string]interface{}{"error": err.Error(), "stage": "libcni"}
	var se *stageError
	if errors.As(err, &se) {
		doc["stage"] = se.stage
	}
	if errors.Is(err, context.DeadlineExceeded) {
		doc["stage"] = "timeout"
	}
	// A typed CNI error from the plugin survives libcni's wrapping ("plugin type=... failed (add): %w").
	var cniErr *types.Error
	if errors.As(err, &cniErr) {
		doc["code"] = cniErr.Code
		doc["msg"] = cniErr.Msg
		if cniErr.Details != "" {
			doc["details"] = cniErr.Details
		}
	}
	if s != nil && s.pluginErrs.Len() > 0 {
		doc["pluginStderr"] = s.pluginErrs.String()
	}
	printJSON(os.Stderr, doc)
	return exitCode
}

func printJSON(f *os.File, doc interface{}) {
	data, err := json.Marshal(doc)
	if err != nil {
		data = []byte(fmt.Sprintf(`{"error":%q,"stage":"output"}`, err.Error()))
	}
	// One write of the whole line: under Wine, stdio is a pipe made by the parent.
	_, _ = f.Write(append(data, '\n'))
}

var defaultTimeout = 120 * time.Second // kubelet's --runtime-request-timeout: libcni itself has none

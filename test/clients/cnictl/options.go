package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/containernetworking/cni/libcni"
)

const usage = `usage: cnictl add|check|del|gc|status|version (--conflist FILE | --conf-dir DIR [--net NAME])
    --bin-dir DIR[;DIR] [--netns NS] [--container-id ID] [--ifname eth0] [--cache-dir DIR]
    [--cni-args K=V;...] [--cap-args JSON] [--valid ID:IF,...] [--type PLUGIN] [--timeout 120s]
    [--pods FILE]   add/del: every pod of FILE ([{"containerId","netns"}]) at once, answering {"ms", "pods"}`

type options struct {
	command     string
	conflist    string
	confDir     string
	netName     string
	binDirs     []string
	netns       string
	containerID string
	ifName      string
	cacheDir    string
	cniArgs     [][2]string
	capArgs     map[string]interface{}
	valid       []attachment
	pluginType  string
	timeout     time.Duration
	podsFile    string
}

func parseOptions(args []string) (*options, error) {
	if len(args) == 0 {
		return nil, errors.New(usage)
	}
	o := &options{command: args[0]}
	switch o.command {
	case "add", "check", "del", "gc", "status", "version":
	default:
		return nil, fmt.Errorf("unknown command %q\n%s", o.command, usage)
	}
	fs := flag.NewFlagSet("cnictl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	binDir := fs.String("bin-dir", "", "plugin directories, ';'-separated")
	cniArgs := fs.String("cni-args", "", "CNI_ARGS as K=V;K=V")
	capArgs := fs.String("cap-args", "", "capability arguments (runtimeConfig) as JSON")
	valid := fs.String("valid", "", "GC: valid attachments as ID:IF,ID:IF")
	fs.StringVar(&o.conflist, "conflist", "", "conflist file")
	fs.StringVar(&o.confDir, "conf-dir", "", "conf dir: the first .conflist in lexical order, as containerd (max_conf_num=1)")
	fs.StringVar(&o.netName, "net", "", "with --conf-dir: the network name to load (libcni.LoadConfList)")
	fs.StringVar(&o.netns, "netns", "", "CNI_NETNS (on Windows: an HCN namespace GUID)")
	fs.StringVar(&o.containerID, "container-id", "", "CNI_CONTAINERID")
	fs.StringVar(&o.ifName, "ifname", "eth0", "CNI_IFNAME")
	fs.StringVar(&o.cacheDir, "cache-dir", "", "libcni's result cache (default: libcni's /var/lib/cni)")
	fs.StringVar(&o.pluginType, "type", "", "version: the plugin to ask (default: every plugin of the conflist)")
	fs.StringVar(&o.podsFile, "pods", "", "add/del: a burst of the pods in this JSON file, all at once")
	fs.DurationVar(&o.timeout, "timeout", defaultTimeout, "deadline for the whole operation")
	if err := fs.Parse(args[1:]); err != nil {
		return nil, fmt.Errorf("%v\n%s", err, usage)
	}
	if o.podsFile != "" && o.command != "add" && o.command != "del" {
		return nil, fmt.Errorf("--pods is for add and del\n%s", usage)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q\n%s", fs.Args(), usage)
	}
	if *binDir == "" {
		return nil, fmt.Errorf("--bin-dir is required\n%s", usage)
	}
	// ';' on every OS: on Windows ':' is part of a drive letter.
	o.binDirs = splitNonEmpty(*binDir, ";")
	if o.conflist == "" && o.confDir == "" && !(o.command == "version" && o.pluginType != "") {
		return nil, fmt.Errorf("--conflist or --conf-dir is required\n%s", usage)
	}
	var err error
	if o.cniArgs, err = parseCniArgs(*cniArgs); err != nil {
		return nil, err
	}
	if *capArgs != "" {
		if err := json.Unmarshal([]byte(*capArgs), &o.capArgs); err != nil {
			return nil, fmt.Errorf("--cap-args is not a JSON object: %v", err)
		}
	}
	if o.valid, err = parseValid(*valid); err != nil {
		return nil, err
	}
	return o, nil
}

func splitNonEmpty(s, sep string) []string {
	var out []string
	for _, part := range strings.Split(s, sep) {
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

func parseCniArgs(s string) ([][2]string, error) {
	var out [][2]string
	for _, pair := range splitNonEmpty(s, ";") {
		kv := strings.SplitN(pair, "=", 2)
		if len(kv) != 2 || kv[0] == "" {
			return nil, fmt.Errorf("--cni-args: %q is not K=V", pair)
		}
		out = append(out, [2]string{kv[0], kv[1]})
	}
	return out, nil
}

func parseValid(s string) ([]attachment, error) {
	var out []attachment
	for _, item := range splitNonEmpty(s, ",") {
		// The interface name cannot contain ':', the container id could in theory: split at the last one.
		i := strings.LastIndex(item, ":")
		if i <= 0 || i == len(item)-1 {
			return nil, fmt.Errorf("--valid: %q is not CONTAINERID:IFNAME", item)
		}
		out = append(out, attachment{ContainerID: item[:i], IfName: item[i+1:]})
	}
	return out, nil
}

func loadConfList(o *options) (*libcni.NetworkConfigList, error) {
	if o.conflist != "" {
		return libcni.ConfListFromFile(o.conflist)
	}
	if o.netName != "" {
		return libcni.LoadConfList(o.confDir, o.netName)
	}
	files, err := libcni.ConfFiles(o.confDir, []string{".conflist"})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .conflist in %s", o.confDir)
	}
	sort.Strings(files)
	return libcni.ConfListFromFile(filepath.Clean(files[0]))
}

package main

// GC and STATUS (CNI spec 1.1.0) are not in Debian's libcni 1.1.2: these reproduce libcni 1.2's GCNetworkList and
// GetStatusNetworkList on top of the 1.1.2 building blocks (InjectConf, FindInPath, invoke), so the plugin sees
// exactly what a current runtime would send.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/version"
)

// attachment is one entry of "cni.dev/valid-attachments".
type attachment struct {
	ContainerID string `json:"containerID"`
	IfName      string `json:"ifname"`
}

// cachedAttachment is the part of libcni's cache file ("cniCacheV1") that GC needs.
type cachedAttachment struct {
	Kind           string                 `json:"kind"`
	ContainerID    string                 `json:"containerId"`
	IfName         string                 `json:"ifName"`
	NetworkName    string                 `json:"networkName"`
	NetNS          string                 `json:"netns,omitempty"`
	CniArgs        [][2]string            `json:"cniArgs,omitempty"`
	CapabilityArgs map[string]interface{} `json:"capabilityArgs,omitempty"`
	Config         []byte                 `json:"config"`
}

// gcNetworkList: first a full DEL of every cached attachment of this network that is not valid, then (config
// ≥ 1.1.0) GC to every plugin with the valid attachments injected. Continues after errors and reports them all.
func gcNetworkList(ctx context.Context, s *session, valid []attachment) (map[string]interface{}, error) {
	c, list := s.cni, s.list
	validSet := map[attachment]bool{}
	for _, a := range valid {
		validSet[a] = true
	}
	var errs []error
	var deleted []attachment
	cached, err := readCachedAttachments(s.cacheDir(), list.Name)
	if err != nil {
		errs = append(errs, err)
	}
	for _, ca := range cached {
		key := attachment{ContainerID: ca.ContainerID, IfName: ca.IfName}
		if validSet[key] {
			continue
		}
		// DEL with the config the attachment was added with (libcni 1.2 uses the current list; with Debian's
		// 1.1.2 a 1.1.0 list cannot even read a cached 1.0.0 result back, so the cached config is the honest one).
		delList := list
		if fromCache, err := libcni.ConfListFromBytes(ca.Config); err == nil && fromCache.Name == list.Name {
			delList = fromCache
		}
		rt := &libcni.RuntimeConf{ContainerID: ca.ContainerID, NetNS: ca.NetNS, IfName: ca.IfName, Args: ca.CniArgs, CapabilityArgs: ca.CapabilityArgs}
		if err := c.DelNetworkList(ctx, delList, rt); err != nil {
			errs = append(errs, fmt.Errorf("failed to delete stale attachment %s %s: %w", ca.ContainerID, ca.IfName, err))
			continue
		}
		deleted = append(deleted, key)
	}
	gcSent := false
	if gte, _ := version.GreaterThanOrEqualTo(list.CNIVersion, "1.1.0"); gte {
		gcSent = true
		if valid == nil {
			valid = []attachment{}
		}
		inject := map[string]interface{}{
			"name":                      list.Name,
			"cniVersion":                list.CNIVersion,
			"cni.dev/valid-attachments": valid,
			"cni.dev/attachments":       valid, // libcni 1.2 sends both (the spec once used this name: cni#1101)
		}
		for _, plugin := range list.Plugins {
			if err := execWithoutResult(ctx, s, plugin, inject, "GC"); err != nil {
				errs = append(errs, fmt.Errorf("failed to GC plugin %s: %w", plugin.Network.Type, err))
			}
		}
	}
	if len(errs) > 0 {
		return nil, fail("libcni", joinedError(errs))
	}
	if deleted == nil {
		deleted = []attachment{}
	}
	return map[string]interface{}{"ok": true, "deleted": deleted, "gcSent": gcSent}, nil
}

// getStatusNetworkList: nothing below 1.1.0; otherwise STATUS to each plugin, stopping at the first error.
func getStatusNetworkList(ctx context.Context, s *session) error {
	list := s.list
	if gte, _ := version.GreaterThanOrEqualTo(list.CNIVersion, "1.1.0"); !gte {
		return nil
	}
	inject := map[string]interface{}{"name": list.Name, "cniVersion": list.CNIVersion}
	for _, plugin := range list.Plugins {
		if err := execWithoutResult(ctx, s, plugin, inject, "STATUS"); err != nil {
			return fmt.Errorf("plugin %s failed (status): %w", plugin.Network.Type, err)
		}
	}
	return nil
}

func execWithoutResult(ctx context.Context, s *session, plugin *libcni.NetworkConfig, inject map[string]interface{}, command string) error {
	conf, err := libcni.InjectConf(plugin, inject)
	if err != nil {
		return err
	}
	path, err := s.exec.FindInPath(plugin.Network.Type, s.cni.Path)
	if err != nil {
		return err
	}
	// GC and STATUS carry no container: CNI_CONTAINERID, CNI_NETNS and CNI_IFNAME are empty (as in libcni 1.2).
	args := &invoke.Args{Command: command, Path: strings.Join(s.cni.Path, string(os.PathListSeparator))}
	return invoke.ExecPluginWithoutResult(ctx, path, conf.Bytes, args, s.exec)
}

func readCachedAttachments(cacheDir, network string) ([]cachedAttachment, error) {
	dir := filepath.Join(cacheDir, "results")
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []cachedAttachment
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), network+"-") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		var ca cachedAttachment
		if json.Unmarshal(data, &ca) != nil || ca.Kind != libcni.CNICacheV1 || ca.NetworkName != network {
			continue // libcni 1.2 skips unreadable entries too
		}
		out = append(out, ca)
	}
	return out, nil
}

// joinedError reports every error (Go 1.19 has no errors.Join); errors.As finds the first typed CNI error in it.
type joinedError []error

func (j joinedError) Error() string {
	msgs := make([]string, len(j))
	for i, e := range j {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (j joinedError) As(target interface{}) bool {
	for _, e := range j {
		if errors.As(e, target) {
			return true
		}
	}
	return false
}

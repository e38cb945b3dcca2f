package main

// What containerd does with an ADD result before the pod may start (go-cni result.go + CRI setupPodNetwork):
// convert it to the 1.0.0 Go types, file each IP under interfaces[ips[i].interface].name (or the default
// interface when "interface" is absent), and insist that the pod interface has at least one IP
// ("failed to find network info for sandbox" otherwise).

import (
	"fmt"

	"github.com/containernetworking/cni/pkg/types"
	types100 "github.com/containernetworking/cni/pkg/types/100"
)

type podIPConfig struct {
	IP      string `json:"ip"`
	Gateway string `json:"gateway,omitempty"`
}

type podInterface struct {
	Mac       string        `json:"mac,omitempty"`
	Sandbox   string        `json:"sandbox,omitempty"`
	IPConfigs []podIPConfig `json:"ipConfigs"`
}

type podNetwork struct {
	Interfaces map[string]*podInterface `json:"interfaces"`
	PodIP      string                   `json:"podIP"`
	current    *types100.Result
}

func podNetworkFrom(result types.Result, defaultIfName string) (*podNetwork, error) {
	current, err := types100.NewResultFromResult(result)
	if err != nil {
		return nil, fail("convert", fmt.Errorf("types100.NewResultFromResult: %w", err))
	}
	pn := &podNetwork{Interfaces: map[string]*podInterface{defaultIfName: {}}, current: current}
	for _, intf := range current.Interfaces {
		pn.Interfaces[intf.Name] = &podInterface{Mac: intf.Mac, Sandbox: intf.Sandbox}
	}
	for _, ipc := range current.IPs {
		if ipc == nil {
			return nil, fail("convert", fmt.Errorf("invalid IP configuration (nil)"))
		}
		name := defaultIfName
		if ipc.Interface != nil {
			// go-cni checks "> len" and then indexes: an index equal to len would panic containerd. Be stricter.
			if *ipc.Interface < 0 || *ipc.Interface >= len(current.Interfaces) {
				return nil, fail("convert", fmt.Errorf("invalid IP configuration (interface number %d, %d interfaces)", *ipc.Interface, len(current.Interfaces)))
			}
			name = current.Interfaces[*ipc.Interface].Name
		}
		cfg := podIPConfig{IP: ipc.Address.IP.String()}
		if ipc.Gateway != nil {
			cfg.Gateway = ipc.Gateway.String()
		}
		pn.Interfaces[name].IPConfigs = append(pn.Interfaces[name].IPConfigs, cfg)
	}
	for _, intf := range pn.Interfaces {
		if intf.IPConfigs == nil {
			intf.IPConfigs = []podIPConfig{}
		}
	}
	pod := pn.Interfaces[defaultIfName]
	if len(pod.IPConfigs) == 0 {
		return nil, fail("containerd", fmt.Errorf("failed to find network info for sandbox: no IP for interface %q", defaultIfName))
	}
	pn.PodIP = pod.IPConfigs[0].IP
	return pn, nil
}

// `hns-cni pod check`: what a pod spec asking for host networking will meet on this Windows node, as findings,
// following cni-contract.md §E and the docs' host-network section. Pure: the command gathers the facts (the node's
// hns-cni settings, the sockets bound on it, the namespace's Pod Security level) and prints the findings.
import type { HostNetworkSettings } from '../config/types.js';
import { HOST_NETWORK_ANNOTATION } from './host-network.js';

export interface PodSpecLike {
  hostNetwork?: boolean;
  dnsPolicy?: string;
  securityContext?: { windowsOptions?: { hostProcess?: boolean } };
  containers?: {
    name?: string;
    ports?: { containerPort?: number; hostPort?: number; protocol?: string }[];
    securityContext?: { windowsOptions?: { hostProcess?: boolean } };
  }[];
}

export interface PodCheckFacts {
  /** The node's hns-cni host-network settings; undefined when the node has no hns-cni network. */
  settings?: HostNetworkSettings;
  /** Whether ADD can look the pod up in the API (the node has a kubeconfig) or sees only the annotation. */
  detection: 'api' | 'annotation';
  /** Sockets bound on the node now; undefined when they could not be read. */
  portsInUse?: { protocol: 'tcp' | 'udp'; address: string; port: number; pid: number }[];
  /** pod-security.kubernetes.io/enforce of the namespace; 'unlabelled', or undefined when unknown. */
  namespaceLevel?: string;
}

export interface Finding {
  level: 'error' | 'warning' | 'info';
  topic: 'hostNetwork' | 'dnsPolicy' | 'ports' | 'podSecurity' | 'detection';
  message: string;
}

export function isHostProcess(spec: PodSpecLike): boolean {
  return (
    spec.securityContext?.windowsOptions?.hostProcess === true ||
    (spec.containers ?? []).some((c) => c.securityContext?.windowsOptions?.hostProcess === true)
  );
}

/** The host ports a host-network pod claims: kubelet defaults hostPort to containerPort for such pods. */
function claimedPorts(spec: PodSpecLike): { port: number; protocol: 'tcp' | 'udp'; container: string }[] {
  return (spec.containers ?? []).flatMap((c) =>
    (c.ports ?? []).flatMap((p) => {
      const port = p.hostPort ?? p.containerPort;
      const protocol = (p.protocol ?? 'TCP').toLowerCase();
      if (port === undefined || (protocol !== 'tcp' && protocol !== 'udp')) return [];
      return [{ port, protocol: protocol as 'tcp' | 'udp', container: c.name ?? '?' }];
    }),
  );
}

export function checkPod(spec: PodSpecLike, annotations: Record<string, string>, facts: PodCheckFacts): Finding[] {
  const findings: Finding[] = [];
  const add = (level: Finding['level'], topic: Finding['topic'], message: string) =>
    findings.push({ level, topic, message });
  const hostProcess = isHostProcess(spec);
  if (spec.hostNetwork !== true) {
    add('info', 'hostNetwork', 'not a host-network pod: an ordinary pod network from hns-cni; nothing to check');
    return findings;
  }
  const settings = facts.settings;
  if (hostProcess) {
    add('info', 'hostNetwork', "a HostProcess pod: containerd does not call CNI, the pod shares the node's network");
  } else if (settings === undefined) {
    add('warning', 'hostNetwork', 'this node has no hns-cni network configured: hns-cni will not see this pod');
  } else if (settings.mode === 'refuse') {
    add(
      'error',
      'hostNetwork',
      'hostNetwork without HostProcess is refused on this node (hostNetwork.mode "refuse", code 107): set ' +
        'securityContext.windowsOptions.hostProcess=true',
    );
  } else {
    add(
      'info',
      'hostNetwork',
      "Windows gives the node's network only to HostProcess pods: this pod gets a pod IP of its own and its " +
        'declared ports are published on the node (hns-cni "emulate"); it does not see the node\'s interfaces',
    );
  }
  if (!hostProcess && settings !== undefined && settings.mode === 'emulate') {
    const annotated = annotations[HOST_NETWORK_ANNOTATION]?.trim().toLowerCase() === 'true';
    if (!annotated && facts.detection === 'annotation') {
      add(
        'warning',
        'detection',
        `this node cannot look pods up in the API: without the annotation ${HOST_NETWORK_ANNOTATION}: "true" the ` +
          'pod is treated as an ordinary pod (its ports are not checked against the node)',
      );
    }
  }

  const dnsPolicy = spec.dnsPolicy ?? 'ClusterFirst';
  if (dnsPolicy === 'ClusterFirst') {
    add(
      'warning',
      'dnsPolicy',
      "dnsPolicy ClusterFirst on a host-network pod falls back to Default (the host's resolvers): use " +
        'ClusterFirstWithHostNet to resolve cluster names',
    );
  } else if (dnsPolicy === 'ClusterFirstWithHostNet') {
    add('info', 'dnsPolicy', 'ClusterFirstWithHostNet: cluster DNS, as kubelet hands it');
  } else if (dnsPolicy === 'Default') {
    add('info', 'dnsPolicy', "Default: the host's resolvers; cluster names do not resolve");
  }

  if (settings !== undefined && !hostProcess && settings.mode === 'emulate') {
    for (const p of claimedPorts(spec)) {
      const label = `${p.port}/${p.protocol} (container ${p.container})`;
      if (settings.reservedPorts.includes(p.port)) {
        add('error', 'ports', `${label} is reserved for the node itself: ADD fails with code 107`);
      } else if (p.port >= settings.nodePortRange.min && p.port <= settings.nodePortRange.max) {
        add(
          'error',
          'ports',
          `${label} is in the NodePort range ${settings.nodePortRange.min}-${settings.nodePortRange.max}: ADD fails with code 107`,
        );
      } else {
        const holder = facts.portsInUse?.find(
          (s) => s.protocol === p.protocol && s.port === p.port && !s.address.startsWith('127.') && s.address !== '::1',
        );
        if (holder !== undefined) {
          add(
            'error',
            'ports',
            `${label} is in use on this node by pid ${holder.pid} (${holder.address}): ADD fails with code 107`,
          );
        } else {
          add(
            'info',
            'ports',
            `${label} will be published on the node${facts.portsInUse === undefined ? ' (sockets of the node not checked)' : ''}`,
          );
        }
      }
    }
  }

  const level = facts.namespaceLevel;
  if (level === 'privileged' || level === 'unlabelled') {
    add(
      'info',
      'podSecurity',
      level === 'privileged'
        ? 'the namespace enforces Pod Security "privileged": hostNetwork and hostProcess are allowed'
        : 'the namespace has no pod-security.kubernetes.io/enforce label: the cluster default applies (it must be "privileged")',
    );
  } else if (level === 'baseline' || level === 'restricted') {
    add(
      'error',
      'podSecurity',
      `the namespace enforces Pod Security "${level}", which forbids hostNetwork, hostPorts and hostProcess: the pod is rejected at admission (needs "privileged")`,
    );
  } else {
    add(
      'info',
      'podSecurity',
      'the namespace\'s Pod Security level is unknown here (no API access): it must be "privileged"',
    );
  }
  return findings;
}

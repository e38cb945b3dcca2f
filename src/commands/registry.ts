// Debug and operator commands (`hns-cni <command> ...`). Each lives in its own module and is imported only when
// invoked: the CNI verbs (the path every pod start pays for) never load them.
export type CommandMain = (argv: string[]) => Promise<number>;

export interface CommandEntry {
  summary: string;
  load: () => Promise<CommandMain>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  hns: {
    summary: 'list HNS networks, endpoints and namespaces; create/delete namespaces',
    load: async () => (await import('./hns.js')).main,
  },
  sim: {
    summary: 'the HNS simulator: serve (for the C stub), stats, reset, fault',
    load: async () => (await import('./sim.js')).main,
  },
  ipam: {
    summary: 'show IP allocations and pool usage (read-only)',
    load: async () => (await import('./ipam.js')).main,
  },
  migrate: {
    summary: 'print the native config equivalent to a win-bridge/WCN/flannel config, with a note per difference',
    load: async () => (await import('./migrate.js')).main,
  },
  plan: {
    summary: 'print the HCN calls and documents an ADD would make, without changing anything',
    load: async () => (await import('./plan.js')).main,
  },
  pod: {
    summary: 'pod check -f pod.yaml: lint a pod spec for Windows host networking on this node',
    load: async () => (await import('./pod.js')).main,
  },
  install: {
    summary: 'install or upgrade hns-cni on this node (front + engine + conflist); see also uninstall',
    load: async () => (await import('./install.js')).install,
  },
  uninstall: {
    summary: "remove hns-cni's networks, host endpoints, routes and files from this node",
    load: async () => (await import('./install.js')).uninstall,
  },
  node: {
    summary: 'the node agent: prepare networks + host endpoint, routes to other nodes; node status | teardown',
    load: async () => (await import('./node.js')).main,
  },
};

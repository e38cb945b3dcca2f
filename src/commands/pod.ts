// `hns-cni pod check -f pod.yaml` (or `-f -` / no -f: stdin): lints pod specs for Windows host networking on this
// node (plan/pod-check.ts): hostNetwork without HostProcess, dnsPolicy, reserved and busy ports, the namespace's
// Pod Security level, and what hns-cni will do. Pods, and the pod templates of Deployments, DaemonSets,
// StatefulSets, ReplicaSets, Jobs and CronJobs. Exit status 1 when a finding says the pod will fail.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { NetConf } from '../config/types.js';
import { defaultKubeconfig, isDelegatedIpam } from '../ipam/config.js';
import { importKubernetesClient } from '../kube/credentials.js';
import { checkPod, type Finding, type PodCheckFacts, type PodSpecLike } from '../plan/pod-check.js';
import { printError, printJson, printText } from './output.js';

const USAGE = `usage: hns-cni pod check [-f FILE|-] [--conf-dir DIR] [--kubeconfig FILE] [--namespace-level LEVEL] [--json]
Lints pod specs for Windows host networking on this node. LEVEL: privileged, baseline or restricted (the
namespace's pod-security.kubernetes.io/enforce), read from the API server when not given.`;

interface Workload {
  kind: string;
  name: string;
  namespace: string;
  annotations: Record<string, string>;
  spec: PodSpecLike;
}

type Doc = {
  kind?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
};

function templateOf(doc: Doc): { metadata?: Doc['metadata']; spec?: PodSpecLike } | undefined {
  const spec = doc.spec as Record<string, unknown> | undefined;
  switch (doc.kind) {
    case 'Pod':
      return { ...(doc.metadata && { metadata: doc.metadata }), spec: spec as PodSpecLike };
    case 'Deployment':
    case 'DaemonSet':
    case 'StatefulSet':
    case 'ReplicaSet':
    case 'Job':
      return spec?.template as { metadata?: Doc['metadata']; spec?: PodSpecLike } | undefined;
    case 'CronJob':
      return ((spec?.jobTemplate as Doc | undefined)?.spec as Record<string, unknown> | undefined)?.template as
        | { metadata?: Doc['metadata']; spec?: PodSpecLike }
        | undefined;
    default:
      return undefined;
  }
}

export function workloadsOf(docs: unknown[]): Workload[] {
  return docs.flatMap((raw) => {
    const doc = raw as Doc;
    const template = templateOf(doc);
    if (template?.spec === undefined) return [];
    return [
      {
        kind: doc.kind ?? '?',
        name: doc.metadata?.name ?? '?',
        namespace: doc.metadata?.namespace ?? 'default',
        annotations: { ...(template.metadata?.annotations ?? {}) },
        spec: template.spec,
      },
    ];
  });
}

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'check') {
    printError(
      `hns-cni pod: ${sub === undefined ? 'a subcommand is needed' : `unknown subcommand "${sub}"`}\n${USAGE}`,
    );
    return 2;
  }
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({
      args: rest,
      options: {
        file: { type: 'string', short: 'f' },
        'conf-dir': { type: 'string' },
        kubeconfig: { type: 'string' },
        'namespace-level': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    printError(`hns-cni pod check: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const file = typeof v.file === 'string' ? v.file : '-';
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    printError(`hns-cni pod check: cannot read ${file === '-' ? 'stdin' : file}: ${(e as Error).message}`);
    return 1;
  }
  const k8s = await importKubernetesClient();
  let workloads: Workload[];
  try {
    workloads = workloadsOf(k8s.loadAllYaml(text).filter((d: unknown) => d !== null && d !== undefined));
  } catch (e) {
    printError(`hns-cni pod check: not YAML or JSON: ${(e as Error).message}`);
    return 1;
  }
  if (workloads.length === 0) {
    printError('hns-cni pod check: no Pod or pod template in the input');
    return 1;
  }
  const facts = await nodeFacts(v);
  const report = [];
  for (const w of workloads) {
    const level =
      typeof v['namespace-level'] === 'string' ? v['namespace-level'] : await namespaceLevel(facts, w.namespace);
    const findings = checkPod(w.spec, w.annotations, {
      ...facts.check,
      ...(level !== undefined && { namespaceLevel: level }),
    });
    report.push({ kind: w.kind, name: w.name, namespace: w.namespace, findings });
  }
  if (v.json) printJson(report);
  else {
    for (const r of report) {
      printText(`${r.kind} ${r.namespace}/${r.name}:`);
      for (const f of r.findings) printText(`  ${f.level.toUpperCase().padEnd(7)} ${f.topic}: ${f.message}`);
    }
  }
  return report.some((r) => r.findings.some((f: Finding) => f.level === 'error')) ? 1 : 0;
}

interface NodeFacts {
  check: PodCheckFacts;
  kubeconfig?: string;
}

async function nodeFacts(v: Record<string, string | boolean | undefined>): Promise<NodeFacts> {
  const { defaultConfDir, readNodeConfigs } = await import('../node/conf.js');
  let conf: NetConf | undefined;
  try {
    conf = readNodeConfigs(typeof v['conf-dir'] === 'string' ? v['conf-dir'] : defaultConfDir()).networks[0];
  } catch (e) {
    printError(`hns-cni pod check: ${(e as Error).message} (checking without the node's settings)`);
  }
  const ipam = conf?.ipam;
  const { credentialsFile } = await import('../kube/credentials.js');
  const kubeconfig = credentialsFile([
    typeof v.kubeconfig === 'string' ? v.kubeconfig : undefined,
    conf?.hostNetwork.kubeconfig,
    ipam !== undefined && !isDelegatedIpam(ipam) ? ipam.kubeconfig : undefined,
    defaultKubeconfig(),
  ]);
  const detection = conf?.hostNetwork.detect === 'annotation' || kubeconfig === undefined ? 'annotation' : 'api';
  const check: PodCheckFacts = { detection, ...(conf !== undefined && { settings: conf.hostNetwork }) };
  try {
    const { selectIphlpClient } = await import('../iphlp/select.js');
    check.portsInUse = await (await selectIphlpClient({ timeoutMs: 10_000 })).listPortOwners();
  } catch (e) {
    printError(`hns-cni pod check: cannot read the node's sockets: ${(e as Error).message}`);
  }
  return { check, ...(kubeconfig !== undefined && { kubeconfig }) };
}

async function namespaceLevel(facts: NodeFacts, namespace: string): Promise<string | undefined> {
  if (facts.kubeconfig === undefined) return undefined;
  try {
    const k8s = await importKubernetesClient();
    const { loadCredentials } = await import('../kube/credentials.js');
    const creds = await loadCredentials([facts.kubeconfig]);
    if (creds === undefined) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const ns = await Promise.race([
      creds.kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: namespace }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    return ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'] ?? 'unlabelled';
  } catch (e) {
    printError(`hns-cni pod check: cannot read namespace ${namespace}: ${(e as Error).message}`);
    return undefined;
  }
}

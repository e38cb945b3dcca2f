// deploy/*.yaml against the Kubernetes API schema: each object through kubernetes-models' validator (JSON schemas
// generated from the Kubernetes OpenAPI spec: types, enums, required fields), plus a strict check that every field
// exists in the API (kube-apiserver's strict field validation; the schema alone lets a misspelt `hostprocess` pass
// and the pod would silently not be a HostProcess pod), walked with @kubernetes/client-node's models. Then what
// issue 13 asks of the DaemonSet and its RBAC.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../../..');
const MODELS: Record<string, { schema: new (d: never) => { validate(): void }; client: string }> = {
  'v1/ServiceAccount': { schema: ServiceAccount as never, client: 'V1ServiceAccount' },
  'rbac.authorization.k8s.io/v1/ClusterRole': { schema: ClusterRole as never, client: 'V1ClusterRole' },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
    schema: ClusterRoleBinding as never,
    client: 'V1ClusterRoleBinding',
  },
  'apps/v1/DaemonSet': { schema: DaemonSet as never, client: 'V1DaemonSet' },
};

type Doc = Record<string, unknown> & { apiVersion: string; kind: string };
type AttributeMap = { baseName: string; type: string }[];

/** Paths of fields the API does not have, walking the client library's model of each type. */
function unknownFields(value: unknown, type: string, at = ''): string[] {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, array[1]!, `${at}[${i}]`)) : [];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    return value && typeof value === 'object'
      ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, map[1]!, `${at}.${k}`))
      : [];
  }
  const model = (k8s as unknown as Record<string, { getAttributeTypeMap?: () => AttributeMap }>)[type];
  if (model?.getAttributeTypeMap === undefined || value === null || typeof value !== 'object') return [];
  const attributes = model.getAttributeTypeMap();
  return Object.entries(value).flatMap(([k, v]) => {
    const attribute = attributes.find((a) => a.baseName === k);
    return attribute === undefined ? [`${at}.${k}`] : unknownFields(v, attribute.type, `${at}.${k}`);
  });
}

function problemsOf(doc: Doc): string[] {
  const model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (model === undefined) return [`no model for ${doc.apiVersion} ${doc.kind}`];
  const problems = unknownFields(doc, model.client).map((p) => `unknown field ${p}`);
  try {
    new model.schema(doc as never).validate();
  } catch (e) {
    problems.push((e as Error).message);
  }
  return problems;
}

const manifests = fs.readdirSync(path.join(repo, 'deploy')).filter((f) => f.endsWith('.yaml'));
const docs = manifests.flatMap((f) => k8s.loadAllYaml(fs.readFileSync(path.join(repo, 'deploy', f), 'utf8')) as Doc[]);
const find = (kind: string) => docs.find((d) => d.kind === kind)!;

describe('deploy/ manifests', () => {
  it('every object validates against the API schema, with no unknown field', () => {
    expect(manifests.length).toBeGreaterThan(0);
    expect(docs.map((d) => d.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'DaemonSet',
      'ServiceAccount',
    ]);
    for (const doc of docs) expect(problemsOf(doc), `${doc.kind}`).toEqual([]);
  });

  it('the checks bite: a wrong type, a missing required field and a misspelt field are each caught', () => {
    const broken = (mutate: (d: k8s.V1DaemonSet) => void) => {
      const d = structuredClone(find('DaemonSet')) as unknown as k8s.V1DaemonSet;
      mutate(d);
      return problemsOf(d as unknown as Doc);
    };
    const windowsOptions = (d: k8s.V1DaemonSet) =>
      d.spec!.template.spec!.securityContext!.windowsOptions as unknown as Record<string, unknown>;
    expect(
      broken((d) => {
        windowsOptions(d).hostProcess = 'yes';
      }).join(),
    ).toMatch(/hostProcess must be boolean/);
    expect(
      broken((d) => {
        delete (d.spec as unknown as Record<string, unknown>).selector;
      }).join(),
    ).toMatch(/required property selector/);
    expect(
      broken((d) => {
        const w = windowsOptions(d);
        w.hostprocess = w.hostProcess;
        delete w.hostProcess;
      }),
    ).toEqual(['unknown field .spec.template.spec.securityContext.windowsOptions.hostprocess']);
  });

  it('a HostProcess DaemonSet on Windows nodes: init step installs from the Node, main container runs the agent', () => {
    const spec = (find('DaemonSet') as unknown as k8s.V1DaemonSet).spec!.template.spec!;
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'windows' });
    expect(spec.hostNetwork).toBe(true);
    expect(spec.securityContext?.windowsOptions).toMatchObject({
      hostProcess: true,
      runAsUserName: 'NT AUTHORITY\\SYSTEM',
    });
    expect(spec.serviceAccountName).toBe((find('ServiceAccount') as unknown as k8s.V1ServiceAccount).metadata!.name);
    expect(spec.initContainers![0]!.command!.join(' ')).toMatch(/hns-cni\.exe" install --from-node/);
    expect(spec.containers[0]!.command!.join(' ')).toMatch(/hns-cni\.exe" node;/);
    for (const c of [...spec.initContainers!, ...spec.containers]) {
      expect(c.env).toContainEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    }
  });

  it("RBAC: nodes get/list/watch/patch (its own DR MAC annotation) and pods get, bound to the DaemonSet's service account, nothing more", () => {
    const role = find('ClusterRole') as unknown as k8s.V1ClusterRole;
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
    ]);
    const binding = find('ClusterRoleBinding') as unknown as k8s.V1ClusterRoleBinding;
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: role.metadata!.name,
    });
    const sa = find('ServiceAccount') as unknown as k8s.V1ServiceAccount;
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: sa.metadata!.name, namespace: sa.metadata!.namespace },
    ]);
  });
});

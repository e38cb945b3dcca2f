// A plan as operators read it (`hns-cni plan`): each HCN call in order with the exact JSON document it sends,
// then the notes and the CNI result. Returns lines; the caller prints them through commands/output.ts.
import type { AddPlan, AddStep } from './types.js';

function callOf(step: AddStep): string {
  switch (step.kind) {
    case 'createNetwork':
      return `HcnCreateNetwork ${step.id} "${step.name}" (${step.document.Type}${step.disruptive ? "; the node's connectivity blips while the external vSwitch is bound" : ''})`;
    case 'createEndpoint':
      return `HcnCreateEndpoint ${step.id} "${step.name}" on network ${step.networkId} (${step.role} endpoint)`;
    case 'attachEndpoints':
      return `HcnModifyNamespace ${step.namespaceId}: attach ${step.requests.length} endpoint(s)`;
  }
}

function documentsOf(step: AddStep): unknown[] {
  return step.kind === 'attachEndpoints' ? step.requests : [step.document];
}

export function describePlan(plan: AddPlan): string[] {
  const lines = [`# ADD plan (mode ${plan.mode}): ${plan.steps.length} step(s), undone in reverse on failure`];
  plan.steps.forEach((step, i) => {
    lines.push(`${i + 1}. ${callOf(step)}`);
    for (const doc of documentsOf(step)) lines.push(`   ${JSON.stringify(doc)}`);
  });
  for (const note of plan.notes) lines.push(`note: ${note}`);
  if (plan.podAddressFromHns)
    lines.push('note: HNS assigns the pod address; the result gets it from the created endpoint');
  lines.push(`result: ${JSON.stringify(plan.result)}`);
  return lines;
}

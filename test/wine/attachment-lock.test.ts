// The per-attachment lock under Windows semantics (hns-cni.exe under Wine): a lock left by a holder that died is
// recognised by its pid (process.kill(pid, 0) → OpenProcess on Windows) and taken over at once, not after its mark
// goes stale; the lock lives next to the IPAM store under C:\ProgramData\hns-cni and is gone after the verb.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allocationsOf, createNamespace, deleteNamespace, expectOk, podVerb } from './hns-view.js';
import { onDriveC, win, writeConflist } from './stage.js';

describe('hns-cni.exe attachment lock under Wine', () => {
  it('a lock whose holder died is taken over; ADD and DEL leave no lock behind', () => {
    const net = 'wine-lock-net';
    writeConflist('60-wine-lock.conflist', {
      cniVersion: '1.0.0',
      name: net,
      plugins: [
        {
          type: 'hns-cni',
          mode: 'nat',
          clusterCIDR: '10.244.0.0/16',
          serviceCIDR: '10.96.0.0/12',
          ipam: { subnet: '10.244.41.0/24' },
          // The wait for the lock is twice this: a lock not taken over would fail the ADD with 11 after 4 s.
          timeouts: { hnsCallMs: 2000 },
        },
      ],
    });
    const pod = { net, containerId: 'wine-lock-pod', netns: createNamespace() };
    const lockDir = onDriveC(`${win.dataDir}\\attachments\\${net}\\wine-lock-pod~65746830.lock`);
    mkdirSync(lockDir, { recursive: true });
    // A fresh mark (not stale for another minute) of a process id no process has.
    writeFileSync(join(lockDir, 'owner-99999996'), new Date().toISOString());

    expectOk(podVerb('add', pod));
    expect(allocationsOf(net, pod.containerId)).toHaveLength(1);
    expect(existsSync(lockDir)).toBe(false);
    expectOk(podVerb('del', pod));
    expect(allocationsOf(net, pod.containerId)).toEqual([]);
    expect(readdirSync(onDriveC(`${win.dataDir}\\attachments\\${net}`))).toEqual([]);
    deleteNamespace(pod.netns);
  });
});

// The config's notes (ignored fields, deliberate differences from the anchor)
// go to the log once per invocation, each at its own level; `hns-cni migrate` and `plan` print them instead.
import { log } from '../log/logger.js';
import type { NetConf } from './types.js';

export function logConfigNotes(conf: NetConf): void {
  if (conf.family !== 'hns-cni') {
    log.debug(`config read with ${conf.family}'s rules`, { family: conf.family, chosenBy: conf.familySource });
  }
  for (const note of conf.notes)
    log[note.level](`config: ${note.text}`, note.path === undefined ? {} : { path: note.path });
}

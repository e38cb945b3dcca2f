// How the model reports an HNS failure: throw HcnFailure(hr, detail); the dispatcher turns it into the HRESULT and
// the ErrorRecord (hresult.ts errorRecordFor) the caller sees.
export class HcnFailure extends Error {
  constructor(
    readonly hr: number,
    readonly detail?: string,
  ) {
    super(`HNS failure 0x${(hr >>> 0).toString(16)}${detail ? ` ${detail}` : ''}`);
    this.name = 'HcnFailure';
  }
}

export function fail(hr: number, detail?: string): never {
  throw new HcnFailure(hr, detail);
}

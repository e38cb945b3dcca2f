// The one place debug commands print from. stdout is written with fs.writeSync: Node's stream-based stdout throws
// EBADF when Wine hands the process a Unix pipe (toolchain.md), and a CNI plugin must never mix streams anyway.
import * as fs from 'node:fs';

export function printText(text: string): void {
  fs.writeSync(1, text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  fs.writeSync(1, `${JSON.stringify(value, null, 2)}\n`);
}

/** A plain fixed-width table: columns sized to their widest cell. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  printText([line(headers), ...rows.map(line)].join('\n'));
}

export function printError(text: string): void {
  fs.writeSync(2, text.endsWith('\n') ? text : `${text}\n`);
}

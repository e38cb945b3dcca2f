// The one place debug commands print from. stdout is written synchronously with fs.writeSync (cni/io.ts writeAll):
// Node's stream-based stdout throws EBADF when Wine hands the process a Unix pipe (toolchain.md), a CNI plugin must
// never mix streams anyway, and a synchronous write that loops until every byte is taken cannot be cut short by the
// exit that follows it (output of any size arrives whole through a pipe).
import { writeAll } from '../cni/io.js';

export function printText(text: string): void {
  writeAll(1, text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  writeAll(1, `${JSON.stringify(value, null, 2)}\n`);
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
  writeAll(2, text.endsWith('\n') ? text : `${text}\n`);
}

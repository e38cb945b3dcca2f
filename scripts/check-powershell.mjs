#!/usr/bin/env node
// Syntax check of PowerShell scripts without PowerShell (none installs here): tree-sitter's PowerShell grammar,
// offline from npm. Prints every error with its position; exit 1 when any file has one.
// Usage: node scripts/check-powershell.mjs FILE.ps1...   (the grammar package is ESM with top-level await)
import * as fs from 'node:fs';
import Parser from 'tree-sitter';

const { default: PowerShell } = await import('tree-sitter-powershell');
const parser = new Parser();
parser.setLanguage(PowerShell);

let failed = 0;
for (const file of process.argv.slice(2)) {
  const tree = parser.parse(fs.readFileSync(file, 'utf8'));
  const problems = [];
  const walk = (node) => {
    if (node.type === 'ERROR' || node.isMissing) {
      const { row, column } = node.startPosition;
      problems.push(
        `${file}:${row + 1}:${column + 1}: ${node.isMissing ? `missing ${node.type}` : 'syntax error'} near ${JSON.stringify(node.text.slice(0, 60))}`,
      );
    }
    for (const child of node.children) walk(child);
  };
  walk(tree.rootNode);
  if (problems.length > 0) failed++;
  for (const p of problems) console.log(p);
}
process.exit(failed > 0 ? 1 : 0);

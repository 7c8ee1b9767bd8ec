// The doctor's output: a table for people (fixes under each failure) or JSON for scripts.
import type { CheckResult } from './types.js';
import { allPassed } from './doctor.js';

export function formatText(results: readonly CheckResult[]): string {
  const width = Math.max(5, ...results.map((r) => r.id.length));
  const lines = [`${'CHECK'.padEnd(width)}  RESULT  DETAIL`];
  for (const r of results) {
    lines.push(`${r.id.padEnd(width)}  ${r.status.padEnd(6)}  ${r.detail}`);
    if (r.fix && r.status !== 'PASS') lines.push(`${' '.repeat(width)}  ${' '.repeat(6)}  fix: ${r.fix}`);
  }
  const count = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
  lines.push(
    '',
    `${results.length} checks: ${count('PASS')} passed, ${count('FAIL')} failed, ${count('SKIP')} skipped`,
  );
  return `${lines.join('\n')}\n`;
}

export function formatJSON(results: readonly CheckResult[]): string {
  return `${JSON.stringify({ ok: allPassed(results), checks: results }, null, 2)}\n`;
}

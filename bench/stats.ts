/** Small helpers for benchmarks: median of repeated samples, and a printed table of ratios. */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

export interface Row {
  what: string;
  subject: string;
  baseline: string;
  subjectValue: number;
  baselineValue: number;
  unit: string;
  target?: string;
}

export function printRows(title: string, rows: readonly Row[]): void {
  console.log(`\n## ${title}`);
  console.log('| measure | muster | baseline | ratio | target |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) {
    const ratio = row.subjectValue / row.baselineValue;
    console.log(
      `| ${row.what} | ${row.subject}: ${format(row.subjectValue, row.unit)} | ${row.baseline}: ${format(row.baselineValue, row.unit)} | ${ratio.toFixed(2)}× | ${row.target ?? ''} |`,
    );
  }
}

function format(value: number, unit: string): string {
  return unit === 'ms' ? `${value.toFixed(0)} ms` : unit === 'MiB' ? `${value.toFixed(1)} MiB` : `${value} ${unit}`;
}

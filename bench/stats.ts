/** Small helpers for benchmarks: median of repeated samples, and a printed table of ratios. */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/** The p-th percentile (0-100) by nearest rank: p90 of 15 samples is the 14th smallest. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
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
    console.log(
      `| ${row.what} | ${row.subject}: ${format(row.subjectValue, row.unit)} | ${row.baseline}: ${format(row.baselineValue, row.unit)} | ${formatRatio(row.subjectValue / row.baselineValue)} | ${row.target ?? ''} |`,
    );
  }
}

function format(value: number, unit: string): string {
  return unit === 'ms' ? `${value.toFixed(0)} ms` : unit === 'MiB' ? `${value.toFixed(1)} MiB` : `${value} ${unit}`;
}

/** Small ratios read better as fractions: 1/500× rather than 0.00×. */
function formatRatio(ratio: number): string {
  if (ratio === 0) return '0×';
  return ratio < 0.1 ? `1/${Math.round(1 / ratio)}×` : `${ratio.toFixed(2)}×`;
}

// Loaded with --import into a measured process: on exit, appends its peak RSS (KiB) to the file
// named by MUSTER_BENCH_RSS_FILE, so muster and a bare node are measured the same way.
import { appendFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.MUSTER_BENCH_RSS_FILE;
  if (file) appendFileSync(file, `${process.resourceUsage().maxRSS}\n`);
});

import type * as z from 'zod';

/** One config problem: where it is and what to do about it. */
export interface ConfigProblem {
  path: string;
  message: string;
  hint?: string;
}

/** `platform.peers[1].ip`: the path as a user would find it in their YAML. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text === '' ? '(top level)' : text;
}

/** Turns every zod issue (not only the first) into a problem with a path and, where we can, a hint. */
export function problemsFromZod(error: z.ZodError, knownKeysAt: (path: readonly PropertyKey[]) => readonly string[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(issue.path);
      for (const key of issue.keys) {
        const guess = closest(key, known);
        problems.push({
          path: formatPath([...issue.path, key]),
          message: 'unknown key',
          hint: guess ? `did you mean "${guess}"?` : `known keys here: ${known.join(', ')}`,
        });
      }
      continue;
    }
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
      problems.push({ path: formatPath(issue.path), message: 'required', hint: `expected ${issue.expected}` });
      continue;
    }
    if (issue.code === 'invalid_union' && 'discriminator' in issue && typeof issue.discriminator === 'string') {
      // zod reports the path of the discriminator itself (platform.type); the union is its parent.
      const unionPath = issue.path.at(-1) === issue.discriminator ? issue.path.slice(0, -1) : issue.path;
      const options = knownKeysAt([...unionPath, `#${issue.discriminator}`]);
      problems.push({
        path: formatPath([...unionPath, issue.discriminator]),
        message: 'unknown or missing type',
        ...(options.length > 0 ? { hint: `one of: ${options.join(', ')}` } : {}),
      });
      continue;
    }
    problems.push({ path: formatPath(issue.path), message: issue.message });
  }
  return problems;
}

export function renderProblems(problems: readonly ConfigProblem[]): string[] {
  return problems.map((problem) => `${problem.path} → ${problem.message}${problem.hint ? ` (${problem.hint})` : ''}`);
}

/** The known key nearest to a misspelt one, if it is near enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

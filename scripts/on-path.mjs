// Whether a program can be run by name: an executable file of that name in a PATH directory (or,
// for daemons, in /usr/sbin or /sbin, which a non-root PATH may leave out); an absolute path is
// looked at as it is. Shared by ensure-deps.mjs and the build's code-cache training.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export function onPath(program) {
  if (program.startsWith('/')) return existsSync(program);
  return [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'].some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

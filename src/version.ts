import * as fs from 'node:fs';
import * as path from 'node:path';

/** synctl's version from package.json, found upward from here (works from src/ and dist/src/). */
export function synctlVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
    if (path.dirname(dir) === dir) return '0.0.0';
  }
}

/**
 * How a running `npm start` tells tools started from the same folder (`koogallery-admin`, the
 * simulator) where its embedded store and stand-in are: the embedded dynalite holds a lock on its
 * folder, so nothing else may open it; tools talk to the running store instead. The file lives in
 * DATA_DIR (mode 0600, like the development keys), is written once the service listens and removed
 * when it stops; a file left by a killed process names a pid that no longer runs.
 */
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The file's name inside DATA_DIR. */
export const RUNTIME_FILE = 'local-runtime.json';

/** What the running local service publishes. Development values only: nothing of a real cloud. */
export interface LocalRuntime {
  pid: number;
  /** The production interface, `http://127.0.0.1:<port>/`. */
  url: string;
  /** Settings tools need to reach the same store and open API (TABLE_NAME, DYNAMODB_ENDPOINT…). */
  settings: Record<string, string>;
}

/** Writes the runtime file for this process. */
export async function writeRuntimeFile(dataDir: string, runtime: LocalRuntime): Promise<string> {
  const file = join(dataDir, RUNTIME_FILE);
  await writeFile(file, `${JSON.stringify(runtime, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** Removes the runtime file if it is this process's. */
export async function removeRuntimeFile(dataDir: string, pid = process.pid): Promise<void> {
  const found = readRuntimeFile(dataDir);
  if (found.kind === 'running' && found.runtime.pid === pid) {
    await rm(join(dataDir, RUNTIME_FILE), { force: true });
  }
}

/** What {@link readRuntimeFile} found. */
export type RuntimeLookup =
  | { kind: 'running'; runtime: LocalRuntime; file: string }
  | { kind: 'missing' | 'stale' | 'unreadable'; file: string };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the runtime file of the `npm start` that runs from `dataDir`, if any. */
export function readRuntimeFile(dataDir: string): RuntimeLookup {
  const file = join(dataDir, RUNTIME_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { kind: 'missing', file };
  }
  try {
    const runtime = JSON.parse(text) as LocalRuntime;
    if (typeof runtime.pid !== 'number' || typeof runtime.settings !== 'object') {
      return { kind: 'unreadable', file };
    }
    return alive(runtime.pid) ? { kind: 'running', runtime, file } : { kind: 'stale', file };
  } catch {
    return { kind: 'unreadable', file };
  }
}

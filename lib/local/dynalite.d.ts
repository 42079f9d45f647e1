/** Types for dynalite 4 (it ships none): a DynamoDB-compatible HTTP server backed by LevelDB. */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  /** dynalite's options (only those this project uses). */
  interface DynaliteOptions {
    /** LevelDB directory; in memory when absent. */
    path?: string;
    /** How long a new table stays CREATING (default 500 ms). */
    createTableMs?: number;
    /** How long a deleted table stays DELETING (default 500 ms). */
    deleteTableMs?: number;
    /** How long an updated table stays UPDATING (default 500 ms). */
    updateTableMs?: number;
    /** Largest accepted item (default 400 KB). */
    maxItemSizeKb?: number;
  }

  /** Creates a dynalite server; call `listen` on it. Its `close` also closes the database. */
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}

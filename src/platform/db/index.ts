import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import type { BlockStorageTables } from '../../services/block-storage/tables.ts';
import type { ComputeTables } from '../../services/compute/tables.ts';
import type { IdentityTables } from '../../services/identity/tables.ts';
import type { ImageTables } from '../../services/image/tables.ts';
import type { NetworkTables } from '../../services/network/tables.ts';
import type { ObjectStorageTables } from '../../services/object-storage/tables.ts';
import type { PlacementTables } from '../../services/placement/tables.ts';
import { migrations } from './migrations/index.ts';

/** Every service's tables, composed; services only touch their own. */
export type Database = IdentityTables & ImageTables & BlockStorageTables & NetworkTables & ComputeTables & PlacementTables & ObjectStorageTables;

export type Db = Kysely<Database>;

/**
 * Opens the embedded SQLite database in WAL mode with full fsync on commit, so a crash at any
 * moment leaves the last committed state, and applies pending migrations.
 */
export async function openDatabase(file: string): Promise<Db> {
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db);
  return db;
}

async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async (): Promise<Record<string, Migration>> => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
}

/** SQLite stores booleans as 0/1; normalise at the store boundary. */
export function bool(value: number | boolean | null): boolean {
  return value === true || value === 1;
}

import type { Kysely } from 'kysely';

// Frozen in time: imports no application code.
export async function up(db: Kysely<any>): Promise<void> {
  // Cinder's volume_glance_metadata: a JSON object of strings, null for volumes not made from an image.
  await db.schema.alterTable('volumes').addColumn('image_metadata', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('volumes').dropColumn('image_metadata').execute();
}

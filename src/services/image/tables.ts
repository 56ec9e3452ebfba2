/** Booleans are 0/1 and timestamps ISO-8601 text (with milliseconds, so they sort), as in identity. */
type Flag = number;

export interface ImageTable {
  /** A dashed UUID, as Glance's schema requires. */
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  protected: Flag;
  os_hidden: Flag;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  size: number | null;
  virtual_size: number | null;
  min_disk: number;
  min_ram: number;
  disk_format: string | null;
  container_format: string | null;
  /** The owning project; null only for images created without a project scope. */
  owner: string | null;
  created_at: string;
  updated_at: string;
}

/** Free-form top-level properties (`os_distro`, `hw_disk_bus`, ...); Glance keeps every value a string. */
export interface ImagePropertyTable {
  image_id: string;
  name: string;
  value: string;
}

export interface ImageTagTable {
  image_id: string;
  value: string;
}

export interface ImageMemberTable {
  image_id: string;
  /** The project the image is shared with. */
  member: string;
  status: string;
  created_at: string;
  updated_at: string;
}

export interface ImageTables {
  images: ImageTable;
  image_properties: ImagePropertyTable;
  image_tags: ImageTagTable;
  image_members: ImageMemberTable;
}

import { MAX_MANIFEST_SIZE } from './large-objects.ts';
import { LISTING_LIMIT } from './listing.ts';
import { LIMITS } from './metadata.ts';
import { MAX_FILE_SIZE } from './object-headers.ts';
import { MAX_MANIFEST_SEGMENTS } from './slo.ts';
import { ALLOWED_DIGESTS, TEMP_URL_METHODS } from './temp-url.ts';

/** `GET /info`: the cluster's capabilities, in the sections Swift's middlewares register. */
export function capabilities(): Record<string, unknown> {
  return {
    swift: {
      max_file_size: MAX_FILE_SIZE,
      max_meta_name_length: LIMITS.maxMetaNameLength,
      max_meta_value_length: LIMITS.maxMetaValueLength,
      max_meta_count: LIMITS.maxMetaCount,
      max_meta_overall_size: LIMITS.maxMetaOverallSize,
      max_header_size: 8192,
      max_object_name_length: 1024,
      max_container_name_length: 256,
      max_account_name_length: 256,
      container_listing_limit: LISTING_LIMIT,
      account_listing_limit: LISTING_LIMIT,
      extra_header_count: 0,
      valid_api_versions: ['v1', 'v1.0'],
      strict_cors_mode: true,
      allow_account_management: false,
      account_autocreate: true,
      policies: [{ name: 'Policy-0', aliases: 'Policy-0', default: true }],
    },
    tempurl: {
      methods: TEMP_URL_METHODS,
      incoming_remove_headers: ['x-timestamp'],
      incoming_allow_headers: [],
      outgoing_remove_headers: ['x-object-meta-*'],
      outgoing_allow_headers: ['x-object-meta-public-*'],
      allowed_digests: ALLOWED_DIGESTS,
    },
    slo: {
      max_manifest_segments: MAX_MANIFEST_SEGMENTS,
      max_manifest_size: MAX_MANIFEST_SIZE,
      yield_frequency: 10,
      min_segment_size: 1,
      allow_async_delete: false,
    },
    dlo: {},
    account_quotas: {},
    container_quotas: {},
  };
}

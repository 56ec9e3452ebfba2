import type { Flavor } from '../../services/compute/flavors.ts';
import { atLeast, type Version } from '../microversion.ts';

export type Link = { href: string; rel: string };

/** Nova's `self` (versioned) and `bookmark` (unversioned) links of a resource. */
function resourceLinks(base: string, collection: string, id: string): Link[] {
  const path = `${collection}/${encodeURIComponent(id)}`;
  return [{ href: `${base}/${path}`, rel: 'self' }, { href: `${base.replace(/\/v2(\.1)?$/, '')}/${path}`, rel: 'bookmark' }];
}

/** `GET /flavors`: id, name, links, and the description from 2.55. */
export function flavorSummary(base: string, v: Version, f: Flavor): Record<string, unknown> {
  return { id: f.id, name: f.name, links: resourceLinks(base, 'flavors', f.id), ...(atLeast(v, '2.55') ? { description: f.description } : {}) };
}

/**
 * Detail, show, create and update. Nova renders no swap as `""` below 2.75, and shows extra
 * specs with the flavor from 2.61.
 */
export function flavorDetail(base: string, v: Version, f: Flavor): Record<string, unknown> {
  return {
    id: f.id, name: f.name, ram: f.ram, disk: f.disk, swap: f.swap === 0 ? '' : f.swap, 'OS-FLV-EXT-DATA:ephemeral': f.ephemeral,
    'OS-FLV-DISABLED:disabled': f.disabled, vcpus: f.vcpus, 'os-flavor-access:is_public': f.is_public, rxtx_factor: f.rxtx_factor,
    links: resourceLinks(base, 'flavors', f.id),
    ...(atLeast(v, '2.55') ? { description: f.description } : {}),
    ...(atLeast(v, '2.61') ? { extra_specs: f.extra_specs } : {}),
  };
}

/**
 * `<collection>_links` of a page: `next` repeats the request with `marker` set to the page's
 * last item (Nova adds it whenever a page is full).
 */
export function pageLinks(base: string, requestUrl: string, nextMarker: string | undefined): Link[] {
  if (nextMarker === undefined) return [];
  const u = new URL(`${base}${requestUrl.slice(requestUrl.indexOf('/v2.1/') + '/v2.1'.length)}`);
  u.searchParams.set('marker', nextMarker);
  return [{ href: u.toString(), rel: 'next' }];
}

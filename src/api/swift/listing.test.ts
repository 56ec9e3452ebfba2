import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwiftError } from './errors.ts';
import { listingFormat, listingPage, listingParams, renderListing, type ListingParams } from './listing.ts';

const rejectsWith = (status: number, body?: string) => (err: unknown) =>
  err instanceof SwiftError && err.status === status && (body === undefined || err.body === body);

describe('listing format', () => {
  it('takes format= over Accept, an unknown format being plain', () => {
    assert.equal(listingFormat('json', 'application/xml'), 'application/json');
    assert.equal(listingFormat('XML', undefined), 'application/xml');
    assert.equal(listingFormat('yaml', 'application/json'), 'text/plain');
  });

  it('picks the Accept header\'s best offer in Swift\'s order of preference', () => {
    assert.equal(listingFormat(null, undefined), 'text/plain');
    assert.equal(listingFormat(null, '*/*'), 'text/plain');
    assert.equal(listingFormat(null, 'application/*'), 'application/json');
    assert.equal(listingFormat(null, 'text/xml'), 'text/xml');
    assert.equal(listingFormat(null, 'text/plain;q=0.5, application/json'), 'application/json');
    assert.equal(listingFormat(null, 'application/json;q=0, application/xml'), 'application/xml');
    assert.throws(() => listingFormat(null, 'image/png'), rejectsWith(406));
  });
});

describe('listing parameters', () => {
  it('reads markers, prefix, delimiter, path and reverse', () => {
    const p = listingParams(new URLSearchParams('marker=a&end_marker=z&prefix=p&delimiter=/&path=&reverse=on&limit=7'));
    assert.deepEqual(p, { limit: 7, marker: 'a', endMarker: 'z', prefix: 'p', delimiter: '/', path: '', reverse: true });
  });

  it('refuses a limit over 10000 and a long delimiter with 412; ignores a limit that is not all digits', () => {
    assert.throws(() => listingParams(new URLSearchParams('limit=10001')), rejectsWith(412, 'Maximum limit is 10000'));
    assert.throws(() => listingParams(new URLSearchParams('delimiter=ab')), rejectsWith(412, 'Bad delimiter'));
    assert.equal(listingParams(new URLSearchParams('limit=-1')).limit, 10000);
    assert.equal(listingParams(new URLSearchParams('limit=0')).limit, 0);
  });
});

describe('listing pages', () => {
  const names = ['a', 'b/1', 'b/2', 'c', 'd/x/1', 'e'].map((name) => ({ name }));
  const page = (p: Partial<ListingParams>) => listingPage(names, { limit: 100, reverse: false, ...p })
    .map((e) => ('subdir' in e ? `${e.subdir}(dir)` : e.name));

  it('rolls names up at the delimiter, once per subdir, counting it against the limit', () => {
    assert.deepEqual(page({ delimiter: '/' }), ['a', 'b/(dir)', 'c', 'd/(dir)', 'e']);
    assert.deepEqual(page({ delimiter: '/', limit: 3 }), ['a', 'b/(dir)', 'c']);
    assert.deepEqual(page({ prefix: 'd/', delimiter: '/' }), ['d/x/(dir)']);
  });

  it('continues after the marker, never repeating the subdir it names, and stops before end_marker', () => {
    assert.deepEqual(page({ delimiter: '/', marker: 'b/' }), ['c', 'd/(dir)', 'e']);
    assert.deepEqual(page({ marker: 'b/1', endMarker: 'd' }), ['b/2', 'c']);
  });

  it('runs backwards with reverse: before the marker, after the end marker', () => {
    assert.deepEqual(page({ reverse: true, limit: 2 }), ['e', 'd/x/1']);
    assert.deepEqual(page({ reverse: true, marker: 'c', endMarker: 'a' }), ['b/2', 'b/1']);
    assert.deepEqual(page({ reverse: true, delimiter: '/' }), ['e', 'd/(dir)', 'c', 'b/(dir)', 'a']);
  });
});

describe('listing bodies', () => {
  const containers = [{ name: 'c&1', count: 2, bytes: 10, last_modified: '2026-01-02T03:04:05.678000' }, { subdir: 'x/' }];
  const objects = [
    { name: 'o<1>', hash: 'abc', bytes: 3, content_type: 'text/plain', last_modified: '2026-01-02T03:04:05.000000' },
    { subdir: 'p/' },
  ];

  it('renders accounts as Swift\'s ElementTree does, one child per line', () => {
    assert.equal(renderListing('application/xml', 'account', 'AUTH_p', containers),
      '<?xml version="1.0" encoding="UTF-8"?>\n<account name="AUTH_p">\n'
      + '<container><name>c&amp;1</name><count>2</count><bytes>10</bytes><last_modified>2026-01-02T03:04:05.678000</last_modified></container>\n'
      + '<subdir name="x/" />\n</account>');
    assert.equal(renderListing('text/xml', 'account', 'AUTH_"p"', []), '<?xml version="1.0" encoding="UTF-8"?>\n<account name="AUTH_&quot;p&quot;">\n</account>');
  });

  it('renders containers without whitespace, subdirs with their name, an empty one self-closed', () => {
    assert.equal(renderListing('application/xml', 'container', 'c', objects),
      '<?xml version="1.0" encoding="UTF-8"?>\n<container name="c">'
      + '<object><name>o&lt;1&gt;</name><hash>abc</hash><bytes>3</bytes><content_type>text/plain</content_type><last_modified>2026-01-02T03:04:05.000000</last_modified></object>'
      + '<subdir name="p/"><name>p/</name></subdir></container>');
    assert.equal(renderListing('application/xml', 'container', 'c', []), '<?xml version="1.0" encoding="UTF-8"?>\n<container name="c" />');
  });

  it('renders plain text one name per line (empty for nothing) and JSON as the records', () => {
    assert.equal(renderListing('text/plain', 'container', 'c', objects), 'o<1>\np/\n');
    assert.equal(renderListing('text/plain', 'container', 'c', []), '');
    assert.deepEqual(JSON.parse(renderListing('application/json', 'account', 'AUTH_p', containers)), containers);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lifecycleXml, parseLifecycle } from './bucket-lifecycle.ts';
import { S3Error } from './s3-error.ts';
import { parseXml } from './xml.ts';

const parse = (rules: string) => parseLifecycle(parseXml(`<LifecycleConfiguration>${rules}</LifecycleConfiguration>`).LifecycleConfiguration as Record<string, unknown>);
const s3Error = (code: string) => (e: unknown) => e instanceof S3Error && e.code === code;

describe('bucket lifecycle', () => {
  it('parses the expiration subset with every filter form', () => {
    const rules = parse(
      '<Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>' +
      '<Rule><Filter><Tag><Key>tmp</Key><Value>1</Value></Tag></Filter><Status>Disabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>' +
      '<Rule><Filter><And><Prefix>a/</Prefix><Tag><Key>x</Key><Value>1</Value></Tag><Tag><Key>y</Key><Value>2</Value></Tag></And></Filter><Status>Enabled</Status>' +
      '<NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays></NoncurrentVersionExpiration>' +
      '<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>' +
      '<Rule><Prefix></Prefix><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>',
    );
    assert.deepEqual(rules, [
      { id: 'logs', status: 'Enabled', prefix: 'logs/', expirationDays: 30 },
      { status: 'Disabled', prefix: '', tags: { tmp: '1' }, expirationDate: '2030-01-01T00:00:00.000Z' },
      { status: 'Enabled', prefix: 'a/', tags: { x: '1', y: '2' }, noncurrentDays: 7, abortIncompleteUploadDays: 2 },
      { status: 'Enabled', prefix: '', expiredObjectDeleteMarker: true },
    ]);
  });

  it('renders ID, Filter, Status and actions in order, and parses its own rendering back', () => {
    const rules = parse('<Rule><ID>r</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status>' +
      '<Expiration><Days>1</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays></NoncurrentVersionExpiration></Rule>');
    const xml = lifecycleXml(rules);
    assert.match(xml, /<Rule><ID>r<\/ID><Filter><And><Prefix>p\/<\/Prefix><Tag><Key>k<\/Key><Value>v<\/Value><\/Tag><\/And><\/Filter><Status>Enabled<\/Status><Expiration><Days>1<\/Days><\/Expiration><NoncurrentVersionExpiration><NoncurrentDays>2<\/NoncurrentDays><\/NoncurrentVersionExpiration><\/Rule>/);
    assert.deepEqual(parseLifecycle(parseXml(xml).LifecycleConfiguration as Record<string, unknown>), rules);
  });

  it('refuses what S3 refuses', () => {
    const rule = (inner: string) => `<Rule><Filter><Prefix/></Filter><Status>Enabled</Status>${inner}</Rule>`;
    assert.throws(() => parse(rule('<Expiration><Days>0</Days></Expiration>')), s3Error('InvalidArgument'));
    assert.throws(() => parse(rule('<Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>')), s3Error('InvalidArgument'));
    assert.throws(() => parse(rule('<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>')), s3Error('MalformedXML'));
    assert.throws(() => parse(rule('')), s3Error('InvalidRequest'));
    assert.throws(() => parse(rule('<Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition>')), s3Error('NotImplemented'));
    assert.throws(() => parse('<Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>'), s3Error('MalformedXML'));
    assert.throws(() => parse('<Rule><Filter/><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule>'), s3Error('MalformedXML'));
    const twice = '<Rule><ID>same</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>';
    assert.throws(() => parse(twice + twice), s3Error('InvalidArgument'));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aclXml, cannedAclHeader, cannedFromPolicy } from './bucket-acl.ts';
import { S3Error } from './s3-error.ts';

const owner = { ID: 'p1', DisplayName: 'project-one' };
const s3Error = (code: string) => (e: unknown) => e instanceof S3Error && e.code === code;

describe('bucket ACLs', () => {
  it('renders a canned ACL as the owner grant plus its group grants', () => {
    const xml = aclXml('public-read', owner);
    assert.match(xml, /<Owner><ID>p1<\/ID><DisplayName>project-one<\/DisplayName><\/Owner>/);
    assert.match(xml, /<Grant><Grantee xmlns:xsi="http:\/\/www.w3.org\/2001\/XMLSchema-instance" xsi:type="CanonicalUser"><ID>p1<\/ID><DisplayName>project-one<\/DisplayName><\/Grantee><Permission>FULL_CONTROL<\/Permission><\/Grant>/);
    assert.match(xml, /xsi:type="Group"><URI>http:\/\/acs.amazonaws.com\/groups\/global\/AllUsers<\/URI><\/Grantee><Permission>READ<\/Permission>/);
    assert.equal(aclXml('private', owner).match(/<Grant>/g)?.length, 1);
  });

  it('reads every canned ACL back from its own rendering', () => {
    for (const acl of ['private', 'public-read', 'public-read-write', 'authenticated-read'] as const) {
      assert.equal(cannedFromPolicy(aclXml(acl, owner), 'p1'), acl);
    }
  });

  it('refuses grants no canned ACL stands for', () => {
    const policy = (grants: string) => `<AccessControlPolicy><Owner><ID>p1</ID></Owner><AccessControlList>${grants}</AccessControlList></AccessControlPolicy>`;
    const own = '<Grant><Grantee><ID>p1</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>';
    assert.throws(() => cannedFromPolicy(policy(`${own}<Grant><Grantee><ID>p2</ID></Grantee><Permission>READ</Permission></Grant>`), 'p1'), s3Error('NotImplemented'));
    assert.throws(() => cannedFromPolicy(policy(`${own}<Grant><Grantee><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>WRITE</Permission></Grant>`), 'p1'), s3Error('NotImplemented'));
    assert.throws(() => cannedFromPolicy(policy(''), 'p1'), s3Error('NotImplemented'));
    assert.throws(() => cannedFromPolicy('<Other/>', 'p1'), s3Error('MalformedACLError'));
  });

  it('takes canned ACLs by header, not grants', () => {
    assert.equal(cannedAclHeader({ 'x-amz-acl': 'public-read' }), 'public-read');
    assert.equal(cannedAclHeader({}), undefined);
    assert.throws(() => cannedAclHeader({ 'x-amz-acl': 'log-delivery-write' }), s3Error('NotImplemented'));
    assert.throws(() => cannedAclHeader({ 'x-amz-acl': 'everyone' }), s3Error('InvalidArgument'));
    assert.throws(() => cannedAclHeader({ 'x-amz-grant-read': 'uri=x' }), s3Error('NotImplemented'));
  });
});

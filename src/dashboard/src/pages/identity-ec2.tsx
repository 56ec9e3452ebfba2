import { publicUrl } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Table, useAction, useLoad } from '../ui.tsx';
import { identityCall, Secret } from './identity-common.tsx';

interface Ec2Credential {
  access: string;
  secret: string;
  tenant_id: string;
}

function awsSnippet(endpoint: string, access: string | undefined): string {
  return [
    `export AWS_ACCESS_KEY_ID=${access ?? '<access key>'}`,
    // The secret stays masked on screen; its copy button fills it in.
    'export AWS_SECRET_ACCESS_KEY=<secret key>',
    'export AWS_DEFAULT_REGION=RegionOne',
    `aws --endpoint-url ${endpoint} s3 ls`,
    `aws --endpoint-url ${endpoint} s3 cp ./file.txt s3://my-bucket/`,
  ].join('\n');
}

/** S3 keys (Keystone's OS-EC2 credentials): they act for the user in the project they were made for. */
export function Ec2Credentials() {
  const { t } = useI18n();
  const session = useSession();
  const base = `/users/${session.user.id}/credentials/OS-EC2`;
  const { data, error, reload } = useLoad(async () => (await identityCall<{ credentials: Ec2Credential[] }>(session, base)).credentials, []);
  const action = useAction();
  const endpoint = publicUrl(session, 'object-store-s3');
  const mine = data?.filter((c) => c.tenant_id === session.project.id);

  const create = async () => {
    await action.run(() => identityCall(session, base, 'POST', { tenant_id: session.project.id }));
    await reload();
  };
  const remove = async (c: Ec2Credential) => {
    if (!confirm(t('Delete the S3 key {name}? Clients using it stop working.', { name: c.access }))) return;
    await action.run(() => identityCall(session, `${base}/${c.access}`, 'DELETE'));
    await reload();
  };

  return (
    <>
      <div className="page-head section-head">
        <h2>{t('EC2 credentials')}</h2>
        <div className="page-actions">
          <button className="primary" data-testid="ec2-create" disabled={action.busy} onClick={() => void create()}>{t('Create S3 key')}</button>
        </div>
      </div>
      <p className="muted">{t('S3 keys act with your roles in project {project}.', { project: session.project.name })}</p>
      <ErrorNote message={error ?? action.error} />
      <Table
        testId="ec2-table"
        rows={mine}
        rowKey={(c) => c.access}
        columns={[
          { title: t('Access key'), cell: (c) => <code data-testid={`ec2-${c.access}`}>{c.access}</code> },
          { title: t('Secret key'), cell: (c) => <Secret value={c.secret} testId={`ec2-secret-${c.access}`} /> },
          { title: t('Actions'), cell: (c) => <button className="danger" data-testid={`ec2-delete-${c.access}`} disabled={action.busy} onClick={() => void remove(c)}>{t('Delete')}</button> },
        ]}
      />
      {endpoint && (
        <>
          <p>{t('S3 endpoint')}: <code data-testid="s3-endpoint">{endpoint}</code></p>
          <pre data-testid="aws-snippet">{awsSnippet(endpoint, mine?.[0]?.access)}</pre>
        </>
      )}
    </>
  );
}

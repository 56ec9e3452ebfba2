import { useState, type FormEvent } from 'react';
import { download } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, Page, Table, useAction, useLoad } from '../ui.tsx';
import { listKeypairs, nova, type Keypair } from './compute-common.tsx';

/** A generated private key: Nova returns it once and never stores it, so it lives only in this state. */
interface Generated {
  name: string;
  privateKey: string;
}

export function KeyPairs() {
  const { t } = useI18n();
  const session = useSession();
  const { data, error, reload } = useLoad(() => listKeypairs(session), [session.project.id]);
  const action = useAction();
  const [mode, setMode] = useState<'generate' | 'import' | null>(null);
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [generated, setGenerated] = useState<Generated | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const keypair = mode === 'import' ? { name, public_key: publicKey.trim() } : { name };
    const ok = await action.run(async () => {
      const created = (await nova<{ keypair: Keypair & { private_key?: string } }>(session, '/os-keypairs', { method: 'POST', body: { keypair } })).keypair;
      if (created.private_key) setGenerated({ name: created.name, privateKey: created.private_key });
    });
    if (!ok) return;
    setMode(null);
    setName('');
    setPublicKey('');
    await reload();
  };

  const remove = async (k: Keypair) => {
    if (!confirm(t('Delete key pair {name}?', { name: k.name }))) return;
    if (await action.run(() => nova(session, `/os-keypairs/${encodeURIComponent(k.name)}`, { method: 'DELETE' }))) await reload();
  };

  const open = (m: 'generate' | 'import') => {
    action.clear();
    setMode(mode === m ? null : m);
  };

  return (
    <Page
      title={t('Key pairs')}
      actions={<>
        <button className="primary" data-testid="keypair-generate" onClick={() => open('generate')}>{t('Generate key pair')}</button>
        <button data-testid="keypair-import" onClick={() => open('import')}>{t('Import public key')}</button>
      </>}
    >
      {generated && (
        <div className="form" data-testid="keypair-private-key">
          <p>{t('Key pair {name} was created. Download its private key now: it is shown only once and not stored in the cloud.', { name: generated.name })}</p>
          <div className="row">
            <button
              className="primary"
              data-testid="keypair-download"
              onClick={() => {
                download(`${generated.name}.pem`, generated.privateKey, 'application/x-pem-file');
                setGenerated(null);
              }}
            >
              {t('Download {file}', { file: `${generated.name}.pem` })}
            </button>
          </div>
        </div>
      )}
      {mode && (
        <form className="form" onSubmit={submit} data-testid="keypair-form">
          <Field label={t('Name')}>
            <input name="name" required pattern="[A-Za-z0-9 _.@\-]+" value={name} onChange={(e) => setName(e.target.value)} data-testid="keypair-name" />
          </Field>
          {mode === 'import' && (
            <Field label={t('Public key (OpenSSH format)')}>
              <textarea rows={4} required value={publicKey} onChange={(e) => setPublicKey(e.target.value)} placeholder="ssh-ed25519 AAAA… user@host" data-testid="keypair-public-key" />
            </Field>
          )}
          <div className="row">
            <button className="primary" type="submit" disabled={action.busy} data-testid="keypair-submit">{mode === 'import' ? t('Import') : t('Generate')}</button>
            <button type="button" onClick={() => setMode(null)}>{t('Cancel')}</button>
          </div>
        </form>
      )}
      <ErrorNote message={action.error ?? error} />
      <Table
        testId="keypairs"
        rows={data}
        rowKey={(k) => k.name}
        filterText={(k) => `${k.name} ${k.fingerprint}`}
        columns={[
          { title: t('Name'), cell: (k) => <b data-testid={`keypair-${k.name}`}>{k.name}</b> },
          { title: t('Type'), cell: (k) => k.type },
          { title: t('Fingerprint'), cell: (k) => <code>{k.fingerprint}</code> },
          { title: t('Actions'), cell: (k) => <button className="danger" onClick={() => remove(k)} data-testid={`keypair-delete-${k.name}`}>{t('Delete')}</button> },
        ]}
      />
    </Page>
  );
}

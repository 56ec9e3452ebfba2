import { useState, type FormEvent } from 'react';
import { call, type Named, type Session } from '../api.ts';
import { navigate } from '../app.tsx';
import { useI18n } from '../i18n.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Field, Page, useAction, useLoad } from '../ui.tsx';
import { formatRam, listFlavors, listImages, listKeypairs, nova, scsMeaning, type Flavor, type Image, type Keypair } from './compute-common.tsx';

interface Choices {
  images: Image[];
  flavors: Flavor[];
  networks: Named[];
  keypairs: Keypair[];
  groups: Named[];
}

async function choices(session: Session): Promise<Choices> {
  const [images, flavors, nets, keypairs, sgs] = await Promise.all([
    listImages(session),
    listFlavors(session),
    call<{ networks: (Named & { 'router:external': boolean })[] }>(session, 'network', '/v2.0/networks'),
    listKeypairs(session),
    call<{ security_groups: Named[] }>(session, 'network', `/v2.0/security-groups?project_id=${session.project.id}`),
  ]);
  return {
    images: images.filter((i) => i.status === 'active'),
    flavors,
    // Instances cannot plug into the provider network directly; they reach it through a router and floating IPs.
    networks: nets.networks.filter((n) => !n['router:external']),
    keypairs,
    groups: sgs.security_groups,
  };
}

/** Nova wants user data base64-encoded; text may hold any UTF-8. */
function base64(text: string): string {
  return btoa(Array.from(new TextEncoder().encode(text), (b) => String.fromCharCode(b)).join(''));
}

interface Form {
  name: string;
  imageId: string;
  flavorId: string;
  networkId: string;
  keyName: string;
  groups: string[];
  userData: string;
  bootFromVolume: boolean;
  volumeSize: number;
}

/** Preselects what most launches use: the first image, the smallest flavor with a disk that fits it, `default-network`. */
function defaults(c: Choices): Form {
  const image = c.images.find((i) => i.visibility === 'public') ?? c.images[0];
  const flavor = c.flavors.find((f) => f.disk > 0 && f.ram >= (image?.min_ram ?? 0) && f.disk >= (image?.min_disk ?? 0)) ?? c.flavors[0];
  return {
    name: '',
    imageId: image?.id ?? '',
    flavorId: flavor?.id ?? '',
    networkId: (c.networks.find((n) => n.name === 'default-network') ?? c.networks[0])?.id ?? '',
    keyName: c.keypairs[0]?.name ?? '',
    groups: c.groups.some((g) => g.name === 'default') ? ['default'] : [],
    userData: '',
    bootFromVolume: false,
    volumeSize: Math.max(image?.min_disk ?? 0, 10),
  };
}

function serverBody(f: Form, flavor: Flavor | undefined) {
  const fromVolume = f.bootFromVolume || flavor?.disk === 0;
  return {
    server: {
      name: f.name,
      flavorRef: f.flavorId,
      networks: f.networkId ? [{ uuid: f.networkId }] : 'none',
      security_groups: f.groups.map((name) => ({ name })),
      ...(f.keyName ? { key_name: f.keyName } : {}),
      ...(f.userData.trim() ? { user_data: base64(f.userData) } : {}),
      ...(fromVolume
        ? { block_device_mapping_v2: [{ boot_index: 0, uuid: f.imageId, source_type: 'image', destination_type: 'volume', volume_size: f.volumeSize, delete_on_termination: true }] }
        : { imageRef: f.imageId }),
    },
  };
}

export function Launch() {
  const { t } = useI18n();
  const session = useSession();
  const { data, error } = useLoad(() => choices(session), [session.project.id]);
  const [form, setForm] = useState<Form | null>(null);
  const action = useAction();
  if (!data) return <Page title={t('Launch instance')}><ErrorNote message={error} />{!error && <p className="muted">{t('Loading')}…</p>}</Page>;

  const f = form ?? defaults(data);
  const set = (patch: Partial<Form>) => setForm({ ...f, ...patch });
  const flavor = data.flavors.find((x) => x.id === f.flavorId);
  const image = data.images.find((x) => x.id === f.imageId);
  const needsVolume = flavor?.disk === 0;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => nova(session, '/servers', { method: 'POST', body: serverBody(f, flavor) }))) navigate('instances');
  };
  const toggleGroup = (name: string, on: boolean) => set({ groups: on ? [...f.groups, name] : f.groups.filter((g) => g !== name) });

  return (
    <Page title={t('Launch instance')}>
      <form className="form" onSubmit={submit} data-testid="launch-form">
        <Field label={t('Name')}>
          <input required value={f.name} onChange={(e) => set({ name: e.target.value })} data-testid="launch-name" />
        </Field>
        <Field label={t('Image')}>
          <select required value={f.imageId} onChange={(e) => set({ imageId: e.target.value })} data-testid="launch-image">
            {data.images.map((i) => <option key={i.id} value={i.id}>{i.name}{i.visibility === 'public' ? '' : ` (${t(i.visibility)})`}</option>)}
          </select>
        </Field>
        {typeof image?.image_description === 'string' && <p className="muted">{image.image_description}</p>}
        <Field label={t('Flavor')}>
          <select required value={f.flavorId} onChange={(e) => set({ flavorId: e.target.value })} data-testid="launch-flavor">
            {data.flavors.map((x) => <option key={x.id} value={x.id}>{x.name} — {x.vcpus} vCPU, {formatRam(x.ram)}{x.disk ? `, ${x.disk} GB` : ''}</option>)}
          </select>
        </Field>
        {flavor && <p className="muted" data-testid="launch-flavor-meaning">{scsMeaning(flavor.name, t) ?? t('Not an SCS standard flavor name.')}</p>}
        <Field label={t('Network')}>
          <select value={f.networkId} onChange={(e) => set({ networkId: e.target.value })} data-testid="launch-network">
            {data.networks.map((n) => <option key={n.id} value={n.id}>{n.name}</option>)}
            <option value="">{t('No network')}</option>
          </select>
        </Field>
        <Field label={t('Key pair')}>
          <select value={f.keyName} onChange={(e) => set({ keyName: e.target.value })} data-testid="launch-keypair">
            {data.keypairs.map((k) => <option key={k.name} value={k.name}>{k.name}</option>)}
            <option value="">{t('No key pair')}</option>
          </select>
        </Field>
        <fieldset className="choices">
          <legend>{t('Security groups')}</legend>
          {data.groups.map((g) => (
            <label key={g.id}>
              <input type="checkbox" checked={f.groups.includes(g.name)} onChange={(e) => toggleGroup(g.name, e.target.checked)} data-testid={`launch-sg-${g.name}`} />
              {g.name}
            </label>
          ))}
        </fieldset>
        <Field label={t('User data (cloud-init)')}>
          <textarea rows={5} value={f.userData} onChange={(e) => set({ userData: e.target.value })} placeholder="#cloud-config" data-testid="launch-user-data" />
        </Field>
        <div className="row">
          <label className="row">
            <input type="checkbox" checked={f.bootFromVolume || needsVolume} disabled={needsVolume} onChange={(e) => set({ bootFromVolume: e.target.checked })} data-testid="launch-boot-volume" />
            {t('Boot from a new volume (deleted with the instance)')}
          </label>
          {(f.bootFromVolume || needsVolume) && (
            <Field label={t('Volume size (GB)')}>
              <input type="number" min={Math.max(1, image?.min_disk ?? 1)} required value={f.volumeSize} onChange={(e) => set({ volumeSize: Number(e.target.value) })} data-testid="launch-volume-size" />
            </Field>
          )}
        </div>
        {needsVolume && <p className="muted">{t('This flavor has no root disk: the instance boots from a volume.')}</p>}
        <ErrorNote message={action.error} />
        <div className="row">
          <button className="primary" type="submit" disabled={action.busy} data-testid="launch-submit">{t('Launch')}</button>
          <button type="button" onClick={() => navigate('instances')}>{t('Cancel')}</button>
        </div>
      </form>
    </Page>
  );
}

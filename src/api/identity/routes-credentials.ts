import type { ApplicationCredentialInput } from '../../services/identity/application-credentials.ts';
import type { Ec2Credential } from '../../services/identity/credentials.ts';
import { one, type Query } from '../query.ts';
import { noContent } from '../http.ts';
import type { IdentityApi } from './plugin.ts';
import * as schemas from './schemas.ts';

type UserParams = { uid: string };

export function credentialRoutes({ app, identity, links, auth }: IdentityApi): void {
  const { applicationCredentials, credentials } = identity;
  const appCred = (uid: string) => <T extends { id: string }>(c: T) => links.entity(`users/${uid}/application_credentials`, c);
  const credential = <T extends { id: string }>(c: T) => links.entity('credentials', c);
  const ec2 = (c: Ec2Credential) => ({ ...c, links: { self: `${links.v3}/users/${c.user_id}/credentials/OS-EC2/${c.access}` } });

  app.get<{ Params: UserParams; Querystring: Query }>('/v3/users/:uid/application_credentials', async (req) => ({
    application_credentials: (await applicationCredentials.list(auth(req), req.params.uid, { name: one(req.query, 'name') })).map(appCred(req.params.uid)),
    links: links.collection(req),
  }));
  app.post<{ Params: UserParams; Body: { application_credential: ApplicationCredentialInput } }>(
    '/v3/users/:uid/application_credentials', { schema: { body: schemas.createApplicationCredential } }, async (req, reply) =>
      reply.code(201).send({ application_credential: appCred(req.params.uid)(await applicationCredentials.create(auth(req), req.params.uid, req.body.application_credential)) }));
  app.get<{ Params: UserParams & { id: string } }>('/v3/users/:uid/application_credentials/:id', async (req) =>
    ({ application_credential: appCred(req.params.uid)(await applicationCredentials.get(auth(req), req.params.uid, req.params.id)) }));
  app.delete<{ Params: UserParams & { id: string } }>('/v3/users/:uid/application_credentials/:id', async (req, reply) => {
    await applicationCredentials.delete(auth(req), req.params.uid, req.params.id);
    return noContent(reply);
  });

  app.get<{ Params: UserParams }>('/v3/users/:uid/credentials/OS-EC2', async (req) => ({
    credentials: (await credentials.listEc2(auth(req), req.params.uid)).map(ec2),
    links: links.collection(req),
  }));
  app.post<{ Params: UserParams; Body: { tenant_id: string } }>('/v3/users/:uid/credentials/OS-EC2', { schema: { body: schemas.createEc2 } }, async (req, reply) =>
    reply.code(201).send({ credential: ec2(await credentials.createEc2(auth(req), req.params.uid, req.body.tenant_id)) }));
  app.get<{ Params: UserParams & { access: string } }>('/v3/users/:uid/credentials/OS-EC2/:access', async (req) =>
    ({ credential: ec2(await credentials.getEc2(auth(req), req.params.uid, req.params.access)) }));
  app.delete<{ Params: UserParams & { access: string } }>('/v3/users/:uid/credentials/OS-EC2/:access', async (req, reply) => {
    await credentials.deleteEc2(auth(req), req.params.uid, req.params.access);
    return noContent(reply);
  });

  type Body = Parameters<typeof credentials.create>[1];
  app.get<{ Querystring: Query }>('/v3/credentials', async (req) => ({
    credentials: (await credentials.list(auth(req), { user_id: one(req.query, 'user_id'), type: one(req.query, 'type') })).map(credential),
    links: links.collection(req),
  }));
  app.post<{ Body: { credential: Body } }>('/v3/credentials', { schema: { body: schemas.createCredential } }, async (req, reply) =>
    reply.code(201).send({ credential: credential(await credentials.create(auth(req), req.body.credential)) }));
  app.get<{ Params: { id: string } }>('/v3/credentials/:id', async (req) => ({ credential: credential(await credentials.get(auth(req), req.params.id)) }));
  app.patch<{ Params: { id: string }; Body: { credential: Partial<Body> } }>('/v3/credentials/:id', { schema: { body: schemas.updateCredential } }, async (req) =>
    ({ credential: credential(await credentials.update(auth(req), req.params.id, req.body.credential)) }));
  app.delete<{ Params: { id: string } }>('/v3/credentials/:id', async (req, reply) => {
    await credentials.delete(auth(req), req.params.id);
    return noContent(reply);
  });
}

import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { api, launchCloud, login, waitForGone, type Cloud, type Session } from './cloud.ts';
import { formatTable, md5File, median, MiB, sync, timed } from './tools.ts';

const SIZE_MIB = 256;
const SIZE = SIZE_MIB * MiB;
/** Each round uploads and downloads a fresh image and copies the file once; the table shows medians. */
const ROUNDS = 3;
const IO_CHUNK = MiB;
const DELETE_TIMEOUT_MS = 30_000;

interface Image {
  id: string;
  status: string;
  size: number | null;
  checksum: string | null;
}

interface Round {
  cpMs: number;
  uploadMs: number;
  downloadMs: number;
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (body.length < 16 * 1024) body += chunk;
    });
    res.once('end', () => resolve(body));
    res.once('error', reject);
  });
}

/** Streams `source` from disk as the image's data, as glanceclient does; resolves with the wall time in ms. */
async function upload(cloud: Cloud, session: Session, imageId: string, source: string): Promise<number> {
  const path = `/image/v2/images/${imageId}/file`;
  const t0 = performance.now();
  const req = request(`${cloud.base}${path}`, {
    method: 'PUT',
    headers: { 'X-Auth-Token': session.token, 'Content-Type': 'application/octet-stream', 'Content-Length': String(statSync(source).size) },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res) => readAll(res).then((body) => resolve({ status: res.statusCode ?? 0, body }), reject));
    req.once('error', reject);
  });
  // A server that refuses early closes the connection under the sender: report its answer, not the EPIPE.
  const sent = pipeline(createReadStream(source, { highWaterMark: IO_CHUNK }), req).then(() => undefined, (err: Error) => err);
  const { status, body } = await answered;
  const ms = performance.now() - t0;
  const sendError = await sent;
  if (status !== 204) throw new Error(`PUT ${path}: expected 204, got ${status}: ${body}`);
  if (sendError) throw sendError;
  return ms;
}

/** Streams the image's data into `target`; resolves with the wall time in ms and the Content-MD5 header. */
async function download(cloud: Cloud, session: Session, imageId: string, target: string): Promise<{ ms: number; contentMd5: string | undefined }> {
  const path = `/image/v2/images/${imageId}/file`;
  const t0 = performance.now();
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    request(`${cloud.base}${path}`, { headers: { 'X-Auth-Token': session.token } }, resolve).once('error', reject).end();
  });
  if (res.statusCode !== 200) throw new Error(`GET ${path}: expected 200, got ${res.statusCode}: ${await readAll(res)}`);
  await pipeline(res, createWriteStream(target, { highWaterMark: IO_CHUNK }));
  const ms = performance.now() - t0;
  const header = res.headers['content-md5'];
  return { ms, contentMd5: Array.isArray(header) ? header[0] : header };
}

async function measureRound(cloud: Cloud, session: Session, work: string, source: string, sourceMd5: string, round: number): Promise<Round> {
  const copy = join(work, 'copy.bin');
  await sync();
  const cpMs = await timed('cp', [source, copy]);
  rmSync(copy);

  const created = await api<Image>(cloud, session, 'POST', '/image/v2/images',
    { name: `bench-image-${round}`, disk_format: 'raw', container_format: 'bare' }, [201]);
  const imagePath = `/image/v2/images/${created.id}`;
  await sync();
  const uploadMs = await upload(cloud, session, created.id, source);
  const stored = await api<Image>(cloud, session, 'GET', imagePath);
  if (stored.status !== 'active' || stored.size !== SIZE || stored.checksum !== sourceMd5) {
    throw new Error(`image after upload: status ${stored.status}, size ${stored.size}, checksum ${stored.checksum}; ` +
      `expected active, ${SIZE}, ${sourceMd5}`);
  }

  const downloaded = join(work, 'downloaded.bin');
  await sync();
  const { ms: downloadMs, contentMd5 } = await download(cloud, session, created.id, downloaded);
  const size = statSync(downloaded).size;
  const md5 = await md5File(downloaded);
  if (size !== SIZE || md5 !== sourceMd5) throw new Error(`downloaded ${size} bytes with md5 ${md5}; the source has ${SIZE} bytes, md5 ${sourceMd5}`);
  if (contentMd5 !== sourceMd5) throw new Error(`download answered Content-MD5 ${contentMd5}, the data's md5 is ${sourceMd5}`);
  rmSync(downloaded);

  await api(cloud, session, 'DELETE', imagePath, undefined, [204]);
  await waitForGone(cloud, session, imagePath, DELETE_TIMEOUT_MS);
  const dataFile = join(cloud.stateDir, 'images', created.id);
  if (existsSync(dataFile)) throw new Error(`image ${created.id} is deleted but its data file ${dataFile} is still there`);
  return { cpMs, uploadMs, downloadMs };
}

/** Glance upload and download throughput of a real `sovcloud up`, against `cp` of the same file in the same run. */
export async function run(): Promise<void> {
  const cloud = await launchCloud();
  const work = mkdtempSync(join(tmpdir(), 'sovcloud-bench-image-'));
  try {
    const session = await login(cloud);
    const source = join(work, 'source.bin');
    await timed('dd', ['if=/dev/urandom', `of=${source}`, 'bs=1M', `count=${SIZE_MIB}`, 'iflag=fullblock', 'status=none']);
    const sourceMd5 = await md5File(source);
    console.log(`image benchmark: ${SIZE_MIB} MiB of random data, ${ROUNDS} rounds (median); upload and download through ` +
      `node:http streams, baseline \`cp\` on the same filesystem; dirty pages written back (sync) before each measurement`);

    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await measureRound(cloud, session, work, source, sourceMd5, i));

    const mibps = (ms: number) => SIZE_MIB / (ms / 1000);
    const cp = mibps(median(rounds.map((r) => r.cpMs)));
    const row = (name: string, ms: number[]) => {
      const rate = mibps(median(ms));
      return [name, rate.toFixed(1), cp.toFixed(1), (rate / cp).toFixed(4), ms.map((m) => mibps(m).toFixed(0)).join(' / ')];
    };
    console.log(formatTable(['operation', 'sovcloud MiB/s', 'cp MiB/s', 'ratio', 'sovcloud MiB/s per round'], [
      row('image upload (PUT file)', rounds.map((r) => r.uploadMs)),
      row('image download (GET file)', rounds.map((r) => r.downloadMs)),
    ]));
    console.log(`cp MiB/s per round: ${rounds.map((r) => mibps(r.cpMs).toFixed(0)).join(' / ')}; downloads verified by md5 ${sourceMd5}; ratio = sovcloud MiB/s / cp MiB/s, higher is better`);
  } finally {
    rmSync(work, { recursive: true, force: true });
    console.log(`sovcloud stopped: ${await cloud.close()}`);
  }
}

// The S3-compatible server of the tests: s3rver on loopback, with what s3rver leaves out and a
// real object store does.
//   node server.mjs DIR PORT BUCKET
// - Every request must carry an AWS Signature Version 4 that this file recomputes on its own
//   (s3rver checks only version 2): a request that AWS S3, MinIO or Ceph would refuse is refused
//   here too, 403 SignatureDoesNotMatch. Access key and secret: S3RVER / S3RVER.
// - Faults on demand, for the tests of what Vireo does when the store fails: while the file
//   DIR/fail exists every request is answered by its content as an HTTP status (500, 503, ...);
//   while DIR/fail-writes exists only PUT and POST are.
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import S3rver from 's3rver';

const [dir, port, bucket] = process.argv.slice(2);
const SECRET = 'S3RVER';

const hmac = (key, text) => createHmac('sha256', key).update(text).digest();
const hex = (text) => createHash('sha256').update(text).digest('hex');
const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

// The signature the request should carry (AWS SigV4, S3 flavour: the path is not encoded twice).
function expectedSignature(req, date, scope, signedHeaders) {
  const url = new URL(req.url, 'http://x');
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signedHeaders.map((h) => `${h}:${String(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [req.method, url.pathname, query, headers, signedHeaders.join(';'),
    req.headers['x-amz-content-sha256']].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', req.headers['x-amz-date'], scope, hex(canonical)].join('\n');
  const [day, region, service] = scope.split('/');
  const key = hmac(hmac(hmac(hmac('AWS4' + SECRET, day), region), service), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

function refuse(ctx, status, code, message) {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

async function verify(ctx, next) {
  for (const [file, applies] of [['fail', true], ['fail-writes', ctx.method === 'PUT' || ctx.method === 'POST']]) {
    if (applies && existsSync(`${dir}/${file}`)) {
      const status = Number(readFileSync(`${dir}/${file}`, 'utf8').trim()) || 500;
      return refuse(ctx, status, status === 503 ? 'SlowDown' : 'InternalError', 'fault injected by the test');
    }
  }
  const auth = ctx.get('authorization');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return refuse(ctx, 403, 'AccessDenied', 'a SigV4 Authorization header is required');
  const [, accessKey, scope, signed, signature] = m;
  if (accessKey !== 'S3RVER') return refuse(ctx, 403, 'InvalidAccessKeyId', 'unknown access key');
  if (!ctx.get('x-amz-content-sha256')) return refuse(ctx, 400, 'InvalidRequest', 'x-amz-content-sha256 is required');
  const signedHeaders = signed.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date') ||
      !signedHeaders.includes('x-amz-content-sha256')) {
    return refuse(ctx, 403, 'AccessDenied', 'host, x-amz-date and x-amz-content-sha256 must be signed');
  }
  if (expectedSignature(ctx.req, ctx.get('x-amz-date'), scope, signedHeaders) !== signature) {
    return refuse(ctx, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match');
  }
  return next();
}

const server = new S3rver({
  address: '127.0.0.1', port: Number(port), directory: `${dir}/data`, silent: true,
  configureBuckets: [{ name: bucket }], vhostBuckets: false,
});
server.middleware.unshift(verify);
const { port: bound } = await server.run();
console.log(`listening on 127.0.0.1:${bound}`);

// The server's REST API and DICOMweb, from the signed-in browser: the session cookie goes
// with every same-origin request; requests that change state carry the CSRF token given
// at sign-in.
import { stowRefusal } from './stow';
import i18n from './i18n';

export interface Session {
  username: string;
  roles: string[];
  permissions: string[];
  totpEnrolmentRequired: boolean;
  passwordChangeRequired?: boolean; // an administrator reset it: a new one before anything else
  totpEnabled?: boolean; // re-authentication (signing a report) asks for the authenticator's code
  csrfToken?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

// The token a request that changes state must carry (empty before sign-in).
export function currentCsrfToken(): string {
  return csrfToken;
}

// What the person reads: the server's problem detail, except for a refusal, whose detail
// names the permission (for integrators); on screen it says what to do instead, in their language.
async function problemMessage(res: Response): Promise<string> {
  if (res.status === 403) return i18n.t('archive.forbidden');
  try {
    const p = await res.json();
    return p.detail || p.title || `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

async function call(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (!res.ok) throw new ApiError(res.status, await problemMessage(res));
  return res;
}

function remember(s: Session): Session {
  csrfToken = s.csrfToken ?? '';
  return s;
}

// The current session, or null when nobody is signed in.
export async function currentSession(): Promise<Session | null> {
  try {
    return remember(await (await call('GET', '/api/auth/session')).json());
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export async function signIn(username: string, password: string, totp: string): Promise<Session> {
  const body: Record<string, string> = { username, password };
  if (totp) body.totp = totp;
  return remember(await (await call('POST', '/api/auth/login', body)).json());
}

export async function signOut(): Promise<void> {
  await call('POST', '/api/auth/logout');
  csrfToken = '';
}

export async function beginTotp(): Promise<{ secret: string; otpauthUri: string }> {
  return (await call('POST', '/api/auth/totp')).json();
}

// The password policy's verdict on a candidate (nothing is stored).
export async function checkPassword(password: string): Promise<{ acceptable: boolean; reason: string }> {
  return (await call('POST', '/api/auth/password/check', { password })).json();
}

export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  await call('POST', '/api/auth/password', { currentPassword, newPassword });
}

// User administration (users.admin).
export interface UserRecord {
  username: string;
  displayName: string;
  roles: string[];
  disabled: boolean;
  totpEnabled: boolean;
  patientId: string;
  physicianName: string;
  failedLogins: number;
  lockedUntil: string | null;
  createdAt: string;
  temporaryPassword?: string; // only in the answer that made it
}

export async function listUsers(): Promise<UserRecord[]> {
  return (await call('GET', '/api/users')).json();
}

export async function createUser(u: { username: string; displayName: string; roles: string[]; patientId?: string;
  physicianName?: string }): Promise<UserRecord> {
  return (await call('POST', '/api/users', u)).json();
}

export async function userAction(username: string, action: 'disable' | 'enable' | 'unlock' | 'reset-totp'): Promise<UserRecord> {
  return (await call('POST', `/api/users/${encodeURIComponent(username)}/${action}`)).json();
}

export async function resetPassword(username: string): Promise<string> {
  return (await (await call('POST', `/api/users/${encodeURIComponent(username)}/reset-password`)).json()).temporaryPassword;
}

export async function setRoles(username: string, roles: string[]): Promise<void> {
  await call('PUT', `/api/users/${encodeURIComponent(username)}/roles`, roles);
}

// The audit trail (audit.read): events, newest first, filtered; and the hash chain's check.
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  role: string;
  action: string;
  outcome: string;
  patientId: string;
  studyInstanceUid: string;
  resource: string;
  source: string;
  detail: string;
}

export function auditQuery(f: { user?: string; patient?: string; action?: string; from?: string; to?: string }, limit: number,
  offset: number, format = 'json'): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  q.set('limit', String(limit));
  if (offset) q.set('offset', String(offset));
  if (format !== 'json') q.set('format', format);
  return `/api/audit?${q}`;
}

export async function auditEvents(path: string): Promise<AuditEntry[]> {
  return (await call('GET', path)).json();
}

export async function verifyAudit(): Promise<{ ok: boolean; events: number; firstBrokenId: number | null; reason: string }> {
  return (await call('GET', '/api/audit/verify')).json();
}

// The one-time recovery codes, shown once.
export async function confirmTotp(code: string): Promise<string[]> {
  return (await (await call('POST', '/api/auth/totp/confirm', { code })).json()).recoveryCodes ?? [];
}

// A DICOM JSON answer (QIDO-RS, WADO-RS metadata); 204 is an empty list.
export async function dicomJson(path: string): Promise<DicomJson[]> {
  const res = await call('GET', path, undefined, 'application/dicom+json');
  if (res.status === 204) return [];
  const text = await res.text();
  return text.trim() ? JSON.parse(text) : [];
}

export type DicomJson = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string }>;

// The signed-in user's measurements and annotations on a study (Cornerstone3D's own JSON).
export async function loadAnnotations(study: string): Promise<unknown[]> {
  return (await (await call('GET', `/api/studies/${study}/annotations`)).json()).annotations ?? [];
}

export async function saveAnnotations(study: string, annotations: unknown[]): Promise<void> {
  await call('PUT', `/api/studies/${study}/annotations`, { annotations });
}

// What the server tells the application at start (viewer settings).
export interface WebSettings {
  imageCacheBytes?: number;
}

export async function webSettings(): Promise<WebSettings> {
  return (await call('GET', '/api/web/settings')).json();
}

// AI findings on a study (every source's), as the server keeps them; see viewer/ai.ts.
export async function aiFindings(study: string): Promise<unknown> {
  return (await call('GET', `/api/studies/${study}/ai/findings`)).json();
}

// STOW-RS of Part 10 files into a study; resolves with the stored SOP Instance UIDs, rejects
// when the archive refused any.
export async function storeInstances(study: string, files: ArrayBuffer[]): Promise<string[]> {
  const boundary = `vireo-${crypto.randomUUID()}`;
  const parts: BlobPart[] = [];
  for (const f of files) parts.push(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, f, '\r\n');
  parts.push(`--${boundary}--\r\n`);
  const res = await fetch(`/dicom-web/studies/${study}`, {
    method: 'POST',
    headers: {
      'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
      Accept: 'application/dicom+json',
      'X-CSRF-Token': csrfToken,
    },
    body: new Blob(parts),
    credentials: 'same-origin',
  });
  const dicomAnswer = /^application\/dicom\+json/i.test(res.headers.get('Content-Type') ?? '');
  if (!res.ok && !dicomAnswer) throw new ApiError(res.status, await problemMessage(res));
  const answer = (await res.json()) as DicomJson;
  const refusal = stowRefusal(answer, files.length);
  if (refusal || !res.ok || res.status === 202) throw new ApiError(res.status, refusal ?? i18n.t('archive.http', { status: res.status }));
  return (answer['00081199']?.Value ?? []).map((item) => String((item as DicomJson)['00081155']?.Value?.[0] ?? ''));
}

// Personal API tokens (users.admin sees everyone's) and OAuth clients for integrations.
export interface TokenRecord {
  id: number;
  username: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsed: string | null;
  revoked: boolean;
  token?: string; // only in the answer that made it
}

export async function listTokens(): Promise<TokenRecord[]> {
  return (await call('GET', '/api/tokens')).json();
}

export async function createTokenFor(username: string, t: { name: string; scopes: string[]; expiresInDays?: number }): Promise<TokenRecord> {
  return (await call('POST', `/api/users/${encodeURIComponent(username)}/tokens`, t)).json();
}

export async function revokeToken(id: number): Promise<void> {
  await call('DELETE', `/api/tokens/${id}`);
}

export interface OAuthClientRecord {
  clientId: string;
  username: string;
  name: string;
  scopes: string[];
  createdAt: string;
  revoked: boolean;
  clientSecret?: string; // only in the answer that made it
}

export async function listClients(): Promise<OAuthClientRecord[]> {
  return (await call('GET', '/api/oauth-clients')).json();
}

export async function createClient(c: { username: string; name: string; scopes: string[] }): Promise<OAuthClientRecord> {
  return (await call('POST', '/api/oauth-clients', c)).json();
}

export async function revokeClient(clientId: string): Promise<void> {
  await call('DELETE', `/api/oauth-clients/${encodeURIComponent(clientId)}`);
}

// The DICOM side: this archive's AE title and ports, the configured peers, and a C-ECHO to one.
export interface DicomPeers {
  aet: string;
  host: string;
  port: number;
  tlsPort: number | null;
  unknownCallers: 'loopback' | 'refuse' | 'accept';
  peers: { aet: string; host: string; port: number }[];
}

export async function dicomPeers(): Promise<DicomPeers> {
  return (await call('GET', '/api/dicom/peers')).json();
}

export async function echoPeer(aet: string): Promise<{ ok: boolean; milliseconds?: number; detail?: string }> {
  return (await call('POST', `/api/dicom/peers/${encodeURIComponent(aet)}/echo`)).json();
}

// The archive's state for the status page.
export interface SystemStatus {
  counts: { patients: number; studies: number; series: number; instances: number };
  storage: { archiveBytes: number; freeBytes: number | null; minFreeBytes: number };
  rejections: { at: string; source: string; SOPInstanceUID: string; reason: string }[];
  conflicts: { at: string; source: string; SOPInstanceUID: string; resolution: string }[];
  // What one part of Vireo told another (the outbox): waiting, and given up after its retries.
  events: {
    pending: number;
    failed: number;
    failures: { id: number; topic: string; consumer: string; at: string; attempts: number; lastError: string }[];
  };
}

export async function systemStatus(): Promise<SystemStatus> {
  return (await call('GET', '/api/system/status')).json();
}

// A delivery given up after its retries goes back to be delivered now.
export async function retryEvent(id: number): Promise<void> {
  await call('POST', `/api/events/failed/${id}/retry`);
}

// The certificate a radiologist signs reports with, on their account page: the clinic's (its CA
// issues one at their first signature) or their own, brought as a PKCS#12 file with its password
// or chosen among theirs on the clinic's security module, confirmed by re-authenticating; and the
// way back to the clinic's.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, FileTrigger, Input, Label, Radio, RadioGroup, Text, TextField } from 'react-aria-components';
import { ApiProblem, jsonApi, unwrap } from '../apiClient';
import { formatLocale } from '../i18n';
import { formatLongDate } from '../i18n/format';
import { useSession } from '../session';
import { ChoiceField, Notice } from '../ui/fields';
import { errorText } from '../ui/errorText';
import { readableName } from './distinguishedName';
import type { TokenCertificate } from './types';

const KEY = ['account', 'signing-certificate'] as const;
const TOKEN_KEY = ['account', 'signing-certificate', 'token'] as const;
const REFUSALS = ['wrong_password', 'not_pkcs12', 'no_key', 'not_for_signing', 'expired', 'not_yet_valid', 'untrusted',
  'other_person', 'not_on_token', 'revoked', 'revocation_unavailable'];
type Way = 'file' | 'token';

function base64Of(bytes: ArrayBuffer): string {
  let text = '';
  const view = new Uint8Array(bytes);
  for (let i = 0; i < view.length; i += 0x8000) text += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(text);
}

export function SigningCertificate() {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  const totp = useSession().session.totpEnabled === true;
  const client = useQueryClient();
  const current = useQuery({
    queryKey: KEY,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/account/signing-certificate', { signal })),
  });
  const onToken = useQuery({
    queryKey: TOKEN_KEY,
    queryFn: ({ signal }) => unwrap(jsonApi.GET('/api/account/signing-certificate/token', { signal })),
  });
  const tokenConfigured = onToken.data?.configured === true;
  const [way, setWay] = useState<Way>('file');
  const [fingerprint, setFingerprint] = useState('');
  const [file, setFile] = useState<{ name: string; bytes: ArrayBuffer } | null>(null);
  const [password, setPassword] = useState('');
  const [secret, setSecret] = useState('');
  const [problem, setProblem] = useState('');
  const [done, setDone] = useState('');
  const problemOf = (e: unknown) => {
    if (e instanceof ApiProblem && e.status === 400) {
      const rule = e.problem.errors?.find((x) => x.field === 'pkcs12' || x.field === 'object')?.rule ?? '';
      if (REFUSALS.includes(rule)) return t(`account.certificate.refused.${rule}` as 'account.certificate.refused.untrusted');
      if (e.problem.errors?.some((x) => x.field === 'reauthentication')) return t('report.rules.code');
    }
    if (e instanceof ApiProblem && e.status === 403) return t('account.certificate.wrongSecret');
    if (e instanceof ApiProblem && e.status === 429) return t('report.rules.locked');
    return errorText(t, e);
  };
  const use = useMutation({
    mutationFn: () => (way === 'token'
      ? unwrap(jsonApi.PUT('/api/account/signing-certificate/token', { body: { certificate: fingerprint, reauthentication: secret } }))
      : unwrap(jsonApi.PUT('/api/account/signing-certificate', {
        body: { pkcs12: file ? base64Of(file.bytes) : '', password, reauthentication: secret } }))),
    onSuccess: (data) => {
      client.setQueryData(KEY, data);
      setFile(null);
      setPassword('');
      setSecret('');
      setProblem('');
      setDone(t(data.source === 'token' ? 'account.certificate.nowToken' : 'account.certificate.nowOwn'));
    },
    onError: (e) => { setSecret(''); setProblem(problemOf(e)); },
  });
  const back = useMutation({
    mutationFn: () => unwrap(jsonApi.DELETE('/api/account/signing-certificate', { body: { reauthentication: secret } })),
    onSuccess: (data) => {
      client.setQueryData(KEY, data);
      setSecret('');
      setProblem('');
      setDone(t('account.certificate.nowClinic'));
    },
    onError: (e) => { setSecret(''); setProblem(problemOf(e)); },
  });
  const c = current.data;
  // Those that can sign first.
  const mine = [...(onToken.data?.certificates ?? [])].sort((a, b) => Number(!!a.problem) - Number(!!b.problem));
  const chosen = way === 'token' ? !!fingerprint : !!file;
  return (
    <section className="account-card" aria-labelledby="signing-certificate-title" data-testid="signing-certificate">
      <h2 id="signing-certificate-title">{t('account.certificate.title')}</h2>
      {current.isError && <Notice tone="error">{errorText(t, current.error)}</Notice>}
      {c && (
        <dl className="certificate" data-source={c.source}>
          <dt>{t('account.certificate.source')}</dt>
          <dd data-testid="certificate-source">{t(c.source === 'own' ? 'account.certificate.own'
            : c.source === 'token' ? 'account.certificate.token' : 'account.certificate.clinic')}</dd>
          {c.subject && (<><dt>{t('account.certificate.subject')}</dt>
            <dd data-testid="certificate-subject" data-subject={c.subject} title={c.subject}>{readableName(c.subject)}</dd></>)}
          {c.issuer && (<><dt>{t('account.certificate.issuer')}</dt><dd title={c.issuer}>{readableName(c.issuer)}</dd></>)}
          {c.notAfter && (<><dt>{t('account.certificate.until')}</dt><dd>{formatLongDate(c.notAfter.slice(0, 10), locale)}</dd></>)}
          {!c.subject && <dd className="hint">{t('account.certificate.noneYet')}</dd>}
        </dl>
      )}
      {done && <Notice tone="ok" testId="certificate-done">{done}</Notice>}
      <form className="certificate-form" noValidate onSubmit={(e) => { e.preventDefault(); setDone(''); use.mutate(); }}>
        {tokenConfigured && (
          <ChoiceField<Way> name="certificate-way" label={t('account.certificate.way')} value={way}
            onChange={(v) => { setWay(v); setProblem(''); }}
            options={[{ value: 'file', label: t('account.certificate.wayFile') },
              { value: 'token', label: t('account.certificate.wayToken') }]} />
        )}
        {way === 'token' && tokenConfigured ? (
          <TokenCertificates certificates={mine} value={fingerprint} onChange={setFingerprint} />
        ) : (<>
        <p className="hint">{t('account.certificate.hint')}</p>
        <div className="file-choice">
          <FileTrigger acceptedFileTypes={['.p12', '.pfx', 'application/x-pkcs12']} onSelect={(files) => {
            const chosen = files?.[0];
            if (chosen) void chosen.arrayBuffer().then((bytes) => setFile({ name: chosen.name, bytes }));
          }}>
            <Button data-testid="choose-p12">{t('account.certificate.choose')}</Button>
          </FileTrigger>
          <span aria-live="polite">{file ? file.name : t('account.certificate.noFile')}</span>
        </div>
        <TextField name="p12-password" value={password} onChange={setPassword} type="password" className="field">
          <Label className="react-aria-Label">{t('account.certificate.password')}</Label>
          <Input autoComplete="off" data-testid="p12-password" />
        </TextField>
        </>)}
        <TextField name="certificate-reauthentication" value={secret} onChange={setSecret} isRequired className="field"
          type={totp ? 'text' : 'password'}>
          <Label className="react-aria-Label">{t(totp ? 'report.code' : 'report.password')}</Label>
          <Input autoComplete={totp ? 'one-time-code' : 'current-password'} inputMode={totp ? 'numeric' : undefined}
            maxLength={totp ? 6 : undefined} data-testid="certificate-reauthentication" />
          <Text slot="description" className="hint">{t('account.certificate.confirm')}</Text>
        </TextField>
        {problem && <Notice tone="error" testId="certificate-problem">{problem}</Notice>}
        <div className="form-actions">
          <Button type="submit" className="primary" isDisabled={!chosen || !secret || use.isPending} data-testid="use-certificate">
            {t('account.certificate.use')}
          </Button>
          {(c?.source === 'own' || c?.source === 'token') && (
            <Button onPress={() => { setDone(''); back.mutate(); }} isDisabled={!secret || back.isPending} data-testid="back-to-clinic">
              {t('account.certificate.back')}
            </Button>
          )}
        </div>
      </form>
    </section>
  );
}


// The radiologist's certificates on the security module; those that may not sign say why and
// cannot be chosen.
function TokenCertificates({ certificates, value, onChange }: {
  certificates: TokenCertificate[];
  value: string;
  onChange: (fingerprint: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = formatLocale(i18n.language);
  if (certificates.length === 0) return <p className="hint" data-testid="token-none">{t('account.certificate.tokenNone')}</p>;
  return (
    <RadioGroup name="token-certificate" value={value || null} onChange={onChange} className="field token-certificates"
      data-testid="token-certificates">
      <Label>{t('account.certificate.tokenChoose')}</Label>
      {certificates.map((c) => (
        <Radio key={c.fingerprint} value={c.fingerprint} isDisabled={!!c.problem} data-testid={`token-certificate-${c.object}`}>
          <span className="token-name" title={c.subject}>{readableName(c.subject)}</span>
          <span className="hint">
            {t('account.certificate.tokenLine', { issuer: readableName(c.issuer),
              until: formatLongDate(c.notAfter.slice(0, 10), locale), label: c.label })}
          </span>
          {c.problem && (
            <span className="token-problem">
              {REFUSALS.includes(c.rule)
                ? t(`account.certificate.refused.${c.rule}` as 'account.certificate.refused.untrusted')
                : c.problem}
            </span>
          )}
        </Radio>
      ))}
    </RadioGroup>
  );
}

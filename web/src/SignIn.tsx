import { type FormEvent, useEffect, useState } from 'react';
import QRCode from 'qrcode';
import { useTranslation } from 'react-i18next';
import { type Session, beginTotp, confirmTotp, signIn } from './api';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await signIn(username, password, code));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="sign-in" onSubmit={submit} aria-label={t('signIn.title')}>
      <h1>{t('app.name')}</h1>
      <label>
        {t('signIn.username')}
        <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
      </label>
      <label>
        {t('signIn.password')}
        <input name="password" type="password" autoComplete="current-password" value={password}
          onChange={(e) => setPassword(e.target.value)} />
      </label>
      <label>
        {t('signIn.totpCode')} <span className="hint">{t('signIn.ifAny')}</span>
        <input name="totp" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />
      </label>
      {error && (
        <div role="alert" className="error">
          <p>{error[0].toUpperCase() + error.slice(1)}.</p>
          {/* The same words whether or not the account exists or is locked. */}
          <p className="hint">{t('signIn.locked')}</p>
        </div>
      )}
      <button type="submit" disabled={busy || !username || !password}>{t('signIn.title')}</button>
    </form>
  );
}

// Roles that require a second factor reach only this page until they have one.
export function TotpEnrolment({ onDone, onSignOut }: { onDone: () => void; onSignOut: () => void }) {
  const { t } = useTranslation();
  const [secret, setSecret] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [recovery, setRecovery] = useState<string[] | null>(null);

  async function start() {
    setError('');
    try {
      setSecret(await beginTotp());
    } catch (err) {
      setError((err as Error).message);
    }
  }
  async function confirm(e: FormEvent) {
    e.preventDefault();
    setError('');
    try {
      setRecovery(await confirmTotp(code));
    } catch (err) {
      setError((err as Error).message);
    }
  }

  if (recovery) {
    return (
      <div className="sign-in" aria-label={t('signIn.totp.recoveryTitle')}>
        <h1>{t('signIn.totp.recoveryTitle')}</h1>
        <p>{t('signIn.totp.recoveryBody')}</p>
        <code className="secret">{recovery.join(' ')}</code>
        <button type="button" onClick={onDone}>{t('signIn.totp.saved')}</button>
      </div>
    );
  }
  return (
    <form className="sign-in" onSubmit={confirm} aria-label={t('signIn.totp.label')}>
      <h1>{t('signIn.totp.title')}</h1>
      <p>{t('signIn.totp.needed')}</p>
      {!secret && <button type="button" onClick={start}>{t('signIn.totp.start')}</button>}
      {secret && (
        <>
          <p>{t('signIn.totp.scan')}</p>
          <QrCode text={secret.otpauthUri} />
          <code className="secret">{secret.secret}</code>
          <label>
            {t('signIn.totp.code')}
            <input name="code" inputMode="numeric" value={code} onChange={(e) => setCode(e.target.value)} autoFocus />
          </label>
          <button type="submit" disabled={!code}>{t('signIn.totp.confirm')}</button>
        </>
      )}
      {error && <p role="alert" className="error">{error}</p>}
      <button type="button" className="link" onClick={onSignOut}>{t('nav.signOut')}</button>
    </form>
  );
}

// The otpauth:// address as a QR code (the qrcode library), for the phone's camera.
function QrCode({ text }: { text: string }) {
  const { t } = useTranslation();
  const [src, setSrc] = useState('');
  useEffect(() => {
    let gone = false;
    QRCode.toDataURL(text, { margin: 2, width: 200, errorCorrectionLevel: 'M' }).then((url) => !gone && setSrc(url), () => undefined);
    return () => {
      gone = true;
    };
  }, [text]);
  return src ? <img className="qr" src={src} width={200} height={200} alt={t('signIn.totp.qr')} data-testid="totp-qr" /> : null;
}

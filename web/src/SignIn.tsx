import { type FormEvent, useEffect, useState } from 'react';
import QRCode from 'qrcode';
import { type Session, beginTotp, confirmTotp, signIn } from './api';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
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
    <form className="sign-in" onSubmit={submit} aria-label="Sign in">
      <h1>Vireo</h1>
      <label>
        User name
        <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" value={password}
          onChange={(e) => setPassword(e.target.value)} />
      </label>
      <label>
        Authenticator code <span className="hint">(if your account has one)</span>
        <input name="totp" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />
      </label>
      {error && (
        <div role="alert" className="error">
          <p>{error[0].toUpperCase() + error.slice(1)}.</p>
          {/* The same words whether or not the account exists or is locked. */}
          <p className="hint">After several failed attempts an account is locked for a while. Wait, or ask an
            administrator to unlock it or to reset your password.</p>
        </div>
      )}
      <button type="submit" disabled={busy || !username || !password}>Sign in</button>
    </form>
  );
}

// Roles that require a second factor reach only this page until they have one.
export function TotpEnrolment({ onDone, onSignOut }: { onDone: () => void; onSignOut: () => void }) {
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
      <div className="sign-in" aria-label="Recovery codes">
        <h1>Recovery codes</h1>
        <p>Keep these codes somewhere safe: each one signs you in once if you lose your authenticator. They are not shown again.</p>
        <code className="secret">{recovery.join(' ')}</code>
        <button type="button" onClick={onDone}>I have saved them — continue</button>
      </div>
    );
  }
  return (
    <form className="sign-in" onSubmit={confirm} aria-label="Set up a second factor">
      <h1>Second factor</h1>
      <p>Your role needs an authenticator app (TOTP) before you can go on.</p>
      {!secret && <button type="button" onClick={start}>Set up an authenticator</button>}
      {secret && (
        <>
          <p>Scan this code with your authenticator app, or type the key below into it; then enter the code it shows:</p>
          <QrCode text={secret.otpauthUri} />
          <code className="secret">{secret.secret}</code>
          <label>
            Code
            <input name="code" inputMode="numeric" value={code} onChange={(e) => setCode(e.target.value)} autoFocus />
          </label>
          <button type="submit" disabled={!code}>Confirm</button>
        </>
      )}
      {error && <p role="alert" className="error">{error}</p>}
      <button type="button" className="link" onClick={onSignOut}>Sign out</button>
    </form>
  );
}

// The otpauth:// address as a QR code (the qrcode library), for the phone's camera.
function QrCode({ text }: { text: string }) {
  const [src, setSrc] = useState('');
  useEffect(() => {
    let gone = false;
    QRCode.toDataURL(text, { margin: 2, width: 200, errorCorrectionLevel: 'M' }).then((url) => !gone && setSrc(url), () => undefined);
    return () => {
      gone = true;
    };
  }, [text]);
  return src ? <img className="qr" src={src} width={200} height={200} alt="QR code of the authenticator key" data-testid="totp-qr" /> : null;
}

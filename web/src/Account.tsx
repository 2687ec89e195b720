// The signed-in person's own account: a new password, checked against the policy as it is
// typed (the server's rules, not a copy of them). Also the page a reset password leads to.
import { type FormEvent, useEffect, useState } from 'react';
import { changePassword, checkPassword } from './api';

export function PasswordChange({ forced, onDone, onSignOut }: {
  forced: boolean; // an administrator reset the password: nothing else until it is changed
  onDone: () => void;
  onSignOut: () => void;
}) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [verdict, setVerdict] = useState<{ acceptable: boolean; reason: string } | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  // The policy's verdict a moment after typing stops.
  useEffect(() => {
    if (!next) return setVerdict(null);
    let gone = false;
    const t = setTimeout(() => checkPassword(next).then((v) => !gone && setVerdict(v), () => undefined), 250);
    return () => {
      gone = true;
      clearTimeout(t);
    };
  }, [next]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await changePassword(current, next);
      setDone(true);
    } catch (err) {
      setError(`${(err as Error).message}.`);
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <div className="sign-in" aria-label="Password changed">
        <h1>Password changed</h1>
        <p>Use the new password from now on. Your other signed-in browsers have been signed out.</p>
        <button type="button" onClick={onDone}>Continue</button>
      </div>
    );
  }
  const mismatch = repeat !== '' && repeat !== next;
  return (
    <form className="sign-in" onSubmit={submit} aria-label="Change your password">
      <h1>{forced ? 'Choose a new password' : 'Change your password'}</h1>
      {forced && <p>An administrator reset your password. Choose your own before you go on.</p>}
      <label>
        {forced ? 'Temporary password' : 'Current password'}
        <input name="current" type="password" autoComplete="current-password" value={current}
          onChange={(e) => setCurrent(e.target.value)} autoFocus />
      </label>
      <label>
        New password
        <input name="new" type="password" autoComplete="new-password" value={next} aria-describedby="password-verdict"
          onChange={(e) => setNext(e.target.value)} />
      </label>
      <p id="password-verdict" className={verdict?.acceptable ? 'ok' : 'hint'} aria-live="polite" data-testid="password-verdict">
        {!next ? 'A few unrelated words make a strong password that is easy to remember.'
          : !verdict ? 'Checking…'
            : verdict.acceptable ? 'This password is strong enough.'
              : `${verdict.reason[0].toUpperCase()}${verdict.reason.slice(1)}.`}
      </p>
      <label>
        New password again
        <input name="repeat" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)}
          aria-invalid={mismatch} />
      </label>
      {mismatch && <p className="error" role="alert">The two new passwords differ.</p>}
      {error && <p role="alert" className="error">{error}</p>}
      <button type="submit" disabled={busy || !current || !verdict?.acceptable || repeat !== next}>Change password</button>
      {forced
        ? <button type="button" className="link" onClick={onSignOut}>Sign out</button>
        : <button type="button" className="link" onClick={onDone}>Back to the study list</button>}
    </form>
  );
}

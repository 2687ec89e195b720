// The signed-in person's own account: a new password, checked against the policy as it is
// typed (the server's rules, not a copy of them). Also the page a reset password leads to.
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { changePassword, checkPassword } from './api';

export function PasswordChange({ forced, onDone, onSignOut }: {
  forced: boolean; // an administrator reset the password: nothing else until it is changed
  onDone: () => void;
  onSignOut: () => void;
}) {
  const { t } = useTranslation();
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
    const timer = setTimeout(() => checkPassword(next).then((v) => !gone && setVerdict(v), () => undefined), 250);
    return () => {
      gone = true;
      clearTimeout(timer);
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
      <div className="sign-in" aria-label={t('account.changed')}>
        <h1>{t('account.changed')}</h1>
        <p>{t('account.changedBody')}</p>
        <button type="button" onClick={onDone}>{t('account.continue')}</button>
      </div>
    );
  }
  const mismatch = repeat !== '' && repeat !== next;
  return (
    <form className="sign-in" onSubmit={submit} aria-label={t('account.change')}>
      <h1>{forced ? t('account.chooseNew') : t('account.change')}</h1>
      {forced && <p>{t('account.forced')}</p>}
      <label>
        {forced ? t('account.temporaryPassword') : t('account.currentPassword')}
        <input name="current" type="password" autoComplete="current-password" value={current}
          onChange={(e) => setCurrent(e.target.value)} autoFocus />
      </label>
      <label>
        {t('account.newPassword')}
        <input name="new" type="password" autoComplete="new-password" value={next} aria-describedby="password-verdict"
          onChange={(e) => setNext(e.target.value)} />
      </label>
      <p id="password-verdict" className={verdict?.acceptable ? 'ok' : 'hint'} aria-live="polite" data-testid="password-verdict">
        {!next ? t('account.advice')
          : !verdict ? t('account.checking')
            : verdict.acceptable ? t('account.strongEnough')
              : `${verdict.reason[0].toUpperCase()}${verdict.reason.slice(1)}.`}
      </p>
      <label>
        {t('account.newPasswordAgain')}
        <input name="repeat" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)}
          aria-invalid={mismatch} />
      </label>
      {mismatch && <p className="error" role="alert">{t('account.mismatch')}</p>}
      {error && <p role="alert" className="error">{error}</p>}
      <button type="submit" disabled={busy || !current || !verdict?.acceptable || repeat !== next}>{t('account.submit')}</button>
      {forced
        ? <button type="button" className="link" onClick={onSignOut}>{t('nav.signOut')}</button>
        : <button type="button" className="link" onClick={onDone}>{t('account.back')}</button>}
    </form>
  );
}

// Signing: the text is saved, then the radiologist confirms who they are (the code of their
// authenticator app, or their password) and the server signs the PDF with their certificate.
// A wrong code is said as such and nothing is signed; the dialog stays open to try again.
// Before the code, the text's checks (the side it names against the exam's, the finding its
// template asks for): one that blocks keeps Sign disabled until the text is corrected; a warning
// until the radiologist ticks that it was checked.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Input, Label, Text, TextField } from 'react-aria-components';
import { useSession } from '../session';
import { FormDialog } from '../ui/FormDialog';
import { CheckboxField, Notice } from '../ui/fields';
import { type DraftKind, signChecks, useSignReport } from './reading';
import { reportProblemText } from './problems';
import { acknowledgementOf, checksOfProblem, signCheckText, stopsSigning } from './signChecks';
import type { SignCheck } from './types';

export function SignDialog({ orderId, kind, subject, flush, onClose }: {
  orderId: number; kind: DraftKind; flush: () => Promise<number>; onClose: () => void;
  subject: string; // whose exam, which: said again where the signature is given
}) {
  const { t } = useTranslation();
  const sign = useSignReport(orderId);
  const totp = useSession().session.totpEnabled === true;
  const [secret, setSecret] = useState('');
  const [problem, setProblem] = useState('');
  const [checks, setChecks] = useState<SignCheck[] | null>(null);
  const [acknowledged, setAcknowledged] = useState<string[]>([]);
  // Once, when the dialog opens: the text is saved, then checked as saved.
  const flushNow = useRef(flush);
  flushNow.current = flush;
  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        await flushNow.current();
        const found = await signChecks(orderId);
        if (live) setChecks(found);
      } catch (e) {
        if (live) {
          setChecks([]);
          setProblem(reportProblemText(t, e));
        }
      }
    })();
    return () => {
      live = false;
    };
  }, [orderId, t]);
  const send = async () => {
    setProblem('');
    try {
      const revision = await flush();
      await sign.mutateAsync({ revision, reauthentication: secret, acknowledged });
      onClose();
    } catch (e) {
      setSecret('');
      const found = checksOfProblem(e);
      if (found) setChecks(found);
      setProblem(reportProblemText(t, e));
    }
  };
  const blocking = (checks ?? []).filter((c) => c.level === 'block');
  const warnings = (checks ?? []).filter((c) => c.level === 'warn');
  const stopped = checks === null || stopsSigning(checks, acknowledged);
  // Each warning shown, by itself: one that appears later is not covered by this tick.
  const acknowledgeAll = (yes: boolean) => setAcknowledged(yes ? warnings.map(acknowledgementOf) : []);
  return (
    <FormDialog title={t(kind === 'addendum' ? 'report.signAddendumTitle' : 'report.signTitle')} isOpen onClose={onClose}
      testId="sign-dialog">
      <form onSubmit={(e) => { e.preventDefault(); void send(); }}>
        <p className="sign-subject" data-testid="sign-subject">{subject}</p>
        <p className="hint">{t('report.signIntro')}</p>
        {checks === null && <p className="hint" role="status">{t('report.checks.checking')}</p>}
        {blocking.length > 0 && (
          <Notice tone="error" testId="sign-blocked">
            {t('report.checks.blocked')}
            <ul>{blocking.map((c) => <li key={`${c.rule}-${c.field}`}>{signCheckText(t, c)}</li>)}</ul>
          </Notice>
        )}
        {warnings.length > 0 && (
          <Notice tone="warning" testId="sign-warned">
            {t('report.checks.warned')}
            <ul>{warnings.map((c) => <li key={`${c.rule}-${c.field}`}>{signCheckText(t, c)}</li>)}</ul>
            <CheckboxField name="acknowledge-warnings" label={t('report.checks.acknowledge')}
              value={!stopsSigning(warnings, acknowledged)} onChange={acknowledgeAll} />
          </Notice>
        )}
        {/* An authenticator's code for accounts that have one (a password manager must not fill
            the password in, where it would count as a wrong code), else the password. */}
        <TextField name="reauthentication" value={secret} onChange={setSecret} isRequired className="field" autoFocus
          type={totp ? 'text' : 'password'}>
          <Label className="react-aria-Label">{t(totp ? 'report.code' : 'report.password')}</Label>
          <Input autoComplete={totp ? 'one-time-code' : 'current-password'} inputMode={totp ? 'numeric' : undefined}
            maxLength={totp ? 6 : undefined} data-testid="reauthentication" />
          <Text slot="description" className="hint">{t(totp ? 'report.codeHint' : 'report.passwordHint')}</Text>
        </TextField>
        {problem && <Notice tone="error" testId="sign-problem">{problem}</Notice>}
        <div className="dialog-actions">
          <Button type="submit" className="primary" isDisabled={secret === '' || sign.isPending || stopped} data-testid="confirm-sign">
            {sign.isPending ? t('report.signing') : t('report.confirmSign')}
          </Button>
          <Button onPress={onClose}>{t('report.cancel')}</Button>
        </div>
      </form>
    </FormDialog>
  );
}
